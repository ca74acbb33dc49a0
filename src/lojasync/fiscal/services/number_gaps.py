"""The numbers the company's series skipped and still has to void at SEFAZ (`lojasync invoices gaps`, the
"Inutilização de números" page, GET /api/v1/number-voids/gaps): what the same page, the CLI and the API void with
`services.number_voids.void_numbers`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime, timezone
from typing import Any

from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.local_time import local_zone
from lojasync.fiscal.number_gaps import number_gaps
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.number_voids import MAX_NUMBERS, issuers_by_number

Clock = Callable[[], datetime]
PRODUCTION = Environment.PRODUCTION   # only production numbers have a legal deadline to be voided by
SHOWN_IN_NOTE = 5  # ranges named in the note about production numbers left while in homologação
# What the page and `invoices gaps` say beside the list.
HOMOLOGATION_NOTE = "Ambiente de homologação: os números não têm valor fiscal, e inutilizá-los é opcional."
DEADLINE_NOTE = "O prazo é o dia 10 do mês seguinte à quebra da sequência (a primeira NF-e numerada depois)."
CHECK_NOTE = "Antes de inutilizar, confira se os números não foram usados fora do lojasync."


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class NumberGapView:
    """Skipped numbers of one series, as the pages, the API and the CLI show them: at most what one request
    voids (MAX_NUMBERS; a longer gap is shown as several)."""

    environment: str
    series: int
    first: int
    last: int
    numbers: str
    count: int
    broken_on: date | None     # when the sequence broke (an NF-e numbered after the gap); None: not yet
    # The last day to void them (the 10th of the next month); None: not broken yet, or homologação (numbers
    # without fiscal value: voiding them is optional, and no deadline applies).
    deadline: date | None
    overdue: bool
    command: str               # the CLI command that voids them (the justification still to be written)

    @property
    def homologation(self) -> bool:
        return self.environment == Environment.HOMOLOGATION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def numbers_to_void(uow: ProcessingUnitOfWork, now: Clock = _now) -> list[NumberGapView]:
    """The company's skipped numbers in its current environment, series by series, lowest first: numbers below
    the series' next number (or, in a series no longer used, below its last NF-e) held by no NF-e (a discarded
    one holds none) and by no request to void voided or awaiting SEFAZ, from the lowest number lojasync
    used in the series (the numbers before are the earlier system's)."""
    with uow:
        company = uow.company.get()
        if company is None:
            return []
        return _gaps(uow, company, company.environment, now)


def production_gaps_left(uow: ProcessingUnitOfWork, now: Clock = _now) -> list[NumberGapView]:
    """While the company issues in homologação: the production numbers it skipped before and never voided.
    Their legal deadline runs all the same, and they can be voided only once it issues in production again."""
    with uow:
        company = uow.company.get()
        if company is None or company.environment == PRODUCTION:
            return []
        return _gaps(uow, company, PRODUCTION, now)


def production_gaps_note(left: list[NumberGapView]) -> str | None:
    """What the page and `invoices gaps` say, in homologação, of production numbers still to void (None: none)."""
    if not left:
        return None
    ranges = "; ".join(f"série {g.series}: {g.numbers}" for g in left[:SHOWN_IN_NOTE])
    more = f" e mais {len(left) - SHOWN_IN_NOTE}" if len(left) > SHOWN_IN_NOTE else ""
    dated = [g for g in left if g.deadline is not None]
    when = ""
    if dated:
        earliest = min(dated, key=lambda g: g.deadline)
        when = f"; o prazo mais próximo {'venceu' if earliest.overdue else 'vence'} em {earliest.deadline:%d/%m/%Y}"
    plural = len(left) != 1
    return (f"Há {len(left)} faixa{'s' if plural else ''} de números de produção sem uso ({ranges}{more}){when}. "
            "Só em produção eles podem ser inutilizados: volte a emitir em produção (Configurações → "
            "Ambiente da NF-e; no terminal, lojasync company set --environment producao) para inutilizá-los.")


def _gaps(uow: ProcessingUnitOfWork, company, environment: str, now: Clock) -> list[NumberGapView]:
    zone = local_zone(company.uf)
    lowest: dict[int, int] = {}
    highest: dict[int, int] = {}
    for series, low, high in uow.invoices.number_spans(environment):
        lowest[series], highest[series] = low, high
    held: dict[int, list[tuple[int, int, date]]] = defaultdict(list)
    for series, first, last, numbered_at in uow.invoices.held_runs(environment):
        held[series].append((first, last, numbered_at.astimezone(zone).date()))
    for series in lowest:
        # A series may be ahead of its last NF-e: the numbers skipped by raising its next number (the one in use,
        # or one the company left where it had stopped).
        next_number = company.next_number_of(environment, series)
        if next_number:
            highest[series] = max(highest[series], next_number - 1)
    covered: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for series, first, last in uow.number_voids.covered(environment):
        covered[series].append((first, last))
    today = now().astimezone(zone).date()
    views = []
    for series in sorted(lowest):
        for gap in number_gaps(series, lowest[series], highest[series], held[series], covered[series]):
            deadline = gap.deadline if environment == PRODUCTION else None
            for first in range(gap.first, gap.last + 1, MAX_NUMBERS):
                whole = replace(gap, first=first, last=min(gap.last, first + MAX_NUMBERS - 1))
                for part in _by_issuer(uow, company, environment, whole):
                    last = "" if part.first == part.last else f" {part.last}"
                    views.append(NumberGapView(
                        environment, series, part.first, part.last, part.numbers, part.count, part.broken_on,
                        deadline, deadline is not None and today > deadline,
                        f'lojasync invoices void {part.first}{last} --series {series} --reason "JUSTIFICATIVA"'))
    return views


def _by_issuer(uow: ProcessingUnitOfWork, company, environment: str, gap):
    """`gap` cut where the issuer of its numbers changes: that in the keys of its discarded NF-e (a former CNPJ, the
    company moved to a branch since), the company's own for numbers no NF-e took. A void goes out under one issuer,
    and a range of two is refused (review: listed whole, it was offered to a void that refused it)."""
    issuer, own = issuers_by_number(uow, company, environment, gap.series, gap.first, gap.last)
    parts, start = [], gap.first
    for number in range(gap.first + 1, gap.last + 2):
        if number > gap.last or issuer.get(number, own) != issuer.get(number - 1, own):
            parts.append(replace(gap, first=start, last=number - 1))
            start = number
    return parts
