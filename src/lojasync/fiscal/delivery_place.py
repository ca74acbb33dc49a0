"""Whether the store changed where an order's goods go after its NF-e was built.

Since the goods' destination decides a consumer's taxes (idDest, CFOP, DIFAL: `tax_rules.tax_uf`) and the
`entrega` group names it, an NF-e built for one place must not go out (nor stand unflagged) once the store says the
order goes elsewhere: the lines, total and payment compared by `documents.same_sale` would not notice. Compared with
what the NF-e wrote (`services.invoice_draft.delivery_of`): a pickup at the store (modFrete 9) or a shipment; the
`entrega` group's address; with no group, the recipient's own address, or the place written as text in infCpl (a
shipping address the NF-e cannot code).
"""

from __future__ import annotations

import re
from html import unescape

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.municipalities import find_municipality
from lojasync.shared.address import Address, uf_of
from lojasync.shared.errors import LojasyncError

_ADDRESS_TAGS = re.compile(r"<(xNome|xLgr|nro|xCpl|xBairro|cMun|xMun|UF|CEP)>([^<]*)</\1>")
_INF_CPL = re.compile(r"<infCpl>([^<]*)</infCpl>")
# The transport mode of a pickup: "sem ocorrência de transporte" (`nfe_build.NO_TRANSPORT`).
_PICKUP = "<modFrete>9</modFrete>"


def known_uf(state: str | None) -> str | None:
    """The UF of a store's state ("Minas Gerais", "mg"), or None when nobody can read one there."""
    try:
        return uf_of(state)
    except LojasyncError:
        return None


def place_as_text(place: Address) -> str:
    """A shipping address the NF-e cannot code, as infCpl says it ("Local de entrega: ...")."""
    street = ", ".join(p for p in (place.street, place.number, place.complement) if p)
    city = "/".join(p for p in (place.city, place.state) if p)
    zipcode = f"CEP {place.zipcode}" if place.zipcode else ""
    return " - ".join(p for p in (street, place.district, city, zipcode) if p)


_NOTE_BEGINS = "Local de entrega: "


def delivery_note(place_text: str) -> str:
    """How infCpl says the place (`place_as_text`): `nfe_build` writes it, `delivery_changed` looks for it."""
    return f"{_NOTE_BEGINS}{place_text}."


def delivery_changed(xml: str | None, order) -> bool:
    """True when the order no longer goes where the NF-e (`xml`: its signed XML or nfeProc) says: collected at the
    store now and not then, or the other way round; or shipped to another address than the one it was built for.
    Nothing to compare (no XML, no shipping address now) is no change: the buyer's erasure (LGPD) removes the address
    too, with a customer a person linked kept, and a removal read as a move would flag an order the store never
    changed (review: worse than the rare removal left unseen)."""
    if not xml:
        return False
    shipping = getattr(order, "shipping", None)
    pickup = shipping is not None and shipping.pickup
    if pickup != (_PICKUP in xml):
        return True
    if pickup:
        return False
    place = order.shipping_address
    if place is None or place.is_empty():
        return False
    entrega = _address_in(xml, "entrega")
    if entrega is not None:
        return not _same_place(entrega, place, whole=True)
    # No group: shipped to the recipient's own address, or to one the NF-e wrote as text (review: a contributor's
    # order shipped to an address it could not code, in another UF, was taken for a move by the recipient's UF).
    as_text = place_as_text(place)
    if not as_text:
        return False   # a name or a phone alone: the NF-e wrote nothing of it, nor is there anything to compare
    notes = _notes(xml)
    if _NOTE_BEGINS in notes:   # the place as text: the order must still name that place (review: shipped to the
        return fmt.text(delivery_note(as_text), 5000) not in notes   # buyer's own address since, it went unseen)
    recipient = _address_in(xml, "enderDest")
    return recipient is None or not _same_place(recipient, place)


def _notes(xml: str) -> str:
    written = _INF_CPL.search(xml)
    return unescape(written.group(1)) if written else ""


def _address_in(xml: str, group: str) -> dict[str, str] | None:
    """The address tags of one group of the XML (`entrega`, `enderDest`), read without parsing the whole of it."""
    start = xml.find(f"<{group}>")
    end = xml.find(f"</{group}>", start)
    if start < 0 or end < 0:
        return None
    return {tag: unescape(value) for tag, value in _ADDRESS_TAGS.findall(xml, start, end)}


def _same_place(written: dict[str, str], place: Address, whole: bool = False) -> bool:
    """Whether the order's shipping address is the one the group wrote: street, number, complement, city and UF (case
    and spacing aside, as the draft compares them; the city by its IBGE code); the CEP only when both have one.
    `whole`: the `entrega` group, which a rebuild writes from this place, so its district and its receiver's name
    too (review: a district changed, a receiver named anew, a city changed where the store gave no CEP, all went
    unseen); a shipment to the recipient's own address (`enderDest`) is the same place by the draft's rule, which
    leaves the district out."""
    def key(street, number, complement, uf) -> tuple:
        return tuple(_plain(v) for v in (street, number, complement, uf))

    uf = known_uf(place.state)
    now = key(fmt.text(place.street, 60), fmt.text(place.number, 60) or "S/N", fmt.text(place.complement, 60),
              uf or place.state)
    zipcodes = fmt.digits(place.zipcode), written.get("CEP", "")
    same_zipcode = not all(zipcodes) or zipcodes[0] == zipcodes[1]
    if key(written.get("xLgr"), written.get("nro"), written.get("xCpl"), written.get("UF")) != now or not same_zipcode:
        return False
    if "cMun" in written:
        code = _municipality_code(place.city, uf)
        # A city the table cannot read ("São Paulo/SP") is no move from the recipient's own address: the draft writes
        # such a place as text (compared above), so this is an NF-e built before it did (review: flagged after the
        # upgrade). In the group, which a rebuild writes only for a city it can code, it is another city.
        if code != written["cMun"] and (code is not None or whole):
            return False
    if not whole:
        return True
    if _plain(written.get("xBairro")) != _plain(fmt.text(place.district, 60)):
        return False
    # The receiver the group names: the place's own, when it names one (else the buyer's, which the recipient's
    # own check follows).
    receiver = fmt.text(place.name, 60)
    return len(receiver) < 2 or _plain(written.get("xNome")) == _plain(receiver)


def _plain(value: str | None) -> str:
    return " ".join((value or "").casefold().split())


def _municipality_code(city: str | None, uf: str | None) -> str | None:
    """The IBGE code the draft writes for this city (`invoice_draft.fiscal_address`); None when it knows none: the
    NF-e could not have coded it, so a group with a code was built for another city."""
    try:
        return find_municipality(city, uf).code
    except LojasyncError:
        return None
