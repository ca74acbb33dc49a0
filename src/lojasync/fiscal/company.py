"""The company that issues (emitente): identity, address, NF-e numbering, tax regime and its A1 certificate.

One row. Everything the NF-e needs from the issuer is checked at once (`problems`), in Portuguese, before any
document is built: a half-configured company is a list of what to fill in, not a SEFAZ rejection later.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from lojasync.fiscal.local_time import issuer_time
from lojasync.fiscal.municipalities import UF_CODES, municipality_by_code
from lojasync.fiscal.nfe_checks import ISSUER_EXEMPT
from lojasync.fiscal.nfe_data import DEFAULT_IBS_CBS_YEAR, TaxSettings
from lojasync.fiscal.tax_rules import ibs_cbs_code_problems
from lojasync.shared.errors import Gap
from lojasync.shared.local_zone import merchant_zone
from lojasync.shared.state_registration import ISENTO, is_valid_ie, normalise_ie
from lojasync.shared.tax_id import format_cnpj
from lojasync.shared.text import is_unit_code

# NF-e 4.00, tag CRT.
SIMPLES_NACIONAL = 1
REGIME_NORMAL = 3
HOMOLOGATION, PRODUCTION = "2", "1"


# A company's own NF-e (normal issue, tpEmis 1) take series 0 to 889: 890-899 are the NF-e avulsa's and 900-999
# contingency's (SCAN, SVC), which SEFAZ refuses for a normal issue (266).
LAST_OWN_SERIES = 889


def sequence_key(environment: str, series: int) -> str:
    """How a numbering sequence (environment and series) is named in `Company.number_sequences`: "2/1"."""
    return f"{environment}/{series}"


def writes_ibs_cbs(crt: int, for_simples: bool | None) -> bool:
    """Whether a company's NF-e carry the IBS/CBS group (`tax_rules.line_tax_rule`): regime normal, or Simples
    Nacional when the company asked for it."""
    return crt == REGIME_NORMAL or bool(for_simples)


class Company:
    id: int | None
    legal_name: str | None = None
    trade_name: str | None = None
    cnpj: str | None = None
    ie: str | None = None
    crt: int
    street: str | None = None
    number: str | None = None
    complement: str | None = None
    district: str | None = None
    city: str | None = None
    city_code: str | None = None
    uf: str | None = None
    zipcode: str | None = None
    phone: str | None = None
    series: int
    next_number: int
    environment: str
    # Where each sequence left ("2/1": environment/series) was when the company switched away from it.
    number_sequences: dict[str, int] | None = None
    default_ncm: str | None = None
    default_origin: str
    default_unit: str
    icms_rate: Decimal | None = None
    pis_rate: Decimal | None = None
    cofins_rate: Decimal | None = None
    cbs_rate: Decimal | None = None
    ibs_rate: Decimal | None = None
    ibs_municipal_rate: Decimal | None = None
    # The year the IBS/CBS rates were set or confirmed for (None: never, lojasync's defaults are 2026's). They change
    # every year of the transition: an NF-e of a later year is issued, and said to carry an earlier year's rates.
    ibs_cbs_rates_year: int | None = None
    ibs_cbs_for_simples: bool
    ibs_cbs_cst: str | None = None
    ibs_cbs_class: str | None = None               # cClassTrib
    destination_icms_rates: dict[str, str] | None = None   # UF -> rate (a Decimal's text), for the DIFAL
    tech_cnpj: str | None = None
    tech_contact: str | None = None
    tech_email: str | None = None
    tech_phone: str | None = None
    mercado_livre_seller: str | None = None   # idCadIntTran: the NF-e of a sale on Mercado Livre names it
    certificate: str | None = None            # sealed PKCS#12 (base64 inside the seal)
    certificate_password: str | None = None   # sealed
    certificate_subject: str | None = None
    certificate_cnpj: str | None = None
    certificate_not_after: datetime | None = None
    certificate_is_test: bool
    certificate_icp_brasil: bool | None = None   # chains to ICP-Brasil (None: not checked, an earlier version)
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __init__(self) -> None:
        self.crt = SIMPLES_NACIONAL
        self.series = 1
        self.next_number = 1
        self.environment = HOMOLOGATION
        self.default_origin = "0"
        self.default_unit = "UN"
        self.ibs_cbs_for_simples = False
        self.certificate_is_test = False

    @property
    def in_production(self) -> bool:
        return self.environment == PRODUCTION

    @property
    def city_name(self) -> str | None:
        """The city as IBGE spells its code's municipality (xMun): earlier versions kept it as typed ("sao paulo")."""
        found = municipality_by_code(self.city_code) if self.city_code else None
        return found.name if found is not None else self.city

    def next_number_of(self, environment: str, series: int) -> int | None:
        """The next number of a sequence (environment/series): the current one's, or where another stopped when the
        company switched away from it (None: never left, lojasync knows only the numbers it used)."""
        if (environment, series) == (self.environment, self.series):
            return self.next_number
        return (self.number_sequences or {}).get(sequence_key(environment, series))

    def left_sequence(self, environment: str, series: int, next_number: int) -> None:
        """Keep where a sequence stopped as the company switches away from it (a new dict: the column is plain
        JSON, changes inside it are not seen)."""
        self.number_sequences = {**(self.number_sequences or {}), sequence_key(environment, series): next_number}

    def forget_certificate(self) -> None:
        """No certificate any more (no key opens the one kept): everything read from it goes with it."""
        self.certificate = self.certificate_password = None
        self.certificate_subject = self.certificate_cnpj = None
        self.certificate_not_after = None
        self.certificate_is_test = False
        self.certificate_icp_brasil = None

    def certificate_expired(self, now: datetime) -> str | None:
        """The problem of a certificate past its validity, on the merchant's calendar (UTC said the day after, at
        night); None while it is valid. `problems` lists it, every back-office page says it."""
        if self.certificate and self.certificate_not_after is not None and self.certificate_not_after <= now:
            ended = self.certificate_not_after.astimezone(merchant_zone())
            return f"certificado A1 vencido em {ended:%d/%m/%Y}: instale um novo"
        return None

    def take_number(self) -> int:
        """The next NF-e number of the series (the caller holds the row locked)."""
        number = self.next_number
        self.next_number = number + 1
        return number

    @property
    def writes_ibs_cbs(self) -> bool:
        return writes_ibs_cbs(self.crt, self.ibs_cbs_for_simples)

    @property
    def ibs_cbs_year(self) -> int:
        """The year the IBS/CBS rates are of: the one they were set or confirmed for, or the defaults' (2026)."""
        return self.ibs_cbs_rates_year or DEFAULT_IBS_CBS_YEAR

    def confirm_ibs_cbs_rates(self, moment: datetime) -> None:
        """The IBS/CBS rates are this year's (the issuer's calendar: NF-e dates are in its UF's time)."""
        self.ibs_cbs_rates_year = issuer_time(moment, self.uf).year

    def missing_fields(self) -> frozenset[str]:
        """The required data not filled in, by attribute ("zipcode"): `problems` names them."""
        return frozenset(attr for attr, *_ in _REQUIRED if not getattr(self, attr))

    def problems(self, now: datetime) -> list[str]:
        """What is missing for this company to issue an NF-e, in Portuguese (empty when ready)."""
        missing = [(label, option) for attr, label, option in _REQUIRED if not getattr(self, attr)]
        # The command names the options still needed: `lojasync company set` alone changes nothing.
        options = " ".join(dict.fromkeys(option for _, option in missing))
        problems = ([Gap(f"empresa sem {', '.join(label for label, _ in missing)} (Configurações)",
                         f"lojasync company set {options}")] if missing else [])
        if not self.certificate:
            problems.append(NO_CERTIFICATE)
        elif expired := self.certificate_expired(now):
            problems.append(expired)
        elif self.certificate_is_test and self.in_production:
            problems.append("certificado de teste não vale em produção: instale o certificado A1 da empresa")
        elif not self.certificate_cnpj:
            # An e-CPF, or any certificate without a CNPJ: generation refuses it (ensure_issuer), SEFAZ would too.
            problems.append(Gap("o certificado A1 não traz CNPJ (não é um e-CNPJ): instale o certificado e-CNPJ A1 "
                                "da empresa (Configurações → certificado)",
                                "lojasync company certificate ARQUIVO"))
        elif self.certificate_cnpj and self.cnpj and self.certificate_cnpj[:8] != self.cnpj[:8]:
            # Generation refuses it (the signer must be the emitter, else SEFAZ answers 213): not ready.
            problems.append(Gap(f"o certificado A1 é de outro CNPJ ({format_cnpj(self.certificate_cnpj)}): instale o "
                                "certificado da empresa (Configurações → certificado)",
                                "lojasync company certificate ARQUIVO"))
        if normalise_ie(self.ie) == ISENTO:   # kept by an earlier version, which took it: no NF-e goes out so
            problems.append(Gap(ISSUER_EXEMPT, "lojasync company set --ie IE"))
        elif self.ie and self.uf in UF_CODES and not is_valid_ie(self.ie, self.uf):   # kept from before a UF change
            # Worded as the NF-e's own check words it, so that a refusal listing both says it once.
            problems.append(Gap(f"Empresa: inscrição estadual {self.ie} inválida para {self.uf}",
                                "lojasync company set --ie IE"))
        if self.series > LAST_OWN_SERIES:   # kept by an earlier version, which took up to 999: SEFAZ refuses it
            problems.append(Gap(f"série {self.series} não é de emissão normal (vai de 0 a {LAST_OWN_SERIES}; de "
                                "890 a 999 são as séries da NF-e avulsa e da contingência): escolha outra "
                                "(Configurações → Série e numeração da NF-e)",
                                "lojasync company set --series SÉRIE"))
        if self.default_unit and not is_unit_code(self.default_unit):   # kept by an earlier version, which took any
            problems.append(Gap(f"unidade padrão {self.default_unit} não cabe na NF-e (sem emoji nem letras de outros "
                                "alfabetos): informe outra (Configurações → Empresa)",
                                "lojasync company set --default-unit UN"))
        # Kept by an earlier version, which took any digits: the NF-e would carry CST 000's taxes under another CST.
        # Only where its NF-e carry the group (Simples Nacional leaves it out unless asked to).
        if self.writes_ibs_cbs:
            problems.extend(Gap(f"{problem} (Configurações → Tributos)", "lojasync company taxes --ibs-cbs-cst 000 "
                                                                        "--ibs-cbs-class 000001")
                            for problem in ibs_cbs_code_problems(self.ibs_cbs_cst, self.ibs_cbs_class))
        technical = (self.tech_cnpj, self.tech_contact, self.tech_email, self.tech_phone)
        if any(technical) and not all(technical):
            # Left out of the NF-e while incomplete: the UFs that require it would reject them all.
            problems.append(Gap("responsável técnico incompleto: informe CNPJ, contato, e-mail e telefone (ou "
                                "nenhum) (Configurações → Empresa)",
                                "lojasync company set --tech-cnpj CNPJ --tech-contact NOME --tech-email E-MAIL "
                                "--tech-phone TELEFONE"))
        return problems


# NFE.md (third-party readings of NT 2025.002, not settled): rejection 1115 "IBS/CBS não informado", for a Simples
# Nacional NF-e without the IBSCBS group, is reported to start in production in 2027. Said, never acted on: lojasync
# leaves the group out of CRT 1's NF-e unless the company asks for it (`ibs_cbs_for_simples`).
SIMPLES_IBS_CBS_REQUIRED_FROM = 2027
CONFIRM_IBS_CBS = ("lojasync company taxes --confirm-ibs-cbs (ou, para mudá-las, --cbs-rate ALÍQUOTA --ibs-rate "
                   "ALÍQUOTA --ibs-municipal-rate ALÍQUOTA)")


class IbsCbsYearNotice(Gap):
    """The notice of IBS/CBS rates of an earlier year, known by its type wherever it is listed (the company's
    warnings, the taxes' notes, the banner of every page): Configurações says it once, beside the button that
    confirms the rates."""


def ibs_cbs_year_notice(company: Company, moment: datetime) -> IbsCbsYearNotice | None:
    """What to say of an NF-e dated `moment` (its dhEmi; or now, for what the next one would carry) when the IBS/CBS
    rates are of an earlier year; None when they are of that year. Never a refusal: invoicing must not stop on 1
    January for rates nobody has confirmed yet (and that may be right). In the year a Simples Nacional company may be
    required the group it leaves out (rejection 1115), that is said too, with how to put it in."""
    year, kept = issuer_time(moment, company.uf).year, company.ibs_cbs_year
    if year <= kept:
        return None
    rates = TaxSettings()
    cbs, ibs, municipal = (_percent(kept_rate if kept_rate is not None else default) for kept_rate, default in (
        (company.cbs_rate, rates.cbs_rate), (company.ibs_rate, rates.ibs_uf_rate),
        (company.ibs_municipal_rate, rates.ibs_municipal_rate)))
    words = (f"as alíquotas de IBS/CBS da empresa são as de {kept} (CBS {cbs}, IBS da UF {ibs}, IBS do município "
             f"{municipal}), e as NF-e de {year} "
             + ("as levam" if company.writes_ibs_cbs else "não levam o grupo IBS/CBS (Simples Nacional)")
             + ": essas alíquotas mudam a cada ano da transição; confira-as com o contador e altere-as, ou confirme "
             f"as atuais para {year} (Configurações → Tributos)")
    terminal = CONFIRM_IBS_CBS
    if not company.writes_ibs_cbs and year >= SIMPLES_IBS_CBS_REQUIRED_FROM:
        words += (f". A partir de {SIMPLES_IBS_CBS_REQUIRED_FROM} a SEFAZ pode passar a exigir o grupo IBS/CBS também "
                  "do Simples Nacional (rejeição 1115, IBS/CBS não informado): para incluí-lo, marque \"Incluir o "
                  "grupo IBS/CBS nas NF-e do Simples Nacional\" em Configurações → Tributos, com as alíquotas do ano")
        terminal = f"{CONFIRM_IBS_CBS}; para incluir o grupo: lojasync company taxes --ibs-cbs-simples"
    return IbsCbsYearNotice(words, terminal)


def _percent(rate: Decimal) -> str:
    """"0,9%": as the rest of the company's words write a rate."""
    text = f"{rate:f}".rstrip("0").rstrip(".") if "." in f"{rate:f}" else f"{rate:f}"
    return f"{text.replace('.', ',')}%"


NO_CERTIFICATE = Gap("empresa sem certificado A1 (Configurações → certificado)",
                     "lojasync company certificate ARQUIVO (ou --test para um de teste em homologação)")


def issuing_problems(company: Company | None, now: datetime) -> list[str]:
    """What keeps the company (None: not registered yet) from issuing any NF-e now, in Portuguese."""
    if company is None:
        # The certificate too: the refusal lists everything at once (README review: it came a run later).
        return [Gap("empresa emitente não cadastrada (Configurações)", SET_EVERYTHING), NO_CERTIFICATE]
    return company.problems(now)


_REQUIRED = (  # attribute, as a person names it, the option of `lojasync company set` that fills it
    ("legal_name", "razão social", "--name NOME"), ("cnpj", "CNPJ", "--cnpj CNPJ"),
    ("ie", "inscrição estadual", "--ie IE"), ("street", "logradouro", "--street RUA"),
    ("number", "número", "--number NÚMERO"), ("district", "bairro", "--district BAIRRO"),
    ("city", "cidade", "--city CIDADE"), ("city_code", "código IBGE da cidade", "--city CIDADE"),
    ("uf", "UF", "--uf UF"), ("zipcode", "CEP", "--zipcode CEP"),
)
SET_EVERYTHING = "lojasync company set " + " ".join(dict.fromkeys(option for *_, option in _REQUIRED))
