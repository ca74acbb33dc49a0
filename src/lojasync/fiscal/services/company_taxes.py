"""The company's tax settings: the rates and classes its NF-e apply (`lojasync company taxes`).

They existed with defaults (TaxSettings) but nothing could change them: a regime-normal company paid 18% ICMS
whatever its UF's rate, and its sales to consumers in another UF could never be invoiced, for want of that UF's
internal rate (DIFAL). Rates are percentages, as the NF-e writes them ("18" is 18%), typed with a comma or a dot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from lojasync.fiscal.company import REGIME_NORMAL, ibs_cbs_year_notice, writes_ibs_cbs
from lojasync.fiscal.local_time import issuer_time
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.company import (
    CompanyDataInvalid,
    CompanyMissing,
    default_rates_warning,
)
from lojasync.fiscal.services.invoice_draft import taxes_of
from lojasync.fiscal.tax_rules import ibs_cbs_code_problems
from lojasync.shared.address import uf_of
from lojasync.shared.errors import LojasyncError
from lojasync.shared.numbers import ascii_digits

# The layout's pICMS, pPIS, pCBS...: up to 4 decimal places.
RATE_PLACES = 4


@dataclass(frozen=True)
class CompanyTaxes:
    """What `company taxes` may change; None leaves a setting as it is. Rates as typed ("18", "7,6")."""

    icms_rate: str | None = None
    pis_rate: str | None = None
    cofins_rate: str | None = None
    cbs_rate: str | None = None
    ibs_rate: str | None = None
    ibs_municipal_rate: str | None = None
    ibs_cbs_cst: str | None = None
    ibs_cbs_class: str | None = None
    ibs_cbs_for_simples: bool | None = None
    # UF -> its internal ICMS rate for the DIFAL; an empty rate forgets the UF.
    destination_icms_rates: dict[str, str] | None = None
    # Or the whole list as the settings page's lines ("RJ=20", one per line): a UF left out is forgotten.
    destination_lines: str | None = None
    # The IBS/CBS rates kept are this year's, unchanged: said at the turn of the year, when they were checked with the
    # accountant and are still right (a rate changed records the year by itself).
    confirm_ibs_cbs_year: bool = False


@dataclass(frozen=True)
class TaxesView:
    """The settings the next NF-e applies (the defaults where the company set nothing)."""

    crt: int
    icms_rate: Decimal
    pis_rate: Decimal
    cofins_rate: Decimal
    cbs_rate: Decimal
    ibs_rate: Decimal
    ibs_municipal_rate: Decimal
    ibs_cbs_cst: str
    ibs_cbs_class: str
    ibs_cbs_for_simples: bool
    destination_icms_rates: dict[str, Decimal]
    notes: list[str]
    # The settings the company never set (lojasync's defaults apply, the 2026 test rates of IBS/CBS among them): a
    # form shows them as hints, not as values, so that saving it for another reason does not set them unseen.
    unset: tuple[str, ...] = ()
    ibs_cbs_rates_year: int = 2026   # the year the IBS/CBS rates were set or confirmed for
    this_year: int = 2026            # the issuer's year now: a form offers to confirm them for it when later


_RATES = (("icms_rate", "alíquota de ICMS"), ("pis_rate", "alíquota de PIS"), ("cofins_rate", "alíquota de COFINS"),
          ("cbs_rate", "alíquota de CBS"), ("ibs_rate", "alíquota de IBS"),
          ("ibs_municipal_rate", "alíquota de IBS do município"))


_IBS_CBS_RATES = ("cbs_rate", "ibs_rate", "ibs_municipal_rate")


def set_company_taxes(uow: ProcessingUnitOfWork, taxes: CompanyTaxes, now: datetime | None = None) -> TaxesView:
    """Change the settings given; every problem is listed at once and nothing is written if any. An IBS/CBS rate
    changed, or `confirm_ibs_cbs_year`, records that they are this year's (`Company.ibs_cbs_rates_year`)."""
    now = now or datetime.now(timezone.utc)
    with uow:
        company = uow.company.get(for_update=True)
        if company is None:
            raise CompanyMissing()
        problems: list[str] = []
        changes: dict[str, object] = {}
        for name, label in _RATES:
            text = getattr(taxes, name)
            if text is not None:
                changes[name] = _rate(text, label, problems)
        codes_typed = True
        for name, label, size in (("ibs_cbs_cst", "CST do IBS/CBS", 3), ("ibs_cbs_class", "cClassTrib do IBS/CBS", 6)):
            text = getattr(taxes, name)
            if text is not None:
                code = text.strip()
                if not (len(code) == size and ascii_digits(code)):
                    problems.append(f"{label} deve ter {size} dígitos: {text}")
                    codes_typed = False
                changes[name] = code
        if taxes.ibs_cbs_for_simples is not None:
            changes["ibs_cbs_for_simples"] = taxes.ibs_cbs_for_simples
        # The pair as it will stand (one of the two may be kept from before), when one of them is typed now or the
        # NF-e will carry it: a Simples Nacional company without the group is not stopped by a pair it never writes.
        typed_now = taxes.ibs_cbs_cst is not None or taxes.ibs_cbs_class is not None
        writes = writes_ibs_cbs(company.crt, changes.get("ibs_cbs_for_simples", company.ibs_cbs_for_simples))
        if codes_typed and (typed_now or writes):
            problems += ibs_cbs_code_problems(changes.get("ibs_cbs_cst", company.ibs_cbs_cst),
                                              changes.get("ibs_cbs_class", company.ibs_cbs_class))
        destination = taxes.destination_icms_rates
        if taxes.destination_lines is not None:
            destination = {**(destination or {}), **destination_rates_from_lines(
                taxes.destination_lines, company.destination_icms_rates or {}, problems)}
        if destination is not None:
            rates = dict(company.destination_icms_rates or {})
            for typed_uf, text in destination.items():
                try:
                    uf = uf_of(typed_uf)
                except LojasyncError as exc:
                    problems.append(exc.message.rstrip("."))
                    continue
                if not text.strip():
                    rates.pop(uf, None)
                    continue
                rate = _rate(text, f"alíquota interna de ICMS de {uf}", problems)
                if rate is not None:
                    rates[uf] = str(rate)
            changes["destination_icms_rates"] = dict(sorted(rates.items()))
        if problems:
            raise CompanyDataInvalid(problems)
        # Changed, not merely typed: the settings page sends every rate with each save (a destination UF added in
        # March is no check of the IBS/CBS rates for the year).
        confirmed = taxes.confirm_ibs_cbs_year or any(
            name in changes and changes[name] != getattr(company, name) for name in _IBS_CBS_RATES)
        for name, value in changes.items():
            setattr(company, name, value)
        if confirmed:
            company.confirm_ibs_cbs_rates(now)
        uow.commit()
        return taxes_view(company, now)


def destination_rates_from_lines(text: str, current: dict[str, Decimal], problems: list[str]) -> dict[str, str]:
    """The form's "UF=alíquota" lines (one per line; "RJ 20" and "RJ: 20" too) as the changes to make: every UF
    listed with its rate, every UF kept before and no longer listed forgotten. A line that cannot be read, or a
    UF written twice (which of the two rates?), is added to `problems`, beside the form's other problems."""
    typed: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.replace("=", " ").replace(":", " ").split()
        if len(parts) != 2:
            problems.append(f"linha \"{line.strip()}\" das alíquotas das UFs de destino: escreva UF=ALÍQUOTA, "
                            "como RJ=20")
            continue
        uf = parts[0].upper()
        if uf in typed:
            problems.append(f"{uf} aparece em mais de uma linha das alíquotas das UFs de destino: deixe uma só")
            continue
        typed[uf] = parts[1]
    return {**{uf: "" for uf in current if uf not in typed}, **typed}


def show_company_taxes(uow: ProcessingUnitOfWork, now: datetime | None = None) -> TaxesView:
    with uow:
        company = uow.company.get()
        if company is None:
            raise CompanyMissing()
        return taxes_view(company, now or datetime.now(timezone.utc))


def taxes_view(company, now: datetime) -> TaxesView:
    settings = taxes_of(company)
    notes = []
    if stale := ibs_cbs_year_notice(company, now):
        notes.append(stale)
    if company.crt == REGIME_NORMAL:
        notes.append("regime normal: ICMS 00 com a alíquota de ICMS nas vendas dentro da UF; nas vendas a consumidor "
                     "de outra UF, a alíquota interestadual e o DIFAL com a alíquota interna da UF de destino")
        if not settings.destination_icms_rates:
            notes.append("nenhuma alíquota interna de UF de destino: vendas a consumidor com entrega em outra UF não "
                         "geram NF-e até que a UF seja informada (--difal UF=ALÍQUOTA)")
        if defaults := default_rates_warning(company):
            notes.append(defaults)
    else:
        notes.append("Simples Nacional: ICMS, PIS e COFINS são recolhidos no DAS (CSOSN 102); essas alíquotas e as "
                     "da UF de destino não entram na NF-e")
        if not settings.ibs_cbs_for_simples and not stale:   # the notice says it, with what may change in 2027
            notes.append("grupo IBS/CBS fora da NF-e (opcional para o Simples Nacional em 2026)")
    unset = tuple(name for name in ("icms_rate", "pis_rate", "cofins_rate", "cbs_rate", "ibs_rate",
                                    "ibs_municipal_rate", "ibs_cbs_cst", "ibs_cbs_class")
                  if getattr(company, name) is None)
    return TaxesView(company.crt, settings.icms_rate, settings.pis_rate, settings.cofins_rate, settings.cbs_rate,
                     settings.ibs_uf_rate, settings.ibs_municipal_rate, settings.ibs_cbs_cst, settings.ibs_cbs_class,
                     settings.ibs_cbs_for_simples,
                     dict(settings.destination_icms_rates), notes, unset, company.ibs_cbs_year,
                     issuer_time(now, company.uf).year)


_RATE_TEXT = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")   # a minus sign is told as out of range
_THOUSANDS_LIKE = re.compile(r"[0-9]{1,3}\.[0-9]{3}")


def _rate(text: str, label: str, problems: list[str]) -> Decimal | None:
    """A percentage between 0 and 100 with at most 4 decimal places, typed as a Brazilian does ("7,6")."""
    cleaned = text.strip().removesuffix("%").strip()
    if _THOUSANDS_LIKE.fullmatch(cleaned):
        # "1.000" is mil where the other fields read numbers, and 1 for Decimal: neither is guessed (review).
        problems.append(f"{label} ambígua: {text} (use a vírgula para as casas decimais, como 1,5 ou 7,6)")
        return None
    if not _RATE_TEXT.fullmatch(cleaned):
        # Digits and one decimal separator only: Decimal also takes "1.5e1", "1_0" or "NaN" (review: 1.5e1 saved 15%).
        problems.append(f"{label} inválida: {text} (informe um percentual, como 18 ou 7,6)")
        return None
    rate = Decimal(cleaned.replace(",", "."))   # digits and one separator: always a number
    if not 0 <= rate <= 100:
        problems.append(f"{label} deve estar entre 0 e 100: {text}")
        return None
    if rate.as_tuple().exponent < -RATE_PLACES:
        problems.append(f"{label} com mais de {RATE_PLACES} casas decimais: {text}")
        return None
    # Kept as a person writes it: "18", not "18.00" (nor normalize()'s "1E+2" for 100).
    return Decimal(int(rate)) if rate == rate.to_integral_value() else rate.normalize()
