"""The `lojasync` command's first step, light on purpose: the commands' modules take a second or more to import,
and a Ctrl+C in that second (a typo seen right after Enter) printed Python's traceback of the imports. Here it
ends as a Ctrl+C later in a command does: "Interrompido.", exit 130."""

from __future__ import annotations

import os
import sys

INTERRUPTED = 130


def main() -> None:
    try:
        from lojasync.entrypoints.cli.app import main as run
    except KeyboardInterrupt:
        print("Interrompido.", file=sys.stderr, flush=True)
        # os._exit, not SystemExit: when the Ctrl+C lands inside code an imported module runs through CPython's
        # PyRun_* (exec of a string, as namedtuple() and @dataclass do), the interpreter marks it "unhandled" even
        # though it is caught here, and at exit kills itself with SIGINT (-2, which a shell or a supervisor reads as
        # a crash). Nothing is open yet (no database, no file), so there is nothing to finalise.
        sys.stdout.flush()
        os._exit(INTERRUPTED)
    run()
