"""Store installation: OAuth against the simulator, tokens encrypted at rest, idempotent webhook registration."""

from __future__ import annotations

import dataclasses
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from lojasync.crypto import TokenCipher, TokenDecryptError
from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.entrypoints.web.app import create_app
from lojasync.entrypoints.web.install import STATE_COOKIE
from lojasync.nuvemshop.oauth import OAuthError, exchange_code
from lojasync.nuvemshop.services.install_invite import make_invite
from lojasync.nuvemshop.services.stores import add_store
from lojasync.nuvemshop.webhook_topics import SUBSCRIBED_EVENTS
from lojasync.simulators.nuvemshop.config import DEFAULT_APP_ID, DEFAULT_CLIENT_SECRET, SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer

TOKEN = "f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed"
PUBLIC_URL = "http://127.0.0.1:8765"
HOOK_URL = f"{PUBLIC_URL}/webhooks/nuvemshop"


class FakeQueue:
    def __init__(self) -> None:
        self.huey = self

    def drain_soon(self, store_id: int) -> None:  # the install never enqueues
        raise AssertionError("unexpected drain")


def raw_token(app, external_id: str) -> str:
    with app.engine.connect() as conn:
        return conn.execute(text("SELECT access_token FROM nuvemshop_stores WHERE external_id = :e"),
                            {"e": external_id}).scalar_one()


def store_record(app, external_id: str):
    with app.uow() as uow:
        store = uow.stores.by_external_id(external_id)
        uow.session.expunge(store)
        return store


def words(html: str) -> str:
    """The page's text as a person reads it (tags dropped, spaces collapsed)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace(" .", ".").replace(" ,", ",").strip()


def assert_no_cli(html: str) -> None:
    """A person in the browser is never told to run a command."""
    assert not re.search(r"lojasync (store|sync|users|tokens|import-rules|company|orders|invoices|products)\b",
                         words(html)), words(html)
    assert "<code>lojasync" not in html and "Traceback" not in html


@pytest.fixture()
def simulator():
    config = SimulatorConfig(orders=2, seed=4, deliver_webhooks=False,
                             redirect_url="https://lojasync.test/nuvemshop/callback")
    with SimulatorServer(config=config) as server:
        yield server


@pytest.fixture()
def installer(app, simulator):
    """The app configured as the simulator's Nuvemshop app, and a browser on it."""
    settings = app.settings.model_copy(update={
        "nuvemshop_client_id": DEFAULT_APP_ID,
        "nuvemshop_client_secret": DEFAULT_CLIENT_SECRET,
        "nuvemshop_authorize_url": f"{simulator.url}/apps/{{app_id}}/authorize",
        "nuvemshop_token_url": f"{simulator.url}/apps/authorize/token",
        "nuvemshop_api_url": simulator.api_url,
        "public_url": PUBLIC_URL,
    })
    container = dataclasses.replace(app, settings=settings)
    browser = TestClient(create_app(container, FakeQueue()))
    browser.container = container
    return browser


def install_url(browser) -> str:
    return f"/nuvemshop/install?convite={make_invite(browser.app.state.container.cipher)}"


def authorize(browser, simulator) -> tuple[str, str]:
    """Start an install in `browser` and let the simulated merchant approve: (code, state)."""
    started = browser.get(install_url(browser), follow_redirects=False)
    assert started.status_code == 302
    location = started.headers["location"]
    assert location.startswith(f"{simulator.url}/apps/{DEFAULT_APP_ID}/authorize?state=")
    approved = httpx.get(location, follow_redirects=False)
    assert approved.status_code == 302
    back = urlsplit(approved.headers["location"])
    assert (back.netloc, back.path) == ("lojasync.test", "/nuvemshop/callback")
    query = parse_qs(back.query)
    assert query["state"] == parse_qs(urlsplit(location).query)["state"]
    return query["code"][0], query["state"][0]


# tokens at rest ----------------------------------------------------------------------------------

def test_token_is_encrypted_at_rest_and_decrypted_for_api_calls(app):
    add_store(app.uow(), app.cipher, "1234567", TOKEN, "https://api.test/2025-03")
    stored = raw_token(app, "1234567")
    assert stored != TOKEN and TOKEN not in stored
    assert app.cipher.decrypt(stored) == TOKEN

    seen: list[str] = []

    def api(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["authentication"])
        return httpx.Response(200, json=[])

    container = dataclasses.replace(app, http_transport=httpx.MockTransport(api))
    with container.client_for(store_record(app, "1234567")) as client:
        assert client.list_webhooks() == []
    assert seen == [f"bearer {TOKEN}"]

    # Replacing the token re-encrypts it.
    add_store(app.uow(), app.cipher, "1234567", "outro-token", "https://api.test/2025-03")
    assert app.cipher.decrypt(raw_token(app, "1234567")) == "outro-token"


def test_a_changed_key_gives_the_portuguese_error(app):
    add_store(app.uow(), app.cipher, "1234567", TOKEN, "https://api.test/2025-03")
    other = dataclasses.replace(app, cipher=TokenCipher("uma chave diferente"))
    with pytest.raises(TokenDecryptError) as caught:
        other.client_for(store_record(app, "1234567"))
    assert caught.value.message == "Não foi possível decifrar o token da loja 1234567: a chave mudou (LOJASYNC_SECRET_KEY ou o arquivo secret.key da pasta de dados)?"
    assert "reconecte a loja" in caught.value.resolution


# OAuth install -----------------------------------------------------------------------------------

def test_install_connects_the_store_and_registers_every_subscribed_webhook(installer, simulator):
    app = installer.container
    code, state = authorize(installer, simulator)
    assert STATE_COOKIE in installer.cookies

    page = installer.get("/nuvemshop/callback", params={"code": code, "state": state})
    assert page.status_code == 200, page.text
    said = words(page.text)
    assert re.search(r"Loja 1234567( \([^)]*\))? conectada ao lojasync\.", said), said
    for event in SUBSCRIBED_EVENTS:
        assert f'<tr data-testid="webhook-{event}"><td>{event}</td><td>criado agora</td>' in page.text
    assert f"Todos os {len(SUBSCRIBED_EVENTS)} webhooks estão registrados ({len(SUBSCRIBED_EVENTS)} criados" \
        in said
    # Registered at an address the platform cannot reach (here 127.0.0.1): said so, not "chegarão sozinhos" (review:
    # a LAN address took every registration and the page promised the orders would arrive by themselves).
    assert "LOJASYNC_PUBLIC_URL aponta para 127.0.0.1" in said and "chegarão sozinhos" not in said
    # What comes next is a page of the back office, never a command for a terminal.
    assert "Sincronizar agora" in said and 'href="/integracao"' in page.text
    assert_no_cli(page.text)
    assert 'href="/static/app.css"' in page.text or "/static/app.css" in page.text   # the product's look
    assert STATE_COOKIE not in installer.cookies  # a state serves once

    store = store_record(app, "1234567")
    assert store.api_url == simulator.api_url and store.active
    token = app.cipher.decrypt(raw_token(app, "1234567"))
    assert raw_token(app, "1234567") != token
    assert token != simulator.access_token  # the token the exchange issued, not the configured one
    with app.client_for(store) as client:
        registered = sorted((w["event"], w["url"]) for w in client.list_webhooks())
    assert registered == sorted((event, HOOK_URL) for event in SUBSCRIBED_EVENTS)

    # A second install replaces the token and registers nothing new.
    code, state = authorize(installer, simulator)
    again = installer.get("/nuvemshop/callback", params={"code": code, "state": state})
    assert again.status_code == 200, again.text
    assert "reconectada (token atualizado)" in again.text and "criado agora" not in again.text
    assert "(0 criados agora)" in again.text
    new_token = app.cipher.decrypt(raw_token(app, "1234567"))
    assert new_token != token
    with app.client_for(store_record(app, "1234567")) as client:
        assert len(client.list_webhooks()) == len(SUBSCRIBED_EVENTS)
    with app.read_uow() as uow:
        assert len(uow.stores.list()) == 1


class WebhooksRefused(httpx.BaseTransport):
    """The real network (127.0.0.1 simulator) except the store's webhook list, which the store refuses."""

    def __init__(self) -> None:
        self.real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/webhooks"):
            return httpx.Response(403, json={"code": 403, "message": "Forbidden", "description": "no scope"})
        return self.real.handle_request(request)


def test_missing_webhooks_point_to_the_integration_page(installer, simulator):
    container = dataclasses.replace(installer.container, http_transport=WebhooksRefused())
    browser = TestClient(create_app(container, FakeQueue()))
    browser.container = container
    code, state = authorize(browser, simulator)

    page = browser.get("/nuvemshop/callback", params={"code": code, "state": state})
    assert page.status_code == 200, page.text
    said = words(page.text)
    assert "Não foi possível consultar os webhooks da loja:" in said
    assert "Faltam webhooks: corrija o problema indicado e registre-os em Integração → Conferir webhooks" in said
    assert 'href="/integracao/lojas/1234567/webhooks"' in page.text
    assert_no_cli(page.text)


def test_the_install_redirect_sets_a_signed_http_only_cookie(installer, simulator):
    started = installer.get(install_url(installer), follow_redirects=False)
    cookie = started.headers["set-cookie"]
    assert cookie.startswith(f"{STATE_COOKIE}=")
    assert "HttpOnly" in cookie and "Path=/nuvemshop" in cookie and "samesite=lax" in cookie.lower()
    state = parse_qs(urlsplit(started.headers["location"]).query)["state"][0]
    assert len(state) >= 40
    value = installer.cookies[STATE_COOKIE].strip('"')
    assert value.startswith(state + ".")
    # Each install gets its own state.
    assert installer.get(install_url(installer), follow_redirects=False).headers["location"] != \
        started.headers["location"]


def test_wrong_or_missing_state_is_rejected(installer, simulator):
    app = installer.container
    code, state = authorize(installer, simulator)

    mismatch = installer.get("/nuvemshop/callback", params={"code": code, "state": state[:-2] + "xx"})
    assert mismatch.status_code == 400
    assert "não confere com a sessão deste navegador" in mismatch.text
    # Starting again needs a new invite: the page says who makes one and where, not a bare install URL.
    said = words(mismatch.text)
    assert "Resolução: Comece de novo pelo link de instalação, neste mesmo navegador." in said
    assert "Integração → Conectar loja" in said and 'href="/integracao#conectar"' in mismatch.text
    assert 'href="/nuvemshop/install"' not in mismatch.text
    assert_no_cli(mismatch.text)

    no_state = installer.get("/nuvemshop/callback", params={"code": code})
    assert no_state.status_code == 400 and "sem o parâmetro state" in no_state.text

    # Another browser (no cookie) bringing this browser's code and state: the CSRF case.
    stranger = TestClient(installer.app)
    no_cookie = stranger.get("/nuvemshop/callback", params={"code": code, "state": state})
    assert no_cookie.status_code == 400
    assert "sessão de instalação não foi encontrada" in no_cookie.text

    # A cookie made up by someone without the key.
    stranger.cookies.set(STATE_COOKIE, f"{state}.9999999999.{'a' * 64}.{'0' * 64}", path="/nuvemshop")
    forged = stranger.get("/nuvemshop/callback", params={"code": code, "state": state})
    assert forged.status_code == 400 and "assinatura não confere" in forged.text

    with app.read_uow() as uow:
        assert uow.stores.list() == []
    # The code was never spent: the right browser can still finish.
    done = installer.get("/nuvemshop/callback", params={"code": code, "state": state})
    assert done.status_code == 200, done.text


def test_an_invite_connects_one_store(installer, simulator):
    """review: an invite worked any number of times until it expired (up to 30 days), for any store: a link
    forwarded once connected store after store to this ERP. Two browsers that opened it: the first back wins."""
    from lojasync.nuvemshop.services.install_invite import make_invite

    invite = make_invite(installer.container.cipher)
    other = TestClient(installer.app)
    codes = []
    for browser in (installer, other):
        started = browser.get(f"/nuvemshop/install?convite={invite}", follow_redirects=False)
        assert started.status_code == 302
        approved = httpx.get(started.headers["location"], follow_redirects=False)
        codes.append(parse_qs(urlsplit(approved.headers["location"]).query))
    first = installer.get("/nuvemshop/callback", params={"code": codes[0]["code"][0], "state": codes[0]["state"][0]})
    assert first.status_code == 200, first.text
    second = other.get("/nuvemshop/callback", params={"code": codes[1]["code"][0], "state": codes[1]["state"][0]})
    assert second.status_code == 403 and "Este convite já foi usado para conectar uma loja" in words(second.text)
    again = TestClient(installer.app).get(f"/nuvemshop/install?convite={invite}", follow_redirects=False)
    assert again.status_code == 403 and "cada convite conecta uma loja só" in words(again.text)
    with installer.container.read_uow() as uow:
        assert [s.external_id for s in uow.stores.list()] == ["1234567"]
    fresh = installer.get(install_url(installer), follow_redirects=False)   # a new link works
    assert fresh.status_code == 302


def test_an_install_link_not_used_yet_can_be_revoked(installer, simulator):
    """review: an install link sent to the wrong person could not be taken back (invites are not kept, so they could
    not be listed either): it connected a store to this ERP until it expired, up to 30 days later. The operator
    pastes it to revoke it: opened then, or coming back from the platform with an install begun before, it is
    refused."""
    from lojasync.nuvemshop.services.install_invite import (
        InviteNotOurs,
        InviteRevocation,
        make_invite,
        revoke_invite,
    )

    container = installer.container
    link = f"{PUBLIC_URL}/nuvemshop/install?convite={make_invite(container.cipher)}"
    assert revoke_invite(container.uow(), container.cipher, f"  {link} ") is InviteRevocation.REVOKED
    opened = installer.get(link.removeprefix(PUBLIC_URL), follow_redirects=False)
    assert opened.status_code == 403 and "ou foi revogado" in words(opened.text)
    assert revoke_invite(container.uow(), container.cipher, link) is InviteRevocation.ALREADY_SPENT

    # An install begun with the link before it was revoked (the invite alone pasted) is refused on its way back.
    begun = make_invite(container.cipher)
    started = installer.get(f"/nuvemshop/install?convite={begun}", follow_redirects=False)
    approved = httpx.get(started.headers["location"], follow_redirects=False)
    back = parse_qs(urlsplit(approved.headers["location"]).query)
    assert revoke_invite(container.uow(), container.cipher, begun) is InviteRevocation.REVOKED
    refused = installer.get("/nuvemshop/callback", params={"code": back["code"][0], "state": back["state"][0]})
    assert refused.status_code == 403 and "ou foi revogado" in words(refused.text)
    with container.read_uow() as uow:
        assert uow.stores.list() == []

    expired = make_invite(container.cipher, 1, now=time.time() - 7200)
    assert revoke_invite(container.uow(), container.cipher, expired) is InviteRevocation.EXPIRED
    for not_ours in ("", "https://outro.example/nuvemshop/install?convite=1.2.3", link.replace("convite=", "x=")):
        with pytest.raises(InviteNotOurs) as refusal:
            revoke_invite(container.uow(), container.cipher, not_ours)
        assert refusal.value.resolution.startswith("Cole o link inteiro")
    fresh = installer.get(install_url(installer), follow_redirects=False)   # a new link works
    assert fresh.status_code == 302


def test_a_link_revoked_while_its_install_fails_stays_revoked(installer, simulator, monkeypatch):
    """review: the callback spends the invite before asking the platform for the token; revoked in that moment, the
    revocation found it spent and wrote nothing, and the failed install's release gave the link back: it worked again,
    though the operator had been told it no longer would."""
    from lojasync.entrypoints.web import install
    from lojasync.nuvemshop.oauth import OAuthError
    from lojasync.nuvemshop.services.install_invite import InviteRevocation, make_invite, revoke_invite

    container = installer.container
    invite = make_invite(container.cipher)
    started = installer.get(f"/nuvemshop/install?convite={invite}", follow_redirects=False)
    back = parse_qs(urlsplit(httpx.get(started.headers["location"], follow_redirects=False).headers["location"]).query)
    revoked = []

    def exchange_failing(*args, **kwargs):
        revoked.append(revoke_invite(container.uow(), container.cipher, invite))
        raise OAuthError("A Nuvemshop não respondeu.", "Tente de novo.", retryable=True)

    monkeypatch.setattr(install, "exchange_code", exchange_failing)
    failed = installer.get("/nuvemshop/callback", params={"code": back["code"][0], "state": back["state"][0]})
    assert failed.status_code == 502 and revoked == [InviteRevocation.ALREADY_SPENT]
    again = TestClient(installer.app).get(f"/nuvemshop/install?convite={invite}", follow_redirects=False)
    assert again.status_code == 403 and "ou foi revogado" in words(again.text)


def test_a_link_given_back_between_the_revocations_two_steps_is_revoked(app, monkeypatch):
    """review: released by the failed install after the revocation found it spent and before it restamped it, the
    invite was left unspent (the restamp changed no row), the operator told it was."""
    from datetime import datetime, timezone

    from lojasync.nuvemshop.services import install_invite
    from lojasync.nuvemshop.services.install_invite import InviteRevocation, invite_id, invite_spent, make_invite

    invite = make_invite(app.cipher)
    spent_at = datetime(2026, 12, 5, 10, 0, tzinfo=timezone.utc)
    assert install_invite.spend_invite(app.uow(), invite_id(invite), spent_at)   # the install's
    real, calls = install_invite.spend_invite, []

    def spent_then_given_back(uow, spent_id, now=None):
        calls.append(spent_id)
        if len(calls) == 1:   # the revocation's first step finds it spent; the install fails and gives it back
            install_invite.release_invite(app.uow(), spent_id, spent_at)
            return False
        return real(uow, spent_id, now)

    monkeypatch.setattr(install_invite, "spend_invite", spent_then_given_back)
    assert install_invite.revoke_invite(app.uow(), app.cipher, invite) is InviteRevocation.REVOKED
    assert invite_spent(app.uow(), invite)


def test_store_revoke_link_says_what_became_of_the_link(app, lojasync):
    from lojasync.nuvemshop.services.install_invite import make_invite

    link = f"{PUBLIC_URL}/nuvemshop/install?convite={make_invite(app.cipher)}"
    assert "Link de instalação revogado" in lojasync("store", "revoke-link", link)
    assert "já tinha sido usado para conectar uma loja, ou revogado" in lojasync("store", "revoke-link", link)
    refused = lojasync("store", "revoke-link", "qualquer coisa", expect=1)
    assert "não é um link de instalação deste lojasync" in refused and "Resolução: Cole o link inteiro" in refused
    assert "lojasync store revoke-link LINK" in lojasync("store", "install-link")


def test_an_invite_made_before_invites_were_single_use_still_works_until_it_expires(installer, simulator):
    import time as clock

    cipher = installer.container.cipher
    expires = int(clock.time()) + 3600
    old = f"{expires}.{cipher.sign(f'install-invite:{expires}')}"
    assert installer.get(f"/nuvemshop/install?convite={old}", follow_redirects=False).status_code == 302
    # A middle part added to an old one (a nonce-like one, or anything else) is no invite: the signature does not
    # cover it, and each variation would have counted as a new, unspent invite (review).
    for middle in ("0" * 16, "x", "", "ABCDEF0123456789"):
        forged = f"{expires}.{middle}.{cipher.sign(f'install-invite:{expires}')}"
        assert installer.get(f"/nuvemshop/install?convite={forged}", follow_redirects=False).status_code == 403
    # Used once, the old invite is spent as any other.
    started = installer.get(f"/nuvemshop/install?convite={old}", follow_redirects=False)
    back = parse_qs(urlsplit(httpx.get(started.headers["location"], follow_redirects=False).headers["location"]).query)
    done = installer.get("/nuvemshop/callback", params={"code": back["code"][0], "state": back["state"][0]})
    assert done.status_code == 200
    again = TestClient(installer.app).get(f"/nuvemshop/install?convite={old}", follow_redirects=False)
    assert again.status_code == 403 and "cada convite conecta uma loja só" in words(again.text)


def test_a_spent_code_answered_with_http_200_is_rejected(installer, simulator):
    code, state = authorize(installer, simulator)
    assert installer.get("/nuvemshop/callback", params={"code": code, "state": state}).status_code == 200

    _, fresh_state = authorize(installer, simulator)
    # The simulator answers a used code with HTTP 200 {"error": "invalid_grant", ...}, as the platform may.
    reused = installer.get("/nuvemshop/callback", params={"code": code, "state": fresh_state})
    assert reused.status_code == 400
    assert "recusou o código de autorização" in reused.text
    assert "Comece a instalação de novo pelo link de instalação" in reused.text


def test_a_failed_code_exchange_leaves_the_invite_usable(installer, simulator):
    """review: the invite was spent before the code was exchanged, so a refused or lost exchange (the page says "instale
    de novo") left the merchant a link answering "já usado"."""
    link = install_url(installer)

    def approved_by_the_merchant() -> dict:
        started = installer.get(link, follow_redirects=False)
        assert started.status_code == 302
        back = httpx.get(started.headers["location"], follow_redirects=False).headers["location"]
        return {key: values[0] for key, values in parse_qs(urlsplit(back).query).items()}

    back = approved_by_the_merchant()
    refused = installer.get("/nuvemshop/callback", params={"code": "codigo-que-nao-existe", "state": back["state"]})
    assert refused.status_code == 400 and "recusou o código de autorização" in refused.text
    back = approved_by_the_merchant()   # the same link starts the install again
    assert installer.get("/nuvemshop/callback", params=back).status_code == 200
    assert TestClient(installer.app).get(link, follow_redirects=False).status_code == 403   # spent now


def test_exchange_treats_an_error_body_with_http_200_as_failure():
    calls: list[dict] = []

    def platform(request: httpx.Request) -> httpx.Response:
        calls.append(json.loads(request.content))
        return httpx.Response(200, json={"error": "invalid_grant",
                                         "error_description": "The authorization code has expired"})

    with pytest.raises(OAuthError) as caught:
        exchange_code("https://plataforma.test/apps/authorize/token", "4321", "segredo", "abc",
                      transport=httpx.MockTransport(platform))
    assert caught.value.api_code == "invalid_grant"
    assert "recusou o código de autorização" in caught.value.message
    # The platform's English description goes to the log, not to the merchant's page (review).
    assert "expired" not in caught.value.message and "segredo" not in caught.value.message
    assert calls == [{"client_id": "4321", "client_secret": "segredo", "grant_type": "authorization_code",
                      "code": "abc"}]


def test_exchange_reads_the_grant_and_reports_missing_scopes():
    def platform(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"access_token": TOKEN, "token_type": "bearer",
                                         "scope": "read_orders,write_orders", "user_id": 1234567})

    grant = exchange_code("https://plataforma.test/apps/authorize/token", "4321", "segredo", "abc",
                          transport=httpx.MockTransport(platform))
    assert (grant.access_token, grant.external_store_id) == (TOKEN, "1234567")
    assert grant.missing_scopes() == ["read_customers", "write_products"]
    # Review: without the write permissions the install said "Loja conectada" and the write-backs failed later.
    from lojasync.nuvemshop.oauth import TokenGrant
    from lojasync.nuvemshop.scopes import missing_scopes_effect
    assert missing_scopes_effect(grant.missing_scopes()) == (
        "os pedidos chegam sem cliente e o estoque não vai para a loja")
    assert missing_scopes_effect(["write_orders"]) == "a chave da NF-e e o rastreio não vão para o pedido da loja"
    # Writing includes reading: the portal grants one level per resource (review: read_orders said missing).
    assert TokenGrant("t", "write_orders,read_customers,write_products", "1").missing_scopes() == []
    assert TokenGrant("t", "read_orders,write_products", "1").missing_scopes() == ["read_customers", "write_orders"]
    assert TOKEN not in repr(grant)

    def refuses(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": "invalid_client", "error_description": "bad secret"})

    with pytest.raises(OAuthError, match="credenciais do app"):
        exchange_code("https://plataforma.test/t", "4321", "errado", "abc", transport=httpx.MockTransport(refuses))


def test_install_without_a_valid_invite_is_refused(installer, simulator):
    cipher = installer.app.state.container.cipher
    for query in ("", "?convite=123.abc", f"?convite={make_invite(cipher, hours=1, now=time.time() - 7200)}"):
        answer = installer.get(f"/nuvemshop/install{query}", follow_redirects=False)
        assert answer.status_code == 403 and "link de instalação" in answer.text
        assert "Integração → Conectar loja" in words(answer.text)
        assert STATE_COOKIE not in answer.headers.get("set-cookie", "")


def test_unconfigured_app_is_explained(app):
    browser = TestClient(create_app(app, FakeQueue()))
    assert app.settings.nuvemshop_client_id is None
    for path in ("/nuvemshop/install", "/nuvemshop/callback?code=a&state=b"):
        answer = browser.get(path, follow_redirects=False)
        assert answer.status_code == 503
        said = words(answer.text)
        # A server setting: said to the person who installed the server, by name; the operator's way meanwhile.
        assert ("Para quem instalou o servidor do lojasync: defina LOJASYNC_NUVEMSHOP_CLIENT_ID e "
                "LOJASYNC_NUVEMSHOP_CLIENT_SECRET com os dados do app") in said
        assert "conectar a loja com o id da loja e o token de acesso, em Integração → Conectar loja" in said
        assert 'href="/integracao#conectar"' in answer.text
        assert_no_cli(answer.text)
        assert answer.headers["cache-control"] == "no-store" and answer.headers["x-frame-options"] == "DENY"
        assert "set-cookie" not in answer.headers    # a public page: no session, no CSRF cookie


# lojasync store webhooks ---------------------------------------------------------------------------

@pytest.fixture()
def lojasync(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))  # the same key as `app`
    monkeypatch.setenv("LOJASYNC_PUBLIC_URL", PUBLIC_URL)
    monkeypatch.delenv("LOJASYNC_SECRET_KEY", raising=False)
    reset_container()
    runner = CliRunner()

    def run(*args: str, expect: int = 0) -> str:
        result = runner.invoke(cli, list(args))
        assert result.exit_code == expect, result.output + str(result.exception or "")
        return " ".join(result.output.split())  # rich wraps at the terminal width

    yield run
    reset_container()


def test_store_webhooks_check_then_create_then_check(app, simulator, lojasync):
    add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    with httpx.Client(headers={"Authentication": f"bearer {simulator.access_token}", "User-Agent": "teste"}) as api:
        api.post(f"{simulator.api_url}/{simulator.store_id}/webhooks",
                 json={"event": "order/paid", "url": "https://antigo.example/hook"}).raise_for_status()
    n = len(SUBSCRIBED_EVENTS)

    missing = lojasync("store", "webhooks", "--check", expect=1)
    assert f"Esperados: {n}; registrados: 0; criados agora: 0; faltando: {n}; falharam: 0." in missing
    assert missing.count("faltando") == n + 1
    assert "Outros webhooks registrados" in missing and "antigo.example" in missing
    assert "Rode lojasync store webhooks (sem --check)" in missing

    created = lojasync("store", "webhooks", "--store", simulator.store_id)
    assert f"registrados: 0; criados agora: {n}; faltando: 0; falharam: 0." in created

    checked = lojasync("store", "webhooks", "--check")
    assert f"Esperados: {n}; registrados: {n}; criados agora: 0; faltando: 0; falharam: 0." in checked
    for event in SUBSCRIBED_EVENTS:
        assert re.search(rf"{re.escape(event)} │ registrado │", checked), event
    # Running it again creates nothing.
    assert f"registrados: {n}; criados agora: 0" in lojasync("store", "webhooks")


def test_store_webhooks_work_with_the_log_at_info(app, simulator, lojasync, caplog):
    """review (storm): with LOJASYNC_LOG_LEVEL=INFO the registration ended in "Erro inesperado (KeyError)", the log
    line's extra naming a field the logging module keeps for itself ("created"), the webhooks created all the same."""
    import logging

    add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    caplog.set_level(logging.INFO, logger="lojasync")
    created = lojasync("store", "webhooks", "--store", simulator.store_id)
    assert f"criados agora: {len(SUBSCRIBED_EVENTS)}" in created
    (line,) = [r for r in caplog.records if r.getMessage() == "webhooks checked"]
    assert line.webhooks_created == len(SUBSCRIBED_EVENTS)


def test_no_log_line_names_a_field_the_logging_module_keeps_for_itself():
    """Such an `extra` raises KeyError when the line is logged: only once the log level lets it through (the one above
    hid until INFO). Read from the source, every `extra={...}` written out."""
    import ast
    import logging
    from pathlib import Path

    import lojasync

    kept = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
    found = []
    for source in Path(lojasync.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "extra" and isinstance(node.value, ast.Dict):
                found += [f"{source.name}:{key.lineno} {key.value}" for key in node.value.keys
                          if isinstance(key, ast.Constant) and key.value in kept]
    assert found == []


def test_store_webhooks_with_a_changed_key_explains(app, simulator, lojasync, monkeypatch):
    # Sealed with a LOJASYNC_SECRET_KEY that is then replaced by another (without listing it as old).
    add_store(app.uow(), TokenCipher("chave de antes"), simulator.store_id, simulator.access_token, simulator.api_url)
    monkeypatch.setenv("LOJASYNC_SECRET_KEY", "chave trocada")
    reset_container()
    output = lojasync("store", "webhooks", "--check", expect=1)
    assert "Não foi possível decifrar o token da loja 1234567: a chave mudou (LOJASYNC_SECRET_KEY ou o arquivo secret.key da pasta de dados)?" in output
    assert simulator.access_token not in output
