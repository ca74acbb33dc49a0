"""How the CLI writes values for people: money and numbers in pt-BR, dates in the store's time zone,
CPF/CNPJ, IE and phones with their punctuation.

Only the table output goes through here; `--format json` keeps machine values (ISO dates in UTC,
decimal strings, documents as stored) because scripts rely on them.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from babel.dates import format_date, format_datetime, get_month_names
from babel.numbers import format_decimal

from lojasync.shared.day_bounds import bounds_text, within_bounds
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import merchant_zone
from lojasync.shared.money import in_currency
from lojasync.shared.phone import format_phone
from lojasync.shared.state_registration import format_ie
from lojasync.shared.tax_id import TaxId, parse_tax_id
from lojasync.stock.counts import COUNT_REASON, counted_quantity
from lojasync.stock.views import product_reference

LOCALE = "pt_BR"
# One format for every time in the tables.
DATE_TIME_PATTERN = "dd/MM/yyyy HH:mm"
DATE_PATTERN = "dd/MM/yyyy"
EMPTY = "—"


class InvalidDate(LojasyncError):
    code = "cli.invalid_date"
    message_template = "Data inválida em {option}: {value}."
    resolution_template = "Use o formato DD/MM/AAAA (por exemplo 30/11/2026)."


def money(value: Any, currency: str | None = None) -> str:
    """`R$ 1.117,14` (shared.money.brl); the dash when there is none. `currency`: an order's, when the store priced it
    in another (`US$ 100,00`)."""
    if value is None or value == "":
        return EMPTY
    return in_currency(value, currency)


def number(value: int | None) -> str:
    """`2.005`."""
    return EMPTY if value is None else format_decimal(value, locale=LOCALE)


def movement_reason(reason: str) -> str:
    """A stock movement's reason as kept, with a count's quantity in pt-BR ("Contagem: 1.500 em estoque"): it is kept
    as "1500", which a retry of the count reads back."""
    counted = counted_quantity(reason)
    return reason if counted is None else COUNT_REASON.format(number(counted))


def signed_number(value: int) -> str:
    """`+1.500`, `-3`: a movement of stock."""
    return format_decimal(value, format="+#,##0;-#,##0", locale=LOCALE)


def percent(value: Decimal) -> str:
    """`18%`, `7,6%`, `0,65%`: a tax rate as the company typed it (no places added or dropped)."""
    return f"{format_decimal(value, format='#,##0.####', locale=LOCALE)}%"


def format_decimal_places(value: float, places: int) -> str:
    """`12,5` (seconds, rates): a measure, not money."""
    return format_decimal(round(value, places), format=f"#,##0.{'0' * places}", locale=LOCALE)


def measure(value: float, places: int = 1) -> str:
    """`30`, `1,5` or `0,25` (seconds, minutes, hours): up to `places` decimals, none for a whole value."""
    return format_decimal(round(value, places), format=f"#,##0.{'#' * places}", locale=LOCALE)


def when(value: datetime | str | None) -> str:
    """`30/11/2026 07:40` in the store's time zone; stored times without a zone are UTC."""
    moment = _moment(value)
    if moment is None:
        return EMPTY
    return format_datetime(moment, DATE_TIME_PATTERN, tzinfo=merchant_zone(), locale=LOCALE)


def day(value: datetime | date | str | None) -> str:
    """`30/11/2026`, the store's calendar day of that moment (a date is already a calendar day)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return format_date(value, DATE_PATTERN, locale=LOCALE)
    moment = _moment(value)
    if moment is None:
        return EMPTY
    return format_datetime(moment, DATE_PATTERN, tzinfo=merchant_zone(), locale=LOCALE)


def _moment(value: datetime | str | None) -> datetime | None:
    if value is None or value == "":
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def tax_id(value: str | None) -> str:
    """A stored CPF/CNPJ with its punctuation (`529.982.247-25`); anything else as it is."""
    if not value:
        return EMPTY
    parsed = parse_tax_id(value)
    return parsed.formatted() if isinstance(parsed, TaxId) else value


def phone(value: str | None) -> str:
    """A Brazilian phone as people read it (`(11) 98765-4321`); anything else as it is."""
    return format_phone(value) if value else EMPTY


def ie(value: str | None, uf: str | None = None) -> str:
    """A stored IE with the punctuation of its UF when that is unambiguous (`110.042.490.114`); else as stored.
    Give the UF when known: without it every UF's rule is tried."""
    return format_ie(value, uf) if value else EMPTY


def parse_day(value: str, option: str) -> date:
    """A day as a person types it: `30/11/2026` (or `30/11/26`, or ISO `2026-11-30`)."""
    text = value.strip()
    for pattern in ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if not within_bounds(day):   # 31/12/9999 parses, and the period's end (the next day) overflows
            raise InvalidDate(f"Data fora do intervalo em {option}: {text}.", resolution=bounds_text(),
                              option=option, value=value)
        return day
    missing = _day_that_does_not_exist(text)
    if missing is not None:
        raise InvalidDate(f"Data inexistente em {option}: {text}.", resolution=f"{missing} Confira o dia e o mês.",
                          option=option, value=value)
    raise InvalidDate(option=option, value=value)


# Day, month and year as `parse_day` takes them (DD/MM/AAAA, DD/MM/AA, DD-MM-AAAA; AAAA-MM-DD), no other (review:
# "31-02-26" was said inexistent, and "28-02-26" then refused for its format).
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})(?:/(\d{1,2})/(\d{4}|\d{2})|-(\d{1,2})-(\d{4}))")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _day_that_does_not_exist(text: str) -> str | None:
    """What is wrong with a date written in a format `parse_day` takes whose day is not in the calendar (31/02/2026),
    or None (review: "use o formato DD/MM/AAAA" was said to whoever had used it)."""
    if (found := _DAY_MONTH_YEAR.fullmatch(text)) is not None:
        day, month, year = int(found[1]), int(found[2] or found[4]), found[3] or found[5]
        year_number = int(year) if len(year) == 4 else datetime.strptime(year, "%y").year
    elif (found := _YEAR_MONTH_DAY.fullmatch(text)) is not None:
        year_number, month, day = int(found[1]), int(found[2]), int(found[3])
    else:
        return None
    if not 1 <= month <= 12:
        return f"Não existe o mês {month}."
    if year_number < 1:
        return None
    days = calendar.monthrange(year_number, month)[1]
    if 1 <= day <= days:
        return None
    return f"{get_month_names('wide', locale=LOCALE)[month].capitalize()} de {year_number} tem {days} dias."


def address_line(address: dict | None) -> str | None:
    """`Rua do Porto, 7, apto 2 — Ponta Negra — Natal/RN — CEP 59090-000`."""
    if not address:
        return None
    street = ", ".join(p for p in (address.get("street"), address.get("number"), address.get("complement")) if p)
    city = "/".join(p for p in (address.get("city"), address.get("state")) if p)
    zipcode = f"CEP {cep(address['zipcode'])}" if address.get("zipcode") else ""
    return " — ".join(p for p in (street, address.get("district"), city, zipcode) if p) or None


def cep(value: str) -> str:
    """`01001000` -> `01001-000`; anything else as it came."""
    digits = "".join(c for c in value if c.isdigit())
    return f"{digits[:5]}-{digits[5:]}" if len(digits) == 8 else value


_SOURCES = {"nfe": "NF-e", "nfe_cancel": "NF-e cancelada", "simple_sale": "venda simples",
            "simple_sale_cancel": "venda simples cancelada", "count": "contagem", "adjustment": "entrada/saída"}


def document(source_type: str, source_id: str, numbers: dict[str, int]) -> str:
    """The document a ledger row (stock movement, receivable) comes from, as its reason names it, with the id that
    `invoices show`/`sales show` take: an NF-e's nº and id are two numbers ("NF-e nº 41 (id 1)", `numbers` by id);
    a venda simples' number is its id. A count's reference is internal."""
    words = _SOURCES.get(source_type, source_type)
    if source_type in ("count", "adjustment"):
        return words
    if source_type in ("nfe", "nfe_cancel"):
        number = numbers.get(source_id)
        named = f"NF-e nº {number}" if number is not None else "NF-e"
        return f"{named}{' cancelada' if source_type == 'nfe_cancel' else ''} (id {source_id})"
    return f"{words} {source_id}"


def product_cell(sku: str | None, product_id: int | None) -> str:
    """A product's SKU, or how one the store sent without a SKU is typed in a command ("sem SKU (id:N)", as the
    Estoque page shows it); empty for a line with no product."""
    if sku:
        return sku
    return f"sem SKU ({product_reference(None, product_id)})" if product_id else ""
