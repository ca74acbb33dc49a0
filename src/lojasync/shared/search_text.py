"""Text as a search compares it: lower case, without accents, one space between words and one apostrophe, so
"João" and "joao", "Maria  da Silva" and "maria da silva", "D’Ávila" and "d'avila" are the same name."""

from __future__ import annotations

import unicodedata

# Joins the parts of a search column (a name and another name): no search text contains it, so a match
# never spans two parts.
SEPARATOR = "\x1f"
# The apostrophes a phone's keyboard or a copied name brings, as the one typed in a search box. Replaced before
# the accents go: the acute accent alone (U+00B4) decomposes into a space and an accent.
_APOSTROPHES = str.maketrans(dict.fromkeys("\u2019\u2018\u02bc\u00b4\u0060", "'"))


def fold(text: str | None) -> str:
    """`text` in lower case without accents, its words one space apart, its apostrophes "'" ("" for nothing): how
    names are searched and kept for search."""
    if not text:
        return ""
    if text.isascii():
        folded = text.translate(_APOSTROPHES).casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    # Customers type their own names at checkout: a double space is common, and a search typed with one missed it.
    # SEPARATOR is whitespace to `split` too ("\x1f".isspace()): it never stays in a folded text.
    return " ".join(folded.split())
