"""What a page's path accepts: an id the databases can hold (32 bits); a larger one or "²" is the pt-BR 422
page, never a database overflow (a 500). And how a form's whole number is read."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Path

from lojasync.entrypoints.web.address_numbers import WholeNumber
from lojasync.shared.numbers import LARGEST_ID

PageId = Annotated[WholeNumber, Path(ge=1, le=LARGEST_ID)]


# 1200 or 1.200 (pt-BR thousands), signed or not; 1.5, 1,5, 1_000 or ² are not whole numbers.
_WHOLE_NUMBER = re.compile(r"-?(?:[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)")


def whole_number(typed: str) -> int:
    """The whole number a person typed in a form. ValueError otherwise: reading "1.5" as 15 (dropping the
    dot as a thousands separator) would record ten times what was meant."""
    text = typed.strip()
    if not _WHOLE_NUMBER.fullmatch(text):
        raise ValueError(typed)
    return int(text.replace(".", ""))
