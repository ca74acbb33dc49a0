"""The seed's flow in a real browser: an order paid in the store reaches Pedidos/Orçamentos by itself, becomes
an NF-e authorised by the SEFAZ simulator (stock down, receivables up) and is cancelled (both back); an order
without CPF says why and is linked by hand; three orders are invoiced in one go; no page opens without login."""

from __future__ import annotations

import re
from urllib.parse import quote

from playwright.sync_api import expect

from tests.browser.accessibility import accessibility_problems


def log_in(page, back_office, path: str = "/pedidos") -> None:
    page.goto(back_office.url + path)
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.get_by_label("E-mail").fill(back_office.email)
    page.get_by_label("Senha").fill(back_office.password)
    page.get_by_role("button", name="Entrar").click()
    expect(page).to_have_url(back_office.url + path)


def test_pages_without_a_session_send_to_the_login_and_back(page, shots, back_office):
    for path in ("/pedidos", "/nfe", "/vendas", "/estoque", "/financeiro", "/integracao", "/configuracoes"):
        page.goto(back_office.url + path)
        expect(page).to_have_url(re.compile(r"/login\?next=(/|%2F)" + path[1:] + "$"))
        expect(page.get_by_role("heading", name="Entrar no lojasync")).to_be_visible()
    shots(page, "login")

    page.get_by_label("E-mail").fill(back_office.email)
    page.get_by_label("Senha").fill("senha-errada-de-proposito")
    page.get_by_role("button", name="Entrar").click()
    expect(page.get_by_text("Não foi possível entrar")).to_be_visible()
    shots(page, "login-recusado")

    page.get_by_label("Senha").fill(back_office.password)
    page.get_by_role("button", name="Entrar").click()
    # Back to the page that was asked for (the last one), logged in.
    expect(page).to_have_url(back_office.url + "/configuracoes")
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_visible()
    page.get_by_role("button", name="Sair").click()
    expect(page).to_have_url(re.compile(r"/login"))
    page.goto(back_office.url + "/pedidos")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def number(text: str) -> int:
    """A pt-BR integer as shown ("1.234", "-3", "−3")."""
    return int(text.strip().replace(".", "").replace("\u2212", "-"))


def order_row(page, store_order: dict):
    """The row of Pedidos/Orçamentos that shows this store order (its "Loja virtual #N" badge)."""
    badge = page.get_by_text(f"Loja virtual #{store_order['number']}", exact=True)
    return page.locator("#tabela-pedidos tbody tr").filter(has=badge)


def stock_by_sku(page, back_office, skus) -> dict[str, int]:
    """The Estoque column of each product, found with the page's own search (the list is paginated)."""
    found = {}
    for sku in skus:
        page.goto(f"{back_office.url}/estoque?busca={quote(sku)}")
        expect(page.get_by_role("heading", name="Estoque", exact=True)).to_be_visible()
        row = page.locator("tbody tr").filter(has=page.get_by_role("link", name=sku, exact=True))
        found[sku] = number(row.locator("td").nth(2).inner_text())
    return found


def order_lines(page) -> dict[str, int]:
    """SKU → quantity from the Itens table of the order's page (lines with a SKU: the store sells a few
    variants without one, which Estoque cannot be searched by)."""
    section = page.locator("section").filter(has=page.get_by_role("heading", name="Itens"))
    lines: dict[str, int] = {}
    for row in section.locator("tbody tr").filter(has=page.locator("td:first-child a")).all():
        cells = row.locator("td")
        sku = cells.nth(0).inner_text().strip()
        lines[sku] = lines.get(sku, 0) + number(cells.nth(2).inner_text())
    return lines


def test_an_order_paid_in_the_store_becomes_an_nfe_that_moves_stock_and_money_and_is_cancelled(
        page, shots, back_office):
    log_in(page, back_office)
    expect(page.get_by_role("heading", name="Pedidos/Orçamentos")).to_be_visible()
    page.evaluate("window.semRecarregar = true")  # gone if the page is reloaded
    shots(page, "pedidos-antes")

    store_order = back_office.place_order(paid=True)
    row = order_row(page, store_order)
    expect(row).to_have_count(1)
    expect(row.get_by_text("Confirmado", exact=True)).to_be_visible()
    assert page.evaluate("window.semRecarregar") is True, "a página foi recarregada"
    shots(page, "pedidos-chegou-confirmado")

    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name=re.compile(r"^Pedido \d+$"))).to_be_visible()
    order_number = page.get_by_role("heading", name=re.compile(r"^Pedido \d+$")).inner_text().split()[-1]
    expect(page.get_by_text(f"Loja virtual #{store_order['number']}")).to_be_visible()
    total = page.locator("dl.facts dt:text-is('Total') + dd").first.inner_text()
    lines = order_lines(page)
    assert lines, "o pedido não mostra itens"
    shots(page, "pedido")

    before = stock_by_sku(page, back_office, lines)
    page.goto(f"{back_office.url}/pedidos/{order_number}")
    page.get_by_text("Mais ações", exact=True).click()
    page.get_by_role("button", name="NF-e", exact=True).click()
    expect(page).to_have_url(re.compile(r"/nfe/\d+$"))
    nfe_url = page.url
    expect(page.locator(".page-head .badge").first).to_have_text(re.compile("pendente", re.I))
    shots(page, "nfe-gerada")
    # Generating moves nothing.
    assert stock_by_sku(page, back_office, lines) == before

    page.goto(nfe_url)
    page.get_by_role("button", name="Transmitir").click()
    expect(page.locator(".page-head .badge").first).to_have_text(re.compile("autorizada", re.I))
    expect(page.get_by_text("estoque baixado e contas a receber criadas")).to_be_visible()
    shots(page, "nfe-autorizada")
    access_key = page.locator("dl.facts dt:text-is('Chave de acesso') + dd").inner_text().strip()
    assert re.fullmatch(r"\d{44}", access_key), access_key
    with page.expect_download() as download:
        page.get_by_role("link", name="Baixar XML").click()
    assert f"NFe{access_key}" in download.value.path().read_text(encoding="utf-8")
    danfe = page.request.get(back_office.url + page.get_by_role("link", name="DANFE (PDF)").get_attribute("href"))
    assert danfe.ok and danfe.headers["content-type"] == "application/pdf" and danfe.body().startswith(b"%PDF")

    assert stock_by_sku(page, back_office, lines) == {sku: before[sku] - qty for sku, qty in lines.items()}
    shots(page, "estoque-baixado")
    page.goto(f"{back_office.url}/financeiro?pedido={order_number}")
    receivables = page.locator("tbody tr[id^='conta-']")
    expect(receivables.first).to_be_visible()
    for situation in receivables.locator("td:nth-child(8) .badge").all_inner_texts():
        assert situation.strip().casefold() == "em aberto"
    expect(page.locator("#total-mostrado")).to_have_text(total)
    shots(page, "financeiro-contas")

    page.goto(nfe_url)
    page.get_by_label("Justificativa do cancelamento").fill("Pedido devolvido pelo cliente na loja")
    page.get_by_role("button", name="Cancelar NF-e").click()
    expect(page.locator(".page-head .badge").first).to_have_text(re.compile("cancelada", re.I))
    expect(page.get_by_text(re.compile(r"estoque devolvido; \d+ conta\(s\) a receber cancelada\(s\)"))).to_be_visible()
    shots(page, "nfe-cancelada")

    assert stock_by_sku(page, back_office, lines) == before
    shots(page, "estoque-devolvido")
    page.goto(f"{back_office.url}/financeiro?pedido={order_number}")
    expect(receivables.first).to_be_visible()
    for situation in receivables.locator("td:nth-child(8) .badge").all_inner_texts():
        assert situation.strip().casefold() == "cancelada"
    shots(page, "financeiro-canceladas")


def test_an_order_without_cpf_says_why_and_is_linked_by_hand(page, shots, back_office):
    log_in(page, back_office)
    store_order = back_office.place_order(document=None)
    row = order_row(page, store_order)
    expect(row.get_by_text("Sem cliente vinculado: cliente sem CPF/CNPJ na loja")).to_be_visible()
    shots(page, "pedidos-sem-cliente")

    row.get_by_role("link").first.click()
    customer = page.locator("section#cliente")
    expect(customer.get_by_text("Sem cliente vinculado")).to_be_visible()
    expect(customer.get_by_text("cliente sem CPF/CNPJ na loja")).to_be_visible()
    shots(page, "pedido-sem-cliente")

    # An NF-e needs the customer: the menu does not offer it and says what it needs, in Portuguese (pages journey:
    # it was offered, then refused); the venda simples, which needs none, is offered.
    page.get_by_text("Mais ações", exact=True).click()
    menu = page.get_by_test_id("mais-acoes")
    expect(menu.get_by_text("NF-e: o pedido não tem cliente com CPF/CNPJ")).to_be_visible()
    expect(menu.get_by_role("button", name="NF-e", exact=True)).to_have_count(0)
    expect(menu.get_by_role("button", name="Venda simples", exact=True)).to_be_visible()
    expect(page.get_by_text("Traceback")).to_have_count(0)
    shots(page, "nfe-sem-cliente")
    page.get_by_text("Mais ações", exact=True).click()   # closed again, the customer's form below in view

    customer.get_by_label("CPF ou CNPJ do cliente").fill("529.982.247-25")
    customer.get_by_label("Nome (para cadastrar um cliente novo)").fill("Maria das Dores")
    customer.get_by_role("button", name="Vincular cliente").click()
    expect(page.get_by_text(re.compile(r"Pedido \d+ vinculado a"))).to_be_visible()
    expect(customer.get_by_text("Maria das Dores (529.982.247-25)")).to_be_visible()
    expect(customer.get_by_text("vinculado manualmente")).to_be_visible()
    shots(page, "pedido-vinculado")
    page.get_by_text("Mais ações", exact=True).click()   # with the customer, the NF-e is offered
    expect(page.get_by_test_id("mais-acoes").get_by_role("button", name="NF-e", exact=True)).to_be_visible()


def test_three_orders_are_invoiced_in_one_batch(page, shots, back_office):
    log_in(page, back_office)
    placed = [back_office.place_order(paid=True) for _ in range(3)]
    rows = [order_row(page, order) for order in placed]
    for row in rows:
        expect(row.get_by_text("Confirmado", exact=True)).to_be_visible()
    numbers = []
    for row in rows:
        number_link = row.get_by_role("link").first
        numbers.append(number_link.inner_text().strip())
        # Checking a box pauses the table's refresh: the rows stay put under the operator's hand.
        row.get_by_role("checkbox").check()
    shots(page, "lote-selecionados")
    page.get_by_role("button", name="Gerar NF-e em lote").click()

    expect(page.get_by_role("heading", name="NF-e em lote")).to_be_visible()
    expect(page.get_by_text("3 NF-e autorizada(s)")).to_be_visible()
    for order_number in numbers:
        authorised = page.get_by_test_id(f"lote-autorizada-{order_number}")
        expect(authorised.get_by_text("autorizada", exact=False)).to_be_visible()
    shots(page, "lote-resumo")
    # The summary has an address of its own: a reload shows the same batch (a GET: nothing sent again).
    expect(page).to_have_url(re.compile(r"/pedidos/nfe-em-lote/\d+$"))
    summary = page.url
    page.reload()
    expect(page.get_by_text("3 NF-e autorizada(s) de 3 pedido(s).")).to_be_visible()

    page.goto(back_office.url + "/nfe")
    for order_number in numbers:
        invoice = page.locator("tbody tr").filter(has=page.locator(f"a[href='/pedidos/{order_number}']"))
        expect(invoice).to_have_count(1)
        expect(invoice.get_by_text("autorizada", exact=True)).to_be_visible()
    shots(page, "nfe-lista")
    page.go_back()                                   # the browser's history brings the summary back
    expect(page).to_have_url(summary)
    expect(page.get_by_text("3 NF-e autorizada(s) de 3 pedido(s).")).to_be_visible()
    # Its page closed, a batch is found again in the list of recent ones.
    page.get_by_role("link", name="Lotes anteriores").click()
    expect(page.get_by_role("heading", name="Lotes de NF-e")).to_be_visible()
    row = page.get_by_test_id(f"lote-{summary.rsplit('/', 1)[1]}")
    expect(row.get_by_text("concluído")).to_be_visible()
    assert accessibility_problems(page) == []
    shots(page, "lotes")
    row.get_by_role("link").click()
    expect(page).to_have_url(summary)


SECTIONS = [("Pedidos/Orçamentos", "/pedidos"), ("NF-e", "/nfe"), ("Vendas simples", "/vendas"),
            ("Estoque", "/estoque"), ("Financeiro", "/financeiro"), ("Integração", "/integracao"),
            ("Configurações", "/configuracoes")]


def test_every_section_opens_from_the_menu_by_keyboard_and_fits_a_phone(page, shots, back_office):
    store_order = back_office.place_order(paid=True)
    back_office.erp_order(store_order, status="Confirmado")
    log_in(page, back_office)
    menu = page.get_by_role("navigation", name="Menu principal")
    problems = {}
    for name, path in SECTIONS:
        menu.get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(back_office.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        expect(menu.get_by_role("link", name=name, exact=True)).to_have_attribute("aria-current", "page")
        shots(page, path.strip("/"))
        problems[path] = accessibility_problems(page)
    # The company of the harness, with its test certificate, is ready to issue.
    expect(page.get_by_text("pronta para emitir NF-e", exact=True)).to_be_visible()

    # The order's page has most forms (customer link, Mais ações): checked too.
    page.goto(f"{back_office.url}/pedidos")
    order_row(page, store_order).get_by_role("link").first.click()
    expect(page).to_have_url(re.compile(r"/pedidos/\d+$"))
    problems["pedido"] = accessibility_problems(page)
    assert not any(problems.values()), {path: found for path, found in problems.items() if found}

    # The keyboard: the first Tab reaches the skip link, which takes focus to the content.
    page.goto(back_office.url + "/pedidos")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Pular para o conteúdo")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main#conteudo")).to_be_focused()

    # A phone: the pages fit the screen's width (wide tables scroll inside their own box).
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in SECTIONS:
        page.goto(back_office.url + path)
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name}: a página passa {overflow} px da largura do celular"
        shots(page, "celular-" + path.strip("/"))


def test_a_venda_simples_moves_stock_only_when_confirmed_and_gives_it_back_when_cancelled(page, shots, back_office):
    store_order = back_office.place_order()
    erp = back_office.erp_order(store_order, status="Em Aberto")
    log_in(page, back_office, f"/pedidos/{erp['number']}")
    lines = order_lines(page)
    before = stock_by_sku(page, back_office, lines)

    page.goto(f"{back_office.url}/pedidos/{erp['number']}")
    page.get_by_text("Mais ações", exact=True).click()
    page.get_by_role("button", name="Venda simples", exact=True).click()
    expect(page).to_have_url(re.compile(r"/vendas/\d+$"))
    sale_url = page.url
    expect(page.locator(".page-head .badge")).to_have_text(re.compile("pendente", re.I))
    shots(page, "venda-gerada")
    assert stock_by_sku(page, back_office, lines) == before

    page.goto(sale_url)
    page.get_by_role("button", name="Confirmar").click()
    expect(page.locator(".page-head .badge")).to_have_text(re.compile("confirmada", re.I))
    shots(page, "venda-confirmada")
    assert stock_by_sku(page, back_office, lines) == {sku: before[sku] - qty for sku, qty in lines.items()}
    page.goto(f"{back_office.url}/financeiro?pedido={erp['number']}")
    expect(page.locator("tbody tr[id^='conta-']").first).to_be_visible()

    page.goto(sale_url)
    page.get_by_role("button", name="Cancelar venda simples").click()
    expect(page.locator(".page-head .badge")).to_have_text(re.compile("cancelada", re.I))
    shots(page, "venda-cancelada")
    assert stock_by_sku(page, back_office, lines) == before


def test_integracao_shows_the_store_and_a_full_sync_brings_its_history(page, shots, back_office):
    store_id = back_office.live.simulator_server.store_id
    history = len(back_office.simulator.orders())
    log_in(page, back_office, "/integracao")
    store = page.locator(f"article#loja-{store_id}")
    expect(store.get_by_role("heading")).to_contain_text("ativa")
    shots(page, "integracao")

    store.get_by_role("button", name=f"Sincronização completa da loja {store_id}").click()
    expect(page.get_by_text(re.compile(r"Sincronização completa da loja \d+ na fila"))).to_be_visible()
    page.goto(back_office.url + "/pedidos")
    # The worker reads the store's history; the table refreshes itself as the orders arrive.
    expect(page.locator("#tabela-pedidos caption")).to_contain_text(f"{history} pedido(s)", timeout=60_000)
    shots(page, "pedidos-historico")


def test_swagger_opened_with_the_session_can_call_what_changes_something(page, shots, back_office):
    log_in(page, back_office)
    page.goto(back_office.url + "/api/v1/docs")
    expect(page.get_by_role("heading", name=re.compile("lojasync API"))).to_be_visible()
    shots(page, "api-docs")
    # The request "Try it out" would send, through Swagger UI's own interceptor, then sent for real.
    statuses = page.evaluate("""async () => {
        const call = headers => fetch('/api/v1/receivables/424242/receive', {method: 'POST', headers})
            .then(answer => answer.status);
        const intercepted = ui.getConfigs().requestInterceptor({method: 'POST', headers: {}});
        return [await call(intercepted.headers), await call({})];
    }""")
    assert statuses == [404, 403]   # past the CSRF check (no such receivable); refused without the token
