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
