"""A whole lojasync for the browser: the app `lojasync serve` runs (webhooks, pages, worker) on a free
loopback port, a store on the store simulator sending it signed webhooks, the embedded SEFAZ simulator, a
company with a test certificate and a user who can log in."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass

from lojasync.accounts.services.users import add_user
from lojasync.entrypoints.cli.demo import DEMO_COMPANY
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.sales.views import list_orders
from tests.e2e.live import LiveInstallation, wait_until
from tests.factories import cpf

# Valid CPFs (check digits computed): the NF-e needs the customer's document.
CUSTOMER_CPF = cpf("529982247")
USER_EMAIL = "operador@loja.test"


@dataclass
class BackOffice:
    live: LiveInstallation
    email: str
    password: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.live.port}"

    @property
    def app(self):
        return self.live.app

    @property
    def simulator(self):
        return self.live.simulator

    def place_order(self, *, document: str | None = CUSTOMER_CPF, paid: bool = False) -> dict:
        """An order placed in the store (with `document` as the customer's CPF/CNPJ, None: none), maybe paid.

        Its webhooks are held until the order is complete, so that the first read already sees the
        document (a customer once linked stays linked, whatever a later read brings).
        """
        sim = self.simulator
        sim.set_webhook_behaviour(hold=True)
        try:
            order = sim.create_order()
            while not any(line.get("sku") for line in order["products"]):
                # A few store variants have no SKU; the tests follow stock by SKU. The extra order stays open.
                order = sim.create_order()
            sim.set_order_identification(order["id"], document)
            if paid:
                sim.pay_order(order["id"])
        finally:
            sim.set_webhook_behaviour(hold=False)
        return sim.get_order(order["id"])

    def erp_order(self, store_order: dict, status: str | None = None, timeout: float = 30.0) -> dict:
        """The ERP's order for a store order once imported (and in `status`, when given)."""
        def imported():
            for order in list_orders(self.app.read_uow(), limit=200):
                if order["store_order_id"] == str(store_order["id"]) and status in (None, order["status"]):
                    return order
            return None
        return wait_until(imported, timeout=timeout)


@contextlib.contextmanager
def running_back_office(app, tmp_path, monkeypatch) -> Iterator[BackOffice]:
    with LiveInstallation(app, tmp_path, monkeypatch, orders=5) as live:
        set_company(app.uow(), CompanyData(**DEMO_COMPANY))
        install_test_certificate(app.uow(), app.cipher)
        password = secrets.token_urlsafe(12)
        add_user(app.accounts_uow(), USER_EMAIL, password)
        yield BackOffice(live, USER_EMAIL, password)
