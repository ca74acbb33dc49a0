"""Whether the store changed an order's buyer after its NF-e was built: another CPF/CNPJ, name or address than the
recipient (`dest`) the NF-e names. An import takes such a change while the NF-e is pending or awaiting SEFAZ (the
order is not processed yet, so rule 7 holds nothing back): a pending NF-e must not go out naming the former buyer,
and one SEFAZ authorised meanwhile flags its order (`order_drift`).

This runs on every send and every authorisation, so it reads what is at hand: the NF-e's customer for the CPF/CNPJ
(one customer per CPF/CNPJ), a few tags of its `dest` group, the order's row. The linked customer is read only when
the order alone cannot tell: a customer a person linked, a billing address without street, city and state, or a
name the order's contact no longer bears.
"""

from __future__ import annotations

import re
from html import unescape

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.delivery_place import known_uf
from lojasync.sales.recipient import billing_recipient_address, recipient_address

_DEST_TAGS = re.compile(r"<(xNome|xLgr|nro|xCpl|UF|CEP)>([^<]*)</\1>")
_PRODUCTION = "1"   # tpAmb: in homologação xNome is SEFAZ's fixed text, not the buyer's name


def recipient_changes(document, order, xml: str | None) -> str | None:
    """What of the buyer the store changed since the NF-e (`xml`: its signed XML or its nfeProc) was built, in words
    ("o CPF/CNPJ", "o nome e o endereço"); None while the order still names the NF-e's recipient, or when there is
    nothing to compare (no XML; no customer any more: erased at the buyer's request, which is no new recipient)."""
    if order.customer_id is None or not xml:
        return None
    if order.customer_id != document.customer_id:
        return "o CPF/CNPJ"   # one customer per CPF/CNPJ: another customer is another document
    dest = _dest_of(xml)
    if dest is None:
        return None
    changed = [what for what, differs in (("o nome", document.environment == _PRODUCTION and _renamed(dest, order)),
                                          ("o endereço", _moved(dest, order))) if differs]
    return " e ".join(changed) or None


def _dest_of(xml: str) -> dict[str, str] | None:
    """The recipient's name and address tags, read from the `dest` group alone (not the whole XML parsed)."""
    start = xml.find("<dest>")
    end = xml.find("</dest>", start)
    if start < 0 or end < 0:
        return None
    return {tag: unescape(value) for tag, value in _DEST_TAGS.findall(xml, start, end)}


def _renamed(dest: dict[str, str], order) -> bool:
    named = dest.get("xNome")
    # The store renames the buyer in the order's contact as in its customer (both read the store customer's name
    # first): a contact still bearing the NF-e's name settles it without reading the customer.
    if not named or fmt.text(order.contact_name, 60) == named:
        return False
    customer = order.customer
    return customer is not None and not customer.is_anonymised() and fmt.text(customer.name, 60) != named


def _moved(dest: dict[str, str], order) -> bool:
    """Whether the recipient's address (`sales.recipient`, as the draft took it) is no longer the one in enderDest:
    street, number, complement, CEP or UF (the city follows the CEP)."""
    place = billing_recipient_address(order)
    if place is None:
        customer = order.customer
        if customer is not None and customer.is_anonymised():
            return False
        place = recipient_address(order, customer)
    if place is None or place.is_empty():
        return False
    zipcode = fmt.digits(place.zipcode)
    now = {"xLgr": fmt.text(place.street, 60), "nro": fmt.text(place.number, 60) or "S/N",
           "xCpl": fmt.optional_text(place.complement, 60), "UF": known_uf(place.state),
           "CEP": zipcode if len(zipcode) == 8 else None}
    return any(dest.get(tag) != value for tag, value in now.items())
