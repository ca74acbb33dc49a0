"""The numbers the company's series skipped and must still void (`numbers_to_void`): a discarded NF-e's number
and numbers skipped by raising the next number, until a request to void them is voided or awaiting SEFAZ; with
the legal deadline (the 10th of the month after the break)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from lojasync.fiscal.local_time import BRASILIA
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
from lojasync.fiscal.services.invoices import generate_invoice
from lojasync.fiscal.services.number_gaps import numbers_to_void, production_gaps_left, production_gaps_note
from lojasync.fiscal.services.number_voids import MAX_NUMBERS, VoidRejected, VoidUnanswered, void_numbers
from tests.integration.test_invoices import COMPANY, imported

REASON = "NF-e descartada antes da autorizacao"


@pytest.fixture()
def company(app):
    set_company(app.uow(), replace(COMPANY, next_number=40))
    install_test_certificate(app.uow(), app.cipher)


def _invoice(app, store_id: int):
    return generate_invoice(app.uow(), app.cipher, imported(app, id=store_id))


def _next_month_10th(moment: datetime) -> str:
    local = moment.astimezone(BRASILIA)
    year, month = (local.year + 1, 1) if local.month == 12 else (local.year, local.month + 1)
    return f"{year:04d}-{month:02d}-10"


def test_a_discarded_numbers_gap_is_listed_until_voided(app, company, sefaz):
    assert numbers_to_void(app.uow()) == []          # numbers 1-39 are the earlier system's: not gaps
    first = _invoice(app, 2000000301)
    cancel_invoice(app.uow(), app.cipher, sefaz, first.id, "pedido desistido")   # pending: discarded
    (gap,) = numbers_to_void(app.uow())
    assert (gap.series, gap.first, gap.last, gap.numbers, gap.broken_on) == (1, 40, 40, "40", None)
    assert gap.environment == "2" and gap.homologation
    assert gap.command == 'lojasync invoices void 40 --series 1 --reason "JUSTIFICATIVA"'
    _invoice(app, 2000000302)                        # 41: the sequence is broken now
    (gap,) = numbers_to_void(app.uow())
    assert gap.broken_on == datetime.now(timezone.utc).astimezone(BRASILIA).date()
    # Homologação: numbers without fiscal value, no legal deadline.
    assert (gap.deadline, gap.overdue) == (None, False)
    void_numbers(app.uow(), app.cipher, sefaz, 40, reason=REASON)
    assert numbers_to_void(app.uow()) == []


def test_in_production_the_deadline_is_the_10th_of_the_month_after_the_break(app, company, sefaz):
    # Production NF-e need a real certificate: two made in homologação are moved there (40 discarded, 41 kept).
    first = _invoice(app, 2000000308)
    cancel_invoice(app.uow(), app.cipher, sefaz, first.id, "pedido desistido")
    second = _invoice(app, 2000000309)
    with app.uow() as uow:
        uow.session.execute(text("UPDATE invoices SET environment = '1'"))
        uow.session.execute(text("UPDATE invoices SET status = 'authorised' WHERE id = :id"), {"id": second.id})
        uow.commit()
    set_company(app.uow(), CompanyData(environment="producao"))
    (gap,) = numbers_to_void(app.uow())
    today = datetime.now(timezone.utc)
    assert (gap.first, gap.environment, gap.homologation) == (40, "1", False)
    assert gap.deadline.isoformat() == _next_month_10th(today) and not gap.overdue
    (late,) = numbers_to_void(app.uow(), now=lambda: today + timedelta(days=45))
    assert late.overdue
    set_company(app.uow(), CompanyData(next_number=45))
    assert [(g.first, g.last, g.deadline) for g in numbers_to_void(app.uow())][1] == (42, 44, None)   # not broken yet

    # Back to homologação to test something: the production numbers are not forgotten (their deadline runs).
    assert production_gaps_left(app.uow()) == []
    set_company(app.uow(), CompanyData(environment="homologacao", next_number=100))
    assert numbers_to_void(app.uow()) == []
    left = production_gaps_left(app.uow())
    # 42-44 too: skipped by production's next number, which the company keeps for when it comes back (review:
    # forgotten on leaving, it resumed at lojasync's highest + 1, numbers SEFAZ may hold).
    assert [(g.first, g.last, g.environment) for g in left] == [(40, 40, "1"), (42, 44, "1")]
    note = production_gaps_note(left)
    assert note.startswith("Há 2 faixas de números de produção sem uso (série 1: 40; série 1: 42 a 44); o prazo mais "
                           "próximo vence em ")
    assert "volte a emitir em produção" in note


def test_a_gap_longer_than_one_request_is_listed_in_parts_each_voidable(app, company, sefaz):
    _invoice(app, 2000000310)                        # 40
    set_company(app.uow(), CompanyData(next_number=40 + 1 + MAX_NUMBERS + 5))
    parts = numbers_to_void(app.uow())
    assert [(g.first, g.last) for g in parts] == [(41, 40 + MAX_NUMBERS), (41 + MAX_NUMBERS, 45 + MAX_NUMBERS)]
    assert parts[1].command == f'lojasync invoices void {41 + MAX_NUMBERS} {45 + MAX_NUMBERS} --series 1 ' \
                               '--reason "JUSTIFICATIVA"'
    void_numbers(app.uow(), app.cipher, sefaz, parts[0].first, parts[0].last, reason=REASON)   # not refused
    assert [(g.first, g.last) for g in numbers_to_void(app.uow())] == [(parts[1].first, parts[1].last)]


def test_numbers_skipped_by_raising_the_next_number_are_listed_as_one_range(app, company, sefaz):
    _invoice(app, 2000000303)                        # 40
    set_company(app.uow(), CompanyData(next_number=45))
    (gap,) = numbers_to_void(app.uow())
    assert (gap.first, gap.last, gap.count, gap.broken_on) == (41, 44, 4, None)
    assert gap.command == 'lojasync invoices void 41 44 --series 1 --reason "JUSTIFICATIVA"'
    _invoice(app, 2000000304)                        # 45
    (gap,) = numbers_to_void(app.uow())
    assert (gap.first, gap.last) == (41, 44) and gap.broken_on is not None


def test_a_rejected_request_covers_nothing_and_one_awaiting_sefaz_covers_its_numbers(app, company, sefaz,
                                                                                      simulator):
    _invoice(app, 2000000305)
    set_company(app.uow(), CompanyData(next_number=50))   # 41-49 skipped
    simulator.simulator.set_switches(reject_with="240")
    with pytest.raises(VoidRejected):
        void_numbers(app.uow(), app.cipher, sefaz, 41, 44, reason=REASON)
    assert [(g.first, g.last) for g in numbers_to_void(app.uow())] == [(41, 49)]
    simulator.simulator.reset_switches()
    simulator.simulator.set_switches(drop_answers=1)
    with pytest.raises(VoidUnanswered):   # the request waits for SEFAZ
        void_numbers(app.uow(), app.cipher, sefaz, 41, 44, reason=REASON)
    assert [(g.first, g.last) for g in numbers_to_void(app.uow())] == [(45, 49)]


def test_only_the_companys_current_environment_is_listed(app, company, sefaz):
    for store_id in (2000000306, 2000000307):   # the environment changes only with no NF-e pending
        cancel_invoice(app.uow(), app.cipher, sefaz, _invoice(app, store_id).id, "pedido desistido")
    assert [g.numbers for g in numbers_to_void(app.uow())] == ["40 a 41"]
    set_company(app.uow(), CompanyData(environment="producao", next_number=1))
    assert numbers_to_void(app.uow()) == []
