"""A command lojasync suggests, written as a shell and the command line read it back: what the person copies must
do what the message says."""

from __future__ import annotations

import shlex


def command_with(command: str, argument: str, options: str = "") -> str:
    """`command ARGUMENT options`, the argument quoted for the shell (a SKU may hold a space: "CAM P"). One that
    starts with "-" reads as an option even quoted (review: `products set -AZUL --ncm ...` failed, "No such option"),
    so it goes last, after `--`, which ends the options."""
    options = f" {options}" if options else ""
    if argument.startswith("-"):
        return f"{command}{options} -- {shlex.quote(argument)}"
    return f"{command} {shlex.quote(argument)}{options}"
