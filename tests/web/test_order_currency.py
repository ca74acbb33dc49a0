"""An order the store priced in another currency shows its amounts with that currency's sign, on its page, in the
orders list and in the API, and says that no document is issued of it; an order in reais says nothing of currency."""

from __future__ import annotations

from tests.web import documents_setup as setup
from tests.web.documents_setup import imported, text_of

store_id = setup.store_id


def test_the_order_page_and_the_list_show_another_currency_as_such(app, logged_in, store_id):
    dollars, reais = imported(app, store_id, {"id": 2800000101, "currency": "USD"}, {"id": 2800000102})
    page = logged_in.get(f"/pedidos/{dollars}").text
    assert "Moeda USD: valores como a loja os informou, não em reais; o lojasync não emite NF-e nem venda simples " \
           "deste pedido" in text_of(page)
    assert "US$" in page and "R$" not in text_of(page.split('id="documentos-titulo"')[0])
    # Nothing offered that would be refused: the menu says why instead.
    assert 'data-testid="gerar-nfe"' not in page and 'data-testid="sem-documento-moeda"' in page
    assert "Mais ações → Gerar" not in page
    shown = logged_in.get(f"/pedidos/{reais}").text
    assert 'data-testid="moeda"' not in shown and "R$" in shown and "US$" not in shown
    assert 'data-testid="gerar-nfe"' in shown and 'data-testid="sem-documento-moeda"' not in shown
    listed = text_of(logged_in.get("/pedidos").text)
    assert "US$" in listed and "R$" in listed


def test_the_api_order_says_its_currency(app, web, api_token, store_id):
    dollars, reais = imported(app, store_id, {"id": 2800000111, "currency": "USD"}, {"id": 2800000112})
    web.headers["Authorization"] = f"Bearer {api_token}"
    assert web.get(f"/api/v1/orders/{dollars}").json()["currency"] == "USD"
    assert web.get(f"/api/v1/orders/{reais}").json()["currency"] == "BRL"
    assert {o["currency"] for o in web.get("/api/v1/orders").json()["items"]} == {"USD", "BRL"}
