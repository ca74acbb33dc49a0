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
    assert data == {"authorised_at": "2026-11-30T21:55:35+00:00", "created_at": "2026-11-30T21:52:18+00:00",
                    "naive": "2026-11-30T21:00:00+00:00", "due_date": "2026-12-30", "amount": "10.50"}
