"""SEFAZ's arithmetic of an NF-e's values: each item's value, the totals as the sums of the items, the NF-e's
total as the sum of what makes it up, and the payments covering it. A document whose numbers disagree is refused
with the code of the first rule it breaks, as SEFAZ does, before anything is stored.

lojasync builds its documents so that these hold (freight and discounts spread by largest remainder, vNF the
order's total): here they are checked by a hand other than the one that wrote them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

from lojasync.simulators.sefaz.codes import Rejection
from lojasync.simulators.sefaz.soap import NFE

# A cent either way: SEFAZ's tolerance for values computed by the emitter's own rounding.
TOLERANCE = Decimal("0.01")
# Totals that are the sums of the same field of the items, and the code of each rule: vProd of the items that make
# up the total (indTot 1) only, the others of every item.
ITEM_SUMS = (("vProd", "564", True), ("vFrete", "535", False), ("vSeg", "536", False), ("vDesc", "537", False),
             ("vOutro", "604", False))
# What adds up to vNF (rule 610), signs as the MOC's W16 writes them; the services' value is ISSQNtot's.
NF_PARTS = (("vProd", 1), ("vDesc", -1), ("vST", 1), ("vFCPST", 1), ("vFrete", 1), ("vSeg", 1), ("vOutro", 1),
            ("vII", 1), ("vIPI", 1), ("vIPIDevol", 1))
NO_PAYMENT = "90"


def _q(path: str) -> str:
    return "/".join(f"{{{NFE}}}{name}" for name in path.split("/"))


def _value(element: etree._Element | None, name: str) -> Decimal:
    text = element.findtext(_q(name)) if element is not None else None
    try:
        return Decimal(text.strip()) if text and text.strip() else Decimal(0)
    except InvalidOperation:   # the schema already refused it; nothing to add
        return Decimal(0)


def totals_problem(info: etree._Element) -> Rejection | None:
    """The first of SEFAZ's value rules the NF-e breaks, or None."""
    products = [det.find(_q("prod")) for det in info.iterfind(_q("det"))]
    for prod in products:   # 629: an item's value is its quantity times its unit value
        expected = (_value(prod, "qCom") * _value(prod, "vUnCom")).quantize(TOLERANCE)
        if abs(_value(prod, "vProd") - expected) > TOLERANCE:
            return Rejection("629", f"[nItem:{prod.getparent().get('nItem')}]")
    totals = info.find(_q("total/ICMSTot"))
    if totals is None:
        return None
    counted = [prod for prod in products if (prod.findtext(_q("indTot")) or "1").strip() == "1"]
    for name, code, only_counted in ITEM_SUMS:
        items = counted if only_counted else products
        if abs(sum((_value(prod, name) for prod in items), Decimal(0)) - _value(totals, name)) > TOLERANCE:
            return Rejection(code)
    parts = sum((_value(totals, name) * sign for name, sign in NF_PARTS), Decimal(0)) + \
        _value(info.find(_q("total/ISSQNtot")), "vServ")
    # The desonerated ICMS is taken off vNF or not, as the operation's rule says: either sum is SEFAZ's.
    if min(abs(parts - _value(totals, "vICMSDeson") - _value(totals, "vNF")), abs(parts - _value(totals, "vNF"))) \
            > TOLERANCE:
        return Rejection("610")
    payments = list(info.iterfind(_q("pag/detPag")))
    if payments and all((p.findtext(_q("tPag")) or "").strip() != NO_PAYMENT for p in payments):
        paid = sum((_value(p, "vPag") for p in payments), Decimal(0))
        if paid < _value(totals, "vNF") - TOLERANCE / 2:
            return Rejection("865")
    return None
