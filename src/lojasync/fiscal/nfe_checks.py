"""What must be true before an NF-e is written: every gap in the company, the customer, the products and the
amounts, listed at once in Portuguese, so the merchant fixes them in one go instead of meeting one SEFAZ
rejection after another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.access_key import check_digit
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.nfe_data import (
    Delivery,
    FiscalAddress,
    InvoiceDraft,
    InvoiceItem,
    Issuer,
    Payment,
    Recipient,
    TaxSettings,
    TechnicalResponsible,
)
from lojasync.fiscal.nfe_money import amount_problems
from lojasync.fiscal.tax_rules import (
    ICMS_RETAINED_CFOPS,
    arrival_uf,
    cfop_problem,
    destination,
    difal_problem,
    tax_uf,
)
from lojasync.shared.errors import Gap, LojasyncError
from lojasync.shared.money import ZERO
from lojasync.shared.state_registration import EXEMPT_NOT_ADMITTED, ISENTO, is_valid_ie, normalise_ie
from lojasync.shared.tax_id import TaxId, TaxIdKind, parse_tax_id
from lojasync.stock.fiscal_data import gtin_is_restricted, gtin_is_valid  # the product's own checks (611, 882)

_NCM = re.compile(r"\d{8}")
_CEST = re.compile(r"\d{7}")
_KEY = re.compile(r"[0-9]{6}[0-9A-Z]{12}[0-9]{26}")
_MAX_ITEMS = 990
# Where the buyer's data are mended: the store's order, whose update arrives by itself.
FIX_IN_STORE = "corrija-o na loja (a atualização do pedido chega sozinha) ou emita uma venda simples"


class NfeIncomplete(LojasyncError):
    """The NF-e cannot be valid with the data at hand; `problems` lists every gap."""

    code = "nfe.incomplete"
    message_template = "A NF-e não pode ser emitida: {summary}."
    resolution_template = "Complete os dados indicados (empresa, cliente, produtos ou pedido) e gere a NF-e de novo."

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        super().__init__(summary="; ".join(self.problems), problems=self.problems)


def address_problems(address: FiscalAddress, who: str, *, zipcode_required: bool,
                     reported: frozenset[str] = frozenset()) -> list[str]:
    """`reported`: what the caller already said is missing (`Company` attributes), not checked again."""
    problems = []
    for field, label, value in (("street", "rua", address.street), ("district", "bairro", address.district),
                                ("city", "município", address.municipality)):
        written = fmt.text(value, 60)
        if field not in reported and len(written) < 2:
            # One letter is given, not missing (review: "bairro não informado" of a bairro "A").
            problems.append(f"{who}: {label} do endereço com menos de 2 caracteres" if written
                            else f"{who}: {label} do endereço não informado(a)")
    uf = (address.uf or "").upper()
    code = fmt.digits(address.municipality_code)
    if "uf" not in reported and uf not in UF_CODES:
        problems.append(f"{who}: UF do endereço inválida ou não informada ({address.uf or 'vazia'})")
    if "city_code" not in reported:
        if len(code) != 7:
            problems.append(f"{who}: código IBGE do município não informado ou inválido (7 dígitos)")
        elif uf in UF_CODES and code[:2] != UF_CODES[uf]:
            problems.append(f"{who}: o código IBGE do município ({code}) não é de {uf}")
    zipcode = fmt.digits(address.zipcode)
    if "zipcode" not in reported and (zipcode or zipcode_required) and len(zipcode) != 8:
        problems.append(f"{who}: CEP inválido ou não informado (8 dígitos)")
    return problems


# ISENTO is a recipient's word: an issuer's NF-e carries its registration's digits (SEFAZ rejects the word, 209).
# One wording for the company's problems and the NF-e's, so that a refusal listing both says it once.
ISSUER_EXEMPT = ("Empresa: inscrição estadual ISENTO não vale para quem emite a NF-e (a SEFAZ rejeita, 209): "
                 "informe os números da IE da empresa")


def _issuer_problems(issuer: Issuer | None, reported: frozenset[str] = frozenset()) -> list[str]:
    if issuer is None:
        return ["Empresa: dados da empresa (emitente) não cadastrados"]
    problems = []
    if "legal_name" not in reported and len(fmt.text(issuer.legal_name, 60)) < 2:
        problems.append("Empresa: razão social não informada")
    tax_id = parse_tax_id(issuer.cnpj)
    if "cnpj" not in reported and (not isinstance(tax_id, TaxId) or tax_id.kind is not TaxIdKind.CNPJ):
        problems.append("Empresa: CNPJ inválido ou não informado")
    uf = (issuer.address.uf or "").upper()
    if "ie" not in reported:
        if normalise_ie(issuer.state_registration) is None:
            problems.append("Empresa: inscrição estadual não informada")
        elif normalise_ie(issuer.state_registration) == ISENTO:   # a company saved so by an older version
            problems.append(ISSUER_EXEMPT)
        elif uf in UF_CODES and not is_valid_ie(issuer.state_registration, uf):
            problems.append(f"Empresa: inscrição estadual {issuer.state_registration} inválida para {uf}")
    problems += address_problems(issuer.address, "Empresa", zipcode_required=True, reported=reported)
    return problems


def _recipient_problems(recipient: Recipient | None, address_reported: bool = False) -> list[str]:
    if recipient is None:
        return ["Cliente: pedido sem cliente identificado (CPF/CNPJ): cadastre o CPF/CNPJ do cliente na loja ou "
                "vincule um cliente"]
    problems = []
    given = fmt.text(recipient.name, 60)
    if len(given) < 2:
        missing = f"nome com menos de 2 letras: {FIX_IN_STORE}" if given else "nome não informado"
        problems.append(f"Cliente: {_missing_or_unwritable(recipient.name, missing, 'nome', shown=False)}")
    if not isinstance(parse_tax_id(recipient.tax_id), TaxId):
        problems.append("Cliente: CPF/CNPJ inválido ou não informado")
    uf = (recipient.address.uf or "").upper() if recipient.address else ""
    ie = normalise_ie(recipient.state_registration)
    if ie == ISENTO and uf in EXEMPT_NOT_ADMITTED:
        problems.append(f"Cliente: {uf} não admite contribuinte isento de inscrição estadual (rejeição 805): informe "
                        "a inscrição do cliente ou deixe o campo em branco (não contribuinte)")
    elif ie and uf in UF_CODES and not is_valid_ie(recipient.state_registration, uf):
        problems.append(f"Cliente: inscrição estadual {recipient.state_registration} inválida para {uf} (se o "
                        "cliente não é contribuinte do ICMS, deixe em branco)")
    if recipient.address is None:
        if not address_reported:   # its city not found, abroad: said as such by the caller
            problems.append("Cliente: endereço não informado")
    else:
        found = address_problems(recipient.address, "Cliente", zipcode_required=False)
        # Nothing here edits an order's address: where to mend it, said once (review: "corrija o que foi indicado"
        # gave nowhere to do it).
        problems += [*found, f"Cliente: endereço incompleto: {FIX_IN_STORE}"] if found else []
    return problems


def _missing_or_unwritable(value: str | None, missing: str, what: str, shown: bool = True) -> str:
    """Why a text the NF-e needs is not there: missing, or made only of characters the NF-e cannot write (emoji,
    another alphabet), which the operator sees in the ERP (review: "🎁🎁🎁" was "produto sem descrição"). `shown`:
    the value quoted (not a person's name: a refusal is kept in batch reports)."""
    if value and value.strip() and fmt.drops_characters(value):
        quoted = f" \"{value.strip()}\"" if shown else ""
        return f"{what}{quoted} só tem caracteres que a NF-e não aceita (emojis, outros alfabetos): corrija-o na loja"
    return missing


def _item_problems(position: int, item: InvoiceItem) -> list[str]:
    who = f"Item {position} ({fmt.text(item.code, 60) or 'sem código'})"
    problems = []
    if not fmt.text(item.code, 60):
        problems.append(f"{who}: {_missing_or_unwritable(item.code, 'produto sem código (SKU)', 'código (SKU)')}")
    if not fmt.text(item.description, 120):
        why = _missing_or_unwritable(item.description, "produto sem descrição", "nome do produto")
        problems.append(f"{who}: {why}")
    if not item.ncm:
        problems.append(f"{who}: produto sem NCM: cadastre o NCM do produto ou um NCM padrão da empresa")
    elif not _NCM.fullmatch(item.ncm):
        problems.append(f"{who}: NCM {item.ncm} inválido (8 dígitos)")
    if item.cest and not _CEST.fullmatch(item.cest):
        problems.append(f"{who}: CEST {item.cest} inválido (7 dígitos)")
    elif not item.cest and item.cfop in ICMS_RETAINED_CFOPS:
        # SEFAZ's 806: an item with ICMS retained by substitution names its CEST.
        problems.append(f"{who}: CEST obrigatório para produto com ICMS-ST (CFOP {item.cfop}): cadastre o CEST do "
                        "produto")
    if item.origin not in range(9):
        problems.append(f"{who}: origem da mercadoria {item.origin} inválida (0 a 8)")
    if not fmt.text(item.unit, 6):
        problems.append(f"{who}: unidade comercial não informada")
    if item.gtin and not gtin_is_valid(item.gtin):
        problems.append(f"{who}: GTIN/EAN {item.gtin} inválido (deixe vazio para \"SEM GTIN\")")
    elif item.gtin and gtin_is_restricted(item.gtin):
        problems.append(f"{who}: GTIN/EAN {item.gtin} é de circulação restrita (código interno da loja, peso "
                        "variável, cupom), que a SEFAZ recusa (882): deixe vazio para \"SEM GTIN\"")
    return problems


def missing_for_nfe(issuer: Issuer | None, recipient: Recipient | None, items: Sequence[InvoiceItem], *,
                    payments: Sequence[Payment] = (), freight: Decimal = ZERO, discount: Decimal = ZERO,
                    other: Decimal = ZERO, order_total: Decimal | None = None, taxes: TaxSettings | None = None,
                    series: int = 1, number: int = 1, lines_left_out: int = 0,
                    recipient_reported: bool = False, delivery: Delivery | None = None, pickup: bool = False,
                    issuer_reported: frozenset[str] = frozenset()) -> list[str]:
    """Everything that keeps these data from making a valid NF-e, in Portuguese; empty when nothing does.

    `lines_left_out`: order lines that could not become items (their problem is already listed). The count
    and money checks are then skipped: about a partial set of items they would report nonsense ("no items",
    "discount greater than the goods") that goes away once those lines are fixed. `recipient_reported`: the
    caller already said why there is no recipient (no customer, no address), or no address of it (its city not
    found, abroad): not said twice. `issuer_reported`:
    the company's data the caller already listed as missing ("empresa sem CEP": {"zipcode"}), by `Company`
    attribute: not said again in other words.
    """
    problems = _issuer_problems(issuer, issuer_reported)
    if not (recipient is None and recipient_reported):
        problems += _recipient_problems(recipient, address_reported=recipient_reported)
    if not items and not lines_left_out:
        problems.append("Pedido: o pedido não tem itens")
    elif len(items) + lines_left_out > _MAX_ITEMS:
        problems.append(f"Pedido: {len(items) + lines_left_out} itens; uma NF-e leva no máximo {_MAX_ITEMS}")
    for position, item in enumerate(items, start=1):
        problems += _item_problems(position, item)
    if not lines_left_out:
        problems += [f"Pedido: {p}" for p in amount_problems(items, freight=freight, discount=discount, other=other,
                                                              order_total=order_total, payments=payments)]
    problems += numbering_problems(series, number)
    # The rules that depend on where the goods go, once both UFs are known.
    issuer_uf = (issuer.address.uf or "").upper() if issuer else ""
    recipient_uf = (recipient.address.uf or "").upper() if recipient and recipient.address else ""
    if recipient_uf and recipient is not None:   # the UF the sale is taxed for (`tax_rules.tax_uf`)
        recipient_uf = tax_uf(recipient_uf, recipient.state_registration,
                              arrival_uf(issuer_uf, delivery.address.uf if delivery is not None else None, pickup))
    if issuer is not None and recipient is not None and issuer_uf in UF_CODES and recipient_uf in UF_CODES:
        dest = destination(issuer_uf, recipient_uf, recipient.state_registration)
        for position, item in enumerate(items, start=1):
            problem = cfop_problem(dest, item.cfop)
            if problem:
                problems.append(f"Item {position} ({fmt.text(item.code, 60)}): {problem}")
        problem = difal_problem(issuer.crt, taxes or TaxSettings(), dest, recipient_uf)
        if problem:   # with the command that sets the rate, for the terminal
            problems.append(Gap(f"Empresa: {problem}", getattr(problem, "terminal", None)))
    return problems


def numbering_problems(series: int, number: int) -> list[str]:
    problems = []
    if not 0 <= series <= 889:   # 890 to 999 are the NF-e avulsa's and contingency's: SEFAZ refuses them (266)
        problems.append(f"Empresa: série da NF-e {series} inválida (0 a 889)")
    if not 1 <= number <= 999_999_999:
        problems.append(f"Empresa: número da NF-e {number} inválido (1 a 999999999)")
    return problems


def technical_responsible_problems(tech: TechnicalResponsible | None) -> list[str]:
    if tech is None:
        return []
    problems = []
    if not isinstance(parse_tax_id(tech.cnpj), TaxId) or len(fmt.document(tech.cnpj)) != 14:
        problems.append("Empresa: CNPJ do responsável técnico inválido")
    if len(fmt.text(tech.contact, 60)) < 2:
        problems.append("Empresa: contato do responsável técnico não informado")
    if len(fmt.text(tech.email, 60)) < 6 or "@" not in tech.email:
        problems.append("Empresa: e-mail do responsável técnico inválido")
    if not 6 <= len(fmt.digits(tech.phone)) <= 14:
        problems.append("Empresa: telefone do responsável técnico inválido (6 a 14 dígitos)")
    return problems


def draft_problems(draft: InvoiceDraft) -> list[str]:
    """`missing_for_nfe` of a whole draft, and its technical responsible (infRespTec) when there is one."""
    return missing_for_nfe(draft.issuer, draft.recipient, draft.items, payments=draft.payments,
                           freight=draft.freight, discount=draft.discount, other=draft.other_costs,
                           order_total=draft.order_total, taxes=draft.taxes, series=draft.series,
                           number=draft.number, delivery=draft.delivery, pickup=draft.pickup
                           ) + technical_responsible_problems(
        draft.technical_responsible)


def key_mismatches(draft: InvoiceDraft) -> list[str]:
    """Where the access key disagrees with the draft (a bug of whoever drew the key, not the merchant's)."""
    key = draft.access_key
    if not _KEY.fullmatch(key):
        return [f"chave de acesso malformada: {key!r}"]
    expected = {
        "cUF": (key[:2], UF_CODES.get(draft.issuer.address.uf.upper(), "?")),
        "AAMM": (key[2:6], draft.issued_at.strftime("%y%m")),
        "CNPJ": (key[6:20], fmt.document(draft.issuer.cnpj)),
        "mod": (key[20:22], "55"),
        "série": (key[22:25], f"{draft.series:03d}"),
        "nNF": (key[25:34], f"{draft.number:09d}"),
        "tpEmis": (key[34], "1"),
        "cNF": (key[35:43], draft.random_code),
        "cDV": (key[43], check_digit(key[:43])),
    }
    return [f"{name} da chave é {got}, esperado {want}" for name, (got, want) in expected.items() if got != want]
