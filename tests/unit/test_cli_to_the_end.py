"""`run_to_the_end`'s handling of Ctrl+C itself (the commands' behaviour is tests/e2e's)."""

from __future__ import annotations

import signal
import time

from lojasync.entrypoints.cli.to_the_end import run_to_the_end


def test_a_ctrl_c_the_process_was_told_to_ignore_is_still_ignored():
    """review: a command a script started in the background (SIGINT ignored) stopped on a Ctrl+C, said "nada foi
    enviado" and exited 130, once the presses were counted by a handler of its own."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        def call(last_chance):
            signal.raise_signal(signal.SIGINT)
            time.sleep(0.2)   # the main thread's polling would have seen a press by now
            last_chance()
            return "sent"

        assert run_to_the_end(call, "esperando", "abandonado", "nada enviado") == ("sent", False)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_the_handler_it_replaced_is_back_afterwards():
    before = signal.getsignal(signal.SIGINT)
    assert run_to_the_end(lambda last_chance: last_chance() or 7, "esperando", "abandonado", "nada") == (7, False)
    assert signal.getsignal(signal.SIGINT) is before
