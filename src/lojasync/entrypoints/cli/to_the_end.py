"""An exchange with SEFAZ that Ctrl+C must not cut in half: once a document may be on its way, its answer is waited for
and recorded, as a stopped batch does (`fiscal.services.batch`), and the interruption said after the result.

Cut on the main thread, the HTTP wait ended with "Interrompido." and nothing recorded: an NF-e SEFAZ had authorised
stayed "aguardando SEFAZ", its stock and receivables unmoved, until someone asked again five minutes later (review).
Before that point (the commit that marks the send), Ctrl+C stops the command and nothing goes: the service calls the
gate's `passing` just before that commit, and raising there rolls its transaction back (the last notes: the first
Ctrl+C went on to send an NF-e the person meant to stop)."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from typing import TypeVar

import typer

from lojasync.entrypoints.cli.context import INTERRUPTED, err_console

T = TypeVar("T")


class StoppedBeforeSending(Exception):
    """Raised on the work's thread at its last chance, the person having pressed Ctrl+C before it: nothing was sent."""


class _Gate:
    """Whether the work passed its point of no return, or was stopped before it: one or the other, under a lock, so
    that what the terminal says at Ctrl+C is what the work then does."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = self._passed = False

    def passing(self) -> None:
        """On the work's thread, just before the commit after which the document goes to SEFAZ."""
        with self._lock:
            if self._stopped:
                raise StoppedBeforeSending()
            self._passed = True

    def stop(self) -> bool:
        """On the main thread, at Ctrl+C: True when the work had not passed its point (and now never will)."""
        with self._lock:
            if not self._passed:
                self._stopped = True
            return self._stopped


def run_to_the_end(call: Callable[[Callable[[], None]], T], waiting: str, abandoned: str | Callable[[], str],
                   unsent: str) -> tuple[T, bool]:
    """`call(last_chance)`'s result, and whether Ctrl+C was pressed meanwhile (the caller says the result, then exits
    130). `call` hands `last_chance` to the service, which calls it just before the commit after which the document
    goes. The first Ctrl+C before that stops the command with `unsent` said (exit 130); after it, `waiting` is said
    and the answer waited for; a second Ctrl+C stops the waiting (the work may go on no further: the process ends),
    with `abandoned` said and exit 130 (a function giving the words then: what it leaves to a worker says whether one
    is running)."""
    outcome: dict[str, object] = {}
    gate = _Gate()

    def work() -> None:
        try:
            outcome["result"] = call(gate.passing)
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread, whatever it is
            outcome["error"] = exc

    # A daemon: a second Ctrl+C ends the process without it (its transaction, not committed, is rolled back).
    thread = threading.Thread(target=work, name="lojasync-sefaz-exchange", daemon=True)
    presses: list[int] = []
    # Ctrl+C counted by a handler, not caught as KeyboardInterrupt: one landing outside the `try` around the wait (as
    # the thread starts, in the loop's test, while a message was printed) escaped it, said a bare "Interrompido." and
    # left the work going on to send (review of this change).
    installed, previous = _count_presses(presses)
    try:
        thread.start()
        said = 0
        while "result" not in outcome and "error" not in outcome:
            time.sleep(0.05)
            while said < len(presses):
                said += 1
                if said > 1:
                    _say(abandoned if isinstance(abandoned, str) else abandoned())
                    raise typer.Exit(INTERRUPTED)
                if gate.stop():
                    # Its transaction never commits: the process may end without it (rolled back).
                    _say(unsent)
                    raise typer.Exit(INTERRUPTED)
                _say(waiting)
    finally:
        if installed:
            signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)
    interrupted = bool(presses)
    if "error" in outcome:
        error = outcome["error"]
        if interrupted:   # the caller that says such an error as an outcome (a cancellation kept) still exits 130
            error.interrupted = True  # type: ignore[union-attr]
        raise error  # type: ignore[misc]
    return outcome["result"], interrupted  # type: ignore[return-value]


def _count_presses(presses: list[int]) -> tuple[bool, object]:
    """SIGINT appended to `presses` until the previous handler (returned) is put back; (False, None) off the main
    thread, where no handler can be set (Ctrl+C then ends the process as Python's default does), and when SIGINT is
    ignored (a command a script started in the background: review, it stopped on a Ctrl+C it was told to ignore)."""
    try:
        if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
            return False, None
        return True, signal.signal(signal.SIGINT, lambda signum, _frame: presses.append(signum))
    except ValueError:
        return False, None


def _say(words: str) -> None:
    err_console.print(f"[yellow]Interrompido:[/] {words}", highlight=False, soft_wrap=not err_console.is_terminal)
