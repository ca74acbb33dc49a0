"""Output helpers: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from rich.table import Table

from lojasync.entrypoints.cli.context import console


def status_key(value: str | None) -> str:
    """A --status value as the choices are written: any case ("Confirmado"), spaces as hyphens ("em aberto").
    "" when there is none."""
    return "-".join((value or "").split()).casefold()


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


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
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


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
