"""Domain events: facts an aggregate records while a use case runs ("pedido importado", "NF-e autorizada").

The unit of work hands them to the message bus after the use case and before the commit, in the order
they were recorded, so their handlers (the order history today; stock issue and receivables tomorrow)
write in the same transaction as the change that caused them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

# One sequence for the process: events of different aggregates are handled in the order they happened.
_sequence = itertools.count(1)
# The aggregates that recorded events in the running unit of work (one per thread): held strongly, so
# an ORM's weak identity map cannot drop an object, and its events, before the commit.
_recording: ContextVar[dict[int, Aggregate] | None] = ContextVar("lojasync_recording", default=None)


@dataclass(frozen=True, kw_only=True)
class DomainEvent:
    sequence: int = field(default_factory=lambda: next(_sequence), repr=False, compare=False)


class Aggregate:
    """Mixin for aggregates that record events. Mapped classes never run __init__ on load, so the list
    lives in the instance dict, created on the first event."""

    def record(self, event: DomainEvent) -> None:
        self.__dict__.setdefault("_pending_events", []).append(event)
        recording = _recording.get()
        if recording is not None:
            recording[id(self)] = self

    def pull_events(self) -> list[DomainEvent]:
        """Take the recorded events (the bus handles each once)."""
        return self.__dict__.pop("_pending_events", [])


@contextmanager
def recording_events() -> Iterator[dict[int, Aggregate]]:
    """Within this block, every aggregate that records an event is listed (a unit of work holds one)."""
    aggregates: dict[int, Aggregate] = {}
    token = _recording.set(aggregates)
    try:
        yield aggregates
    finally:
        _recording.reset(token)


def pull_recorded(aggregates: dict[int, Aggregate]) -> list[DomainEvent]:
    """The events of the listed aggregates, taken once; the list is emptied for the next round."""
    events = [event for aggregate in aggregates.values() for event in aggregate.pull_events()]
    aggregates.clear()
    return events


def sequence_mark() -> int:
    """A point in the recording order: every event recorded after it has a greater `sequence`."""
    return next(_sequence)


def drop_recorded_since(aggregates: dict[int, Aggregate], mark: int) -> None:
    """The events the listed aggregates recorded after `mark` go, those before stay: they told of work undone
    (a savepoint rolled back), and handled they would record what never happened (a history entry, say)."""
    pull_recorded_since(aggregates, mark)


def pull_recorded_since(aggregates: dict[int, Aggregate], mark: int) -> list[DomainEvent]:
    """The events recorded after `mark`, taken once; those before stay for the next round (a part of a transaction
    handles its own events, `SqlUnitOfWork.attempt`)."""
    taken: list[DomainEvent] = []
    for aggregate in aggregates.values():
        pending = aggregate.__dict__.get("_pending_events")
        if pending:
            taken.extend(event for event in pending if event.sequence >= mark)
            pending[:] = [event for event in pending if event.sequence < mark]
    return taken
