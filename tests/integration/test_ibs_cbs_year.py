"""The turn of the year for IBS/CBS: the rates change every year of the transition, and lojasync cannot know
2027's. The company keeps the year its rates were set or confirmed for; an NF-e dated a later year is still issued
(invoicing does not stop on 1 January) and said to carry an earlier year's rates, where the operator looks: the
result of the generation, `company show` / Configurações, `company taxes`. A Simples Nacional company without the
IBS/CBS group is also told that SEFAZ may require it from 2027 (rejection 1115), which the simulator reproduces on
request, and lojasync's advice for that rejection says how to put the group in."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

from lojasync.fiscal.services.company import (
    CompanyData,
    ibs_cbs_notice,
    install_test_certificate,
    set_company,
    show_company,
)
from lojasync.fiscal.services.company_taxes import CompanyTaxes, set_company_taxes, show_company_taxes
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.shared.errors import terminal_commands
from tests.factories import make_store, order_payload

DECEMBER = datetime(2026, 12, 20, 15, 0, tzinfo=timezone.utc)
# 1 January 2027 in São Paulo (-03:00); the hour before is still 31 December there.
NEW_YEAR = datetime(2027, 1, 1, 3, 30, tzinfo=timezone.utc)
NEW_YEARS_EVE_IN_SAO_PAULO = datetime(2027, 1, 1, 2, 30, tzinfo=timezone.utc)
COMPANY = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11222333000181", ie="110042490114", crt=3,
                      street="Rua A", number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001000",
                      default_ncm="61091000")


def company(app, **changes) -> None:
    set_company(app.uow(), replace(COMPANY, **changes), DECEMBER)
    install_test_certificate(app.uow(), app.cipher)


def order(app, order_id: int) -> int:
    return import_order(app.uow(), make_store(app), order_payload(id=order_id), ImportPolicy()).order_number


def year_warnings(warnings: list[str]) -> list[str]:
    return [w for w in warnings if "alíquotas de IBS/CBS" in w]


def test_an_nfe_of_2027_is_issued_and_said_to_carry_2026s_rates(app):
    company(app)
    assert year_warnings(show_company(app.uow(), DECEMBER).warnings) == []
    assert year_warnings(show_company(app.uow(), NEW_YEARS_EVE_IN_SAO_PAULO).warnings) == []

    invoice = generate_invoice(app.uow(), app.cipher, order(app, 2700000001), now=lambda: NEW_YEAR)
    assert invoice.status == "pending"   # not refused: invoicing goes on on 1 January
    notice = ibs_cbs_notice(app.read_uow(), [invoice.issued_at])
    assert notice is not None
    assert "as alíquotas de IBS/CBS da empresa são as de 2026 (CBS 0,9%, IBS da UF 0,1%, IBS do município 0%)" in notice
    assert "confirme as atuais para 2027 (Configurações → Tributos)" in notice
    assert "1115" not in notice   # regime normal: its NF-e carry the group
    assert "lojasync company taxes --confirm-ibs-cbs" in terminal_commands([notice])[0]
    assert "lojasync" not in str(notice)   # the words a page shows name no command

    shown = show_company(app.uow(), NEW_YEAR)
    assert year_warnings(shown.warnings) == [notice] and shown.ibs_cbs_rates_year == 2026
    assert year_warnings(show_company_taxes(app.read_uow(), NEW_YEAR).notes) == [notice]


def test_an_nfe_of_2026_says_nothing(app):
    company(app)
    invoice = generate_invoice(app.uow(), app.cipher, order(app, 2700000002), now=lambda: DECEMBER)
    assert ibs_cbs_notice(app.read_uow(), [invoice.issued_at]) is None


def test_confirmed_for_2027_without_a_change_the_warning_goes(app):
    company(app, crt=3)
    set_company_taxes(app.uow(), CompanyTaxes(cbs_rate="0,9"), DECEMBER)   # set in 2026: 2026's
    assert show_company_taxes(app.read_uow(), NEW_YEAR).ibs_cbs_rates_year == 2026

    confirmed = set_company_taxes(app.uow(), CompanyTaxes(confirm_ibs_cbs_year=True), NEW_YEAR)
    assert confirmed.ibs_cbs_rates_year == 2027
    assert (confirmed.cbs_rate, confirmed.ibs_rate, confirmed.ibs_municipal_rate) == (
        Decimal("0.9"), Decimal("0.10"), Decimal("0"))   # nothing changed
    assert year_warnings(show_company(app.uow(), NEW_YEAR).warnings) == []
    invoice = generate_invoice(app.uow(), app.cipher, order(app, 2700000003), now=lambda: NEW_YEAR)
    assert ibs_cbs_notice(app.read_uow(), [invoice.issued_at]) is None


def test_a_rate_changed_records_the_year_a_form_saved_again_does_not(app):
    company(app)
    set_company_taxes(app.uow(), CompanyTaxes(cbs_rate="0,9", ibs_rate="0,1"), DECEMBER)
    # The settings page sends every rate with each save: a DIFAL UF added in 2027 checks nothing of IBS/CBS.
    resaved = set_company_taxes(app.uow(), CompanyTaxes(cbs_rate="0,9", ibs_rate="0,1",
                                                        destination_icms_rates={"RJ": "20"}), NEW_YEAR)
    assert resaved.ibs_cbs_rates_year == 2026
    changed = set_company_taxes(app.uow(), CompanyTaxes(ibs_municipal_rate="0,05"), NEW_YEAR)
    assert changed.ibs_cbs_rates_year == 2027
    assert year_warnings(show_company(app.uow(), NEW_YEAR).warnings) == []


def test_a_simples_company_without_the_group_is_told_sefaz_may_require_it_from_2027(app):
    company(app, crt=1)
    notice = year_warnings(show_company(app.uow(), NEW_YEAR).warnings)
    assert len(notice) == 1
    assert "não levam o grupo IBS/CBS (Simples Nacional)" in notice[0]
    assert "rejeição 1115, IBS/CBS não informado" in notice[0]
    assert "Incluir o grupo IBS/CBS nas NF-e do Simples Nacional" in notice[0]
    assert "lojasync company taxes --ibs-cbs-simples" in terminal_commands(notice)[0]
    # Said, not acted on: the NF-e still leaves the group out.
    invoice = generate_invoice(app.uow(), app.cipher, order(app, 2700000004), now=lambda: NEW_YEAR)
    assert "1115" in ibs_cbs_notice(app.read_uow(), [invoice.issued_at])
    assert b"IBSCBS" not in _xml(app, invoice.id)

    set_company_taxes(app.uow(), CompanyTaxes(ibs_cbs_for_simples=True), NEW_YEAR)   # group in, rates not checked
    with_group = year_warnings(show_company(app.uow(), NEW_YEAR).warnings)
    assert len(with_group) == 1 and "1115" not in with_group[0] and "as levam" in with_group[0]


def test_the_simulator_rejects_a_simples_nfe_without_the_group_with_1115_when_asked(app, sefaz, simulator):
    company(app, crt=1)
    simulator.simulator.set_switches(simples_requires_ibs_cbs=True)
    invoice = generate_invoice(app.uow(), app.cipher, order(app, 2700000005))
    rejected, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert (rejected.status, rejected.rejection_code) == ("rejected", "1115")
    assert "IBS/CBS nao informado" in rejected.rejection_reason
    advice = rejected.rejection_resolution
    assert "Incluir o grupo IBS/CBS nas NF-e do Simples Nacional" in advice and "Configurações → Tributos" in advice
    assert terminal_commands([advice]) == ("lojasync company taxes --ibs-cbs-simples",)

    # Doing what it says: transmitted again, rebuilt with the group, authorised with the same number.
    set_company_taxes(app.uow(), CompanyTaxes(ibs_cbs_for_simples=True))
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert (authorised.status, authorised.number) == ("authorised", invoice.number)


def test_the_simulator_leaves_the_group_to_the_company_unless_asked(app, sefaz):
    company(app, crt=1)
    invoice = generate_invoice(app.uow(), app.cipher, order(app, 2700000006))
    assert approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)[0].status == "authorised"


def _xml(app, invoice_id: int) -> bytes:
    from lojasync.fiscal.services.invoice_files import invoice_xml

    return invoice_xml(app.uow(), invoice_id)
