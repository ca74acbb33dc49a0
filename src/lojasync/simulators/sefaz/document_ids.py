"""The check digits SEFAZ verifies of the parties' documents (rules 207, 208, 237), of the place of the taxable
event (271) and of the items' GTIN (611, 612): written here again, as the rest of the simulator, rather than taken
from lojasync's own code, so that a mistake there shows as a rejection here.

CNPJ: mod 11 with weights 2..9 from the right, each character valued as its code minus 48 (the alphanumeric CNPJ
of July 2026: letters in the first 12 positions). CPF: mod 11 with weights 2.. from the right. GTIN-8/12/13/14:
GS1's mod 10, weights 3 and 1 alternating from the right of the body."""

from __future__ import annotations


def _digit(values: list[int], weights: list[int]) -> int:
    remainder = sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return 0 if remainder < 2 else 11 - remainder


def cnpj_ok(cnpj: str) -> bool:
    # All zeros passes the digits (0 and 0) and is no CNPJ: refused, as the CPF's repeated digits are.
    if len(cnpj) != 14 or not cnpj[12:].isdigit() or not all(c.isdigit() or "A" <= c <= "Z" for c in cnpj[:12]) \
            or len(set(cnpj)) == 1:
        return False
    values = [ord(c) - 48 for c in cnpj]
    first = _digit(values[:12], [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    second = _digit([*values[:12], first], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2])
    return values[12:] == [first, second]


def cpf_ok(cpf: str) -> bool:
    if len(cpf) != 11 or not cpf.isdigit() or len(set(cpf)) == 1:
        return False
    values = [int(c) for c in cpf]
    first = _digit(values[:9], list(range(10, 1, -1)))
    second = _digit([*values[:9], first], list(range(11, 1, -1)))
    return values[9:] == [first, second]


def gtin_ok(gtin: str) -> bool:
    if len(gtin) not in (8, 12, 13, 14) or not gtin.isascii() or not gtin.isdigit():
        return False
    body = [int(c) for c in reversed(gtin[:-1])]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(body))
    return (10 - total % 10) % 10 == int(gtin[-1])
