"""customers/data_request: gather what lojasync keeps about a customer into an export for the merchant.

The export is kept in the database (any machine, and the operator's CLI, can hand it over), never on
one worker's disk; it is purged after the retention period like processed notifications.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from lojasync.finance.receivables import Receivable
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.fiscal.services.invoices import environment_name
from lojasync.fiscal.simple_sales import SimpleSale
from lojasync.nuvemshop.errors import LgpdRequestError
from lojasync.nuvemshop.model.bindings import OrderBinding
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.lgpd.requests import (
    CustomerRequest,
    other_customers,
    strip_bodies,
    the_persons,
)
from lojasync.sales.customers import Customer
from lojasync.sales.events import DataExported
from lojasync.sales.history import Actor
from lojasync.sales.orders import Order
from lojasync.sales.views import history_view
from lojasync.shared.tax_id import TaxIdKind

_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def data_request(uow: ConnectorUnitOfWork, store: Store, event: WebhookEvent, body: dict) -> str:
    request = CustomerRequest.parse(body, "orders_requested")
    raw = body.get("data_request")
    request_id = str(raw.get("id", "")).strip() if isinstance(raw, dict) else ""
    if not _SAFE_ID.match(request_id):
        raise LgpdRequestError("customers/data_request sem 'data_request.id' válido (letras, números, - ou _).")
    customer, company, rows = the_persons(uow, store, request)
    external_ids = [b.external_id for _, b in rows]
    order_ids = [order.id for order, _ in rows]
    histories = uow.order_history.for_orders(order_ids)
    # The orders' fiscal documents and money, each kind read for every order at once (the NF-e's XML stays out:
    # a fiscal document the merchant archives; the export lists it).
    invoices, sales = uow.invoices.for_orders(order_ids), uow.simple_sales.for_orders(order_ids)
    receivables = uow.receivables.for_orders(order_ids)
    wanted = set(external_ids) | set(request.order_ids)
    failures = [f for f in uow.lgpd.import_failures_of(store.id)
                if f.external_id in wanted or request.matches_order_payload(f.payload)]
    export = {
        "description": ("Dados pessoais mantidos pelo lojasync (ERP) sobre o cliente, a pedido do titular "
                        "(LGPD, art. 18). Valores em reais; datas em UTC (ISO 8601)."),
        "generated_at": _iso(datetime.now(timezone.utc)),
        "store": {"id": store.external_id, "name": store.name},
        "data_request_id": request_id,
        "request": {"store_customer_id": request.store_customer_id, "email": request.email,
                    "phone": request.phone, "identification": request.identification,
                    "orders_requested": request.order_ids},
        "customer": _customer_export(uow, store, customer, request),
        # The other customers the store's data made of this person (review: a first order with a mistyped CPF made
        # one, its name, e-mail, phone and address left out of the export); one that is someone else's too is not
        # the person's data to hand over.
        "other_customers": [_customer_export(uow, store, each, request)
                            for each, kept in other_customers(uow, store, request, customer, rows, company)
                            if kept is None],
        "orders": [_order_export(order, binding, history_view(uow, histories.get(order.id, [])),
                                 invoices.get(order.id, []), sales.get(order.id, []), receivables.get(order.id, []))
                   for order, binding in rows],
        "orders_not_found": sorted(set(request.order_ids) - set(external_ids)),
        "import_failures": [{"store_order_id": f.external_id, "error": f.error, "payload": f.payload,
                             "first_failed_at": _iso(f.first_failed_at), "last_failed_at": _iso(f.last_failed_at)}
                            for f in failures],
    }
    uow.lgpd_exports.save(store.id, request_id, export)
    for order, _ in rows:
        order.record(DataExported(order=order, actor=Actor.STORE, request_id=request_id))
    if not rows:
        uow.store_log.record(store.id, StoreLogType.LGPD_DATA_REQUEST, Actor.STORE.value,
                             {"request_id": request_id, "orders": 0})
    strip_bodies([event])  # the export holds the data now; the inbox need not keep e-mail and CPF
    return f"customers/data_request {request_id}: {len(rows)} pedido(s) exportado(s); exportação guardada no lojasync."


def _customer_export(uow: ConnectorUnitOfWork, store: Store, customer: Customer | None,
                     request: CustomerRequest) -> dict | None:
    if customer is None:
        return None
    bound = uow.lgpd.store_customer_external_ids(store.id, customer.id)
    if customer.kind == TaxIdKind.CNPJ.value:
        # A company's customer: its other store customers are the colleagues who typed the same CNPJ (review).
        bound = [external_id for external_id in bound if external_id == request.store_customer_id]
    return {
        "id": customer.id, "name": customer.name, "tax_id": customer.tax_id, "kind": customer.kind,
        "email": customer.email, "phone": customer.phone,
        "address": customer.address.to_dict() if customer.address else None,
        "state_registration": customer.state_registration,  # set in the back office: also data held about them
        "store_customer_ids": bound,
        "created_at": _iso(customer.created_at), "updated_at": _iso(customer.updated_at),
    }


def _order_export(order: Order, binding: OrderBinding, history: list[dict], invoices: list[Invoice],
                  sales: list[SimpleSale], receivables: list[Receivable]) -> dict:
    return {
        "number": order.id, "store_order_id": binding.external_id, "store_order_number": order.origin_number,
        "origin": order.origin, "status": order.status.label, "placed_at": _iso(order.placed_at),
        "customer_id": order.customer_id,
        "contact": {"name": order.contact_name, "email": order.contact_email, "phone": order.contact_phone,
                    "document": order.contact_document},
        "subtotal": str(order.subtotal), "discount": str(order.discount), "freight": str(order.freight),
        "total": str(order.total),
        "payment": {"method": order.payment_method, "gateway": order.payment_gateway,
                    "installments": order.installments},
        "billing_address": order.billing_address.to_dict() if order.billing_address else None,
        "shipping_address": order.shipping_address.to_dict() if order.shipping_address else None,
        # How it was delivered: the buyer's parcel and where it went (review: the export left them out).
        "shipping": order.shipping.to_dict() if order.shipping else None,
        "tracking": {"code": order.tracking_code, "url": order.tracking_url} if order.tracking_code else None,
        "note": order.note, "processed_by": order.processed_by.value if order.processed_by else None,
        "lines": [{"position": ln.position, "sku": ln.sku, "name": ln.name, "quantity": ln.quantity,
                   "unit_price": str(ln.unit_price), "total": str(ln.total)} for ln in order.lines],
        "created_at": _iso(order.created_at), "updated_at": _iso(order.updated_at),
        "history": history,
        "invoices": [_invoice_export(invoice) for invoice in invoices],
        "simple_sales": [_sale_export(sale) for sale in sales],
        "receivables": [_receivable_export(receivable) for receivable in receivables],
    }


def _invoice_export(invoice: Invoice) -> dict:
    # A discarded NF-e keeps the moment of its discard where a cancelled one keeps its cancellation's (as the pages
    # show them, `fiscal.services.views.invoice_view`): told apart here too.
    discarded = invoice.status is InvoiceStatus.DISCARDED
    return {
        "number": invoice.number, "series": invoice.series, "access_key": invoice.access_key,
        "status": invoice.status.label, "environment": environment_name(invoice.environment),
        "total": str(invoice.total), "issued_at": _iso(invoice.issued_at),
        "authorised_at": _iso(invoice.authorised_at),
        "cancelled_at": None if discarded else _iso(invoice.cancelled_at),
        "discarded_at": _iso(invoice.cancelled_at) if discarded else None,
    }


def _sale_export(sale: SimpleSale) -> dict:
    return {"number": sale.id, "status": sale.status.label, "total": str(sale.total),
            "created_at": _iso(sale.created_at), "confirmed_at": _iso(sale.confirmed_at),
            "cancelled_at": _iso(sale.cancelled_at)}


def _receivable_export(receivable: Receivable) -> dict:
    return {
        "document": receivable.source_type, "document_id": int(receivable.source_id),
        "installment": receivable.installment, "installments": receivable.installments,
        "amount": str(receivable.amount), "due_date": receivable.due_date.isoformat(),
        "payment_method": receivable.payment_method, "status": receivable.status.label,
        "received_at": _iso(receivable.received_at),
    }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
