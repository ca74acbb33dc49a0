"""What the API's JSON is made of: money as a string with two decimals ("123.45": exact, never a float), moments
in UTC, the error body, and the ids a path accepts (the databases keep them in 32 bits: a larger one is a 422,
not a database error)."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Any

from fastapi import Path
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema, model_validator
from pydantic_core import PydanticCustomError

from lojasync.entrypoints.web.address_numbers import WholeNumber
from lojasync.shared.money import CENT
from lojasync.shared.numbers import LARGEST_ID
from lojasync.shared.text import clean_tree


def _money_text(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


Money = Annotated[
    Decimal,
    PlainSerializer(_money_text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": r"^-?\d+\.\d{2}$", "examples": ["123.45"]}),
]

Id = Annotated[WholeNumber, Path(ge=1, le=LARGEST_ID, description="Número (id) no ERP.")]

_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _day_as_text(value: Any) -> Any:
    # Only the day as the description says (AAAA-MM-DD): pydantic reads a number, or digits as text, as a Unix time
    # ("1796083200" was a receipt on 01/12/2026, "0" a filter from 01/01/1970) and a moment as its day (review).
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        raise PydanticCustomError("date_type", "a day as text")
    return value


# A day in a body or a query: the text AAAA-MM-DD alone.
IsoDay = Annotated[date, BeforeValidator(_day_as_text)]

# Lists cut by limit/offset answer a bare JSON list (as they always did); how many there are in all goes in
# this header, so a program knows when to stop without asking for an empty page.
TOTAL_HEADER = "X-Total-Count"
WITH_TOTAL = {200: {"headers": {TOTAL_HEADER: {
    "description": "Quantos há no total (com o filtro de situação), para paginar com offset e limit.",
    "schema": {"type": "integer"}}}}}


class ApiModel(BaseModel):
    """A response body: built from the services' dicts and views, extra keys ignored."""

    model_config = ConfigDict(from_attributes=True, extra="ignore")

    @model_validator(mode="after")
    def _moments_in_utc(self) -> ApiModel:
        """Every moment in UTC ("...Z"), whichever clock gave it: the document a call has just changed carries the
        Brasília time it was stamped with, the same document read back the database's UTC; a client comparing
        the two as text would see two moments (the CLI's JSON does the same, `output._json_value`)."""
        for name, value in self.__dict__.items():
            if isinstance(value, datetime):
                moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
                setattr(self, name, moment.astimezone(timezone.utc))
        return self


class ApiInput(BaseModel):
    """A request body: a field it does not know is refused (422 naming it), never dropped. A typo must not
    change what a call does: {"aprove": false} read as no field at all would transmit the NF-e. Numbers and
    true/false fields are declared strict (`strict=True`): {"quantity": true} is not a count of 1, nor
    {"approve": "no"} a yes (pydantic's lax mode took both)."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _clean_text(cls, data: Any) -> Any:
        """No NUL character nor lone surrogate reaches a use case from a body (PostgreSQL refuses a NUL; SQLite
        would keep it): dropped here for every field, as the import does for the store's payloads."""
        return clean_tree(data)[0] if isinstance(data, dict) else data


class ApiErrorBody(BaseModel):
    erro: str
    codigo: str
    resolucao: str
    na_api: str | None = Field(None, description="A chamada da API que resolve, quando há uma (ex.: POST "
                               "/api/v1/invoices/7/approve); ausente (ou nula, num item de lote) quando a solução "
                               "é fora da API.")
    problemas: list[str] | None = Field(None, description="Cada pendência, em lista (NF-e que não pode ser "
                                        "gerada: cliente, endereço, NCM...); ausente (ou nula, num item de lote) "
                                        "nos outros erros.")
