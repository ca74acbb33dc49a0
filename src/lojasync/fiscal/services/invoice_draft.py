"""From the ERP's records to the NF-e's data: the company as issuer, the order's customer as recipient, the
document's lines with their products' fiscal data. Every gap is a problem in Portuguese, listed at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.access_key import build_access_key, parse_access_key
from lojasync.fiscal.carriers import carrier_code
from lojasync.fiscal.company import Company, issuing_problems
from lojasync.fiscal.delivery_place import known_uf, place_as_text
from lojasync.fiscal.documents import DocumentLine
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.intermediaries import intermediary_of
from lojasync.fiscal.local_time import issuer_time
from lojasync.fiscal.municipalities import UF_CODES, find_municipality
from lojasync.fiscal.nfe_checks import address_problems, missing_for_nfe
from lojasync.fiscal.nfe_data import (
    Carrier,
    Crt,
    Delivery,
    FiscalAddress,
    Intermediary,
    InvoiceDraft,
    InvoiceItem,
    Issuer,
    Payment,
    Recipient,
    TaxSettings,
    TechnicalResponsible,
)
from lojasync.fiscal.nfe_money import item_value
from lojasync.fiscal.ports import CarrierRepository
from lojasync.sales.recipient import recipient_address
from lojasync.shared.address import Address, abroad, uf_of
from lojasync.shared.errors import Gap, LojasyncError
from lojasync.shared.shell_words import command_with
from lojasync.shared.state_registration import Contributor, contributor_of


@dataclass(frozen=True)
class DraftInputs:
    issuer: Issuer | None
    recipient: Recipient | None
    items: tuple[InvoiceItem, ...]
    payments: tuple[Payment, ...]
    taxes: TaxSettings
    problems: list[str]
    carrier: Carrier | None = None     # the registered carrier that ships the order, when there is one
    pickup: bool = False               # collected at the store: modFrete 9, no carrier
    delivery: Delivery | None = None   # shipped elsewhere than the recipient's address (`delivery_of`)
    delivery_note: str | None = None
    intermediary: Intermediary | None = None   # sold on a marketplace (`fiscal.intermediaries`)


def issuer_of(company: Company) -> Issuer:
    address = FiscalAddress(company.street or "", company.number or "", company.district or "",
                            company.city_code or "", company.city_name or "", company.uf or "", company.zipcode or "",
                            complement=company.complement, phone=company.phone)
    # As kept: a São Paulo rural producer's IE with its "P", which picks its rule in the NF-e's checks (the XML
    # takes the digits alone: nfe_build).
    return Issuer(company.legal_name or "", company.cnpj or "", company.ie or "", address,
                  trade_name=company.trade_name, crt=Crt(str(company.crt)))


def taxes_of(company: Company) -> TaxSettings:
    given = {"icms_rate": company.icms_rate, "pis_rate": company.pis_rate, "cofins_rate": company.cofins_rate,
             "cbs_rate": company.cbs_rate, "ibs_uf_rate": company.ibs_rate,
             "ibs_municipal_rate": company.ibs_municipal_rate, "ibs_cbs_cst": company.ibs_cbs_cst,
             "ibs_cbs_class": company.ibs_cbs_class}
    destination = {uf: Decimal(rate) for uf, rate in (company.destination_icms_rates or {}).items()}
    return TaxSettings(**{k: v for k, v in given.items() if v is not None},
                       destination_icms_rates=destination, ibs_cbs_for_simples=company.ibs_cbs_for_simples)


def recipient_of(order) -> tuple[Recipient | None, list[str]]:
    customer = order.customer
    if customer is None:
        why = f" ({order.customer_problem})" if order.customer_problem else ""
        return None, [Gap(f"pedido sem cliente com CPF/CNPJ{why}: vincule um cliente na página do pedido",
                          f"lojasync orders link-customer {order.id} --tax-id CPF/CNPJ")]
    if customer.is_anonymised():
        # Erased at the buyer's or the store's request (the record keeps no word of which): said as such (review:
        # "cliente sem endereço", nothing of LGPD).
        return None, ["cliente com os dados pessoais anonimizados (LGPD, a pedido dele ou da loja): a NF-e precisa do "
                      "nome, do CPF/CNPJ e do endereço do destinatário; se a venda ainda vale, vincule o cliente "
                      "de novo com os dados que ele informar"]
    place = recipient_address(order, customer)
    if place is None:
        return None, ["cliente sem endereço: a NF-e precisa do endereço do destinatário"]
    address, problems = fiscal_address(place, "endereço do cliente")
    # The IE as the customer record has it now; an NF-e already generated keeps the one it was made with.
    return Recipient(customer.name, customer.tax_id, address, email=customer.email,
                     state_registration=customer.state_registration), problems


def delivery_of(order, recipient: Recipient | None, pickup: bool) -> tuple[Delivery | None, str | None, list[str]]:
    """Where the order ships when that is not the recipient's address: the `entrega` group (a gift, a work
    address), so the NF-e that travels with the goods says where they go. A shipping address the NF-e cannot
    code (a city the IBGE table does not know, no street) is written as text in infCpl, which the DANFE prints,
    instead; but not when it is in another UF than a consumer's address: the delivery UF is that sale's tax
    (`tax_rules.tax_uf`), which without the group SEFAZ reads from the recipient's UF, so it is a problem to fix.
    Nothing for a pickup or a shipment to the recipient's address. Returns (delivery, note, problems)."""
    place = order.shipping_address
    if pickup or recipient is None or recipient.address is None or place is None or place.is_empty():
        return None, None, []
    address, problems = fiscal_address(place, "endereço de entrega")
    if address is not None and _same_place(address, recipient.address):
        return None, None, []
    if abroad(place.country):
        return None, None, problems
    if address is None or problems or address_problems(address, "entrega", zipcode_required=False):
        elsewhere = known_uf(place.state)
        consumer = contributor_of(recipient.state_registration) is not Contributor.CONTRIBUTOR
        if consumer and elsewhere and elsewhere != recipient.address.uf.upper():
            return None, None, [Gap(
                f"endereço de entrega em {elsewhere} incompleto ou com município desconhecido "
                f"({place_as_text(place)}): a entrega em outra UF decide o imposto da venda a consumidor, e a NF-e "
                "precisa do endereço completo, com município do IBGE; corrija o endereço de entrega na loja (ou "
                "emita uma venda simples)")]
        return None, place_as_text(place), []
    return Delivery(place.name or recipient.name, recipient.tax_id, address), None, []


def _same_place(one: FiscalAddress, other: FiscalAddress) -> bool:
    """Same city, street, number and complement; the CEP only when both have one (a store may leave it out of
    one of the two addresses of the same place)."""
    def key(a: FiscalAddress) -> tuple:
        return (a.municipality_code, *(" ".join((v or "").casefold().split()) for v in (a.street, a.number,
                                                                                        a.complement)))
    zipcodes = fmt.digits(one.zipcode), fmt.digits(other.zipcode)
    return key(one) == key(other) and (not all(zipcodes) or zipcodes[0] == zipcodes[1])


def fiscal_address(place: Address, who: str) -> tuple[FiscalAddress | None, list[str]]:
    country = abroad(place.country)
    if country:
        # An NF-e to an address abroad is an export (idDest 3, CFOP 7xxx, no UF, the country's code): one made as a
        # sale within Brazil says something false (review: a Montevideo delivery got an authorised 5102, its address
        # only in infCpl, and stock and receivables followed).
        return None, [f"{who} no exterior ({country}): o lojasync não emite NF-e de exportação; emita-a por outro "
                      "meio, ou uma venda simples do pedido"]
    try:
        uf = uf_of(place.state)
        municipality = find_municipality(place.city, uf)
    except LojasyncError as exc:
        # The way out too: nothing in lojasync edits a store's address (review: "corrija o que foi indicado").
        # The order's own address, as the store sent it (the customer's record in the store reaches no order).
        return None, [f"{who}: {exc.message.rstrip('.')}; corrija o endereço no pedido, na loja (a atualização chega "
                      "sozinha), ou emita uma venda simples"]
    return FiscalAddress(place.street or "", place.number or "S/N", place.district or "", municipality.code,
                         municipality.name, uf, place.zipcode or "", complement=place.complement,
                         phone=place.phone), []


def items_of(lines: list[DocumentLine], products: dict, company: Company | None
             ) -> tuple[tuple[InvoiceItem, ...], list[str]]:
    """The NF-e's items (with the company's defaults where the product has none) and the products left out for
    want of an NCM. `company` None (not registered yet): no defaults."""
    items, problems = [], []
    default_ncm, default_origin, default_unit = ((company.default_ncm, company.default_origin, company.default_unit)
                                                 if company is not None else (None, None, None))
    for line in lines:
        product = products.get(line.product_id)
        ncm = (product.ncm if product is not None else None) or default_ncm
        if not ncm:
            # Without a SKU (the store sent none) the product is named as the commands take it: id:N.
            named = line.sku or f"id:{line.product_id}"
            problems.append(Gap(f"produto {named} sem NCM: informe-o nos dados fiscais do produto (Estoque) ou defina "
                                "um NCM padrão da empresa (Configurações)",
                                # Quoted as a shell takes it: a SKU may hold a space ("CAM P").
                                command_with("lojasync products set", named, "--ncm NNNNNNNN")
                                + " (ou lojasync company set --default-ncm NNNNNNNN)"))
            continue
        items.append(InvoiceItem(
            line.sku or str(line.product_id), line.name, ncm, Decimal(line.quantity), line.unit_price,
            origin=int((product.origin if product is not None else None) or default_origin or 0),
            unit=(product.unit if product is not None else None) or default_unit or "UN",
            gtin=product.gtin if product is not None else None, cest=product.cest if product is not None else None,
            cfop=product.cfop if product is not None else None, promotion=line.promotion))
    return tuple(items), problems


def shipping_carrier(carriers: CarrierRepository, order) -> Carrier | None:
    """The registered carrier of the order's shipping, matched by the store's code; None for a pickup, an order
    the store gave no carrier, or a carrier nobody registered (its NF-e names none, as before: not a refusal).
    One indexed lookup, and none when there is no code to look up."""
    shipping = order.shipping
    if shipping is None or shipping.pickup or not shipping.carrier:
        return None
    return carriers.for_nfe(carrier_code(shipping.carrier))


def charges(order, pickup: bool, items: tuple[InvoiceItem, ...]) -> tuple[Decimal, Decimal, Decimal]:
    """The freight, the discount and the other charges (vFrete, vDesc, vOutro) of the order's NF-e of `items`.

    A pickup moves no goods (modFrete 9), so a freight beside it would contradict it; what the store charged under
    that name is still part of what the buyer paid and of vNF, which must equal the store's total: it goes in vOutro
    (other charges), not dropped.

    A discount larger than the goods (a store coupon that covers the shipping too) gives the goods away (vDesc =
    vProd) and what is left of it comes off the freight, then the other charges: the buyer paid that much less for
    them (review: such an order added up in the store, and its NF-e was refused for good, "desconto maior que o valor
    dos produtos", nothing the merchant could change). A discount beyond everything charged stays as the store said
    it, and is refused (`amount_problems`): no NF-e adds up to a negative total."""
    freight, other = (Decimal("0.00"), order.freight) if pickup and order.freight else (order.freight, Decimal("0.00"))
    discount = order.discount
    goods = sum((item_value(item) for item in items), Decimal("0.00"))
    beyond = discount - goods
    if beyond <= 0 or beyond > freight + other:
        return freight, discount, other
    off_freight = min(beyond, freight)
    return freight - off_freight, goods, other - (beyond - off_freight)


def draft_inputs(company: Company | None, order, lines: list[DocumentLine], products: dict,
                 now: datetime, carrier: Carrier | None = None) -> DraftInputs:
    """Everything the NF-e needs, and every problem found on the way (company, customer, products, money).
    `carrier`: the order's registered carrier (`shipping_carrier`)."""
    problems = issuing_problems(company, now)
    recipient, found = recipient_of(order)
    problems += found
    # Why there is no recipient, or no address of it, said already: not said again in other words.
    recipient_reported = bool(found) and (recipient is None or recipient.address is None)
    items, found = items_of(lines, products, company)
    problems += found
    if company is None:   # still everything else that is missing, so that one refusal lists it all
        return DraftInputs(None, None, (), (), TaxSettings(), list(dict.fromkeys(problems)))
    issuer = issuer_of(company)
    # No method from the store (payment_details null): "99 Outros" on the buyer's DANFE, not the word "outro".
    payments = (Payment(order.payment_method or "other", order.total, order.installments or 1),)
    taxes = taxes_of(company)
    pickup = order.shipping is not None and order.shipping.pickup
    freight, discount, other = charges(order, pickup, items)
    delivery, delivery_note, found = delivery_of(order, recipient, pickup)
    problems += found
    intermediary, found = intermediary_of(company, getattr(order, "marketplace", None))
    problems += found
    problems += missing_for_nfe(issuer, recipient, items, payments=payments, freight=freight,
                                discount=discount, other=other, order_total=order.total, taxes=taxes,
                                series=company.series, number=company.next_number,
                                lines_left_out=len(lines) - len(items), recipient_reported=recipient_reported,
                                delivery=delivery, pickup=pickup, issuer_reported=company.missing_fields())
    return DraftInputs(issuer, recipient, items, payments, taxes, list(dict.fromkeys(problems)),
                       carrier=None if pickup else carrier, pickup=pickup, delivery=delivery,
                       delivery_note=delivery_note, intermediary=intermediary)


def tech_of(company: Company) -> TechnicalResponsible | None:
    values = (company.tech_cnpj, company.tech_contact, company.tech_email, company.tech_phone)
    return TechnicalResponsible(*values) if all(values) else None


def new_draft(company: Company, order, inputs: DraftInputs, series: int, number: int, now: datetime) -> InvoiceDraft:
    """The NF-e's data with a fresh access key (a new cNF each time it is built)."""
    issued_at = issuer_time(now, company.uf)   # the issuer's clock: Manaus writes -04:00, not Brasília's time
    key = build_access_key(UF_CODES[company.uf], issued_at, company.cnpj, series, number)
    freight, discount, other = charges(order, inputs.pickup, inputs.items)
    return InvoiceDraft(inputs.issuer, inputs.recipient, inputs.items, inputs.payments, series, number, key,
                        parse_access_key(key).random_code, issued_at, order.origin_number or str(order.id),
                        freight=freight, discount=discount, other_costs=other, order_total=order.total,
                        environment=Environment(company.environment), taxes=inputs.taxes,
                        carrier=inputs.carrier, pickup=inputs.pickup, technical_responsible=tech_of(company),
                        delivery=inputs.delivery, delivery_note=inputs.delivery_note,
                        intermediary=inputs.intermediary)
