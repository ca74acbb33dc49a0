"""Handlers of the sales module's domain events (registered on the message bus by the composition root)."""

from __future__ import annotations

from lojasync.sales.events import OrderEvent
from lojasync.sales.ports import SalesUnitOfWork


def write_history(event: OrderEvent, uow: SalesUnitOfWork) -> None:
    """Every order event is an entry of the order's history."""
    uow.order_history.add(event)
