"""Whether the store moved an order's delivery to another UF after its NF-e was built.

Since the goods' destination decides a consumer's taxes (idDest, CFOP, DIFAL: `tax_rules.tax_uf`) and the
`entrega` group names it, an NF-e built for one UF must not go out (nor stand unflagged) once the store says the
order ships to another: the lines, total and payment compared by `documents.same_sale` would not notice.
"""

from __future__ import annotations

import re

from lojasync.shared.address import uf_of
from lojasync.shared.errors import LojasyncError

_UF = re.compile(r"<UF>([A-Z]{2})</UF>")


def delivery_uf_of_xml(xml: str) -> str | None:
    """Where the NF-e says the goods go: its entrega group's UF, else its recipient's (enderDest)."""
    for group in ("<entrega>", "<enderDest>"):
        start = xml.find(group)
        if start >= 0:
            found = _UF.search(xml, start)
            return found.group(1) if found else None
    return None


def known_uf(state: str | None) -> str | None:
    """The UF of a store's state ("Minas Gerais", "mg"), or None when nobody can read one there."""
    try:
        return uf_of(state)
    except LojasyncError:
        return None


def delivery_moved(xml: str | None, order) -> bool:
    """True when the order now ships to a UF other than the one the NF-e (`xml`) was built for. Nothing to
    compare (a pickup, no shipping address, a state nobody can read) is not a move."""
    place = order.shipping_address
    shipping = getattr(order, "shipping", None)
    if not xml or place is None or place.is_empty() or (shipping is not None and shipping.pickup):
        return False
    now, built_for = known_uf(place.state), delivery_uf_of_xml(xml)
    return now is not None and built_for is not None and built_for != now
