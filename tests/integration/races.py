"""A use case run while an import of the same order sits inside its transaction (the order's new lines written,
not yet committed): what it sees once the import commits."""

from __future__ import annotations

import threading
from collections.abc import Callable

from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy


def errors_while_an_import_holds_the_order(app, store_id: int, payload: dict, action: Callable[[], object],
                                          policy: ImportPolicy | None = None) -> list[Exception]:
    """Start importing `payload` and hold it inside its transaction; run `action` in another thread (it waits for
    the import's lock on the order; on SQLite, for the write lock); then let the import commit. The errors
    `action` raised, in order."""
    importing, go = threading.Event(), threading.Event()
    errors: list[Exception] = []

    def hold(uow) -> None:
        importing.set()
        go.wait(10)

    def act() -> None:
        try:
            action()
        except Exception as exc:  # noqa: BLE001 - collected for the test to assert
            errors.append(exc)

    store = threading.Thread(target=import_orders, args=(app.uow(), store_id, [payload], policy or ImportPolicy()),
                             kwargs={"in_transaction": hold})
    store.start()
    assert importing.wait(10)
    acting = threading.Thread(target=act)
    acting.start()
    acting.join(timeout=1)   # it waits for the import's lock on the order
    go.set()
    store.join(timeout=30)
    acting.join(timeout=30)
    return errors


def race_while_held(app, monkeypatch, kind: type, first: Callable[[], object], second: Callable[[], object],
                    *, hold_first: bool = False, wait: float = 1.5) -> tuple[object, object]:
    """Run `first` in a thread and hold it in the handlers of its first `kind` event (before the usual handlers with
    `hold_first`, else after them: what they lock stays locked); run `second` meanwhile, give it `wait` seconds
    (past PostgreSQL's deadlock_timeout, 1 s: a cycle is found and broken by then), then let `first` go. Returns
    what each returned, or the exception it raised."""
    from lojasync.bootstrap import message_bus

    inside, release = threading.Event(), threading.Event()
    bus = message_bus(app.settings)
    handlers_for = bus.handlers_for

    def hold(event, uow) -> None:
        if threading.current_thread().name == "first" and not inside.is_set():
            inside.set()
            release.wait(10)

    def handlers(event_kind):
        usual = handlers_for(event_kind)
        if event_kind is not kind:
            return usual
        return [hold, *usual] if hold_first else [*usual, hold]

    monkeypatch.setattr(bus, "handlers_for", handlers)
    monkeypatch.setattr(app, "bus", bus)
    outcomes: dict[str, object] = {}

    def run(name: str, job: Callable[[], object]) -> None:
        try:
            outcomes[name] = job()
        except Exception as exc:  # noqa: BLE001 - returned for the test to assert
            outcomes[name] = exc

    held = threading.Thread(name="first", target=run, args=("first", first))
    held.start()
    assert inside.wait(10)
    meanwhile = threading.Thread(name="second", target=run, args=("second", second))
    meanwhile.start()
    meanwhile.join(timeout=wait)
    release.set()
    held.join(timeout=30)
    meanwhile.join(timeout=30)
    return outcomes["first"], outcomes["second"]
