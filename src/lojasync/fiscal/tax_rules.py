"""The NF-e's tax decisions, as tables: destination and CFOP, the taxes of each regime, the payment codes.

Each decision is one lookup in a table a reader can check against the law; the amounts themselves are worked
out in `nfe_money`. Sources: Manual de Orientação do Contribuinte 7.0, NT 2025.002 (IBS/CBS), Resoluções do
Senado 22/1989 and 13/2012 (interstate ICMS), EC 87/2015 and LC 190/2022 (DIFAL).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from lojasync.fiscal.nfe_data import Crt, TaxSettings
from lojasync.shared.cfop import ICMS_RETAINED_CFOPS, is_sale_cfop
from lojasync.shared.errors import Gap
from lojasync.shared.state_registration import Contributor, contributor_of


@dataclass(frozen=True)
class Destination:
    id_dest: str         # ide/idDest: 1 inside the UF, 2 interstate
    cfop: str            # the CFOP of a resale of goods bought from third parties
    ie_indicator: str    # dest/indIEDest: 1 contributor, 2 exempt, 9 non-contributor


# (same UF?, contributor kind) -> destination. 5102/6102: venda de mercadoria adquirida de terceiros;
# 6108: the same to a non-contributor in another UF (the e-commerce case since EC 87/2015).
_DESTINATIONS: dict[tuple[bool, Contributor], Destination] = {
    (True, Contributor.CONTRIBUTOR): Destination("1", "5102", "1"),
    (True, Contributor.EXEMPT): Destination("1", "5102", "2"),
    (True, Contributor.NON_CONTRIBUTOR): Destination("1", "5102", "9"),
    (False, Contributor.CONTRIBUTOR): Destination("2", "6102", "1"),
    (False, Contributor.EXEMPT): Destination("2", "6108", "2"),
    (False, Contributor.NON_CONTRIBUTOR): Destination("2", "6108", "9"),
}

# The first digit of an output CFOP says where the goods go: 5 inside the UF, 6 to another UF.
_CFOP_FIRST_DIGIT = {"1": "5", "2": "6"}
_CFOP = re.compile(r"[1235-7]\d{3}")
_TO_NON_CONTRIBUTOR = frozenset({"6107", "6108"})


def tax_uf(recipient_uf: str, recipient_ie: str | None, delivery_uf: str | None) -> str:
    """The UF a sale is taxed for: where the goods arrive (the `entrega` group's UF) when the recipient is not an
    ICMS contributor, since LC 190/2022 (LC 87/96 art. 11 §7: the DIFAL is the UF of the goods' physical
    arrival), and SEFAZ takes idDest by that UF (NT 2015.003, exceptions to rejections 772 and 773); the
    recipient's own UF for a contributor, whose establishment takes the goods in."""
    if delivery_uf and contributor_of(recipient_ie) is not Contributor.CONTRIBUTOR:
        return delivery_uf.upper()
    return recipient_uf.upper()


def arrival_uf(issuer_uf: str, delivery_uf: str | None, pickup: bool) -> str | None:
    """Where the goods arrive, for `tax_uf`: the issuer's own UF when the buyer picks them up at the store (they never
    leave it: an internal sale, CFOP 5102, no DIFAL; review: an out-of-state consumer's pickup went out as an
    interstate sale, 6108 with the DIFAL); the `entrega` group's UF otherwise (None: the recipient's address).
    SEFAZ's 773 (internal sale to a recipient of another UF) does not apply to a final consumer (indFinal 1)."""
    return issuer_uf.upper() if pickup else delivery_uf


def destination(issuer_uf: str, recipient_uf: str, recipient_ie: str | None) -> Destination:
    """idDest, the default CFOP and indIEDest of a sale from `issuer_uf` to a recipient in `recipient_uf`."""
    return _DESTINATIONS[(issuer_uf.upper() == recipient_uf.upper(), contributor_of(recipient_ie))]


def item_cfop(dest: Destination, override: str | None) -> str:
    """The CFOP of one item: the product's own when it has one, the destination's otherwise."""
    return override.strip() if override and override.strip() else dest.cfop


def cfop_problem(dest: Destination, override: str | None) -> str | None:
    """Why a product's CFOP cannot be used in this sale (in Portuguese), or None."""
    if not override or not override.strip():
        return None
    cfop = override.strip()
    if not _CFOP.fullmatch(cfop):
        return f"CFOP {cfop} inválido (4 dígitos)"
    expected = _CFOP_FIRST_DIGIT[dest.id_dest]
    if cfop[0] != expected:
        where = "dentro do estado" if dest.id_dest == "1" else "para outro estado"
        # One product's CFOP goes to every sale of it: the way out that serves both kinds is to leave it blank (README
        # review: "use um 6xxx" alone, followed, broke the sales inside the state).
        return (f"CFOP {cfop} não serve para venda {where} (use um CFOP {expected}xxx, ou deixe o do produto em "
                "branco, e o CFOP vem do destino de cada venda)")
    if not is_sale_cfop(cfop):
        retained = " ou 5405 (ICMS já retido por substituição tributária)" if expected == "5" else ""
        return (f"CFOP {cfop} é de uma operação que o lojasync não emite (substituto tributário, brinde, "
                f"remessa...): use um CFOP de venda, {expected}101 a {expected}124{retained}, ou deixe o do "
                "produto em branco")
    # 6107/6108 are the interstate sales to whoever is not an ICMS contributor, and only those (review: a product's
    # 6102 went to a consumer with indIEDest 9, its 6108 to a company with an IE).
    to_non_contributor = dest.id_dest == "2" and dest.ie_indicator != "1"
    if to_non_contributor and cfop not in _TO_NON_CONTRIBUTOR:
        return (f"CFOP {cfop} não serve para venda a não contribuinte do ICMS em outro estado (use 6107, produção "
                "própria, ou 6108, revenda; ou deixe o do produto em branco)")
    if dest.id_dest == "2" and not to_non_contributor and cfop in _TO_NON_CONTRIBUTOR:
        return (f"CFOP {cfop} é de venda a não contribuinte, e o destinatário tem inscrição estadual (use 6101 ou "
                "6102, por exemplo; ou deixe o do produto em branco)")
    return None


# --- Interstate ICMS (Resolução do Senado 22/1989 and 13/2012) -------------------------------------------

# From the South and Southeast (except ES) to the North, Northeast, Centre-West and ES the rate is 7%;
# every other interstate sale is 12%.
_SOUTH_SOUTHEAST = frozenset({"SP", "RJ", "MG", "PR", "SC", "RS"})
# Origins 1, 2, 3 and 8 are imported goods (or with import content above 40%): 4% (Res. 13/2012).
# Origins 6 and 7 (no national equivalent, CAMEX list) are outside that rule.
_IMPORTED_ORIGINS = frozenset({1, 2, 3, 8})


def interstate_icms_rate(origin_uf: str, destination_uf: str, goods_origin: int) -> Decimal:
    if goods_origin in _IMPORTED_ORIGINS:
        return Decimal("4")
    if origin_uf.upper() in _SOUTH_SOUTHEAST and destination_uf.upper() not in _SOUTH_SOUTHEAST:
        return Decimal("7")
    return Decimal("12")


# --- The taxes of each regime ------------------------------------------------------------------------------

# Simples Nacional issuers pay PIS and COFINS inside the DAS (LC 123/2006, art. 13), never per document, so
# their NF-e carries the PIS/COFINS groups with zero base, rate and value. The CST is 49 "Outras operações
# de saída": this is a sale (an output), and 49 is the code for outputs that none of 01-09 describes; 99
# "Outras operações" is the catch-all for anything, inputs included. Both are accepted by SEFAZ, and both
# sit in the PISOutr/COFINSOutr groups, whose XSD requires vBC and pPIS (zeros) besides vPIS. Accountants
# differ, so the company may choose 99 in `TaxSettings.simples_pis_cofins_cst`.
SIMPLES_PIS_COFINS_CST = "49"


class IcmsGroup(StrEnum):
    SIMPLES_102 = "ICMSSN102"    # CSOSN 102: Simples Nacional without permission for ICMS credit
    TAXED_00 = "ICMS00"          # CST 00: taxed in full
    SIMPLES_500 = "ICMSSN500"    # CSOSN 500: Simples, ICMS retained earlier by substitution (or paid in advance)
    RETAINED_60 = "ICMS60"       # CST 60: the same under regime normal: no ICMS of this sale

    @property
    def retained(self) -> bool:
        """ICMS already retained upstream: this sale has no ICMS base nor ICMS of its own."""
        return self in (IcmsGroup.SIMPLES_500, IcmsGroup.RETAINED_60)


class PisCofinsGroup(StrEnum):
    OTHER = "Outr"               # PISOutr / COFINSOutr
    RATE = "Aliq"                # PISAliq / COFINSAliq


@dataclass(frozen=True)
class RegimeRule:
    icms_group: IcmsGroup
    icms_code: str               # CSOSN (Simples) or CST
    pis_cofins_group: PisCofinsGroup
    pis_cofins_cst: str | None   # None: the company's `simples_pis_cofins_cst`
    charges_taxes: bool          # ICMS, PIS and COFINS computed per document
    ibs_cbs_by_default: bool     # 2026: required for regime normal, optional for Simples


REGIMES: dict[Crt, RegimeRule] = {
    Crt.SIMPLES_NACIONAL: RegimeRule(IcmsGroup.SIMPLES_102, "102", PisCofinsGroup.OTHER, None, False, False),
    Crt.REGIME_NORMAL: RegimeRule(IcmsGroup.TAXED_00, "00", PisCofinsGroup.RATE, "01", True, True),
}
# An item under CFOP 5405 (ICMS_RETAINED_CFOPS): the same regime, its ICMS group the retained one. PIS, COFINS
# and IBS/CBS are unchanged (substitution is about ICMS only).
RETAINED_REGIMES: dict[Crt, RegimeRule] = {
    Crt.SIMPLES_NACIONAL: RegimeRule(IcmsGroup.SIMPLES_500, "500", PisCofinsGroup.OTHER, None, False, False),
    Crt.REGIME_NORMAL: RegimeRule(IcmsGroup.RETAINED_60, "60", PisCofinsGroup.RATE, "01", True, True),
}


# The IBS/CBS situations whose group lojasync writes: full taxation (gIBSCBS with the rates). The others shape the
# group differently (no gIBSCBS for 410, gRed for 200, gDif for 510...), which it does not write yet: written as
# CST 000's group, their NF-e would carry taxes NT 2025.002 says are not there.
IBS_CBS_CSTS = ("000",)


def ibs_cbs_code_problems(cst: str | None, class_code: str | None) -> list[str]:
    """What is wrong with an IBS/CBS CST and cClassTrib pair the NF-e would carry (None: lojasync's default)."""
    problems = []
    if cst is not None and cst not in IBS_CBS_CSTS:
        problems.append(f"CST do IBS/CBS {cst} não é emitido pelo lojasync: ele gera o grupo IBS/CBS da tributação "
                        "integral (CST 000); redução, isenção, imunidade ou diferimento mudam esse grupo e ainda "
                        "não são gerados")
    elif class_code is not None and not class_code.startswith(cst or IBS_CBS_CSTS[0]):
        problems.append(f"cClassTrib do IBS/CBS {class_code} não é do CST {cst or IBS_CBS_CSTS[0]}: os três primeiros "
                        "dígitos da classificação são o CST (000001 para a tributação integral)")
    return problems


@dataclass(frozen=True)
class IbsCbsRule:
    cst: str
    class_code: str              # cClassTrib
    ibs_uf_rate: Decimal
    ibs_municipal_rate: Decimal
    cbs_rate: Decimal


@dataclass(frozen=True)
class Difal:
    """ICMS owed to the destination UF on an interstate sale to a non-contributor (ICMSUFDest)."""

    destination_rate: Decimal    # pICMSUFDest: the destination's internal rate
    interstate_rate: Decimal     # pICMSInter


@dataclass(frozen=True)
class LineTaxRule:
    """Which tax groups one item carries, and at which rates (percent); `nfe_money` applies them."""

    regime: RegimeRule
    origin: int
    icms_rate: Decimal           # zero under Simples (CSOSN 102 carries no rate)
    pis_cofins_cst: str
    pis_rate: Decimal
    cofins_rate: Decimal
    difal: Difal | None
    ibs_cbs: IbsCbsRule | None


def line_tax_rule(crt: Crt, settings: TaxSettings, dest: Destination, issuer_uf: str, recipient_uf: str,
                  goods_origin: int, cfop: str | None = None) -> LineTaxRule:
    """The taxes of one item sold under `crt` to `dest`, with the item's CFOP (`item_cfop`)."""
    regime = (RETAINED_REGIMES if cfop in ICMS_RETAINED_CFOPS else REGIMES)[crt]
    ibs_cbs = None
    if regime.ibs_cbs_by_default or settings.ibs_cbs_for_simples:
        ibs_cbs = IbsCbsRule(settings.ibs_cbs_cst, settings.ibs_cbs_class, settings.ibs_uf_rate,
                             settings.ibs_municipal_rate, settings.cbs_rate)
    if not regime.charges_taxes:
        zero = Decimal(0)
        return LineTaxRule(regime, goods_origin, zero, settings.simples_pis_cofins_cst, zero, zero, None, ibs_cbs)
    interstate = dest.id_dest == "2"
    rate = interstate_icms_rate(issuer_uf, recipient_uf, goods_origin) if interstate else settings.icms_rate
    if regime.icms_group.retained:   # 5405: inside the UF only, so no DIFAL either
        return LineTaxRule(regime, goods_origin, Decimal(0), regime.pis_cofins_cst or "01", settings.pis_rate,
                           settings.cofins_rate, None, ibs_cbs)
    difal = None
    # DIFAL: interstate sale of a regime-normal issuer to a non-contributor (rejection 694 without it).
    if interstate and dest.ie_indicator == "9":
        destination_rate = settings.destination_icms_rates.get(recipient_uf.upper())
        difal = Difal(destination_rate if destination_rate is not None else Decimal(0), rate)
    return LineTaxRule(regime, goods_origin, rate, regime.pis_cofins_cst or "01", settings.pis_rate,
                       settings.cofins_rate, difal, ibs_cbs)


def difal_problem(crt: Crt, settings: TaxSettings, dest: Destination, recipient_uf: str) -> str | None:
    """What is missing to compute the DIFAL of this sale (in Portuguese), or None."""
    if crt is not Crt.REGIME_NORMAL or dest.id_dest != "2" or dest.ie_indicator != "9":
        return None
    if recipient_uf.upper() in settings.destination_icms_rates:
        return None
    uf = recipient_uf.upper()
    return Gap(f"alíquota interna de ICMS de {uf} não configurada (necessária para o DIFAL de vendas a consumidor "
               f"com entrega em {uf}): informe-a em Configurações → Tributos",
               f"lojasync company taxes --difal {uf}=ALÍQUOTA")


# --- Payment (detPag/tPag) ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaymentType:
    code: str                    # tPag
    description: str | None      # xPag: required with 99, left out otherwise


# The store's method (Nuvemshop's `payment_details.method`) -> tPag. PIX in an online checkout is a QR code
# made for that sale: 17 "PIX dinâmico" (20 would be a fixed, reusable QR code).
_PAYMENT_CODES: dict[str, str] = {
    "credit_card": "03", "debit_card": "04", "boleto": "15", "pix": "17", "wire_transfer": "18", "cash": "01",
    # 18 is "Transferência bancária, Carteira Digital" (NT 2020.006): a digital wallet is not "99, outros";
    # nor is "account_money", a balance in the buyer's Mercado Pago account.
    "wallet": "18", "account_money": "18",
}
# xPag of the store's own codes for "99 outros": the buyer's DANFE reads Portuguese, not the store's API words.
_OTHER_PAYMENT_WORDS: dict[str, str] = {"other": "Outros", "custom": "Meio de pagamento personalizado da loja"}
# Words in a free-text method (a store's custom method: "Depósito bancário", "Vale-presente"), tried in order: debit
# before credit ("cartão de débito" is no credit card), and the store's own credit (05, crediário) and gift cards
# (12) before both (review: "Crédito em loja" was written as a credit card, and chose the card's receivables).
_PAYMENT_WORDS: tuple[tuple[str, str], ...] = (
    ("credito em loja", "05"), ("credito na loja", "05"), ("credito loja", "05"), ("crediario", "05"),
    ("store credit", "05"), ("vale presente", "12"), ("cartao presente", "12"), ("gift card", "12"),
    ("giftcard", "12"), ("vale alimentacao", "10"), ("vale refeicao", "11"), ("cheque", "02"),
    ("debit", "04"), ("debito", "04"), ("credit", "03"), ("credito", "03"), ("boleto", "15"),
    ("bank billet", "15"), ("pix", "17"), ("transferencia", "18"), ("transfer", "18"), ("dinheiro", "01"),
    # A wallet's balance, as the method "wallet" above (a card inside a wallet would have said "credit").
    ("carteira", "18"), ("wallet", "18"), ("deposito", "16"), ("deposit", "16"),
)
OTHER_PAYMENT = "99"
_STORE_CREDIT = "05"


def _words(text: str) -> str:
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()
    return " ".join(re.split(r"[^a-z0-9]+", plain)).strip()


# tPag -> the name of its receivable rule (finance.plans.DEFAULT_RULES, LOJASYNC_RECEIVABLE_RULES).
_RULE_OF_CODE = {"03": "credit_card", "04": "debit_card", "15": "boleto", "17": "pix", "18": "wire_transfer",
                 "16": "wire_transfer", "01": "cash"}


def payment_kind(method: str | None) -> str | None:
    """The receivable rule a method written in words falls under, as its NF-e reads it ("Cartão de Crédito" is
    credit_card): the rules matched the store's exact names only, and such a card was due at once."""
    return _RULE_OF_CODE.get(payment_type(method).code)


def payment_type(method: str | None) -> PaymentType:
    """tPag (and xPag for "99 outros") of a payment method as the store names it."""
    text = (method or "").strip()
    code = _PAYMENT_CODES.get(text.lower())
    if code is None:
        padded = f" {_words(text)} "
        code = next((c for word, c in _PAYMENT_WORDS if f" {word} " in padded
                     # "Cartão de crédito na loja" (paid by card at the pickup) is a card, not the store's credit.
                     and not (c == _STORE_CREDIT and " cartao " in padded)), OTHER_PAYMENT)
    if code != OTHER_PAYMENT:
        return PaymentType(code, None)
    described = _OTHER_PAYMENT_WORDS.get(text.lower(), text)
    return PaymentType(OTHER_PAYMENT, described if len(described) >= 2 else "Outros")
