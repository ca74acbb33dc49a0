"""The Estoque list read a page at a time from the database (`stock_overview_page`) against the list the page
built in memory before (every product read, then searched, filtered, sorted and cut in Python: the code below,
as the page had it): the same rows, in the same order, the same counts, for every search, filter and page, on
SQLite and PostgreSQL. The catalog has accented and decomposed names, "ß", a ligature, typographic apostrophes,
double spaces, names that differ only in case or accents, products without a SKU (one with an empty SKU), a SKU
that reads like an id, and names whose order differs between code points and a locale ("a" < "B" < "_")."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from lojasync.shared.search_text import fold
from lojasync.stock.counts import count_stock
from lojasync.stock.product_filter import ProductFilter, listing_order, matches
from lojasync.stock.products import Product
from lojasync.stock.views import product_reference, stock_overview, stock_overview_page

NAMES = ["Café moído", "cafe moido", "CAFÉ MOÍDO", "Cafe\u0301 em grãos", "Água mineral", "agua  com gás", "Zíper",
         "Écharpe", "bolsa", "Bolsa", "brinde", "Straße", "ﬁta adesiva", "Camisa D’Ávila", "camisa d'avila",
         "Caneca 100% algodão", "Caneca_1", "Ímã de geladeira", "Pão de queijo", "Açúcar", "ação", "Brinde",
         "Brinde", "Brinde", "item 12", "Item 1", "Ünïcödé", "_brinde", "ábaco", "Abacaxi", "kit\tcanecas"]
SKUS = ["CAF-1", "caf-2", "CAFÉ-3", "id:1", "AGUA-1", None, "Z-1", "E-1", "B-1", "b-2", None, "S-ß", "F-1",
        "Cam-DA", "cam-da-2", "CAN-100%", "CAN_1", None, "PAO-1", "ACU-1", "acao", None, "BR-1", "", "12",
        None, "U-1", "zz", "AB-1", "ab-2", "KIT 2/3"]
FILTERS = ("", "erp", "loja", "sem-ncm", "xx")


@pytest.fixture()
def catalog(app) -> list[int]:
    with app.uow() as uow:
        for n, (sku, name) in enumerate(zip(SKUS, NAMES, strict=True)):
            product = Product(sku, name, Decimal("10.00"), created_by_store=n % 3 == 0)
            product.ncm = ("61091000", None, "")[n % 3] if n % 5 else None
            uow.products.add(product)
        uow.commit()
    ids = [row["product_id"] for row in _old_overview(app)]
    for n, row in enumerate(sorted(_old_overview(app), key=lambda r: r["product_id"])):
        if n % 4 == 1 and row["sku"] != "":   # managed by the ERP from its count on (an empty SKU has no name)
            count_stock(app.uow(), row["reference"], n)
    return ids


def _old_overview(app) -> list[dict]:
    """What `stock_overview` read before: every product, by SKU then id, sorted in Python by the folded name."""
    uow = app.read_uow()
    with uow:
        stock, managed = uow.products.stock_levels(), uow.products.counted()
        reserved = uow.products.reserved(managed) if managed else {}
        return [{"product_id": p.id, "sku": p.sku, "reference": product_reference(p.sku, p.id), "name": p.name,
                 "price": p.price, "quantity": stock.get(p.id, 0),
                 "managed": p.id in managed, "reserved": reserved.get(p.id, 0),
                 "available": max(stock.get(p.id, 0) - reserved.get(p.id, 0), 0) if p.id in managed else None,
                 "created_by_store": p.created_by_store, "ncm": p.ncm,
                 # the rest of its fiscal data since `stock list --search` and GET /stock?search= read this page
                 "cest": p.cest, "origin": p.origin, "unit": p.unit, "gtin": p.gtin, "cfop": p.cfop}
                for p in sorted(uow.products.list(), key=lambda p: (fold(p.name), p.sku or ""))]


def _old_page(rows: list[dict], busca: str, filtro: str) -> list[dict]:
    """The page's search and filters as it applied them to every row."""
    wanted = fold(busca.strip())
    return [r for r in rows
            if (not wanted or wanted in fold(r["reference"]) or wanted in fold(r["name"])
                or (r["sku"] is None and wanted == str(r["product_id"])))
            and (filtro != "loja" or r["created_by_store"]) and (filtro != "erp" or r["managed"])
            and (filtro != "sem-ncm" or not r["ncm"])]


def _criteria(busca: str, filtro: str) -> ProductFilter:   # as the page builds it
    return ProductFilter(text=busca, managed=filtro == "erp", created_by_store=filtro == "loja",
                         without_ncm=filtro == "sem-ncm")


def _same_pages(app, every: list[dict], busca: str, filtro: str, per_page: int) -> None:
    expected = _old_page(every, busca, filtro)
    with app.read_uow() as uow:   # the rule in Python (the fakes'), too
        counted = uow.products.counted()
        ruled = listing_order([p for p in uow.products.list() if matches(_criteria(busca, filtro), p, p.id in counted)])
        assert [p.id for p in ruled] == [r["product_id"] for r in expected], (busca, filtro)
    page = 1
    while True:
        offset = (page - 1) * per_page
        rows, matched, total = stock_overview_page(app.read_uow(), _criteria(busca, filtro), per_page, offset)
        assert (matched, total) == (len(expected), len(every)), (busca, filtro)
        assert rows == expected[offset:offset + per_page], (busca, filtro, page)
        if not rows:   # the page past the last is empty, with its counts
            break
        page += 1


SEARCHES = ["", "cafe", "CAFÉ", "café", "cafe\u0301", "moido", "  moído  ", "agua com", "ss", "straße", "fi",
            "d'avila", "d’ávila", "D`Ávila", "id:", "id:1", "ID:1", "1", "12", "2", "%", "_", "100%", "\\", "'", "a",
            "b-", "ca", "kit canecas", "kit 2/3", "acao", "ação", "brinde", "ünï", "x" * 300]


@pytest.mark.parametrize("filtro", FILTERS)
def test_each_search_and_filter_pages_as_the_list_in_memory_did(app, catalog, filtro):
    every = _old_overview(app)
    assert stock_overview(app.read_uow()) == every   # the whole list: the same rows in the same order
    searches = SEARCHES + [str(i) for i in catalog] + [f"id:{i}" for i in catalog]
    for busca in searches:
        _same_pages(app, every, busca, filtro, 7)
    assert any(_old_page(every, busca, filtro) for busca in searches[1:])   # the catalog meets each filter


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(busca=st.one_of(st.sampled_from(NAMES + [s for s in SKUS if s]).flatmap(
           lambda text: st.tuples(st.integers(0, len(text)), st.integers(0, len(text))).map(
               lambda cut: text[min(cut):max(cut)])),
       st.text(alphabet="aAáÁçÇéE\u0301ßﬁ’'`%_\\ -:1i d", max_size=5)),
       filtro=st.sampled_from(FILTERS), per_page=st.integers(1, 40))
def test_any_search_pages_as_the_list_in_memory_did(app, catalog, busca, filtro, per_page):
    _same_pages(app, _old_overview(app), busca, filtro, per_page)


@pytest.mark.postgresql
def test_the_order_is_python_s_on_a_server_that_sorts_text_by_its_locale(app):
    """A server whose database sorts text in Portuguese ("_brinde" after "Zíper", "b" beside "B") lists the products
    as the page sorted them in Python, by code point: the test database sorts by code point itself, so its columns
    take a Portuguese collation here."""
    columns = {"name": "varchar(300)", "sku": "varchar(100)", "search_name": "text", "search_sku": "text"}
    with app.engine.begin() as conn:
        # By code point "_b" and "b" come after "B"; in Portuguese, before it.
        assert conn.execute(text("SELECT '_b' < 'B' COLLATE \"pt-BR-x-icu\" AND 'b' < 'B' COLLATE \"pt-BR-x-icu\""
                                 )).scalar() is True
        for column, kind in columns.items():
            conn.execute(text(f'ALTER TABLE products ALTER COLUMN {column} TYPE {kind} COLLATE "pt-BR-x-icu"'))
    try:
        with app.uow() as uow:
            for n, (sku, name) in enumerate([("b-1", "bolsa"), ("B-2", "Bolsa"), ("_1", "_brinde"), ("Z", "Zíper"),
                                             ("a", "abacaxi"), ("A", "Abacaxi"), ("á", "ábaco"), ("1", "100%")]):
                uow.products.add(Product(sku, name, Decimal(n + 1)))
                uow.products.add(Product(None, name, Decimal(n + 1)))
            uow.commit()
        every = _old_overview(app)
        assert [r["sku"] for r in stock_overview(app.read_uow())] == [r["sku"] for r in every]
        _same_pages(app, every, "", "", 3)
    finally:
        with app.engine.begin() as conn:
            for column, kind in columns.items():
                conn.execute(text(f'ALTER TABLE products ALTER COLUMN {column} TYPE {kind} COLLATE "default"'))
