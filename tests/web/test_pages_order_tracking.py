"""The order page's "Rastreio do envio" block and `PUT /api/v1/orders/{number}/tracking`: the code recorded by a
person (page) or an integrator (API), the same service as `lojasync orders tracking`; refusals in Portuguese with
what was typed kept; the worker woken for the store; the same code again a no-op."""

from __future__ import annotations

import html

import pytest

from lojasync.nuvemshop.services.store_updates import list_store_updates
from lojasync.sales.views import show_order
from tests.web import documents_setup as setup
from tests.web.conftest import csrf_of
from tests.web.documents_setup import imported, post, text_of

store_id = setup.store_id
URL = "https://rastreamento.correios.com.br/app/index.php?objeto=AA123456789BR"


def tracking_updates(app) -> list[tuple[str, str | None, str]]:
    return [(u.ref, u.value, u.status) for u in list_store_updates(app.read_uow(), None, include_done=True)
            if u.kind == "tracking"]


def pushes(client) -> list[str]:
    return [name for name, _, _ in getattr(client.queue, "calls", []) if name == "push_soon"]


def test_the_page_records_the_code_and_the_store_gets_it(app, logged_in, store_id):
    (number,) = imported(app, store_id, {"id": 2400000001})
    page = text_of(logged_in.get(f"/pedidos/{number}").text)
    assert "Rastreio do envio Nenhum código de rastreio registrado." in page
    assert "A loja recebe o código, marca o pedido como enviado e avisa o cliente." in page

    done = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/rastreio", codigo=" AA123456789BR ", link=URL)
    assert done.status_code == 303 and done.headers["location"] == f"/pedidos/{number}#rastreio"
    body = logged_in.get(f"/pedidos/{number}").text
    after = text_of(body)
    assert "Código de rastreio: AA123456789BR — página de rastreio" in after
    assert f'href="{URL}"' in body
    assert f"Pedido {number}: código de rastreio AA123456789BR gravado. A loja o recebe em instantes" in after
    assert "Alterar código de rastreio" in after
    assert tracking_updates(app) == [("2400000001", "AA123456789BR", "pending")]
    assert pushes(logged_in) == ["push_soon"]
    # Waiting for the worker, where the other store updates are shown.
    integration = text_of(logged_in.get("/integracao").text)
    # Named by the ERP's order beside the store's id (operator review: the store's ids alone said nothing).
    assert f"código de rastreio pedido {number} (pedido 2400000001 na loja) pendente" in integration
    (entry,) = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "tracking_recorded"]
    assert entry["actor_name"] == logged_in.user_email

    same = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/rastreio", codigo="AA123456789BR", link=URL)
    assert same.status_code == 303
    assert "já tinha o código de rastreio AA123456789BR: nada mudou." in text_of(logged_in.get(f"/pedidos/{number}").text)
    assert pushes(logged_in) == ["push_soon"]   # nothing new for the store
    assert len([e for e in show_order(app.uow(), number)["log"] if e["event"] == "tracking_recorded"]) == 1


def test_a_refused_code_or_link_is_shown_with_what_was_typed(app, logged_in, store_id):
    (number,) = imported(app, store_id, {"id": 2400000002})
    bad = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/rastreio", codigo="AA 123", link="")
    assert bad.status_code == 422
    page = html.unescape(text_of(bad.text))
    assert "Código de rastreio não gravado" in page
    assert "Código de rastreio inválido: 'AA 123' tem espaços ou caracteres que nenhum código de rastreio usa." in page
    assert 'value="AA 123"' in bad.text

    bad_link = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/rastreio", codigo="AA123456789BR",
                    link="www.correios.com.br")
    assert bad_link.status_code == 422
    assert "Link de rastreio inválido: não é um endereço http:// ou https://." in text_of(bad_link.text)
    assert 'value="www.correios.com.br"' in bad_link.text
    assert show_order(app.uow(), number)["tracking"] is None and tracking_updates(app) == []


def test_a_cancelled_order_offers_no_form(app, logged_in, store_id):
    (number,) = imported(app, store_id, {"id": 2400000003, "status": "cancelled", "cancel_reason": "customer"})
    page = text_of(logged_in.get(f"/pedidos/{number}").text)
    assert "Nenhum código de rastreio registrado." in page and "Gravar código de rastreio" not in page
    refused = post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/rastreio", codigo="AA123456789BR", link="")
    assert refused.status_code == 409
    assert f"O pedido {number} está cancelado: não recebe código de rastreio." in text_of(refused.text)


def test_the_form_needs_the_csrf_token(app, logged_in, store_id):
    (number,) = imported(app, store_id, {"id": 2400000004})
    refused = logged_in.post(f"/pedidos/{number}/rastreio", data={"codigo": "AA123456789BR"})
    assert refused.status_code in (303, 403)
    assert show_order(app.uow(), number)["tracking"] is None


# -- the JSON API ----------------------------------------------------------------------------------------------

@pytest.fixture()
def api(web, api_token):
    web.headers["Authorization"] = f"Bearer {api_token}"
    return web


def test_the_api_records_the_code_idempotently(app, api, store_id):
    (number,) = imported(app, store_id, {"id": 2400001001})
    put = api.put(f"/api/v1/orders/{number}/tracking", json={"code": "AA123456789BR", "url": URL})
    assert put.status_code == 200, put.text
    assert put.json() == {"number": number, "tracking_code": "AA123456789BR", "tracking_url": URL, "changed": True,
                          "from_store": True}
    order = api.get(f"/api/v1/orders/{number}").json()
    assert order["tracking"] == {"code": "AA123456789BR", "url": URL}
    assert (order["history"][-1]["event"], order["history"][-1]["actor_name"]) == (
        "tracking_recorded", "token de API integracao-testes")
    assert tracking_updates(app) == [("2400001001", "AA123456789BR", "pending")]
    assert pushes(api) == ["push_soon"]   # the worker woken, as from the page (review: it waited a minute)

    again = api.put(f"/api/v1/orders/{number}/tracking", json={"code": "AA123456789BR", "url": URL})
    assert again.status_code == 200 and again.json()["changed"] is False
    assert len(api.get(f"/api/v1/orders/{number}").json()["history"]) == len(order["history"])
    assert pushes(api) == ["push_soon"]   # nothing new for the store
    # The same code without `url` in the body keeps the link; `"url": null` takes it away.
    kept = api.put(f"/api/v1/orders/{number}/tracking", json={"code": "AA123456789BR"})
    assert kept.json()["changed"] is False and kept.json()["tracking_url"] == URL
    cleared = api.put(f"/api/v1/orders/{number}/tracking", json={"code": "AA123456789BR", "url": None})
    assert cleared.json()["changed"] is True and cleared.json()["tracking_url"] is None


def test_api_refusals_are_the_services_errors(app, api, store_id):
    (number,) = imported(app, store_id, {"id": 2400002001})
    missing = api.put("/api/v1/orders/424242/tracking", json={"code": "AA123456789BR"})
    assert missing.status_code == 404 and missing.json()["codigo"] == "sales.order_not_found"
    blank = api.put(f"/api/v1/orders/{number}/tracking", json={"code": "  "})
    assert blank.status_code == 422 and blank.json()["codigo"] == "sales.invalid_tracking_code"
    assert blank.json()["erro"] == "Código de rastreio inválido: o código está em branco."
    bad_url = api.put(f"/api/v1/orders/{number}/tracking", json={"code": "AA1", "url": "ftp://x.com/AA1"})
    assert bad_url.status_code == 422 and bad_url.json()["codigo"] == "sales.invalid_tracking_url"
    assert api.put(f"/api/v1/orders/{number}/tracking", json={}).status_code == 422   # no code at all
    (cancelled,) = imported(app, store_id, {"id": 2400002002, "status": "cancelled", "cancel_reason": "fraud"})
    state = api.put(f"/api/v1/orders/{cancelled}/tracking", json={"code": "AA123456789BR"})
    assert state.status_code == 409 and state.json()["codigo"] == "sales.tracking_on_cancelled_order"
    assert show_order(app.uow(), number)["tracking"] is None and tracking_updates(app) == []


def test_the_api_with_a_session_needs_the_csrf_header(app, logged_in, store_id):
    (number,) = imported(app, store_id, {"id": 2400003001})
    refused = logged_in.put(f"/api/v1/orders/{number}/tracking", json={"code": "AA123456789BR"})
    assert refused.status_code == 403 and refused.json()["codigo"] == "web.api_csrf"
    token = csrf_of(logged_in.get("/pedidos").text)
    done = logged_in.put(f"/api/v1/orders/{number}/tracking", json={"code": "AA123456789BR"},
                         headers={"X-CSRF-Token": token})
    assert done.status_code == 200, done.text



def _refused(kind: str):
    """The store refusing the order's fulfilment: the code alone (422, the order cancelled there), or every update of
    the kind (403, the app without write_orders), which the push fails together."""
    from lojasync.nuvemshop.client.errors import BadRequestError, ForbiddenError
    from tests.unit.fakes import FakeStoreClient

    class Refusing(FakeStoreClient):
        def get_order(self, order_id):
            return {"id": int(order_id), "shipping_status": "unpacked"}

        def fulfill_order(self, order_id, tracking_number, tracking_url=None, notify_customer=True):
            if kind == "forbidden":
                raise ForbiddenError("sem permissão", status_code=403)
            raise BadRequestError("Order is cancelled", status_code=422)

    return Refusing()


@pytest.mark.parametrize(("kind", "order_id"), [("refused", 2400000009), ("forbidden", 2400000010)])
def test_a_code_the_store_refuses_is_said_on_the_orders_page(app, logged_in, store_id, kind, order_id):
    """review: refused for good, the code was said in the store log and on Integração only; the order's page kept
    promising that the store marks it shipped and tells the customer."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates

    (number,) = imported(app, store_id, {"id": order_id})
    post(logged_in, f"/pedidos/{number}", f"/pedidos/{number}/rastreio", codigo="AA123456789BR", link=URL)
    report = push_store_updates(app.uow(), lambda store: _refused(kind), store_id)
    assert report.failed == 1 and tracking_updates(app) == [(str(order_id), "AA123456789BR", "failed")]
    (entry,) = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "store_write_refused"]
    assert entry["level"] == "warning", entry
    assert entry["message"].startswith("A loja recusou o código de rastreio AA123456789BR: "), entry["message"]
    assert "Resolução:" in entry["message"]
    assert "A loja recusou o código de rastreio AA123456789BR" in text_of(logged_in.get(f"/pedidos/{number}").text)


def test_a_refusal_told_in_the_orders_history_does_not_deadlock_with_a_code_being_recorded(app, store_id,
                                                                                           monkeypatch):
    """review (own commits): written inside the push's transaction, the order's history entry waited on PostgreSQL for
    the order's lock, held by a tracking code being recorded, which waited for the update row the push held."""
    from lojasync.nuvemshop.services.push_updates import push_store_updates
    from lojasync.sales.events import TrackingRecorded
    from lojasync.sales.tracking import record_tracking
    from tests.integration.races import race_while_held

    (number,) = imported(app, store_id, {"id": 2400000011})
    record_tracking(app.uow(), number, "AA123456789BR")
    # The new code's transaction held in its handlers, the order locked; the push fails the old code meanwhile.
    tracking, push = race_while_held(app, monkeypatch, TrackingRecorded,
                                     lambda: record_tracking(app.uow(), number, "BB123456789BR"),
                                     lambda: push_store_updates(app.uow(), lambda store: _refused("refused"), store_id),
                                     hold_first=True)
    assert not isinstance(tracking, Exception), tracking
    assert not isinstance(push, Exception) and push.error is None, push
