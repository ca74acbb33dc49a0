"""The queue (Redis, or SQLite) out of reach: said once, in Portuguese, retried with backoff, given up on
after a bounded time, instead of a traceback from every worker thread at every poll."""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable

from huey.api import Huey

from lojasync.shared.os_words import in_portuguese

log = logging.getLogger("lojasync.worker")

# What huey's consumer threads log when the queue does not answer.
_QUEUE_ERRORS = ("Error reading from queue", "Error reading schedule.", "Error enqueueing")
_HUEY_LOGGERS = ("huey.consumer.Worker", "huey.consumer.Scheduler")


def queue_problem(huey: Huey) -> str | None:
    """Why the queue cannot be read now (one short phrase), or None when it answers."""
    try:
        huey.pending_count()
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable now"; its kind is reported
        return queue_words(exc)
    return None


# What SQLite says of the queue's file, as the queue's (the database's own words, in db.unit_of_work, speak of the
# database and its backups).
_SQLITE_QUEUE_WORDS = (("database or disk is full", "disco cheio"),
                       ("readonly database", "o arquivo da fila está somente para leitura"),
                       ("disk I/O error", "erro de leitura ou gravação no disco"),
                       ("malformed", "o arquivo da fila está corrompido"),
                       ("not a database", "o arquivo da fila está corrompido"),
                       ("unable to open", "não foi possível abrir o arquivo da fila"))


def queue_words(exc: BaseException) -> str:
    """A queue failure in Portuguese: the Redis driver's and SQLite's messages are in English (review: the warning
    quoted "Error 111 connecting to 127.0.0.1:1. Connection refused."); the kind stays, to be looked up."""
    kind = type(exc).__name__
    module = type(exc).__module__.split(".")[0]
    if module == "redis":
        from redis import exceptions

        if isinstance(exc, exceptions.AuthenticationError):
            words = "o Redis recusou a senha (confira LOJASYNC_REDIS_URL)"
        elif isinstance(exc, exceptions.TimeoutError):
            words = "o Redis não respondeu a tempo"
        elif isinstance(exc, exceptions.ConnectionError):
            cause = exc.__cause__ or exc.__context__
            words = ("não foi possível conectar ao Redis"
                     + (f": {in_portuguese(cause)}" if isinstance(cause, OSError) else ""))
        elif isinstance(exc, exceptions.InvalidResponse):
            words = "o que respondeu nesse endereço não é um Redis"
        else:
            words = "o Redis recusou o pedido"
        return f"{words}; {kind}"
    if isinstance(exc, sqlite3.Error):
        text = str(exc)
        words = next((w for needle, w in _SQLITE_QUEUE_WORDS if needle in text), "o arquivo da fila não pôde ser lido")
        return f"{words}; {kind}"
    if isinstance(exc, OSError):
        return f"{in_portuguese(exc)}; {kind}"
    return f"erro inesperado; {kind}"


def wait_for_queue(huey: Huey, where: str, give_up_seconds: float, say: Callable[[str], None],
                   sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic) -> bool:
    """Wait until the queue answers, with growing pauses; False after `give_up_seconds` without an answer."""
    problem = queue_problem(huey)
    if problem is None:
        return True
    say(f"Fila inacessível em {where} ({problem}): tentando de novo por até {give_up_seconds:.0f} s.")
    deadline, delay = clock() + give_up_seconds, 1.0
    while clock() < deadline:
        sleep(min(delay, max(0.0, deadline - clock())))
        delay = min(delay * 2, 30.0)
        if queue_problem(huey) is None:
            say("Fila acessível de novo.")
            return True
    return False


class QueueOutage(logging.Filter):
    """Attached to huey's consumer loggers while a worker runs: the first queue error of an outage becomes one
    line without a traceback, the next ones are silent; a watcher thread notices the queue back (one line)
    or, after `give_up_seconds` (None: never), calls `give_up` (the worker stops and says so)."""

    def __init__(self, huey: Huey, where: str, give_up_seconds: float | None, give_up: Callable[[], None],
                 check_every: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.huey, self.where, self.give_up_seconds, self._give_up = huey, where, give_up_seconds, give_up
        self.check_every, self.clock = check_every, clock
        self.since: float | None = None
        self.gave_up = False
        self._lock = threading.Lock()
        self._stop = threading.Event()

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_QUEUE_ERRORS):
            return True
        with self._lock:
            first = self.since is None
            if first:
                self.since = self.clock()
        if not first:
            return False
        error = record.exc_info[1] if record.exc_info else None
        limit = "" if self.give_up_seconds is None else f"; desistem após {self.give_up_seconds:.0f} s"
        record.msg = (f"Fila inacessível em {self.where} ({queue_words(error) if error else 'erro'}): os workers "
                      f"tentam de novo com espera crescente{limit}.")
        record.args, record.exc_info, record.exc_text, record.levelno, record.levelname = (
            None, None, None, logging.WARNING, "WARNING")
        return True

    def already_reported(self) -> None:
        """The outage was said before the consumer started: stay quiet until the queue is back."""
        with self._lock:
            self.since = self.clock()

    def install(self) -> None:
        for name in _HUEY_LOGGERS:
            logging.getLogger(name).addFilter(self)
        threading.Thread(target=self._watch, name="lojasync-queue-watch", daemon=True).start()

    def uninstall(self) -> None:
        self._stop.set()
        for name in _HUEY_LOGGERS:
            logging.getLogger(name).removeFilter(self)

    def _watch(self) -> None:
        while not self._stop.wait(self.check_every):
            with self._lock:
                since = self.since
            if since is None:
                continue
            if queue_problem(self.huey) is None:
                with self._lock:
                    self.since = None
                log.warning("Fila acessível de novo: os workers voltaram a trabalhar.")
            elif self.give_up_seconds is not None and self.clock() - since > self.give_up_seconds:
                self.gave_up = True
                self._give_up()
                return
