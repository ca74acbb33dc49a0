"""Stock adjustment (entrada or saída avulsa): goods that came in from a supplier, or went out as a loss, a
breakage, a sample, given as what moved rather than as what there is.

A count says how much there is, and so it undoes whatever moved between the moment the shelf was read and the
moment the count was typed: the stock keeper who read 8, received 50 and typed 58 while a sale of 2 was confirmed
wiped that sale out (review: the count was the only way to bring goods in). An adjustment adds to the balance as
it is when it is written, whatever sold meanwhile.

Only for a product already counted (managed by the ERP): the balance of one never counted starts at zero and
says nothing of the shelf, and an entrada added to it would tell the store a number nobody counted.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from lojasync.shared.errors import LojasyncError, WriteConflict
from lojasync.shared.events import DomainEvent
from lojasync.shared.numbers import whole
from lojasync.shared.shell_words import command_with
from lojasync.shared.text import clean_text, without_controls
from lojasync.stock.counts import COUNT_ID, MAX_COUNT, MAX_MOVEMENT
from lojasync.stock.ledger import StockMovement
from lojasync.stock.ports import StockUnitOfWork
from lojasync.stock.views import product_by_sku, product_reference, required_sku

ADJUSTMENT_SOURCE = "adjustment"   # the movements' source type; each adjustment has a source id of its own
# The movement's reason column holds 200 characters, "Entrada: " before the person's words (PostgreSQL refuses more).
MAX_REASON = 190


@dataclass(frozen=True, kw_only=True)
class StockAdjusted(DomainEvent):
    """An entrada or a saída changed a managed product's balance (the connector writes it back to the store)."""

    product_id: int
    quantity: int      # the balance after it
    adjustment: int    # what moved (+ in, - out)


class AdjustmentInvalid(LojasyncError):
    code = "stock.adjustment_invalid"
    message_template = "Quantidade inválida para {sku}: {quantity}."
    resolution_template = ("Informe quantas unidades entram (10) ou saem (-3): um número inteiro diferente de zero, "
                           "de -1.000.000.000 a 1.000.000.000.")


class AdjustmentReasonInvalid(LojasyncError):
    code = "stock.adjustment_reason_invalid"
    message_template = "Motivo longo demais: {length} caracteres."
    resolution_template = "Escreva o motivo (a nota do fornecedor, uma avaria) em até {maximum} caracteres."


class AdjustmentIdInvalid(LojasyncError):
    code = "stock.adjustment_id_invalid"
    message_template = "Chave de ajuste inválida: {adjustment_id!r}."
    resolution_template = "Use de 1 a 64 letras sem acento, números, ponto, hífen, sublinhado ou dois-pontos."


class AdjustmentIdTaken(LojasyncError):
    code = "stock.adjustment_id_taken"
    message_template = "O ajuste {adjustment_id} já foi registrado {what}."
    resolution_template = ("Um ajuste novo precisa de uma chave nova; repetir a mesma chave só repete a resposta do "
                           "ajuste já registrado.")


class OutMoreThanInStock(LojasyncError):
    code = "stock.adjustment_beyond_stock"
    message_template = "Saída de {out} unidade(s) de {sku} maior que o estoque ({balance})."
    # Neutral words: the pages show the resolution as it is, and no page tells its reader to run a command (the
    # terminal adds `terminal_commands`; the API's reader knows POST /stock/counts from the same words).
    # No example quantity: "(-3, não -30)" read as a guess at what was meant, to one who had typed -30 as to one
    # who had typed -50 (terminal journey).
    resolution_template = ("Confira a quantidade; se o estoque do ERP está errado, conte o produto "
                           "(Contagem, na página do produto no Estoque).")
    terminal_commands = ("{count_command}",)


class BalanceTooLarge(LojasyncError):
    code = "stock.adjustment_invalid"
    message_template = ("A entrada de {quantity} unidade(s) levaria o estoque de {sku} a {balance}, mais do que ele "
                        "guarda.")
    resolution_template = "Confira a quantidade; se o estoque do ERP está errado, conte o produto."


class ProductNotCounted(LojasyncError):
    code = "stock.product_not_counted"
    message_template = "O estoque de {sku} ainda é da loja: o ERP não sabe quanto há na prateleira."
    resolution_template = ("Faça a primeira contagem dele com o que há agora, já contando esta entrada ou saída "
                           "({count_command}, ou Contagem na página do produto); "
                           "depois dela, entradas e saídas se registram aqui.")


def adjust_stock(uow: StockUnitOfWork, sku: str, quantity: int, reason: str | None = None,
                 adjustment_id: str | None = None, made_by: str | None = None) -> dict:
    """Add `quantity` (negative: take it out) to a counted product's balance, one movement (source "adjustment").

    `adjustment_id` (a program's own key) makes a retry safe, as a count's key does: the same adjustment again
    answers what was recorded (`repeated`) and moves nothing; the same key for another product or quantity is
    refused. Without it, each call is an adjustment of its own. `made_by`: who made it, in words, kept with the
    movement."""
    sku = required_sku(sku)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity == 0 or abs(quantity) > MAX_COUNT:
        raise AdjustmentInvalid(sku=sku, quantity=quantity)
    # Typed by a person or sent by a program, and printed in the movements list and a terminal: nothing that
    # reorders a page or drives a terminal.
    reason = (without_controls(clean_text(reason)).strip() or None) if reason else None
    if reason is not None and len(reason) > MAX_REASON:
        raise AdjustmentReasonInvalid(length=len(reason), maximum=MAX_REASON)
    if adjustment_id is not None and not COUNT_ID.fullmatch(adjustment_id):
        raise AdjustmentIdInvalid(adjustment_id=adjustment_id)
    try:
        return _adjust(uow, sku, quantity, reason, adjustment_id, made_by)
    except WriteConflict as conflict:
        if adjustment_id is None or not conflict.params.get("duplicate"):
            raise
        # The same key sent for two products at once (see `count_stock`): once more, the second finds the first.
        return _adjust(uow, sku, quantity, reason, adjustment_id, made_by)


def movement_reason(quantity: int, reason: str | None) -> str:
    """What the movement says, in the movements list: entrada or saída, and the person's reason."""
    kind = "Entrada" if quantity > 0 else "Saída"
    return f"{kind}: {reason}" if reason else f"{kind} avulsa"


def _count_command(reference: str) -> str:
    return command_with("lojasync stock count", reference, "--quantity N")


def _adjust(uow: StockUnitOfWork, sku: str, quantity: int, reason: str | None, adjustment_id: str | None,
            made_by: str | None) -> dict:
    with uow:
        # Locked, as a count locks it: two adjustments (or an adjustment and a count) of one product queue.
        product = product_by_sku(uow, sku, for_update=True)
        reference = product_reference(product.sku, product.id)
        if adjustment_id is not None:
            earlier = uow.stock_movements.for_source(ADJUSTMENT_SOURCE, adjustment_id)
            if earlier:
                movement = earlier[0]
                if movement.product_id != product.id:
                    raise AdjustmentIdTaken(adjustment_id=adjustment_id, what="para outro produto")
                if movement.quantity != quantity:
                    raise AdjustmentIdTaken(adjustment_id=adjustment_id,
                                            what=f"para {reference} com {movement.quantity:+d}, não {quantity:+d}")
                balance = uow.products.stock_levels([product.id]).get(product.id, 0)
                return {"sku": product.sku, "reference": reference, "name": product.name, "quantity": balance,
                        "adjustment": movement.quantity, "reason": movement.reason, "repeated": True}
        if not uow.products.counted([product.id]):
            raise ProductNotCounted(sku=reference, count_command=_count_command(reference))
        previous = uow.products.stock_levels([product.id]).get(product.id, 0)
        balance = previous + quantity
        if quantity < 0 and balance < 0:
            # A typo (-30 for -3) would leave the ERP below zero without a word (review); sales may take it there,
            # with a warning on their order, but what a person takes out is at most what there is.
            raise OutMoreThanInStock(out=whole(-quantity), sku=reference, balance=whole(previous),
                                     count_command=_count_command(reference))
        if balance > MAX_MOVEMENT:
            raise BalanceTooLarge(quantity=whole(quantity), sku=reference, balance=whole(balance))
        text = movement_reason(quantity, reason)
        uow.stock_movements.add(StockMovement(product.id, quantity, text, ADJUSTMENT_SOURCE,
                                              adjustment_id or uuid.uuid4().hex, made_by=made_by))
        product.record(StockAdjusted(product_id=product.id, quantity=balance, adjustment=quantity))
        uow.commit()
        return {"sku": product.sku, "reference": reference, "name": product.name, "quantity": balance,
                "previous": previous, "adjustment": quantity, "reason": text, "repeated": False}
