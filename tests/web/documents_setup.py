"""What the order and document pages' tests share: orders imported as the store sends them, the company with a
test certificate, and the SEFAZ simulator on 127.0.0.1 that the pages transmit to (`app.state.sefaz`)."""

from __future__ import annotations

import re

import pytest

from lojasync.finance.services import list_receivables
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.simulators.sefaz.server import BackgroundSefaz
from lojasync.stock.views import stock_levels
from tests.factories import make_store, order_payload
from tests.web.conftest import csrf_of

COMPANY = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81", ie="110042490114", street="Rua A",
                      number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001-000",
                      default_ncm="61091000")


@pytest.fixture(scope="module")
def sefaz_simulator():
    with BackgroundSefaz() as sefaz:
        yield sefaz


@pytest.fixture()
def sefaz(logged_in, sefaz_simulator):
    """The pages transmit to the simulator, emptied for each test (the database starts again at NF-e 1)."""
    sefaz_simulator.simulator.reset()
    sefaz_simulator.simulator.reset_switches()
    logged_in.app.state.sefaz = Sefaz(
        lambda uf, env, cert, deadline=None: SefazSoapClient(uf, Environment(env), certificate=cert, deadline=deadline, base_url=sefaz_simulator.url,
                                              timeout=2), simulated=True)
    return sefaz_simulator.simulator


@pytest.fixture()
def company(app):
    set_company(app.uow(), COMPANY)
    install_test_certificate(app.uow(), app.cipher)


@pytest.fixture()
def store_id(app) -> int:
    return make_store(app)


def invoice_for(app, client, order_number: int) -> str:
    """Mais ações → Gerar → NF-e on the order's page; the NF-e page's address."""
    answer = post(client, f"/pedidos/{order_number}", f"/pedidos/{order_number}/gerar-nfe")
    assert answer.status_code == 303, text_of(answer.text)
    return answer.headers["location"]


def imported(app, store_id: int, *payloads: dict) -> list[int]:
    """Import store orders (payload overrides of `order_payload`), return their ERP numbers in that order."""
    report = import_orders(app.uow(), store_id, [order_payload(**p) for p in payloads], ImportPolicy())
    return [r.order_number for r in report.results]


def stock(app) -> dict[str, int]:
    return {row["sku"]: row["quantity"] for row in stock_levels(app.uow())}


def receivables(app, order_number: int) -> list[tuple[str, str]]:
    return [(str(r["amount"]), r["status"]) for r in list_receivables(app.uow(), order_number=order_number)]


def post(client, page_url: str, action: str, **data):
    """Submit a form of the page at `page_url` as a browser does: with the page's CSRF token."""
    token = csrf_of(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data})


def text_of(html: str) -> str:
    """The page's words without tags or repeated spaces, to assert on what a person reads."""
    words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r" ([,.:;)])", r"\1", words).strip()   # "vinculado</strong>: ..." reads "vinculado: ..."
