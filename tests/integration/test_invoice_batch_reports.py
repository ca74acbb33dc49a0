"""A batch of NF-e from the back office (fiscal.services.batch_reports): started, run, followed; each order's
result kept as it comes; a run cut short says so and which orders it did not reach; forgotten after KEPT_FOR."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from lojasync.fiscal.errors import BatchNotFound
from lojasync.fiscal.services import batch_reports
from lojasync.fiscal.services.batch_reports import KEPT_FOR, STALLED, kept_batch, run_batch, start_batch
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.sales.history import Person

NOW = datetime(2026, 12, 1, 12, tzinfo=timezone.utc)
ANA = Person("ana@loja.com.br")
NO_SEFAZ = Sefaz(lambda *args, **kwargs: None, simulated=True)   # never reached: the orders below do not exist


def test_each_order_is_kept_as_it_comes_and_the_batch_finishes(app):
    batch = start_batch(app.uow, [987001], ANA.name, "/pedidos?situacao=confirmado", now=NOW)
    started = kept_batch(app.uow(), batch, now=NOW)
    assert (started.running, started.stopped, started.left, started.report.items) == (True, False, [987001], [])

    report = run_batch(app.uow, app.cipher, NO_SEFAZ, batch, [987001], ANA, now=lambda: NOW)
    assert [i.order_number for i in report.items] == [987001]
    kept = kept_batch(app.uow(), batch, now=NOW)
    assert (kept.running, kept.stopped, kept.left, kept.run_by) == (False, False, [], "ana@loja.com.br")
    (item,) = kept.report.items
    assert item.invoice is None and "Pedido 987001 não encontrado" in item.error   # what the run said


def test_a_run_that_stopped_without_news_says_so_and_which_orders_it_did_not_reach(app):
    batch = start_batch(app.uow, [987003], ANA.name, "/pedidos", now=NOW)
    assert kept_batch(app.uow(), batch, now=NOW + STALLED - timedelta(seconds=1)).running
    kept = kept_batch(app.uow(), batch, now=NOW + STALLED + timedelta(seconds=1))
    assert (kept.running, kept.stopped, kept.problem, kept.left) == (False, True, None, [987003])


def test_a_run_gives_news_while_an_nfe_waits_for_sefaz_so_it_is_not_taken_for_stopped(app, monkeypatch):
    """One NF-e may wait a minute for a slow SEFAZ, longer than STALLED allows without news: the run beats
    meanwhile (a restarted server's batch was shown as running for ten minutes before STALLED was short)."""
    from lojasync.fiscal.services.batch import BatchReport

    monkeypatch.setattr(batch_reports, "HEARTBEAT", timedelta(seconds=0.02))
    clock = [NOW]
    batch = start_batch(app.uow, [987010], ANA.name, "/pedidos", now=NOW)
    seen = []

    def waiting_for_sefaz(uow_factory, box, sefaz, numbers, **options):
        clock[0] = NOW + 3 * STALLED   # the NF-e's wait outlasts STALLED
        given_up = time.monotonic() + 30
        while not kept_batch(app.uow(), batch, now=clock[0]).running and time.monotonic() < given_up:
            time.sleep(0.01)
        seen.append(kept_batch(app.uow(), batch, now=clock[0]).running)
        return BatchReport([])

    monkeypatch.setattr(batch_reports, "invoice_orders", waiting_for_sefaz)
    run_batch(app.uow, app.cipher, NO_SEFAZ, batch, [987010], ANA, now=lambda: clock[0])
    assert seen == [True]
    kept = kept_batch(app.uow(), batch, now=clock[0] + timedelta(hours=1))
    assert (kept.running, kept.stopped) == (False, False)   # finished: no beat outlives the run


def test_an_unexpected_error_stops_the_batch_and_is_kept_on_it(app, monkeypatch):
    batch = start_batch(app.uow, [987004], ANA.name, "/pedidos", now=NOW)

    def broken(*args, **kwargs):
        raise RuntimeError("disco cheio")
    monkeypatch.setattr(batch_reports, "invoice_orders", broken)
    with pytest.raises(RuntimeError):
        run_batch(app.uow, app.cipher, NO_SEFAZ, batch, [987004], ANA, now=lambda: NOW)
    kept = kept_batch(app.uow(), batch, now=NOW)
    assert (kept.running, kept.stopped, kept.left) == (False, True, [987004])
    assert kept.problem == ("O lote parou por um erro inesperado (RuntimeError); o detalhe está no log do "
                            "lojasync.")


def test_a_batch_of_several_orders_is_refused_before_it_starts_when_the_company_cannot_issue(app):
    with pytest.raises(Exception, match="empresa emitente não cadastrada"):
        start_batch(app.uow, [987005, 987006], ANA.name, "/pedidos", now=NOW)


def test_batches_older_than_the_kept_time_are_forgotten_when_a_new_one_starts(app):
    old = start_batch(app.uow, [7], None, "/pedidos", now=NOW - KEPT_FOR - timedelta(minutes=1))
    recent = start_batch(app.uow, [7], None, "/pedidos", now=NOW - KEPT_FOR + timedelta(minutes=1))
    start_batch(app.uow, [7], None, "/pedidos", now=NOW)
    with pytest.raises(BatchNotFound) as refused:
        kept_batch(app.uow(), old)
    assert refused.value.message == f"Lote de NF-e {old} não encontrado."
    assert kept_batch(app.uow(), recent, now=NOW).run_at == NOW - KEPT_FOR + timedelta(minutes=1)


def test_results_that_came_back_out_of_order_are_shown_in_the_order_asked(app, monkeypatch):
    """SEFAZ answers several NF-e at once, in any order: the summary lists the orders as asked (the order of
    their NF-e numbers), not as their answers came back."""
    from lojasync.fiscal.services.batch import BatchItem, BatchReport
    from lojasync.fiscal.services.company import install_test_certificate, set_company
    from tests.web.documents_setup import COMPANY

    def answered_backwards(uow_factory, box, sefaz, numbers, *, progress, **options):
        items = [BatchItem(number, None, f"recusado {number}") for number in reversed(numbers)]
        for item in items:
            progress(item)
        return BatchReport(items)
    monkeypatch.setattr(batch_reports, "invoice_orders", answered_backwards)
    set_company(app.uow(), COMPANY)                  # several orders: the company must be able to issue
    install_test_certificate(app.uow(), app.cipher)
    batch = start_batch(app.uow, [987301, 987302, 987303], ANA.name, "/pedidos", now=NOW)
    run_batch(app.uow, app.cipher, NO_SEFAZ, batch, [987301, 987302, 987303], ANA, now=lambda: NOW)
    assert [i.order_number for i in kept_batch(app.uow(), batch, now=NOW).report.items] == [987301, 987302, 987303]
