"""The import keeps how an order ships (carrier's code, option, pickup at the store): mapped from the store's
payload (the documented example included), refreshed by a store update like the other fields, never written over
an order the back office processed, and filled in once, silently, for orders imported before it was kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lojasync.nuvemshop.mapper import map_order
from lojasync.nuvemshop.payloads import parse_order
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.import_prepare import prepare
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.sales.history import ProcessedBy
from lojasync.sales.shipping import Shipping
from lojasync.sales.status import default_status_rules
from lojasync.sales.views import show_order
from tests.factories import order_payload, ts

POLICY = ImportPolicy()
EXAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "nuvemshop"
PAC = {"shipping": "correios", "shipping_option": "Correios - PAC", "shipping_option_code": "pac",
       "shipping_pickup_type": "ship", "shipping_store_branch_name": None}
PICKUP = {"shipping": "pickup", "shipping_option": "Retirada na loja", "shipping_pickup_type": "pickup",
          "shipping_store_branch_name": "Loja Centro"}


def mapped(**payload) -> Shipping | None:
    return map_order(parse_order(order_payload(**payload)), default_status_rules()).shipping


def test_the_documented_order_keeps_its_carrier_and_option():
    example = json.loads((EXAMPLES / "order-get.json").read_text())
    data = map_order(parse_order(example), default_status_rules())
    assert data.shipping == Shipping(carrier="ups", option="Synthetics", pickup=False, branch=None)
    assert data.shipping.words == "Envio: Synthetics"


@pytest.mark.parametrize(("payload", "expected"), [
    (PAC, Shipping("correios", "Correios - PAC")),
    ({**PAC, "shipping": "JadLog", "shipping_option": None}, Shipping("jadlog", None)),   # the code in lower case
    (PICKUP, Shipping("pickup", "Retirada na loja", pickup=True, branch="Loja Centro")),
    ({**PICKUP, "shipping_pickup_type": "PICKUP", "shipping_store_branch_name": ""},
     Shipping("pickup", "Retirada na loja", pickup=True)),
    ({}, None),                                              # the store said nothing of it
    ({"shipping": [], "shipping_option": {}}, None),         # PHP's empty objects
])
def test_the_shipping_as_the_store_sent_it(payload, expected):
    assert mapped(**payload) == expected


def test_words():
    assert Shipping("correios", "Correios - PAC").words == "Envio: Correios - PAC"
    assert Shipping("jadlog").words == "Envio: jadlog"
    assert Shipping("pickup", "Retirada na loja", pickup=True).words == "Retirada na loja"
    assert Shipping("pickup", pickup=True, branch="Loja Centro").words == "Retirada na loja (Loja Centro)"


def test_the_digest_keeps_its_old_value_without_shipping_and_takes_the_shipping_when_sent():
    (bare,), _ = prepare([order_payload(id=1700000001, number=1)], POLICY)
    (shipped,), _ = prepare([order_payload(id=1700000001, number=1, **PAC)], POLICY)
    (other,), _ = prepare([order_payload(id=1700000001, number=1, **{**PAC, "shipping_option": "Correios - SEDEX"})],
                          POLICY)
    assert len({bare.digest, shipped.digest, other.digest}) == 3   # a new option alone is news


def test_a_store_update_refreshes_the_shipping_and_the_history_says_so(uow, store):
    payload = order_payload(id=1700000200, **PAC)
    number = import_order(uow, store.id, payload, POLICY).order_number
    assert show_order(uow, number)["shipping"]["words"] == "Envio: Correios - PAC"

    moved = {**payload, **PICKUP, "updated_at": ts(60)}
    assert import_order(uow, store.id, moved, POLICY).outcome is Outcome.UPDATED
    shown = show_order(uow, number)
    assert shown["shipping"]["pickup"] and shown["shipping"]["words"] == "Retirada na loja (Loja Centro)"
    assert shown["log"][-1]["message"] == "Pedido atualizado pela loja: meio de envio alterado."


def test_an_order_imported_before_the_shipping_was_kept_gets_it_silently(uow, store):
    payload = order_payload(id=1700000201)
    number = import_order(uow, store.id, payload, POLICY).order_number
    assert show_order(uow, number)["shipping"] is None
    # The same order, now read with its shipping (what every store order has; older versions dropped it).
    assert import_order(uow, store.id, {**payload, **PAC}, POLICY).outcome is Outcome.UPDATED
    shown = show_order(uow, number)
    assert shown["shipping"]["carrier"] == "correios"
    assert [e["event"] for e in shown["log"]] == ["created"]   # filled in, not a change the store made


def test_a_processed_order_keeps_its_shipping_and_flags_the_change(uow, store):
    payload = order_payload(id=1700000202, payment_status="paid", **PAC)
    number = import_order(uow, store.id, payload, POLICY).order_number
    with uow:
        uow.orders.get(number).mark_processed(ProcessedBy.NFE)
        uow.commit()
    # Like an address changed after the NF-e: the fiscal document stands, the order is not rewritten; but a person
    # is told (rule 7): the goods the NF-e sends by PAC are now to be picked up.
    result = import_order(uow, store.id, {**payload, **PICKUP, "updated_at": ts(600)}, POLICY)
    assert result.outcome is Outcome.ATTENTION
    shown = show_order(uow, number)
    assert shown["shipping"]["words"] == "Envio: Correios - PAC" and shown["needs_attention"]
    assert "meio de envio alterado" in shown["attention_reason"]
