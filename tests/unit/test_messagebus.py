"""The message bus: handlers by event class (subclasses included), in recording order, until quiet."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lojasync.shared.events import Aggregate, DomainEvent, pull_recorded, recording_events
from lojasync.shared.messagebus import MessageBus


@dataclass(frozen=True, kw_only=True)
class Happened(DomainEvent):
    what: str


@dataclass(frozen=True, kw_only=True)
class Approved(Happened):
    pass


class Thing(Aggregate):
    pass


def test_handlers_run_in_recording_order_and_a_base_class_handler_sees_subclasses():
    seen: list[tuple[str, str]] = []
    bus = MessageBus({Happened: [lambda e, uow: seen.append(("any", e.what))],
                      Approved: [lambda e, uow: seen.append(("approved", e.what))]})
    with recording_events() as aggregates:
        first, second = Thing(), Thing()
        second.record(Happened(what="b1"))
        first.record(Approved(what="a1"))
        second.record(Happened(what="b2"))
        bus.handle(None, lambda: pull_recorded(aggregates))
    # The most specific class first (an event's own handlers, then its bases').
    assert seen == [("any", "b1"), ("approved", "a1"), ("any", "a1"), ("any", "b2")]


def test_events_recorded_by_handlers_are_handled_in_turn():
    seen: list[str] = []
    thing = Thing()

    def approve(event, uow):
        seen.append(event.what)
        if not isinstance(event, Approved):
            thing.record(Approved(what=event.what + "!"))

    bus = MessageBus({Happened: [approve]})
    with recording_events() as aggregates:
        thing.record(Happened(what="pedido"))
        bus.handle(None, lambda: pull_recorded(aggregates))
    assert seen == ["pedido", "pedido!"]


def test_a_handler_that_never_stops_recording_is_a_bug_said_loudly():
    thing = Thing()
    bus = MessageBus({Happened: [lambda e, uow: thing.record(Happened(what="again"))]})
    with recording_events() as aggregates:
        thing.record(Happened(what="start"))
        with pytest.raises(RuntimeError, match="still being recorded"):
            bus.handle(None, lambda: pull_recorded(aggregates))


def test_events_outside_a_unit_of_work_stay_on_the_aggregate_until_pulled():
    thing = Thing()
    thing.record(Happened(what="solto"))
    with recording_events() as aggregates:
        assert pull_recorded(aggregates) == []
    assert [e.what for e in thing.pull_events()] == ["solto"]


def test_an_aggregate_that_recorded_outside_a_unit_of_work_is_still_collected_inside_one():
    thing = Thing()
    thing.record(Happened(what="antes"))
    with recording_events() as aggregates:
        thing.record(Happened(what="dentro"))
        assert [e.what for e in pull_recorded(aggregates)] == ["antes", "dentro"]
