"""The customer's inscrição estadual on the order page, in a real browser: shown with what the NF-e will make
of it, refused in Portuguese when it is not of the customer's state (the refusal's address opened again leads
back to the order), then kept."""

from __future__ import annotations

from playwright.sync_api import expect

from lojasync.sales.views import list_customers
from lojasync.shared.address import uf_of
from lojasync.shared.state_registration import format_ie
from tests.browser.test_back_office import log_in
from tests.factories import cnpj
from tests.unit.test_state_registration import VALID

BUYER = cnpj("998887770001")


def test_the_operator_sets_a_customers_ie_on_the_order_page(page, shots, back_office):
    log_in(page, back_office)
    store_order = back_office.place_order(document=BUYER)
    number = back_office.erp_order(store_order)["number"]
    (customer,) = [c for c in list_customers(back_office.app.read_uow()) if c["tax_id"] == BUYER]
    uf = uf_of(customer["address"]["state"])
    other = next(ie for state, ie in VALID.items() if state != uf and VALID[uf] != ie)

    page.goto(f"{back_office.url}/pedidos/{number}")
    block = page.locator("section#cliente")
    expect(block.get_by_test_id("cliente-ie")).to_contain_text("não informada — não contribuinte do ICMS")
    block.get_by_text("Alterar inscrição estadual").click()
    block.get_by_label("Inscrição estadual", exact=True).fill(other)
    block.get_by_role("button", name="Gravar inscrição estadual").click()
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text(f"inválida para {uf}")
    expect(refusal).to_contain_text("Resolução:")
    shots(page, "ie-recusada")
    # The address bar keeps the form's action; opened again from there (Enter, a bookmark): the order's page
    # with its form, not "Método não permitido".
    assert page.url.endswith(f"/pedidos/{number}/cliente/ie")
    page.goto(page.url)
    assert page.url.endswith(f"/pedidos/{number}")
    expect(block.get_by_test_id("cliente-ie")).to_contain_text("não informada — não contribuinte do ICMS")
    block.get_by_text("Alterar inscrição estadual").click()

    block.get_by_label("Inscrição estadual", exact=True).fill(VALID[uf])
    block.get_by_role("button", name="Gravar inscrição estadual").click()
    shown = format_ie(VALID[uf])   # punctuated as its UF writes it when only that UF's rule accepts it
    expect(page.get_by_text(f"inscrição estadual {shown} gravada")).to_be_visible()
    expect(block.get_by_test_id("cliente-ie")).to_contain_text(f"{shown} — contribuinte do ICMS")
    shots(page, "ie-gravada")
