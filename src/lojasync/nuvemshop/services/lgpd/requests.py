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
from lojasync.shared.phone import national_digits
from lojasync.shared.tax_id import TaxIdKind, normalize_tax_id

CPF_LENGTH = 11

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

    @property
    def personal_tax_id(self) -> str | None:
        """The request's document when it names one person (a CPF): a company's CNPJ is typed by several of the store's
        customers (employees), and names none of them (LGPD review: one employee's erasure deleted a colleague's data
        export and cleared her notifications)."""
        return self.tax_id if self.tax_id and len(self.tax_id) == CPF_LENGTH else None

    def _same_contact(self, email: object, document: object) -> bool:
        email = text(email)
        if self.email and email and email.lower() == self.email.lower():
            return True
        return bool(self.personal_tax_id and document and normalize_tax_id(document) == self.personal_tax_id)


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
    """The person's ERP customer found by the request, as (a CPF's, the company's): at most one of the two.

    A CPF is one person's: its customer is the person's, handed over and erased with them, whoever else the store bound
    to it (the same person under two store records; a typo of it). A company's CNPJ is typed by several of the store's
    customers (employees), and its customer holds whoever bought last: its orders are the person's only as the platform
    lists them or as they carry the person's e-mail (`customer_orders`), and the customer itself only when it holds the
    person's contact (`company_is_theirs`; LGPD review: one employee's request exported, then anonymised, a
    colleague's name, e-mail, phone and address, and erased her orders)."""
    customer = find_customer(uow, store, request)
    if customer is not None and customer.kind == TaxIdKind.CNPJ.value:
        return None, customer
    return customer, None


def company_is_theirs(request: CustomerRequest, company: Customer, rows: list[tuple[Order, OrderBinding]]) -> bool:
    """Whether a company's customer holds the person's data: the e-mail or phone of the request, or of one of the
    person's own orders (`rows`: the e-mail changed since, the phone written otherwise)."""
    emails = {e.lower() for e in (request.email, *(order.contact_email for order, _ in rows)) if e}
    phones = {p for p in (_phone(request.phone), *(_phone(order.contact_phone) for order, _ in rows)) if p}
    return bool((company.email and company.email.lower() in emails) or (_phone(company.phone) in phones))


def _phone(value: object) -> str | None:
    """A phone as its national digits ("+55 (11) 91111-2222" is "11911112222", as the NF-e reads it); one that is not
    a Brazilian number, as its digits."""
    text = str(value or "")
    return national_digits(text) or "".join(ch for ch in text if ch.isdigit()) or None


def customer_orders(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest, customer: Customer | None,
                    shared: Customer | None = None) -> list[tuple[Order, OrderBinding]]:
    """The person's orders of the store (`customer`, `shared`: as `person_customer` gives them). Of a shared customer,
    those the platform lists and those the person's e-mail names: its document, and its link, are the others' too."""
    ids = uow.lgpd.customer_order_ids(store.id, external_ids=request.order_ids,
                                      customer_id=customer.id if customer and shared is None else None,
                                      email=request.email, documents=request.documents() if shared is None else (),
                                      shared_customer_id=shared.id if shared else None)
    return uow.lgpd.orders_with_bindings(store.id, ids)


def the_persons(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest
                ) -> tuple[Customer | None, Customer | None, list[tuple[Order, OrderBinding]]]:
    """The person's customer, the company's customer the request found when it is not theirs (None otherwise), and
    the person's orders: what a request erases or hands over (`person_customer`, `company_is_theirs`)."""
    customer, company = person_customer(uow, store, request)
    rows = customer_orders(uow, store, request, customer, company)
    # Whose data a company's customer holds is told by contact data alone: being bound to the person's store record
    # says nothing of who bought last (bindings move with each order; review: a company customer bound to João alone,
    # last updated by Maria's order, was handed to João and erased by his request).
    if company is not None and company_is_theirs(request, company, rows):
        return company, None, rows
    return customer, company, rows


def other_customers(uow: ConnectorUnitOfWork, store: Store, request: CustomerRequest, customer: Customer | None,
                    rows: list[tuple[Order, OrderBinding]], shared: Customer | None = None
                    ) -> list[tuple[Customer, str | None]]:
    """Every other ERP customer the store's data made of this person, not only the one the store's customer is bound to
    now (a first order with a mistyped, valid CPF made a second one, with the name, e-mail, phone and address), each
    with why it is someone else's too (then it is not the person's to erase or to hand over), or None. A customer a
    person linked by hand (a company) is not the person: left out. `shared`: the company's customer the request found
    that holds someone else's data (`the_persons`): first, kept."""
    found: list[Customer] = []
    for order, _ in rows:
        if order.customer is not None and order.customer_link == CustomerLink.STORE \
                and order.customer is not customer and order.customer is not shared and order.customer not in found:
            found.append(order.customer)
    kept = [(shared, f"cliente {shared.id} mantido: é de uma empresa (CNPJ) e não guarda os contatos desta pessoa")] \
        if shared is not None else []
    return kept + [(each, _shared(uow, store, request, each, rows)) for each in found]


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
