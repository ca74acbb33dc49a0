"""The filter form of Pedidos/Orçamentos: the query string as typed (to fill the form again and keep it in the
pagination links and the table's refresh) and the `OrderFilter` it asks the search service for."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from lojasync.entrypoints.cli import formats
from lojasync.sales.errors import PlacedRangeInvalid
from lojasync.sales.status import OrderStatus
from lojasync.sales.views import OrderFilter
from lojasync.shared.day_bounds import bounds_text, within_bounds
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import day_end, day_start
from lojasync.shared.numbers import page_or_first

PER_PAGE = 50
STATUSES = {"em-aberto": OrderStatus.OPEN, "confirmado": OrderStatus.CONFIRMED, "cancelado": OrderStatus.CANCELLED}
STATUS_OPTIONS = [("", "Todas"), ("em-aberto", "Em Aberto"), ("confirmado", "Confirmado"),
                  ("cancelado", "Cancelado")]
# Orders come from a store today; the ERP's own orders (none yet) would be a second origin.
ORIGINS = {"loja-virtual": "nuvemshop"}
ORIGIN_OPTIONS = [("", "Todas"), ("loja-virtual", "Loja virtual")]


# A list's status filter with a value of no status: the list shows every status and the field says why.
UNKNOWN_SITUATION = "Situação desconhecida: escolha uma da lista."


@dataclass(frozen=True)
class OrderQuery:
    """The form's fields, by the names in the address bar (pt-BR: a person may read and share the link)."""

    situacao: str = ""
    origem: str = ""
    loja: str = ""
    de: str = ""
    ate: str = ""
    busca: str = ""
    sem_cliente: str = ""
    atencao: str = ""
    pagina: int = 1
    errors: dict[str, str] = field(default_factory=dict, compare=False)  # field -> why it was ignored

    @classmethod
    def from_params(cls, params: QueryParams) -> OrderQuery:
        values = {f.name: params.get(f.name, "").strip() for f in fields(cls) if f.name not in ("pagina", "errors")}
        return cls(**values, pagina=page_or_first(params.get("pagina", "1")))

    def criteria(self) -> OrderFilter:
        """What to ask the service; a value that makes no sense is ignored and named in `errors`."""
        status = STATUSES.get(self.situacao)
        if self.situacao and status is None:
            self.errors["situacao"] = UNKNOWN_SITUATION
        origin = ORIGINS.get(self.origem)
        if self.origem and origin is None:
            self.errors["origem"] = "Origem desconhecida: escolha uma da lista."
        # Named as the form labels them ("Feitos de ... até"): the error said "De", a field the page does not have.
        start, end = self._day("de", "Feitos de"), self._day("ate", "Feitos até")
        if start and end and start > end:
            swapped = PlacedRangeInvalid()
            self.errors["ate"] = f"{swapped.message} {swapped.resolution}"
            start = end = None
        return OrderFilter(status=status, origin=origin, without_customer=True if self.sem_cliente else None,
                           needs_attention=True if self.atencao else None,
                           placed_from=day_start(start) if start else None,
                           placed_before=day_end(end) if end else None,
                           text=self.busca or None)

    def _day(self, name: str, label: str):
        value = getattr(self, name)
        if not value:
            return None
        try:
            day = formats.parse_day(value, label)
        except LojasyncError as exc:
            self.errors[name] = f"{exc.message} {exc.resolution}"
            return None
        if not within_bounds(day):
            self.errors[name] = f"Data fora do intervalo: {value}. {bounds_text()}"
            return None
        return day

    @property
    def store(self) -> str | None:
        return self.loja or None

    def query_string(self, **changes) -> str:
        """The filters as a query string (page 1 is left out), with `changes` applied."""
        chosen = replace(self, **changes)
        pairs = [(f.name, getattr(chosen, f.name)) for f in fields(self) if f.name not in ("pagina", "errors")]
        pairs = [(k, v) for k, v in pairs if v]
        if chosen.pagina > 1:
            pairs.append(("pagina", chosen.pagina))
        return urlencode(pairs)

    @property
    def filtered(self) -> bool:
        return bool(self.query_string(pagina=1))
