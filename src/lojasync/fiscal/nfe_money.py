"""The NF-e's money: the order's freight, discount and other charges spread over the items, each item's taxes,
and the totals, so that every part adds up to its whole and vNF is the store's total to the cent.

Freight, discount and other charges are split by the largest remainder in proportion to each item's value
(`shared.money.split_by_weights`): the items' shares always add up to the order's amounts. A store promotion is
no share: it stays on the lines it applied to, and only the rest of the discount is split (`line_discounts`).
Each tax is rounded half up to the cent on its item; the totals are the sums of the items' rounded values, which
is what SEFAZ checks (a total that differs from the sum of its items is a rejection).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from lojasync.fiscal.nfe_data import InvoiceItem, Payment
from lojasync.fiscal.tax_rules import LineTaxRule
from lojasync.shared.money import CENT, ZERO, split_by_weights


def cents(value: Decimal) -> Decimal:
    """`value` rounded half up to the cent."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def percent_of(base: Decimal, rate: Decimal) -> Decimal:
    """`rate`% of `base`, rounded half up to the cent (how every tax of an item is rounded)."""
    return cents(base * rate / 100)


def item_value(item: InvoiceItem) -> Decimal:
    """vProd: quantity times unit price, to the cent (SEFAZ checks vProd against qCom x vUnCom)."""
    return cents(item.quantity * item.unit_price)


@dataclass(frozen=True)
class LineAmounts:
    """One item's money, every value to the cent."""

    goods: Decimal               # vProd
    freight: Decimal             # vFrete (the item's share)
    discount: Decimal            # vDesc (the item's share)
    other: Decimal               # vOutro (the item's share)
    icms_base: Decimal = ZERO
    icms: Decimal = ZERO
    pis_base: Decimal = ZERO
    pis: Decimal = ZERO
    cofins_base: Decimal = ZERO
    cofins: Decimal = ZERO
    difal: Decimal = ZERO        # vICMSUFDest
    ibs_cbs_base: Decimal = ZERO
    ibs_uf: Decimal = ZERO
    ibs_municipal: Decimal = ZERO
    cbs: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        """What the customer pays for this item: its share of vNF."""
        return self.goods - self.discount + self.freight + self.other

    @property
    def ibs(self) -> Decimal:
        return self.ibs_uf + self.ibs_municipal


def line_amounts(goods: Decimal, freight: Decimal, discount: Decimal, other: Decimal,
                 rule: LineTaxRule) -> LineAmounts:
    """The taxes of one item whose shares of freight, discount and other charges are known."""
    operation = goods + freight + other - discount   # the value of the operation: ICMS base (modBC 3)
    icms_base = icms = pis_base = pis = cofins = difal = ZERO
    if rule.regime.charges_taxes:
        # ICMS retained upstream by substitution (CST 60): no base nor ICMS of this sale.
        icms_base = ZERO if rule.regime.icms_group.retained else operation
        icms = percent_of(icms_base, rule.icms_rate)
        # ICMS is not part of the PIS/COFINS base (STF, RE 574.706; Lei 14.592/2023).
        pis_base = operation - icms
        pis = percent_of(pis_base, rule.pis_rate)
        cofins = percent_of(pis_base, rule.cofins_rate)
        if rule.difal is not None:
            # Base única: the destination's rate minus the interstate rate, on the same base.
            gap = max(rule.difal.destination_rate - rule.difal.interstate_rate, Decimal(0))
            difal = percent_of(icms_base, gap)
    ibs_cbs_base = ibs_uf = ibs_municipal = cbs = ZERO
    if rule.ibs_cbs is not None:
        # NT 2025.002: vBC = vProd + vFrete + vSeg + vOutro + vII - vDesc - vPIS - vCOFINS - vICMS
        #                    - vICMSUFDest - vFCP - vFCPUFDest - vICMSMono - vISSQN (+ vIS)
        ibs_cbs_base = operation - pis - cofins - icms - difal
        ibs_uf = percent_of(ibs_cbs_base, rule.ibs_cbs.ibs_uf_rate)
        ibs_municipal = percent_of(ibs_cbs_base, rule.ibs_cbs.ibs_municipal_rate)
        cbs = percent_of(ibs_cbs_base, rule.ibs_cbs.cbs_rate)
    return LineAmounts(goods, freight, discount, other, icms_base, icms, pis_base, pis, pis_base, cofins, difal,
                       ibs_cbs_base, ibs_uf, ibs_municipal, cbs)


@dataclass(frozen=True)
class NfeTotals:
    """total/ICMSTot and total/IBSCBSTot: sums of the items' values (vNF as the layout defines it)."""

    goods: Decimal               # vProd
    freight: Decimal             # vFrete
    discount: Decimal            # vDesc
    other: Decimal               # vOutro
    icms_base: Decimal           # vBC
    icms: Decimal                # vICMS
    pis: Decimal                 # vPIS
    cofins: Decimal              # vCOFINS
    difal: Decimal               # vICMSUFDest
    ibs_cbs_base: Decimal        # vBCIBSCBS
    ibs_uf: Decimal
    ibs_municipal: Decimal
    cbs: Decimal
    has_difal: bool
    has_ibs_cbs: bool

    @property
    def invoice_total(self) -> Decimal:
        """vNF = vProd - vDesc + vST + vFCPST + vFrete + vSeg + vOutro + vII + vIPI + vIPIDevol + vServ; the
        terms lojasync never fills (ST, insurance, import, IPI, services) are zero."""
        return self.goods - self.discount + self.freight + self.other

    @property
    def ibs(self) -> Decimal:
        return self.ibs_uf + self.ibs_municipal


def _sum(values) -> Decimal:
    return sum(values, ZERO)


def nfe_totals(lines: Sequence[LineAmounts], *, has_difal: bool = False, has_ibs_cbs: bool = False) -> NfeTotals:
    return NfeTotals(
        goods=_sum(x.goods for x in lines), freight=_sum(x.freight for x in lines),
        discount=_sum(x.discount for x in lines), other=_sum(x.other for x in lines),
        icms_base=_sum(x.icms_base for x in lines), icms=_sum(x.icms for x in lines),
        pis=_sum(x.pis for x in lines), cofins=_sum(x.cofins for x in lines), difal=_sum(x.difal for x in lines),
        ibs_cbs_base=_sum(x.ibs_cbs_base for x in lines), ibs_uf=_sum(x.ibs_uf for x in lines),
        ibs_municipal=_sum(x.ibs_municipal for x in lines), cbs=_sum(x.cbs for x in lines),
        has_difal=has_difal, has_ibs_cbs=has_ibs_cbs)


@dataclass(frozen=True)
class InvoiceAmounts:
    lines: tuple[LineAmounts, ...]
    totals: NfeTotals


def invoice_amounts(items: Sequence[InvoiceItem], rules: Sequence[LineTaxRule], *, freight: Decimal,
                    discount: Decimal, other: Decimal = ZERO) -> InvoiceAmounts:
    """Every item's money and the NF-e's totals. `discount` must not exceed the goods (`amount_problems`)."""
    goods = [item_value(item) for item in items]
    freights = split_by_weights(freight, goods)
    discounts = line_discounts(goods, [item.promotion for item in items], discount)
    others = split_by_weights(other, goods)
    lines = tuple(line_amounts(g, f, d, o, rule)
                  for g, f, d, o, rule in zip(goods, freights, discounts, others, rules, strict=True))
    totals = nfe_totals(lines, has_difal=any(rule.difal is not None for rule in rules),
                        has_ibs_cbs=any(rule.ibs_cbs is not None for rule in rules))
    return InvoiceAmounts(lines, totals)


def line_discounts(goods: Sequence[Decimal], promotions: Sequence[Decimal | None], discount: Decimal
                   ) -> list[Decimal]:
    """Each item's vDesc: its own promotion (the store's, per line), plus its share of the rest of the discount (a
    coupon, the gateway's) by what is left of its value after the promotion, as a coupon applies to the promoted
    price. The parts add up to `discount`, and none passes its item's value (`discount` does not pass the goods).

    Promotions that cannot be the store's per-line part of this discount are not used, and the whole discount is
    shared by value, as before lojasync kept them: the NF-e still adds up to the store's total, and is not refused
    for what the store's promotion data got wrong. That is: a line without the data (NULL, imported before it was
    kept) beside one with it, a negative promotion or one beyond its line's value, or promotions adding up to more
    than the discount (a freight-covering coupon the goods could not take: `invoice_draft.charges` then makes the
    discount the goods, which still hold every promotion). No promotion at all is the same spread, kept as it was."""
    kept = _promotions_kept(goods, promotions, discount)
    if kept is None:
        return split_by_weights(discount, list(goods))
    rest = discount - _sum(kept)
    shares = split_by_weights(rest, [value - promotion for value, promotion in zip(goods, kept, strict=True)])
    return [promotion + share for promotion, share in zip(kept, shares, strict=True)]


def _promotions_kept(goods: Sequence[Decimal], promotions: Sequence[Decimal | None], discount: Decimal
                     ) -> list[Decimal] | None:
    """The lines' promotions when they can be the store's per-line part of `discount`; None when not (see
    `line_discounts`), or when there is none (the spread by value then is the one lojasync always made)."""
    known = [p for p in promotions if p is not None]
    if len(known) != len(promotions) or not any(known):
        return None
    if any(p < 0 or p != cents(p) or p > value for p, value in zip(known, goods, strict=True)):
        return None
    return known if _sum(known) <= discount else None


def brl(value: Decimal) -> str:
    """An amount as a merchant reads it: R$ 1.234,56."""
    text = f"{cents(value):,.2f}"
    return "R$ " + text.replace(",", "_").replace(".", ",").replace("_", ".")


# The layout's limits: quantities and unit prices take 11 digits before the decimal point (TDec_1104v, TDec_1110v),
# amounts 13 (TDec_1302).
_MOST_QUANTITY_OR_PRICE = Decimal(10) ** 11
_MOST_MONEY = Decimal(10) ** 13


def amount_problems(items: Sequence[InvoiceItem], *, freight: Decimal, discount: Decimal, other: Decimal = ZERO,
                    order_total: Decimal | None = None, payments: Sequence[Payment] = ()) -> list[str]:
    """What keeps these amounts from making a valid NF-e, in Portuguese (empty when nothing does)."""
    problems = []
    for position, item in enumerate(items, start=1):
        if item.quantity <= 0:
            problems.append(f"item {position} ({item.code}): quantidade deve ser maior que zero")
        elif item.quantity >= _MOST_QUANTITY_OR_PRICE:
            problems.append(f"item {position} ({item.code}): quantidade {item.quantity} passa do máximo que a NF-e "
                            "aceita (11 dígitos antes da vírgula)")
        if item.unit_price < 0:
            problems.append(f"item {position} ({item.code}): preço negativo")
        elif item.unit_price >= _MOST_QUANTITY_OR_PRICE:
            problems.append(f"item {position} ({item.code}): preço {brl(item.unit_price)} passa do máximo que a "
                            "NF-e aceita (11 dígitos antes da vírgula)")
        elif item.quantity > 0 and item_value(item) >= _MOST_MONEY:
            # The schema's own words were all a person got (review: "[facet 'pattern'] The value '214748343225163.53'
            # is not accepted", in English, three times).
            problems.append(f"item {position} ({item.code}): valor {brl(item_value(item))} passa do máximo que a NF-e "
                            "aceita (13 dígitos antes da vírgula): confira a quantidade e o preço no pedido da loja")
    for label, value in (("frete", freight), ("desconto", discount), ("outras despesas", other)):
        if value < 0:
            problems.append(f"{label} negativo: {brl(value)}")
    if problems:
        return problems
    goods = _sum(item_value(item) for item in items)
    if discount > goods:
        problems.append(f"desconto ({brl(discount)}) maior que o valor dos produtos ({brl(goods)})")
        return problems
    invoice_total = goods - cents(discount) + cents(freight) + cents(other)
    if max(goods, invoice_total, cents(freight), cents(other)) >= _MOST_MONEY:
        problems.append(f"total de {brl(max(goods, invoice_total))} passa do máximo que a NF-e aceita (13 dígitos "
                        "antes da vírgula)")
        return problems
    if order_total is not None and cents(order_total) != invoice_total:
        problems.append(f"o total do pedido na loja ({brl(order_total)}) difere de produtos − desconto + frete "
                        f"({brl(invoice_total)}): confira os itens, o desconto e o frete do pedido")
    if payments:
        paid = _sum(cents(p.amount) for p in payments)
        if paid < invoice_total:
            problems.append(f"os pagamentos ({brl(paid)}) não cobrem o total da NF-e ({brl(invoice_total)})")
    else:
        problems.append("pedido sem forma de pagamento")
    return problems
