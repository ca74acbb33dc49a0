"""The NF-e access key (44 characters) as SEFAZ reads it: its fields and its check digit.

The simulator keeps its own copy of the rule (it stands apart from lojasync's code): mod 11 with weights
2..9 from the right, each character valued as its code minus 48, so the alphanumeric CNPJ works too.
"""

from __future__ import annotations

from dataclasses import dataclass


def check_digit(first43: str) -> str:
    total = 0
    for position, char in enumerate(reversed(first43)):
        total += (ord(char) - 48) * (2 + position % 8)
    remainder = total % 11
    return "0" if remainder < 2 else str(11 - remainder)


@dataclass(frozen=True)
class AccessKey:
    """cUF(2) AAMM(4) CNPJ/CPF(14) mod(2) serie(3) nNF(9) tpEmis(1) cNF(8) cDV(1)."""

    value: str

    @property
    def uf(self) -> str:
        return self.value[0:2]

    @property
    def year_month(self) -> str:
        return self.value[2:6]

    @property
    def issuer(self) -> str:
        """The emitter's CNPJ (or its CPF with three leading zeros)."""
        return self.value[6:20]

    @property
    def model(self) -> str:
        return self.value[20:22]

    @property
    def series(self) -> str:
        return self.value[22:25]

    @property
    def number(self) -> str:
        return self.value[25:34]

    @property
    def emission_type(self) -> str:
        return self.value[34]

    @property
    def code(self) -> str:
        return self.value[35:43]

    @property
    def digit(self) -> str:
        return self.value[43]

    @property
    def digit_ok(self) -> bool:
        return len(self.value) == 44 and check_digit(self.value[:43]) == self.digit
