"""Seeded CPF/CNPJ generation (numeric and alphanumeric CNPJ) and the store's document mix.

Check digits and masks come from lojasync.shared.tax_id: the project keeps one mod-11 implementation.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from lojasync.shared.tax_id import (
    cnpj_check_digits,
    cpf_check_digits,
    format_cnpj,
    format_cpf,
)

ALNUM = string.digits + string.ascii_uppercase

# Kind -> weight (percent of customers). "contact_only" leaves customer.identification
# empty while the order-level contact_identification carries a valid CPF.
DOCUMENT_MIX: dict[str, int] = {
    "cpf": 50,
    "cpf_formatted": 15,
    "cnpj": 10,
    "cnpj_alnum": 5,
    "missing": 8,
    "invalid": 5,
    "contact_only": 7,
}
VALID_KINDS = frozenset({"cpf", "cpf_formatted", "cnpj", "cnpj_alnum"})


@dataclass(frozen=True)
class Identity:
    """What a customer's order shows: `identification` and `contact_identification`."""

    kind: str
    identification: str | None
    contact_identification: str | None


def make_cpf(rng: random.Random) -> str:
    while True:
        base = "".join(rng.choice(string.digits) for _ in range(9))
        if len(set(base)) > 1:
            return base + cpf_check_digits(base)


def make_cnpj(rng: random.Random) -> str:
    branch = "0001" if rng.random() < 0.85 else f"{rng.randint(2, 30):04d}"
    base = "".join(rng.choice(string.digits) for _ in range(8)) + branch
    return base + cnpj_check_digits(base)


def make_alnum_cnpj(rng: random.Random) -> str:
    while True:
        root = "".join(rng.choice(ALNUM) for _ in range(8))
        branch = "0001" if rng.random() < 0.6 else "".join(rng.choice(ALNUM) for _ in range(4))
        base = root + branch
        if any(c.isalpha() for c in base):
            return base + cnpj_check_digits(base)


def make_invalid(rng: random.Random) -> str:
    """A document whose check digits are wrong (or, rarely, a repeated-digit CPF)."""
    roll = rng.random()
    if roll < 0.1:
        digit = rng.choice("123456789")
        raw = digit * 11
        return format_cpf(raw) if rng.random() < 0.5 else raw
    valid = make_cpf(rng) if roll < 0.8 else make_cnpj(rng)
    broken = valid[:-1] + str((int(valid[-1]) + rng.randint(1, 9)) % 10)
    if rng.random() < 0.3:
        return format_cpf(broken) if len(broken) == 11 else format_cnpj(broken)
    return broken


def make_identity(rng: random.Random) -> Identity:
    kinds = list(DOCUMENT_MIX)
    kind = rng.choices(kinds, weights=[DOCUMENT_MIX[k] for k in kinds])[0]
    if kind == "cpf":
        doc: str | None = make_cpf(rng)
    elif kind == "cpf_formatted":
        doc = format_cpf(make_cpf(rng))
    elif kind == "cnpj":
        doc = make_cnpj(rng)
        doc = format_cnpj(doc) if rng.random() < 0.5 else doc
    elif kind == "cnpj_alnum":
        doc = make_alnum_cnpj(rng)
        doc = format_cnpj(doc) if rng.random() < 0.4 else doc
    elif kind == "missing":
        doc = "" if rng.random() < 0.5 else None
    elif kind == "invalid":
        doc = make_invalid(rng)
    else:
        contact = make_cpf(rng)
        contact = format_cpf(contact) if rng.random() < 0.3 else contact
        return Identity(kind, "" if rng.random() < 0.6 else None, contact)
    return Identity(kind, doc, doc)
