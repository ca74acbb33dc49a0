"""An exchange with SEFAZ that Ctrl+C must not cut in half: once a document may be on its way, its answer is waited for
and recorded, as a stopped batch does (`fiscal.services.batch`), and the interruption said after the result.

Cut on the main thread, the HTTP wait ended with "Interrompido." and nothing recorded: an NF-e SEFAZ had authorised
stayed "aguardando SEFAZ", its stock and receivables unmoved, until someone asked again five minutes later (review)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

import typer

from lojasync.entrypoints.cli.context import INTERRUPTED, err_console

T = TypeVar("T")


def run_to_the_end(call: Callable[[], T], waiting: str, abandoned: str) -> tuple[T, bool]:
    """`call`'s result, and whether Ctrl+C was pressed meanwhile (the caller says the result, then exits 130).
    `waiting`: said at the first Ctrl+C; a second one stops the waiting (the work may go on no further: the process
    ends), with `abandoned` said and exit 130."""
    outcome: dict[str, object] = {}

    def work() -> None:
        try:
            outcome["result"] = call()
        except BaseException as exc:  # noqa: BLE001 - raised again on the caller's thread, whatever it is
            outcome["error"] = exc

    # A daemon: a second Ctrl+C ends the process without it (its transaction, not committed, is rolled back).
    thread = threading.Thread(target=work, name="lojasync-sefaz-exchange", daemon=True)
    thread.start()
    interrupted = False
    # Polled with sleeps, not `thread.join()`: a join cut by KeyboardInterrupt can leave `is_alive()` False while the
    # thread still runs (CPython 3.11), and the result was read before it existed.
    while "result" not in outcome and "error" not in outcome:
        try:
            time.sleep(0.05)
        except KeyboardInterrupt:
            if interrupted:
                err_console.print(f"[yellow]Interrompido:[/] {abandoned}", highlight=False,
                                  soft_wrap=not err_console.is_terminal)
                raise typer.Exit(INTERRUPTED) from None
            interrupted = True
            err_console.print(f"[yellow]Interrompido:[/] {waiting}", highlight=False,
                              soft_wrap=not err_console.is_terminal)
    if "error" in outcome:
        error = outcome["error"]
        if interrupted:   # the caller that says such an error as an outcome (a cancellation kept) still exits 130
            error.interrupted = True  # type: ignore[union-attr]
        raise error  # type: ignore[misc]
    return outcome["result"], interrupted  # type: ignore[return-value]
