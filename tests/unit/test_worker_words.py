"""`with_worker_words`: an error whose resolution leaves the rest to a worker says so when none is running; others,
and every error while the database cannot be read, are left as they are."""

from __future__ import annotations

from lojasync.entrypoints import worker_words
from lojasync.entrypoints.worker_words import NO_WORKER, PAGE_NO_WORKER, with_worker_words
from lojasync.fiscal.errors import CancellationUnanswered, InvoiceAwaitingSefaz
from lojasync.fiscal.services.invoices import InvoiceNotFound


class Broken:
    def read_uow(self):
        raise ConnectionError("database gone")


class Reachable:
    def read_uow(self):
        return None   # `worker_beating` is replaced in these tests


def test_only_work_left_to_a_worker_is_told_no_worker_runs_and_once(monkeypatch):
    monkeypatch.setattr(worker_words, "worker_beating", lambda uow, now: False)
    left = with_worker_words(Reachable(), CancellationUnanswered(number=3, reason="tempo esgotado"))
    assert left.resolution.endswith(" " + NO_WORKER)
    assert with_worker_words(Reachable(), left).resolution.count(NO_WORKER) == 1   # said once, however often it passes
    mine = InvoiceNotFound(invoice_id=7)   # nothing left to a worker
    assert NO_WORKER not in with_worker_words(Reachable(), mine).resolution
    monkeypatch.setattr(worker_words, "worker_beating", lambda uow, now: True)
    awaiting = InvoiceAwaitingSefaz(number=1)
    assert NO_WORKER not in with_worker_words(Reachable(), awaiting).resolution


def test_the_database_failing_adds_nothing():
    awaiting = InvoiceAwaitingSefaz(number=1)
    before = awaiting.resolution
    assert with_worker_words(Broken(), awaiting).resolution == before


def test_a_page_finds_the_errors_a_form_keeps_by_field():
    """review: the settings page keeps its errors in `errors` by field, and the words were never added there."""
    from lojasync.entrypoints.web.templating import errors_in

    awaiting, missing = InvoiceAwaitingSefaz(number=1), InvoiceNotFound(invoice_id=2)
    found = errors_in({"error": awaiting, "errors": {"company": missing, "name": "texto"}, "rows": [missing],
                        "title": "NF-e"})
    assert found == [awaiting, missing, missing]


def test_a_page_is_given_its_own_words_and_never_both(monkeypatch):
    monkeypatch.setattr(worker_words, "worker_beating", lambda uow, now: False)
    awaiting = with_worker_words(Reachable(), InvoiceAwaitingSefaz(number=1), PAGE_NO_WORKER)
    assert awaiting.resolution.endswith(" " + PAGE_NO_WORKER) and "lojasync worker" not in awaiting.resolution
    assert NO_WORKER not in with_worker_words(Reachable(), awaiting).resolution
