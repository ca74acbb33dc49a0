"""Configurações at the turn of the year: the IBS/CBS rates of 2026 said on the page (and the banner of every page)
from 1 January, in words without a terminal command, with a button that confirms them for the new year unchanged."""

from __future__ import annotations

from datetime import datetime, timezone

from lojasync.accounts.services.users import add_user
from lojasync.fiscal.services.company import CompanyData, set_company, show_company
from tests.web.conftest import USER_EMAIL, USER_PASSWORD, log_in
from tests.web.test_pages_settings import csrf_of, text_of

NEW_YEAR = datetime(2027, 1, 2, 12, 0, tzinfo=timezone.utc)
WARNING = "alíquotas de IBS/CBS da empresa são as de 2026"   # the banner capitalises its first letter


def registered(app, crt: int = 1) -> None:
    set_company(app.uow(), CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11222333000181", ie="110042490114",
                                       crt=crt, street="Rua A", number="10", district="Centro", city="São Paulo",
                                       uf="SP", zipcode="01001000"))


def logged_in_on(web, app, clock, moment: datetime):
    clock.now = moment
    add_user(app.accounts_uow(), USER_EMAIL, USER_PASSWORD)
    assert log_in(web, USER_EMAIL, USER_PASSWORD).status_code == 303
    return web


def test_in_2027_the_page_says_the_rates_are_2026s_and_confirming_them_silences_it(app, web, clock):
    registered(app)
    client = logged_in_on(web, app, clock, NEW_YEAR)
    page = client.get("/configuracoes").text
    said = text_of(page)
    assert WARNING in said and "rejeição 1115" in said   # Simples Nacional without the group
    assert "Confirmar as alíquotas de IBS/CBS atuais para 2027" in said
    assert "lojasync company" not in said   # no terminal command on a page
    assert WARNING in text_of(client.get("/pedidos").text)   # the banner of every page

    answer = client.post("/configuracoes/tributos/confirmar-ibs-cbs", data={"csrf_token": csrf_of(page)})
    assert answer.status_code == 303
    after = text_of(client.get("/configuracoes").text)
    assert "Alíquotas de IBS/CBS confirmadas para 2027." in after
    assert WARNING not in after and "Confirmar as alíquotas de IBS/CBS" not in after
    assert "Alíquotas de IBS/CBS de 2027" in after
    assert WARNING not in text_of(client.get("/pedidos").text)
    assert show_company(app.uow(), NEW_YEAR).ibs_cbs_rates_year == 2027


def test_configuracoes_says_the_notice_once_beside_the_button_that_confirms_the_rates(app, web, clock):
    """Carried gap: Configurações said it three times (the banner, the company's "Atenção" and the Tributos notes),
    one long paragraph after another. Once there, in Tributos, above the button that confirms the rates; every other
    page keeps the banner."""
    registered(app)
    client = logged_in_on(web, app, clock, NEW_YEAR)
    page = client.get("/configuracoes").text
    assert text_of(page).count(WARNING) == 1, text_of(page)
    taxes = page[page.index('id="tributos"'):]
    taxes = taxes[:taxes.index("</section>")]
    assert WARNING in text_of(taxes) and "Confirmar as alíquotas de IBS/CBS atuais para 2027" in text_of(taxes)
    assert text_of(client.get("/pedidos").text).count(WARNING) == 1   # the banner, elsewhere


def test_in_2026_nothing_is_said_nor_offered(app, web, clock):
    registered(app, crt=3)
    client = logged_in_on(web, app, clock, datetime(2026, 12, 20, 12, 0, tzinfo=timezone.utc))
    said = text_of(client.get("/configuracoes").text)
    assert WARNING not in said and "Confirmar as alíquotas de IBS/CBS" not in said
    assert "Alíquotas de IBS/CBS de 2026" in said
