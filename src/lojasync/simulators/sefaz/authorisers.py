"""Which UFs each NF-e authoriser serves: the simulator answers as one of them when called at its path.

SEFAZ has one web service address per authoriser, not per UF: ten UFs run their own (AM, BA, GO, MG, MS,
MT, PE, PR, RS, SP), MA uses the national SVAN and the remaining sixteen SVRS (the national portal's list as
published in 2025). An authoriser refuses what belongs to a UF it does not serve, each service with its own
code (MOC 7.0, rule tables of each web service):
  NFeAutorizacao4        226 an NF-e whose cUF is not one of its UFs (247: enderEmit/UF not its cUF's UF)
  NFeConsultaProtocolo4  226 a query by a key of another UF
  NFeRetAutorizacao4     248 a receipt of another UF (a receipt begins with the cUF of its batch; rule E02)
  NFeRecepcaoEvento4     250 an event whose cOrgao is not one of its UFs (P08-10), 249 a key of another UF
                         (P12-40), 250 again a cOrgao that is not the key's UF (a cancellation's organ is
                         the NF-e's UF)
  NFeInutilizacao4       226 a request whose cUF is not one of its UFs
  NFeStatusServico4      289 a cUF that is not one of its UFs (K02)
The simulator keeps its own copy of the table (it stands apart from lojasync's code), so a client that sends
a UF's document to another authoriser is caught rather than mirrored.

A service called at `/<authoriser>/<Service>` answers as that authoriser; at `/<Service>` it answers for every
UF at once (none of the codes above but 247 and the cOrgao/key agreement, which need no authoriser), as a
convenience for tools that know no authoriser.
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


def ibge_code(abbreviation: str) -> str | None:
    """IBGE's code of a UF given as "SP" ("35"); None for anything else."""
    return _CODES.get(abbreviation)


def split_path(path: str) -> tuple[str | None, str]:
    """("SP", "NFeAutorizacao4") for "SP/NFeAutorizacao4", (None, name) for a bare service name; a prefix
    that is no authoriser stays in the name (an unknown service)."""
    authoriser, slash, service = path.partition("/")
    if slash and authoriser in AUTHORISERS:
        return authoriser, service
    return None, path


def receipt_uf(authoriser: str | None, uf_code: str) -> str:
    """The UF a receipt of this authoriser begins with: the batch's cUF when it serves it; otherwise (a batch
    of another UF, whose NF-e it refuses with 226 behind the receipt) one of its own, so that polling the same
    authoriser finds the refusal instead of 248."""
    if serves(authoriser, uf_code):
        return uf_code
    return min(AUTHORISERS[authoriser])


def serves(authoriser: str | None, uf_code: str) -> bool:
    """Whether the authoriser receives documents of this cUF (always, for the simulator of every UF)."""
    return authoriser is None or uf_code in AUTHORISERS[authoriser]
