"""The NF-e (/nfe) and vendas simples (/vendas) lists in pages of 50, counted and cut in the database by the
list services (page_of_invoices, page_of_sales), with links that keep the filter."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from sqlalchemy import event

from lojasync.fiscal.services.invoices import generate_invoice
from lojasync.fiscal.services.simple_sales import cancel_sale, generate_sale
from lojasync.fiscal.services.views import list_invoices, list_sales, page_of_invoices, page_of_sales
from lojasync.fiscal.simple_sales import SaleStatus
from tests.web import documents_setup as setup
from tests.web.documents_setup import imported, text_of

store_id = setup.store_id   # the shared fixtures, used by name below
company = setup.company


def sales(app, store_id: int, count: int) -> list[int]:
    """`count` vendas simples, one per imported order; their ids, oldest first."""
    numbers = imported(app, store_id, *[{"id": 2500000000 + i} for i in range(count)])
    return [generate_sale(app.uow(), number).id for number in numbers]


def shown(page: str, prefix: str) -> list[int]:
    return [int(found) for found in re.findall(rf'data-testid="{prefix}-(\d+)"', page)]


def test_the_sales_service_counts_and_cuts_pages_in_the_database(app, store_id):
    ids = sales(app, store_id, 7)
    cancel_sale(app.uow(), ids[0])
    first = page_of_sales(app.read_uow(), None, 1, 3)
    assert (first.total, first.pages, first.page) == (7, 3, 1)
    assert [s.id for s in first.items] == ids[::-1][:3]                   # newest first
    last = page_of_sales(app.read_uow(), None, 3, 3)
    assert [s.id for s in last.items] == [ids[0]]
    beyond = page_of_sales(app.read_uow(), None, 99, 3)                  # beyond the end: said, not moved
    assert (beyond.page, beyond.pages, beyond.items) == (99, 3, [])
    assert page_of_sales(app.read_uow(), None, 0, 3).page == 1
    pending = page_of_sales(app.read_uow(), SaleStatus.PENDING, 2, 3)
    assert (pending.total, pending.pages, [s.id for s in pending.items]) == (6, 2, ids[1:4][::-1])
    # The CLI's call (no limit) still lists everything; limit/offset give the same pages.
    assert [s.id for s in list_sales(app.read_uow())] == ids[::-1]
    assert [s.id for s in list_sales(app.read_uow(), None, 3, 3)] == ids[::-1][3:6]


def test_the_sales_list_has_pages_of_50_that_keep_the_filter(app, logged_in, store_id):
    ids = sales(app, store_id, 53)
    for sale_id in ids[:2]:
        cancel_sale(app.uow(), sale_id)
    newest_first = ids[::-1]

    first = logged_in.get("/vendas")
    assert shown(first.text, "venda") == newest_first[:50]
    words = text_of(first.text)
    assert "53 venda(s) simples" in words and "página 1 de 2" in words
    assert 'href="/vendas?pagina=2"' in first.text and 'rel="prev"' not in first.text

    second = logged_in.get("/vendas?pagina=2")
    assert shown(second.text, "venda") == newest_first[50:]
    assert 'href="/vendas?pagina=1"' in second.text and 'rel="next"' not in second.text

    pending = logged_in.get("/vendas?situacao=pendente")
    assert "51 venda(s) simples" in text_of(pending.text)
    assert 'href="/vendas?situacao=pendente&amp;pagina=2"' in pending.text
    assert shown(logged_in.get("/vendas?situacao=pendente&pagina=2").text, "venda") == [ids[2]]

    cancelled = logged_in.get("/vendas?situacao=cancelada")
    assert shown(cancelled.text, "venda") == ids[1::-1] and 'class="pagination"' not in cancelled.text

    # A page beyond the end says there is none (as the order list does) and links to the first; a page that is
    # not a number is the first.
    beyond = logged_in.get("/vendas?situacao=pendente&pagina=9")
    assert beyond.status_code == 200 and shown(beyond.text, "venda") == []
    assert "Não há página 9: a lista tem 2 páginas. Ir para a primeira." in text_of(beyond.text)
    assert 'href="/vendas?situacao=pendente&amp;pagina=1"' in beyond.text
    assert shown(logged_in.get("/vendas?pagina=abc").text, "venda") == newest_first[:50]


def test_the_invoices_list_has_pages_of_50_that_keep_the_filter(app, logged_in, store_id, company):
    numbers = imported(app, store_id, *[{"id": 2600000000 + i} for i in range(51)])
    ids = [generate_invoice(app.uow(), app.cipher, number).id for number in numbers]
    newest_first = ids[::-1]

    found = page_of_invoices(app.read_uow(), None, 2, 50)
    assert (found.total, found.pages, [i.id for i in found.items]) == (51, 2, [ids[0]])
    assert [i.id for i in list_invoices(app.read_uow())] == newest_first     # the CLI's call, unchanged

    first = logged_in.get("/nfe")
    assert shown(first.text, "nfe") == newest_first[:50]
    assert "51 NF-e" in text_of(first.text) and 'href="/nfe?pagina=2"' in first.text
    assert shown(logged_in.get("/nfe?pagina=2").text, "nfe") == [ids[0]]

    pending = logged_in.get("/nfe?situacao=pendente")
    assert 'href="/nfe?situacao=pendente&amp;pagina=2"' in pending.text
    assert shown(logged_in.get("/nfe?situacao=pendente&pagina=2").text, "nfe") == [ids[0]]
    assert "Nenhuma NF-e nessa situação" in logged_in.get("/nfe?situacao=autorizada&pagina=3").text
    beyond = logged_in.get("/nfe?pagina=3")
    assert shown(beyond.text, "nfe") == [] and "Não há página 3: a lista tem 2 páginas." in text_of(beyond.text)


@contextlib.contextmanager
def selects(app) -> Iterator[list[str]]:
    """The SELECT statements the database runs inside the block."""
    seen: list[str] = []

    def record(conn, cursor, statement, params, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(app.engine, "before_cursor_execute", record)


def test_a_list_of_documents_reads_their_orders_store_numbers_at_once(app, store_id, company):
    """Each row shows its order's store number: read for the whole list in one query (each order was read whole,
    with its lines: two queries a row, 100 for a page of NF-e)."""
    numbers = imported(app, store_id, *[{"id": 2700000000 + i, "number": 7000 + i} for i in range(12)])
    for number in numbers:
        generate_invoice(app.uow(), app.cipher, number)
    with selects(app) as seen:
        page = page_of_invoices(app.read_uow(), None, 1, 50)
    assert sorted(i.store_number for i in page.items) == sorted(str(7000 + i) for i in range(12))
    assert len(seen) <= 3   # the count, the page, the orders' numbers


def test_the_nfe_left_unsent_in_a_status_are_read_with_their_orders_at_once(app, store_id, company):
    """scale review: `orders invoice --status` and the API's batch by status read each pending NF-e's order on its
    own (1,500 queries on a Black Friday, in the request's thread)."""
    from lojasync.fiscal.services.batch import unsent_in
    from lojasync.sales.status import OrderStatus

    numbers = imported(app, store_id, *[{"id": 2700000100 + i, "number": 7100 + i} for i in range(12)])
    for number in numbers:
        generate_invoice(app.uow(), app.cipher, number)
    with selects(app) as seen:
        left = unsent_in(app.uow(), OrderStatus.OPEN)
    assert sorted(i.store_number for i in left) == sorted(str(7100 + i) for i in range(12))
    assert unsent_in(app.uow(), OrderStatus.CONFIRMED) == []   # another status: none of them
    assert len(seen) <= 3   # the pending NF-e, the rejected ones, the orders' numbers
