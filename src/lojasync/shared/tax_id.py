"""CPF/CNPJ (TaxId): the Brazilian document that identifies a customer, normalised and validated.

A store sends it raw or formatted (dots, slash, dash), possibly empty or wrong. The normal form keeps
digits and capital letters only, because the alphanumeric CNPJ (valid from July 2026) has letters.
The mod-11 check digits live here once: the simulator and the tests generate documents with them,
and the NF-e access key uses the same rule.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from validate_docbr import CNPJ, CPF

_CPF = CPF()
_CNPJ = CNPJ()
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
# Stores sometimes keep the label in the field: "CPF: 529.982.247-25".
_GLUED_LABEL = re.compile(r"(?:CPF|CNPJ)(?=[0-9A-Z])")
# The labels at the start, each followed by a separator or the end ("CPF: ", "CPF/CNPJ ", "CNPJ nº ", ": CPF"): a
# label glued to what follows is kept, as an alphanumeric CNPJ may begin with those letters ("CPF12345000131").
# Normalising twice gives the same value: what is left begins with no separated label.
_SEPARATORS = r"(?:[^0-9A-Z]|N[º°O]?\.?(?![0-9A-Z]))*"
_LABEL = re.compile(rf"^[^0-9A-Z]*(?:(?:CPF|CNPJ)(?![0-9A-Z]){_SEPARATORS})+", re.IGNORECASE)

CNPJ_WEIGHTS_1 = (5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)
CNPJ_WEIGHTS_2 = (6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2)


def mod11_digit(values: Sequence[int], weights: Sequence[int]) -> int:
    """The mod-11 check digit of CPF, CNPJ and the NF-e access key: 0 when the remainder is 0 or 1."""
    remainder = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return 0 if remainder < 2 else 11 - remainder


def cpf_check_digits(base9: str) -> str:
    """The two check digits of a CPF from its first nine digits."""
    digits = [int(c) for c in base9]
    first = mod11_digit(digits, range(10, 1, -1))
    return f"{first}{mod11_digit([*digits, first], range(11, 1, -1))}"


def cnpj_check_digits(base12: str) -> str:
    """The two check digits of a CNPJ from its first twelve characters.

    Each character counts as its code minus 48, so digits keep their value and the letters of the
    alphanumeric CNPJ count from 17 ('A') on.
    """
    values = [ord(c) - 48 for c in base12.upper()]
    first = mod11_digit(values, CNPJ_WEIGHTS_1)
    return f"{first}{mod11_digit([*values, first], CNPJ_WEIGHTS_2)}"


def format_cpf(value: str) -> str:
    return f"{value[:3]}.{value[3:6]}.{value[6:9]}-{value[9:]}"


def format_cnpj(value: str) -> str:
    return f"{value[:2]}.{value[2:5]}.{value[5:8]}/{value[8:12]}-{value[12:]}"


class TaxIdKind(StrEnum):
    CPF = "CPF"
    CNPJ = "CNPJ"


@dataclass(frozen=True)
class TaxId:
    value: str
    kind: TaxIdKind

    def formatted(self) -> str:
        return format_cpf(self.value) if self.kind is TaxIdKind.CPF else format_cnpj(self.value)

    def masked(self) -> str:
        """Show only the last characters: logs must not carry whole documents (LGPD)."""
        return "*" * (len(self.value) - 4) + self.value[-4:]


class TaxIdProblemCode(StrEnum):
    """Why a store document cannot identify a customer (stable codes; the text is built from them)."""

    MISSING = "missing"
    INVALID_CPF = "invalid_cpf"
    INVALID_CNPJ = "invalid_cnpj"
    NOT_A_DOCUMENT = "not_a_document"
    ERASED = "erased"  # the customer asked for erasure (LGPD): no document is kept on purpose
    # The store asked (Nuvemshop's store/redact: every buyer's data of the store), not the customer: no document is
    # kept on purpose either. The order keeps the reason's words (a text column): no migration for a new member.
    ERASED_BY_STORE = "erased_by_store"

    @property
    def label(self) -> str:
        return _PROBLEM_LABELS[self]


_PROBLEM_LABELS = {
    TaxIdProblemCode.MISSING: "cliente sem CPF/CNPJ na loja",
    TaxIdProblemCode.INVALID_CPF: "CPF inválido",
    TaxIdProblemCode.INVALID_CNPJ: "CNPJ inválido",
    TaxIdProblemCode.NOT_A_DOCUMENT: "documento não é CPF nem CNPJ",
    TaxIdProblemCode.ERASED: "dados pessoais anonimizados a pedido do cliente (LGPD)",
    TaxIdProblemCode.ERASED_BY_STORE: "dados pessoais removidos a pedido da loja (LGPD)",
}
# The problems that say the buyer's data were erased on purpose, by whoever asked.
ERASURES = frozenset({TaxIdProblemCode.ERASED, TaxIdProblemCode.ERASED_BY_STORE})


@dataclass(frozen=True)
class TaxIdProblem:
    """Why a store document cannot identify a customer, and the text as the store sent it."""

    code: TaxIdProblemCode
    shown: str | None = None

    @property
    def reason(self) -> str:
        """In words the operator can act on: "CPF inválido: 123.456.789-00"."""
        return f"{self.code.label}: {self.shown}" if self.shown else self.code.label


def normalize_tax_id(raw: object) -> str:
    """Keep digits and capital letters only ('123.456.789-09' -> '12345678909')."""
    if raw is None or isinstance(raw, bool):
        return ""
    if isinstance(raw, int):
        # A document sent as a JSON number lost its leading zeros.
        text = str(abs(raw))
        return text.zfill(11) if len(text) <= 11 else text.zfill(14)
    return _NOT_ALNUM.sub("", _LABEL.sub("", str(raw).strip()).upper())


def parse_tax_id(raw: object) -> TaxId | TaxIdProblem:
    """Return a valid CPF/CNPJ, or the reason (in Portuguese) why there is none."""
    text = "" if raw is None else str(raw).strip()
    value = normalize_tax_id(raw)
    found = _parsed(text, value)
    glued = _GLUED_LABEL.match(value) if isinstance(found, TaxIdProblem) else None
    if glued:
        # A label glued to the document ("CPF52998224725") is kept by normalising (an alphanumeric CNPJ may begin
        # with those letters): when the whole is no document, the rest is read.
        rest = _parsed(text, value[glued.end():])
        if isinstance(rest, TaxId):
            return rest
    return found


# Pure (the result is frozen): every NF-e reads the company's CNPJ and the recipient's document again.
@functools.lru_cache(maxsize=4096)
def _parsed(text: str, value: str) -> TaxId | TaxIdProblem:
    if not value:
        return TaxIdProblem(TaxIdProblemCode.MISSING)
    shown = text[:40]
    if len(value) == 11 and value.isdigit():
        if _CPF.validate(value):
            return TaxId(value, TaxIdKind.CPF)
        return TaxIdProblem(TaxIdProblemCode.INVALID_CPF, shown)
    if len(value) == 14 and value[12:].isdigit():
        if _CNPJ.validate(value):
            return TaxId(value, TaxIdKind.CNPJ)
        return TaxIdProblem(TaxIdProblemCode.INVALID_CNPJ, shown)
    return TaxIdProblem(TaxIdProblemCode.NOT_A_DOCUMENT, shown)


CUSTOMER_PROBLEM_RESOLUTION = (
    "Cadastre o CPF/CNPJ do cliente na loja (o pedido será vinculado na próxima atualização) "
    "ou vincule um cliente manualmente."
)
