"""The NF-e as data: what the builder needs to write an NF-e modelo 55 (layout 4.00), and nothing of the ORM.

The service reads the company, the customer, the order and the products and fills these frozen values; the
rules (`tax_rules`), the money (`nfe_money`) and the XML (`nfe_xml`) work from them alone. A text the company
or the store left empty is "" (or None where the NF-e can go without it): `nfe_checks.missing_for_nfe`
names every such gap in Portuguese before any XML is produced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from lojasync.fiscal.gateway import Environment


class Crt(StrEnum):
    """Código de Regime Tributário of the issuer (emit/CRT)."""

    SIMPLES_NACIONAL = "1"
    REGIME_NORMAL = "3"


@dataclass(frozen=True)
class FiscalAddress:
    """An address as the NF-e writes it: the municipality by its IBGE code (7 digits), the state as its UF."""

    street: str
    number: str
    district: str
    municipality_code: str
    municipality: str
    uf: str
    zipcode: str                 # CEP, 8 digits (punctuation is dropped when written)
    complement: str | None = None
    phone: str | None = None     # digits only are written; 6 to 14 of them


@dataclass(frozen=True)
class Issuer:
    """The company that issues the NF-e (emitente)."""

    legal_name: str              # razão social
    cnpj: str                    # 14 characters; the first 12 may be letters (CNPJ alfanumérico, from July 2026)
    state_registration: str      # inscrição estadual (IE), digits
    address: FiscalAddress
    trade_name: str | None = None   # nome fantasia
    crt: Crt = Crt.SIMPLES_NACIONAL


@dataclass(frozen=True)
class Recipient:
    """The customer (destinatário). No IE means a non-contributor of ICMS (indIEDest 9)."""

    name: str
    tax_id: str                  # CPF (11 digits) or CNPJ (14 characters)
    address: FiscalAddress | None
    state_registration: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class Delivery:
    """Where the goods go when it is not the recipient's address (a gift, a work address): the `entrega` group.
    Its CPF/CNPJ is the buyer's: the layout requires one, and the store never asks the person who receives."""

    name: str
    tax_id: str
    address: FiscalAddress


@dataclass(frozen=True)
class InvoiceItem:
    """One line of the NF-e as sold; its share of the freight and the discount is worked out by `nfe_money`."""

    code: str                    # cProd: the SKU (or the product id when there is none)
    description: str
    ncm: str                     # 8 digits
    quantity: Decimal
    unit_price: Decimal
    origin: int = 0              # origem da mercadoria, 0..8 (0 = nacional)
    unit: str = "UN"
    gtin: str | None = None      # None is written as "SEM GTIN"
    cest: str | None = None      # 7 digits, when the product is under ICMS tax substitution
    cfop: str | None = None      # the product's override; wins over the CFOP the rules choose
    # The store's promotion on this line (Nuvemshop's `promotional_discount`), part of the order's discount: the
    # line's own, not shared by the others (`nfe_money.line_discounts`). None: the store said none per line (an
    # order imported before lojasync kept it), and the whole discount is shared by value.
    promotion: Decimal | None = None


@dataclass(frozen=True)
class Payment:
    """How the customer paid, as the store says it ("credit_card", "pix", "Boleto bancário"...)."""

    method: str
    amount: Decimal
    installments: int = 1


# The year the IBS/CBS defaults below are of: a company's rates never set or confirmed are this year's.
DEFAULT_IBS_CBS_YEAR = 2026


@dataclass(frozen=True)
class TaxSettings:
    """The company's tax parameters. Rates are percentages, as the NF-e writes them (18 means 18%)."""

    # CRT 3: ICMS on sales inside the UF; sales to other UFs use the interstate rate (`tax_rules`).
    icms_rate: Decimal = Decimal("18")
    # CRT 3, interstate sales to non-contributors (DIFAL, ICMSUFDest): the internal rate of each destination
    # UF. Left to the company on purpose: these rates change every year, a stale table would be wrong silently.
    destination_icms_rates: dict[str, Decimal] = field(default_factory=dict)
    # CRT 3 PIS/COFINS (CST 01). Lucro presumido rates by default; lucro real is 1.65 / 7.60.
    pis_rate: Decimal = Decimal("0.65")
    cofins_rate: Decimal = Decimal("3.00")
    # CRT 1: PIS/COFINS are paid in the DAS; see `tax_rules.SIMPLES_PIS_COFINS_CST` for why 49.
    simples_pis_cofins_cst: str = "49"
    # IBS/CBS, 2026 test year (NT 2025.002): CBS 0.9%, IBS 0.1% for the UF and 0% for the municipality
    # (`DEFAULT_IBS_CBS_YEAR`: a company that never set its own has 2026's).
    cbs_rate: Decimal = Decimal("0.90")
    ibs_uf_rate: Decimal = Decimal("0.10")
    ibs_municipal_rate: Decimal = Decimal("0")
    ibs_cbs_cst: str = "000"
    ibs_cbs_class: str = "000001"          # cClassTrib: taxed in full
    ibs_cbs_for_simples: bool = False      # CRT 1 may leave the group out in 2026


@dataclass(frozen=True)
class Carrier:
    """The carrier (transportadora), when the order says which; every field but the name is optional."""

    name: str
    tax_id: str | None = None              # CNPJ or CPF
    state_registration: str | None = None
    address: str | None = None
    municipality: str | None = None
    uf: str | None = None


@dataclass(frozen=True)
class TechnicalResponsible:
    """infRespTec: who answers for the issuing software (required by most UFs when configured)."""

    cnpj: str
    contact: str
    email: str
    phone: str


@dataclass(frozen=True)
class Intermediary:
    """infIntermed: the marketplace a sale was made on (NT 2020.006), and the merchant's seller id there."""

    cnpj: str
    seller_id: str    # idCadIntTran


@dataclass(frozen=True)
class InvoiceDraft:
    """Everything one NF-e says, ready to be written as XML."""

    issuer: Issuer
    recipient: Recipient | None
    items: tuple[InvoiceItem, ...]
    payments: tuple[Payment, ...]
    series: int
    number: int
    access_key: str              # 44 characters, drawn by `fiscal.access_key`
    random_code: str             # cNF, 8 digits: the one inside the access key
    issued_at: datetime          # timezone-aware; dhEmi keeps its offset (-03:00 in Brasília time)
    order_number: str            # the store's order number, written in infAdic
    freight: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    other_costs: Decimal = Decimal("0.00")    # vOutro: other charges the customer paid, spread like freight
    order_total: Decimal | None = None        # the store's total: vNF must equal it to the cent
    environment: Environment = Environment.HOMOLOGATION
    taxes: TaxSettings = field(default_factory=TaxSettings)
    carrier: Carrier | None = None
    pickup: bool = False                      # the customer collects at the store: no transport (modFrete 9)
    technical_responsible: TechnicalResponsible | None = None
    delivery: Delivery | None = None          # delivered elsewhere than the recipient's address: `entrega`
    delivery_note: str | None = None          # ...to an address the NF-e cannot code: said in infCpl instead
    software_version: str | None = None       # verProc; "lojasync <installed version>" when None
    intermediary: Intermediary | None = None  # sold on a marketplace: indIntermed 1 and infIntermed
