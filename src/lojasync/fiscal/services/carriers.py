"""Use cases of the carriers (transportadoras) the merchant registers: add or change one, list them, remove one
(`lojasync company carriers`, Configurações → Transportadoras). Each is matched to the orders by the store's
code of the carrier, whatever its case; a registered one is named in the NF-e of the orders it ships."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from lojasync.fiscal.carriers import RegisteredCarrier, carrier_code
from lojasync.fiscal.municipalities import find_municipality
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.shared.address import uf_of
from lojasync.shared.errors import Action, LojasyncError
from lojasync.shared.state_registration import ISENTO, check_ie, full_length, normalise_ie
from lojasync.shared.tax_id import TaxIdKind, parse_tax_id

# The store's codes are words ("correios", "mercado_envios", "table_131313"): no spaces, within the column.
CODE_SIZE = 40
# xNome, xEnder, xMun: the NF-e's limits (xNome takes at least 2 characters).
NAME_SIZE = TEXT_SIZE = 60


class CarrierDataInvalid(LojasyncError):
    code = "fiscal.carrier_invalid"
    message_template = "Transportadora não gravada: {problems}."
    resolution_template = "Corrija o que foi indicado e grave de novo; nada foi gravado."
    action = Action.CONFIGURE

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems="; ".join(problems))
        self.problems = problems


class CarrierNotFound(LojasyncError):
    code = "fiscal.carrier_not_found"
    message_template = "Nenhuma transportadora cadastrada com o código {code}."
    resolution_template = "Confira o código nas transportadoras cadastradas (Configurações → Transportadoras)."
    terminal_commands = ("lojasync company carriers list",)


@dataclass(frozen=True)
class CarrierData:
    """What `company carriers set` may change; None leaves a field as it is, "" clears an optional one."""

    name: str | None = None
    cnpj: str | None = None
    cpf: str | None = None
    ie: str | None = None
    address: str | None = None
    city: str | None = None
    uf: str | None = None


@dataclass(frozen=True)
class CarrierView:
    code: str
    name: str
    tax_id: str | None
    tax_id_kind: str | None     # "CNPJ" or "CPF"
    ie: str | None
    address: str | None
    city: str | None
    uf: str | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def place(self) -> str:
        """Where it is, as the list and the terminal say it: "SBN Quadra 1, Bloco A, Brasília/DF" ("" if unknown)."""
        town = "/".join(p for p in (self.city, self.uf) if p)
        return ", ".join(p for p in (self.address, town) if p)


def set_carrier(uow: ProcessingUnitOfWork, code: str, data: CarrierData) -> tuple[CarrierView, bool]:
    """Register the carrier under the store's `code`, or change the one registered; returns it and whether it is
    new. Every problem is listed at once and nothing is written if any."""
    with uow:
        problems: list[str] = []
        key = _code(code, problems)
        carrier = uow.carriers.by_code(key, for_update=True) if key else None
        given = _checked(data, carrier, problems)
        if key and carrier is None and data.name is None:
            problems.insert(0, "informe a razão social da transportadora (uma nova precisa dela)")
        company = uow.company.get()
        document = given.get("tax_id", carrier.tax_id if carrier else None)
        if company is not None and company.cnpj and document and len(document) == 14 and \
                document[:8] == company.cnpj[:8]:
            # Rejection 847: a carrier with the issuer's own CNPJ base is transport by the sender itself (modFrete 3).
            problems.append("o CNPJ da transportadora é da própria empresa emitente: a SEFAZ rejeita a NF-e assim "
                            "(847); para entrega própria, não cadastre transportadora")
        if problems:
            raise CarrierDataInvalid(problems)
        created = carrier is None
        if carrier is None:
            carrier = RegisteredCarrier(key, given["name"])
            uow.carriers.add(carrier)
        for name, value in given.items():
            setattr(carrier, name, value)
        uow.commit()
        return carrier_view(carrier), created


def list_carriers(uow: ProcessingUnitOfWork) -> list[CarrierView]:
    with uow:
        return [carrier_view(c) for c in uow.carriers.list()]


def remove_carrier(uow: ProcessingUnitOfWork, code: str) -> CarrierView:
    """Forget the carrier: the NF-e generated from now on for its orders name no carrier (those already
    generated keep theirs)."""
    with uow:
        carrier = uow.carriers.by_code(carrier_code(code), for_update=True)
        if carrier is None:
            raise CarrierNotFound(code=code.strip() or "(vazio)")
        view = carrier_view(carrier)
        uow.carriers.remove(carrier)
        uow.commit()
        return view


def carrier_view(carrier: RegisteredCarrier) -> CarrierView:
    kind = {14: "CNPJ", 11: "CPF"}.get(len(carrier.tax_id or ""))
    return CarrierView(carrier.code, carrier.name, carrier.tax_id, kind, carrier.ie, carrier.address, carrier.city,
                       carrier.uf)


def _code(code: str, problems: list[str]) -> str | None:
    key = carrier_code(code or "")
    if not key:
        problems.append("informe o código da transportadora na loja (como correios ou jadlog)")
        return None
    if len(key) > CODE_SIZE or any(c.isspace() for c in key):
        problems.append(f"código da transportadora deve ser uma palavra de até {CODE_SIZE} caracteres, como a loja "
                        f"o envia (correios, jadlog): {code.strip()}")
        return None
    return key


def _checked(data: CarrierData, carrier: RegisteredCarrier | None, problems: list[str]) -> dict[str, Any]:
    """The fields to write, cleaned and checked; each problem found is added to `problems`."""
    given: dict[str, Any] = {}
    if data.name is not None:
        name = " ".join(data.name.split())
        if not 2 <= len(name) <= NAME_SIZE:
            problems.append(f"razão social da transportadora deve ter de 2 a {NAME_SIZE} caracteres")
        given["name"] = name
    if data.cnpj is not None and data.cpf is not None:
        problems.append("informe o CNPJ ou o CPF da transportadora, não os dois")
    for text, kind, label in ((data.cnpj, TaxIdKind.CNPJ, "CNPJ"), (data.cpf, TaxIdKind.CPF, "CPF")):
        if text is None:
            continue
        if not text.strip():
            given["tax_id"] = None
            continue
        parsed = parse_tax_id(text)
        if getattr(parsed, "kind", None) is not kind:
            problems.append(f"{label} da transportadora inválido: {text.strip()}")
        else:
            given["tax_id"] = parsed.value
    for name, text in (("address", data.address), ("city", data.city)):
        if text is not None:
            value = " ".join(text.split()) or None
            if value and len(value) > TEXT_SIZE:
                label = "endereço" if name == "address" else "município"
                problems.append(f"{label} da transportadora deve ter até {TEXT_SIZE} caracteres")
            given[name] = value
    uf_known = True
    if data.uf is not None:
        if data.uf.strip():
            try:
                given["uf"] = uf_of(data.uf)
            except LojasyncError as exc:
                problems.append(exc.message.rstrip("."))
                uf_known = False
        else:
            given["uf"] = None
    uf = given.get("uf", carrier.uf if carrier else None) if uf_known else None
    city = given.get("city", carrier.city if carrier else None)
    if ("city" in given or "uf" in given) and city and uf:
        try:   # the municipality as IBGE names it, like the company's: a typo shows here, not on the DANFE
            given["city"] = find_municipality(city, uf).name
        except LojasyncError as exc:
            problems.append(exc.message.rstrip("."))
    elif "city" in given and city and uf_known:
        # Checked against IBGE only within a UF (review: a made-up city without --uf was kept unchecked)
        problems.append("informe a UF da transportadora (--uf) para conferir o município")
    if data.ie is not None:
        ie = normalise_ie(data.ie)
        given["ie"] = ie
        if ie is None and data.ie.strip():
            # Words without a digit ("abc", "isent") read as no registration: said, as the company's (review: kept as
            # none, and "alterada").
            problems.append(f"inscrição estadual {' '.join(data.ie.split())[:40]} não reconhecida: informe os "
                            "números da IE da transportadora, ISENTO, ou deixe em branco se ela não tem")
        elif ie and ie != ISENTO:
            if uf:
                try:
                    check_ie(ie, uf)
                except LojasyncError as exc:
                    problems.append(f"{exc.message.rstrip('.')} (transportadora)")
                else:   # at its UF's length, as the company's and the customers' (review: it was kept short)
                    given["ie"] = full_length(ie, uf)
            elif uf_known:
                problems.append("informe a UF da transportadora (--uf) para conferir a inscrição estadual")
    elif "uf" in given and carrier is not None and carrier.ie and carrier.ie != ISENTO and uf:
        try:   # the IE kept must still be one of the new UF
            check_ie(carrier.ie, uf)
        except LojasyncError as exc:
            problems.append(f"{exc.message.rstrip('.')} (a inscrição estadual cadastrada; informe a nova com a UF)")
        else:
            if (padded := full_length(carrier.ie, uf)) != carrier.ie:
                given["ie"] = padded
    return given
