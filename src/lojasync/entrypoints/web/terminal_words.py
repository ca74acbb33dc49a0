"""What a page shows of a text written for every interface: without the terminal's command.

An order's attention reasons are written once, by the core, and stored: the terminal (`orders show`) and the pages
read the same words, so those words name both ways, "descarte a NF-e (lojasync invoices cancel 7, ou na página da
NF-e)" or "(Reprocessar; no terminal: lojasync orders resync 5)". No page tells its reader to run a command: a page
shows only its own way. Reasons stored by older versions are shown so too.
"""

from __future__ import annotations

import re

# "(lojasync invoices cancel 7 --reason MOTIVO, ou na página da NF-e: ...)" -> "(na página da NF-e: ...)"
_COMMAND_OR_PAGE = re.compile(r"\(lojasync [^(),]*, ou (na página [^()]*)\)")
# "(Reprocessar; no terminal: lojasync orders resync 5)" -> "(Reprocessar)"
_TERMINAL_ASIDE = re.compile(r"[;,] (?:ou )?no terminal[:,] lojasync [^()]*?(?=\))")
# "(Reprocessar, ou lojasync orders resync)" -> "(Reprocessar)"
_OR_COMMAND = re.compile(r",? ou lojasync [^(),]*?(?=\))")
# "(Transmitir, na página da NF-e; lojasync invoices approve 1)" -> "(Transmitir, na página da NF-e)"
_AFTER_SEMICOLON = re.compile(r"; lojasync [^()]*?(?=\))")
# "... de novo (lojasync company certificate ARQUIVO)." -> "... de novo."
_ALONE = re.compile(r" ?\(lojasync [^()]*\)")


def for_page(text: object) -> object:
    """`text` without the terminal's command where it stands beside the page's way; anything else as it is."""
    if not isinstance(text, str) or "lojasync " not in text:
        return text
    text = _COMMAND_OR_PAGE.sub(r"(\1)", text)
    text = _TERMINAL_ASIDE.sub("", text)
    text = _OR_COMMAND.sub("", text)
    text = _AFTER_SEMICOLON.sub("", text)
    return _ALONE.sub("", text)
