"""`lojasync receivables receive ID --date DATA`: the day the money came in, from the terminal."""

from __future__ import annotations

import json
from datetime import timedelta

from lojasync.entrypoints.cli import formats
from lojasync.finance.services import list_receivables
from lojasync.finance.views import local_today
from lojasync.fiscal.services.simple_sales import confirm_sale, generate_sale
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.views import show_order
from tests.e2e.test_cli import lojasync  # noqa: F401 - the fixture, used by name
from tests.factories import make_store, order_payload


def test_a_receipt_is_dated_from_the_terminal(app, lojasync):  # noqa: F811
    number = import_order(app.uow(), make_store(app), order_payload(id=2400000001), ImportPolicy()).order_number
    confirm_sale(app.uow(), generate_sale(app.uow(), number).id)
    (receivable,) = list_receivables(app.uow())
    today = local_today()
    refused = lojasync("receivables", "receive", str(receivable["id"]), "--date",
                       (today + timedelta(days=1)).strftime("%d/%m/%Y"), expect=1)
    assert "é depois de hoje" in refused.output and "entre o dia do pedido e hoje" in refused.output
    assert "Data inválida em --date: ontem." in lojasync("receivables", "receive", str(receivable["id"]), "--date",
                                                        "ontem", expect=1).output
    assert list_receivables(app.uow())[0]["status"] == "open"

    day = today - timedelta(days=2)
    done = lojasync("receivables", "receive", str(receivable["id"]), "--date", day.strftime("%d/%m/%Y"))
    assert f"recebida: {formats.money(receivable['amount'])}, em {formats.day(day)}." in done.output
    again = lojasync("receivables", "receive", str(receivable["id"]), "--date", day.isoformat(), "--format", "json")
    assert json.loads(again.output)["changed"] is False
    text = lojasync("receivables", "receive", str(receivable["id"]), "--date", day.strftime("%d/%m/%Y")).output
    assert f"já estava recebida (em {formats.day(day)}): nada mudou." in " ".join(text.split())
    # Another day: refused, with the way to change it (review: "já estava recebida", and the day typed dropped).
    other = lojasync("receivables", "receive", str(receivable["id"]), "--date", today.strftime("%d/%m/%Y"), expect=1)
    words = " ".join(other.output.split())
    assert f"já foi recebida em {formats.day(day)}: a data {formats.day(today)} não foi registrada" in words
    assert f"lojasync receivables undo {receivable['id']} --reason MOTIVO" in words
    (entry,) = [e for e in show_order(app.uow(), number)["log"] if e["event"] == "receivable_received"]
    assert entry["message"].endswith(f"O dinheiro entrou em {formats.day(day)}.")
