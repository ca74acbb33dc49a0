"""Output helpers: JSON for scripts, rich tables for people."""

from __future__ import annotations

import itertools
import json
import os
import re
import stat
import sys
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console
from lojasync.shared.numbers import LARGEST_ID
from lojasync.shared.whole_files import replace_whole


def status_key(value: str | None) -> str:
    """A --status value as the choices are written: any case ("Confirmado"), spaces as hyphens ("em aberto").
    "" when there is none."""
    return "-".join((value or "").split()).casefold()


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"


# The --format option, as every command that has one declares it.
FormatOption = Annotated[OutputFormat, typer.Option("--format", help="table (para ler) ou json (para scripts).")]
# A product's SKU, as every command that takes one declares it.
SkuArgument = Annotated[str, typer.Argument(metavar="SKU", help=(
    "SKU do produto (lojasync stock list); em maiúsculas ou minúsculas, se só um produto tiver esse SKU; id:N para "
    "um produto que a loja mandou sem SKU."))]


@dataclass(frozen=True)
class Column:
    """A table column with how it behaves when the terminal is narrow: amounts and dates never wrap,
    free text folds, and a `cut` column (a name beside the key that identifies the row) stays on one line, cut
    with "…" when the terminal is too narrow for it."""

    name: str
    justify: Literal["left", "right", "center"] = "left"
    no_wrap: bool = False
    min_width: int | None = None
    max_width: int | None = None
    ratio: int | None = None
    cut: bool = False


# Rows of a table a page shows (`--page`, `--limit`); the JSON gives every row unless a limit is asked.
PAGE_SIZE = 50
PageOption = Annotated[int, typer.Option("--page", metavar="N", min=1, max=LARGEST_ID, help="Página da tabela.")]
LimitOption = Annotated[int | None, typer.Option("--limit", metavar="N", min=1, max=LARGEST_ID, help=(
    f"Linhas por página ({PAGE_SIZE} na tabela; o JSON traz todas, a menos que --limit seja dado)."))]


def per_page(limit: int | None, page: int, as_json: bool) -> int | None:
    """How many rows a page takes: scripts get every match unless they ask for pages; people get pages."""
    return limit or (None if as_json and page == 1 else PAGE_SIZE)


def page_total(matched: int, size: int | None) -> int:
    """How many pages of `size` rows `matched` rows fill (one, the empty list's too; one without a size)."""
    return max(1, -(-matched // size)) if size else 1


def page_caption(page: int, pages: int, again: str = "a mesma busca") -> str | None:
    """Where this page is among the others, and how to get the next; None when there is one page only."""
    if page > pages:
        # "são 1" read wrong (pages review): the list's count of pages, in the singular when it has one.
        return f"Não há página {page}: a lista tem {formats.number(pages)} {'página' if pages == 1 else 'páginas'}."
    if pages <= 1:
        return None
    caption = f"Página {page} de {formats.number(pages)}."
    if page < pages:
        caption += f" Próxima: {again} com --page {page + 1}."
    return caption


def money_column(name: str) -> Column:
    return Column(name, justify="right", no_wrap=True)


def time_column(name: str = "Quando") -> Column:
    return Column(name, no_wrap=True)


def print_json(data: object) -> None:
    # Plain print: rich would wrap long lines and break the JSON for a pipe. Escaped (\u00e3) on an output that is
    # not UTF-8 (a Latin-1 or ASCII locale): its "?" for "ã" changed the data ("Sand?lia").
    text = json.dumps(_zulu(data), ensure_ascii=not _utf8(sys.stdout), indent=2, default=_json_value)
    # DEL and the C1 controls (a SKU is kept as the store sent it) escaped as the C0 ones are: the same data, and a
    # terminal that obeys 8-bit controls (CSI, OSC) is not driven by a store's text (review).
    print(_C1.sub(lambda found: f"\\u{ord(found.group()):04x}", text))


_C1 = re.compile("[\x7f-\x9f]")


def _utf8(stream: object) -> bool:
    return (getattr(stream, "encoding", None) or "").lower().replace("_", "-") in ("utf-8", "utf8")


def write_document(data: bytes) -> None:
    """A fiscal document (XML) on the output as its own bytes: its declaration says UTF-8, and a terminal in
    Latin-1 or ASCII wrote other bytes ("S?o Paulo"), a file no parser took or whose content no longer matched
    its signature."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:   # an output without bytes underneath (a test's capture): text is all it takes
        print(data.decode("utf-8"))
        return
    sys.stdout.flush()
    buffer.write(data if data.endswith(b"\n") else data + b"\n")
    buffer.flush()


def is_standard_output(path: Path) -> bool:
    """Whether `path` names this process's standard output (/dev/stdout, /dev/fd/1, /proc/self/fd/1...): what is
    written there goes through it, never renamed over, and no "Gravado em" follows it into the same pipe. "-" is
    the standard output too, as for most commands (review: it wrote a file named "-")."""
    if str(path) == "-":
        return True
    try:
        return os.path.samestat(os.stat(path), os.fstat(1))
    except (OSError, ValueError):
        return False


def write_whole(path: Path, data: bytes) -> None:
    """`data` in `path` whole or not at all: written beside it, on disk, then put in its place, with the mode the
    file had. Through a link, the file it names is the one written; a FIFO or a device (/dev/stdout) is written
    as it is (there is no file to replace)."""
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)   # through a link
    except FileNotFoundError:
        regular = True   # a new file
    if not regular:   # /dev/stdout into a pipe resolves to no path: written where it is named
        with open(path, "wb") as stream:
            stream.write(data)
        return
    target = Path(os.path.realpath(path))
    replace_whole(target, data, stat.S_IMODE(target.stat().st_mode) if target.exists() else None)


# A moment the views already wrote as text (isoformat: "+00:00"): written with "Z", as the JSON API writes it,
# so a script reading both compares the same text (pydantic says "Z" for UTC).
_UTC_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")


def _zulu(value: object) -> object:
    if isinstance(value, str):
        return value[:-6] + "Z" if _UTC_TEXT.fullmatch(value) else value
    if isinstance(value, dict):
        return {key: _zulu(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_zulu(item) for item in value]
    return value


def _json_value(value: object) -> str:
    """Moments as ISO 8601 in UTC with "Z" (as the JSON API), whichever clock gave them (SEFAZ answers in
    Brasília time, the database in UTC): a script compares them as they come. Days ISO too; money (Decimal) as
    its exact text."""
    if isinstance(value, datetime):
        moment = (value if value.tzinfo else value.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)
        return moment.isoformat()[:-6] + "Z"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table(title: str | None, columns: list[str | Column], rows: list[list[object]],
          caption: str | None = None) -> None:
    console.print(_table(title, columns, rows, caption))


def table_or_lines(title: str | None, columns: list[str | Column], rows: list[list[object]],
                   caption: str | None = None) -> None:
    """The rows as a table; on a terminal too narrow for it (see `fits`; for tables without cut columns), one
    line per row, each value after its column's name: rich would cut values to make the table fit, and a cut
    total ("R$ 588,9" for R$ 588,98) or order number misleads where a folded line does not."""
    if rows and not fits(columns, rows):
        _records(title, columns, rows, caption)
        return
    table(title, columns, rows, caption)


def _records(title: str | None, columns: list[str | Column], rows: list[list[object]], caption: str | None) -> None:
    if title:
        console.print(f"[bold]{title}[/]", highlight=False)
    names = [_spec(c).name for c in columns]
    for row in rows:
        console.print(" · ".join(f"[dim]{name}[/] {'' if value is None else value}"
                                 for name, value in zip(names, row, strict=True) if value not in (None, "")),
                      highlight=False)
    if caption:
        console.print(caption, style="dim", highlight=False)


def table_fitting(title: str | None, columns: list[str | Column], rows: list[list[object]],
                  optional: str | tuple[str, ...], where: str) -> None:
    """The table whole when it fits the terminal (see `fits`); else without one of the columns named `optional`
    (the first that makes it fit, in the order given; then two of them...), and a caption saying where their values
    are (`where`). Columns whose values must stay on one line are no_wrap."""
    if fits(columns, rows):
        table(title, columns, rows)
        return
    names = [_spec(c).name for c in columns]
    droppable = (optional,) if isinstance(optional, str) else optional
    for count in range(1, len(droppable) + 1):
        for dropped in itertools.combinations(droppable, count):
            kept = [i for i, name in enumerate(names) if name not in dropped]
            shown = [[row[i] for i in kept] for row in rows]
            fewer = _cut_narrower([columns[i] for i in kept], shown)
            if fits(fewer, shown):
                # The column named as one (terminal journey: "Por: lojasync stock movements ..." read as a value).
                named = " e ".join(f'"{name}"' for name in dropped)
                table(title, fewer, shown, caption=f"{'Colunas' if count > 1 else 'Coluna'} {named} fora da tabela "
                                                   f"(não cabe{'m' if count > 1 else ''} na largura deste terminal): "
                                                   f"{where}.")
                return
    # Still too wide (a long SKU or key, kept whole): one line per row with every column, each value whole,
    # rather than a table rich cuts at the terminal's edge (review: the last column and the border were lost).
    _records(title, columns, rows, None)


# A cut column (a name beside the key) is never narrower than this: "Camiseta…" still says what it is.
_NARROWEST_CUT = 8


def _cut_narrower(columns: list[str | Column], rows: list[list[object]]) -> list[str | Column]:
    """The columns, the cut ones narrowed (not below `_NARROWEST_CUT`) by what the table's minimum passes the
    terminal's width: rich left a table one column too wide at 80 columns, its right border cut, rather than go
    below a cut column's min_width."""
    excess = _minimum(columns, rows) - console.width
    if excess <= 0:
        return columns
    narrowed: list[str | Column] = []
    for column in columns:
        spec = _spec(column)
        if spec.cut and spec.min_width and excess > 0:
            width = max(_NARROWEST_CUT, spec.min_width - excess)
            excess -= spec.min_width - width
            column = replace(spec, min_width=width)
        narrowed.append(column)
    return narrowed


def fits(columns: list[str | Column], rows: list[list[object]]) -> bool:
    """Whether the table fits the terminal with its no_wrap columns whole (free text folding at its spaces, a cut
    column shrinking to its min_width): rich would otherwise cut those too, to the width left."""
    return _minimum(columns, rows) <= console.width


def _minimum(columns: list[str | Column], rows: list[list[object]]) -> int:
    """The narrowest the table can be with its no_wrap columns whole (see `fits`)."""
    measured = _table(None, columns, rows)
    for index, column in enumerate(measured.columns):
        if column.no_wrap:   # rich measures it by its longest word ("R$ 274,25": 6): the whole value counts
            cells = [column.header] + [row[index] for row in rows]
            column.min_width = max(console.render_str("" if v is None else str(v)).cell_len for v in cells)
    # Measured without the terminal's limit: rich clamps a measurement to the width it is given.
    unbounded = console.options.update(max_width=1_000_000)
    return Measurement.get(console, unbounded, measured).minimum


def _spec(column: str | Column) -> Column:
    return column if isinstance(column, Column) else Column(column)


def _table(title: str | None, columns: list[str | Column], rows: list[list[object]],
           caption: str | None = None) -> Table:
    result = Table(title=title, caption=caption, show_lines=False, header_style="bold", caption_justify="left")
    for spec in map(_spec, columns):
        result.add_column(spec.name, justify=spec.justify, no_wrap=spec.no_wrap, min_width=spec.min_width,
                          max_width=spec.max_width, ratio=spec.ratio, overflow="fold")
    cut = [_spec(c).cut for c in columns]
    for row in rows:
        result.add_row(*[_cell(v, cut_it) for v, cut_it in zip(row, cut, strict=True)])
    return result


def _cell(value: object, cut: bool) -> str | Text:
    text = "" if value is None else str(value)
    if not cut:
        return text
    # The column still shrinks with the terminal (it is not no_wrap for rich); the text in it does not fold.
    cell = Text.from_markup(text, overflow="ellipsis")
    cell.no_wrap = True
    return cell
