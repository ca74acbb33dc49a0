"""What a page's path accepts: an id the databases can hold (32 bits); a larger one or "²" is the pt-BR 422
page, never a database overflow (a 500)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from lojasync.shared.numbers import LARGEST_ID

PageId = Annotated[int, Path(ge=1, le=LARGEST_ID)]
