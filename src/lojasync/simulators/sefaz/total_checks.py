"""SEFAZ's arithmetic of an NF-e's values: each item's value, the totals as the sums of the items, the NF-e's
total as the sum of what makes it up, and the payments covering it. A document whose numbers disagree is refused
with the code of the first rule it breaks, as SEFAZ does, before anything is stored.

lojasync builds its documents so that these hold (freight and discounts spread by largest remainder, vNF the
order's total): here they are checked by a hand other than the one that wrote them."""

from __future__ import annotations

import contextlib
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


_NS = f"{{{NFE}}}"
_NS_LENGTH = len(_NS)


def _fields(element: etree._Element | None) -> dict[str, Decimal]:
    """An element's children read once as decimals, by local name (an NF-e has a few dozen to read)."""
    found: dict[str, Decimal] = {}
    if element is None:
        return found
    for child in element.iterchildren(etree.Element):
        text = child.text
        if text and text[:1] in "0123456789-.":
            with contextlib.suppress(InvalidOperation):   # the schema already refused it; nothing to add
                found[child.tag[_NS_LENGTH:]] = Decimal(text.strip())
    return found


def totals_problem(info: etree._Element) -> Rejection | None:
    """The first of SEFAZ's value rules the NF-e breaks, or None."""
    zero = Decimal(0)
    items = []
    for det in info.iterchildren(f"{_NS}det"):
        prod = det.find(f"{_NS}prod")
        values = _fields(prod)
        counted = (prod.findtext(f"{_NS}indTot") or "1").strip() == "1"
        # 629: an item's value is its quantity times its unit value
        expected = (values.get("qCom", zero) * values.get("vUnCom", zero)).quantize(TOLERANCE)
        if abs(values.get("vProd", zero) - expected) > TOLERANCE:
            return Rejection("629", f"[nItem:{det.get('nItem')}]")
        items.append((values, counted))
    total = info.find(f"{_NS}total")
    totals_element = total.find(f"{_NS}ICMSTot") if total is not None else None
    if totals_element is None:
        return None
    totals = _fields(totals_element)
    for name, code, only_counted in ITEM_SUMS:
        summed = sum((values.get(name, zero) for values, counted in items if counted or not only_counted), zero)
        if abs(summed - totals.get(name, zero)) > TOLERANCE:
            return Rejection(code)
    parts = sum((totals.get(name, zero) * sign for name, sign in NF_PARTS), zero) + \
        _fields(total.find(f"{_NS}ISSQNtot")).get("vServ", zero)
    given = totals.get("vNF", zero)
    # The desonerated ICMS is taken off vNF or not, as the operation's rule says: either sum is SEFAZ's.
    if min(abs(parts - totals.get("vICMSDeson", zero) - given), abs(parts - given)) > TOLERANCE:
        return Rejection("610")
    payments = [(p.findtext(f"{_NS}tPag") or "").strip() for p in info.iterfind(f"{_NS}pag/{_NS}detPag")]
    if payments and NO_PAYMENT not in payments:
        paid = sum((_fields(p).get("vPag", zero) for p in info.iterfind(f"{_NS}pag/{_NS}detPag")), zero)
        if paid < given - TOLERANCE / 2:
            return Rejection("865")
    return None
