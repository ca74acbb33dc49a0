"""Read side: orders and customers as plain dicts for the CLI (JSON/table) and, later, the web pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from lojasync.sales.customers import Customer
from lojasync.sales.errors import OrderNotFound
from lojasync.sales.history import HistoryEntry
from lojasync.sales.history_text import Names, level_of, render
from lojasync.sales.marketplaces import marketplace_name
from lojasync.sales.order_filter import OrderFilter
from lojasync.sales.orders import Order
from lojasync.sales.ports import OriginRef, SalesUnitOfWork
from lojasync.sales.status import OrderStatus
from lojasync.shared.money import REAIS
from lojasync.shared.state_registration import contributor_of
from lojasync.shared.tax_id import TaxId, TaxIdKind

MoneyFormat = Callable[[Any], str]


@dataclass(frozen=True)
class OrderPage:
    items: list[dict]
    total: int        # matches in all pages
    page: int
    per_page: int | None

    @property
    def pages(self) -> int:
        if not self.per_page:
            return 1
        return max(1, -(-self.total // self.per_page))

    @property
    def several_stores(self) -> bool:
        """Whether this page holds orders of more than one store: each then says its store beside its number (two
        stores may both have a #112; multi-store review)."""
        return len({o["store_id"] for o in self.items if o["origin"]}) > 1


def list_orders(uow: SalesUnitOfWork, status: OrderStatus | None = None, without_customer: bool = False,
                needs_attention: bool | None = None, limit: int | None = None) -> list[dict]:
    with uow:
        orders = uow.orders.list(status=status, without_customer=without_customer,
                                 needs_attention=needs_attention, limit=limit)
        return order_summaries(uow, orders)


def find_orders(uow: SalesUnitOfWork, criteria: OrderFilter, page: int = 1, per_page: int | None = None
               ) -> OrderPage:
    """One page of the orders that match, newest first, and how many match in all (the database filters)."""
    with uow:
        page, offset = page_start(page, per_page)
        orders, total = uow.order_search.page(criteria, offset, per_page)
        return OrderPage(order_summaries(uow, orders), total, page, per_page)


def page_start(page: int, per_page: int | None) -> tuple[int, int]:
    """The page asked for (from 1) and the offset of its first order; everything when `per_page` is None."""
    page = max(page, 1)
    return page, (page - 1) * per_page if per_page else 0


def order_summaries(uow: SalesUnitOfWork, orders: list[Order]) -> list[dict]:
    origins = uow.origins.for_orders(o.id for o in orders)
    return [order_summary(o, origins.get(o.id)) for o in orders]


def show_order(uow: SalesUnitOfWork, number: int, money: MoneyFormat | None = None,
               history_latest: int | None = None) -> dict:
    """The order with its lines, payment, addresses, the store's states and its history in words
    (`money` writes the amounts inside the history's sentences, as the interface writes them).
    `history_latest`: only that many of the newest entries under `log`, and how many there are in all under
    `history_total` (the back office's page: an order with thousands of entries was read and drawn whole)."""
    with uow:
        order = uow.orders.get(number)
        if order is None:
            raise OrderNotFound(number=number)
        origin = uow.origins.for_orders([order.id]).get(order.id)
        view = order_summary(order, origin)
        view.update({
            "customer": customer_details(order.customer) if order.customer else None,
            "contact": {"name": order.contact_name, "email": order.contact_email, "phone": order.contact_phone,
                        "document": order.contact_document},
            "subtotal": str(order.subtotal),
            "discount": str(order.discount),
            "freight": str(order.freight),
            "payment": {"method": order.payment_method, "gateway": order.payment_gateway,
                        "installments": order.installments},
            "billing_address": order.billing_address.to_dict() if order.billing_address else None,
            "shipping_address": order.shipping_address.to_dict() if order.shipping_address else None,
            # None: imported before the ERP kept it, or the store said nothing of it.
            "shipping": ({**order.shipping.to_dict(), "how": order.shipping.how, "words": order.shipping.words}
                         if order.shipping else None),
            # Where it was sold when not on the store itself ("Mercado Livre"): its NF-e names the marketplace.
            "marketplace": marketplace_name(order.marketplace),
            # The currency its amounts are in, as the store priced it: reais unless the store said another.
            "currency": order.currency or REAIS,
            "placed_at": order.placed_at.isoformat() if order.placed_at else None,
            "paid_at": order.paid_at.isoformat() if order.paid_at else None,
            "note": order.note,
            "processed_by": order.processed_by.value if order.processed_by else None,
            "tracking": ({"code": order.tracking_code, "url": order.tracking_url} if order.tracking_code else None),
            "store": _store_state(origin),
            "log": history_view(uow, uow.order_history.for_order(order.id, history_latest), money),
        })
        if history_latest is not None:
            view["history_total"] = uow.order_history.count_for_order(order.id)
        return view


def history_view(uow: SalesUnitOfWork, entries: list[HistoryEntry], money: MoneyFormat | None = None
                 ) -> list[dict]:
    """The entries in words; names come from the records as they are now (erased ones stay erased)."""
    customers = uow.customers.by_ids(_customer_ids(e.params for e in entries))
    names = Names(customers={cid: c.name for cid, c in customers.items()},
                  documents={cid: _masked(c) for cid, c in customers.items()},
                  **({"money": money} if money else {}))
    return [{"at": e.created_at.isoformat(), "level": level_of(e.type).value, "event": e.type, "actor": e.actor,
             "actor_name": e.actor_name, "message": render(e.type, e.params, names)} for e in entries]


def for_scripts(view: dict) -> dict:
    """An order (summary or whole) as programs read it, the JSON API and `--format json` alike: `status` the
    stable id ("em-aberto", "confirmado", "cancelado"), `status_label` the label people read ("Em Aberto"); a
    whole order's history under `history`."""
    status = OrderStatus(view["status"])   # the label
    scripted = {**view, "status": status.key, "status_label": status.label}
    if "log" in scripted:
        scripted["history"] = scripted.pop("log")
    return scripted


def order_summary(order: Order, origin: OriginRef | None) -> dict:
    customer = order.customer
    return {
        "number": order.id,
        "status": order.status.label,
        "origin": order.origin,
        "origin_label": order.origin_label,
        "store_order_id": origin.reference if origin else None,
        "store_order_number": order.origin_number,
        # The store it came from: two stores may both have an order #112 (multi-store review: lists said only "#112").
        "store_id": origin.store if origin else None,
        "customer": customer_ref(customer) if customer else None,
        "customer_link": order.customer_link,
        "customer_problem": order.customer_problem,
        "contact_name": order.contact_name,
        "total": str(order.total),
        "currency": order.currency or REAIS,
        "needs_attention": order.needs_attention,
        "attention_reason": order.attention_reason,     # every reason pending, one per line
        "attention_reasons": order.attention_reasons,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "lines": [
            {"sku": line.sku, "name": line.name, "quantity": line.quantity, "unit_price": str(line.unit_price),
             "total": str(line.total), "product_id": _product_id(line)}
            for line in order.lines
        ],
    }


def _product_id(line) -> int | None:
    # The column first: a listing does not load the lines' products (a third of its time).
    if getattr(line, "product_id", None) is not None:
        return line.product_id
    return line.product.id if line.product is not None else None


def customer_ref(customer: Customer) -> dict:
    return {"id": customer.id, "name": customer.name, "tax_id": customer.tax_id}


def customer_details(customer: Customer) -> dict:
    """The reference plus what the NF-e makes of the customer: the IE and contributor kind (indIEDest)."""
    contributor = contributor_of(customer.state_registration)
    return {**customer_ref(customer), "kind": customer.kind, "state_registration": customer.state_registration,
            "contributor": contributor.value, "contributor_label": contributor.label}


def list_customers(uow: SalesUnitOfWork) -> list[dict]:
    with uow:
        return [_customer_row(c) for c in uow.customers.list()]


@dataclass(frozen=True)
class CustomerPage(OrderPage):
    """One page of customers (`items`), and how many match in all."""


def find_customers(uow: SalesUnitOfWork, text: str | None = None, page: int = 1, per_page: int | None = None
                   ) -> CustomerPage:
    """One page of the customers whose name (no case, no accents), e-mail or CPF/CNPJ contains `text`, by name (the
    database filters: a Black Friday's 27,000 customers took 17 s to list whole, to find one)."""
    with uow:
        page, offset = page_start(page, per_page)
        customers, total = uow.customers.page(text, offset, per_page)
        return CustomerPage([_customer_row(c) for c in customers], total, page, per_page)


def _customer_row(customer: Customer) -> dict:
    return {**customer_details(customer), "email": customer.email, "phone": customer.phone,
            "address": customer.address.to_dict() if customer.address else None}


def _store_state(origin: OriginRef | None) -> dict | None:
    if origin is None:
        return None
    return {
        "order_id": origin.reference,
        "number": origin.number,
        "store_id": origin.store,
        "store_name": origin.store_name,
        **origin.states,
        "updated_at": origin.updated_at.isoformat() if origin.updated_at else None,
        "synced_at": origin.synced_at.isoformat() if origin.synced_at else None,
    }


def _customer_ids(all_params: Iterable[dict | None]) -> set[int]:
    found: set[int] = set()
    for params in all_params:
        for item in [params or {}, *(params or {}).get("changes", [])]:
            if isinstance(item, dict):
                # customer_id, previous_customer_id: every reference to a customer
                found.update(v for k, v in item.items() if k.endswith("customer_id") and isinstance(v, int))
    return found


def _masked(customer: Customer) -> str:
    if customer.is_anonymised():
        return "documento removido"
    kind: Any = TaxIdKind.CPF if customer.kind == TaxIdKind.CPF else TaxIdKind.CNPJ
    return TaxId(customer.tax_id, kind).masked()
