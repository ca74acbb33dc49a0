"""Read side of the stock module: products with their stock on hand, and a product's ledger."""

from __future__ import annotations

import re

from lojasync.shared.errors import LojasyncError
from lojasync.shared.text import clean_text
from lojasync.stock.ledger import StockMovement
from lojasync.stock.ports import StockUnitOfWork
from lojasync.stock.product_filter import ProductFilter
from lojasync.stock.products import Product


class ProductNotFound(LojasyncError):
    code = "stock.product_not_found"
    message_template = "Nenhum produto com o SKU {sku}."
    resolution_template = ("Confira o SKU na lista de produtos do Estoque (um produto sem SKU é informado como "
                           "id:N, o número que a lista mostra).")


class SkuMissing(LojasyncError):
    code = "stock.sku_missing"
    message_template = "O SKU do produto está vazio."
    resolution_template = "Informe o SKU do produto como aparece na lista de produtos do Estoque."
    terminal_commands = ("lojasync stock list",)


class SkuAmbiguous(LojasyncError):
    code = "stock.sku_ambiguous"
    message_template = ("O SKU {sku} corresponde a {count} produtos que diferem só em maiúsculas e minúsculas: "
                        "{skus}.")
    resolution_template = "Informe o SKU exatamente como está cadastrado no produto que você quer."
    terminal_commands = ("lojasync stock list",)


def required_sku(sku: str) -> str:
    """The SKU a person gave (without NUL characters, which no SKU can hold), refused when blank: "Nenhum produto
    com o SKU ." would not say what is wrong."""
    sku = clean_text(sku).strip()   # pasted with a space around it; imports strip the store's SKUs too
    if not sku:
        raise SkuMissing()
    return sku


# A product the store sent without a SKU (a variant with none, matched by its variant id) is named by its id.
_BY_ID = re.compile(r"id:\s*(\d{1,18})", re.IGNORECASE)


def product_reference(sku: str | None, product_id: int) -> str:
    """How a person names a product in a page's address, a command or a message: its SKU, or id:N without one."""
    return sku or f"id:{product_id}"


def product_by_sku(uow: StockUnitOfWork, sku: str, for_update: bool = False) -> Product:
    """The product a person means by the SKU typed: that exact SKU, else the only one that differs just in case
    ("abc-1" for "ABC-1"). The store keeps SKUs as written, so two products may differ only in case: then the
    person is asked to type one exactly. "id:N", when no SKU is that text, is the product with id N if it has no
    SKU (how such a product is reached). Imports never come here; they match SKUs exactly (`by_skus`)."""
    sku = required_sku(sku)
    product = uow.products.by_skus([sku], for_update=for_update).get(sku)
    if product is not None:
        return product
    candidates = uow.products.by_sku_ignoring_case(sku, for_update=for_update)
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        raise SkuAmbiguous(sku=sku, count=len(candidates), skus=", ".join(p.sku for p in candidates))
    by_id = _BY_ID.fullmatch(sku.strip())
    if by_id and (product := uow.products.by_id(int(by_id.group(1)), for_update=for_update)) is not None \
            and product.sku is None:   # one with a SKU is named by it: a mistyped N must not reach another product
        return product
    raise ProductNotFound(sku=sku)


def list_products(uow: StockUnitOfWork) -> list[dict]:
    with uow:
        stock = uow.products.stock_levels()
        return [
            {"id": p.id, "sku": p.sku, "reference": product_reference(p.sku, p.id), "name": p.name,
             "price": str(p.price), "stock": stock.get(p.id, 0),
             "created_by_store": p.created_by_store}
            for p in uow.products.list()
        ]


def stock_levels(uow: StockUnitOfWork) -> list[dict]:
    """Every product with its stock on hand (the sum of its movements) and whether the ERP manages it (it
    was counted: only then is its stock written back to the store): what `stock list` shows."""
    return counted_stock_levels(uow, None, 0)[0]


def counted_stock_levels(uow: StockUnitOfWork, limit: int | None, offset: int, search: str = ""
                         ) -> tuple[list[dict], int]:
    """`limit` products from `offset` (by SKU, then id; without `limit`, all of them from `offset`), as
    `stock_levels` gives them, and how many products there are in all (one transaction). With `search`, only those
    the Estoque page's search finds (part of the SKU, of id:N or of the name, without regard to case or accents),
    in its order (by name), and how many it finds."""
    criteria = ProductFilter(text=search)
    if criteria.words:
        # The page's own search and paging, not a second one (`stock list` and GET /stock had none); its rows in
        # this list's shape.
        rows, matched, _ = stock_overview_page(uow, criteria, limit, offset)
        return [{key: row[key] for key in LEVEL_KEYS} for row in rows], matched
    with uow:
        products = uow.products.list(limit, offset)
        # Without `limit` the whole ledger is summed at once (as `stock list` always did); a page reads only its
        # products' movements.
        ids = None if limit is None else [p.id for p in products]
        total = len(products) if limit is None and not offset else uow.products.count()
        stock, managed = uow.products.stock_levels(ids), uow.products.counted(ids)
        reserved = uow.products.reserved(managed) if managed else {}
        # available: what the store is told it may sell (the balance less open orders placed since the count)
        return [{"product_id": p.id, "sku": p.sku, "reference": product_reference(p.sku, p.id), "name": p.name,
                 "quantity": stock.get(p.id, 0),
                 "managed": p.id in managed, "reserved": reserved.get(p.id, 0),
                 "available": max(stock.get(p.id, 0) - reserved.get(p.id, 0), 0) if p.id in managed else None,
                 **fiscal_fields(p)}
                for p in products], total


# A product's own fiscal data, as `fiscal_data.ProductFiscalData` names it (a test holds the two together).
FISCAL_FIELDS = ("ncm", "cest", "origin", "unit", "gtin", "cfop")
# A row of `stock list` and GET /stock, with or without a search.
LEVEL_KEYS = ("product_id", "sku", "reference", "name", "quantity", "managed", "reserved", "available",
              *FISCAL_FIELDS)


def fiscal_fields(product: Product) -> dict:
    """The product's own fiscal data (None: the company's default applies)."""
    return {name: getattr(product, name) for name in FISCAL_FIELDS}


def stock_movements(uow: StockUnitOfWork, sku: str) -> list[dict]:
    """The ledger of one product, oldest first: each movement with the document that caused it."""
    return counted_stock_movements(uow, sku, None, 0)[0]


def counted_stock_movements(uow: StockUnitOfWork, sku: str, limit: int | None, offset: int) -> tuple[list[dict], int]:
    """`limit` movements of one product from `offset` (oldest first; without `limit`, all of them from `offset`),
    each with the balance of the whole ledger up to it, and how many the product has (one transaction): a page
    of `stock movements` reads its rows only, not a ledger of a year's sales."""
    with uow:
        product = product_by_sku(uow, sku)
        return _ledger_page(uow, product.id, limit, offset)


def _ledger_page(uow: StockUnitOfWork, product_id: int, limit: int | None, offset: int,
                 newest_first: bool = False) -> tuple[list[dict], int]:
    """`limit` of the product's movements from `offset` (all without `limit`), oldest or newest first, each with the
    balance of the whole ledger up to it (the sum of the movements with an id up to its own), and how many the
    product has: only the page is read, the balance before it is summed in the database."""
    movements = uow.stock_movements.for_product(product_id, limit, offset, newest_first)
    total = (len(movements) if limit is None and not offset
             else uow.stock_movements.count_for_product(product_id))
    oldest_first = list(reversed(movements)) if newest_first else movements
    # A page that does not begin at the ledger's first movement starts from the movements before it: oldest first,
    # any page past the first; newest first, any page but the last.
    later = offset + len(movements) < total if newest_first else offset > 0
    start = uow.stock_movements.balance_before(product_id, oldest_first[0].id) if oldest_first and later else 0
    rows = _ledger_rows(oldest_first, start)
    return (list(reversed(rows)) if newest_first else rows), total


def _ledger_rows(movements: list[StockMovement], balance: int) -> list[dict]:
    """These movements (in order) as rows, each with the running balance from `balance`."""
    rows = []
    for movement in movements:
        balance += movement.quantity
        rows.append({"id": movement.id, "at": movement.created_at, "quantity": movement.quantity,
                     "balance": balance, "reason": movement.reason, "source_type": movement.source_type,
                     "source_id": movement.source_id, "line": movement.source_line, "made_by": movement.made_by})
    return rows


def stock_overview(uow: StockUnitOfWork) -> list[dict]:
    """Every product as the Estoque page lists it (`stock_overview_page`), in its order."""
    return stock_overview_page(uow, ProductFilter(), None, 0)[0]


def stock_overview_page(uow: StockUnitOfWork, criteria: ProductFilter, limit: int | None, offset: int
                        ) -> tuple[list[dict], int, int]:
    """What the Estoque page lists: `limit` of the products `criteria` shows from `offset` (all without `limit`) by
    name with accents folded, each with its stock on hand, whether the ERP manages it (it was counted) and whether
    the store created it (an unknown SKU arrived with an order); how many `criteria` shows, and how many products
    there are (one transaction). Only the page's products and balances are read: the page read all 20,000
    products with their balances to show 100 (0.5-0.66 s a visit)."""
    with uow:
        products, matched = uow.products.listing(criteria, limit, offset)
        total = matched if criteria.everything else uow.products.count()
        # Without `limit` the whole ledger is summed at once; a page reads only its products' movements.
        ids = None if limit is None else [p.id for p in products]
        stock, managed = uow.products.stock_levels(ids), uow.products.counted(ids)
        reserved = uow.products.reserved(managed) if managed else {}
        return [{"product_id": p.id, "sku": p.sku, "reference": product_reference(p.sku, p.id), "name": p.name,
                 "price": p.price, "quantity": stock.get(p.id, 0),
                 "managed": p.id in managed, "reserved": reserved.get(p.id, 0),
                 "available": max(stock.get(p.id, 0) - reserved.get(p.id, 0), 0) if p.id in managed else None,
                 "created_by_store": p.created_by_store, **fiscal_fields(p)}
                for p in products], matched, total


def product_detail(uow: StockUnitOfWork, sku: str, limit: int | None = None, offset: int = 0,
                   newest_first: bool = False) -> dict:
    """One product for its page: identity, stock on hand, who manages it, its fiscal data and its ledger (each
    movement with the running balance and the document that moved it): `limit` movements from `offset`, oldest or
    newest first (without `limit`, the whole ledger oldest first), and how many it has in `movement_count`. The page
    reads the 100 it shows, not a year's sales (30,000 movements: 2 s and 7 MB, review)."""
    with uow:
        product = product_by_sku(uow, sku)
        movements, movement_count = _ledger_page(uow, product.id, limit, offset, newest_first)
        balance = uow.products.stock_levels([product.id]).get(product.id, 0)   # the whole ledger's sum
        managed = product.id in uow.products.counted([product.id])
        reserved = uow.products.reserved([product.id]).get(product.id, 0) if managed else 0
        return {"product_id": product.id, "sku": product.sku, "reference": product_reference(product.sku, product.id),
                "name": product.name, "price": product.price,
                "created_by_store": product.created_by_store, "quantity": balance, "managed": managed,
                "reserved": reserved, "available": max(balance - reserved, 0) if managed else None,
                "fiscal": {name: getattr(product, name) for name in FISCAL_FIELDS}, "movements": movements,
                "movement_count": movement_count}
