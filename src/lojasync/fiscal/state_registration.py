"""Inscrição estadual (IE): a customer's ICMS registration, in the form the NF-e takes and checked by its UF's rule.

The NF-e carries digits only, or the word ISENTO for a contributor exempt from registration; a customer with
no IE is not an ICMS contributor. The rules per UF (lengths, prefixes, check digits) are erpbrasil.base's
`fiscal.ie.validar`, which wants the UF in lower case: in capitals it finds no rule and accepts anything.
"""

from __future__ import annotations

import re
import unicodedata

from erpbrasil.base.fiscal import ie as ie_rules

from lojasync.fiscal.municipalities import uf_of
from lojasync.shared.errors import LojasyncError

ISENTO = "ISENTO"

_ISENTO = re.compile(r"isent[oa]\W*")
_NOT_DIGIT = re.compile(r"\D+")


class InvalidStateRegistration(LojasyncError):
    code = "fiscal.invalid_state_registration"
    message_template = "Inscrição estadual {ie} inválida para {uf}."
    resolution_template = ("Corrija a inscrição estadual no cadastro do cliente; se ele não é contribuinte do "
                           "ICMS, deixe o campo em branco.")


def normalise_ie(value: str | None) -> str | None:
    """The IE as the NF-e takes it: "ISENTO", or its digits ("110.042.490.114" -> "110042490114").

    None when there is none: blank, or words without a digit ("-", "não tenho") that mean no registration.
    """
    if value is None:
        return None
    text = str(value).strip()
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).casefold()
    if _ISENTO.fullmatch(plain):
        return ISENTO
    return _NOT_DIGIT.sub("", text) or None


def check_ie(ie: str | None, uf: str) -> None:
    """Raise InvalidStateRegistration unless `ie` is ISENTO or a registration the UF's rule accepts.

    `uf` may be the UF ("SP") or the state's name; an unknown one raises UnknownState. In São Paulo a rural
    producer's IE starts with "P" and has its own rule: keep the "P" in the value given here.
    """
    state = uf_of(uf)
    value = normalise_ie(ie)
    shown = " ".join(str(ie or "").split())[:40]
    if value is None:
        raise InvalidStateRegistration(f"Inscrição estadual não informada para {state}.", ie=shown, uf=state)
    if value == ISENTO:
        return
    rural_sp = state == "SP" and shown.upper().startswith("P")
    # The schema takes 2 to 14 digits; the library pads short values with zeros, so all zeros would pass.
    valid = (2 <= len(value) <= 14 and value.strip("0") != ""
             and ie_rules.validar(state.lower(), "P" + value if rural_sp else value))
    if not valid:
        raise InvalidStateRegistration(ie=shown, uf=state)


def is_valid_ie(ie: str | None, uf: str) -> bool:
    try:
        check_ie(ie, uf)
    except InvalidStateRegistration:
        return False
    return True
