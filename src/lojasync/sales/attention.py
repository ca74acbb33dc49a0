"""Use case: the operator marks a flagged order ("precisa de atenção") as dealt with."""

from __future__ import annotations

from lojasync.sales.errors import OrderNotFound
from lojasync.sales.history import Actor, Who
from lojasync.sales.ports import SalesUnitOfWork


def clear_attention(uow: SalesUnitOfWork, number: int, actor: Who = Actor.OPERATOR) -> bool:
    """Clear order `number`'s flag, recorded in its history; False when it was not flagged.

    Clearing undoes nothing and decides nothing: it only says a person looked. A new problem (another store
    change, an NF-e stuck again) flags the order anew.
    """
    with uow:
        order = uow.orders.get(number, for_update=True)
        if order is None:
            raise OrderNotFound(number=number)
        cleared = order.clear_attention(actor)
        uow.commit()
        return cleared
