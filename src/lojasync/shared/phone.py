"""Brazilian phone numbers as people read them: "(11) 98765-4321" (mobile) or "(11) 3456-7890" (landline).

Stores send phones as typed: digits only, "+55" or the long-distance "0" (and a carrier's code) in front,
punctuated. Only the display changes; records and JSON
keep what was stored, and the NF-e takes the national digits (DDD and number, without "55"). A value that is not a
Brazilian number of 10 or 11 digits (a foreign number, an extension, words) is shown as given: a wrong mask would
mislead more than none.
"""

from __future__ import annotations

import re

# The area codes (DDD) in use: a 10 or 11-digit number starting with anything else is not Brazilian.
AREA_CODES = frozenset({
    11, 12, 13, 14, 15, 16, 17, 18, 19, 21, 22, 24, 27, 28, 31, 32, 33, 34, 35, 37, 38, 41, 42, 43, 44, 45, 46, 47,
    48, 49, 51, 53, 54, 55, 61, 62, 63, 64, 65, 66, 67, 68, 69, 71, 73, 74, 75, 77, 79, 81, 82, 83, 84, 85, 86, 87,
    88, 89, 91, 92, 93, 94, 95, 96, 97, 98, 99})
# Only digits and the punctuation people put in phones: "11 98765-4321 ramal 2" is left alone.
_PHONE_TEXT = re.compile(r"[\d\s().\-+]+")


def national_digits(value: str) -> str | None:
    """The 10 or 11 digits (DDD and number) of a Brazilian phone, with "+55"/"55" in front or not; None when the
    value is not one."""
    text = value.strip()
    if not text or not _PHONE_TEXT.fullmatch(text) or text.count("+") > 1 or "+" in text.lstrip("+"):
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if not digits.startswith("55"):
            return None        # another country's number
        digits = digits[2:]
    elif len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]    # the country code without "+": a national number has at most 11 digits
    elif digits.startswith("0") and len(digits) in (11, 12):
        digits = digits[1:]    # the long-distance prefix, as many still type it: "(011) 98765-4321"
    elif digits.startswith("0") and len(digits) in (13, 14):
        digits = digits[3:]    # the prefix and a carrier's code: "0 21 11 98765-4321"
    if len(digits) not in (10, 11) or int(digits[:2]) not in AREA_CODES:
        return None
    # Mobiles have 9 digits starting with 9; landlines 8 starting with 2 to 5 (6 to 9: mobiles before the 9th).
    if (len(digits) == 11 and digits[2] != "9") or (len(digits) == 10 and digits[2] in "01"):
        return None
    return digits


def format_phone(value: str) -> str:
    """`(11) 98765-4321` / `(11) 3456-7890`; anything else as given."""
    digits = national_digits(value)
    if digits is None:
        return value
    return f"({digits[:2]}) {digits[2:-4]}-{digits[-4:]}"
