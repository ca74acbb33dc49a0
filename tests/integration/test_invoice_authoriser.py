"""An NF-e goes to the authoriser of its own UF (its key's cUF), whatever the company's UF is now: another
UF's authoriser answers 226 to it and to a query by its key (simulators/sefaz/authorisers.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lojasync.fiscal.sefaz import SefazUnreachable
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from tests.integration.test_invoices import company, imported, stock  # noqa: F401 - fixture


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
