"""A worker whose queue (Redis) is out of reach: one line, retries with growing pauses, a bounded wait."""

from __future__ import annotations

import errno
import logging
import sqlite3

import pytest
from redis import exceptions as redis_errors

from lojasync.entrypoints.queue_watch import QueueOutage, queue_problem, queue_words, wait_for_queue


def refused() -> redis_errors.ConnectionError:
    """What redis-py raises when nothing listens: its English words, the socket's error as the context."""
    try:
        try:
            raise ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused")
        except OSError:
            raise redis_errors.ConnectionError("Error 111 connecting to h:6379. Connection refused.")  # noqa: B904
    except redis_errors.ConnectionError as exc:
        return exc


class FlakyHuey:
    def __init__(self, failures: int) -> None:
        self.failures = failures

    def pending_count(self) -> int:
        if self.failures:
            self.failures -= 1
            raise refused()
        return 0


def test_wait_for_queue_says_it_once_and_backs_off_until_the_queue_answers(fake):
    lines: list[str] = []
    assert wait_for_queue(FlakyHuey(3), "redis://h:6379/0", 120, lines.append, fake.sleep, fake.clock)
    assert lines == ["Fila inacessível em redis://h:6379/0 (não foi possível conectar ao Redis: conexão recusada (nada "
                     "escuta nessa porta); ConnectionError): tentando de novo por até 120 s.", "Fila acessível de novo."]
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
            raise refused()
        except redis_errors.ConnectionError as exc:
            record = logging.LogRecord("huey.consumer.Worker", logging.ERROR, __file__, 1, "Error reading from queue",
                                       None, (type(exc), exc, exc.__traceback__))
        if outage.filter(record):
            records.append(record)
    (shown,) = records
    assert shown.levelname == "WARNING" and shown.exc_info is None
    assert shown.getMessage().startswith("Fila inacessível em redis://h:6379/0 (não foi possível conectar ao Redis: "
                                         "conexão recusada (nada escuta nessa porta); ConnectionError)")
    other = logging.LogRecord("huey.consumer.Worker", logging.INFO, __file__, 1, "Executing task", None, None)
    assert outage.filter(other)  # everything else goes through untouched


@pytest.mark.parametrize(("error", "words"), [
    (redis_errors.AuthenticationError("invalid password"), "o Redis recusou a senha (confira LOJASYNC_REDIS_URL); "
                                                           "AuthenticationError"),
    (redis_errors.TimeoutError("Timeout reading from socket"), "o Redis não respondeu a tempo; TimeoutError"),
    (redis_errors.ConnectionError("Connection closed by server."), "não foi possível conectar ao Redis; ConnectionError"),
    (redis_errors.InvalidResponse("Protocol Error: b'HTTP/1.1 400 Bad Request'"),
     "o que respondeu nesse endereço não é um Redis; InvalidResponse"),
    (sqlite3.OperationalError("database or disk is full"), "disco cheio; OperationalError"),
    (sqlite3.DatabaseError("file is not a database"), "o arquivo da fila está corrompido; DatabaseError"),
    (sqlite3.OperationalError("locking protocol"), "o arquivo da fila não pôde ser lido; OperationalError"),
    (PermissionError(errno.EACCES, "Permission denied"), "sem permissão de acesso; PermissionError"),
    (RuntimeError("boom"), "erro inesperado; RuntimeError"),
])
def test_a_queue_failure_is_said_in_portuguese_with_its_kind(error, words):
    """review (operations): the queue's warning quoted the Redis driver's English message."""
    assert queue_words(error) == words


def test_a_redis_that_refuses_the_connection_is_said_in_portuguese():
    from huey import RedisHuey

    problem = queue_problem(RedisHuey("lojasync-test", url="redis://127.0.0.1:1/0"))
    assert problem == "não foi possível conectar ao Redis: conexão recusada (nada escuta nessa porta); ConnectionError"
