"""Who an LGPD notification is about, and how to recognise that person in orders and payloads."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.nuvemshop.errors import LgpdRequestError
from lojasync.nuvemshop.model.bindings import OrderBinding
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.sales.customers import Customer
from lojasync.sales.orders import CustomerLink, Order, document_forms
from lojasync.shared.tax_id import TaxIdKind, normalize_tax_id

CUSTOMER_EVENTS = ("customers/redact", "customers/data_request")
_KEPT_BODY_KEYS = ("store_id", "event", "id", "orders_to_redact", "orders_requested")


@dataclass(frozen=True)
class CustomerRequest:
    store_customer_id: str | None
    email: str | None
    phone: str | None
    identification: str | None
    tax_id: str | None
    order_ids: list[str]

    @classmethod
    def parse(cls, body: dict, orders_key: str) -> CustomerRequest:
        customer = body.get("customer")
        if not isinstance(customer, dict):
            raise LgpdRequestError("Notificação LGPD sem o objeto 'customer'.")
        store_customer_id, email, phone, identification = (
            text(customer.get(key)) for key in ("id", "email", "phone", "identification"))
        raw = customer.get("identification")
        if isinstance(raw, int) and not isinstance(raw, bool):
            # A CPF sent as a JSON number lost its leading zeros: put back, as the import does (LGPD review: the
            # request found nothing of an order imported with the CPF whole).
            identification = normalize_tax_id(raw) or identification
        if not (store_customer_id or email or identification):
            raise LgpdRequestError("Notificação LGPD sem identificação do cliente (customer.id, e-mail ou CPF/CNPJ).")
        orders = body.get(orders_key)
        if orders is None:
            orders = []
        if not isinstance(orders, list) or any(text(o) is None or isinstance(o, (bool, dict, list)) for o in orders):
            raise LgpdRequestError(f"'{orders_key}' deve ser uma lista de ids de pedidos da loja.")
        tax_id = normalize_tax_id(identification) or None
        return cls(store_customer_id, email, phone, identification, tax_id, [text(o) for o in orders])

    def documents(self) -> list[str]:
        """The ways a store may have written the document on an order."""
        return document_forms(self.identification)

    def matches_customer(self, person: object) -> bool:
        """Whether a customer object (of a webhook body or an order payload) is this customer."""
        if not isinstance(person, dict):
            return False
        if self.store_customer_id and text(person.get("id")) == self.store_customer_id:
            return True
        return self._same_contact(person.get("email"), person.get("identification"))

    def matches_order_payload(self, payload: object) -> bool:
        """Whether a raw store order payload is about this customer."""
        if not isinstance(payload, dict):
            return False
        return (self.matches_customer(payload.get("customer"))
                or self._same_contact(payload.get("contact_email"), payload.get("contact_identification")))

    def holds_contact(self, email: object, phone: object) -> bool:
        """Whether a record holds this person's e-mail or phone (a company's customer, holding whoever bought last)."""
        email, phone = text(email), text(phone)
        return bool((self.email and email and email.lower() == self.email.lower())
                    or (self.phone and phone and phone == self.phone))

    def _same_contact(self, email: object, document: object) -> bool:
        email = text(email)
        if self.email and email and email.lower() == self.email.lower():
            return True
        return bool(self.tax_id and document and normalize_tax_id(document) == self.tax_id)


def find_customer(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest) -> Customer | None:
    if request.store_customer_id:
        binding = uow.bindings.customers_by_external_ids(store.id, [request.store_customer_id]).get(
            request.store_customer_id)
        if binding is not None:
            return binding.customer
    if request.tax_id:
        return uow.customers.by_tax_id(request.tax_id)
    return None


def person_customer(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest
                    ) -> tuple[Customer | None, Customer | None]:
    """The person's ERP customer (handed over and erased with the person), and the customer a company's CNPJ made of
    several of the store's customers (employees typing their employer's CNPJ), whose orders only the person's e-mail
    tells apart (`customer_orders`).

    A company's customer holds whoever bought last: it is the person's own, and the first of the two too, when it holds
    the person's e-mail or phone; else it is someone else's, left as it is and not handed over (LGPD review: one
    employee's request exported, then anonymised, the other's name, e-mail, phone and address, and erased her
    orders). A CPF is one person's: a customer of it stays the person's whoever else the store bound to it (the same
    person under two store records; a typo of it), as before."""
    customer = find_customer(uow, store, request)
    if customer is None or customer.kind != TaxIdKind.CNPJ.value:
        return customer, None
    bound = set(uow.lgpd.store_customer_external_ids(store.id, customer.id))
    # Found by the store's customer id, any other store customer bound to it is someone else; found by the document
    # (the id unknown here, or not sent), one store customer bound is taken for the person (the store may have made
    # the person a new customer record), two or more are several people.
    if not (bound - {request.store_customer_id} and (request.store_customer_id in bound or len(bound) > 1)):
        return customer, None
    return (customer if request.holds_contact(customer.email, customer.phone) else None), customer


def customer_orders(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest, customer: Customer | None,
                    shared: Customer | None = None) -> list[tuple[Order, OrderBinding]]:
    """The person's orders of the store (`customer`, `shared`: as `person_customer` gives them). Of a shared customer,
    those the platform lists and those the person's e-mail names: its document, and its link, are the others' too."""
    ids = uow.lgpd.customer_order_ids(store.id, external_ids=request.order_ids,
                                      customer_id=customer.id if customer and shared is None else None,
                                      email=request.email, documents=request.documents() if shared is None else (),
                                      shared_customer_id=shared.id if shared else None)
    return uow.lgpd.orders_with_bindings(store.id, ids)


def other_customers(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest, customer: Customer | None,
                    rows: list[tuple[Order, OrderBinding]], shared: Customer | None = None
                    ) -> list[tuple[Customer, str | None]]:
    """Every other ERP customer the store's data made of this person, not only the one the store's customer is bound to
    now (a first order with a mistyped, valid CPF made a second one, with the name, e-mail, phone and address), each
    with why it is someone else's too (then it is not the person's to erase or to hand over), or None. A customer a
    person linked by hand (a company) is not the person: left out. `shared`: the customer found for the person that
    is someone else's too (`person_customer`), always among them."""
    found: list[Customer] = [shared] if shared is not None and shared is not customer else []
    for order, _ in rows:
        if order.customer is not None and order.customer_link == CustomerLink.STORE \
                and order.customer is not customer and order.customer not in found:
            found.append(order.customer)
    return [(each, _shared(uow, store, request, each, rows)) for each in found]


def _shared(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest, customer: Customer,
            rows: list[tuple[Order, OrderBinding]]) -> str | None:
    """Why a customer the person's orders made is someone else's too, or None: it is linked to other orders of the
    store, or bound to another of the store's customers (a CPF mistyped as another person's, a company's CNPJ several
    employees type)."""
    requested = {order.id for order, _ in rows}
    others = set(uow.lgpd.linked_order_ids(store.id, customer.id)) - requested
    bound = set(uow.lgpd.store_customer_external_ids(store.id, customer.id)) - {request.store_customer_id}
    if others or bound:
        return f"cliente {customer.id} mantido: também é de outros pedidos da loja"
    return None


def strip_bodies(events: list[WebhookEvent]) -> int:
    """Keep only the non-personal part of stored notification bodies (ids, not e-mails or documents)."""
    stripped = 0
    for event in events:
        body = event.body if isinstance(event.body, dict) else {}
        new = {k: body[k] for k in _KEPT_BODY_KEYS if k in body}
        if isinstance(body.get("customer"), dict) and "id" in body["customer"]:
            new["customer"] = {"id": body["customer"]["id"]}
        if isinstance(body.get("data_request"), dict) and "id" in body["data_request"]:
            new["data_request"] = {"id": body["data_request"]["id"]}
        if new != body:
            event.body = new  # a new dict: the JSON column does not track in-place changes
            stripped += 1
    return stripped


def text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    value = str(value).strip()
    return value or None
