"""Read side: orders and customers as plain dicts for the CLI (JSON/table) and, later, the web pages."""

from __future__ import annotations

from lojasync.nuvemshop.model.records import OrderBinding
from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus
from lojasync.db.unit_of_work import UnitOfWork


class OrderNotFound(LookupError):
    def __init__(self, number: int) -> None:
        self.message = f"Pedido {number} não encontrado em Pedidos/Orçamentos."
        super().__init__(self.message)


def list_orders(uow: UnitOfWork, status: OrderStatus | None = None, without_customer: bool = False,
                needs_attention: bool | None = None, limit: int | None = None) -> list[dict]:
    with uow:
        orders = uow.orders.list(status=status, without_customer=without_customer,
                                 needs_attention=needs_attention, limit=limit)
        bindings = uow.bindings.for_orders(o.id for o in orders)
        return [order_summary(o, bindings.get(o.id)) for o in orders]


def show_order(uow: UnitOfWork, number: int) -> dict:
    with uow:
        order = uow.orders.get(number)
        if order is None:
            raise OrderNotFound(number)
        binding = uow.bindings.for_order(order.id)
        view = order_summary(order, binding)
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
            "store": _store_state(binding),
            "log": _log(uow, binding),
        })
        return view


def order_summary(order: Order, binding: OrderBinding | None) -> dict:
    customer = order.customer
    return {
        "number": order.id,
        "status": order.status.label,
        "origin": order.origin,
        "origin_label": order.origin_label,
        "store_order_id": binding.external_id if binding else None,
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


def list_customers(uow: UnitOfWork) -> list[dict]:
    with uow:
        return [
            {**customer_ref(c), "kind": c.kind, "email": c.email, "phone": c.phone,
             "address": c.address.to_dict() if c.address else None}
            for c in uow.customers.list()
        ]


def list_products(uow: UnitOfWork) -> list[dict]:
    with uow:
        stock = uow.products.stock_levels()
        return [
            {"id": p.id, "sku": p.sku, "name": p.name, "price": str(p.price), "stock": stock.get(p.id, 0),
             "created_by_store": p.created_by_store}
            for p in uow.products.list()
        ]


def _store_state(binding: OrderBinding | None) -> dict | None:
    if binding is None:
        return None
    return {
        "order_id": binding.external_id,
        "number": binding.external_number,
        "status": binding.store_status,
        "payment_status": binding.store_payment_status,
        "shipping_status": binding.store_shipping_status,
        "updated_at": binding.store_updated_at.isoformat() if binding.store_updated_at else None,
        "synced_at": binding.synced_at.isoformat() if binding.synced_at else None,
    }


def _log(uow: UnitOfWork, binding: OrderBinding | None) -> list[dict]:
    if binding is None:
        return []
    return [
        {"at": e.created_at.isoformat(), "level": e.level, "event": e.event, "message": e.message,
         "source": (e.details or {}).get("source")}
        for e in uow.log.for_store_order(binding.store_id, binding.external_id)
    ]
