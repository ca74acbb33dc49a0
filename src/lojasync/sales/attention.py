"""Use case: the operator marks a flagged order ("precisa de atenção") as dealt with."""

from __future__ import annotations

from collections.abc import Collection

from lojasync.sales.errors import OrderNotFound
from lojasync.sales.history import Actor, Who
from lojasync.sales.ports import SalesUnitOfWork


def clear_attention(uow: SalesUnitOfWork, number: int, actor: Who = Actor.OPERATOR,
                    seen: Collection[str] | None = None) -> tuple[bool, list[str]]:
    """Clear order `number`'s flag, recorded in its history. Returns whether it changed, and the reasons still
    pending: with `seen` (the reasons a page showed), one raised since the page was opened (a store cancellation,
    an NF-e stuck) is kept, not cleared unseen.

    Clearing undoes nothing and decides nothing: it only says a person looked. A new problem (another store
    change, an NF-e stuck again) flags the order anew.
    """
    with uow:
        order = uow.orders.get(number, for_update=True, lines=False)
        if order is None:
            raise OrderNotFound(number=number)
        cleared = order.clear_attention(actor, seen)
        uow.commit()
        return cleared, order.attention_reasons if order.needs_attention else []
