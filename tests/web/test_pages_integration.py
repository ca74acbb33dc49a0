"""Integração pages over the real services: stores with their state and reason, failed notifications with
their Resolução and Reprocessar, Sincronizar agora, the install link, connecting by token and the webhooks
(checked against the store simulator on 127.0.0.1), and Reenviar for the updates the store refused."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.services.events_admin import list_events
from lojasync.nuvemshop.services.install_invite import invite_problem, invite_spent
from lojasync.nuvemshop.services.integration_views import store_states
from lojasync.nuvemshop.services.stores import add_store, list_stores, set_store_enabled
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer
from tests.factories import make_store


def csrf_of(page: str) -> str:
    """The token the page's forms send back: read from the hidden field itself (a browser without JavaScript
    sends only that), and the same in every form of the page."""
    tokens = set(re.findall(r'<input type="hidden" name="csrf_token" value="([^"]*)">', page))
    assert len(tokens) == 1 and "" not in tokens, f"formulários sem o token CSRF: {tokens}"
    return tokens.pop()


STORE = "1234567"


@pytest.fixture()
def store_id(app) -> int:
    return make_store(app, STORE)


@pytest.fixture(scope="module")
def simulator():
    with SimulatorServer(config=SimulatorConfig(orders=3, seed=9, leak_per_second=50.0)) as server:
        yield server


def failed_event(app, store_id: int) -> int:
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        event = WebhookEvent(store_id, STORE, "order/paid", "987654", {"id": 987654}, received_at=now)
        event.mark_failed(now, "Pedido 987654 com total inválido na loja.", "Corrija o pedido na loja e reprocesse.",
                          code="nuvemshop.payload_invalid")
        uow.webhook_events.add(event)
        uow.commit()
        return event.id


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_page_needs_a_login(web):
    assert web.get("/integracao").headers["location"].startswith("/login")


def test_the_page_shows_each_store_its_state_and_the_failed_notifications(logged_in, app, store_id):
    event_id = failed_event(app, store_id)
    with app.uow() as uow:
        uow.webhook_events.add(WebhookEvent(store_id, STORE, "order/created", "1", {},
                                            received_at=datetime.now(timezone.utc) - timedelta(minutes=7)))
        uow.commit()
    page = logged_in.get("/integracao")
    assert page.status_code == 200 and "<h1>Integração</h1>" in page.text
    words = text_of(page.text)
    assert f"Loja {STORE}" in words and "ativa" in words
    assert "Última sincronização nunca" in words
    assert "Notificações esperando importação 1; atraso de 7 minutos" in words
    assert "Pedido 987654 com total inválido na loja." in words
    assert "Resolução: Corrija o pedido na loja e reprocesse." in words
    assert f'action="/integracao/eventos/{event_id}/reprocessar"' in page.text
    assert ">Sincronizar agora<" in page.text and ">Conectar loja<" in page.text


def test_a_reconciliation_three_intervals_late_is_said_on_the_page(logged_in, app, store_id):
    """storm review: the reconciliation put off for as long as a webhook storm lasted (or no worker up), and the page
    showed only when it last ran."""
    with app.uow() as uow:
        uow.stores.get(store_id).last_sync_at = datetime.now(timezone.utc) - timedelta(minutes=25)
        uow.commit()
    assert "atrasada: a conferência periódica" not in text_of(logged_in.get("/integracao").text)   # 25 < 3 x 10
    with app.uow() as uow:
        uow.stores.get(store_id).last_sync_at = datetime.now(timezone.utc) - timedelta(minutes=31)
        uow.commit()
    words = text_of(logged_in.get("/integracao").text)
    assert "atrasada: a conferência periódica é a cada 10 minutos (o worker está no ar?)" in words
    # One that needs attention waits for a person, as said above: no worker to ask about (review of the badge).
    with app.uow() as uow:
        uow.stores.get(store_id).flag("nuvemshop.unauthorized", "Token recusado pela loja.", "Reconecte a loja.",
                                      datetime.now(timezone.utc))
        uow.commit()
    assert "o worker está no ar?" not in text_of(logged_in.get("/integracao").text)


def test_a_store_that_needs_attention_shows_the_reason_and_resolution(logged_in, app, store_id):
    with app.uow() as uow:
        store = uow.stores.get(store_id)
        store.flag("nuvemshop.unauthorized", "A loja recusou o token de acesso.", "Reinstale o app na loja.",
                   datetime.now(timezone.utc))
        uow.commit()
    words = text_of(logged_in.get("/integracao").text)
    assert "precisa de atenção" in words
    assert "A loja recusou o token de acesso. Resolução: Reinstale o app na loja." in words


def test_reprocessar_puts_the_event_back_and_wakes_the_worker(logged_in, app, store_id):
    event_id = failed_event(app, store_id)
    token = csrf_of(logged_in.get("/integracao").text)
    answer = logged_in.post(f"/integracao/eventos/{event_id}/reprocessar", data={"csrf_token": token})
    assert answer.status_code == 303
    (event,) = list_events(app.uow())
    assert (event.id, event.status, event.retryable) == (event_id, "pendente", False)
    assert ("drain_soon", (store_id,), {}) in logged_in.queue.calls
    after = logged_in.get("/integracao")
    assert f"Notificação {event_id} recolocada na fila" in after.text
    assert "Nenhuma notificação (webhook) com erro." in after.text


def test_reprocessar_of_a_deactivated_store_says_to_reactivate_it_first(logged_in, app, store_id):
    """It flashed "recolocada na fila: o pedido será lido de novo" and the worker then ignored it (review)."""
    event_id = failed_event(app, store_id)
    set_store_enabled(app.uow(), STORE, False)
    token = csrf_of(logged_in.get("/integracao").text)
    answer = logged_in.post(f"/integracao/eventos/{event_id}/reprocessar", data={"csrf_token": token})
    assert answer.status_code == 303
    (event,) = list_events(app.uow())
    assert (event.status, event.retryable) == ("com erro", True)
    assert not any(name == "drain_soon" for name, *_ in logged_in.queue.__dict__.get("calls", []))
    words = text_of(logged_in.get("/integracao").text)
    assert "recolocada na fila" not in words
    assert (f"Notificação {event_id} não reprocessada: A notificação {event_id} é da loja {STORE}, que está "
            "desativada no lojasync: reprocessada agora, ela seria ignorada. Ela fica como está. Resolução: "
            "Reative a loja e depois reprocesse a notificação. (Reativar loja, aqui em Integração)") in words

    logged_in.post("/integracao/eventos/reprocessar-todos", data={"csrf_token": token})
    words = text_of(logged_in.get("/integracao").text)
    assert ("Nenhuma notificação recolocada na fila: 1 com erro ficou como estava por ser de loja desativada "
            f"({STORE}). Reative a loja {STORE} (Reativar loja, aqui em Integração); depois reprocesse.") in words
    assert list_events(app.uow())[0].status == "com erro"


def test_reprocessar_an_unknown_event_is_a_page_in_portuguese(logged_in, store_id):
    token = csrf_of(logged_in.get("/integracao").text)
    answer = logged_in.post("/integracao/eventos/999999/reprocessar", data={"csrf_token": token})
    assert answer.status_code == 404 and "Resolução" in answer.text and "Traceback" not in answer.text


def test_sync_now_queues_a_sync_of_that_store(logged_in, app, store_id):
    token = csrf_of(logged_in.get("/integracao").text)
    answer = logged_in.post(f"/integracao/lojas/{STORE}/sincronizar", data={"csrf_token": token})
    assert answer.status_code == 303
    assert ("sync_soon", (store_id,), {"full": False, "requested": True}) in logged_in.queue.calls
    assert f"Sincronização da loja {STORE} na fila" in logged_in.get("/integracao").text
    logged_in.post(f"/integracao/lojas/{STORE}/sincronizar", data={"csrf_token": token, "completa": "1"})
    assert ("sync_soon", (store_id,), {"full": True, "requested": True}) in logged_in.queue.calls


def test_a_disabled_store_is_not_synced_and_says_why(logged_in, app, store_id):
    token = csrf_of(logged_in.get("/integracao").text)
    logged_in.post(f"/integracao/lojas/{STORE}/desativar", data={"csrf_token": token})
    assert [s.active for s in list_stores(app.uow())] == [False]
    page = logged_in.get("/integracao")
    assert "desativada no lojasync" in page.text and ">Reativar loja<" in page.text
    assert ">Sincronizar agora<" not in page.text
    logged_in.post(f"/integracao/lojas/{STORE}/sincronizar", data={"csrf_token": token})
    assert not any(name == "sync_soon" for name, *_ in logged_in.queue.__dict__.get("calls", []))
    assert "não sincronizada" in logged_in.get("/integracao").text
    logged_in.post(f"/integracao/lojas/{STORE}/reativar", data={"csrf_token": token})
    assert [s.active for s in list_stores(app.uow())] == [True]


def test_conectar_loja_shows_a_working_install_link(logged_in, app):
    page = logged_in.get("/integracao")
    assert "Nenhuma loja conectada" in page.text
    answer = logged_in.post("/integracao/conectar", data={"csrf_token": csrf_of(page.text), "horas": "24"})
    assert answer.status_code == 200 and "<h1>Conectar loja</h1>" in answer.text
    link = html.unescape(re.search(r'id="link-instalacao"[^>]*value="([^"]+)"', answer.text).group(1))
    address = urlsplit(link)
    assert address.path == "/nuvemshop/install"
    assert invite_problem(app.cipher, parse_qs(address.query)["convite"][0]) is None
    assert "Válido por 24 h" in answer.text
    refused = logged_in.post("/integracao/conectar", data={"csrf_token": csrf_of(page.text), "horas": "0"})
    assert refused.status_code == 422 and "Resolução" in refused.text
    # Hours as a Brazilian writes them, and a refusal that repeats what was typed (it said "-1 h").
    half = logged_in.post("/integracao/conectar", data={"csrf_token": csrf_of(page.text), "horas": "0,5"})
    assert "Válido por 0,5 h" in half.text
    # review: float() read "1e1" and "1_0" as 10 hours.
    for typed, shown in (("abc", "abc"), ("nan", "nan"), ("1e308", "1e308"), ("1e1", "1e1"), ("1_0", "1_0"),
                         ("800,5", "800,5")):
        refused = logged_in.post("/integracao/conectar", data={"csrf_token": csrf_of(page.text), "horas": typed})
        assert refused.status_code == 422 and f"Validade do convite inválida: {shown} h." in refused.text, typed
    # operator review: the field said max 168 (the server takes 720) and came back as 24 after a refusal.
    assert 'value="800,5"' in refused.text
    assert 'max="720"' in page.text and 'step="any"' in page.text


def test_an_install_link_is_revoked_from_the_page(logged_in, app):
    page = logged_in.get("/integracao")
    assert 'action="/integracao/revogar-link"' in page.text and "Revogar link" in page.text
    made = logged_in.post("/integracao/conectar", data={"csrf_token": csrf_of(page.text), "horas": "24"})
    link = html.unescape(re.search(r'id="link-instalacao"[^>]*value="([^"]+)"', made.text).group(1))
    revoked = logged_in.post("/integracao/revogar-link", data={"csrf_token": csrf_of(page.text), "link": link})
    assert revoked.status_code == 303
    assert "Link de instalação revogado" in logged_in.get("/integracao").text
    assert invite_spent(app.uow(), parse_qs(urlsplit(link).query)["convite"][0])
    logged_in.post("/integracao/revogar-link", data={"csrf_token": csrf_of(page.text), "link": link})
    assert "já tinha sido usado para conectar uma loja, ou revogado" in logged_in.get("/integracao").text
    refused = logged_in.post("/integracao/revogar-link", data={"csrf_token": csrf_of(page.text), "link": "abc"})
    assert refused.status_code == 422 and "Link não revogado" in refused.text and "Cole o link inteiro" in refused.text


def test_connecting_by_token_is_checked_with_the_store(logged_in, app, simulator):
    token = csrf_of(logged_in.get("/integracao").text)
    wrong = logged_in.post("/integracao/lojas", data={"csrf_token": token, "loja": simulator.store_id,
                                                      "token": "token-errado", "api": simulator.api_url})
    assert wrong.status_code == 422 and "token de acesso recusado" in wrong.text
    assert "token-errado" not in wrong.text          # the token never comes back to the page
    assert list_stores(app.uow()) == []
    bad_id = logged_in.post("/integracao/lojas", data={"csrf_token": token, "loja": "abc", "token": "x"})
    assert bad_id.status_code == 422 and "Id de loja inválido" in bad_id.text
    # review: the store out of reach was a 422, as if what was typed were wrong; the API says 503 (try again).
    away = logged_in.post("/integracao/lojas", data={"csrf_token": token, "loja": simulator.store_id,
                                                     "token": simulator.access_token, "api": "http://127.0.0.1:9/v1"})
    assert (away.status_code, away.headers.get("retry-after")) == (503, "60"), away.status_code
    assert list_stores(app.uow()) == []

    done = logged_in.post("/integracao/lojas", data={"csrf_token": token, "loja": simulator.store_id,
                                                     "token": simulator.access_token, "api": simulator.api_url})
    assert done.status_code == 303
    assert [s.external_id for s in list_stores(app.uow())] == [str(simulator.store_id)]
    assert f"Loja {simulator.store_id} conectada" in logged_in.get("/integracao").text

    # operator review: a name typed beside a wrong token skipped the check and replaced the working token.
    named = logged_in.post("/integracao/lojas", data={"csrf_token": token, "loja": simulator.store_id,
                                                      "token": "token-errado", "api": simulator.api_url,
                                                      "nome": "Loja de demonstração"})
    assert named.status_code == 422 and "token de acesso recusado" in named.text
    with app.read_uow() as uow:
        (store,) = uow.stores.list()
        assert app.cipher.decrypt(store.access_token) == simulator.access_token


def test_the_connect_form_takes_the_api_address_of_the_settings(logged_in, app, simulator, monkeypatch):
    """First-day walk: with LOJASYNC_NUVEMSHOP_API_URL pointing at the store simulator (as the install link uses it),
    the form still offered Nuvemshop's own address, and a form sent without one connected the store there."""
    monkeypatch.setattr(app.settings, "nuvemshop_api_url", simulator.api_url)
    page = logged_in.get("/integracao")
    assert f'value="{simulator.api_url}"' in page.text and "api.nuvemshop.com.br" not in page.text
    done = logged_in.post("/integracao/lojas", data={"csrf_token": csrf_of(page.text), "loja": simulator.store_id,
                                                     "token": simulator.access_token})
    assert done.status_code == 303
    assert [s.api_url for s in list_stores(app.uow())] == [simulator.api_url]


def test_webhooks_are_checked_and_the_missing_ones_registered(logged_in, app, simulator):
    token = csrf_of(logged_in.get("/integracao").text)
    logged_in.post("/integracao/lojas", data={"csrf_token": token, "loja": simulator.store_id,
                                              "token": simulator.access_token, "api": simulator.api_url})
    check = logged_in.get(f"/integracao/lojas/{simulator.store_id}/webhooks")
    assert check.status_code == 200 and "<h1>Webhooks da loja" in check.text
    assert "faltando" in check.text and ">Registrar os webhooks que faltam<" in check.text
    created = logged_in.post(f"/integracao/lojas/{simulator.store_id}/webhooks", data={"csrf_token": token})
    assert created.status_code == 200 and "criado agora" in created.text
    again = logged_in.get(f"/integracao/lojas/{simulator.store_id}/webhooks")
    assert "faltando: 0" in text_of(again.text) and "Todos os webhooks estão registrados" in again.text


def test_webhooks_of_an_unreachable_store_say_so(logged_in, app, store_id):
    page = logged_in.get(f"/integracao/lojas/{STORE}/webhooks")
    assert page.status_code == 502
    assert "Não foi possível consultar os webhooks da loja" in page.text and "Resolução" in page.text


def test_reenviar_puts_refused_updates_back_and_wakes_the_worker(logged_in, app, store_id):
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        uow.store_updates.want_invoice_key(store_id, "555", "3526" + "0" * 40, now)
        (row,) = uow.store_updates.due(store_id, now)
        uow.store_updates.fail(row, now, "Pedido 555 não existe na loja.", "Confira o pedido na loja.")
        uow.commit()
    page = logged_in.get("/integracao")
    words = text_of(page.text)
    assert "chave da NF-e 555 com erro" in words
    assert "Pedido 555 não existe na loja. Resolução: Confira o pedido na loja." in words
    answer = logged_in.post(f"/integracao/lojas/{STORE}/reenviar", data={"csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303
    (state,) = store_states(app.uow())
    assert (state.pending_updates, state.failed_updates) == (1, 0)
    assert ("push_soon", (store_id,), {}) in logged_in.queue.calls


def test_an_update_the_store_fails_for_an_hour_is_shown_late_with_what_to_do(logged_in, app, store_id):
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        uow.store_updates.want_invoice_key(store_id, "556", "3526" + "1" * 40, now - timedelta(hours=2))
        (row,) = uow.store_updates.due(store_id, now)
        uow.store_updates.postpone([row], now - timedelta(hours=2), "A Nuvemshop não respondeu (HTTP 503).",
                                   now + timedelta(minutes=5))
        uow.commit()
    words = text_of(logged_in.get("/integracao").text)
    assert "1 pendente(s) ( 1 atrasada(s) ), 0 recusada(s)" in words
    assert "A loja responde com erro a 1 atualização(ões) de estoque, chave da NF-e ou rastreio desde" in words
    assert "chave da NF-e 556 atrasada com erro desde" in words
    assert "A Nuvemshop não respondeu (HTTP 503)." in words
    (state,) = store_states(app.uow())
    assert state.late_updates == 1 and state.late_since is not None


def test_the_store_log_page(logged_in, app, store_id):
    token = csrf_of(logged_in.get("/integracao").text)
    logged_in.post(f"/integracao/lojas/{STORE}/desativar", data={"csrf_token": token})
    page = logged_in.get(f"/integracao/lojas/{STORE}/registro")
    assert page.status_code == 200 and f"<h1>Registro da loja {STORE}</h1>" in page.text
    assert "desativada" in page.text.lower()


def test_the_page_gives_the_lgpd_notifications_addresses_for_the_partner_portal(logged_in, app):
    """review: the LGPD notifications' own addresses were in the README alone; the merchant sets them in the partner
    portal, one per notification."""
    words = text_of(logged_in.get("/integracao").text)
    base = app.settings.public_url.rstrip("/")
    for event in ("store/redact", "customers/redact", "customers/data_request"):
        assert f"{base}/webhooks/nuvemshop/{event}" in words
    assert "Notificações LGPD (Portal de Parceiros da Nuvemshop)" in words
    # Those of 127.0.0.1 (LOJASYNC_PUBLIC_URL unset, or the demo) are said to be unreachable (review: listed unwarned).
    assert ("LOJASYNC_PUBLIC_URL aponta para 127.0.0.1: a Nuvemshop não alcança este endereço" in words) == (
        "127.0.0.1" in base)


@pytest.mark.parametrize(("public_url", "said"), [
    ("http://192.168.1.10:8000", "aponta para 192.168.1.10, um endereço da rede local"),
    ("https://10.0.0.5", "aponta para 10.0.0.5, um endereço da rede local"),
    ("https://servidor", "aponta para servidor, um endereço da rede local"),
    ("https://erp.loja.lan", "aponta para erp.loja.lan, um endereço da rede local"),
    ("http://lojasync.loja.com.br", "começa com http://, não https://"),
])
def test_a_public_url_the_platform_cannot_reach_is_said_so(logged_in, app, monkeypatch, public_url, said):
    """Review (production install): only loopback was warned about; a LAN address or plain http let the install go
    through (a browser on the same network reached it) while no webhook could ever arrive."""
    monkeypatch.setattr(app.settings, "public_url", public_url)
    words = text_of(logged_in.get("/integracao").text)
    assert said in words and "LOJASYNC_PUBLIC_URL" in words


def test_the_lgpd_addresses_of_a_public_service_come_without_a_warning(logged_in, app, monkeypatch):
    monkeypatch.setattr(app.settings, "public_url", "https://lojasync.loja.com.br")
    words = text_of(logged_in.get("/integracao").text)
    assert "https://lojasync.loja.com.br/webhooks/nuvemshop/customers/redact" in words
    assert "a Nuvemshop não alcança este endereço" not in words


# the last sync's outcome -------------------------------------------------------------------------------------------

def _worker_sync(app, store_id: int, full: bool = False) -> None:
    """What the worker runs for Sincronizar agora (the recording queue of these tests only records it)."""
    from huey import MemoryHuey

    from lojasync.entrypoints.tasks import TaskQueue

    TaskQueue(app, huey=MemoryHuey("test", immediate=False))._sync_task(store_id, full)


def _outcome(page: str, external_id: str) -> str:
    found = re.search(rf'<dd id="resultado-sincronizacao-{external_id}">(.*?)</dd>', page, re.S)
    assert found, "sem o resultado da última sincronização"
    return text_of(found.group(1)).strip()


def test_sync_now_shows_what_the_workers_sync_did_when_it_ends(logged_in, app, simulator):
    """Carried gap: Sincronizar agora only said "na fila"; the counts `lojasync sync` prints went to the worker's log."""
    view, _ = add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    store = str(simulator.store_id)
    assert _outcome(logged_in.get("/integracao").text, store) == "nenhuma registrada ainda"
    logged_in.post(f"/integracao/lojas/{store}/sincronizar", data={"csrf_token": csrf_of(
        logged_in.get("/integracao").text)})
    waiting = _outcome(logged_in.get("/integracao").text, store)
    assert "na fila do worker: começa em instantes." in waiting and "terminada" not in waiting

    _worker_sync(app, view.id)
    with app.read_uow() as uow:
        imported = len(uow.orders.list())
    assert imported > 0
    said = _outcome(logged_in.get("/integracao").text, store)
    # The store's first sync reads every order: a complete one.
    assert re.fullmatch(rf"Sincronização completa terminada em \d\d/\d\d/\d{{4}} \d\d:\d\d \(há menos de 1 minuto\): "
                        rf"\d+ pedido\(s\) lido\(s\): {imported} criados\.", said), said
    (state,) = store_states(app.read_uow())
    assert state.sync_requested_at is None and not state.last_run.failed   # the request was answered

    # Nothing changed in the store since: said so; and a full one reads them all again, unchanged.
    _worker_sync(app, view.id)
    assert _outcome(logged_in.get("/integracao").text, store).endswith(": 0 pedido(s) lido(s): nada a importar.")
    _worker_sync(app, view.id, full=True)
    said = _outcome(logged_in.get("/integracao").text, store)
    assert said.startswith("Sincronização completa terminada em ") and f": {imported} sem mudança." in said


def test_a_workers_sync_that_failed_says_why_and_what_to_do(logged_in, app, simulator):
    """A failure that did not flag the store (the store out of reach, a bug) was only in the worker's log; one that
    flags it is said above too, and here as the sync's outcome."""
    store_id = make_store(app, str(simulator.store_id), api_url=simulator.api_url)   # a token the store refuses
    logged_in.post(f"/integracao/lojas/{simulator.store_id}/sincronizar",
                   data={"csrf_token": csrf_of(logged_in.get("/integracao").text)})
    _worker_sync(app, store_id)
    said = _outcome(logged_in.get("/integracao").text, str(simulator.store_id))
    # The store's first sync: a complete one, stopped.
    assert said.startswith("Sincronização completa parou em ") and "Token de acesso recusado pela Nuvemshop" in said
    assert "Resolução:" in said and "na fila" not in said


def test_a_bug_in_the_sync_is_said_in_words_without_its_traceback(logged_in, app, store_id):
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from lojasync.nuvemshop.services.sync_store import sync_store

    def broken(_store):
        raise KeyError("tabela interna")

    with pytest.raises(KeyError):
        sync_store(app.uow(), broken, ImportPolicy(), full=True)
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert said.startswith("Sincronização completa parou em ")
    assert "Erro inesperado (KeyError) na sincronização. Resolução: A próxima conferência periódica tenta de novo." \
        in said and "tabela interna" not in said


def test_a_sync_waiting_long_or_running_is_said_so(logged_in, app, store_id):
    asked = datetime.now(timezone.utc) - timedelta(minutes=5)
    with app.uow() as uow:
        uow.stores.get(store_id).sync_requested_at = asked
        uow.commit()
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert "na fila do worker, ainda não começou: o worker está no ar?" in said
    assert "Se a loja está ocupada (o worker importando as notificações dela ou enviando atualizações), ela começa " \
        "assim que a loja se liberar." in said
    with app.uow() as uow:   # an interrupted run, and a worker draining the store's notifications
        uow.stores.get(store_id).run_started_at = asked
        uow.leases.acquire(store_id, "worker-1", asked, datetime.now(timezone.utc) + timedelta(minutes=2))
        uow.commit()
    # review: the drain's lease (or the push's) was taken for the sync running again.
    page = logged_in.get("/integracao").text
    assert "em andamento" not in _outcome(page, STORE) and "interrompida: continua na próxima" in page
    with app.uow() as uow:   # the drain done, a worker's sync took the store and resumed the run
        uow.leases.release(store_id, "worker-1")
        uow.leases.acquire(store_id, "worker-1:sync", asked, datetime.now(timezone.utc) + timedelta(minutes=2))
        uow.commit()
    page = logged_in.get("/integracao").text
    assert "em andamento: o resultado aparece aqui quando ela terminar." in _outcome(page, STORE)
    assert "interrompida: continua na próxima" not in page and ">em andamento<" in page
    with app.uow() as uow:   # that worker died: its lease ran out, the run waits to be resumed
        uow.leases.release(store_id, "worker-1:sync")
        uow.commit()
    assert "interrompida: continua na próxima" in logged_in.get("/integracao").text
    # Disabled since the click: the worker skips it; the page says why above, not that it waits.
    set_store_enabled(app.uow(), STORE, enabled=False)
    assert _outcome(logged_in.get("/integracao").text, STORE) == "nenhuma registrada ainda"


def test_a_request_made_while_a_sync_ran_waits_for_the_next_one(app, store_id):
    """The sync under way when a person asks read the store before the click: the request waits for the one it
    queued."""
    from lojasync.nuvemshop.services.outcomes import Outcome
    from lojasync.nuvemshop.services.sync_runs import record_finished, request_sync

    began = datetime.now(timezone.utc) - timedelta(minutes=1)
    request_sync(app.uow(), store_id, began + timedelta(seconds=30))
    with app.uow() as uow:
        record_finished(uow.stores.get(store_id), False, 4, {Outcome.UPDATED: 4}, began, datetime.now(timezone.utc))
        uow.commit()
    (state,) = store_states(app.read_uow())
    assert state.sync_requested_at is not None and [(c.count, c.label) for c in state.last_run.counts] == [
        (4, "atualizados")]
    with app.uow() as uow:   # one order: in the singular (terminal journey: "1 precisam de atenção")
        record_finished(uow.stores.get(store_id), False, 2, {Outcome.UPDATED: 1, Outcome.ATTENTION: 1}, began,
                        datetime.now(timezone.utc))
        uow.commit()
    (state,) = store_states(app.read_uow())
    assert [(c.count, c.label) for c in state.last_run.counts] == [(1, "atualizado"), (1, "precisa de atenção")]


def _queued_syncs(huey) -> list:
    """The syncs waiting in the worker's queue, taken out of it (as the consumer takes them)."""
    taken = []
    while (task := huey.dequeue()) is not None:
        taken.append(task)
    return [task for task in taken if task.name == "sync_store"]


def test_a_requested_sync_that_finds_the_store_busy_runs_once_it_is_free(logged_in, app, simulator):
    """review: Sincronização completa clicked while a drain of a webhook storm (or a push) held the store gave up as
    busy and was dropped: the page said "na fila", then that the periodic one would do it, and the full sync never
    ran (the periodic one is incremental). The worker now looks again until the store is free."""
    from huey import MemoryHuey

    from lojasync.entrypoints.tasks import TaskQueue

    view, _ = add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    store = str(simulator.store_id)
    logged_in.post(f"/integracao/lojas/{store}/sincronizar",
                   data={"csrf_token": csrf_of(logged_in.get("/integracao").text), "completa": "1"})
    with app.uow() as uow:   # another worker drains the store's notifications
        uow.leases.acquire(view.id, "worker-1", datetime.now(timezone.utc),
                           datetime.now(timezone.utc) + timedelta(minutes=2))
        uow.commit()
    huey = MemoryHuey("test", immediate=False)
    queue = TaskQueue(app, huey=huey)
    queue._sync_task(view.id, True, True)   # what the click queued
    (again,) = _queued_syncs(huey)
    assert again.args == (view.id, True, True, 1)
    assert again.eta > datetime.now(timezone.utc).replace(tzinfo=None) + timedelta(seconds=5)   # later, not at once
    with app.read_uow() as uow:
        assert uow.orders.list() == []
    assert "Sincronização completa pedida em" in _outcome(logged_in.get("/integracao").text, store)

    huey.execute(again, again.eta)   # still busy: looked at again, later
    (again,) = _queued_syncs(huey)
    assert again.args == (view.id, True, True, 2)
    with app.uow() as uow:   # the drain ends
        uow.leases.release(view.id, "worker-1")
        uow.commit()
    huey.execute(again, again.eta)
    assert _queued_syncs(huey) == []
    with app.read_uow() as uow:
        assert len(uow.orders.list()) > 0
    (state,) = store_states(app.read_uow())
    assert state.sync_requested_at is None and state.last_run.full and not state.last_run.failed


def test_a_sync_nobody_asked_for_is_left_to_the_next_round_when_the_store_is_busy(app, store_id):
    from huey import MemoryHuey

    from lojasync.entrypoints.tasks import TaskQueue

    with app.uow() as uow:
        uow.leases.acquire(store_id, "worker-1", datetime.now(timezone.utc),
                           datetime.now(timezone.utc) + timedelta(minutes=2))
        uow.commit()
    huey = MemoryHuey("test", immediate=False)
    TaskQueue(app, huey=huey)._sync_task(store_id, False)   # housekeeping's, a drain's
    assert _queued_syncs(huey) == []


def test_a_periodic_sync_does_not_answer_a_full_one_asked_for(logged_in, app, store_id):
    """review: the periodic (incremental) sync that began after a click on Sincronização completa cleared the request,
    and the page said it answered while the full sync never ran."""
    from lojasync.nuvemshop.services.outcomes import Outcome
    from lojasync.nuvemshop.services.sync_runs import record_finished, request_sync

    asked = datetime.now(timezone.utc) - timedelta(minutes=3)
    request_sync(app.uow(), store_id, asked, full=True)
    with app.uow() as uow:
        record_finished(uow.stores.get(store_id), False, 2, {Outcome.UPDATED: 2}, asked + timedelta(seconds=10),
                        asked + timedelta(seconds=20))
        uow.commit()
    (state,) = store_states(app.read_uow())
    assert state.sync_requested_at is not None and state.full_sync_requested
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert said.startswith("Sincronização completa pedida em ") and "ainda não começou" in said
    with app.uow() as uow:   # an incremental run under way is not the one asked for
        uow.stores.get(store_id).run_started_at = datetime.now(timezone.utc)
        uow.stores.get(store_id).run_since = asked
        uow.leases.acquire(store_id, "worker-1:sync", datetime.now(timezone.utc),
                           datetime.now(timezone.utc) + timedelta(minutes=2))
        uow.commit()
    assert "começa quando a sincronização em andamento terminar" in _outcome(logged_in.get("/integracao").text, STORE)
    with app.uow() as uow:
        store = uow.stores.get(store_id)
        store.run_started_at = store.run_since = None
        uow.leases.release(store_id, "worker-1:sync")
        record_finished(store, True, 2, {Outcome.UNCHANGED: 2}, asked + timedelta(seconds=30),
                        asked + timedelta(seconds=40))
        uow.commit()
    (state,) = store_states(app.read_uow())
    assert state.sync_requested_at is None and not state.full_sync_requested
    # An incremental request is answered by any run begun since, the periodic one included.
    request_sync(app.uow(), store_id, asked + timedelta(minutes=1))
    with app.uow() as uow:
        record_finished(uow.stores.get(store_id), False, 0, {}, asked + timedelta(minutes=2),
                        asked + timedelta(minutes=2, seconds=5))
        uow.commit()
    (state,) = store_states(app.read_uow())
    assert state.sync_requested_at is None


def test_a_sync_asked_for_long_ago_that_never_began_says_to_ask_again(logged_in, app, store_id):
    from lojasync.nuvemshop.services.sync_runs import REQUEST_PATIENCE, request_sync

    request_sync(app.uow(), store_id, datetime.now(timezone.utc) - REQUEST_PATIENCE - timedelta(minutes=1), full=True)
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert "não começou: a loja ficou ocupada por mais de 60 minutos ou o worker não está no ar. Peça de novo." in said


def test_a_sync_asked_for_names_its_date_as_a_date_and_the_flash_names_the_box_it_ends_in(logged_in, app, store_id):
    """review (pt-BR): "pedida às 07/12/2026 14:35" put "às", said of an hour, before a date; and the flash of
    Sincronizar agora sent the operator to "Última sincronização", the line with the time, not the box with what the
    sync did ("Resultado da última sincronização")."""
    page = logged_in.post(f"/integracao/lojas/{STORE}/sincronizar",
                          data={"csrf_token": csrf_of(logged_in.get("/integracao").text)}, follow_redirects=True).text
    assert "o resultado em Resultado da última sincronização" in text_of(page)
    said = _outcome(page, STORE)
    assert re.match(r"Sincronização pedida em \d\d/\d\d/\d{4} \d\d:\d\d, na fila do worker: começa em instantes\.$",
                    said), said
    with app.uow() as uow:   # a worker took it and began the run
        uow.stores.get(store_id).run_started_at = datetime.now(timezone.utc)
        uow.leases.acquire(store_id, "worker-1:sync", datetime.now(timezone.utc),
                           datetime.now(timezone.utc) + timedelta(minutes=2))
        uow.commit()
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert re.match(r"Sincronização pedida em \d\d/\d\d/\d{4} \d\d:\d\d, em andamento: o resultado aparece aqui "
                    r"quando ela terminar\.$", said), said


def test_a_store_synced_before_results_were_kept_says_so_not_that_none_was(logged_in, app, store_id):
    """review: a store whose last sync ended before lojasync kept the results (the upgrade that added them) showed
    "Última sincronização: há 2 minutos" above "Resultado: nenhuma registrada ainda"."""
    synced = datetime.now(timezone.utc) - timedelta(minutes=2)
    with app.uow() as uow:
        uow.stores.get(store_id).last_sync_at = synced
        uow.commit()
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert re.match(r"não registrado \(a sincronização de \d\d/\d\d/\d{4} \d\d:\d\d é anterior a esta versão do "
                    r"lojasync\); a próxima o registra$", said), said


def test_a_stores_first_sync_reads_every_order_and_answers_a_complete_one_asked_for(logged_in, app, simulator):
    """Carried gap: a store's very first sync (no cursor: it reads every order) was recorded as incremental, so a
    Sincronização completa asked for before it stayed pending and read the whole store again after it."""
    view, _ = add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    store = str(simulator.store_id)
    logged_in.post(f"/integracao/lojas/{store}/sincronizar", data={"csrf_token": csrf_of(
        logged_in.get("/integracao").text), "completa": "1"})
    _worker_sync(app, view.id)   # the periodic one, incremental as asked, came first
    (state,) = store_states(app.read_uow())
    assert state.sync_requested_at is None and not state.full_sync_requested
    assert _outcome(logged_in.get("/integracao").text, store).startswith("Sincronização completa terminada em ")
    _worker_sync(app, view.id)   # the next incremental one is said as such
    assert _outcome(logged_in.get("/integracao").text, store).startswith("Sincronização terminada em ")


def _store_down(app):
    """The container with a store whose listing answers 503 past the client's retries (the worker's syncs stop)."""
    import dataclasses

    from lojasync.nuvemshop.client.errors import TemporaryError

    down = dataclasses.replace(app)

    def client_for(store):
        client = app.client_for(store)

        def list_orders_page(*args, **kwargs):
            raise TemporaryError("Nuvemshop fora do ar (teste).", resolution="Tente de novo em alguns minutos.")

        client.list_orders_page = list_orders_page
        return client

    down.client_for = client_for
    return down


def _synced_logged(caplog) -> list[bool]:
    """`full` of each "store synced" line the worker logged, taken out of the log."""
    said = [r.full for r in caplog.records if r.getMessage() == "store synced"]
    caplog.clear()
    return said


def test_a_stores_first_sync_that_stops_or_is_resumed_is_still_a_complete_one(logged_in, app, simulator, caplog):
    """Carried gap: a store's first sync (no cursor: it reads every order) was recorded as complete only when it ran
    through at once: one that stopped was recorded as an incremental one that stopped, and the run that resumed it as
    incremental, leaving the Sincronização completa asked for before it pending (the whole store read again after
    it); the worker's log line said full=False for every first sync."""
    view, _ = add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    store = str(simulator.store_id)
    _worker_sync(_store_down(app), view.id)   # the periodic one, the store's first, stops
    said = _outcome(logged_in.get("/integracao").text, store)
    assert said.startswith("Sincronização completa parou em ") and "Nuvemshop fora do ar (teste)." in said, said
    (state,) = store_states(app.read_uow())
    assert state.last_run.full and state.last_run.failed and state.interrupted_run
    # A Sincronização completa asked for before the stopped run began (the request it answered, had it ended) ...
    with app.uow() as uow:
        row = uow.stores.get(view.id)
        row.full_sync_requested_at = row.sync_requested_at = row.run_started_at - timedelta(minutes=1)
        uow.commit()
    with caplog.at_level("INFO", logger="lojasync"):
        _worker_sync(app, view.id)   # ... is answered by the incremental one that resumes it and reads it to the end
    assert _synced_logged(caplog) == [True]
    (state,) = store_states(app.read_uow())
    assert state.last_run.full and not state.last_run.failed and not state.interrupted_run
    assert state.sync_requested_at is None and not state.full_sync_requested
    assert _outcome(logged_in.get("/integracao").text, store).startswith("Sincronização completa terminada em ")
    with app.read_uow() as uow:
        assert len(uow.orders.list()) == 3
    with caplog.at_level("INFO", logger="lojasync"):
        _worker_sync(app, view.id)   # the next one reads from the cursor: incremental, logged and said so
    assert _synced_logged(caplog) == [False]
    assert _outcome(logged_in.get("/integracao").text, store).startswith("Sincronização terminada em ")


def test_a_complete_sync_asked_for_after_the_first_one_began_is_not_answered_by_its_resumption(logged_in, app,
                                                                                             simulator, caplog):
    """The run that resumes a first sync read its first pages before the request (with the settings of then): the
    Sincronização completa asked for after that first sync began waits for a run of its own."""
    view, _ = add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    store = str(simulator.store_id)
    began = datetime.now(timezone.utc) - timedelta(minutes=10)
    with app.uow() as uow:   # the first sync began, and its worker died
        row = uow.stores.get(view.id)
        row.run_started_at, row.run_since, row.run_next_page = began, None, 1
        uow.commit()
    logged_in.post(f"/integracao/lojas/{store}/sincronizar", data={"csrf_token": csrf_of(
        logged_in.get("/integracao").text), "completa": "1"})
    with caplog.at_level("INFO", logger="lojasync"):
        _worker_sync(app, view.id)   # the periodic one resumes it
    assert _synced_logged(caplog) == [True]
    (state,) = store_states(app.read_uow())
    assert state.last_run.full and state.full_sync_requested and not state.interrupted_run
    said = _outcome(logged_in.get("/integracao").text, store)
    assert said.startswith("Sincronização completa pedida em ") and "Sincronização completa terminada em " in said


def test_a_complete_sync_refused_for_an_inactive_store_answers_its_request_though_an_older_run_stopped(logged_in, app,
                                                                                                      simulator):
    """Review of fd8b0950: a full run that did not resume (asked for; refused, the store inactive) was taken as one
    that read its first pages when an older stopped attempt began: its refusal left the request pending, and the page
    said the sync waited in the worker's queue. It answers it, as before: the page says why it stopped."""
    from lojasync.nuvemshop.services.sync_store import sync_store
    from lojasync.shared.errors import LojasyncError

    view, _ = add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    store = str(simulator.store_id)
    with app.uow() as uow:   # a first sync began and its worker died; the store was then made inactive
        row = uow.stores.get(view.id)
        row.run_started_at = datetime.now(timezone.utc) - timedelta(minutes=10)
        row.run_since, row.run_next_page = None, 1
        uow.commit()
    logged_in.post(f"/integracao/lojas/{store}/sincronizar", data={"csrf_token": csrf_of(
        logged_in.get("/integracao").text), "completa": "1"})
    with app.uow() as uow:
        uow.stores.get(view.id).active = False
        uow.commit()
    with pytest.raises(LojasyncError):   # `lojasync sync --full`: the worker does not sync an inactive store
        sync_store(app.uow(), app.client_for, app.policy(), external_store_id=store, full=True)
    (state,) = store_states(app.read_uow())
    assert state.last_run is not None and state.last_run.failed
    assert not state.full_sync_requested and state.sync_requested_at is None


def test_a_sync_that_lost_its_lease_does_not_take_the_place_of_the_run_that_took_the_store_over(logged_in, app,
                                                                                                store_id):
    """Carried gap: a run that lost its lease (another process took the store) stops at its next page and records
    its stop; when the run that took over had ended first, that stop replaced its result on the page."""
    from lojasync.nuvemshop.errors import SyncBusy
    from lojasync.nuvemshop.services.outcomes import Outcome
    from lojasync.nuvemshop.services.sync_runs import record_failed, record_finished

    first = datetime.now(timezone.utc) - timedelta(minutes=10)
    took_over = first + timedelta(minutes=3)
    with app.uow() as uow:   # the run that took the store over ends first
        record_finished(uow.stores.get(store_id), False, 4, {Outcome.CREATED: 4}, took_over,
                        took_over + timedelta(minutes=1))
        uow.commit()
    record_failed(app.uow(), store_id, False, 2, {Outcome.CREATED: 2}, first, took_over + timedelta(minutes=2),
                  SyncBusy("Outro processo assumiu esta loja durante a sincronização.",
                           resolution="Sincronize de novo: ela retoma de onde parou."))
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert said.startswith("Sincronização terminada em ") and "4 criados" in said, said
    # Nor does its end, when it ended all the same (it lost the lease while retrying its failed orders).
    with app.uow() as uow:
        record_finished(uow.stores.get(store_id), False, 2, {Outcome.CREATED: 2}, first,
                        took_over + timedelta(minutes=3))
        uow.commit()
    said = _outcome(logged_in.get("/integracao").text, STORE)
    assert said.startswith("Sincronização terminada em ") and "4 criados" in said, said
    # A stop of a run that began after the one recorded is said, as before.
    record_failed(app.uow(), store_id, False, 0, {}, took_over + timedelta(minutes=4),
                  took_over + timedelta(minutes=5), SyncBusy("Outro processo assumiu esta loja durante a sincronização."))
    assert _outcome(logged_in.get("/integracao").text, STORE).startswith("Sincronização parou em ")


def test_a_complete_sync_asked_for_and_answered_by_the_first_one_is_not_run_again_when_its_task_comes(
        logged_in, app, simulator):
    """Review of e0a42c34: the first sync answered the Sincronização completa asked for before it, but the task the
    click queued, reaching the worker after it, still read the whole store again."""
    from huey import MemoryHuey

    from lojasync.entrypoints.tasks import TaskQueue

    view, _ = add_store(app.uow(), app.cipher, simulator.store_id, simulator.access_token, simulator.api_url)
    store = str(simulator.store_id)
    logged_in.post(f"/integracao/lojas/{store}/sincronizar", data={"csrf_token": csrf_of(
        logged_in.get("/integracao").text), "completa": "1"})
    _worker_sync(app, view.id)   # the periodic one, the store's first, answers it
    (state,) = store_states(app.read_uow())
    answered_at = state.last_run.ended_at
    TaskQueue(app, huey=MemoryHuey("test", immediate=False))._sync_task(view.id, True, True)   # the click's task
    (state,) = store_states(app.read_uow())
    assert state.last_run.ended_at == answered_at   # no second read of the whole store


def test_a_store_connected_by_token_is_told_to_register_its_webhooks(logged_in, app, simulator):
    """first-day walk: connected by its token, the store had no webhooks and the page said only "Use Sincronizar
    agora"; orders then came only with the periodic reconciliation. The terminal says to register them (store add);
    the page names its own way, Conferir webhooks."""
    token = csrf_of(logged_in.get("/integracao").text)
    done = logged_in.post("/integracao/lojas", data={"csrf_token": token, "loja": simulator.store_id,
                                                     "token": simulator.access_token, "api": simulator.api_url})
    assert done.status_code == 303
    flashes = re.findall(r'<p class="flash flash-[a-z]+">(.*?)</p>', logged_in.get("/integracao").text, re.S)
    (flashed,) = [text_of(said) for said in flashes if "conectada" in said]
    assert f"Loja {simulator.store_id} conectada" in flashed and "Sincronizar agora" in flashed
    assert "Conferir webhooks" in flashed and "registrar os avisos em tempo real" in flashed
