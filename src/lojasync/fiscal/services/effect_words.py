"""What cancelling an approved document undid, in words, for the page and the terminal that cancelled it."""

from __future__ import annotations

from lojasync.finance.services import reversal_words
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.stock.issues import RETURN_SUFFIX


def undone_words(uow: ProcessingUnitOfWork, source_type: str, source_id: str, order_number: int | None = None) -> str:
    """The stock given back (or that there was none to give: an NF-e SEFAZ authorised late, with the order already
    processed by another document, never issued any; or issued again by that other document, which goes on with the
    sale: `order_number`'s standing document) and what became of the receivables."""
    with uow:
        returned = uow.stock_movements.for_source(source_type + RETURN_SUFFIX, source_id)
        standing = uow.documents.active_for_order(order_number) if order_number is not None else None
        if standing is not None and (standing.kind.value, str(standing.id)) == (source_type, source_id):
            standing = None
        other = standing.label if standing is not None else None
    if returned and other:
        stock = f"estoque devolvido e baixado de novo pela {other}, que continua a venda (com as contas dela)"
    elif returned:
        stock = "estoque devolvido"
    else:
        stock = ("nenhum estoque a devolver (este documento não tinha dado baixa: o pedido já estava processado por "
                 "outro)")
    return f"{stock}; {reversal_words(uow, source_type, source_id)}"
