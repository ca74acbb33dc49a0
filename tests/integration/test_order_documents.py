"""The documents of one order, as its page shows them: every NF-e and venda simples, and which one is active."""

from __future__ import annotations

import pytest

from lojasync.fiscal.services.order_documents import order_documents
from lojasync.fiscal.services.simple_sales import cancel_sale, confirm_sale, generate_sale
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.errors import OrderNotFound
from tests.factories import make_store, order_payload


def imported(app, order_id: int) -> int:
    return import_order(app.uow(), make_store(app), order_payload(id=order_id), ImportPolicy()).order_number


def test_an_order_without_documents_has_none_active(app):
    documents = order_documents(app.read_uow(), imported(app, 2100000001))
    assert (documents.invoices, documents.sales, documents.active) == ([], [], None)


def test_a_cancelled_sale_stays_listed_and_the_new_one_is_the_active_one(app):
    number = imported(app, 2100000002)
    first = generate_sale(app.uow(), number)
    assert order_documents(app.read_uow(), number).active.id == first.id
    cancel_sale(app.uow(), first.id)
    assert order_documents(app.read_uow(), number).active is None

    second = generate_sale(app.uow(), number)
    confirm_sale(app.uow(), second.id)
    documents = order_documents(app.read_uow(), number)
    assert [(s.id, s.status) for s in documents.sales] == [(first.id, "cancelled"), (second.id, "confirmed")]
    assert documents.active.id == second.id and documents.active.status == "confirmed"


def test_an_unknown_order_is_refused_in_words(app):
    with pytest.raises(OrderNotFound, match="Pedido 999 não encontrado"):
        order_documents(app.read_uow(), 999)
