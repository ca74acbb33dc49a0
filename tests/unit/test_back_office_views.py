"""The pure rules behind the back-office read models: when a receivable is "vencida", and which fields of the
company form count as changed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from lojasync.finance.views import Situation, situation_of
from lojasync.fiscal.services.company import CompanyData
from lojasync.fiscal.services.company_form import changed_only

TODAY = date(2026, 12, 10)


def row(status: str, due: date) -> dict:
    return {"status": status, "due_date": due, "amount": Decimal("10.00")}


def test_an_open_receivable_is_overdue_only_after_its_due_day():
    assert situation_of(row("open", date(2026, 12, 9)), TODAY) is Situation.OVERDUE
    assert situation_of(row("open", TODAY), TODAY) is Situation.OPEN          # due today: still on time
    assert situation_of(row("open", date(2026, 12, 11)), TODAY) is Situation.OPEN


def test_received_and_cancelled_are_never_overdue():
    assert situation_of(row("received", date(2020, 1, 1)), TODAY) is Situation.RECEIVED
    assert situation_of(row("cancelled", date(2020, 1, 1)), TODAY) is Situation.CANCELLED
    assert [s.label for s in Situation] == ["em aberto", "vencida", "recebida", "cancelada"]


def test_only_fields_that_differ_from_what_is_kept_are_sent():
    current = {"legal_name": "Loja Exemplo Ltda", "series": 1, "next_number": 57, "complement": None,
               "environment": "homologacao"}
    given = {"legal_name": " Loja Exemplo Ltda ", "series": 1, "next_number": 57, "complement": "",
             "environment": "producao"}
    # Same name with spaces, same numbers, a blank field: not changes. The environment is.
    assert changed_only(current, given) == CompanyData(environment="producao")


def test_a_first_company_sends_every_filled_field():
    assert changed_only(None, {"legal_name": "Loja", "cnpj": "11222333000181", "phone": ""}) == CompanyData(
        legal_name="Loja", cnpj="11222333000181")
