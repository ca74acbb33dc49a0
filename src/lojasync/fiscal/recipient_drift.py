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

A pending NF-e, which a change rebuilds rather than refuses, is compared with the whole recipient its draft would name
now (`contact_changes`): the customer's name and e-mail, the phone and address the NF-e takes, whichever record they
come from.
"""

from __future__ import annotations

import re
from html import unescape

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.delivery_place import known_uf
from lojasync.fiscal.nfe_build import HOMOLOGATION_NAME, nfe_phone
from lojasync.sales.recipient import billing_recipient_address, recipient_address

_DEST_TAGS = re.compile(r"<(xLgr|nro|xCpl|UF|CEP)>([^<]*)</\1>")
_CONTACT_TAGS = re.compile(r"<(xNome|email|fone)>([^<]*)</\1>")


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


def contact_changes(order, xml: str | None) -> str | None:
    """What of the recipient a pending NF-e's `dest` (`xml`: its signed XML) names that its draft would no longer
    name now, in words ("nome, e-mail"); None while it names them as they stand, or when there is nothing to compare.
    Asked of a never-sent NF-e alone, which such a change rebuilds (same number) rather than refuses or flags: the
    shared customer record the draft reads may have changed for another order's sake (review, LGPD: store A's
    customers/redact rebuilt the customer kept for store B's order from that order, and B's pending NF-e, signed
    with the e-mail only A's order had given, went to SEFAZ with it: the CPF and the order's billing address, all
    `recipient_changes` compares, had not changed)."""
    customer = order.customer
    if customer is None or not xml:
        return None
    dest = _dest_of(xml, (_CONTACT_TAGS, _DEST_TAGS))
    if dest is None:
        return None
    place = recipient_address(order, customer)
    phone = nfe_phone(place.phone) if place is not None else None
    name = dest.get("xNome")
    changed = [("nome", name != HOMOLOGATION_NAME and name != fmt.text(customer.name, 60)),
               ("e-mail", dest.get("email") != fmt.optional_email(customer.email)),
               ("telefone", dest.get("fone") != phone),
               ("endereço", place is not None and _moved(dest, place))]
    return ", ".join(what for what, moved in changed if moved) or None


def _dest_of(xml: str, tags: tuple[re.Pattern, ...] = (_DEST_TAGS,)) -> dict[str, str] | None:
    """The recipient's tags (the address's unless `tags` say), read from the `dest` group alone (not the whole XML
    parsed)."""
    start = xml.find("<dest>")
    end = xml.find("</dest>", start)
    if start < 0 or end < 0:
        return None
    return {tag: unescape(value) for pattern in tags for tag, value in pattern.findall(xml, start, end)}


def _moved(dest: dict[str, str], place) -> bool:
    """Whether the order's billing address (the recipient's, as the draft took it: `sales.recipient`) is no longer
    the one in enderDest: street, number, complement, CEP or UF (the city follows the CEP)."""
    zipcode = fmt.digits(place.zipcode)
    now = {"xLgr": fmt.text(place.street, 60), "nro": fmt.text(place.number, 60) or "S/N",
           "xCpl": fmt.optional_text(place.complement, 60), "UF": known_uf(place.state),
           "CEP": zipcode if len(zipcode) == 8 else None}
    return any(dest.get(tag) != value for tag, value in now.items())
