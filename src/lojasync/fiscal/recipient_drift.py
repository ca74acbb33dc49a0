"""Whether the store changed an order's buyer after its NF-e was built: another CPF/CNPJ, or another billing address
than the recipient (`dest`) the NF-e names. An import takes such a change while the NF-e is pending or awaiting SEFAZ
(the order is not processed yet, so rule 7 holds nothing back): a pending NF-e is built anew before it goes, same
number (`services.invoices._claim`); one SEFAZ never got is not sent as it was; one SEFAZ authorised meanwhile flags
its order (`order_drift`).

This runs on every send and every authorisation, so it reads what is at hand: the NF-e's customer for the CPF/CNPJ
(one customer per CPF/CNPJ), a few tags of its `dest` group, the order's row. Only what belongs to this order is
compared: the customer's record is shared by the buyer's orders and takes the newest one's name and address, so an
NF-e that took its address from it (the order's billing address incomplete, or a customer linked by hand) is not
compared (review: another order of the same buyer made it "changed"), nor is the name (the NF-e may have taken the
customer's).
"""

from __future__ import annotations

import re
from html import unescape

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.delivery_place import known_uf
from lojasync.sales.recipient import billing_recipient_address

_DEST_TAGS = re.compile(r"<(xLgr|nro|xCpl|UF|CEP)>([^<]*)</\1>")


def recipient_changes(document, order, xml: str | None) -> str | None:
    """What of the buyer the store changed since the NF-e (`xml`: its signed XML or its nfeProc) was built, in words
    ("o CPF/CNPJ", "o endereço"); None while the order still names the NF-e's recipient, or when there is nothing
    to compare (no XML; no customer any more: erased at the buyer's request, which is no new recipient)."""
    if order.customer_id is None or not xml:
        return None
    if order.customer_id != document.customer_id:
        return "o CPF/CNPJ"   # one customer per CPF/CNPJ: another customer is another document
    place = billing_recipient_address(order)
    if place is None or place.is_empty():
        return None   # the NF-e took the customer's address, which another order may have changed
    dest = _dest_of(xml)
    return "o endereço" if dest is not None and _moved(dest, place) else None


def _dest_of(xml: str) -> dict[str, str] | None:
    """The recipient's address tags, read from the `dest` group alone (not the whole XML parsed)."""
    start = xml.find("<dest>")
    end = xml.find("</dest>", start)
    if start < 0 or end < 0:
        return None
    return {tag: unescape(value) for tag, value in _DEST_TAGS.findall(xml, start, end)}


def _moved(dest: dict[str, str], place) -> bool:
    """Whether the order's billing address (the recipient's, as the draft took it: `sales.recipient`) is no longer
    the one in enderDest: street, number, complement, CEP or UF (the city follows the CEP)."""
    zipcode = fmt.digits(place.zipcode)
    now = {"xLgr": fmt.text(place.street, 60), "nro": fmt.text(place.number, 60) or "S/N",
           "xCpl": fmt.optional_text(place.complement, 60), "UF": known_uf(place.state),
           "CEP": zipcode if len(zipcode) == 8 else None}
    return any(dest.get(tag) != value for tag, value in now.items())
