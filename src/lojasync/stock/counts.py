"""Inventory count (contagem de estoque): the quantity a person counted becomes the product's balance.

The ledger only knows what moved since the ERP started; a count is the one movement that says how much
there is. It adjusts the balance to the counted quantity (a movement of its own, so the ledger still adds
up) and makes the product "managed by the ERP": from then on its stock is the ERP's to tell the store.
A product never counted is left to the store, which keeps its own stock.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from lojasync.shared.errors import LojasyncError, WriteConflict
from lojasync.shared.events import DomainEvent
from lojasync.stock.ledger import StockMovement
from lojasync.stock.ports import StockUnitOfWork
from lojasync.stock.views import product_by_sku, product_reference, required_sku

COUNT_SOURCE = "count"   # the movements' source type; each count has a source id of its own
COUNT_REASON = "Contagem: {} em estoque"   # a count's movement says what it counted (read back on a retry)
_COUNTED = re.compile(r"Contagem: (-?\d+) em estoque")


@dataclass(frozen=True, kw_only=True)
class StockCounted(DomainEvent):
    """A count set the product's balance (the connector writes it back to the store's variants)."""

    product_id: int
    quantity: int      # the balance after the count
    adjustment: int    # what the count moved (may be 0: the balance was right)


class CountInvalid(LojasyncError):
    code = "stock.count_invalid"
    message_template = "Quantidade contada inválida para {sku}: {quantity}."
    resolution_template = "Informe quantas unidades há em estoque: um número inteiro de 0 a 1.000.000.000."


# No shelf holds more; a larger number is a typo.
MAX_COUNT = 10**9
# A movement's quantity column holds 32 bits: an adjustment past it (a count after a balance taken below -1.1
# billion) was refused by PostgreSQL as a database error (review), and kept by SQLite.
MAX_MOVEMENT = 2**31 - 1


class CountAdjustmentTooLarge(LojasyncError):
    code = "stock.count_invalid"
    message_template = ("A contagem de {sku} ({quantity}) ajustaria o estoque em {adjustment} unidades, mais do que "
                        "um movimento registra.")
    resolution_template = ("O saldo atual ({previous}) vem de vendas sem contagem por muito tempo: confira as "
                           "movimentações do produto (na página do produto no Estoque) e conte de novo.")
    terminal_commands = ("lojasync stock movements {sku}",)


class CountIdInvalid(LojasyncError):
    code = "stock.count_id_invalid"
    message_template = "Chave de contagem inválida: {count_id!r}."
    resolution_template = "Use de 1 a 64 letras sem acento, números, ponto, hífen, sublinhado ou dois-pontos."


# What the ledger's source id column holds, and characters no shell or URL mangles.
COUNT_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class CountIdTaken(LojasyncError):
    code = "stock.count_id_taken"
    message_template = "A contagem {count_id} já foi registrada {what}."
    resolution_template = ("Uma contagem nova precisa de um count_id novo; repetir o mesmo count_id só repete a "
                           "resposta da contagem já registrada.")


def count_stock(uow: StockUnitOfWork, sku: str, quantity: int, count_id: str | None = None,
                made_by: str | None = None) -> dict:
    """Bring the product's balance to `quantity` with one adjustment movement (source "count").

    `count_id` (a program's own key for the count) makes a retry safe: the same count again, after a timeout,
    answers what was recorded (`repeated`) and moves nothing; the same key for another product or quantity is
    refused. Without it, each call is a count of its own. `made_by`: who counted, in words, kept with the movement."""
    sku = required_sku(sku)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= MAX_COUNT:
        raise CountInvalid(sku=sku, quantity=quantity)
    if count_id is not None and not COUNT_ID.fullmatch(count_id):
        raise CountIdInvalid(count_id=count_id)
    try:
        return _count(uow, sku, quantity, count_id, made_by)
    except WriteConflict as conflict:
        if count_id is None or not conflict.params.get("duplicate"):
            raise   # a busy database is the caller's to retry: not waited out a second time here
        # The same key sent for two products at once: each locked only its own product, so both found the key
        # free and the ledger's unique key refused the second. Once more, the second finds the first's count and
        # says so (count_id_taken, or the count repeated), instead of a "try again" that would say the same.
        return _count(uow, sku, quantity, count_id, made_by)


def _count(uow: StockUnitOfWork, sku: str, quantity: int, count_id: str | None, made_by: str | None) -> dict:
    with uow:
        # Locked: two counts of one product at once would each add their own adjustment to the same balance
        # (and two retries of one count_id would both find it missing).
        product = product_by_sku(uow, sku, for_update=True)
        reference = product_reference(product.sku, product.id)
        if count_id is not None:
            earlier = _recorded(uow, product.id, count_id, quantity, reference)
            if earlier is not None:
                return {"sku": product.sku, "reference": reference, "name": product.name, **earlier,
                        "repeated": True}
        previous = uow.products.stock_levels([product.id]).get(product.id, 0)
        adjustment = quantity - previous
        if abs(adjustment) > MAX_MOVEMENT:
            raise CountAdjustmentTooLarge(sku=reference, quantity=quantity, adjustment=adjustment, previous=previous)
        # Written even when nothing changes: the movement is what makes the product managed by the ERP.
        uow.stock_movements.add(StockMovement(product.id, adjustment, COUNT_REASON.format(quantity),
                                              COUNT_SOURCE, count_id or uuid.uuid4().hex, made_by=made_by))
        product.record(StockCounted(product_id=product.id, quantity=quantity, adjustment=adjustment))
        uow.commit()
        return {"sku": product.sku, "reference": reference, "name": product.name, "quantity": quantity,
                "previous": previous, "adjustment": adjustment, "repeated": False}


def counted_quantity(reason: str | None) -> int | None:
    """The quantity a count's movement says it counted (`COUNT_REASON`); None for any other movement."""
    said = _COUNTED.fullmatch(reason or "")
    return int(said.group(1)) if said else None


def _recorded(uow: StockUnitOfWork, product_id: int, count_id: str, quantity: int, reference: str) -> dict | None:
    """What the count `count_id` recorded (quantity, previous, adjustment), None when it was never recorded;
    CountIdTaken when it was, for another product or quantity."""
    found = uow.stock_movements.for_source(COUNT_SOURCE, count_id)
    if not found:
        return None
    movement = found[0]
    if movement.product_id != product_id:
        raise CountIdTaken(count_id=count_id, what="para outro produto")
    # The quantity it counted, in its own words; else the ledger up to that movement (a count sets it, whatever came
    # before). Not the ledger first: on PostgreSQL ids are not commit order, and a sale's movement with a lower id,
    # committed after the count, made a retry of the same count look like another quantity.
    said = counted_quantity(movement.reason)
    balance = said if said is not None else (
        uow.stock_movements.balance_before(product_id, movement.id) + movement.quantity)   # summed in the database
    if balance != quantity:
        raise CountIdTaken(count_id=count_id, what=f"para {reference} com {balance} unidade(s), não {quantity}")
    return {"quantity": balance, "previous": balance - movement.quantity, "adjustment": movement.quantity}
