"""Read side: orders and customers as plain dicts for the CLI (JSON/table) and, later, the web pages."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lojasync.sales.customers import Customer
from lojasync.sales.errors import OrderNotFound
from lojasync.sales.history import HistoryEntry
from lojasync.sales.history_text import Names, level_of, render
from lojasync.sales.orders import Order
from lojasync.sales.ports import OriginRef, SalesUnitOfWork
from lojasync.sales.status import OrderStatus
from lojasync.shared.tax_id import TaxId, TaxIdKind


def list_orders(uow: SalesUnitOfWork, status: OrderStatus | None = None, without_customer: bool = False,
                needs_attention: bool | None = None, limit: int | None = None) -> list[dict]:
    with uow:
        orders = uow.orders.list(status=status, without_customer=without_customer,
                                 needs_attention=needs_attention, limit=limit)
        origins = uow.origins.for_orders(o.id for o in orders)
        return [order_summary(o, origins.get(o.id)) for o in orders]


def show_order(uow: SalesUnitOfWork, number: int) -> dict:
    with uow:
        order = uow.orders.get(number)
        if order is None:
            raise OrderNotFound(number=number)
        origin = uow.origins.for_orders([order.id]).get(order.id)
        view = order_summary(order, origin)
        view.update({
            "contact": {"name": order.contact_name, "email": order.contact_email, "phone": order.contact_phone,
                        "document": order.contact_document},
            "subtotal": str(order.subtotal),
            "discount": str(order.discount),
            "freight": str(order.freight),
            "payment": {"method": order.payment_method, "gateway": order.payment_gateway,
                        "installments": order.installments},
            "billing_address": order.billing_address.to_dict() if order.billing_address else None,
            "shipping_address": order.shipping_address.to_dict() if order.shipping_address else None,
            "placed_at": order.placed_at.isoformat() if order.placed_at else None,
            "note": order.note,
            "processed_by": order.processed_by.value if order.processed_by else None,
            "store": _store_state(origin),
            "log": history_view(uow, uow.order_history.for_order(order.id)),
        })
        return view


def history_view(uow: SalesUnitOfWork, entries: list[HistoryEntry]) -> list[dict]:
    """The entries in words; names come from the records as they are now (erased ones stay erased)."""
    customers = uow.customers.by_ids(_customer_ids(e.params for e in entries))
    names = Names(customers={cid: c.name for cid, c in customers.items()},
                  documents={cid: _masked(c) for cid, c in customers.items()})
    return [{"at": e.created_at.isoformat(), "level": level_of(e.type).value, "event": e.type, "actor": e.actor,
             "message": render(e.type, e.params, names)} for e in entries]


def order_summary(order: Order, origin: OriginRef | None) -> dict:
    customer = order.customer
    return {
        "number": order.id,
        "status": order.status.label,
        "origin": order.origin,
        "origin_label": order.origin_label,
        "store_order_id": origin.reference if origin else None,
        "store_order_number": order.origin_number,
        "customer": customer_ref(customer) if customer else None,
        "customer_link": order.customer_link,
        "customer_problem": order.customer_problem,
        "contact_name": order.contact_name,
        "total": str(order.total),
        "needs_attention": order.needs_attention,
        "attention_reason": order.attention_reason,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "lines": [
            {"sku": line.sku, "name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price),
             "total": str(line.total), "product_id": line.product.id if line.product else None}
            for line in order.lines
        ],
    }


def customer_ref(customer: Customer) -> dict:
    return {"id": customer.id, "name": customer.name, "tax_id": customer.tax_id}


def list_customers(uow: SalesUnitOfWork) -> list[dict]:
    with uow:
        return [
            {**customer_ref(c), "kind": c.kind, "email": c.email, "phone": c.phone,
             "address": c.address.to_dict() if c.address else None}
            for c in uow.customers.list()
        ]


def _store_state(origin: OriginRef | None) -> dict | None:
    if origin is None:
        return None
    return {
        "order_id": origin.reference,
        "number": origin.number,
        **origin.states,
        "updated_at": origin.updated_at.isoformat() if origin.updated_at else None,
        "synced_at": origin.synced_at.isoformat() if origin.synced_at else None,
    }


def _customer_ids(all_params: Iterable[dict | None]) -> set[int]:
    found: set[int] = set()
    for params in all_params:
        for item in [params or {}, *(params or {}).get("changes", [])]:
            if isinstance(item, dict) and isinstance(item.get("customer_id"), int):
                found.add(item["customer_id"])
    return found


def _masked(customer: Customer) -> str:
    if customer.is_anonymised():
        return "documento removido"
    kind: Any = TaxIdKind.CPF if customer.kind == TaxIdKind.CPF else TaxIdKind.CNPJ
    return TaxId(customer.tax_id, kind).masked()
