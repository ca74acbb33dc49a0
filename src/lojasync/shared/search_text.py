"""Text as a search compares it: lower case, without accents, so "João" and "joao" are the same name."""

from __future__ import annotations

import unicodedata

# Joins the parts of a search column (a name and another name): no search text contains it, so a match
# never spans two parts.
SEPARATOR = "\x1f"


def fold(text: str | None) -> str:
    """`text` in lower case without accents ("" for nothing): how names are searched and kept for search."""
    if not text:
        return ""
    if text.isascii():
        folded = text.casefold()
    else:
        decomposed = unicodedata.normalize("NFKD", text)
        folded = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return folded.replace(SEPARATOR, " ") if SEPARATOR in folded else folded
