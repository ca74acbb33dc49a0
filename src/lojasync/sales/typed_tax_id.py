"""A CPF/CNPJ typed by a person (a page's form, the API, the terminal), read as `shared.tax_id` reads the store's,
but refused in words about what was typed: the store's reason for nothing ("cliente sem CPF/CNPJ na loja")
would blame the store for a field left blank."""

from __future__ import annotations

from lojasync.sales.errors import InvalidTaxId
from lojasync.shared.tax_id import TaxId, TaxIdProblemCode, parse_tax_id
from lojasync.shared.text import clean_text


def typed_tax_id(text: str | None) -> TaxId:
    """The valid CPF/CNPJ in `text`; InvalidTaxId otherwise, repeating what was typed."""
    typed = clean_text(text or "")   # NUL and lone surrogates are not part of a document
    document = parse_tax_id(typed)
    if isinstance(document, TaxId):
        return document
    if document.code is TaxIdProblemCode.MISSING:
        shown = " ".join(typed.split())[:40]
        raise InvalidTaxId(reason=f"Documento {shown} não é CPF nem CNPJ" if shown else "CPF/CNPJ do cliente em branco")
    reason = document.reason
    raise InvalidTaxId(reason=reason[0].upper() + reason[1:])
