"""An NF-e's dates in the issuer's own time: Brasília's for most UFs, an hour or two behind for six."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from lojasync.fiscal.local_time import issuer_time


@pytest.mark.parametrize(("uf", "written"), [
    ("SP", "2026-12-01T00:30:00-03:00"), ("PE", "2026-12-01T00:30:00-03:00"), ("DF", "2026-12-01T00:30:00-03:00"),
    ("AM", "2026-11-30T23:30:00-04:00"), ("MT", "2026-11-30T23:30:00-04:00"), ("MS", "2026-11-30T23:30:00-04:00"),
    ("RO", "2026-11-30T23:30:00-04:00"), ("RR", "2026-11-30T23:30:00-04:00"), ("AC", "2026-11-30T22:30:00-05:00"),
    ("am", "2026-11-30T23:30:00-04:00"), (None, "2026-12-01T00:30:00-03:00"),
])
def test_the_issuers_clock_by_uf(uf, written):
    # 03:30 UTC on 1 December: already December in São Paulo, still November in Manaus and Rio Branco (the
    # access key's AAMM follows the date written).
    assert issuer_time(datetime(2026, 12, 1, 3, 30, 0, 123456, tzinfo=timezone.utc), uf).isoformat() == written
