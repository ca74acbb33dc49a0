"""The day a receivable was received, as a person gives it (the bank statement read on Monday for Friday's Pix):
the baixa no longer takes the click's moment for the money's."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from lojasync.finance.errors import ReceiptDateInvalid
from lojasync.finance.receivables import receipt_moment
from lojasync.shared.local_zone import merchant_zone

# 23:30 in São Paulo on 03/12/2026: already 04/12 in UTC.
NOW = datetime(2026, 12, 4, 2, 30, tzinfo=timezone.utc)
PLACED = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
LOCAL = merchant_zone()   # Brasília's, the default


def test_no_day_or_today_where_the_merchant_is_is_the_moment_of_the_baixa():
    assert receipt_moment(None, NOW, PLACED) is NOW
    assert receipt_moment(date(2026, 12, 3), NOW, PLACED) is NOW   # today in São Paulo, not UTC's 04/12


def test_an_earlier_day_is_its_noon_where_the_merchant_is():
    moment = receipt_moment(date(2026, 12, 1), NOW, PLACED)
    assert moment.tzinfo is not None and moment.astimezone(LOCAL) == datetime(2026, 12, 1, 12, tzinfo=LOCAL)
    assert receipt_moment(date(2026, 11, 27), NOW, PLACED).astimezone(LOCAL).date() == date(2026, 11, 27)


def test_a_day_after_today_or_before_the_order_is_refused_in_portuguese():
    with pytest.raises(ReceiptDateInvalid) as later:
        receipt_moment(date(2026, 12, 4), NOW, PLACED)   # tomorrow in São Paulo
    assert later.value.message == "Data do recebimento inválida: 04/12/2026 é depois de hoje (03/12/2026)."
    with pytest.raises(ReceiptDateInvalid) as earlier:
        receipt_moment(date(2026, 11, 26), NOW, PLACED)
    assert earlier.value.message == ("Data do recebimento inválida: 26/11/2026 é antes do pedido, feito em "
                                     "27/11/2026.")
    assert "entre o dia do pedido e hoje" in earlier.value.resolution
    # No order date known: only the future is refused.
    assert receipt_moment(date(2020, 1, 2), NOW, None).astimezone(LOCAL).date() == date(2020, 1, 2)
