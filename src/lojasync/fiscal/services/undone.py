"""What cancelling an approved document undid, in words, for the page and the terminal that cancelled it."""

from __future__ import annotations

from lojasync.finance.services import reversal_words
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.stock.issues import RETURN_SUFFIX


def undone_words(uow: ProcessingUnitOfWork, source_type: str, source_id: str) -> str:
    """The stock given back (or that there was none to give: an NF-e SEFAZ authorised late, with the order already
    processed by another document, never issued any) and what became of the receivables."""
    with uow:
        returned = uow.stock_movements.for_source(source_type + RETURN_SUFFIX, source_id)
    stock = ("estoque devolvido" if returned else
             "nenhum estoque a devolver (este documento não tinha dado baixa: o pedido já estava processado por outro)")
    return f"{stock}; {reversal_words(uow, source_type, source_id)}"
