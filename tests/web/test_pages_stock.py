"""Estoque pages over the real services: the list with its flags, a product's ledger linked to the documents
that moved it, the stock count and the fiscal data forms (changes checked through the services)."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from lojasync.fiscal.services.company import CompanyData, set_company
from lojasync.fiscal.services.simple_sales import confirm_sale, generate_sale
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.stock.products import Product
from lojasync.stock.views import ProductNotFound, product_detail, stock_overview
from tests.factories import make_store, order_payload
from tests.web import documents_setup as setup

# The order and document pages' fixtures: the company with a test certificate and the SEFAZ simulator.
company, sefaz, sefaz_simulator, store_id = setup.company, setup.sefaz, setup.sefaz_simulator, setup.store_id


def csrf_of(page: str) -> str:
    """The token the page's forms send back: read from the hidden field itself (a browser without JavaScript
    sends only that), and the same in every form of the page."""
    tokens = set(re.findall(r'<input type="hidden" name="csrf_token" value="([^"]*)">', page))
    assert len(tokens) == 1 and "" not in tokens, f"formulários sem o token CSRF: {tokens}"
    return tokens.pop()


@pytest.fixture()
def sale_id(app) -> int:
    """An order of the store (two unknown SKUs, created by the store) sold as a confirmed venda simples."""
    store_id = make_store(app)
    number = import_order(app.uow(), store_id, order_payload(id=2200000001), ImportPolicy()).order_number
    sale = generate_sale(app.uow(), number)
    confirm_sale(app.uow(), sale.id, now=lambda: datetime(2026, 12, 1, 15, 0, tzinfo=timezone.utc))
    return sale.id


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_pages_need_a_login(web):
    for path in ("/estoque", "/estoque/CAN-CER"):
        answer = web.get(path)
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")


def test_the_list_shows_stock_and_who_controls_it(logged_in, app, sale_id):
    page = logged_in.get("/estoque")
    assert page.status_code == 200
    assert "<h1>Estoque</h1>" in page.text
    words = text_of(page.text)
    assert "CAM-ALG-P" in words and "Camiseta Algodão P" in words and "criado pela loja" in words
    assert re.search(r"Camiseta Algodão P .*? -2 ", words)
    assert "controlado pelo ERP" not in words.split("Origem do cadastro", 1)[1]   # none counted yet
    assert 'href="/estoque/CAM-ALG-P"' in page.text

    only_erp = logged_in.get("/estoque", params={"filtro": "erp"})
    assert "Nenhum produto com esse filtro" in only_erp.text
    search = logged_in.get("/estoque", params={"busca": "caneca"})
    assert "CAN-CER" in search.text and "CAM-ALG-P" not in search.text
    unaccented = logged_in.get("/estoque", params={"busca": "algodao"})   # review: only "algodão" found it
    assert "CAM-ALG-P" in unaccented.text and "CAN-CER" not in unaccented.text
    assert ">negativo</span>" not in page.text   # -2, but never counted: no stock of record to fall short


def test_a_counted_product_below_zero_is_marked_negative(logged_in, app, sale_id):
    from lojasync.stock.counts import count_stock

    count_stock(app.uow(), "CAN-CER", 0)   # counted: none on the shelf
    number = import_order(app.uow(), make_store(app, external_id="7654321"), order_payload(id=2200000002),
                          ImportPolicy()).order_number
    confirm_sale(app.uow(), generate_sale(app.uow(), number).id)   # one more caneca leaves
    words = text_of(logged_in.get("/estoque").text)
    assert re.search(r"Caneca Cerâmica .*? -1 negativo ", words), words
    assert not re.search(r"Camiseta Algodão P .*? -4 negativo", words)   # -4, never counted


def test_the_product_page_links_each_movement_to_its_document(logged_in, sale_id):
    page = logged_in.get("/estoque/CAM-ALG-P")
    assert page.status_code == 200
    assert f'href="/vendas/{sale_id}"' in page.text
    words = text_of(page.text)
    assert f"Venda simples {sale_id}" in words and "Baixa:" in words
    assert re.search(r"-2 -2 Venda simples", words)   # quantity, balance, document
    assert logged_in.get(f"/vendas/{sale_id}").status_code == 200   # the link leads to the sale's page
    assert "fica com a loja" in words


def test_an_unknown_product_is_a_page_in_portuguese(logged_in, app):
    page = logged_in.get("/estoque/NAO-EXISTE")
    assert page.status_code == 404
    assert "Nenhum produto com o SKU NAO-EXISTE." in page.text
    assert "Confira o SKU na lista de produtos do Estoque (um produto sem SKU é informado como id:N" in page.text   # the Resolução, in the product's words


def test_a_sku_in_another_case_opens_its_product_and_two_that_differ_only_in_case_are_named(logged_in, app,
                                                                                            api_token, sale_id):
    def api(path: str, **params):
        return logged_in.get(path, params=params, headers={"Authorization": f"Bearer {api_token}"})

    page = logged_in.get("/estoque/cam-alg-p")
    assert page.status_code == 200 and re.search(r"-2 -2 Venda simples", text_of(page.text))
    assert [m["quantity"] for m in api("/api/v1/stock/movements", sku="Cam-Alg-P").json()] == [-2]
    with app.uow() as uow:
        uow.products.add(Product("cam-alg-p", "Camiseta Algodão P (outra)", Decimal("50.00")))
        uow.commit()
    assert "Camiseta Algodão P (outra)" in logged_in.get("/estoque/cam-alg-p").text   # the exact one
    page = logged_in.get("/estoque/Cam-Alg-P")
    assert page.status_code == 422
    assert "O SKU Cam-Alg-P corresponde a 2 produtos que diferem só em maiúsculas e minúsculas" in page.text
    answer = api("/api/v1/stock/movements", sku="Cam-Alg-P")
    assert answer.status_code == 422 and answer.json()["codigo"] == "stock.sku_ambiguous"


def test_a_count_sets_the_balance_and_makes_the_erp_control_the_product(logged_in, app, sale_id):
    token = csrf_of(logged_in.get("/estoque/CAN-CER").text)
    answer = logged_in.post("/estoque/CAN-CER/contagem", data={"csrf_token": token, "quantidade": "12"})
    assert answer.status_code == 303 and answer.headers["location"] == "/estoque/CAN-CER"
    detail = product_detail(app.uow(), "CAN-CER")
    assert (detail["quantity"], detail["managed"]) == (12, True)
    page = logged_in.get("/estoque/CAN-CER")
    assert "Contagem de CAN-CER registrada: estoque 12 (era -1; ajuste de +13)." in page.text
    assert "controlado pelo ERP" in page.text
    listing = {r["sku"]: r for r in stock_overview(app.uow())}
    assert listing["CAN-CER"]["available"] == 12
    # Who: the logged-in person for the count, whoever confirmed the sale for its baixa (a service call: "operador").
    rows = re.findall(r"<tr>(.*?)</tr>", page.text, re.S)
    assert [r for r in rows if "Contagem" in r and f"<td>operador {logged_in.user_email}</td>" in r]
    assert [r for r in rows if "Baixa" in r and "<td>operador</td>" in r]
    # The product is bound to a variant of the store: its new stock waits for the worker, which was woken.
    assert [name for name, *_ in logged_in.queue.calls] == ["push_soon"]


def test_the_same_count_form_sent_again_moves_nothing_a_second_time(logged_in, app, sale_id):
    """review: a count sent again from the browser's history after a sale in between set the balance back to the old
    count (the sale's issue undone). The form carries its own key: the same form is the same count."""
    page = logged_in.get("/estoque/CAN-CER").text
    form = {"csrf_token": csrf_of(page), "quantidade": "1.500",
            "contagem": re.search(r'name="contagem" value="([0-9a-f]{32})"', page).group(1)}
    assert logged_in.post("/estoque/CAN-CER/contagem", data=form).status_code == 303
    shown = logged_in.get("/estoque/CAN-CER").text
    assert "estoque 1.500 (era -1; ajuste de +1.501)." in shown   # pt-BR numbers (review: "1500", "+1501")
    assert ">+1.501</td>" in shown and "Contagem: 1.500 em estoque" in shown   # the reason too (reread)
    with app.read_uow() as uow:
        store = uow.stores.list()[0].id
    number = import_order(app.uow(), store, order_payload(id=2200000002), ImportPolicy()).order_number
    confirm_sale(app.uow(), generate_sale(app.uow(), number).id)   # a sale in between: one CAN-CER out
    assert product_detail(app.uow(), "CAN-CER")["quantity"] == 1499

    assert logged_in.post("/estoque/CAN-CER/contagem", data=form).status_code == 303   # the same form again
    assert product_detail(app.uow(), "CAN-CER")["quantity"] == 1499
    again = text_of(logged_in.get("/estoque/CAN-CER").text)
    assert "Esta contagem de CAN-CER (1.500 em estoque na hora) já estava registrada: nada foi movimentado de novo" \
        in again   # the count's figure, not said as the balance (1.499 now)
    assert logged_in.post("/estoque/CAN-CER/contagem", data={**form, "quantidade": "7"}).status_code == 303
    assert product_detail(app.uow(), "CAN-CER")["quantity"] == 7   # another quantity: a count of its own


def test_an_entrada_or_saida_adds_to_the_balance_once_per_form(logged_in, app, sale_id):
    """Review: goods received could only be typed as a count, which undid a sale approved meanwhile."""
    page = logged_in.get("/estoque/CAN-CER").text
    assert "O estoque deste produto ainda é da loja: faça a primeira contagem" in page   # no form before a count
    refused = logged_in.post("/estoque/CAN-CER/ajuste", data={"csrf_token": csrf_of(page), "quantidade_ajuste": "5"})
    assert refused.status_code == 409 and "O estoque de CAN-CER ainda é da loja" in refused.text
    logged_in.post("/estoque/CAN-CER/contagem", data={"csrf_token": csrf_of(page), "quantidade": "10"})
    page = logged_in.get("/estoque/CAN-CER").text
    form = {"csrf_token": csrf_of(page), "quantidade_ajuste": "1.000", "motivo": "NF 88 do fornecedor",
            "ajuste": re.search(r'name="ajuste" value="([0-9a-f]{32})"', page).group(1)}
    assert logged_in.post("/estoque/CAN-CER/ajuste", data=form).status_code == 303
    shown = logged_in.get("/estoque/CAN-CER").text
    assert "Entrada de 1.000 unidade(s) de CAN-CER registrada: estoque 1.010." in shown
    assert ">+1.000</td>" in shown and "Entrada: NF 88 do fornecedor" in shown and "Entrada/saída" in shown
    assert logged_in.post("/estoque/CAN-CER/ajuste", data=form).status_code == 303   # the same form again
    assert product_detail(app.uow(), "CAN-CER")["quantity"] == 1010
    assert "Esta entrada de 1.000 unidade(s) de CAN-CER já estava registrada: nada foi movimentado de novo" in \
        text_of(logged_in.get("/estoque/CAN-CER").text)
    out = {"csrf_token": form["csrf_token"], "quantidade_ajuste": "-3", "motivo": "avaria"}
    assert logged_in.post("/estoque/CAN-CER/ajuste", data=out).status_code == 303
    assert product_detail(app.uow(), "CAN-CER")["quantity"] == 1007
    for typed in ("0", "dois", "", "1,5", "+-5"):
        answer = logged_in.post("/estoque/CAN-CER/ajuste", data={**out, "quantidade_ajuste": typed})
        assert answer.status_code == 422 and "Quantidade inválida para CAN-CER" in answer.text, typed
        assert 'name="motivo"' in answer.text and 'value="avaria"' in answer.text   # what was typed stays
    # "+5", as the movements list writes an entrada (review: refused here, taken by the terminal).
    assert logged_in.post("/estoque/CAN-CER/ajuste", data={**out, "quantidade_ajuste": "+5"}).status_code == 303
    assert product_detail(app.uow(), "CAN-CER")["quantity"] == 1012
    # Each refusal under its own field (review: a reason too long was shown under the quantity).
    long = logged_in.post("/estoque/CAN-CER/ajuste", data={**out, "motivo": "x" * 191})
    assert long.status_code == 422 and "Motivo longo demais: 191 caracteres." in long.text
    assert 'maxlength="190"' in long.text
    motivo = long.text.split('id="campo-motivo"')[1].split("</div>")[0]
    assert "Motivo longo demais" in motivo and 'aria-invalid="true"' in motivo
    quantity = long.text.split('id="campo-quantidade_ajuste"')[1].split("</div>")[0]
    assert 'aria-invalid' not in quantity
    beyond = logged_in.post("/estoque/CAN-CER/ajuste", data={**out, "quantidade_ajuste": "-2000"})
    assert beyond.status_code == 409 and "Saída de 2.000 unidade(s) de CAN-CER maior que o estoque (1.012)." in \
        beyond.text


def test_the_movements_name_their_order_and_come_a_page_at_a_time(logged_in, app, sale_id):
    """Review: the movements named only the document (the stock keeper clicked through to find the sale), and a
    product sold all year listed 30,000 of them in one page of 7 MB."""
    from lojasync.stock.adjustments import adjust_stock
    from lojasync.stock.counts import count_stock

    page = logged_in.get("/estoque/CAN-CER").text
    (order,) = set(re.findall(r'<a href="/pedidos/(\d+)">', page))
    assert re.search(rf'<td><a href="/pedidos/{order}">{order}</a></td>', page)
    count_stock(app.uow(), "CAN-CER", 500)
    for _ in range(100):
        adjust_stock(app.uow(), "CAN-CER", -1)
    first = logged_in.get("/estoque/CAN-CER").text
    assert "102 movimentações, página 1 de 2" in first and first.count("Saída avulsa") == 100
    second = logged_in.get("/estoque/CAN-CER", params={"pagina": "2"}).text
    assert "página 2 de 2" in second and "Contagem: 500 em estoque" in second and f'/pedidos/{order}"' in second
    assert 'href="/estoque/CAN-CER?pagina=1"' in second
    assert "Não há página 9" in logged_in.get("/estoque/CAN-CER", params={"pagina": "9"}).text


def test_the_product_page_reads_only_the_movements_it_shows_with_the_whole_ledgers_balances(logged_in, app, sale_id,
                                                                                          monkeypatch):
    """Carried gap: the page loaded a product's whole ledger (a year's sales: 30,000 movements) to show 100 of them.
    Each page now reads its own rows, newest first, and each row's balance is still the whole ledger's up to it."""
    from sqlalchemy import event

    from lojasync.entrypoints.web.pages import stock as stock_pages
    from lojasync.stock.adjustments import adjust_stock
    from lojasync.stock.counts import count_stock
    from lojasync.stock.ledger import StockMovement

    monkeypatch.setattr(stock_pages, "MOVEMENTS_PER_PAGE", 4)
    count_stock(app.uow(), "CAN-CER", 10)
    for quantity in (5, -3, 7, -2, 4, -1, 6):
        adjust_stock(app.uow(), "CAN-CER", quantity)
    whole = [(m["quantity"], m["balance"]) for m in reversed(product_detail(app.uow(), "CAN-CER")["movements"])]
    assert len(whole) == 9 and whole[0][1] == 26   # the sale, the count and the seven entradas and saídas

    loaded: list[int] = []
    listener = lambda target, context: loaded.append(target.id)   # noqa: E731
    event.listen(StockMovement, "load", listener)
    try:
        pages = {n: logged_in.get("/estoque/CAN-CER", params={"pagina": str(n)}).text for n in (1, 2, 3)}
    finally:
        event.remove(StockMovement, "load", listener)
    assert len(loaded) == 9   # 4 + 4 + 1: each page its own rows, not the ledger three times (27)
    shown = {n: [(int(q.replace("+", "")), int(b)) for q, b in
                 re.findall(r'<td class="num">([-+]?\d+)</td>\s*<td class="num">(-?\d+)</td>', page)]
             for n, page in pages.items()}
    assert shown == {1: whole[:4], 2: whole[4:8], 3: whole[8:]}
    assert "9 movimentações, página 2 de 3" in pages[2] and 'id="saldo">26<' in pages[3]


def test_a_count_that_is_not_a_quantity_is_refused_next_to_the_form(logged_in, app, sale_id):
    token = csrf_of(logged_in.get("/estoque/CAN-CER").text)
    for typed in ("-3", "dois", ""):
        answer = logged_in.post("/estoque/CAN-CER/contagem", data={"csrf_token": token, "quantidade": typed})
        assert answer.status_code == 422
        assert "Quantidade contada inválida para CAN-CER" in answer.text
        assert "Informe quantas unidades há em estoque" in answer.text   # the Resolução
    assert product_detail(app.uow(), "CAN-CER")["managed"] is False


def test_a_count_without_the_csrf_token_is_refused(logged_in, app, sale_id):
    answer = logged_in.post("/estoque/CAN-CER/contagem", data={"quantidade": "5"})
    assert answer.status_code == 403
    assert product_detail(app.uow(), "CAN-CER")["managed"] is False


def test_fiscal_data_is_kept_checked_and_refused_in_portuguese(logged_in, app, sale_id):
    token = csrf_of(logged_in.get("/estoque/CAM-ALG-P").text)
    form = {"csrf_token": token, "ncm": "6109.10.00", "cest": "", "origin": "0", "unit": "un",
            "gtin": "7891234567895", "cfop": ""}
    answer = logged_in.post("/estoque/CAM-ALG-P/dados-fiscais", data=form)
    assert answer.status_code == 303
    assert product_detail(app.uow(), "CAM-ALG-P")["fiscal"] == {
        "ncm": "61091000", "cest": None, "origin": "0", "unit": "UN", "gtin": "7891234567895", "cfop": None}

    refused = logged_in.post("/estoque/CAM-ALG-P/dados-fiscais", data={**form, "ncm": "123", "gtin": "7891234567890"})
    assert refused.status_code == 422
    assert "NCM deve ter 8 dígitos: 123" in refused.text and "GTIN/EAN inválido" in refused.text
    assert "Corrija o que foi indicado e tente de novo." in refused.text
    assert 'value="123"' in refused.text                       # what was typed stays in the form
    assert product_detail(app.uow(), "CAM-ALG-P")["fiscal"]["ncm"] == "61091000"


def test_a_long_list_comes_in_pages_that_keep_the_filter(logged_in, app):
    with app.uow() as uow:
        for i in range(105):
            uow.products.add(Product(f"SKU-{i:03d}", f"Produto {i:03d}", Decimal("10.00"), created_by_store=True))
        uow.commit()
    first = logged_in.get("/estoque", params={"filtro": "loja"})
    assert first.text.count('href="/estoque/SKU-') == 100
    assert 'href="/estoque?filtro=loja&amp;pagina=2" rel="next">Próxima página</a>' in first.text
    second = logged_in.get("/estoque", params={"filtro": "loja", "pagina": "2"})
    assert second.text.count('href="/estoque/SKU-') == 5 and "Página 2 de 2" in second.text
    assert 'rel="prev">Página anterior</a>' in second.text
    beyond = logged_in.get("/estoque", params={"filtro": "loja", "pagina": "99"})   # said, as the order list does
    assert beyond.text.count('href="/estoque/SKU-') == 0 and "Não há página 99: a lista tem 2 páginas." in beyond.text
    assert 'href="/estoque?filtro=loja&amp;pagina=1"' in beyond.text



def test_an_unknown_filter_shows_every_product_and_says_why(logged_in, app):
    """pages journey: /estoque?filtro=xx showed every product without a word, where the orders' list says it does not
    know the situation asked for."""
    with app.uow() as uow:
        uow.products.add(Product("SKU-A", "Produto A", Decimal("10.00"), created_by_store=True))
        uow.products.add(Product("SKU-B", "Produto B", Decimal("10.00")))
        uow.commit()
    page = logged_in.get("/estoque", params={"filtro": "xx"})
    assert page.status_code == 200
    assert page.text.count('href="/estoque/SKU-') == 2
    assert "Filtro desconhecido: escolha um da lista." in page.text
    assert "Filtro desconhecido" not in logged_in.get("/estoque", params={"filtro": "loja"}).text

def test_a_sku_with_spaces_and_slashes_has_its_own_page(logged_in, app):
    with app.uow() as uow:
        uow.products.add(Product("KIT 2/3 #A", "Kit de canecas", Decimal("30.00")))
        uow.commit()
    listing = logged_in.get("/estoque")
    assert 'href="/estoque/KIT%202%2F3%20%23A"' in listing.text   # one path segment: "/" is %2F
    page = logged_in.get("/estoque/KIT%202%2F3%20%23A")
    assert page.status_code == 200 and "Kit de canecas" in page.text and "cadastro do ERP" in listing.text
    assert 'action="/estoque/KIT%202%2F3%20%23A/contagem"' in page.text
    answer = logged_in.post("/estoque/KIT%202%2F3%20%23A/contagem", data={"csrf_token": csrf_of(page.text),
                                                                            "quantidade": "4"})
    assert answer.status_code == 303
    assert logged_in.get(answer.headers["location"]).status_code == 200
    assert product_detail(app.uow(), "KIT 2/3 #A")["quantity"] == 4


def test_an_authorised_then_cancelled_nfe_is_in_the_ledger_with_its_link(app, logged_in, store_id, company, sefaz):
    """walk-through: the Documento column named the NF-e by its id ("NF-e 1"), the Motivo by its number ("NF-e nº
    41"): two numbers for one document. The pages name an NF-e by its nº (the link carries the id)."""
    set_company(app.uow(), CompanyData(next_number=41))   # the NF-e's nº is not its id
    (number,) = setup.imported(app, store_id, {"id": 2200000009, "payment_status": "paid"})
    url = setup.invoice_for(app, logged_in, number)
    assert setup.post(logged_in, url, f"{url}/transmitir").status_code == 303
    invoice_id = url.rsplit("/", 1)[1]
    assert invoice_id != "41"
    page = logged_in.get("/estoque/CAM-ALG-P")
    assert f'href="/nfe/{invoice_id}">NF-e nº 41</a>' in page.text
    assert re.search(rf"-2 -2 NF-e nº 41 {number} Baixa: NF-e nº 41 série 1", text_of(page.text))

    cancelled = setup.post(logged_in, url, f"{url}/cancelar", justificativa="Cliente desistiu da compra antes do envio")
    assert cancelled.status_code == 303
    words = text_of(logged_in.get("/estoque/CAM-ALG-P").text)
    assert re.search(rf"\+2 0 NF-e nº 41 cancelada {number} Devolução: NF-e nº 41 série 1 cancelada", words)
    assert product_detail(app.uow(), "CAM-ALG-P")["quantity"] == 0


def test_a_sku_with_dot_segments_links_to_its_own_page_not_another(logged_in, app):
    """`urlencode` kept "/" and ".": the browser would resolve /estoque/A/../../x to /x. As one segment
    (%2F) the link stays on the product, and the `{sku:path}` routes read the SKU back as it was."""
    sku = "A/../../x #1"
    with app.uow() as uow:
        uow.products.add(Product(sku, "Produto com barras", Decimal("5.00")))
        uow.commit()
    link = "/estoque/A%2F..%2F..%2Fx%20%231"
    assert f'href="{link}"' in logged_in.get("/estoque").text
    page = logged_in.get(link)
    assert page.status_code == 200 and "Produto com barras" in page.text
    assert f'action="{link}/contagem"' in page.text and f'action="{link}/dados-fiscais"' in page.text
    answer = logged_in.post(f"{link}/contagem", data={"csrf_token": csrf_of(page.text), "quantidade": "7"})
    assert answer.status_code == 303 and answer.headers["location"] == link
    assert product_detail(app.uow(), sku)["quantity"] == 7


def test_a_product_without_its_own_ncm_says_whether_the_company_default_covers_it(logged_in, app, sale_id):
    """dogfood: the list said "sem NCM" even when the company's default NCM lets the product be invoiced."""

    without = text_of(logged_in.get("/estoque").text)
    assert "Camiseta Algodão P sem NCM" in without and "NCM padrão" not in without
    set_company(app.uow(), CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11222333000181", ie="110042490114",
                                       street="Rua A", number="10", district="Centro", city="São Paulo", uf="SP",
                                       zipcode="01001000", default_ncm="61091000"))
    page = logged_in.get("/estoque").text
    assert "Camiseta Algodão P NCM padrão" in text_of(page) and "sem NCM" not in text_of(page)
    assert "a NF-e usa o NCM padrão da empresa (61091000)" in page


def test_a_product_the_store_sent_without_a_sku_is_reached_counted_and_given_fiscal_data_by_its_id(logged_in, app):
    """effects review: a variant without SKU becomes a product without SKU (matched by its variant id next
    time), and every page, command and API call reached products by SKU only: it could be neither counted nor
    given an NCM. It is now "id:N" wherever a SKU is typed, linked from the list and from its order."""
    lines = [{"id": 1, "product_id": 501, "variant_id": 777, "name": "Brinde Adesivo", "sku": None, "price": "160.00",
              "quantity": 1}]
    number = import_order(app.uow(), make_store(app), order_payload(id=2200000031, products=lines),
                          ImportPolicy()).order_number
    (row,) = stock_overview(app.uow())
    assert (row["sku"], row["reference"]) == (None, f"id:{row['product_id']}")
    reference = row["reference"]
    path = "/estoque/" + reference.replace(":", "%3A")
    assert f'href="{path}"' in logged_in.get("/estoque").text
    for typed in (reference, reference.upper(), str(row["product_id"])):   # the search box takes what the list shows
        assert f'href="{path}"' in logged_in.get("/estoque", params={"busca": typed}).text
    assert f'href="/estoque/{reference}"' in logged_in.get(f"/pedidos/{number}").text

    page = logged_in.get(path)
    assert page.status_code == 200 and f"sem SKU ({reference})" in text_of(page.text)
    token = csrf_of(page.text)
    answer = logged_in.post(f"{path}/contagem", data={"csrf_token": token, "quantidade": "4"})
    assert answer.status_code == 303
    assert f"Contagem de {reference} registrada: estoque 4" in logged_in.get(path).text
    answer = logged_in.post(f"{path}/dados-fiscais", data={"csrf_token": token, "ncm": "49119900", "cest": "",
                                                           "origin": "0", "unit": "UN", "gtin": "", "cfop": ""})
    assert answer.status_code == 303
    detail = product_detail(app.uow(), reference.upper())
    assert (detail["quantity"], detail["managed"], detail["fiscal"]["ncm"]) == (4, True, "49119900")
    missing = logged_in.get("/estoque/id%3A999999")
    assert missing.status_code == 404   # with the way back to the list it speaks of, not to Pedidos/Orçamentos
    assert '<a class="button secondary" href="/estoque">Voltar para o Estoque</a>' in missing.text


def test_a_sku_that_reads_like_an_id_is_still_that_sku(app):
    with app.uow() as uow:
        uow.products.add(Product("id:1", "Produto com SKU estranho", Decimal("1.00")))
        uow.products.add(Product(None, "Produto sem SKU", Decimal("1.00")))
        uow.products.add(Product("ABC-1", "Produto com SKU", Decimal("1.00")))
        uow.commit()
    assert product_detail(app.uow(), "id:1")["name"] == "Produto com SKU estranho"
    without = next(r for r in stock_overview(app.uow()) if r["sku"] is None)
    assert product_detail(app.uow(), without["reference"])["name"] == "Produto sem SKU"
    # integrator review: id:N of a product that has a SKU reached it, so a mistyped N counted another product.
    with_sku = next(r for r in stock_overview(app.uow()) if r["sku"] == "ABC-1")
    with pytest.raises(ProductNotFound):
        product_detail(app.uow(), f"id:{with_sku['product_id']}")


def test_the_list_and_a_product_with_a_trailing_slash_are_sent_on_as_every_other_page(logged_in, app):
    """"/estoque/" is the SKU pattern's route with an empty SKU, not the router's 404: it answered 422 ("informe o
    SKU"), also after the login that "/estoque/" sent to; "/estoque/ABC-1/" said no product has the SKU "ABC-1/".
    Every other page's address with a trailing slash is sent on to the one without (`errors._without_slash`)."""
    with app.uow() as uow:
        uow.products.add(Product("ABC-1", "Caneca", Decimal("30.00")))
        uow.products.add(Product("KIT 2/3", "Kit de canecas", Decimal("30.00")))
        uow.commit()
    listing = logged_in.get("/estoque/?busca=caneca&filtro=loja")
    assert listing.status_code == 307 and listing.headers["location"] == "/estoque?busca=caneca&filtro=loja"
    assert logged_in.get("/estoque//").headers["location"] == "/estoque"
    product = logged_in.get("/estoque/ABC-1/")
    assert product.status_code in (303, 307) and product.headers["location"] == "/estoque/ABC-1"
    kit = logged_in.get("/estoque/KIT%202%2F3/")
    assert kit.status_code in (303, 307) and kit.headers["location"] == "/estoque/KIT%202%2F3"
    # A form's address with the slash goes to its product, as without it; an unknown SKU stays a 404 of its own.
    assert logged_in.get("/estoque/ABC-1/contagem/").headers["location"] == "/estoque/ABC-1"
    assert logged_in.get("/estoque/NAO-EXISTE").status_code == 404


def test_a_gtin_of_the_wrong_length_is_told_its_length_not_its_check_digit(logged_in, app, sale_id):
    """first-day walk: a 6-digit GTIN was refused as "GTIN/EAN inválido (dígito verificador)", and the merchant
    checks a digit that was never the problem: the count of digits is said first."""
    token = csrf_of(logged_in.get("/estoque/CAM-ALG-P").text)
    form = {"csrf_token": token, "ncm": "6109.10.00", "gtin": "789123"}
    short = logged_in.post("/estoque/CAM-ALG-P/dados-fiscais", data=form)
    assert short.status_code == 422
    assert "GTIN/EAN inválido (8, 12, 13 ou 14 dígitos): 789123" in short.text and "dígito verificador" not in short.text
    wrong_digit = logged_in.post("/estoque/CAM-ALG-P/dados-fiscais", data={**form, "gtin": "7891234567890"})
    assert "GTIN/EAN inválido (dígito verificador): 7891234567890" in wrong_digit.text
