"""The page and API routers of the back office, included by `create_app`.

Each helper's module adds one import and one entry here; the webhook, health and install routers stay in
`app.py` because they are not behind the login.
"""

from __future__ import annotations

from fastapi import APIRouter

from lojasync.entrypoints.web import api, login
from lojasync.entrypoints.web.pages import (
    finance,
    integration,
    invoice_batches,
    invoices,
    orders,
    sales,
    settings,
    settings_carriers,
    settings_import,
    settings_users,
    stock,
)

ROUTERS: list[APIRouter] = [
    login.router,
    stock.router,
    finance.router,
    integration.router,
    settings.router,
    settings_users.router,
    settings_carriers.router,
    settings_import.router,
    invoice_batches.router,   # before the orders': /pedidos/{number} would take "nfe-em-lote" for a number
    orders.router,
    invoices.router,
    sales.router,
    api.router,
]
