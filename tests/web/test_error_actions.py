"""An error shown in the browser carries the link to the page that fixes it (the web's side of `action`)."""

from __future__ import annotations

from lojasync.entrypoints.web.error_actions import error_link
from lojasync.fiscal.errors import InvoiceNotFound, SefazNotDecided
from lojasync.fiscal.services.company import CompanyMissing
from lojasync.fiscal.services.invoice_files import DanfeNotAvailable


def test_each_action_leads_to_its_page_with_the_documents_number():
    assert error_link(CompanyMissing()) == ("Abrir os dados da empresa", "/configuracoes#empresa")
    assert error_link(DanfeNotAvailable(number=3, status="pendente", invoice_id=8)) == ("Abrir a NF-e", "/nfe/8")
    assert error_link(SefazNotDecided(number=3, status="108", reason="fora do ar")) is None   # the page's own button
    assert error_link(InvoiceNotFound(invoice_id=5), current_path="/nfe") is None            # already there


def test_a_missing_nfe_page_offers_the_list(logged_in):
    answer = logged_in.get("/nfe/999999")
    assert answer.status_code == 404
    # dogfood3: it sent the operator to a "coluna Id" the web's list does not have.
    assert "coluna Id" not in answer.text and "lojasync invoices" not in answer.text   # the terminal's words
    assert 'href="/nfe">Ver as NF-e</a>' in answer.text
