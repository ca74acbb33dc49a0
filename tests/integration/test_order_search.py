"""The order list answered by the database (SQLite and PostgreSQL): every filter, the text search (numbers,
names without accents or case, CPF/CNPJ with or without punctuation), one store's orders, pages; the query
agrees with the filter's own rule (`sales.order_filter.matches`) on the same orders."""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from lojasync.db.order_search import order_conditions
from lojasync.db.tables import orders as db_orders
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.order_search import (
    StoreNumberAmbiguous,
    order_number_for_store_number,
    search_store_orders,
)
from lojasync.sales.link_customer import link_customer
from lojasync.sales.order_filter import OrderFilter, matches
from lojasync.sales.status import OrderStatus
from lojasync.sales.views import find_orders
from tests.factories import cnpj, cpf, make_store, order_payload

POLICY = ImportPolicy()


def at(day: int) -> str:
    return datetime(2026, 11, day, 15, tzinfo=timezone.utc).isoformat()


def customer(name: str, document: str, customer_id: int) -> dict:
    return {**order_payload()["customer"], "id": customer_id, "name": name, "identification": document}


@pytest.fixture()
def orders(app) -> dict[str, int]:
    """Six orders of two stores: names with accents, a CNPJ, an invalid CPF (no customer), statuses, days."""
    first, second = make_store(app), make_store(app, "7654321")

    def add(store: int, key: str, **fields) -> tuple[str, int]:
        return key, import_order(app.uow(), store, order_payload(**fields), POLICY).order_number

    return dict([
        add(first, "ana", id=1800000001, number=501, created_at=at(1), updated_at=at(1),
            contact_name="Ana Júlia Souza", customer=customer("Ana Júlia Souza", cpf("529982247"), 1)),
        add(first, "bob", id=1800000002, number=502, created_at=at(2), updated_at=at(2), payment_status="paid",
            contact_name="Roberto Lima", customer=customer("ROBERTO LIMA", cpf("111444777"), 2)),
        add(first, "shop", id=1800000003, number=503, created_at=at(3), updated_at=at(3), payment_status="paid",
            customer=customer("Comércio Ação Ltda", cnpj("112223330001"), 3)),
        add(first, "nodoc", id=1800000004, number=504, created_at=at(4), updated_at=at(4),
            contact_name="Cláudia 50%_off", customer=customer("Cláudia 50%_off", "123.456.789-00", 4)),
        add(second, "other", id=1800000005, number=501, created_at=at(5), updated_at=at(5), status="cancelled",
            contact_name="Ana Júlia Souza", customer=customer("Ana Júlia Souza", cpf("529982247"), 5)),
        add(second, "late", id=1800000006, number=777, created_at=at(9), updated_at=at(9),
            contact_name="Zé Müller", customer=customer("Zé Müller", cpf("987654321"), 6)),
    ])


def numbers(app, criteria: OrderFilter, **kwargs) -> list[int]:
    return [o["number"] for o in find_orders(app.read_uow(), criteria, **kwargs).items]


def test_text_search_by_numbers_names_and_documents(app, orders):
    def found(text: str) -> set[int]:
        return set(numbers(app, OrderFilter(text=text)))

    assert found("ana julia") == {orders["ana"], orders["other"]}      # no regard to accents or case
    assert found("ANA JÚLIA") == found("ana julia")
    assert found("roberto") == {orders["bob"]}
    assert found("comercio acao") == {orders["shop"]}
    assert found("claudia") == {orders["nodoc"]}                        # the contact's name: no customer
    assert found("zé mül") == {orders["late"]} and found("ze mul") == {orders["late"]}
    assert found("#502") == {orders["bob"]} and found("501") == {orders["ana"], orders["other"]}
    assert found(str(orders["late"])) == {orders["late"]}               # the ERP's number
    assert found("529.982.247-25") == {orders["ana"], orders["other"]} == found("52998224725")
    assert found("11.222.333/0001-81") == {orders["shop"]} == found("112223330001")
    assert found("123.456.789-00") == {orders["nodoc"]}                 # the contact's document, no customer
    assert found("dia 50%_") == {orders["nodoc"]} and found("a%a") == set()   # wildcards are text
    assert found("#501") == {orders["ana"], orders["other"]}            # "#": a number only, never a CPF part
    assert found("ninguém") == set() and found("   ") == set(orders.values())


def test_the_order_whose_number_was_typed_comes_first(app, orders):
    """review: digits also search CPF/CNPJ (a CNPJ's branch is 0001), newest first: the order whose number was typed
    came after every newer order with those digits in a document, on a real store often on the second page."""
    newer = import_order(app.uow(), make_store(app, "7777777"), order_payload(
        id=1800000007, number=901, created_at=at(10), updated_at=at(10), contact_name="Dora",
        customer=customer("Dora", cpf("501501501"), 7)), POLICY).order_number   # "501" in her CPF
    assert numbers(app, OrderFilter(text="501")) == [orders["other"], orders["ana"], newer]   # #501s first
    assert numbers(app, OrderFilter(text=str(orders["shop"])))[0] == orders["shop"]           # the ERP's number
    mixed = numbers(app, OrderFilter(text="529"), per_page=None)   # in a CPF only
    assert len(mixed) > 1 and mixed == sorted(mixed, reverse=True)        # no number typed: newest first


def test_filters_and_pages(app, orders):
    every = numbers(app, OrderFilter(), per_page=None)
    assert every == sorted(orders.values(), reverse=True)               # newest first

    assert set(numbers(app, OrderFilter(status=OrderStatus.CONFIRMED))) == {orders["bob"], orders["shop"]}
    assert numbers(app, OrderFilter(status=OrderStatus.CANCELLED)) == [orders["other"]]
    assert numbers(app, OrderFilter(without_customer=True)) == [orders["nodoc"]]
    assert numbers(app, OrderFilter(needs_attention=True)) == []
    assert len(numbers(app, OrderFilter(origin="nuvemshop"))) == 6 and numbers(app, OrderFilter(origin="pdv")) == []
    period = OrderFilter(placed_from=datetime(2026, 11, 2, tzinfo=timezone.utc),
                         placed_before=datetime(2026, 11, 5, tzinfo=timezone.utc))
    assert numbers(app, period) == [orders["nodoc"], orders["shop"], orders["bob"]]
    # The last day there is, where the store is: its first moment does not exist in UTC (nothing is that late).
    last = datetime(9999, 12, 31, tzinfo=ZoneInfo("America/Sao_Paulo"))
    assert numbers(app, OrderFilter(placed_from=last)) == [] and len(numbers(app, OrderFilter(placed_before=last))) == 6
    assert numbers(app, OrderFilter(order_ids=[orders["ana"], 999999])) == [orders["ana"]]
    assert numbers(app, OrderFilter(order_ids=[])) == []

    second = find_orders(app.read_uow(), OrderFilter(), page=2, per_page=4)
    assert (second.total, second.pages, second.page) == (6, 2, 2)
    assert [o["number"] for o in second.items] == every[4:]
    beyond = find_orders(app.read_uow(), OrderFilter(), page=9, per_page=4)
    assert beyond.items == [] and beyond.total == 6


def test_a_text_search_in_pages(app, orders):
    # The count and the page come from one query: every page agrees with the whole list, past the last too.
    everything = numbers(app, OrderFilter(text="a"), per_page=None)
    assert len(everything) == 5
    pages = [find_orders(app.read_uow(), OrderFilter(text="a"), page=n, per_page=2) for n in (1, 2, 3, 4)]
    assert [[o["number"] for o in p.items] for p in pages] == [everything[:2], everything[2:4], everything[4:], []]
    assert {(p.total, p.pages) for p in pages} == {(5, 3)}
    assert find_orders(app.read_uow(), OrderFilter(text="ninguém"), page=1, per_page=2).total == 0
    mine = search_store_orders(app.read_uow(), OrderFilter(text="a"), "1234567", 2, 2)   # "zé" is the other's
    assert mine.total == 4 and [o["number"] for o in mine.items] == [orders["bob"], orders["ana"]]


def test_one_stores_orders_and_its_numbers(app, orders):
    mine = search_store_orders(app.read_uow(), OrderFilter(text="ana"), "1234567", 1, 10)
    assert [o["number"] for o in mine.items] == [orders["ana"]] and mine.total == 1
    theirs = search_store_orders(app.read_uow(), OrderFilter(), "7654321", 1, 1)
    assert theirs.total == 2 and [o["number"] for o in theirs.items] == [orders["late"]]

    assert order_number_for_store_number(app.read_uow(), "#502") == orders["bob"]
    assert order_number_for_store_number(app.read_uow(), "501", "7654321") == orders["other"]
    with pytest.raises(StoreNumberAmbiguous):
        order_number_for_store_number(app.read_uow(), "501")


def test_a_name_written_later_is_found_by_its_new_name(app, orders):
    # A customer linked by hand is searched by its own name (the contact's stays searchable too).
    link_customer(app.uow(), orders["nodoc"], cpf("390533447"), "Mônica Ñandú", force=True)
    assert numbers(app, OrderFilter(text="monica nandu")) == [orders["nodoc"]]
    assert numbers(app, OrderFilter(text="claudia")) == [orders["nodoc"]]


def test_a_customer_renamed_by_the_store_is_found_by_the_new_name_on_all_its_orders(app, orders):
    store = make_store(app, "5555555")
    later = order_payload(id=1800000009, number=901, created_at=at(10), updated_at=at(10),
                          customer=customer("Roberta Lima Nogueira", cpf("111444777"), 2))
    newest = import_order(app.uow(), store, later, POLICY).order_number
    # The customer of "bob" (same CPF) now has the new name: both of its orders are found by it.
    assert set(numbers(app, OrderFilter(text="nogueira"))) == {orders["bob"], newest}
    assert numbers(app, OrderFilter(text="roberto")) == [orders["bob"]]   # the contact's name, as placed


@pytest.mark.parametrize("criteria", [
    OrderFilter(text="ana"), OrderFilter(text="529"), OrderFilter(text="50"), OrderFilter(text="lima"),
    OrderFilter(status=OrderStatus.OPEN, text="a"), OrderFilter(without_customer=True, text="cl"),
    OrderFilter(placed_from=datetime(2026, 11, 3, tzinfo=timezone.utc), text="o"), OrderFilter(text="#777"),
])
def test_the_query_agrees_with_the_filters_rule(app, orders, criteria):
    with app.read_uow() as uow:
        everything, _ = uow.order_search.page(OrderFilter(), 0, None)
        expected = [o.id for o in everything if matches(criteria, o)]
    assert numbers(app, criteria, per_page=None) == expected


TEXTS = ["ana julia", "ANA JÚLIA", "zé mül", "comercio acao", "claudia", "dia 50%_", "a%a", "529.982.247-25",
         "11.222.333/0001-81", "123.456.789-00", "50", "529", "a", "cl", "lima", "ninguém", "#501", "502"]


@pytest.mark.postgresql
def test_postgresql_finds_the_same_orders_through_the_trigram_indexes(app, orders):
    """Six orders are read faster whole than from an index: with sequential scans forbidden the planner must
    use the trigram indexes where it can, and every search finds what the filter's rule says."""
    with app.read_uow() as uow:
        everything, _ = uow.order_search.page(OrderFilter(), 0, None)
        uow.session.execute(text("SET LOCAL enable_seqscan = off"))
        for words in TEXTS:
            criteria = OrderFilter(text=words)
            expected = [o.id for o in everything if matches(criteria, o)]
            found, total = uow.order_search.page(criteria, 0, None)
            assert ([o.id for o in found], total) == (expected, len(expected)), words
        plans = {words: _plan(uow.session, OrderFilter(text=words)) for words in ("júlia", "529.982")}
    assert "ix_orders_search_name_trgm" in plans["júlia"]
    assert "ix_orders_search_document_trgm" in plans["529.982"]


def _plan(session, criteria: OrderFilter) -> str:
    """PostgreSQL's plan for the search's own query, as the repository writes it."""
    query = select(db_orders.c.id).where(*order_conditions(criteria))
    sql = query.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
    return "\n".join(session.scalars(text(f"EXPLAIN {sql}")))


def test_names_typed_with_extra_spaces_or_a_phones_apostrophe_are_found_as_a_person_types_them(app):
    """review: customers type their own names at checkout ("Maria  da Silva", "Joana D’Ávila" from a phone): kept as
    typed, "maria da silva" and "d'avila" found no order."""
    store = make_store(app)
    spaced = import_order(app.uow(), store, order_payload(
        id=1800000011, number=511, contact_name="Maria  da Silva ",
        customer=customer("Maria  da Silva ", cpf("529982247"), 11)), POLICY).order_number
    curly = import_order(app.uow(), store, order_payload(
        id=1800000012, number=512, contact_name="Joana D’Ávila", customer=customer("Joana D’Ávila", cpf("111444777"),
                                                                                    12)), POLICY).order_number
    acute = import_order(app.uow(), store, order_payload(
        id=1800000013, number=513, contact_name="Pedro D´Oliveira", customer=None), POLICY).order_number

    def found(text: str) -> set[int]:
        return set(numbers(app, OrderFilter(text=text)))

    assert found("maria da silva") == {spaced} == found("Maria   da  Silva")
    assert found("d'avila") == {curly} == found("D’ávila")
    assert found("d'oliveira") == {acute}
    with app.read_uow() as uow:   # the filter's own rule agrees with the query
        assert matches(OrderFilter(text="maria da silva"), uow.orders.get(spaced))
        assert matches(OrderFilter(text="d'avila"), uow.orders.get(curly))
