"""Switches that make the simulated SEFAZ misbehave the ways the real one does, for tests and the demo."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, fields

PARALYSED = ("108", "109")
_STATUS = re.compile(r"[1-9][0-9]{2}")
MAX_DELAY = 300.0


@dataclass
class Switches:
    reject_with: str | None = None      # every NF-e and event is answered with this cStat (after the real checks)
    reject_reason: str | None = None    # its xMotivo; None: SEFAZ's words for the code
    delay: float = 0.0                  # seconds before every answer of the SOAP services
    out_of_service: str | None = None   # "108" / "109": every service answers paralysed
    drop_answers: int = 0               # the next N authorisations/events are processed, their answers never sent
    sync: bool = True                   # False: indSinc 1 is answered 103 + receipt, like an asynchronous UF
    processing_polls: int = 0           # how many consReciNFe of a batch get 105 before its 104 (30 s at most)
    # Rejection 1115 "IBS/CBS não informado" for a Simples Nacional (CRT 1) NF-e without the IBSCBS group, as SEFAZ is
    # reported to answer in production from 2027 (NFE.md; not settled): to test lojasync's advice for it.
    simples_requires_ibs_cbs: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    def change(self, **changes) -> None:
        """Set the given fields after checking them all (nothing changes when one is wrong)."""
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"chave(s) desconhecida(s): {', '.join(sorted(unknown))}")
        candidate = Switches(**{**self.as_dict(), **changes})
        candidate.check()
        for name in changes:
            setattr(self, name, getattr(candidate, name))

    def check(self) -> None:
        if self.reject_with is not None and not _STATUS.fullmatch(str(self.reject_with)):
            raise ValueError("reject_with deve ser um cStat de 3 digitos (ex.: 301)")
        if self.reject_with is not None:
            self.reject_with = str(self.reject_with)
            # Below 200 only the denial 110 is a refusal; 100, 135... would be "rejections" that say success.
            if int(self.reject_with) < 200 and self.reject_with != "110":
                raise ValueError("reject_with deve ser uma rejeicao (>= 200) ou uma denegacao (110, 301, 302, 303)")
        if self.reject_reason is not None and not str(self.reject_reason).strip():
            raise ValueError("reject_reason vazio")
        if self.out_of_service is not None:
            self.out_of_service = str(self.out_of_service)
            if self.out_of_service not in PARALYSED:
                raise ValueError("out_of_service deve ser 108 ou 109")
        if isinstance(self.delay, bool) or not isinstance(self.delay, int | float) \
                or not 0 <= self.delay <= MAX_DELAY:
            raise ValueError(f"delay deve ser um numero de segundos entre 0 e {MAX_DELAY:g}")
        for name in ("drop_answers", "processing_polls"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} deve ser um inteiro >= 0")
        for name in ("sync", "simples_requires_ibs_cbs"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(f"{name} deve ser true ou false")
