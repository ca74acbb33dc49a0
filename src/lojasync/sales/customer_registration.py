"""Use case: the operator sets or clears a customer's inscrição estadual (IE), which decides how the NF-e treats
them: a contributor (the registration's digits: indIEDest 1, CFOP 6102 to another UF), exempt ("ISENTO": 2) or
not a contributor (empty: 9, CFOP 6108). The store has no such field, so this is the only way it changes.

The IE belongs to the state of the customer's address, the one the NF-e names: the customer's own address or,
on an order's page, that order's address when the customer has none (what the NF-e would then use).
"""

from __future__ import annotations

from lojasync.sales.errors import CustomerNotFound, CustomerNotOnOrder, OrderNotFound
from lojasync.sales.events import CustomerRegistrationSet
from lojasync.sales.history import Actor, Who
from lojasync.sales.ports import SalesUnitOfWork
from lojasync.sales.recipient import recipient_address
from lojasync.sales.typed_tax_id import typed_tax_id
from lojasync.sales.views import customer_details
from lojasync.shared.state_registration import StateRegistrationNeedsState, contributor_of, registration_to_keep


# The code and words of StateRegistrationNeedsState (API clients read the code), with the terminal's command.
class CustomerStateUnknown(StateRegistrationNeedsState):
    """The customer's IE typed without an order, for a customer with no Brazilian UF of their own (one registered by
    hand has no address): the command's `--order N` checks it against that order's address (terminal journey: the
    resolution named the store and the order's page, not the option that does it)."""

    terminal_commands = ("lojasync customers ie {document} {ie} --order NÚMERO",)


def set_state_registration(uow: SalesUnitOfWork, tax_id: str, ie: str | None, *,
                           order_number: int | None = None, actor: Who = Actor.OPERATOR) -> dict:
    """Keep `ie` (blank or None clears it) for the customer with this CPF/CNPJ, checked against their UF.

    With `order_number` the customer must be that order's, and the order's address stands in for a customer
    without one. A CPF may have an IE (a rural producer) and is checked like a CNPJ. Returns the customer
    with `state_registration`, `contributor` (what the NF-e will say) and whether anything changed.
    """
    document = typed_tax_id(tax_id)
    with uow:
        order = None
        if order_number is not None:
            order = uow.orders.get(order_number)
            if order is None:
                raise OrderNotFound(number=order_number)
            if order.customer is None or order.customer.tax_id != document.value:
                raise CustomerNotOnOrder(document=document.formatted(), number=order_number)
        customer = uow.customers.by_tax_id(document.value)
        if customer is None:
            raise CustomerNotFound(kind=document.kind.value, document=document.formatted())
        # The address the NF-e of that order names (review: the IE was checked against the customer's, RJ, while
        # the NF-e went to the order's billing address, SP); without an order, the customer's own.
        place = recipient_address(order, customer)
        try:
            kept = registration_to_keep(ie, place.state if place is not None else None)
        except StateRegistrationNeedsState as exc:
            if order is not None:
                raise
            raise CustomerStateUnknown(document=document.formatted(), **exc.params) from None
        before = contributor_of(customer.state_registration)
        changed = customer.set_state_registration(kept)
        if changed and order is not None:   # changed from an order's page: its history says who and what
            order.record(CustomerRegistrationSet(order=order, actor=actor, customer=customer, before=before.value,
                                                 after=contributor_of(kept).value))
        if changed:
            uow.commit()
        return {**customer_details(customer), "changed": changed}
