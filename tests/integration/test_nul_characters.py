"""A NUL character typed or sent into a form (a search, a SKU, a discard's reason) is dropped, on PostgreSQL
(whose text cannot hold one: the driver refused the statement, "o banco recusou os dados") and SQLite alike."""

from __future__ import annotations

import pytest

from lojasync.fiscal.services.company import install_test_certificate, set_company
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoices import generate_invoice
from lojasync.nuvemshop.services.order_search import search_store_orders
from lojasync.sales.order_filter import OrderFilter
from lojasync.stock.counts import count_stock
from tests.integration.test_invoices import COMPANY, imported


def test_a_nul_in_a_search_a_sku_or_a_reason_is_dropped(app, sefaz):
    number = imported(app, id=2000000201)
    found = search_store_orders(app.uow(), OrderFilter(text=f"{number}\x00"))
    assert [o["number"] for o in found.items] == [number]
    assert count_stock(app.uow(), "CAN-\x00CER", 3)["sku"] == "CAN-CER"
    set_company(app.uow(), COMPANY)
    install_test_certificate(app.uow(), app.cipher)
    invoice = generate_invoice(app.uow(), app.cipher, number)
    discarded, _ = cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "pedido \x00 desistido")
    assert discarded.cancel_justification == "pedido desistido"


@pytest.mark.postgresql
def test_postgresql_is_given_no_nul_whatever_reaches_it(app):
    """The database's own guard (`db.engine`), for a path no boundary cleaned: the text is stored without it."""
    set_company(app.uow(), COMPANY)
    with app.uow() as uow:
        uow.session.connection().exec_driver_sql("UPDATE company SET trade_name = %(name)s",
                                                 {"name": "Loja\x00 Exemplo"})
        uow.commit()
    with app.read_uow() as uow:
        assert uow.company.get().trade_name == "Loja Exemplo"
    # Several rows in one flush go as one multi-row INSERT, its parameters one flat dict of every row's values.
    from decimal import Decimal

    from lojasync.stock.products import Product
    with app.uow() as uow:
        uow.products.add(Product("NUL-1", "Vela\x00 de soja", Decimal("10.00")))
        uow.products.add(Product("NUL-2", "Vela\x00 de cera", Decimal("12.00")))
        uow.commit()
    with app.read_uow() as uow:
        assert sorted(p.name for p in uow.products.by_skus(["NUL-1", "NUL-2"]).values()) == ["Vela de cera",
                                                                                            "Vela de soja"]
