"""The workers' silence is said while fiscal work waits for a worker, with no store active too: after `store disable`
(or the store removed), a cancellation kept while SEFAZ was down, an NF-e awaiting SEFAZ or a void awaiting it are
settled by a worker alone, and a stopped one left them waiting with nothing saying so (review of the heartbeat)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta, timezone

import pytest
from huey import MemoryHuey
from sqlalchemy import insert, update
from typer.testing import CliRunner

from lojasync.db.fiscal_tables import number_voids
from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.entrypoints.tasks import TaskQueue
from lojasync.fiscal.errors import CancellationQueued
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.number_voids import VoidStatus
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice, withdraw_cancellation
from lojasync.nuvemshop.db.tables import stores
from lojasync.nuvemshop.services.maintenance import worker_silence
from tests.integration.test_invoice_cancellation_settlement import (  # noqa: F401 - fixture
    ANA,
    NOWHERE,
    REASON,
    authorised,
    switches_off,
)
from tests.integration.test_invoices import company, stock  # noqa: F401 - fixture
from tests.integration.test_worker_silence import last_beat

pytestmark = pytest.mark.usefixtures("company")


def no_store_active(app) -> None:
    with app.engine.begin() as conn:
        conn.execute(update(stores).values(active=False))


def test_a_cancellation_kept_for_the_worker_with_no_store_active_says_a_stopped_worker(app, sefaz):
    _, invoice_id = authorised(app, sefaz, 2000000701)
    no_store_active(app)
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
    now = datetime.now(timezone.utc)
    last_beat(app, now - timedelta(hours=1))
    # Kept a moment ago: a running worker would not have sent it yet either.
    assert worker_silence(app.read_uow(), now) is None

    later = now + timedelta(minutes=4)
    silence = worker_silence(app.read_uow(), later)
    assert silence is not None and not silence.stores
    text = silence.text(later)
    assert text == ("Nenhum worker do lojasync está no ar há 1 h 4 min: nenhuma NF-e aguardando a SEFAZ é conferida, "
                    "nenhum cancelamento guardado é enviado e nenhuma inutilização pendente é reenviada até um worker "
                    "entrar no ar. Confira se o worker está no ar (ou o serviço do lojasync, quando o worker roda nele) e "
                    "reinicie-o")
    # A worker beating: nothing to say.
    last_beat(app, later - timedelta(seconds=30))
    assert worker_silence(app.read_uow(), later) is None
    # None ever ran: said without a time (no store was connected to count from).
    last_beat(app, None)
    assert worker_silence(app.read_uow(), later).text(later).startswith(
        "Nenhum worker do lojasync está no ar: nenhuma NF-e aguardando a SEFAZ")
    # Withdrawn: nothing waits any more, nothing said.
    withdraw_cancellation(app.uow(), invoice_id, ANA)
    assert worker_silence(app.read_uow(), later) is None


def test_an_nfe_awaiting_sefaz_or_a_void_awaiting_it_with_no_store_active_says_a_stopped_worker(app, sefaz):
    _, invoice_id = authorised(app, sefaz, 2000000702)
    no_store_active(app)
    now = datetime.now(timezone.utc)
    last_beat(app, now - timedelta(minutes=30))
    assert worker_silence(app.read_uow(), now) is None   # an authorised NF-e waits for nobody

    with app.uow() as uow:   # as a send whose answer never came leaves it
        invoice = uow.invoices.get(invoice_id)
        invoice.status = InvoiceStatus.AWAITING
        invoice.sent_at = now - timedelta(minutes=10)
        uow.commit()
    assert worker_silence(app.read_uow(), now).text(now).startswith("Nenhum worker do lojasync está no ar há 30 minutos")
    with app.uow() as uow:
        uow.invoices.get(invoice_id).status = InvoiceStatus.AUTHORISED
        uow.commit()
    assert worker_silence(app.read_uow(), now) is None

    with app.engine.begin() as conn:
        conn.execute(insert(number_voids).values(
            environment="2", series=1, first_number=50, last_number=52, reason=REASON, status=VoidStatus.REQUESTED,
            requested_at=now - timedelta(minutes=10), sent_at=now - timedelta(minutes=10), created_at=now,
            updated_at=now))
    silence = worker_silence(app.read_uow(), now)
    assert silence is not None and not silence.stores


def test_a_store_active_still_gets_the_words_about_its_webhooks(app, sefaz):
    authorised(app, sefaz, 2000000703)
    with app.engine.begin() as conn:
        conn.execute(update(stores).values(created_at=datetime.now(timezone.utc) - timedelta(days=2)))
    now = datetime.now(timezone.utc)
    last_beat(app, now - timedelta(minutes=20))
    silence = worker_silence(app.read_uow(), now)
    assert silence.stores and "os webhooks da loja seguem guardados" in silence.text(now)


def test_a_heartbeat_failing_is_logged_once_until_it_records_again(app, caplog, monkeypatch):
    """review: a database outage was logged as a failed heartbeat every 30 s for as long as it lasted. Said again
    when the beats fail for another reason, in the words of every earlier version (the last notes: renamed, an alert
    keyed on them missed it, and a second cause went unsaid)."""
    queue = TaskQueue(app, MemoryHuey(utc=True))
    working = app.uow

    def broken():
        raise ConnectionError("database gone")

    def full():
        raise OSError("disk full")

    caplog.set_level(logging.INFO, logger="lojasync.tasks")
    monkeypatch.setattr(app, "uow", broken)
    for _ in range(3):
        queue.heartbeat()
    monkeypatch.setattr(app, "uow", full)
    queue.heartbeat()
    queue.heartbeat()
    monkeypatch.setattr(app, "uow", working)
    queue.heartbeat()
    queue.heartbeat()
    said = [(r.getMessage(), getattr(r, "error_class", None)) for r in caplog.records if "heartbeat" in r.getMessage()]
    assert said == [("worker heartbeat not recorded", "ConnectionError"), ("worker heartbeat not recorded", "OSError"),
                    ("worker heartbeat recorded again", None)]
    assert worker_silence(app.read_uow(), datetime.now(timezone.utc)) is None


def test_store_list_with_the_store_disabled_says_it_while_fiscal_work_waits(app, sefaz, monkeypatch):
    """Where the operator who disabled the store looks (a store with orders cannot be removed: one disabled is what
    leaves fiscal work with no store active)."""
    _, invoice_id = authorised(app, sefaz, 2000000704)
    no_store_active(app)
    with pytest.raises(CancellationQueued):
        cancel_invoice(app.uow(), app.cipher, NOWHERE, invoice_id, REASON, ANA)
    with app.uow() as uow:   # kept 10 minutes ago
        uow.invoices.get(invoice_id).cancel_requested_at = datetime.now(timezone.utc) - timedelta(minutes=10)
        uow.commit()
    last_beat(app, datetime.now(timezone.utc) - timedelta(hours=2))
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    reset_container()
    try:
        for fmt in ("table", "json"):
            result = CliRunner().invoke(cli, ["store", "list", "--format", fmt])
            assert result.exit_code == 0, result.output
            said = " ".join(result.stderr.split())
            assert "Nenhum worker do lojasync está no ar há 2 h: nenhuma NF-e aguardando a SEFAZ" in said, said
    finally:
        reset_container()
