"""What each SEFAZ answer means for the NF-e: only a documented rejection lets it be rebuilt."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lojasync.fiscal.gateway import SefazAnswer
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.fiscal.sefaz_outcomes import Outcome, outcome_of
from lojasync.sales.history import Actor
from lojasync.sales.orders import Order


@pytest.mark.parametrize(("status", "outcome"), [
    ("100", Outcome.AUTHORISED), ("150", Outcome.AUTHORISED),
    ("110", Outcome.DENIED), ("301", Outcome.DENIED), ("302", Outcome.DENIED), ("303", Outcome.DENIED),
    ("101", Outcome.CANCELLED_THERE), ("217", Outcome.UNKNOWN), ("204", Outcome.DUPLICATE_KEY),
    ("218", Outcome.DUPLICATE_KEY),   # to an authorisation: there, cancelled; the query by key brings both records
    ("539", Outcome.OTHER_KEY),
    ("225", Outcome.REJECTED), ("297", Outcome.REJECTED), ("598", Outcome.REJECTED), ("611", Outcome.REJECTED),
    # Four digits since the Reforma (TStat [0-9]{3,4}): 1115 "IBS/CBS não informado", and those NFE.md does not name.
    ("1115", Outcome.REJECTED), ("1002", Outcome.REJECTED), ("0999", Outcome.UNDECIDED), ("11150", Outcome.UNDECIDED),
    # No decision about the document: ask again later, never rebuild.
    ("105", Outcome.UNDECIDED), ("108", Outcome.UNDECIDED), ("109", Outcome.UNDECIDED),
    ("656", Outcome.UNDECIDED), ("999", Outcome.UNDECIDED), ("", Outcome.UNDECIDED),
    # Not SEFAZ's digits ("²" passes isdigit() but breaks int()): no decision, never an exception.
    ("²²²", Outcome.UNDECIDED), ("١٠٠", Outcome.UNDECIDED),
])
def test_every_answer_has_one_meaning(status, outcome):
    assert outcome_of(SefazAnswer(status=status, reason="x")) is outcome


def _invoice(status: InvoiceStatus) -> tuple[Invoice, Order]:
    order = Order()
    order.id, order.customer_id, order.total, order.payment_method, order.installments = 1, None, 0, None, None
    invoice = Invoice(order, [], "2", 1, 7)
    invoice.status = status
    return invoice, order


@pytest.mark.parametrize("status", [InvoiceStatus.DISCARDED, InvoiceStatus.CANCELLED, InvoiceStatus.AUTHORISED,
                                    InvoiceStatus.PENDING])
def test_a_late_rejection_never_reopens_an_nfe(status):
    invoice, order = _invoice(status)
    assert not invoice.reject(order, Actor.SYSTEM, "611", "Rejeicao: GTIN invalido")
    assert invoice.status is status


def test_a_late_authorisation_of_a_discarded_nfe_is_recorded_and_flagged():
    invoice, order = _invoice(InvoiceStatus.DISCARDED)
    order.needs_attention = False
    assert invoice.authorise(order, Actor.SYSTEM, "135260000000001", "<nfeProc/>", datetime.now(timezone.utc), True,
                             access_key="3" * 44, xml="<NFe/>")
    assert invoice.status is InvoiceStatus.AUTHORISED and invoice.access_key == "3" * 44
    assert order.needs_attention and "estava descartada" in order.attention_reason
