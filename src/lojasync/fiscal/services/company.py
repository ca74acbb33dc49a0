"""Use cases of the company that issues: its data, and its A1 certificate (sealed with the secret key)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, fields, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from lojasync.crypto import TokenDecryptError
from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.certificate import Certificate, make_test_certificate
from lojasync.fiscal.certificate_errors import (
    CertificateCnpjMismatch,
    CertificateMissing,
    CertificateSealedWithAnotherKey,
)
from lojasync.fiscal.company import (
    HOMOLOGATION,
    LAST_OWN_SERIES,
    PRODUCTION,
    REGIME_NORMAL,
    SIMPLES_NACIONAL,
    Company,
    ibs_cbs_year_notice,
    issuing_problems,
    sequence_key,
)
from lojasync.fiscal.icp_brasil import chains_to_icp_brasil, operator_cas
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.local_time import local_zone
from lojasync.fiscal.municipalities import city_names_municipality, find_municipality, municipality_by_code
from lojasync.fiscal.nfe_build import nfe_phone
from lojasync.fiscal.nfe_data import DEFAULT_IBS_CBS_YEAR, TaxSettings
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.shared.address import uf_of
from lojasync.shared.errors import Action, Gap, LojasyncError, terminal_commands
from lojasync.shared.local_zone import local_day, merchant_zone
from lojasync.shared.numbers import ascii_digits
from lojasync.shared.state_registration import ISENTO, check_ie, full_length, normalise_ie
from lojasync.shared.tax_id import TaxIdKind, format_cnpj, parse_tax_id
from lojasync.shared.text import is_unit_code

EXPIRY_WARNING = timedelta(days=30)
TEST_PASSWORD = "lojasync-teste"


class SecretBox(Protocol):
    """Seals text with the secret key (the stores' tokens use the same)."""

    def encrypt(self, plaintext: str) -> str: ...

    def decrypt(self, ciphertext: str) -> str: ...


class CompanyDataInvalid(LojasyncError):
    code = "fiscal.company_invalid"
    message_template = "Dados da empresa não gravados: {problems}."
    resolution_template = "Corrija o que foi indicado e grave de novo."
    action = Action.CONFIGURE

    def __init__(self, problems: list[str], commands: tuple[str, ...] = ()) -> None:
        super().__init__(problems="; ".join(problems))
        self.problems = problems
        self.terminal_commands = commands   # said in the terminal only: the problems are the page's words too


class CompanyMissing(LojasyncError):
    code = "fiscal.company_missing"
    message_template = "A empresa emitente ainda não foi cadastrada."
    resolution_template = ("Cadastre a empresa emitente: razão social, CNPJ, inscrição estadual, endereço e regime "
                           "tributário.")
    action = Action.SET_COMPANY


class CompanyNotReady(LojasyncError):
    """What keeps the company from issuing any NF-e (a batch says it once, not once per order)."""

    code = "fiscal.company_not_ready"
    message_template = "A empresa ainda não pode emitir NF-e: {problems}."
    resolution_template = "Nenhum pedido foi processado. Complete o que falta (Configurações) e gere de novo."
    action = Action.SET_COMPANY

    def __init__(self, problems: list[str], resolution: str | None = None) -> None:
        # Only the certificate missing (or expired, or of another CNPJ): the way out is the certificate's.
        only_certificate = all("certificado" in problem for problem in problems)
        super().__init__(problems="; ".join(problems), resolution=resolution,
                         action=Action.INSTALL_CERTIFICATE if only_certificate else Action.SET_COMPANY)
        self.problems = list(problems)
        self.terminal_commands = terminal_commands(problems)


# The refusal every NF-e of a company in production would get while this process sends to the simulator
# (`SimulatorInProduction`), said once among the company's problems.
SIMULATOR_IN_PRODUCTION = ("em produção, mas as NF-e iriam para o simulador da SEFAZ: defina LOJASYNC_SEFAZ=real (com "
                           "o certificado A1 da empresa) ou volte a empresa para homologação")


# The certificate sealed with a key this process does not have: said as a problem of the company (no NF-e can be
# signed), in the words of the refusal each NF-e would get.
SEALED_WITH_ANOTHER_KEY = Gap("o certificado A1 guardado foi cifrado com outra chave (LOJASYNC_SECRET_KEY ou o arquivo "
                              "secret.key da pasta de dados): use a chave de antes (a variável, ou o secret.key de um "
                              "backup) ou instale o certificado de novo",
                              "lojasync company certificate ARQUIVO")


def ensure_ready_to_issue(uow: ProcessingUnitOfWork, now: datetime | None = None, simulated: bool = False,
                          box: SecretBox | None = None) -> None:
    """Raise `CompanyNotReady` when the company cannot issue any NF-e now (not registered, data or certificate
    missing; this process unable to issue for it: `process_problems`), with the same words and commands an order's
    generation gives."""
    with uow:
        company = uow.company.get()
        problems = issuing_problems(company, now or datetime.now(timezone.utc))
        if company is not None:
            problems += process_problems(company, simulated, box)
        if problems:
            raise CompanyNotReady(problems)


def process_problems(company: Company, simulated: bool, box: SecretBox | None) -> list[str]:
    """What keeps this process, set as it is, from issuing for the company: in production while `simulated` (it
    sends to SEFAZ's simulator), and a certificate its key (`box`) cannot open (review: "Pronta para emitir NF-e"
    was said in both cases, and every order then refused one by one)."""
    problems = [SIMULATOR_IN_PRODUCTION] if simulated and company.in_production else []
    if box is not None and company.certificate and company.certificate_password:
        try:
            box.decrypt(company.certificate_password)   # sealed with the same key as the certificate, and short
        except TokenDecryptError:
            problems.append(SEALED_WITH_ANOTHER_KEY)
        except LojasyncError as exc:   # no key at all (secret.key gone): its own words say what to do
            problems.append(f"{exc.message} {exc.resolution}")
    return problems


class CertificateForTestsOnly(LojasyncError):
    code = "fiscal.test_certificate_refused"
    message_template = "Certificado de teste não é aceito {reason}."
    resolution_template = "Instale o certificado A1 da empresa (o arquivo .pfx e a senha)."
    action = Action.INSTALL_CERTIFICATE


@dataclass(frozen=True)
class CompanyData:
    """What `company set` may change; None leaves the field as it is."""

    legal_name: str | None = None
    trade_name: str | None = None
    cnpj: str | None = None
    ie: str | None = None
    crt: int | None = None
    street: str | None = None
    number: str | None = None
    complement: str | None = None
    district: str | None = None
    city: str | None = None
    city_code: str | None = None
    uf: str | None = None
    zipcode: str | None = None
    phone: str | None = None
    series: int | None = None
    next_number: int | None = None
    environment: str | None = None     # "homologacao" / "producao" or "2" / "1"
    default_ncm: str | None = None
    default_origin: str | None = None  # origem (0-8) of products without their own
    default_unit: str | None = None    # unidade of products without their own
    # infRespTec: the NF-e carry it once all four are set; "" clears one.
    tech_cnpj: str | None = None
    tech_contact: str | None = None
    tech_email: str | None = None
    tech_phone: str | None = None
    # The merchant's seller id on Mercado Livre (idCadIntTran of the NF-e of its sales there); "" clears it.
    mercado_livre_seller: str | None = None


@dataclass(frozen=True)
class CompanyView:
    legal_name: str | None
    trade_name: str | None
    cnpj: str | None
    ie: str | None
    crt: int
    address: str
    city: str | None
    city_code: str | None
    uf: str | None
    zipcode: str | None
    series: int
    next_number: int
    environment: str            # "homologacao" / "producao"
    default_ncm: str | None
    certificate_subject: str | None
    certificate_cnpj: str | None
    certificate_not_after: datetime | None
    certificate_is_test: bool
    warnings: list[str]
    problems: list[str]         # what keeps it from issuing an NF-e now
    phone: str | None = None    # as typed (the NF-e takes its digits)
    default_origin: str = "0"
    default_unit: str = "UN"
    tech_cnpj: str | None = None
    tech_contact: str | None = None
    tech_email: str | None = None
    tech_phone: str | None = None
    mercado_livre_seller: str | None = None
    ibs_cbs_rates_year: int = DEFAULT_IBS_CBS_YEAR   # the year the IBS/CBS rates were set or confirmed for

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


_ENVIRONMENTS = {"homologacao": HOMOLOGATION, "homologação": HOMOLOGATION, "2": HOMOLOGATION,
                 "producao": PRODUCTION, "produção": PRODUCTION, "1": PRODUCTION}


def set_company(uow: ProcessingUnitOfWork, data: CompanyData, now: datetime | None = None) -> CompanyView:
    """Create or update the company; every problem is listed at once and nothing is written if any."""
    now = now or datetime.now(timezone.utc)
    with uow:
        company = uow.company.get(for_update=True)
        if company is None:
            company = Company()
            uow.company.add(company)
        previous_environment, previous_cnpj = company.environment, company.cnpj
        left = (company.environment, company.series, company.next_number)
        _apply(company, data)
        if company.environment != previous_environment:
            _refuse_while_in_flight(uow, previous_environment)
        if previous_cnpj and company.cnpj and company.cnpj[:8] != previous_cnpj[:8]:
            _refuse_cnpj_change_in_flight(uow, previous_cnpj, now)
        _number_from_what_was_used(uow, company, data, left)
        uow.commit()
        return company_view(company, now)


# Required on every NF-e, with 2 characters at least (xNome, xLgr, xBairro).
_AT_LEAST_TWO = frozenset({"legal_name", "street", "district"})
_NFE_TEXTS = (("legal_name", "razão social"), ("trade_name", "nome fantasia"), ("street", "logradouro"),
              ("number", "número do endereço"), ("complement", "complemento"), ("district", "bairro"))


def _apply(company: Company, data: CompanyData) -> None:
    problems: list[str] = []
    commands: tuple[str, ...] = ()
    given = {f.name: getattr(data, f.name) for f in fields(data) if getattr(data, f.name) is not None}
    for name in _OPTIONAL_TEXTS:   # "" clears one (the page's emptied field, the CLI's --complement "")
        if name in given and not given[name].strip():
            given[name] = None
    if "cnpj" in given:
        parsed = parse_tax_id(given["cnpj"])
        if getattr(parsed, "kind", None) is not TaxIdKind.CNPJ:
            problems.append(f"CNPJ inválido: {given['cnpj']}")
        else:
            given["cnpj"] = parsed.value
    uf_known = True
    if "uf" in given:
        try:
            given["uf"] = uf_of(given["uf"])
        except LojasyncError as exc:
            problems.append(exc.message.rstrip("."))
            uf_known = False
    for name, label in _NFE_TEXTS:
        # The NF-e takes 60 characters of each (xNome, xFant, xLgr, ...): more would be cut on every NF-e, silently.
        length = len(" ".join(str(given.get(name, "")).split()))
        if length > 60:
            problems.append(f"{label} tem {length} caracteres; a NF-e leva no máximo 60")
        elif name in _AT_LEAST_TWO and name in given:
            if not given[name].strip():
                given[name] = ""   # emptied: listed among what the company lacks, not kept as " " (filled)
            elif len(fmt.text(given[name], 60)) < 2:
                # The layout's minimum, as the NF-e writes it (emoji dropped): taken, "X" or "😀" said "Pronta
                # para emitir NF-e" and every NF-e was then refused for a razão social "não informada".
                problems.append(f"{label} precisa de pelo menos 2 letras ou números (recebido {given[name]!r})")
    if "crt" in given and given["crt"] not in (SIMPLES_NACIONAL, REGIME_NORMAL):
        problems.append("CRT deve ser 1 (Simples Nacional) ou 3 (regime normal)")
    if "environment" in given:
        environment = _ENVIRONMENTS.get(str(given["environment"]).strip().lower())
        if environment is None:
            problems.append("ambiente deve ser homologacao ou producao")
        given["environment"] = environment
    # The layout's limits: série 0 to 999 (0 is the série única), nNF 1 to 999.999.999; a company's own NF-e take
    # 0 to LAST_OWN_SERIES.
    if "series" in given and not 0 <= given["series"] <= LAST_OWN_SERIES:
        problems.append(f"série fora do intervalo permitido (0 a {LAST_OWN_SERIES}; de 890 a 999 são as séries da "
                        "NF-e avulsa e da contingência)")
    if "next_number" in given and not 0 < given["next_number"] < 1_000_000_000:
        problems.append("próximo número fora do intervalo permitido (1 a 999.999.999)")
    if "default_ncm" in given:  # with or without its dots (6109.10.00), as products set takes it
        given["default_ncm"] = given["default_ncm"].strip().replace(".", "") or None
        # "" takes the default away (review: once set it could not be: products of other goods kept going out with
        # it, where each would be listed as "sem NCM").
        if given["default_ncm"] is not None and not (ascii_digits(given["default_ncm"], 8)
                                                     and len(given["default_ncm"]) == 8):
            problems.append(f"NCM padrão deve ter 8 dígitos: {data.default_ncm}")
    if "default_origin" in given:
        given["default_origin"] = given["default_origin"].strip()
        if given["default_origin"] not in _ORIGINS:
            problems.append(f"origem padrão deve ser de 0 a 8 (0 = nacional): {data.default_origin}")
    if "default_unit" in given:
        given["default_unit"] = given["default_unit"].strip().upper()
        # Latin-1, as a product's own (`stock.fiscal_data`): "шт" was kept, "Pronta para emitir NF-e" said, and every
        # NF-e then refused for a unit "não informada".
        if not is_unit_code(given["default_unit"]):
            problems.append("unidade padrão deve ter de 1 a 6 caracteres, sem emoji nem letras de outros alfabetos "
                            f"(UN, PC, KG...): {data.default_unit}")
    if given.get("phone"):
        typed, given["phone"] = given["phone"], nfe_phone(given["phone"])
        if given["phone"] is None:
            # Kept, it was left out of every NF-e in silence (the technical contact's is checked likewise).
            problems.append(f"telefone da empresa deve ter de 6 a 14 dígitos, com o DDD: {typed[:40]}")
        # Kept as the NF-e writes it (DDD and number): as typed, "+55 (11) 98765-4321" did not fit the column
        # (14 characters) and PostgreSQL refused the whole save.
    problems += _technical_responsible(given)
    if "mercado_livre_seller" in given:
        given["mercado_livre_seller"] = " ".join(given["mercado_livre_seller"].split()) or None
        seller = given["mercado_livre_seller"]
        # One the NF-e would cut (emoji, other alphabets: `nfe_format.text` drops them) is not the merchant's id
        # there (review: "販売者" was kept, then cut to nothing and every such NF-e failed the XSD, "XML fora do
        # leiaute"). Kept as the NF-e writes it: an accent typed apart joined to its letter, a typographic dash "-".
        written = fmt.text(seller, 100)
        if seller and (fmt.drops_characters(seller) or not 2 <= len(written) <= 60):
            problems.append("identificação do vendedor no Mercado Livre deve ter de 2 a 60 caracteres, sem emoji, "
                            "caracteres invisíveis nem letras de outros alfabetos")
        elif seller:
            given["mercado_livre_seller"] = written
    if "zipcode" in given:
        given["zipcode"] = "".join(c for c in given["zipcode"] if ascii_digits(c))
        if len(given["zipcode"]) != 8:
            problems.append(f"CEP deve ter 8 dígitos: {data.zipcode}")
    uf = given.get("uf", company.uf) if uf_known else None
    if "ie" in given:
        typed, given["ie"] = given["ie"], normalise_ie(given["ie"])
        if given["ie"] is None and typed and typed.strip():
            # Words without a digit ("abc", "ISNETO") read as no registration: said, not saved as "gravados".
            problems.append(f"inscrição estadual {' '.join(typed.split())[:40]} não reconhecida: informe os "
                            "números da IE da empresa")
        elif given["ie"] == ISENTO:
            # ISENTO is a recipient's word: an issuer's NF-e carries its registration's digits (the MOC admits the
            # word only on an NF-e avulsa), and SEFAZ rejects every other one (209). Review: kept, then every NF-e
            # went out with <IE>ISENTO</IE>, authorised by the simulator, rejected in production.
            problems.append("inscrição estadual da empresa: ISENTO só vale para o cliente; quem emite NF-e tem "
                            "inscrição estadual, informe os números dela (a SEFAZ rejeita a NF-e com IE ISENTO do "
                            "emitente, código 209)")
        elif uf == "SP" and given["ie"] not in (None, ISENTO) and typed.strip().upper().startswith("P"):
            # A São Paulo rural producer's: kept with its "P", which picks its rule wherever it is checked again
            # (the NF-e carries the digits alone). Without it the IE was refused, by the commercial rule.
            given["ie"] = "P" + given["ie"]
    # The IE typed, or the one kept when the company moves to another UF: it must be one of that UF.
    ie = given.get("ie", company.ie if "uf" in given else None)
    if uf and ie and ie != ISENTO:
        try:
            check_ie(ie, uf)
        except LojasyncError as exc:
            kept = "" if "ie" in given else f": cada UF tem a sua inscrição estadual; informe a da empresa em {uf}"
            problems.append(exc.message.rstrip(".") + kept)
        else:
            # Typed, or kept through a change of UF: at the UF's length (review: one kept was checked, not padded).
            padded = full_length(ie, uf)
            if "ie" in given or padded != ie:
                given["ie"] = padded
    city = given.get("city", company.city)
    if "city_code" in given:
        found = municipality_by_code(given["city_code"])
        if found is None:
            problems.append(f"código IBGE de município desconhecido: {given['city_code']}")
        # The code must be the company's own city: SEFAZ checks cMun against the UF, and the DANFE and the
        # protocol would show one city while the XML names another.
        elif uf and found.uf != uf:
            problems.append(f"o código IBGE {found.code} é de {found.name}/{found.uf}, não de um município de {uf}")
        # Compared with the city typed with it; a code alone names the city (review: it was compared with the city
        # kept, so that a company moving to another city could not give its code alone).
        elif given.get("city") and not city_names_municipality(given["city"], found.code):
            # Only the code, when the city as typed is one the table does not know (company review: both ways
            # out this named were the ones that had failed).
            problems.append(f"o código IBGE {found.code} é de {found.name}/{found.uf}, não de {given['city']}: "
                            "informe só o código IBGE (a cidade vem dele), ou a cidade e o código do mesmo município")
        else:  # the NF-e's xMun, the DANFE and the page name it as IBGE does, not as typed ("sao paulo")
            given["city"] = found.name
    elif "city" in given and not (city or "").strip():
        # Emptied: its code goes with it. Kept, the page showed "São Paulo/SP (3550308)" beside "empresa sem cidade".
        given["city"], given["city_code"] = "", None
    elif ("city" in given or "uf" in given) and city and uf:
        try:  # the code follows the city, found without guessing
            found = find_municipality(city, uf)
            given["city_code"], given["city"] = found.code, found.name
        except LojasyncError as exc:
            # With the way out the table's refusal gives a customer's address, as the company's own is fixed here.
            # In words for the page and the terminal alike (first-day walk: the page showed "--city-code sem --city").
            problems.append(f"{exc.message.rstrip('.')}: confira a grafia, ou informe só o código IBGE do município, "
                            "sem a cidade (ela vem do código)")
            commands = ("lojasync company set --city-code CÓDIGO (sem --city)",)
    if problems:
        raise CompanyDataInvalid(problems, commands)
    for name, value in given.items():
        setattr(company, name, value)


_ORIGINS = frozenset("012345678")
_OPTIONAL_TEXTS = ("trade_name", "complement", "phone")


def _technical_responsible(given: dict[str, Any]) -> list[str]:
    """infRespTec's fields, checked as the NF-e takes them (an empty one is cleared)."""
    problems = []
    for name in ("tech_cnpj", "tech_contact", "tech_email", "tech_phone"):
        if name in given:
            given[name] = given[name].strip() or None
    if given.get("tech_cnpj"):
        parsed = parse_tax_id(given["tech_cnpj"])
        if getattr(parsed, "kind", None) is not TaxIdKind.CNPJ:
            problems.append(f"CNPJ do responsável técnico inválido: {given['tech_cnpj']}")
        else:
            given["tech_cnpj"] = parsed.value
    if given.get("tech_contact") and not 2 <= len(given["tech_contact"]) <= 60:
        problems.append("contato do responsável técnico deve ter de 2 a 60 caracteres")
    email = given.get("tech_email")
    if email and (len(email) > 60 or not _EMAIL.fullmatch(email)):
        problems.append(f"e-mail do responsável técnico inválido: {email}")
    if given.get("tech_phone"):
        digits = "".join(c for c in given["tech_phone"] if ascii_digits(c))
        if not 6 <= len(digits) <= 14:
            problems.append(f"telefone do responsável técnico deve ter de 6 a 14 dígitos: {given['tech_phone']}")
        given["tech_phone"] = digits
    return problems


_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class NumberAlreadyUsed(LojasyncError):
    code = "fiscal.number_used"
    message_template = ("O número {number} da série {series} ({environment}) já foi usado ou inutilizado: o maior "
                        "é {used}.")
    resolution_template = "Informe um próximo número maior que {used} (ou deixe que o lojasync continue a sequência)."
    action = Action.CONFIGURE


def _number_from_what_was_used(uow: ProcessingUnitOfWork, company: Company, data: CompanyData,
                               left: tuple[str, int, int]) -> None:
    """Each environment and series has its own sequence: switching to another resumes it where the company left
    it (production starts at 1 after the tests in homologação), never below a number already used, and a number
    already used is refused. Numbers voided at SEFAZ count as used: an NF-e given one would be refused (206).
    `left`: the environment, series and next number before this change. Only a real switch moves the number: the
    same series given again (a provisioning script run twice, a form saved unchanged) kept a next number set by
    hand (to continue another ERP's numbering) and was wound back to lojasync's own highest + 1, numbers SEFAZ
    already holds (539)."""
    used = max(uow.invoices.highest_number(company.environment, company.series),
               uow.number_voids.highest_number(company.environment, company.series))
    switched = (company.environment, company.series) != left[:2]
    if data.next_number is not None:
        if data.next_number <= used:
            raise NumberAlreadyUsed(number=data.next_number, series=company.series, used=used,
                                    environment=_ENVIRONMENT_NAMES[company.environment])
    elif switched:
        kept = (company.number_sequences or {}).get(sequence_key(company.environment, company.series), 1)
        company.next_number = max(used + 1, kept)
    if switched:
        company.left_sequence(*left)


_ENVIRONMENT_NAMES = {HOMOLOGATION: "homologação", PRODUCTION: "produção"}


class EnvironmentChangeRefused(LojasyncError):
    code = "fiscal.environment_change_refused"
    # Which ones, by status (review: only a count was said, and the list it pointed to showed every NF-e ever made).
    message_template = "Há NF-e ainda não resolvidas ({count}): {which}."
    resolution_template = ("Transmita ou descarte essas NF-e (na lista de NF-e, com o filtro da situação) antes de "
                           "trocar de ambiente: cada uma pertence ao ambiente em que foi gerada.")
    action = Action.SEE_INVOICES


class EnvironmentChangeRefusedVoids(LojasyncError):
    code = "fiscal.environment_change_refused_voids"
    left_to_worker = True
    message_template = "Há {requests} de inutilização aguardando a SEFAZ: {numbers}."
    resolution_template = ("Espere a resposta (o lojasync repete o pedido sozinho a cada 5 minutos) ou peça de novo a "
                           "mesma faixa em NF-e → Inutilização de números antes de trocar de ambiente: cada pedido "
                           "pertence ao ambiente em que foi feito.")
    action = Action.SEE_INVOICES


class CnpjChangeRefused(LojasyncError):
    code = "fiscal.cnpj_change_refused"
    left_to_worker = True
    message_template = ("Há {count} documento(s) do CNPJ {cnpj} ainda não resolvido(s) (NF-e pendentes, aguardando a "
                        "SEFAZ ou rejeitadas, cancelamentos ou inutilizações sem resposta): o CNPJ não foi trocado.")
    resolution_template = ("Transmita ou descarte as NF-e não resolvidas e espere as respostas da SEFAZ (o lojasync "
                           "consulta sozinho, em minutos); troque o CNPJ depois. Cada documento vai à SEFAZ com o "
                           "certificado da empresa que o emitiu, e o da empresa nova a SEFAZ recusa para ele (213).")
    action = Action.SEE_INVOICES


def _refuse_cnpj_change_in_flight(uow: ProcessingUnitOfWork, leaving: str, now: datetime) -> None:
    """No other company (another CNPJ base: a branch of the same one keeps its certificate) while a document of this
    one is unsettled: an NF-e not decided (sent as signed, it would go with the new company's certificate, which
    SEFAZ refuses for it), a cancellation or a number void awaiting SEFAZ (review: the change was taken)."""
    cancellations = set(uow.invoices.cancellations_requested(now + timedelta(days=3650)))
    unsettled = set(_unsettled_invoice_ids(uow)) | cancellations
    voids = uow.number_voids.awaiting_sefaz()
    if unsettled or voids:
        refused = CnpjChangeRefused(count=len(unsettled) + len(voids), cnpj=format_cnpj(leaving))
        # A worker settles only what awaits SEFAZ; pending or rejected NF-e wait for a person (review).
        refused.left_to_worker = bool(voids or cancellations or uow.invoices.list(InvoiceStatus.AWAITING, limit=1))
        raise refused


_UNSETTLED = (InvoiceStatus.PENDING, InvoiceStatus.AWAITING, InvoiceStatus.REJECTED)


def _unsettled_invoice_ids(uow: ProcessingUnitOfWork) -> list[int]:
    """The NF-e not settled yet: pending, awaiting SEFAZ or rejected (each belongs to the company as it was)."""
    return [i.id for status in _UNSETTLED for i in uow.invoices.list(status)]


_PLURALS = {InvoiceStatus.PENDING: "pendentes", InvoiceStatus.AWAITING: "aguardando SEFAZ",
            InvoiceStatus.REJECTED: "rejeitadas"}


def _some_numbers(invoices, shown: int = 10) -> str:
    """ "12, 13 e 15": the first `shown` in number order and how many more; with the series when they differ."""
    several_series = len({i.series for i in invoices}) > 1
    found = sorted(invoices, key=lambda i: (i.series, i.number))
    words = [f"{i.number} (série {i.series})" if several_series else str(i.number) for i in found[:shown]]
    if len(found) > shown:
        words.append(f"mais {len(found) - shown}")
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} e {words[-1]}"


def _refuse_while_in_flight(uow: ProcessingUnitOfWork, leaving: str) -> None:
    """No switch away from `leaving` while something of it awaits SEFAZ or a person: NF-e not settled, requests
    to void numbers (only those of `leaving`: one an earlier version left in the other environment is resent
    once the company is back there, which must stay possible)."""
    unsettled = {status: uow.invoices.list(status) for status in _UNSETTLED}
    if any(unsettled.values()):
        raise EnvironmentChangeRefused(count=sum(map(len, unsettled.values())), which="; ".join(
            f"{_PLURALS[status]} nº {_some_numbers(found)}" for status, found in unsettled.items() if found))
    awaiting = [v for v in uow.number_voids.awaiting_sefaz() if v.environment == leaving]
    if awaiting:   # resent after the switch, they would go to the other environment
        raise EnvironmentChangeRefusedVoids(requests="pedidos" if len(awaiting) > 1 else "pedido",
                                            numbers="; ".join(f"nº {v.numbers} da série {v.series}" for v in awaiting))


def install_certificate(uow: ProcessingUnitOfWork, box: SecretBox, pfx: bytes, password: str,
                        now: datetime | None = None, ca_bundle: str | None = None) -> CompanyView:
    """Keep the A1 certificate (checked first: password, private key, validity) sealed with the secret key.
    `ca_bundle`: the operator's PEM of CAs (LOJASYNC_SEFAZ_CA_BUNDLE), for whether the certificate is ICP-Brasil's."""
    now = now or datetime.now(timezone.utc)
    certificate = Certificate.load(pfx, password)
    certificate.ensure_valid(now)
    with uow:
        company = _company(uow)
        if certificate.is_test_certificate and company.in_production:
            raise CertificateForTestsOnly(reason="em produção")
        if company.cnpj:
            # Another company's certificate would replace the one in use and stop every NF-e (213): refused before.
            try:
                certificate.ensure_issuer(company.cnpj)
            except CertificateCnpjMismatch as exc:
                exc.resolution = ("Nada foi trocado: o certificado em uso continua. Instale o certificado A1 (e-CNPJ) "
                                  "da empresa; se a empresa mudou de CNPJ, corrija o CNPJ antes.")
                raise
        _keep(company, box, certificate, pfx, password, operator_cas(ca_bundle))
        uow.commit()
        return company_view(company, now)


def install_test_certificate(uow: ProcessingUnitOfWork, box: SecretBox, now: datetime | None = None) -> CompanyView:
    """A self-signed certificate with the company's CNPJ, for homologação against the SEFAZ simulator."""
    now = now or datetime.now(timezone.utc)
    with uow:
        company = _company(uow)
        if company.in_production:
            raise CertificateForTestsOnly(reason="em produção")
        if not company.cnpj or not company.legal_name:
            raise CompanyDataInvalid(["cadastre razão social e CNPJ antes do certificado de teste"])
        pfx = make_test_certificate(company.cnpj, company.legal_name, password=TEST_PASSWORD, now=now)
        _keep(company, box, Certificate.load(pfx, TEST_PASSWORD), pfx, TEST_PASSWORD)
        uow.commit()
        return company_view(company, now)


def load_certificate(company: Company, box: SecretBox) -> Certificate:
    """The company's certificate, unsealed. None installed is said as such (approving or cancelling an NF-e after
    `secrets reset` erased it said the certificate was sealed with another key). No key opening it is the
    certificate's problem, said as such: the stores' words ("reconecte a loja") sent the merchant elsewhere."""
    if not company.certificate or not company.certificate_password:
        raise CertificateMissing()
    try:
        pfx = base64.b64decode(box.decrypt(company.certificate))
        password = box.decrypt(company.certificate_password)
    except TokenDecryptError as exc:
        raise CertificateSealedWithAnotherKey() from exc
    return Certificate.load(pfx, password)


def ibs_cbs_notice(uow: ProcessingUnitOfWork, issued: Iterable[datetime | None]) -> Gap | None:
    """What to tell whoever just generated or transmitted NF-e dated `issued` (their dhEmi) when the IBS/CBS rates
    are of an earlier year (`ibs_cbs_year_notice`), once, for the latest; None otherwise. Said where the operator
    looks at the turn of the year (the run's result, the flash): the NF-e went on, carrying last year's rates."""
    dates = [moment for moment in issued if moment is not None]
    if not dates:
        return None
    with uow:
        company = uow.company.get()
        return ibs_cbs_year_notice(company, max(dates)) if company is not None else None


def show_company(uow: ProcessingUnitOfWork, now: datetime | None = None, *, simulated: bool = False,
                 box: SecretBox | None = None) -> CompanyView:
    """The company as this process would issue for it: `simulated` (it sends to SEFAZ's simulator) and `box` (its
    key) add what they keep from issuing to the problems (`process_problems`)."""
    with uow:
        # Read without a lock: its callers are pages and the terminal's `company show`, on a reader (review: locked,
        # a reader on PostgreSQL, REPEATABLE READ, waited for the NF-e taking its number and was then refused for the
        # row changed since its snapshot, the Configurações page failing while NF-e were numbered).
        company = _company(uow, lock=False)
        view = company_view(company, now or datetime.now(timezone.utc))
        extra = [p for p in process_problems(company, simulated, box) if p not in view.problems]
        return replace(view, problems=[*view.problems, *extra]) if extra else view


def _company(uow: ProcessingUnitOfWork, lock: bool = True) -> Company:
    company = uow.company.get(for_update=lock)
    if company is None:
        raise CompanyMissing()
    return company


def _keep(company: Company, box: SecretBox, certificate: Certificate, pfx: bytes, password: str,
          operator: tuple = ()) -> None:
    company.certificate = box.encrypt(base64.b64encode(pfx).decode("ascii"))
    company.certificate_password = box.encrypt(password)
    company.certificate_subject = certificate.subject_name[:300]
    company.certificate_cnpj = certificate.cnpj
    company.certificate_not_after = certificate.not_after
    company.certificate_is_test = certificate.is_test_certificate
    company.certificate_icp_brasil = chains_to_icp_brasil(certificate.x509, certificate.chain, operator)


# CRT 3 with a rate never set: the NF-e carry lojasync's defaults (ICMS 18%, lucro presumido's PIS/COFINS), which
# SEFAZ does not refuse; an RJ or PR company would issue with the wrong tax. Said, not refused: they may be right.
DEFAULT_RATES_WARNING = ("regime normal com alíquota(s) padrão do lojasync, nunca informada(s): {rates}; confira com o "
                         "contador e informe as da empresa (Configurações → Tributos; no terminal, lojasync company "
                         "taxes)")


class DefaultRatesWarning(Gap):
    """The warning of CRT 3 rates never set, known by its type wherever it is listed (the company's warnings, the
    taxes' notes): Configurações says it once, in Tributos, beside the rates it asks for."""


def default_rates_warning(company: Company) -> DefaultRatesWarning | None:
    """What to say when a regime normal company's NF-e carry lojasync's default rates; None when it set them all."""
    unset = default_rates_in_use(company)
    return DefaultRatesWarning(DEFAULT_RATES_WARNING.format(rates=", ".join(unset))) if unset else None


def default_rates_in_use(company: Company) -> list[str]:
    """The CRT 3 rates the company never set, each as the NF-e takes it by default ("ICMS 18%")."""
    if company.crt != REGIME_NORMAL:
        return []
    defaults = TaxSettings()
    return [f"{label} {str(default).replace('.', ',')}%" for label, kept, default in (
        ("ICMS", company.icms_rate, defaults.icms_rate), ("PIS", company.pis_rate, defaults.pis_rate),
        ("COFINS", company.cofins_rate, defaults.cofins_rate)) if kept is None]


def certificate_expiry(company: Company, now: datetime) -> str | None:
    """What to say of the certificate's validity: expiring within EXPIRY_WARNING, or expired; None otherwise.
    Configurações and every page of the back office say the same words."""
    if company.certificate_not_after is not None and now < company.certificate_not_after <= now + EXPIRY_WARNING:
        # Calendar days on the merchant's clock, as the date beside them: expiring on the 12th, seen on the 2nd, is
        # "10 dias" whatever the hours (whole 24-hour periods said 9).
        ends = local_day(company.certificate_not_after)
        days = (ends - local_day(now)).days
        when = "hoje" if days == 0 else "amanhã" if days == 1 else f"em {days} dias"
        return f"o certificado A1 vence {when} ({ends:%d/%m/%Y}): renove-o com a certificadora"
    return company.certificate_expired(now)


def time_zone_notice(company: Company, now: datetime) -> str | None:
    """The company is in a UF whose clock is not the one lojasync shows days and hours in (LOJASYNC_TIME_ZONE): its
    NF-e say its own hour, the pages another. Said on Configurações and every page, with the setting that mends it:
    a merchant in Manaus would not know it exists."""
    zone = local_zone(company.uf)
    if not company.uf or zone.utcoffset(now) == merchant_zone().utcoffset(now):
        return None
    return (f"a empresa está em {company.uf.upper()}, no fuso {zone.key}, e o lojasync mostra datas e horas no fuso "
            f"{merchant_zone().key}: defina LOJASYNC_TIME_ZONE={zone.key} para listas, filtros e vencimentos no "
            "horário da loja (as NF-e já levam o da UF)")


def company_view(company: Company, now: datetime) -> CompanyView:
    warnings = []
    expiring = certificate_expiry(company, now)
    if expiring and not company.certificate_expired(now):   # once expired, it is among the problems
        warnings.append(expiring)
    elsewhere = time_zone_notice(company, now)
    if elsewhere:
        warnings.append(elsewhere)
    if company.certificate_cnpj and company.cnpj and company.certificate_cnpj[:8] != company.cnpj[:8]:
        warnings.append(f"o certificado é do CNPJ {format_cnpj(company.certificate_cnpj)}, não da empresa "
                        f"({format_cnpj(company.cnpj)}): a "
                        "SEFAZ rejeitaria as NF-e (213)")
    if company.certificate_is_test:
        warnings.append("certificado de teste: as NF-e só valem no simulador da SEFAZ (homologação)")
    elif company.certificate_icp_brasil is False:
        # Said, not refused: a real A1 whose file lacks an AC lojasync does not ship would be refused wrongly.
        warnings.append("não foi possível confirmar que o certificado é da cadeia ICP-Brasil (nem o arquivo nem as "
                        "ACs que acompanham o lojasync levam a uma raiz ICP-Brasil), e a SEFAZ só aceita A1 "
                        "ICP-Brasil: se ele é de uma certificadora credenciada, exporte o .pfx com a cadeia completa e "
                        "instale-o de novo; se não, instale o e-CNPJ da empresa")
    if defaults := default_rates_warning(company):
        warnings.append(defaults)
    if stale := ibs_cbs_year_notice(company, now):
        warnings.append(stale)
    address = ", ".join(p for p in (company.street, company.number, company.complement, company.district) if p)
    return CompanyView(company.legal_name, company.trade_name, company.cnpj, company.ie, company.crt, address,
                       company.city_name, company.city_code, company.uf, company.zipcode, company.series,
                       company.next_number, "producao" if company.in_production else "homologacao",
                       company.default_ncm, company.certificate_subject, company.certificate_cnpj,
                       company.certificate_not_after, company.certificate_is_test, warnings, company.problems(now),
                       company.phone, company.default_origin, company.default_unit, company.tech_cnpj,
                       company.tech_contact, company.tech_email, company.tech_phone, company.mercado_livre_seller,
                       company.ibs_cbs_year)
