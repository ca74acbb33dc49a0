"""JSON for scripts: every moment in ISO 8601 UTC (a SEFAZ answer's Brasília time and the database's UTC alike),
days ISO, money as exact text."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from lojasync.entrypoints.cli.output import print_json

BRASILIA = timezone(timedelta(hours=-3))


def test_moments_days_and_money(capsys):
    print_json({"authorised_at": datetime(2026, 11, 30, 18, 55, 35, tzinfo=BRASILIA),
                "created_at": datetime(2026, 11, 30, 21, 52, 18, tzinfo=timezone.utc),
                "naive": datetime(2026, 11, 30, 21, 0), "due_date": date(2026, 12, 30), "amount": Decimal("10.50")})
    data = json.loads(capsys.readouterr().out)
    assert data == {"authorised_at": "2026-11-30T21:55:35Z", "created_at": "2026-11-30T21:52:18Z",
                    "naive": "2026-11-30T21:00:00Z", "due_date": "2026-12-30", "amount": "10.50"}


def test_moments_the_views_wrote_as_text_are_written_as_the_api_writes_them(capsys):
    print_json([{"at": "2026-11-30T21:52:18.250000+00:00", "nested": {"placed_at": "2026-11-30T21:00:00+00:00"}},
                {"reason": "pago em 2026-11-30T21:00:00+00:00, conferir", "brasilia": "2026-11-30T18:00:00-03:00"}])
    data = json.loads(capsys.readouterr().out)
    assert data[0] == {"at": "2026-11-30T21:52:18.250000Z", "nested": {"placed_at": "2026-11-30T21:00:00Z"}}
    assert data[1] == {"reason": "pago em 2026-11-30T21:00:00+00:00, conferir",   # text about a moment: as it is
                       "brasilia": "2026-11-30T18:00:00-03:00"}
