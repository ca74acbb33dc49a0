"""The company's data field by field, as a form edits it (`CompanyView` joins the address for reading)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from lojasync.fiscal.company import PRODUCTION
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.company import CompanyData
from lojasync.shared.phone import national_digits
from lojasync.shared.state_registration import normalise_ie

# Fields a form shows with punctuation (`formats.ie`, `formats.phone`): the same number is no change.
_SAME_WHEN = {"ie": normalise_ie, "phone": lambda value: national_digits(value) or value.strip(),
              "tech_phone": lambda value: national_digits(value) or "".join(c for c in value if c.isdigit())}


def company_fields(uow: ProcessingUnitOfWork) -> dict[str, Any] | None:
    """Every field `set_company` takes, with its current value (the environment as "homologacao"/"producao"),
    or None when no company was registered yet."""
    with uow:
        company = uow.company.get()
        if company is None:
            return None
        values = {f.name: getattr(company, f.name) for f in fields(CompanyData) if f.name != "environment"}
        values["environment"] = "producao" if company.environment == PRODUCTION else "homologacao"
        values["city"] = company.city_name
        return values


def changed_only(current: dict[str, Any] | None, given: dict[str, Any]) -> CompanyData:
    """The `CompanyData` of what a submitted form changes: blank fields and fields equal to what is kept are left
    out, so saving a form never re-applies a value nobody touched (a next number copied across environments)."""
    current = current or {}
    changed = {name: value for name, value in given.items()
               if value not in (None, "") and not _same(name, str(value), _kept(current.get(name)))}
    # The optional fields `set_company` clears with "": one a person emptied (sent blank) is cleared, as the CLI's
    # "" does; a field not sent at all is not in `given`.
    changed.update({name: "" for name in CLEARABLE if given.get(name) == "" and current.get(name)})
    return CompanyData(**changed)


# Optional on the NF-e (xFant, the issuer's xCpl and fone, infRespTec, idCadIntTran): emptied, they stop going out;
# and the default NCM, emptied: products without their own are then listed as "sem NCM".
CLEARABLE = ("trade_name", "complement", "phone", "mercado_livre_seller", "tech_cnpj", "tech_contact", "tech_email",
             "tech_phone", "default_ncm")


def _kept(value: Any) -> str:
    # Série 0 (the série única) is a value, not a blank: read as "", the form saved unchanged "changed" it.
    return "" if value is None else str(value)


def _same(name: str, given: str, kept: str) -> bool:
    same_when = _SAME_WHEN.get(name, str.strip)
    return same_when(given) == same_when(kept)
