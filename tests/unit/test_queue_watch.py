"""A worker whose queue (Redis) is out of reach: one line, retries with growing pauses, a bounded wait."""

from __future__ import annotations

import logging

from lojasync.entrypoints.queue_watch import QueueOutage, wait_for_queue


class FlakyHuey:
    def __init__(self, failures: int) -> None:
        self.failures = failures

    def pending_count(self) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("Connection refused")
        return 0


def test_wait_for_queue_says_it_once_and_backs_off_until_the_queue_answers(fake):
    lines: list[str] = []
    assert wait_for_queue(FlakyHuey(3), "redis://h:6379/0", 120, lines.append, fake.sleep, fake.clock)
    assert lines == ["Fila inacessível em redis://h:6379/0 (ConnectionError: Connection refused): tentando de novo "
                     "por até 120 s.", "Fila acessível de novo."]
    assert fake.sleeps == [1.0, 2.0, 4.0]


def test_wait_for_queue_gives_up_after_the_bound(fake):
    lines: list[str] = []
    assert not wait_for_queue(FlakyHuey(10_000), "redis://h:6379/0", 60, lines.append, fake.sleep, fake.clock)
    assert len(lines) == 1 and sum(fake.sleeps) == 60


def test_queue_errors_from_the_consumer_become_one_line_without_traceback(fake):
    outage = QueueOutage(FlakyHuey(100), "redis://h:6379/0", 120, give_up=lambda: None, clock=fake.clock)
    records = []
    for _ in range(5):
        try:
            raise ConnectionError("refused")
        except ConnectionError as exc:
            record = logging.LogRecord("huey.consumer.Worker", logging.ERROR, __file__, 1, "Error reading from queue",
                                       None, (type(exc), exc, exc.__traceback__))
        if outage.filter(record):
            records.append(record)
    (shown,) = records
    assert shown.levelname == "WARNING" and shown.exc_info is None
    assert shown.getMessage().startswith("Fila inacessível em redis://h:6379/0 (ConnectionError)")
    other = logging.LogRecord("huey.consumer.Worker", logging.INFO, __file__, 1, "Executing task", None, None)
    assert outage.filter(other)  # everything else goes through untouched
