"""An NF-e goes to the authoriser of its own UF (its key's cUF), whatever the company's UF is now, and so do its
receipt polls and its cancellation (with that UF as cOrgao): another UF's authoriser answers 226 to it and to a
query by its key, 248 to its receipt, 249/250 to its cancellation (simulators/sefaz/authorisers.py)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from lojasync.finance.services import list_receivables
from lojasync.fiscal.errors import CancellationRefused
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.sefaz import SefazReceiptRefused, SefazSoapClient, SefazUnreachable
from lojasync.fiscal.services.company import install_test_certificate, set_company
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoices import Sefaz, approve_invoice, generate_invoice
from tests.integration.test_invoices import COMPANY, company, imported, stock  # noqa: F401 - fixture

# A company in SC, whose authoriser is SVRS (it has none of its own), and one in SP, which has.
IN_SANTA_CATARINA = replace(COMPANY, ie="251040852", street="Rua Felipe Schmidt", city="Florianópolis", uf="SC",
                            zipcode="88010-000")


def move_company(app, uf: str) -> None:
    """The company's UF changed after its NF-e were made (a new registration, a mistake corrected)."""
    with app.uow() as uow:
        uow.company.get(for_update=True).uf = uf
        uow.commit()


def later() -> datetime:
    return datetime.now(timezone.utc) + timedelta(minutes=6)   # past the sending window


def test_a_company_in_sp_has_its_nfe_authorised_at_sps_authoriser(app, company, sefaz, simulator):  # noqa: F811
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000601))
    assert invoice.access_key[:2] == "35"
    authorised, changed = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert changed and authorised.status == "authorised"
    assert simulator.simulator.stats()["respostas"] == {"100": 1}


def test_an_nfe_awaiting_sefaz_is_asked_for_at_its_own_ufs_authoriser(app, company, sefaz,  # noqa: F811
                                                                      simulator):
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000602))
    simulator.simulator.set_switches(drop_answers=1)   # SP authorises it, the answer never arrives
    with pytest.raises(SefazUnreachable):
        approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    move_company(app, "PR")
    settled, changed = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id, now=later)
    assert changed and settled.status == "authorised"   # asked of SP by its key (PR would answer 226)
    assert stock(app) == {"CAM-ALG-P": -2, "CAN-CER": -1}


def test_a_cancellation_goes_to_the_authoriser_that_holds_the_nfe(app, company, sefaz, simulator):  # noqa: F811
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000603))
    approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    move_company(app, "PR")
    simulator.simulator.set_switches(drop_answers=1)   # the event is registered, its answer lost: asked by key
    cancelled, changed = cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Cliente desistiu da compra toda")
    assert changed and cancelled.status == "cancelled"
    (event,) = simulator.simulator.nfe(invoice.access_key)["eventos"]
    proc = event["procEventoNFe"]
    assert "<cOrgao>35</cOrgao>" in proc and "<cOrgao>41</cOrgao>" not in proc   # the NF-e's UF, not the company's


class Recording(httpx.BaseTransport):
    """Real HTTP that notes each path it posts to; `reroute` sends a path elsewhere (a client that polls the wrong
    authoriser), to see what lojasync makes of the refusal."""

    def __init__(self, paths: list[str], reroute: dict[str, str]) -> None:
        self.inner = httpx.HTTPTransport()
        self.paths = paths
        self.reroute = reroute

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = self.reroute.get(request.url.path, request.url.path)
        self.paths.append(path)
        request.url = request.url.copy_with(path=path)
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


@pytest.fixture()
def asynchronous(simulator):
    """The simulator answers indSinc 1 with 103 and a receipt, as an asynchronous UF does, so that lojasync polls."""
    simulator.simulator.set_switches(sync=False)
    yield
    simulator.simulator.reset_switches()


def recorded_sefaz(simulator, paths: list[str], reroute: dict[str, str] | None = None) -> Sefaz:
    """lojasync's real SOAP client on the simulator, each of its calls' paths noted in `paths`."""
    def connect(uf, env, cert, deadline=None) -> SefazSoapClient:
        return SefazSoapClient(uf, Environment(env), certificate=cert, deadline=deadline, base_url=simulator.url,
                               timeout=2, poll_interval=0.01, transport=Recording(paths, reroute or {}))
    return Sefaz(connect, simulated=True)


@pytest.mark.parametrize(("data", "authoriser", "uf_code"), [(IN_SANTA_CATARINA, "SVRS", "42"), (COMPANY, "SP", "35")],
                         ids=["SC-at-SVRS", "SP-at-SP"])
def test_a_company_polls_and_cancels_at_its_ufs_authoriser(app, simulator, asynchronous, data, authoriser, uf_code):
    set_company(app.uow(), data)
    install_test_certificate(app.uow(), app.cipher)
    simulator.simulator.reset()
    paths: list[str] = []
    sefaz = recorded_sefaz(simulator, paths)
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000611))
    assert invoice.access_key[:2] == uf_code
    authorised, changed = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert changed and authorised.status == "authorised"
    cancelled, changed = cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Cliente desistiu da compra toda")
    assert changed and cancelled.status == "cancelled"
    assert paths == [f"/{authoriser}/NFeAutorizacao4", f"/{authoriser}/NFeRetAutorizacao4",
                     f"/{authoriser}/NFeRecepcaoEvento4"]
    assert simulator.simulator.stats()["respostas"] == {"100": 1, "135": 1}   # no refusal on the way
    (event,) = simulator.simulator.nfe(invoice.access_key)["eventos"]
    assert f"<cOrgao>{uf_code}</cOrgao>" in event["procEventoNFe"]   # the NF-e's UF, SC's own under SVRS


def test_a_receipt_poll_refused_leaves_the_nfe_awaiting_and_its_key_settles_it(app, company, simulator,  # noqa: F811
                                                                             asynchronous):
    """248 is SEFAZ refusing the poll, not the NF-e it received: recorded as the NF-e's rejection, the NF-e would
    be rebuilt with a new key and the authorisation SP gave would be orphaned."""
    simulator.simulator.reset()
    paths: list[str] = []
    misrouted = recorded_sefaz(simulator, paths, {"/SP/NFeRetAutorizacao4": "/PR/NFeRetAutorizacao4"})
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000612))
    with pytest.raises(SefazReceiptRefused) as refused:
        approve_invoice(app.uow(), app.cipher, misrouted, invoice.id)
    assert "248 - Rejeicao: UF do Recibo diverge da UF autorizadora" in refused.value.message
    assert refused.value.retryable and "consultada de novo automaticamente" in refused.value.resolution
    assert paths == ["/SP/NFeAutorizacao4", "/PR/NFeRetAutorizacao4"]
    assert stock(app) == {"CAM-ALG-P": 0, "CAN-CER": 0}
    paths.clear()
    settled, changed = approve_invoice(app.uow(), app.cipher, recorded_sefaz(simulator, paths), invoice.id,
                                       now=later)
    assert changed and settled.status == "authorised" and settled.access_key == invoice.access_key   # same key
    assert paths == ["/SP/NFeConsultaProtocolo4"]   # asked by key at SP, not sent again
    assert stock(app) == {"CAM-ALG-P": -2, "CAN-CER": -1}



@pytest.mark.parametrize("status", ["249", "250"])
def test_a_cancellation_refused_for_its_uf_says_so_and_moves_nothing(app, company, sefaz, simulator,  # noqa: F811
                                                                     status):
    invoice = generate_invoice(app.uow(), app.cipher, imported(app, id=2000000613))
    approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    simulator.simulator.set_switches(reject_with=status)   # what a wrongly routed event would get
    try:
        with pytest.raises(CancellationRefused) as refused:
            cancel_invoice(app.uow(), app.cipher, sefaz, invoice.id, "Cliente desistiu da compra toda")
    finally:
        simulator.simulator.reset_switches()
    words = {"249": "UF da Chave de Acesso diverge da UF autorizadora", "250": "UF diverge da UF autorizadora"}
    assert refused.value.message == f"SEFAZ recusou o cancelamento da NF-e nº 1: {status} - Rejeicao: {words[status]}."
    assert "continua autorizada" in refused.value.resolution
    assert "não atende a UF desta NF-e" in refused.value.resolution and "24 horas" in refused.value.resolution
    assert stock(app) == {"CAM-ALG-P": -2, "CAN-CER": -1}
    assert [r["status"] for r in list_receivables(app.uow())] == ["open"]
