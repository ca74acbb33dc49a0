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
    assert changed.endswith("No terminal: lojasync invoices cancel 9 --reason MOTIVO")


def test_messages_and_resolutions_name_no_command_the_terminal_adds_it():
    for error in (CompanyMissing(), InvoiceNotFound(invoice_id=4)):
        assert "lojasync" not in error.message + error.resolution
        assert "No terminal: lojasync " in explain(error)


def test_a_gap_list_keeps_its_commands_apart_for_the_terminal():
    from lojasync.fiscal.errors import DocumentNotPossible
    from lojasync.shared.errors import Gap

    error = DocumentNotPossible("a NF-e", 5, [
        Gap("pedido sem cliente com CPF/CNPJ: vincule um cliente na página do pedido",
            "lojasync orders link-customer 5 --tax-id CPF/CNPJ"),
        "cliente sem endereço: a NF-e precisa do endereço do destinatário",
        Gap("empresa sem CNPJ (Configurações)", "lojasync company set"),
        Gap("empresa sem IE (Configurações)", "lojasync company set"),   # one command, said once
    ])
    assert "lojasync" not in error.message + error.resolution          # what the pages show
    assert explain(error).splitlines()[-2:] == ["No terminal: lojasync orders link-customer 5 --tax-id CPF/CNPJ",
                                                "No terminal: lojasync company set"]
