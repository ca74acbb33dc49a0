"""The read models behind the back-office pages (Estoque, Financeiro, Integração, Configurações), on a real
database: what each one shows follows from what the services did."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import event as sa_event

from lojasync.finance.services import receive
from lojasync.finance.views import (
    DueRangeInvalid,
    ReceiptRangeInvalid,
    ReceivableFilter,
    Situation,
    find_receivables,
    local_today,
)
from lojasync.fiscal.services.company import CompanyData, set_company
from lojasync.fiscal.services.company_form import changed_only, company_fields
from lojasync.fiscal.services.simple_sales import cancel_sale, confirm_sale, generate_sale
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.services import integration_views
from lojasync.nuvemshop.services.events_admin import list_events
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.integration_views import retry_failed_updates, store_states
from lojasync.nuvemshop.services.store_updates import list_store_updates
from lojasync.nuvemshop.services.stores import set_store_enabled
from lojasync.sales.orders import Order
from lojasync.stock.counts import count_stock
from lojasync.stock.fiscal_data import ProductFiscalData, set_fiscal_data
from lojasync.stock.views import ProductNotFound, product_detail, stock_overview
from tests.factories import make_store, order_payload

NOON = datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc)   # 12:00 in São Paulo


@pytest.fixture()
def store_id(app) -> int:
    return make_store(app)


def confirmed_sale(app, store_id, order_id: int, **payload) -> int:
    number = import_order(app.uow(), store_id, order_payload(id=order_id, **payload), ImportPolicy()).order_number
    sale = generate_sale(app.uow(), number)
    confirm_sale(app.uow(), sale.id, now=lambda: NOON)
    return sale.id


# Estoque ------------------------------------------------------------------------------------------------------

def test_the_overview_flags_store_created_products_and_counted_ones(app, store_id):
    sale_id = confirmed_sale(app, store_id, 2100000001)
    count_stock(app.uow(), "CAN-CER", 7)
    rows = {r["sku"]: r for r in stock_overview(app.uow())}
    assert set(rows) == {"CAM-ALG-P", "CAN-CER"}
    assert (rows["CAM-ALG-P"]["quantity"], rows["CAM-ALG-P"]["managed"]) == (-2, False)
    assert (rows["CAN-CER"]["quantity"], rows["CAN-CER"]["managed"], rows["CAN-CER"]["available"]) == (7, True, 7)
    assert all(r["created_by_store"] for r in rows.values())   # unknown SKUs arrived with the order
    detail = product_detail(app.uow(), "CAM-ALG-P")
    (movement,) = detail["movements"]
    assert (movement["quantity"], movement["balance"], movement["source_type"], movement["source_id"]) == (
        -2, -2, "simple_sale", str(sale_id))
    assert detail["quantity"] == -2 and not detail["managed"]


def test_the_product_page_shows_the_fiscal_data_kept_and_the_count(app, store_id):
    confirmed_sale(app, store_id, 2100000002)
    set_fiscal_data(app.uow(), "CAN-CER", ProductFiscalData(ncm="6912.00.00", origin="0", gtin="7891234567895"))
    count_stock(app.uow(), "CAN-CER", 3)
    detail = product_detail(app.uow(), "CAN-CER")
    assert detail["fiscal"] == {"ncm": "69120000", "cest": None, "origin": "0", "unit": None,
                                "gtin": "7891234567895", "cfop": None}
    assert [m["balance"] for m in detail["movements"]] == [-1, 3]
    assert detail["managed"] and detail["quantity"] == 3
    with pytest.raises(ProductNotFound):
        product_detail(app.uow(), "NAO-EXISTE")
    # A store's own code (GS1 restricted circulation): SEFAZ refuses it (882), so it is refused when kept.
    from lojasync.stock.fiscal_data import FiscalDataInvalid

    with pytest.raises(FiscalDataInvalid, match="GTIN/EAN de circulação restrita"):
        set_fiscal_data(app.uow(), "CAN-CER", ProductFiscalData(gtin="2000000000008"))
    # Letters: told the form (first-day walk: the check digit was blamed whatever the length).
    with pytest.raises(FiscalDataInvalid, match=r"GTIN/EAN inválido \(8, 12, 13 ou 14 dígitos\): ABC"):
        set_fiscal_data(app.uow(), "CAN-CER", ProductFiscalData(gtin="ABC"))
    # The words the NF-e writes for a product without a GTIN, typed as they read (review: "dígito verificador").
    set_fiscal_data(app.uow(), "CAN-CER", ProductFiscalData(gtin=" Sem  GTIN "))
    assert product_detail(app.uow(), "CAN-CER")["fiscal"]["gtin"] is None


# Financeiro ---------------------------------------------------------------------------------------------------

def _card_order(app, store_id, order_id: int) -> None:
    confirmed_sale(app, store_id, order_id, payment_details={
        "method": "credit_card", "credit_card_company": "visa", "installments": 3})


def test_receivables_tell_overdue_from_open_and_add_up_per_situation(app, store_id):
    _card_order(app, store_id, 2100000003)            # three installments, due 31/12, 30/01, 01/03
    rows = find_receivables(app.uow(), ReceivableFilter(), today=date(2027, 1, 15)).items
    assert [r["situation"] for r in rows] == ["vencida", "em-aberto", "em-aberto"]
    receive(app.uow(), rows[1]["id"])
    listing = find_receivables(app.uow(), ReceivableFilter(), today=date(2027, 1, 15))
    assert [r["situation_label"] for r in listing.items] == ["vencida", "recebida", "em aberto"]
    assert listing.total == sum((r["amount"] for r in listing.items), Decimal("0")) == Decimal("160.00")
    assert {k: v["count"] for k, v in listing.totals.items()} == {"em-aberto": 1, "vencida": 1, "recebida": 1,
                                                                    "cancelada": 0}
    assert listing.totals["vencida"]["amount"] == rows[0]["amount"]
    # A cancelled one is listed and counted in its situation, never in the total (money no longer expected).
    cancel_sale(app.uow(), int(rows[0]["document_id"]))
    listing = find_receivables(app.uow(), ReceivableFilter(), today=date(2027, 1, 15))
    assert [r["situation"] for r in listing.items] == ["cancelada", "recebida", "cancelada"]
    assert (listing.total, listing.count) == (rows[1]["amount"], 1)
    assert listing.totals["cancelada"]["amount"] == rows[0]["amount"] + rows[2]["amount"]


def test_receivables_filter_by_situation_and_due_dates(app, store_id):
    _card_order(app, store_id, 2100000004)
    today = date(2027, 1, 15)
    overdue = find_receivables(app.uow(), ReceivableFilter(Situation.OVERDUE), today=today).items
    assert [r["due_date"] for r in overdue] == [date(2026, 12, 31)]
    still_open = find_receivables(app.uow(), ReceivableFilter(Situation.OPEN), today=today).items
    assert [r["due_date"] for r in still_open] == [date(2027, 1, 30), date(2027, 3, 1)]
    window = ReceivableFilter(due_from=date(2027, 1, 1), due_to=date(2027, 1, 30))
    assert [r["due_date"] for r in find_receivables(app.uow(), window, today=today).items] == [date(2027, 1, 30)]
    with pytest.raises(DueRangeInvalid) as refused:
        find_receivables(app.uow(), ReceivableFilter(due_from=date(2027, 2, 1), due_to=date(2027, 1, 1)))
    assert "01/02/2027" in refused.value.message


def test_receivables_filter_by_the_day_the_money_came_in_where_the_merchant_is(app, store_id):
    """The cash of a day, as the bank statement shows it, whatever the due dates (the list could only be filtered by
    due date). A receipt marked at 22:30 in São Paulo is that day's, though UTC is already in the next one."""
    _card_order(app, store_id, 2100000006)            # three installments of R$ 53,33 / 53,33 / 53,34
    first, second, third = find_receivables(app.uow(), ReceivableFilter()).items
    late_evening = datetime(2026, 12, 3, 1, 30, tzinfo=timezone.utc)   # 02/12 22:30 in São Paulo
    receive(app.uow(), first["id"], when=late_evening)
    receive(app.uow(), second["id"], when=datetime(2026, 12, 3, 13, 0, tzinfo=timezone.utc))

    def received(since: date | None, until: date | None) -> list[int]:
        found = find_receivables(app.uow(), ReceivableFilter(received_from=since, received_to=until))
        return [r["id"] for r in found.items]

    assert received(date(2026, 12, 2), date(2026, 12, 2)) == [first["id"]]
    assert received(date(2026, 12, 3), date(2026, 12, 3)) == [second["id"]]
    assert received(date(2026, 12, 2), None) == [first["id"], second["id"]]
    assert received(None, date(2026, 12, 2)) == [first["id"]]
    assert received(date(2026, 12, 4), None) == []
    # The totals are those of the receipts asked for; the one never received is in no period of receipts.
    listing = find_receivables(app.uow(), ReceivableFilter(received_from=date(2026, 12, 1),
                                                           received_to=date(2026, 12, 31)))
    assert listing.total == first["amount"] + second["amount"] and listing.count == 2
    assert third["id"] not in [r["id"] for r in listing.items]
    # With a situation that cannot have been received, nothing (not every open one).
    assert find_receivables(app.uow(), ReceivableFilter(Situation.OPEN, received_from=date(2026, 12, 1))).items == []
    with pytest.raises(ReceiptRangeInvalid) as refused:
        find_receivables(app.uow(), ReceivableFilter(received_from=date(2026, 12, 4), received_to=date(2026, 12, 3)))
    assert refused.value.message == "Período de recebimento inválido: de 04/12/2026 até 03/12/2026."


def test_a_receivable_due_on_a_weekend_or_a_holiday_is_overdue_only_after_the_next_business_day(app, store_id):
    """review: one due on a Saturday showed "vencida" on Sunday and Monday, though a boleto is paid on Monday without
    interest and the card acquirer pays then: the operator chased customers who were not late."""
    _card_order(app, store_id, 2100000005)            # due 31/12/2026 (Thu), 30/01/2027 (Sat), 01/03/2027 (Mon)

    def situations(today: date) -> list[str]:
        return [r["situation"] for r in find_receivables(app.uow(), ReceivableFilter(), today=today).items]

    # 31/12 banks are closed to the public (FEBRABAN): due then, it is paid on Monday 04/01 without interest.
    assert situations(date(2027, 1, 4)) == ["em-aberto", "em-aberto", "em-aberto"]
    assert situations(date(2027, 1, 5)) == ["vencida", "em-aberto", "em-aberto"]
    assert situations(date(2027, 2, 1)) == ["vencida", "em-aberto", "em-aberto"]    # Monday: Saturday's is due today
    assert situations(date(2027, 2, 2)) == ["vencida", "vencida", "em-aberto"]
    monday = find_receivables(app.uow(), ReceivableFilter(Situation.OVERDUE), today=date(2027, 2, 1))
    assert [r["due_date"] for r in monday.items] == [date(2026, 12, 31)]
    every = find_receivables(app.uow(), ReceivableFilter(), today=date(2027, 2, 1)).totals   # counted in SQL alike
    assert (every["vencida"]["count"], every["em-aberto"]["count"]) == (1, 2)
    still_open = find_receivables(app.uow(), ReceivableFilter(Situation.OPEN), today=date(2027, 2, 1)).items
    assert [r["due_date"] for r in still_open] == [date(2027, 1, 30), date(2027, 3, 1)]


def test_bank_holidays_move_with_easter():
    from lojasync.finance.business_days import bank_holidays, easter, overdue_before

    assert [easter(y) for y in (2025, 2026, 2027)] == [date(2025, 4, 20), date(2026, 4, 5), date(2027, 3, 28)]
    assert {date(2026, 2, 16), date(2026, 2, 17), date(2026, 4, 3), date(2026, 6, 4),
            date(2026, 11, 20)} <= bank_holidays(2026)                            # Carnival, Good Friday, Corpus Christi
    assert overdue_before(date(2026, 12, 28)) == date(2026, 12, 25)   # Monday after Christmas (a Friday)
    assert overdue_before(date(2026, 2, 18)) == date(2026, 2, 14)     # Ash Wednesday, after Carnival
    # 31/12: banks closed to the public (FEBRABAN), so due that day is not late on the next business day (review).
    assert overdue_before(date(2026, 1, 2)) == date(2025, 12, 31)     # 01/01 a holiday, 31/12 no business day
    assert overdue_before(date(2027, 1, 4)) == date(2026, 12, 31)     # Monday: 31/12 a Thursday, then 01/01
    assert overdue_before(date(2027, 1, 5)) == date(2027, 1, 5)      # due 31/12 late from the 5th on


def test_today_is_the_calendar_day_in_sao_paulo():
    assert local_today(datetime(2026, 12, 2, 2, 0, tzinfo=timezone.utc)) == date(2026, 12, 1)


# Integração ---------------------------------------------------------------------------------------------------

def test_store_states_count_pending_and_failed_notifications_and_say_why_a_store_stops(app, store_id):
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        for minutes, failed in ((30, False), (5, False), (2, True)):
            event = WebhookEvent(store_id, "1234567", "order/paid", "1", {}, received_at=now - timedelta(minutes=minutes))
            if failed:
                event.mark_failed(now, "Pedido inválido.", "Corrija na loja.")
            uow.webhook_events.add(event)
        uow.commit()
    (state,) = store_states(app.uow(), now)
    assert (state.state, state.state_label, state.reason) == ("active", "ativa", None)
    assert (state.pending_events, state.failed_events) == (2, 1)
    assert 29 * 60 < state.lag_seconds < 31 * 60
    assert state.last_sync_at is None and state.seconds_since_sync is None

    set_store_enabled(app.uow(), "1234567", enabled=False)
    (state,) = store_states(app.uow(), now)
    assert state.state == "inactive" and "desativada no lojasync" in state.reason
    assert state.resolution == "Reative a loja para voltar a importar."


def test_refused_store_updates_go_back_to_the_queue(app, store_id):
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        uow.store_updates.want_invoice_key(store_id, "555", "3526" + "0" * 40, now)
        (row,) = uow.store_updates.due(store_id, now)
        uow.store_updates.fail(row, now, "Pedido não existe na loja.", "Confira o pedido.")
        uow.commit()
    (state,) = store_states(app.uow(), now)
    assert (state.pending_updates, state.failed_updates) == (0, 1)
    assert retry_failed_updates(app.uow(), "1234567", now) == (store_id, 1)
    (state,) = store_states(app.uow(), now)
    assert (state.pending_updates, state.failed_updates) == (1, 0)


# Configurações ------------------------------------------------------------------------------------------------

def test_the_company_form_has_every_field_and_saves_only_what_changed(app):
    assert company_fields(app.uow()) is None
    set_company(app.uow(), CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81",
                                       ie="110042490114", street="Rua A", number="10", district="Centro",
                                       city="São Paulo", uf="SP", zipcode="01001-000"))
    current = company_fields(app.uow())
    assert (current["street"], current["number"], current["cnpj"], current["city_code"]) == (
        "Rua A", "10", "11222333000181", "3550308")
    assert (current["series"], current["next_number"], current["environment"]) == (1, 1, "homologacao")
    given = {**current, "number": "12", "complement": "", "next_number": 1}
    assert changed_only(current, given) == CompanyData(number="12")


def test_the_overview_sorts_names_as_the_search_reads_them_accents_folded(app):
    """review: "Água mineral" and "Écharpe" came after "Zíper", on a real catalog's last page."""
    from lojasync.stock.products import Product

    with app.uow() as uow:
        for sku, name in [("A1", "Água mineral"), ("B1", "Bolsa"), ("Z1", "Zíper"), ("E1", "Écharpe"),
                          ("C1", "caneca")]:
            uow.products.add(Product(sku, name, Decimal("1")))
        uow.commit()
    assert [row["name"] for row in stock_overview(app.read_uow())] == [
        "Água mineral", "Bolsa", "caneca", "Écharpe", "Zíper"]


# Integração at volume (review, Black Friday: 20,000 orders, 1,800 failed and 600 pending notifications, 3,000 NF-e
# keys waiting for the store) ----------------------------------------------------------------------------------

class Statements:
    """The SQL an engine runs while in the block."""

    def __init__(self, engine) -> None:
        self.engine, self.seen = engine, []

    def _record(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(statement)

    def __enter__(self) -> Statements:
        sa_event.listen(self.engine, "before_cursor_execute", self._record)
        return self

    def __exit__(self, *exc) -> None:
        sa_event.remove(self.engine, "before_cursor_execute", self._record)

    def reading(self, table: str) -> list[str]:
        return [s for s in self.seen if f"FROM {table}" in s or f"JOIN {table}" in s]


def test_store_states_count_in_the_database_without_reading_notifications_or_updates(app, store_id, monkeypatch):
    """The page's counts, the pending ones capped, are the database's: no notification (bodies included) nor store
    update is read to count it, so the page costs the same with a backlog of thousands."""
    monkeypatch.setattr(integration_views, "PENDING_SHOWN", 3)
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        for minutes in (50, 40, 30, 20, 10):     # five pending: four counted (the cap, plus one: "more than")
            uow.webhook_events.add(WebhookEvent(store_id, "1234567", "order/paid", str(minutes), {"id": minutes},
                                                received_at=now - timedelta(minutes=minutes)))
        for _ in range(2):
            failed = WebhookEvent(store_id, "1234567", "order/paid", "9", {}, received_at=now)
            failed.mark_failed(now, "Pedido inválido.", "Corrija na loja.")
            uow.webhook_events.add(failed)
        lost = WebhookEvent(None, "999", "order/paid", "9", {}, received_at=now)   # of no known store
        lost.mark_failed(now, "Loja desconhecida.", "Nada a fazer.")
        uow.webhook_events.add(lost)
        failing_for = {"701": timedelta(hours=3), "702": timedelta(hours=2), "703": timedelta(minutes=10)}
        for ref in failing_for:
            uow.store_updates.want_invoice_key(store_id, ref, "3526" + "1" * 40, now)
        for row in uow.store_updates.due(store_id, now):
            uow.store_updates.postpone([row], now - failing_for[row.ref], "A Nuvemshop não respondeu (HTTP 503).",
                                       now + timedelta(minutes=5))
        uow.store_updates.want_invoice_key(store_id, "704", "3526" + "2" * 40, now)
        (refused,) = [r for r in uow.store_updates.due(store_id, now + timedelta(minutes=6)) if r.ref == "704"]
        uow.store_updates.fail(refused, now, "Pedido não existe na loja.", "Confira o pedido.")
        uow.commit()

    with Statements(app.engine) as statements:
        (state,) = store_states(app.read_uow(), now)

    assert (state.pending_events, state.pending_events_capped, state.failed_events) == (4, True, 2)
    assert abs((state.oldest_pending_at - (now - timedelta(minutes=50))).total_seconds()) < 1
    assert (state.pending_updates, state.failed_updates, state.late_updates) == (3, 1, 2)
    assert abs((state.late_since - (now - timedelta(hours=3))).total_seconds()) < 1
    for table in ("nuvemshop_webhook_events", "nuvemshop_store_updates"):
        read = statements.reading(table)
        assert read and all("count(" in s for s in read), read


def test_the_notification_list_names_its_orders_without_loading_them(app, store_id):
    """`GET /events?limit=1000` and the Integração page read the order numbers alone: no order is loaded (with its
    lines and their products) to say which one a notification is about."""
    number = import_order(app.uow(), store_id, order_payload(id=1700000801), ImportPolicy()).order_number
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        for resource in ("1700000801", "1700000899"):     # the second one not imported
            uow.webhook_events.add(WebhookEvent(store_id, "1234567", "order/paid", resource, {}, received_at=now))
        uow.commit()
    with OrdersLoaded() as loaded:
        views = {e.resource_id: e.order_number for e in list_events(app.read_uow())}
    assert views == {"1700000801": number, "1700000899": None}
    assert loaded.ids == []


def test_the_store_updates_shown_name_their_orders_without_loading_them_and_stop_at_the_limit(app, store_id):
    """The Integração page asks for the 20 it shows (it read 200, each order whole, and showed 20); refused first."""
    number = import_order(app.uow(), store_id, order_payload(id=1700000901), ImportPolicy()).order_number
    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        for ref in ("1700000901", "1700000902", "1700000903"):
            uow.store_updates.want_invoice_key(store_id, ref, "3526" + "3" * 40, now)
        (refused,) = [r for r in uow.store_updates.due(store_id, now) if r.ref == "1700000901"]
        uow.store_updates.fail(refused, now, "Pedido não existe na loja.", "Confira o pedido.")
        uow.commit()
    with OrdersLoaded() as loaded:
        shown = list_store_updates(app.read_uow(), "1234567", limit=2)
    assert len(shown) == 2 and (shown[0].ref, shown[0].subject) == ("1700000901", f"pedido {number}")
    assert loaded.ids == []
    assert len(list_store_updates(app.read_uow(), "1234567")) == 3


class OrdersLoaded:
    """The ERP orders the ORM loads while in the block."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def _loaded(self, target, context) -> None:
        self.ids.append(target.id)

    def __enter__(self) -> OrdersLoaded:
        sa_event.listen(Order, "load", self._loaded)
        return self

    def __exit__(self, *exc) -> None:
        sa_event.remove(Order, "load", self._loaded)
