"""An NF-e discarded before SEFAZ authorised it leaves its number unused: the operator voids it (inutilização) from
the NF-e's page, and the NF-e list's "Inutilização de números" page shows the request with SEFAZ's protocol."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.test_back_office import log_in, order_row


def test_a_discarded_nfes_number_is_voided_from_its_page(page, shots, back_office):
    log_in(page, back_office)
    store_order = back_office.place_order(paid=True)
    row = order_row(page, store_order)
    expect(row).to_have_count(1)
    row.get_by_role("link").first.click()
    page.get_by_text("Mais ações", exact=True).click()
    page.get_by_role("button", name="NF-e", exact=True).click()
    expect(page).to_have_url(re.compile(r"/nfe/\d+$"))
    number = page.get_by_role("heading", name=re.compile(r"^NF-e nº \d+")).inner_text().split("nº ")[1].split()[0]

    page.get_by_label("Motivo do descarte").fill("Pedido cancelado pelo cliente")
    page.get_by_role("button", name="Descartar NF-e").click()
    expect(page.locator(".page-head .badge").first).to_have_text(re.compile("descartada", re.I))
    expect(page.get_by_role("heading", name=f"Inutilizar o número {number}")).to_be_visible()
    shots(page, "nfe-descartada-inutilizar")

    page.get_by_label("Justificativa da inutilização").fill("NF-e descartada antes da autorizacao")
    page.get_by_role("button", name="Inutilizar número na SEFAZ").click()
    expect(page.get_by_text(re.compile(rf"Número {number} \(série 1\) inutilizado na SEFAZ \(protocolo \d{{15}}\)"))
           ).to_be_visible()
    expect(page.get_by_role("button", name="Inutilizar número na SEFAZ")).to_have_count(0)
    shots(page, "nfe-numero-inutilizado")

    page.goto(back_office.url + "/nfe")
    page.get_by_role("link", name="Inutilização de números").click()
    expect(page.get_by_role("heading", name="Inutilização de números")).to_be_visible()
    request = page.locator("tbody tr[data-testid^='inutilizacao-']").first
    expect(request).to_contain_text("Inutilizada")
    expect(request.locator("td").nth(1)).to_have_text(number)
    shots(page, "inutilizacoes")
