"""Output helpers: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, timezone
from enum import StrEnum
from typing import Annotated, Literal

import typer
from rich.table import Table

from lojasync.entrypoints.cli.context import console


def status_key(value: str | None) -> str:
    """A --status value as the choices are written: any case ("Confirmado"), spaces as hyphens ("em aberto").
    "" when there is none."""
    return "-".join((value or "").split()).casefold()


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


# The --format option, as every command that has one declares it.
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table (para ler) ou json (para scripts).")]


@dataclass(frozen=True)
class Column:
    """A table column with how it behaves when the terminal is narrow: amounts and dates never wrap,
    free text folds."""

    name: str
    justify: Literal["left", "right", "center"] = "left"
    no_wrap: bool = False
    min_width: int | None = None
    max_width: int | None = None
    ratio: int | None = None


def money_column(name: str) -> Column:
    return Column(name, justify="right", no_wrap=True)


def time_column(name: str = "Quando") -> Column:
    return Column(name, no_wrap=True)


def print_json(data: object) -> None:
    # Plain print: rich would wrap long lines and break the JSON for a pipe.
    print(json.dumps(data, ensure_ascii=False, indent=2, default=_json_value))


def _json_value(value: object) -> str:
    """Moments as ISO 8601 in UTC, whichever clock gave them (SEFAZ answers in Brasília time, the database in
    UTC): a script compares them as they come. Days ISO too; money (Decimal) as its exact text."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table(title: str | None, columns: list[str | Column], rows: list[list[object]],
          caption: str | None = None) -> None:
    result = Table(title=title, caption=caption, show_lines=False, header_style="bold", caption_justify="left")
    for column in columns:
        spec = column if isinstance(column, Column) else Column(column)
        result.add_column(spec.name, justify=spec.justify, no_wrap=spec.no_wrap, min_width=spec.min_width,
                          max_width=spec.max_width, ratio=spec.ratio, overflow="fold")
    for row in rows:
        result.add_row(*["" if v is None else str(v) for v in row])
    console.print(result)
