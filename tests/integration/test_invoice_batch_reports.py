"""A batch's summary is kept for its own address (fiscal.services.batch_reports), and forgotten after KEPT_FOR."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from lojasync.fiscal.errors import BatchNotFound
from lojasync.fiscal.services.batch import BatchItem, BatchReport
from lojasync.fiscal.services.batch_reports import KEPT_FOR, keep_batch, kept_batch


def test_an_order_the_run_could_not_generate_keeps_what_the_run_said(app):
    report = BatchReport([BatchItem(7, None, "o pedido está Cancelado")])
    kept = kept_batch(app.uow(), keep_batch(app.uow(), report, "ana@loja.com.br", "/pedidos?situacao=confirmado"))
    assert [(i.order_number, i.invoice, i.error, i.not_sent) for i in kept.report.items] == [
        (7, None, "o pedido está Cancelado", False)]
    assert (kept.run_by, kept.back, kept.changed_since) == ("ana@loja.com.br", "/pedidos?situacao=confirmado", 0)


def test_summaries_older_than_the_kept_time_are_forgotten_when_a_new_batch_is_kept(app):
    now = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
    report = BatchReport([BatchItem(7, None, "sem cliente")])
    old = keep_batch(app.uow(), report, None, "/pedidos", now=now - KEPT_FOR - timedelta(minutes=1))
    recent = keep_batch(app.uow(), report, None, "/pedidos", now=now - KEPT_FOR + timedelta(minutes=1))
    keep_batch(app.uow(), report, None, "/pedidos", now=now)
    with pytest.raises(BatchNotFound) as refused:
        kept_batch(app.uow(), old)
    assert refused.value.message == f"Lote de NF-e {old} não encontrado."
    assert kept_batch(app.uow(), recent).run_at == now - KEPT_FOR + timedelta(minutes=1)
