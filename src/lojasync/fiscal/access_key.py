"""The NF-e access key (chave de acesso): the 44 characters that name one NF-e for SEFAZ and for everyone else.

cUF(2) AAMM(4) CNPJ(14) mod(2) série(3) nNF(9) tpEmis(1) cNF(8) DV(1). Since the alphanumeric CNPJ (NT 2025.001)
the CNPJ's first twelve characters may be capital letters; every other position is a digit. The check digit is
mod 11 with weights 2..9 from the right, each character counting `ord(c) - 48`: the CNPJ's own rule
(`shared.tax_id.mod11_digit`), so a numeric key gets the digit it always had.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from lojasync.fiscal.municipalities import UF_CODES
from lojasync.shared.errors import LojasyncError
from lojasync.shared.tax_id import cnpj_check_digits, cpf_check_digits, mod11_digit, normalize_tax_id

KEY_LENGTH = 44
RANDOM_CODE_LENGTH = 8
MODELS = (55, 65)                       # NF-e and NFC-e share the layout
EMISSION_TYPES = (1, 2, 3, 4, 5, 6, 7, 9)  # tpEmis: 1 normal; the others are contingency modes

_KEY = re.compile(r"[0-9]{6}[0-9A-Z]{12}[0-9]{26}")
_FIRST_43 = re.compile(r"[0-9]{6}[0-9A-Z]{12}[0-9]{25}")
_CNPJ = re.compile(r"[0-9A-Z]{12}[0-9]{2}")
_WEIGHTS = tuple(2 + i % 8 for i in range(KEY_LENGTH - 1))  # 2..9, 2..9, ... from the right
_ASCENDING = "0123456789" * 2
_DESCENDING = "9876543210" * 2
_UF_CODES = frozenset(UF_CODES.values())


class InvalidAccessKey(LojasyncError):
    code = "fiscal.invalid_access_key"
    message_template = "Chave de acesso {key} inválida: {reason}."
    resolution_template = "Confira a chave de 44 caracteres no DANFE ou no XML da NF-e."


@dataclass(frozen=True)
class AccessKeyParts:
    uf_code: str        # cUF, IBGE's code of the issuer's UF ("35")
    year_month: str     # AAMM of dhEmi ("2001" for January 2020)
    cnpj: str           # the issuer's CNPJ (a CPF issuer's has three leading zeros)
    model: int          # 55 NF-e, 65 NFC-e
    series: int
    number: int         # nNF
    emission_type: int  # tpEmis
    random_code: str    # cNF
    check_digit: str    # cDV

    @property
    def key(self) -> str:
        return (f"{self.uf_code}{self.year_month}{self.cnpj}{self.model:02d}{self.series:03d}{self.number:09d}"
                f"{self.emission_type}{self.random_code}{self.check_digit}")

    @property
    def year(self) -> int:
        return 2000 + int(self.year_month[:2])

    @property
    def month(self) -> int:
        return int(self.year_month[2:])


def check_digit(first43: str) -> str:
    """The key's last character (cDV) from its first 43."""
    if not _FIRST_43.fullmatch(first43):
        raise ValueError(f"expected the 43 first characters of an access key, got {first43!r}")
    return str(mod11_digit([ord(c) - 48 for c in reversed(first43)], _WEIGHTS))


def is_rejected_random_code(code: str, number: int) -> bool:
    """Whether SEFAZ refuses this cNF (rejection 897, NT 2019.001 rule B03-10): equal to nNF, one digit
    repeated (00000000) or a run (12345678, 90123456, 87654321)."""
    return len(set(code)) == 1 or code in _ASCENDING or code in _DESCENDING or int(code) == number


def draw_random_code(number: int, draw: Callable[[int], int] = secrets.randbelow) -> str:
    """A cNF from a cryptographic source: the MOC asks for it so that a key cannot be guessed from the
    invoice number; values SEFAZ rejects are drawn again (about 1 in 3 million)."""
    while True:
        code = f"{draw(10 ** RANDOM_CODE_LENGTH):0{RANDOM_CODE_LENGTH}d}"
        if not is_rejected_random_code(code, number):
            return code


def build_access_key(uf_code: int | str, issued: date | datetime, cnpj: str, series: int, number: int,
                     emission_type: int = 1, random_code: str | None = None, model: int = 55) -> str:
    """The access key of a new document; the cNF is drawn unless given. Arguments out of the layout's ranges
    are the caller's bug (ValueError): the issuer's settings are validated where they are entered."""
    uf = str(uf_code).zfill(2)
    if uf not in _UF_CODES:
        raise ValueError(f"unknown IBGE UF code {uf_code!r}")
    issuer = normalize_tax_id(cnpj)
    if not _CNPJ.fullmatch(issuer) or cnpj_check_digits(issuer[:12]) != issuer[12:]:
        raise ValueError(f"invalid issuer CNPJ {cnpj!r}")
    if model not in MODELS:
        raise ValueError(f"model must be one of {MODELS}, got {model!r}")
    if not 0 <= series <= 999:
        raise ValueError(f"series must be 0..999, got {series!r}")
    if not 1 <= number <= 999_999_999:
        raise ValueError(f"number must be 1..999999999, got {number!r}")
    if emission_type not in EMISSION_TYPES:
        raise ValueError(f"emission type must be one of {EMISSION_TYPES}, got {emission_type!r}")
    if random_code is None:
        random_code = draw_random_code(number)
    elif not (len(random_code) == RANDOM_CODE_LENGTH and random_code.isdigit()):
        raise ValueError(f"random code must be {RANDOM_CODE_LENGTH} digits, got {random_code!r}")
    elif is_rejected_random_code(random_code, number):
        raise ValueError(f"random code {random_code!r} is refused by SEFAZ (rejection 897) for number {number}")
    first43 = (f"{uf}{issued:%y%m}{issuer}{model:02d}{series:03d}{number:09d}{emission_type}{random_code}")
    return first43 + check_digit(first43)


def parse_access_key(key: str) -> AccessKeyParts:
    """The fields of an access key, checked (check digit, UF, month, model, issuer's CNPJ/CPF).

    Spaces are ignored and letters read as capitals: a person pastes the key as the DANFE prints it, in
    groups of four. InvalidAccessKey says what is wrong.
    """
    text = "".join(str(key).split()).upper()
    shown = text[:60] or '""'
    if len(text) != KEY_LENGTH:
        raise InvalidAccessKey(key=shown, reason=f"tem {len(text)} caracteres, e não {KEY_LENGTH}")
    if not _KEY.fullmatch(text):
        raise InvalidAccessKey(key=shown, reason="só as posições do CNPJ (7 a 18) podem ter letras; as demais "
                                                 "são números")
    parts = AccessKeyParts(
        uf_code=text[0:2], year_month=text[2:6], cnpj=text[6:20], model=int(text[20:22]),
        series=int(text[22:25]), number=int(text[25:34]), emission_type=int(text[34]),
        random_code=text[35:43], check_digit=text[43],
    )
    if check_digit(text[:43]) != parts.check_digit:
        raise InvalidAccessKey(key=shown, reason="o dígito verificador não confere (algum caractere foi trocado)")
    if parts.uf_code not in _UF_CODES:
        raise InvalidAccessKey(key=shown, reason=f"o código de UF {parts.uf_code} não existe")
    if not 1 <= parts.month <= 12:
        raise InvalidAccessKey(key=shown, reason=f"o mês de emissão {parts.year_month[2:]} não existe")
    if parts.model not in MODELS:
        raise InvalidAccessKey(key=shown, reason=f"o modelo {parts.model:02d} não é NF-e (55) nem NFC-e (65)")
    if not _issuer_valid(parts.cnpj):
        raise InvalidAccessKey(key=shown, reason="o CNPJ/CPF do emitente não é válido")
    return parts


def is_valid_access_key(key: str) -> bool:
    try:
        parse_access_key(key)
    except InvalidAccessKey:
        return False
    return True


def _issuer_valid(document: str) -> bool:
    if len(set(document)) == 1:
        return False
    if cnpj_check_digits(document[:12]) == document[12:]:
        return True
    # An issuer with a CPF (a rural producer) fills the field with three zeros and the CPF.
    return document.startswith("000") and document.isdigit() and cpf_check_digits(document[3:12]) == document[12:]
