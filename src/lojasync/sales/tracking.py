"""Use case: the operator records the tracking code of an order's shipment (and, optionally, the carrier's
tracking page). The order keeps it and its history says who did it; the connector, a handler of the
`TrackingRecorded` event, hands it to the store the order came from (which tells the customer).

Recording the same code and link again changes nothing (no history entry, nothing sent twice); a new code or
link replaces the old one. A link not given at all (`KEEP_LINK`: no --url, no `url` in the API's body) keeps the
one recorded with the same code, and is none with a new code (the old link tracks the old parcel).
"""

from __future__ import annotations

import re
import unicodedata

from lojasync.sales.errors import InvalidTrackingCode, InvalidTrackingUrl, OrderNotFound, TrackingOnCancelledOrder
from lojasync.sales.events import TrackingRecorded
from lojasync.sales.history import Actor, Who
from lojasync.sales.ports import SalesUnitOfWork
from lojasync.sales.status import OrderStatus
from lojasync.shared.text import clean_text, is_http_address

# The orders table's columns. Correios codes have 13 characters (AA123456789BR); other carriers' run longer,
# none near 60.
MAX_CODE = 60
MAX_URL = 500
# What carriers' codes are made of; a space or a stray character is a typing mistake the customer would meet.
_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*\Z")


class _KeepLink:
    def __repr__(self) -> str:
        return "KEEP_LINK"


KEEP_LINK = _KeepLink()


def clean_tracking_code(code: str | None) -> str:
    """The code as it will be kept, or `InvalidTrackingCode` saying what is wrong with it."""
    text = clean_text(code or "").strip()
    if not text:
        raise InvalidTrackingCode(reason="o código está em branco", maximum=MAX_CODE)
    if len(text) > MAX_CODE:
        raise InvalidTrackingCode(reason=f"{len(text)} caracteres (o máximo é {MAX_CODE})", maximum=MAX_CODE)
    if not _CODE.match(text):
        raise InvalidTrackingCode(reason=f"{text!r} tem espaços ou caracteres que nenhum código de rastreio usa",
                                  maximum=MAX_CODE)
    return text


def clean_tracking_url(url: str | None) -> str | None:
    """The link as it will be kept (blank: none), or `InvalidTrackingUrl`."""
    text = clean_text(url or "").strip()
    if not text:
        return None
    if len(text) > MAX_URL:
        raise InvalidTrackingUrl(reason=f"{len(text)} caracteres (o máximo é {MAX_URL})", maximum=MAX_URL)
    if not is_http_address(text):
        raise InvalidTrackingUrl(reason="não é um endereço http:// ou https://", maximum=MAX_URL)
    if any(c.isspace() for c in text):
        raise InvalidTrackingUrl(reason="o endereço tem espaços", maximum=MAX_URL)
    # Control and format characters (U+0001, a right-to-left override): invisible to the person who typed or pasted
    # the link, they reach the customer's "enviado" e-mail as a broken or misleading one (review).
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in text):
        raise InvalidTrackingUrl(reason="o endereço tem caracteres invisíveis (de controle ou de formatação)",
                                 maximum=MAX_URL)
    return text


def record_tracking(uow: SalesUnitOfWork, number: int, code: str, url: str | _KeepLink | None = KEEP_LINK,
                    actor: Who = Actor.OPERATOR) -> dict:
    """Keep `code` (and `url`; blank or None: no link) as order `number`'s tracking; returns what the order has
    now, whether this changed it, and whether the order came from a store (the one the code is sent to)."""
    code = clean_tracking_code(code)
    keep = url is KEEP_LINK
    url = None if keep else clean_tracking_url(url)
    with uow:
        # Locked: two people recording different codes at once end with one, and the history with both.
        order = uow.orders.get(number, for_update=True, lines=False)
        if order is None:
            raise OrderNotFound(number=number)
        if order.status is OrderStatus.CANCELLED:
            raise TrackingOnCancelledOrder(number=number)
        if keep and order.tracking_code == code:
            url = order.tracking_url
        changed = (order.tracking_code, order.tracking_url) != (code, url)
        if changed:
            previous = order.tracking_code
            order.tracking_code, order.tracking_url = code, url
            order.record(TrackingRecorded(order=order, actor=actor, code=code, url=url, previous_code=previous))
            uow.commit()
        return {"number": number, "tracking_code": code, "tracking_url": url, "changed": changed,
                "from_store": order.origin is not None, "origin_number": order.origin_number}
