"""An order whose text PostgreSQL refuses (NUL) or no database can encode (a lone surrogate) imports,
cleaned, on every backend, instead of failing on every sync forever."""

from __future__ import annotations

import logging

from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.sales.views import list_customers, list_orders, show_order
from tests.factories import make_store, order_payload


def hostile_order() -> dict:
    payload = order_payload(id=1700000777, number=777, contact_name="Jo\u0000ão \ud800Silva",
                            note="deixar na portaria\u0000", billing_city="São\u0000 Paulo")
    payload["customer"]["name"] = "Jo\u0000ão da Silva"
    payload["shipping_address"]["address"] = "Rua das Flores\udc00"
    payload["payment_details"]["method"] = "pi\u0000x"
    payload["products"][0].update(name="Camiseta\u0000 Algodão \udfffP", sku="CAM-ALG-P\u0000")
    return payload


def test_order_with_nul_and_lone_surrogates_imports_cleaned(app, caplog):
    store_id = make_store(app)
    with caplog.at_level(logging.INFO, logger="lojasync.payloads"):
        result = import_order(app.uow(), store_id, hostile_order(), ImportPolicy())

    assert result.outcome is Outcome.CREATED, result
    (listed,) = list_orders(app.uow())
    order = show_order(app.uow(), listed["number"])
    assert order["contact_name"] == "João da Silva"  # the customer's name comes first
    assert "Rua das Flores\ufffd" in order["shipping_address"].values()
    assert "São Paulo" in order["billing_address"].values()
    assert (order["note"], order["payment"]["method"]) == ("deixar na portaria", "pix")
    assert [(line["sku"], line["name"]) for line in order["lines"]][0] == ("CAM-ALG-P", "Camiseta Algodão \ufffdP")
    assert [c["name"] for c in list_customers(app.uow())] == ["João da Silva"]
    cleaned = [r for r in caplog.records if r.name == "lojasync.payloads"]
    assert len(cleaned) == 1 and cleaned[0].external_id == "1700000777"


def test_the_next_sync_sees_the_cleaned_order_as_unchanged(app):
    store_id = make_store(app)
    assert import_order(app.uow(), store_id, hostile_order(), ImportPolicy()).outcome is Outcome.CREATED
    again = import_order(app.uow(), store_id, hostile_order(), ImportPolicy())
    assert again.outcome is Outcome.UNCHANGED, again
