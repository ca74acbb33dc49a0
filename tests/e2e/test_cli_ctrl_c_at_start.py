"""Ctrl+C in the second the `lojasync` command spends importing itself, before any command runs."""

from __future__ import annotations

import signal
import subprocess
import sys
import time


def test_ctrl_c_while_the_command_starts_says_interrupted_without_a_traceback():
    """Terminal journey: a Ctrl+C right after Enter (a typo seen on the screen) printed Python's traceback of the
    imports and no word of lojasync's; 130, "Interrompido.", as a Ctrl+C later in the command does."""
    started = subprocess.Popen([sys.executable, "-m", "lojasync", "--version"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    time.sleep(0.3)   # the interpreter is up (its handler installed) and the imports take well over a second
    started.send_signal(signal.SIGINT)
    said, _ = started.communicate(timeout=60)
    assert "Traceback" not in said and "KeyboardInterrupt" not in said, said
    assert started.returncode == 130, said
    assert said.strip() == "Interrompido.", said
