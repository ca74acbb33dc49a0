"""Text as a search compares it: lower case, without accents, so "João" and "joao" are the same name."""

from __future__ import annotations

import unicodedata


def fold(text: str | None) -> str:
    """`text` in lower case without accents ("" for nothing): how names are searched and kept for search."""
    if not text:
        return ""
    if text.isascii():
        return text.casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
