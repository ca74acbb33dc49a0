"""The JSON API `/api/v1`: one router per resource, each route behind `api_caller` and calling the same
service function as the CLI and the pages (never a repository)."""

from __future__ import annotations

from fastapi import APIRouter

from lojasync.entrypoints.web.api import (
    customers,
    docs,
    events,
    invoice_batch,
    invoices,
    number_voids,
    order_customer,
    order_tracking,
    orders,
    receivables,
    sales,
    stock,
)

router = APIRouter()
for _resource in (orders, order_customer, order_tracking, customers, invoices, invoice_batch, number_voids, sales,
                  stock, receivables, events, docs):
    router.include_router(_resource.router)
