"""What approving a document did, and what cancelling it undid, in words, for the page and the terminal that acted:
read from what was written, not assumed (an order with nothing to receive gets no receivable; an NF-e authorised
late, the order processed by another document, moves nothing)."""

from __future__ import annotations

from lojasync.finance.services import reversal_words
from lojasync.fiscal.documents import DocumentKind
from lojasync.fiscal.effects import carries_the_sale
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.sales.history import HistoryType
from lojasync.stock.issues import RETURN_SUFFIX
from lojasync.stock.views import product_reference


def done_words(uow: ProcessingUnitOfWork, source_type: str, source_id: str) -> str:
    """"estoque baixado e contas a receber criadas", or what the approval wrote instead."""
    with uow:
        movements = uow.stock_movements.for_source(source_type, source_id)
        issued = bool(movements)
        receivables = bool(uow.receivables.for_source(source_type, source_id))
        short = _went_negative(uow, {m.product_id for m in movements})
    if issued and receivables:
        return "estoque baixado e contas a receber criadas" + short
    if issued:
        return "estoque baixado" + short + "; nenhuma conta a receber criada (o pedido não tem valor a receber)"
    if receivables:
        return "contas a receber criadas; nenhum estoque a baixar"
    return ("nada baixado nem criado: o pedido já estava processado por outro documento (veja a pendência no "
            "pedido)")


def _went_negative(uow: ProcessingUnitOfWork, product_ids: set[int]) -> str:
    """" (estoque negativo: CAN-CER ficou com -1)": the counted products now below zero, said to the person who
    approved (the order's history warns too, but the page and the terminal that acted said only "baixado")."""
    short = uow.products.short(product_ids) if product_ids else {}
    if not short:
        return ""
    skus = {pid: product.sku for pid, product in uow.products.by_ids(short).items()}
    listed = ", ".join(f"{product_reference(skus.get(pid), pid)} ficou com {balance}"
                       for pid, balance in sorted(short.items()))
    return f" (estoque negativo: {listed}; confira a contagem)"


def undone_words(uow: ProcessingUnitOfWork, source_type: str, source_id: str, order_number: int | None = None) -> str:
    """The stock given back (or that there was none to give: an NF-e SEFAZ authorised late, with the order already
    processed by another document, never issued any; or issued again by that other document, which goes on with the
    sale: `order_number`'s standing document) and what became of the receivables."""
    with uow:
        returned = uow.stock_movements.for_source(source_type + RETURN_SUFFIX, source_id)
        cancelled = _cancelled_with_it(uow, source_type, source_id, order_number)
        standing = uow.documents.active_for_order(order_number) if order_number is not None else None
        if standing is not None and (standing.kind.value, str(standing.id)) == (source_type, source_id):
            standing = None
        other = standing.label if standing is not None else None
        # Only an authorised NF-e or a confirmed sale issued anything (review: a pending venda simples was said to
        # have issued the stock again and to carry on the sale with its receivables, and would never be confirmed).
        carries = standing is not None and carries_the_sale(standing)
    if returned and carries:
        stock = f"estoque devolvido e baixado de novo pela {other}, que continua a venda (com as contas dela)"
    elif returned and other:
        stock = (f"estoque devolvido; a {other} do pedido ainda não deu baixa nem criou contas a receber: " + (
            "confirme-a para que dê" if standing.kind is DocumentKind.SIMPLE_SALE else "dará quando for autorizada"))
    elif returned:
        stock = "estoque devolvido"
    else:
        stock = ("nenhum estoque a devolver (este documento não tinha dado baixa: o pedido já estava processado por "
                 "outro)")
    return f"{stock}; {reversal_words(uow, source_type, source_id, cancelled)}"


def _cancelled_with_it(uow: ProcessingUnitOfWork, source_type: str, source_id: str, order_number: int | None
                       ) -> int | None:
    """How many receivables the document's cancellation itself cancelled, as the order's history recorded it: those
    a person had cancelled before (the customer would not pay) look the same once it is cancelled. None: unknown."""
    if order_number is None or not source_id.isdigit():
        return None
    document = (uow.invoices.get(int(source_id)) if source_type == "nfe" else uow.simple_sales.get(int(source_id)))
    if document is None:
        return None
    counts = [entry.params.get("count", 0) for entry in uow.order_history.for_order(order_number)
              if entry.type == HistoryType.RECEIVABLES_CANCELLED.value
              and entry.params.get("document") == document.label]
    return counts[-1] if counts else 0
