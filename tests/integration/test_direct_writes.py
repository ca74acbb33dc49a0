"""Rows written with plain Core statements ahead of the ORM's flush (db.direct_writes): the same rows as the ORM
would write, defaults kept on the objects, listeners run, and everything else still the ORM's."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import delete, event, inspect, select
from sqlalchemy.exc import IntegrityError, PendingRollbackError
from sqlalchemy.orm.exc import StaleDataError

from lojasync.db import fiscal_tables
from lojasync.db import tables as t
from lojasync.fiscal.services.company import set_company
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.customers import Customer
from tests.factories import make_store, order_payload
from tests.integration.test_company import COMPANY


@pytest.fixture()
def statements(app):
    """The SQL statements run, as (verb, table) pairs, while the list is being recorded."""
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany) -> None:
        seen.append(" ".join(statement.split()[:3]).upper())

    event.listen(app.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.engine, "before_cursor_execute", record)


def _updates(seen: list[str]) -> list[str]:
    return [s for s in seen if s.startswith("UPDATE")]


def test_changed_columns_are_one_update_and_the_flush_writes_nothing_more(app, statements):
    set_company(app.uow(), COMPANY)
    with app.uow() as uow:
        before = uow.company.get().updated_at
    time.sleep(0.01)
    with app.uow() as uow:
        company = uow.company.get()
        company.series, company.trade_name = 7, "Loja Nova"
        orm_flushes: list[object] = []
        event.listen(uow.session, "after_flush", lambda session, context: orm_flushes.append(context))
        statements.clear()
        uow.flush()
        assert _updates(statements) == ["UPDATE COMPANY SET"]
        assert orm_flushes == []   # the ORM's unit of work had nothing left to do
        assert company.updated_at > before   # onupdate, also on the object, as the ORM keeps it
        assert not uow.session.dirty
        statements.clear()
        uow.commit()
        assert _updates(statements) == []
        kept = company.updated_at
    with app.read_uow() as uow:
        row = uow.session.execute(select(fiscal_tables.company)).one()
        assert (row.series, row.trade_name, row.updated_at) == (7, "Loja Nova", kept)


def test_a_value_set_to_what_it_was_writes_nothing(app, statements):
    set_company(app.uow(), COMPANY)
    with app.uow() as uow:
        company = uow.company.get()
        before = company.updated_at
        company.series = company.series
        statements.clear()
        uow.commit()
    assert _updates(statements) == []
    with app.read_uow() as uow:
        assert uow.company.get().updated_at == before


def test_rows_of_one_table_changing_the_same_columns_go_in_one_statement(app, statements):
    store = make_store(app)
    numbers = [import_order(app.uow(), store, order_payload(id=900 + i, number=100 + i), ImportPolicy()).order_number
               for i in range(3)]
    with app.uow() as uow:
        orders = [uow.orders.get(n) for n in numbers]
        for order in orders:
            order.ask_for_a_person("conferir o endereço")
        statements.clear()
        uow.commit()
    assert _updates(statements) == ["UPDATE ORDERS SET"]
    with app.read_uow() as uow:
        assert all(uow.orders.get(n).needs_attention for n in numbers)


def test_a_changed_relationship_is_left_to_the_orm_and_the_search_columns_follow(app):
    """Unlinking the customer is a relationship change: the ORM writes the order (customer_id, and the search
    columns by its listener) together with the column changed beside it."""
    number = import_order(app.uow(), make_store(app), order_payload(), ImportPolicy()).order_number
    with app.uow() as uow:
        order = uow.orders.get(number)
        assert order.customer is not None
        order.customer = None
        order.contact_name = "Ana Ribeiro"
        uow.commit()
    with app.read_uow() as uow:
        row = uow.session.execute(select(t.orders.c.customer_id, t.orders.c.search_name, t.orders.c.contact_name)
                                  .where(t.orders.c.id == number)).one()
        assert (row.customer_id, row.contact_name) == (None, "Ana Ribeiro")
        assert "ana ribeiro" in row.search_name and "joao" not in row.search_name


def test_a_searched_column_changed_alone_is_written_with_its_search_columns(app, statements):
    """The direct path runs the order's before_update listener: the search columns change with the name."""
    number = import_order(app.uow(), make_store(app), order_payload(), ImportPolicy()).order_number
    with app.uow() as uow:
        uow.orders.get(number).contact_name = "Beatriz Souza"
        statements.clear()
        uow.commit()
    assert _updates(statements) == ["UPDATE ORDERS SET"]
    with app.read_uow() as uow:
        search = uow.session.scalar(select(t.orders.c.search_name).where(t.orders.c.id == number))
        assert "beatriz souza" in search


def test_a_row_gone_meanwhile_is_stale_data_as_with_the_orm(app):
    set_company(app.uow(), COMPANY)
    with app.uow() as uow:
        company = uow.company.get()
        uow.session.connection().execute(delete(fiscal_tables.company))
        company.series = 9
        with pytest.raises(StaleDataError):
            uow.flush()


def test_a_new_row_alone_of_its_kind_is_one_insert_and_then_loaded(app, statements):
    with app.uow() as uow:
        customer = Customer("52998224725", "cpf", "Ana Ribeiro")
        uow.customers.add(customer)
        orm_flushes: list[object] = []
        event.listen(uow.session, "after_flush", lambda session, context: orm_flushes.append(context))
        statements.clear()
        uow.flush()
        assert [s for s in statements if s.startswith("INSERT")] == ["INSERT INTO CUSTOMERS"]
        assert orm_flushes == []
        assert customer.id is not None and customer.created_at is not None   # defaults kept on the object
        assert inspect(customer).persistent and not uow.session.new and not uow.session.dirty
        assert uow.session.get(Customer, customer.id) is customer
        customer.name = "Ana R. Ribeiro"   # and then changed like any loaded row
        uow.commit()
        created = customer.created_at
    with app.read_uow() as uow:
        row = uow.session.execute(select(t.customers).where(t.customers.c.tax_id == "52998224725")).one()
        assert (row.name, row.kind, row.created_at) == ("Ana R. Ribeiro", "cpf", created)


def test_several_new_rows_of_a_kind_are_the_orms_one_statement(app):
    with app.uow() as uow:
        uow.customers.add(Customer("52998224725", "cpf", "Ana"))
        uow.customers.add(Customer("11144477735", "cpf", "Bia"))
        orm_flushes: list[object] = []
        event.listen(uow.session, "after_flush", lambda session, context: orm_flushes.append(context))
        uow.commit()
        assert len(orm_flushes) == 1
    with app.read_uow() as uow:
        assert sorted(uow.session.scalars(select(t.customers.c.name))) == ["Ana", "Bia"]


def test_a_new_rows_column_left_none_gets_its_default_as_with_the_orm(app):
    with app.uow() as uow:
        customer = Customer("52998224725", "cpf", "Ana Ribeiro")
        customer.created_at = None   # the ORM sends no None: the column's default fills it
        uow.customers.add(customer)
        uow.commit()
        assert customer.created_at is not None


def test_a_rollback_treats_directly_written_rows_as_the_orms_own(app):
    """A new row goes back to transient with its values readable, a changed one is read again: what the ORM
    does on a rollback with the rows its flush wrote."""
    set_company(app.uow(), COMPANY)
    with app.uow() as uow:
        customer = Customer("52998224725", "cpf", "Ana Ribeiro")
        uow.customers.add(customer)
        company = uow.company.get()
        before, company.series = company.series, 42
        uow.flush()
        assert inspect(customer).persistent and customer.id is not None
        uow.session.rollback()
        assert inspect(customer).transient and customer.name == "Ana Ribeiro"
        assert company.series == before   # expired: read again, as stored
    with app.read_uow() as uow:
        assert uow.session.scalar(select(t.customers.c.id)) is None


def test_a_savepoint_rolled_back_forgets_what_was_written_inside_it(app):
    set_company(app.uow(), COMPANY)
    with app.uow() as uow:
        company = uow.company.get()
        before = company.series
        with uow.session.begin_nested() as savepoint:
            company.series = 77
            uow.flush()
            savepoint.rollback()
        assert company.series == before


def test_a_unique_value_an_update_frees_can_go_to_a_new_row_of_the_same_flush(app):
    """The ORM writes a table's UPDATEs before its INSERTs; so do the direct writes (found by review)."""
    with app.uow() as uow:
        uow.customers.add(Customer("52998224725", "cpf", "Ana"))
        uow.commit()
    with app.uow() as uow:
        ana = uow.session.scalars(select(Customer)).one()
        ana.tax_id = "11144477735"
        uow.customers.add(Customer("52998224725", "cpf", "Bia"))
        uow.commit()
    with app.read_uow() as uow:
        rows = uow.session.execute(select(t.customers.c.name, t.customers.c.tax_id).order_by(t.customers.c.name))
        assert [tuple(r) for r in rows] == [("Ana", "11144477735"), ("Bia", "52998224725")]


def test_a_failed_direct_write_leaves_the_session_needing_a_rollback_as_a_failed_flush_does(app):
    with app.uow() as uow:
        uow.customers.add(Customer("52998224725", "cpf", "Ana"))
        uow.customers.add(Customer("11144477735", "cpf", "Bia"))
        uow.commit()
    session = app.session_factory()
    try:
        bia = session.scalars(select(Customer).where(Customer.name == "Bia")).one()
        session.add(Customer("39053344705", "cpf", "Caio"))
        bia.tax_id = "52998224725"   # Ana's: the UPDATE fails
        with pytest.raises(IntegrityError):
            session.flush()
        assert not session.is_active
        with pytest.raises(PendingRollbackError):
            session.commit()
        session.rollback()
    finally:
        session.close()
    with app.read_uow() as uow:
        assert sorted(uow.session.scalars(select(t.customers.c.name))) == ["Ana", "Bia"]
