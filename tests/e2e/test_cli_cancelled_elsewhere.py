"""`invoices approve` of an NF-e that SEFAZ, asked by key, holds cancelled by another program: the terminal says
what happened and what to do, and a script gets exit 1 (the order has no valid document), not 0."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from lojasync.entrypoints.cli import invoices as cli_invoices
from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.fiscal.services.views import InvoiceView

CANCELLED_ELSEWHERE = InvoiceView(
    id=7, status="cancelled", status_label="cancelada", order_number=9, store_number="109", number=3, series=1,
    access_key="35261211222333000181550010000000031111758789", environment="2", total=Decimal("274.25"),
    protocol="135260000000001", simulated=True, rejection_code=None, rejection_reason=None, attempts=1,
    issued_at=None, authorised_at=None, cancelled_at=None, cancel_justification="Cancelada pelo outro sistema",
    lines=[], cancelled_elsewhere=True)


@pytest.fixture()
def approve(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    reset_container()

    def run(view: InvoiceView, *options: str):
        monkeypatch.setattr(cli_invoices, "approve_invoice", lambda *args, **kwargs: (view, True))
        return CliRunner().invoke(cli, ["invoices", "approve", str(view.id), *options])

    yield run
    reset_container()


def test_the_terminal_says_it_was_cancelled_elsewhere_and_how_to_go_on(approve):
    result = approve(CANCELLED_ELSEWHERE)
    words = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "Cancelada na SEFAZ por outro programa" in words and "nada foi movimentado" in words
    assert "lojasync orders invoice 9 (NF-e) ou lojasync orders sale 9 (venda simples)" in words


def test_a_script_gets_exit_1_with_the_flag_in_the_json(approve):
    result = approve(CANCELLED_ELSEWHERE, "--format", "json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["cancelled_elsewhere"] is True
