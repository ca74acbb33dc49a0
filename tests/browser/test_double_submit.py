"""A double click on a button that sends a form (Transmitir, with SEFAZ taking its usual second or two) sends it
once: the browser shows the answer of the click that did the work, not a second request's "aguardando SEFAZ"."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from lojasync.simulators.sefaz.server import BackgroundSefaz
from tests.browser.test_back_office import log_in


@pytest.fixture()
def slow_sefaz(back_office, monkeypatch):
    with BackgroundSefaz() as sefaz:
        sefaz.simulator.set_switches(delay=1.5)
        monkeypatch.setattr(back_office.app.settings, "sefaz_url", sefaz.url)
        yield sefaz


def test_a_double_click_on_transmitir_sends_once_and_shows_the_authorisation(page, shots, back_office, slow_sefaz):
    """dogfood: the second click of a double click was a second POST while the first waited for SEFAZ; the
    browser showed its answer ('enviada à SEFAZ há instantes... Aguarde 5 minutos e transmita de novo', the
    Transmitir button again) although the first click's transmission was authorised a moment later."""
    store_order = back_office.place_order(paid=True)
    erp = back_office.erp_order(store_order, status="Confirmado")
    log_in(page, back_office, f"/pedidos/{erp['number']}")
    page.get_by_text("Mais ações", exact=True).click()
    page.get_by_role("button", name="NF-e", exact=True).click()
    expect(page).to_have_url(re.compile(r"/nfe/\d+$"))

    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    box = page.get_by_role("button", name="Transmitir").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(400)             # a slow double click: SEFAZ has not answered yet
    page.mouse.click(x, y)
    expect(page.locator(".page-head .badge").first).to_have_text(re.compile("autorizada", re.I))
    expect(page.get_by_text("estoque baixado e contas a receber criadas")).to_be_visible()
    shots(page, "nfe-autorizada-apos-duplo-clique")
    assert [url for url in sent if url.endswith("/transmitir")] == [page.url + "/transmitir"]
