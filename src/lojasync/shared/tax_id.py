"""CPF/CNPJ (TaxId): the Brazilian document that identifies a customer, normalised and validated.

A store sends it raw or formatted (dots, slash, dash), possibly empty or wrong. The normal form keeps
digits and capital letters only, because the alphanumeric CNPJ (valid from July 2026) has letters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from validate_docbr import CNPJ, CPF

_CPF = CPF()
_CNPJ = CNPJ()
_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
# Stores sometimes keep the label in the field: "CPF: 529.982.247-25".
_LABEL = re.compile(r"^\s*(CPF|CNPJ)(\s*/\s*(CPF|CNPJ))?\s*[:\-nº.]*\s*", re.IGNORECASE)


class TaxIdKind(StrEnum):
    CPF = "CPF"
    CNPJ = "CNPJ"


@dataclass(frozen=True)
class TaxId:
    value: str
    kind: TaxIdKind

    def formatted(self) -> str:
        v = self.value
        if self.kind is TaxIdKind.CPF:
            return f"{v[:3]}.{v[3:6]}.{v[6:9]}-{v[9:]}"
        return f"{v[:2]}.{v[2:5]}.{v[5:8]}/{v[8:12]}-{v[12:]}"

    def masked(self) -> str:
        """Show only the last characters: logs must not carry whole documents (LGPD)."""
        return "*" * (len(self.value) - 4) + self.value[-4:]


@dataclass(frozen=True)
class TaxIdProblem:
    """Why a store document cannot identify a customer, in words the operator can act on."""

    reason: str


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
    if not value:
        return TaxIdProblem("cliente sem CPF/CNPJ na loja")
    shown = text[:40]
    if len(value) == 11 and value.isdigit():
        if _CPF.validate(value):
            return TaxId(value, TaxIdKind.CPF)
        return TaxIdProblem(f"CPF inválido: {shown}")
    if len(value) == 14 and value[12:].isdigit():
        if _CNPJ.validate(value):
            return TaxId(value, TaxIdKind.CNPJ)
        return TaxIdProblem(f"CNPJ inválido: {shown}")
    return TaxIdProblem(f"documento não é CPF nem CNPJ: {shown}")


CUSTOMER_PROBLEM_RESOLUTION = (
    "Cadastre o CPF/CNPJ do cliente na loja (o pedido será vinculado na próxima atualização) "
    "ou vincule um cliente manualmente."
)
