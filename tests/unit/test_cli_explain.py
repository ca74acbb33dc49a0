"""How the terminal shows an error a person can act on: the neutral message and resolution, then the command
for the error's action with the error's own numbers filled in."""

from __future__ import annotations

from lojasync.entrypoints.cli.context import explain
from lojasync.fiscal.errors import EnvironmentChanged, InvoiceNotFound
from lojasync.fiscal.services.company import CompanyMissing
from lojasync.fiscal.services.invoice_files import DanfeNotAvailable


def test_the_command_carries_the_documents_number():
    text = explain(DanfeNotAvailable(number=12, status="pendente", invoice_id=7))
    assert text.splitlines() == [
        "A NF-e nº 12 está pendente: só uma NF-e autorizada tem DANFE.",
        "Resolução: Transmita a NF-e e gere o DANFE depois da autorização.",
        "No terminal: lojasync invoices approve 7",
    ]
    changed = explain(EnvironmentChanged(number=3, invoice_id=9, was="homologação", now="produção"))
    assert changed.endswith("No terminal: lojasync invoices cancel 9")


def test_messages_and_resolutions_name_no_command_the_terminal_adds_it():
    for error in (CompanyMissing(), InvoiceNotFound(invoice_id=4)):
        assert "lojasync" not in error.message + error.resolution
        assert "No terminal: lojasync " in explain(error)
