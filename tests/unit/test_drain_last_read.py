"""An order read more than once in one drain (two listings overlapping at their boundary): its last read decides
what its notification says."""

from __future__ import annotations

from datetime import datetime, timezone

from lojasync.nuvemshop.model.webhook_events import WebhookEvent, WebhookEventStatus
from lojasync.nuvemshop.services.drain_orders import DrainReport, _OrderReader
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.outcomes import ImportResult, Outcome


class RecordingFinisher:
    def __init__(self) -> None:
        self.finished: dict[str, tuple[str, object, str | None]] = {}

    def __call__(self, events, status, error=None, note=None) -> None:
        for event in events:
            self.finished[event.resource_id] = (status, error, note)


def _finished(*reads: ImportResult, policy: ImportPolicy) -> RecordingFinisher:
    report = DrainReport(store_id=1)
    report.imports.results.extend(reads)
    reader = _OrderReader(None, None, policy, 1, report, None)
    reader.seen.add("7")
    event = WebhookEvent(1, "1234567", "order/updated", "7", {})
    event.id = 1
    finish = RecordingFinisher()
    reader.finish([event], finish)
    return finish


def test_an_order_read_as_failed_and_then_left_out_for_its_date_is_ignored_not_failed():
    policy = ImportPolicy(orders_from=datetime(2026, 12, 1, 3, tzinfo=timezone.utc))  # midnight in Brasília
    finish = _finished(ImportResult("7", Outcome.FAILED, message="Linha com quantidade 0."),
                       ImportResult("7", Outcome.BEFORE_START), policy=policy)
    status, error, note = finish.finished["7"]
    assert status == WebhookEventStatus.IGNORED and error is None
    assert note.startswith("Pedido criado na loja antes da data inicial dos pedidos (01/12/2026)")


def test_an_order_read_as_failed_and_then_imported_is_done():
    finish = _finished(ImportResult("7", Outcome.FAILED, message="Linha com quantidade 0."),
                       ImportResult("7", Outcome.UPDATED, order_number=3), policy=ImportPolicy())
    assert finish.finished["7"][0] == WebhookEventStatus.DONE


def test_an_order_whose_last_read_failed_keeps_its_notification_failed_with_that_reason():
    finish = _finished(ImportResult("7", Outcome.UPDATED, order_number=3),
                       ImportResult("7", Outcome.FAILED, message="Linha com quantidade 0."), policy=ImportPolicy())
    status, error, _ = finish.finished["7"]
    assert status == WebhookEventStatus.FAILED and "quantidade 0" in str(error)
