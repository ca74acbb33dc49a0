"""A unit of work held inside one of its transactions, for races: another thread acts while it holds its locks."""

from __future__ import annotations

import threading


class HeldCommit:
    """A unit of work whose `nth` commit waits for `go`, after saying `holding`: what the transaction locked
    stays locked meanwhile (on SQLite, the database's write lock)."""

    def __init__(self, uow, nth: int = 1) -> None:
        self._uow, self._nth, self._commits = uow, nth, 0
        self.holding, self.go = threading.Event(), threading.Event()

    def __getattr__(self, name):
        return getattr(self._uow, name)

    def __enter__(self):
        self._uow.__enter__()
        return self

    def __exit__(self, *exc_info):
        return self._uow.__exit__(*exc_info)

    def commit(self) -> None:
        self._commits += 1
        if self._commits == self._nth:
            self.holding.set()
            self.go.wait(10)
        self._uow.commit()
