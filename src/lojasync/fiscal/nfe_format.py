"""Values as the NF-e's XSD writes them: texts in its character range and size, decimals in its patterns.

The layout's text type (`TString`) takes Latin-1 characters only (`[!-ÿ]` at the ends, `[ -ÿ]` inside): no
line breaks, no tabs, no leading or trailing spaces, nothing beyond U+00FF. Stores send all of these (emoji
in a product name, a typographic dash in a street), so every text goes through `text()` on its way in.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal

# Typographic characters common in store data, and what a Latin-1 reader expects instead.
_REPLACEMENTS = str.maketrans({
    "\u2013": "-", "\u2014": "-", "\u2212": "-", "\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
    "\u2026": "...", "\u00a0": " ", "\u2022": "-", "\u00ad": "",
    # Letters with no decomposition to a Latin-1 base.
    "\u0141": "L", "\u0142": "l", "\u0152": "OE", "\u0153": "oe", "\u0110": "D", "\u0111": "d", "\u0131": "i",
})
_SPACES = re.compile(r"\s+")
_NOT_DIGIT = re.compile(r"\D")


def _latin1(char: str) -> str:
    """A character the layout accepts: itself, its unaccented base (ŝ -> s), or nothing (emoji)."""
    if " " <= char <= "~" or "\u00a0" < char <= "\u00ff":
        return char
    base = unicodedata.normalize("NFKD", char)
    return "".join(c for c in base if " " <= c <= "~" or "\u00a0" < c <= "\u00ff")


def text(value: str | None, max_length: int) -> str:
    """`value` cleaned for the XML: Latin-1, single spaces, trimmed, at most `max_length` characters."""
    if not value:
        return ""
    if value.isascii() and value.isprintable():
        # Most store data (ASCII, no control characters): nothing below applies but the spacing, and the checks
        # character by character cost more than the rest of the NF-e's texts (about 38 an NF-e).
        return _SPACES.sub(" ", value).strip()[:max_length].rstrip()
    return _cleaned(value, max_length)


def _cleaned(value: str, max_length: int) -> str:
    """`text()` of any value, character by character."""
    # Tabs and line breaks become spaces before anything outside the range is dropped.
    normal = _SPACES.sub(" ", unicodedata.normalize("NFC", value).translate(_REPLACEMENTS))
    if not normal.isascii():
        normal = "".join(_latin1(c) for c in normal)
    kept = "".join(c for c in normal if c >= " " and not "\x7f" <= c <= "\x9f")
    return _SPACES.sub(" ", kept).strip()[:max_length].rstrip()


def optional_text(value: str | None, max_length: int) -> str | None:
    """`text()`, or None when nothing is left (an optional tag is then left out, never written empty)."""
    return text(value, max_length) or None


def optional_email(value: str | None, max_length: int = 60) -> str | None:
    """An e-mail the tag can hold as written, or None (the tag is optional): cut to its length, or with a character
    the layout does not take changed or dropped, it would name a mailbox that does not exist, and the DANFE and
    SEFAZ's copy would carry it."""
    written = (value or "").strip()
    return written if written and len(written) <= max_length and text(written, max_length) == written else None


def digits(value: str | None) -> str:
    return _NOT_DIGIT.sub("", value or "")


def document(value: str | None) -> str:
    """A CPF or CNPJ as the NF-e writes it: digits and capital letters (the alphanumeric CNPJ) only."""
    return re.sub(r"[^0-9A-Z]", "", (value or "").upper())


def money(value: Decimal) -> str:
    """An amount with two decimals (TDec_1302): '1234.50'."""
    return f"{value:.2f}"


def rate(value: Decimal) -> str:
    """A percentage with four decimals (TDec_0302a04): '18.0000'."""
    return f"{value:.4f}"


def quantity(value: Decimal) -> str:
    """qCom/qTrib with four decimals (TDec_1104v)."""
    return f"{value:.4f}"


def unit_price(value: Decimal) -> str:
    """vUnCom/vUnTrib: two to ten decimals (TDec_1110v), as many as the price has."""
    exact = f"{value.quantize(Decimal('1e-10')):.10f}".rstrip("0")
    whole, _, fraction = exact.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def justification_length(reason: str, longest: int) -> tuple[int, str]:
    """How many characters of `reason` SEFAZ would get (cleaned as `text` cleans it), and the words that say
    why when that differs from what was typed: emoji and other characters outside the NF-e's text are dropped
    ("tem 0" for sixteen emoji reads as a bug otherwise); an ellipsis (…, what phones type for "...") becomes three
    dots, an Œ two letters, which matters only past `longest` (review: 255 typed with a "…" was refused as 257
    "emojis ... não contam")."""
    kept = text(reason, 100_000)
    typed = len(" ".join(reason.split()))
    if len(kept) < typed:
        return len(kept), " que a NF-e aceita: emojis e símbolos fora do padrão da SEFAZ não contam"
    if len(kept) > max(typed, longest):
        return len(kept), (" na NF-e, onde as reticências (…) viram três pontos e letras como Œ viram duas; "
                           "escreva menos ou troque-as")
    return len(kept), ""


def drops_characters(value: str) -> bool:
    """Whether `text()` would drop any of `value`'s characters (emoji, other alphabets, invisible ones), rather than
    only write them as the layout does (an accent typed apart joined to its letter, a typographic dash as "-")."""
    for char in unicodedata.normalize("NFC", value).translate(_REPLACEMENTS):
        if char.isspace() or " " <= char <= "~" or "\u00a0" < char <= "\u00ff":
            continue
        if not _latin1(char):
            return True
    return False


def date_time(value: datetime) -> str:
    """TDateTimeUTC: 2026-10-05T14:30:00-03:00 (seconds, the UTC offset; never naive, never microseconds)."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("a data e hora da NF-e precisa do fuso horário (ex.: -03:00)")
    return value.replace(microsecond=0).isoformat()
