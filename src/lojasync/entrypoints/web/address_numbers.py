"""The whole numbers an address carries (ids in the path, counts and pages in the query), for the pages and the API."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError

# A minus sign is let through: the number's bounds then say what it must be ("a partir de 1"), where "-1" was told it
# was no whole number (review).
_DIGITS = re.compile(r"-?[0-9]+")


def _digits_only(value: Any) -> Any:
    # An address's numbers are text: pydantic's lax mode read "1_0" as 10 and "1.0", "+1", " 1" as 1 (review: POST
    # /sales/1.0/confirm confirmed sale 1, and /orders/0_1/simple-sale made one for order 1). A typo in a client's
    # URL template must not act on a document nobody named: digits alone, as the API bodies' numbers are strict.
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise PydanticCustomError("int_parsing", "digits only")
    return value


# A whole number in an address (path or query): ASCII digits only.
WholeNumber = Annotated[int, BeforeValidator(_digits_only)]
