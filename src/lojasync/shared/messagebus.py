"""A small in-process message bus: domain events to their handlers, in the unit of work's transaction.

Handlers are registered by event class in one table (the composition root builds it); a handler of a
base class also receives its subclasses, after the subclass's own handlers. Events are handled in the
order they were recorded; handlers may record new events, handled in turn.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from lojasync.shared.events import DomainEvent

Handler = Callable[[Any, Any], None]   # (event, unit of work)

# A handler that keeps recording events would never end: a bug, said loudly.
MAX_ROUNDS = 100


class MessageBus:
    def __init__(self, handlers: Mapping[type[DomainEvent], Sequence[Handler]] | None = None) -> None:
        self._handlers = {event_type: list(found) for event_type, found in (handlers or {}).items()}
        self._resolved: dict[type, list[Handler]] = {}

    def handlers_for(self, event_type: type) -> list[Handler]:
        found = self._resolved.get(event_type)
        if found is None:
            found = [h for klass in event_type.__mro__ for h in self._handlers.get(klass, ())]
            self._resolved[event_type] = found
        return found

    def handle(self, uow: Any, collect: Callable[[], Iterable[DomainEvent]]) -> None:
        """Handle what `collect` returns, in recording order, until no handler records anything new."""
        for _ in range(MAX_ROUNDS):
            events = sorted(collect(), key=lambda e: e.sequence)
            if not events:
                return
            for event in events:
                for handler in self.handlers_for(type(event)):
                    handler(event, uow)
        raise RuntimeError(f"message bus: events still being recorded after {MAX_ROUNDS} rounds")
