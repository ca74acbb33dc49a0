"""Output helpers: JSON for scripts, rich tables for people."""

from __future__ import annotations

import json
from enum import StrEnum

from rich.table import Table

from lojasync.entrypoints.cli.context import console


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


def print_json(data: object) -> None:
    # Plain print: rich would wrap long lines and break the JSON for a pipe.
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def table(title: str | None, columns: list[str], rows: list[list[object]]) -> None:
    result = Table(title=title, show_lines=False, header_style="bold")
    for column in columns:
        result.add_column(column)
    for row in rows:
        result.add_row(*["" if v is None else str(v) for v in row])
    console.print(result)
