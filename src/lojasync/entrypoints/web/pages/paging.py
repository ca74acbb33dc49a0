"""One page of a list, and the links to the pages around it (keeping the filters): cut here from a list read
whole (products, receivables), or already cut by the database (NF-e, vendas simples)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from lojasync.shared.numbers import page_or_first

PER_PAGE = 100


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    pages: int
    total: int
    previous_url: str | None
    next_url: str | None
    first_url: str

    @property
    def past_end(self) -> bool:
        """A page asked for beyond the last (an old link, a typed address): said so, as the order list does,
        rather than another page shown under its number."""
        return self.total > 0 and self.page > self.pages


def page_of(request: Request, items: list[Any], page: int | str | None, per_page: int = PER_PAGE,
            path: str | None = None, params: dict[str, str] | None = None) -> Page:
    """Page `page` (from 1; below is the first, past the last is empty: `Page.past_end`) of `items`. The links go
    to `path` with `params` (by default: this request's path and filters)."""
    number = page_or_first(page)
    chosen = items[(number - 1) * per_page:number * per_page]
    return counted_page(request, chosen, number, page_count(len(items), per_page), len(items), path, params)


def page_count(total: int, per_page: int = PER_PAGE) -> int:
    """How many pages `total` items take (one, empty, when there are none)."""
    return max(1, -(-total // per_page))


def counted_page(request: Request, items: list[Any], page: int, pages: int, total: int, path: str | None = None,
                 params: dict[str, str] | None = None) -> Page:
    """A page already cut (and counted) by the database, with the links to the pages around it."""

    def url(target: int) -> str:
        given = params.items() if params is not None else request.query_params.multi_items()
        query = [(k, v) for k, v in given if k != "pagina" and v]
        return f"{path or request.url.path}?{urlencode(query + [('pagina', str(target))])}"

    return Page(items, page, pages, total, url(page - 1) if page > 1 else None,
                url(page + 1) if page < pages else None, url(1))


def page_number(value: int | str | None) -> int:
    """The `pagina` asked for: anything but a positive number is the first page."""
    return page_or_first(value)
