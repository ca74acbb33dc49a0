"""A postal address as the ERP keeps it on customers and orders (value object)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields, replace

from lojasync.shared.errors import LojasyncError


@dataclass(frozen=True)
class Address:
    name: str | None = None
    street: str | None = None
    number: str | None = None
    complement: str | None = None
    district: str | None = None
    zipcode: str | None = None
    city: str | None = None
    state: str | None = None
    country: str | None = None
    phone: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        # Not dataclasses.asdict: it deep-copies and was a tenth of the import time.
        return {name: getattr(self, name) for name in _FIELDS}

    @classmethod
    def from_dict(cls, data: dict | None) -> Address | None:
        if not data:
            return None
        return cls(**{k: v for k, v in data.items() if k in _FIELDS})

    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in _FIELDS)

    def with_uf(self) -> Address:
        """The same address with its state as the two-letter UF (when it is a Brazilian state)."""
        uf = state_code(self.state, self.country)
        return self if uf == self.state else replace(self, state=uf)


_FIELDS = tuple(f.name for f in fields(Address))


# The NF-e wants the two-letter UF; stores send "São Paulo", "SP", "sao paulo", "Estado de São Paulo"...
_UF_NAMES = {
    "AC": "Acre", "AL": "Alagoas", "AP": "Amapá", "AM": "Amazonas", "BA": "Bahia", "CE": "Ceará",
    "DF": "Distrito Federal", "ES": "Espírito Santo", "GO": "Goiás", "MA": "Maranhão", "MT": "Mato Grosso",
    "MS": "Mato Grosso do Sul", "MG": "Minas Gerais", "PA": "Pará", "PB": "Paraíba", "PR": "Paraná",
    "PE": "Pernambuco", "PI": "Piauí", "RJ": "Rio de Janeiro", "RN": "Rio Grande do Norte",
    "RS": "Rio Grande do Sul", "RO": "Rondônia", "RR": "Roraima", "SC": "Santa Catarina", "SP": "São Paulo",
    "SE": "Sergipe", "TO": "Tocantins",
}
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_STATE_PREFIX = re.compile(r"^(estado|est) (de |do |da )?")
_BRAZIL = {"br", "bra", "brasil", "brazil"}


def _key(text: str) -> str:
    """Lower case, no accents, single spaces: how a state name is compared."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return _NOT_WORD.sub(" ", plain).strip()


# The 27 UFs (26 states and the Distrito Federal).
UFS = tuple(_UF_NAMES)
_UF_BY_KEY = {**{_key(name): uf for uf, name in _UF_NAMES.items()}, **{uf.lower(): uf for uf in _UF_NAMES}}


def state_code(province: str | None, country: str | None = None) -> str | None:
    """The UF of a Brazilian address's state ("Rio Grande do Sul" -> "RS"); anything not recognised, or a
    province of another country, stays as the store sent it."""
    if not province:
        return province
    if country and _key(country) not in _BRAZIL:
        return province
    key = _STATE_PREFIX.sub("", _key(province))
    if key in _UF_BY_KEY:
        return _UF_BY_KEY[key]
    # "SP - São Paulo", "São Paulo (SP)": every part must name the same state.
    parts = {_UF_BY_KEY.get(_STATE_PREFIX.sub("", _key(part))) for part in re.split(r"[-()/,]", province)
             if _key(part)}
    if len(parts) == 1 and None not in parts:
        return parts.pop()
    return province


class UnknownState(LojasyncError):
    code = "fiscal.unknown_state"  # the code it had when the NF-e was its only user: API clients rely on it
    message_template = "Estado (UF) \"{uf}\" não é um estado brasileiro."
    resolution_template = "Corrija o estado no endereço do cliente (a sigla, como SP, ou o nome)."


def abroad(country: str | None) -> str | None:
    """The country of an address outside Brazil, as the store sent it ("UY"); None for Brazil or no country."""
    if not country or not country.strip() or _key(country) in _BRAZIL:
        return None
    return country.strip()


def uf_of(state: str | None) -> str:
    """The two-letter UF of a Brazilian state given as "SP", "sp" or "São Paulo"; UnknownState otherwise."""
    uf = state_code(state.strip()) if state else state
    if not uf or uf not in _UF_NAMES:
        raise UnknownState(uf=(state or "").strip())
    return uf
