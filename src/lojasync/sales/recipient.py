"""Where the buyer of an order is, as its NF-e names them (the recipient's address): the NF-e's draft and the
check of the customer's IE against its UF both read it here, so that they never look at two different places."""

from __future__ import annotations

from lojasync.sales.orders import CustomerLink
from lojasync.shared.address import Address


def recipient_address(order, customer) -> Address | None:
    """This sale's billing address first: the customer's is the newest order's (or the store profile's), and an
    order invoiced after the buyer moved or ordered again from another state took that one, its UF deciding the
    tax (review). The customer's first when a person linked it (the company the buyer named, with its own
    address). An address without street, city and state (a billing name and phone alone) is passed over for one
    that has them; none has them: the first with anything, for the refusal to say what is missing."""
    billing = order.billing_address if order is not None else None
    shipping = order.shipping_address if order is not None else None
    own = customer.address if customer is not None else None
    manual = order is not None and getattr(order, "customer_link", None) == CustomerLink.MANUAL
    candidates = (own, billing, shipping) if manual else (billing, own, shipping)
    return (next((a for a in candidates if _complete(a)), None)
            or next((a for a in candidates if a is not None and not a.is_empty()), None))


def billing_recipient_address(order) -> Address | None:
    """The order's billing address when it is the recipient's whoever the customer is (linked by the store, and
    complete); None when that takes the customer (`recipient_address`). Read without loading the customer."""
    billing = order.billing_address
    manual = getattr(order, "customer_link", None) == CustomerLink.MANUAL
    return billing if not manual and _complete(billing) else None


def _complete(address: Address | None) -> bool:
    return address is not None and bool(address.street and address.city and address.state)
