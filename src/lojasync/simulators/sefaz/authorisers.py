"""Which UFs each NF-e authoriser serves: the simulator answers as one of them when called at its path.

SEFAZ has one web service address per authoriser, not per UF: ten UFs run their own (AM, BA, GO, MG, MS,
MT, PE, PR, RS, SP), MA uses the national SVAN and the remaining sixteen SVRS (the national portal's list as
published in 2025). An authoriser refuses with 226 ("Código da UF do Emitente diverge da UF autorizadora")
an NF-e whose cUF is not one of its UFs, and a query by a key whose UF is not. The simulator keeps its own
copy of the table (it stands apart from lojasync's code), so a client that sends a UF's NF-e to another
authoriser is caught rather than mirrored.

A service called at `/<authoriser>/<Service>` answers as that authoriser; at `/<Service>` it answers for every
UF at once (no 226), as a convenience for tools that know no authoriser.
"""

from __future__ import annotations

_CODES = {
    "RO": "11", "AC": "12", "AM": "13", "RR": "14", "PA": "15", "AP": "16", "TO": "17", "MA": "21", "PI": "22",
    "CE": "23", "RN": "24", "PB": "25", "PE": "26", "AL": "27", "SE": "28", "BA": "29", "MG": "31", "ES": "32",
    "RJ": "33", "SP": "35", "PR": "41", "SC": "42", "RS": "43", "MS": "50", "MT": "51", "GO": "52", "DF": "53",
}
_OWN = ("AM", "BA", "GO", "MG", "MS", "MT", "PE", "PR", "RS", "SP")
_SVAN = ("MA",)
_SVRS = tuple(uf for uf in _CODES if uf not in _OWN and uf not in _SVAN)

# Authoriser (its path) -> the cUF codes it receives.
AUTHORISERS: dict[str, frozenset[str]] = {
    **{uf: frozenset({_CODES[uf]}) for uf in _OWN},
    "SVAN": frozenset(_CODES[uf] for uf in _SVAN),
    "SVRS": frozenset(_CODES[uf] for uf in _SVRS),
}


def split_path(path: str) -> tuple[str | None, str]:
    """("SP", "NFeAutorizacao4") for "SP/NFeAutorizacao4", (None, name) for a bare service name; a prefix
    that is no authoriser stays in the name (an unknown service)."""
    authoriser, slash, service = path.partition("/")
    if slash and authoriser in AUTHORISERS:
        return authoriser, service
    return None, path


def serves(authoriser: str | None, uf_code: str) -> bool:
    """Whether the authoriser receives documents of this cUF (always, for the simulator of every UF)."""
    return authoriser is None or uf_code in AUTHORISERS[authoriser]
