"""A moment without a zone is read the same on every server (dates review): the database's are UTC, SEFAZ's are
Brasília's; the server's own zone (TZ) is never asked."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta, timezone

import pytest

from lojasync.fiscal.sefaz.answers import _moment
from lojasync.shared.local_zone import local_day


@pytest.fixture()
def server_in_tokyo(monkeypatch):
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_a_naive_moment_is_utc_for_the_merchants_day(server_in_tokyo):
    # 01:30 UTC on the 8th is 22:30 of the 7th in São Paulo; read in Tokyo's zone it was the 7th at 16:30 UTC.
    assert local_day(datetime(2026, 12, 8, 1, 30)) == date(2026, 12, 7)
    assert local_day(datetime(2026, 12, 8, 3, 30)) == date(2026, 12, 8)


def test_a_sefaz_time_without_its_offset_is_brasilias(server_in_tokyo):
    assert _moment("2026-12-07T22:30:00") == datetime(2026, 12, 8, 1, 30, tzinfo=timezone.utc)
    assert _moment("2026-12-07T22:30:00-03:00").utcoffset() == timedelta(hours=-3)
    assert _moment("ontem") is None and _moment(None) is None
