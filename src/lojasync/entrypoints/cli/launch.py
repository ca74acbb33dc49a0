"""The `lojasync` command's first step, light on purpose: the commands' modules take a second or more to import,
and a Ctrl+C in that second (a typo seen right after Enter) printed Python's traceback of the imports. Here it
ends as a Ctrl+C later in a command does: "Interrompido.", exit 130."""

from __future__ import annotations

import sys

INTERRUPTED = 130


def main() -> None:
    try:
        from lojasync.entrypoints.cli.app import main as run
    except KeyboardInterrupt:
        print("Interrompido.", file=sys.stderr)
        raise SystemExit(INTERRUPTED) from None
    run()
