"""Carriers (transportadoras) the merchant registers, each under the code the store gives it ("correios"): an
order shipped by a registered carrier names it in its NF-e (transp/transporta). The store sends only the code;
the carrier's legal name, CNPJ/CPF, IE and address come from here."""

from __future__ import annotations


class RegisteredCarrier:
    id: int | None = None
    code: str          # the store's `shipping` value, lower case: matched whatever the case the store writes
    name: str          # razão social (xNome)
    tax_id: str | None = None     # CNPJ (14 characters, alphanumeric accepted) or CPF (11 digits)
    ie: str | None = None         # digits, or ISENTO
    address: str | None = None    # xEnder: the street address in one line
    city: str | None = None       # xMun
    uf: str | None = None

    def __init__(self, code: str, name: str) -> None:
        self.code = code
        self.name = name


def carrier_code(text: str) -> str:
    """How a code is kept and matched: trimmed, lower case ("Correios " -> "correios")."""
    return text.strip().lower()
