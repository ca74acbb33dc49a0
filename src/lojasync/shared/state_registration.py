"""Inscrição estadual (IE): a company's or customer's ICMS registration, in the form the NF-e takes and checked
by its UF's rule. Like the CPF/CNPJ it is a Brazilian document with check digits, so it lives beside `tax_id`:
the customer record (sales) and the NF-e (fiscal) both check it.

The NF-e carries digits only, or the word ISENTO for a contributor exempt from registration; a customer with
no IE is not an ICMS contributor. The rules per UF (lengths, prefixes, check digits) are erpbrasil.base's
`fiscal.ie.validar`, which wants the UF in lower case: in capitals it finds no rule and accepts anything.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from enum import StrEnum

from erpbrasil.base.fiscal import ie as ie_rules

from lojasync.shared.address import UFS, UnknownState, uf_of
from lojasync.shared.errors import LojasyncError

ISENTO = "ISENTO"

# UFs whose SEFAZ refuses a recipient "contribuinte isento" (indIEDest 2): rejection 805, in internal and
# interstate sales alike (NT 2015.003). Its exceptions (ICMS-ST on an item, CST 40/41, CSOSN 103/300/400) never
# apply to this product's NF-e, whose items are CSOSN 102 or CST 00: there an exempt customer has to be given
# as a non-contributor (no IE) or with the registration number.
EXEMPT_NOT_ADMITTED = frozenset({"AM", "BA", "CE", "GO", "MG", "MS", "MT", "PA", "PE", "RN", "SE", "SP"})



class Contributor(StrEnum):
    """What a customer is for ICMS, from its state registration (IE): the NF-e's indIEDest 1, 2 or 9."""

    CONTRIBUTOR = "contributor"          # has an IE
    EXEMPT = "exempt"                    # IE "ISENTO": registered as exempt
    NON_CONTRIBUTOR = "non_contributor"  # no IE: a consumer

    @property
    def label(self) -> str:
        return _CONTRIBUTOR_LABELS[self]


_CONTRIBUTOR_LABELS = {
    Contributor.CONTRIBUTOR: "contribuinte do ICMS",
    Contributor.EXEMPT: "contribuinte isento de inscrição estadual",
    Contributor.NON_CONTRIBUTOR: "não contribuinte do ICMS",
}

_ISENTO = re.compile(r"isent[oa]\W*")
_NOT_DIGIT = re.compile(r"\D+")


class InvalidStateRegistration(LojasyncError):
    code = "fiscal.invalid_state_registration"
    message_template = "Inscrição estadual {ie} inválida para {uf}."
    # Typed on the order page's IE form, `customers ie` or the API: there is no customer page to send it to.
    resolution_template = ("Corrija a inscrição estadual do cliente (ela é do estado do endereço, com os dígitos "
                           "verificadores desse estado); se ele é isento de inscrição, informe ISENTO; se não é "
                           "contribuinte do ICMS, deixe o campo em branco.")


NO_EXEMPT_RESOLUTION = ("Corrija a inscrição estadual do cliente (ela é do estado do endereço, com os dígitos "
                        "verificadores desse estado); {uf} não admite contribuinte isento: se ele não tem inscrição, "
                        "deixe o campo em branco (não contribuinte do ICMS).")


class ExemptNotAdmitted(LojasyncError):
    code = "fiscal.exempt_not_admitted"
    message_template = ("{uf} não admite contribuinte isento de inscrição estadual: a SEFAZ rejeita a NF-e com "
                        "destinatário ISENTO nesse estado (rejeição 805).")
    resolution_template = ("Informe o número da inscrição estadual do cliente; se ele não tem inscrição, deixe o "
                           "campo em branco (não contribuinte do ICMS).")


class StateRegistrationNeedsState(LojasyncError):
    code = "fiscal.state_registration_needs_state"
    message_template = ("A inscrição estadual {ie} não pode ser conferida: o endereço do cliente não tem um estado "
                        "(UF) brasileiro.")
    resolution_template = ("Corrija o endereço do cliente na loja e reprocesse o pedido, depois informe a inscrição "
                           "de novo; na página do pedido vale o endereço do pedido.")


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


def contributor_of(state_registration: str | None) -> Contributor:
    ie = normalise_ie(state_registration)
    if ie is None:
        return Contributor.NON_CONTRIBUTOR
    return Contributor.EXEMPT if ie == ISENTO else Contributor.CONTRIBUTOR


def check_ie(ie: str | None, uf: str) -> None:
    """Raise InvalidStateRegistration unless `ie` is ISENTO or a registration the UF's rule accepts.

    `uf` may be the UF ("SP") or the state's name; an unknown one raises UnknownState. In São Paulo a rural
    producer's IE starts with "P" and has its own rule: keep the "P" in the value given here.
    """
    state = uf_of(uf)
    value = normalise_ie(ie)
    shown = _as_typed(ie)
    if value is None:
        raise InvalidStateRegistration(f"Inscrição estadual não informada para {state}.", ie=shown, uf=state)
    if value == ISENTO:
        return
    rural_sp = state == "SP" and shown.upper().startswith("P")
    # The schema takes 2 to 14 digits; the library pads short values with zeros, so all zeros would pass.
    valid = (2 <= len(value) <= 14 and value.strip("0") != ""
             and (_valid_go(value) if state == "GO" else
                  _valid_sp_rural(value) if rural_sp else
                  _valid_pe_cacepe(value) if state == "PE" and len(value) == 14 else
                  ie_rules.validar(state.lower(), value)))
    if not valid:
        # Where ISENTO is refused (rule 805), advising it would only lead to the next refusal.
        raise InvalidStateRegistration(ie=shown, uf=state, resolution=(
            NO_EXEMPT_RESOLUTION.format(uf=state) if state in EXEMPT_NOT_ADMITTED else None))


def _valid_go(digits: str) -> bool:
    """Goiás: 9 digits beginning 10, 11 or 20 to 29 (Sintegra; erpbrasil accepts only 10, 11 and 20, and refused
    registrations SEFAZ-GO gives now), mod 11 over the first 8 with weights 9..2; remainder 1 gives 1 in the
    range 10103105-10119997, else 0."""
    if len(digits) != 9 or not digits.isdigit() or not (digits[:2] in ("10", "11") or digits[0] == "2"):
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) % 11
    if remainder == 0:
        check = 0
    elif remainder == 1:
        check = 1 if 10103105 <= int(digits[:8]) <= 10119997 else 0
    else:
        check = 11 - remainder
    return int(digits[8]) == check


def _valid_sp_rural(digits: str) -> bool:
    """A São Paulo rural producer's IE (P-0MMMSSSS.D/SSS, the digits after the P): mod 11 over the first 8 with
    weights 1, 3, 4, 5, 6, 7, 8, 10, the check digit the rightmost of the remainder (Sintegra). erpbrasil takes the
    remainder itself, which never matches when it is 10: one valid registration in eleven was refused (review)."""
    if len(digits) != 12 or digits[0] != "0":   # P-0MMMSSSS: a 0 first
        return False
    remainder = sum(int(d) * w for d, w in zip(digits[:8], (1, 3, 4, 5, 6, 7, 8, 10), strict=True)) % 11
    return int(digits[8]) == remainder % 10


def _valid_pe_cacepe(digits: str) -> bool:
    """Pernambuco's former 14-digit IE (CACEPE, 18.1.001.0000004-9): mod 11 over the first 13 with weights
    5, 4, 3, 2, 1, 9, 8, ..., 2; 11 minus the remainder, less 10 when above 9 (Sintegra). erpbrasil subtracts only
    above 10, so a remainder of 1 (check digit 0) was refused (review)."""
    weights = (5, 4, 3, 2, 1, 9, 8, 7, 6, 5, 4, 3, 2)
    check = 11 - sum(int(d) * w for d, w in zip(digits[:13], weights, strict=True)) % 11
    return int(digits[13]) == (check - 10 if check > 9 else check)


# UFs whose IE has one length and erpbrasil's generic rule, which reads a shorter number as having zeros on the
# left: kept with them (`full_length`).
_ONE_LENGTH = {uf.upper(): int(rule["tam"]) for uf, rule in ie_rules.PARAMETERS.items()
               if not hasattr(ie_rules, f"validar_{uf}") and isinstance(rule.get("tam"), int)}


def full_length(ie: str | None, uf: str | None) -> str | None:
    """A checked IE at its UF's length, the zeros a person left out on the left put back (CE 60000015 is
    060000015): the number checked is the padded one, and the NF-e must carry the registration as the state
    keeps it (review: it was kept, and sent, short). Anything else as it is."""
    length = _ONE_LENGTH.get(uf or "")
    if ie is None or length is None or not ie.isdigit() or len(ie) >= length:
        return ie
    return ie.rjust(length, "0")


def _as_typed(ie: str | None) -> str:
    """The IE as a refusal repeats it: what was typed, on one line, cut at 40 characters."""
    return " ".join(str(ie or "").split())[:40]


# Every NF-e checks the company's IE and often the recipient's: the same few values, each check a UF's rule.
@functools.lru_cache(maxsize=4096)
def is_valid_ie(ie: str | None, uf: str) -> bool:
    try:
        check_ie(ie, uf)
    except InvalidStateRegistration:
        return False
    return True


def registration_to_keep(ie: str | None, uf: str | None) -> str | None:
    """What a customer record keeps for the IE typed by a person, checked against the UF of its address.

    None (blank: not an ICMS contributor), "ISENTO", or the digits; a rural producer of São Paulo keeps its
    "P", which its rule needs (the NF-e carries the digits: `normalise_ie`). ISENTO is refused where the UF
    does not admit it; a number needs a UF to be checked against.
    """
    value = normalise_ie(ie)
    shown = _as_typed(ie)
    if value is None and any(c.isalpha() for c in shown):
        # From the store, words without a digit ("não tenho") mean no registration; typed by a person here, only
        # a blank field or a dash does: a typo ("ISNETO") must not silently make the customer a non-contributor.
        raise InvalidStateRegistration(f"Inscrição estadual {shown} não reconhecida: não tem números nem é ISENTO.",
                                       ie=shown, uf=uf or "")
    state = None
    if uf:
        try:
            state = uf_of(uf)
        except UnknownState:
            state = None
    if value is None:
        return None
    if value == ISENTO:
        if state in EXEMPT_NOT_ADMITTED:
            raise ExemptNotAdmitted(uf=state)
        return ISENTO
    if state is None:
        raise StateRegistrationNeedsState(ie=shown)
    check_ie(ie, state)
    return "P" + value if state == "SP" and shown.upper().startswith("P") else full_length(value, state)


# How each UF writes its IE, for the UFs whose number has one length and one mask ("#" a digit). Others are shown
# as stored: BA, PE, RO, TO and RN have two lengths, and a wrong mask would mislead more than none.
_MASKS = {
    "SP": "###.###.###.###",   # 110.042.490.114 (a rural producer's "P..." is shown as stored)
    "MG": "###.###.###/####",  # 062.307.904/0081
    "RJ": "##.###.##-#",       # 99.999.99-3
    "RS": "###/#######",       # 224/3658792
    "SC": "###.###.###",       # 251.040.852
}


def format_ie(ie: str, uf: str | None = None) -> str:
    """The IE with its UF's punctuation ("110042490114" -> "110.042.490.114") when the number is valid in exactly
    one UF, that UF has a single mask and the number has its length; otherwise as stored (ISENTO, a rural
    producer's "P...", a number of no UF or of several). `uf` ("SP", "São Paulo"), when known, is the only UF
    tried. For reading only: records, JSON and the NF-e keep the digits."""
    if not ie.isdigit():
        return ie
    try:
        states = UFS if uf is None else (uf_of(uf),)
    except UnknownState:   # an address's state we cannot read: the number alone decides
        states = UFS
    valid = [state for state in states if is_valid_ie(ie, state)]
    mask = _MASKS.get(valid[0]) if len(valid) == 1 else None
    if mask is None or len(ie) != mask.count("#"):
        return ie
    digits = iter(ie)
    return "".join(next(digits) if c == "#" else c for c in mask)
