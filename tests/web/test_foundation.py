"""The web foundation: pt-BR filters, the layout, flash messages, error pages and JSON errors, static files."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal

from fastapi import Depends, Request

from lojasync.entrypoints.web.auth import api_caller, csrf_protect, page_user
from lojasync.entrypoints.web.security_headers import html_policy
from lojasync.entrypoints.web.templating import flash, redirect, render, templates
from lojasync.sales.errors import OrderNotFound
from lojasync.shared.errors import LojasyncError
from tests.web.conftest import csrf_of


class StoreBusy(LojasyncError):
    code = "test.busy"
    message_template = "A loja {store} está ocupada."
    resolution_template = "Espere um minuto e tente de novo."


def test_filters_write_money_dates_and_documents_in_pt_br():
    env = templates.env
    out = env.from_string("{{ v|money }}|{{ d|date }}|{{ t|datetime }}|{{ c|tax_id }}|{{ n|tax_id }}").render(
        v=Decimal("1234.56"), d=date(2026, 11, 30), t=datetime(2026, 11, 30, 13, 5, tzinfo=timezone.utc),
        c="52998224725", n="11222333000181")
    assert out == "R$ 1.234,56|30/11/2026|30/11/2026 10:05|529.982.247-25|11.222.333/0001-81"


def test_templates_escape_what_they_show():
    assert templates.env.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"


def add_pages(web):
    """Routes of a test: a page with a form, its POST (flash + redirect), pages that fail."""
    app = web.app

    @app.get("/teste")
    def page(request: Request, user=Depends(page_user)):
        return render(request, "error.html", {"title": "Teste", "message": f"Olá {user.email}"})

    @app.post("/teste", dependencies=[Depends(csrf_protect)])
    def post(request: Request, user=Depends(page_user)):
        flash(request, "Pedido salvo <com cuidado>.", "success")
        return redirect(request, "/teste")

    @app.get("/teste/erro")
    def failing(user=Depends(page_user)):
        raise StoreBusy(store="Loja X")

    @app.get("/teste/sumiu")
    def missing(user=Depends(page_user)):
        raise OrderNotFound(number=42)

    @app.get("/api/v1/teste/erro")
    def api_failing(caller=Depends(api_caller)):
        raise StoreBusy(store="Loja X")

    @app.get("/teste/defeito")
    def defect(user=Depends(page_user)):
        raise RuntimeError("segredo interno")


def test_layout_has_navigation_skip_link_logout_and_the_csrf_token(logged_in):
    add_pages(logged_in)
    html = logged_in.get("/teste").text
    for label in ("Pedidos/Orçamentos", "NF-e", "Vendas simples", "Estoque", "Financeiro", "Integração",
                  "Configurações", "Pular para o conteúdo", "Sair", "operador@loja.com.br"):
        assert label in html
    assert 'lang="pt-BR"' in html and 'name="viewport"' in html
    headers = logged_in.get("/teste").headers
    assert headers["x-frame-options"] == "DENY" and headers["cache-control"] == "no-store"
    assert "/static/htmx.min.js" in html and "/static/app.css" in html
    assert csrf_of(html)


def test_every_page_names_its_icon(logged_in):
    """First-day walk: the browser asked /favicon.ico on every page and met a 404 (an error in its console each time):
    the pages name the icon they have."""
    add_pages(logged_in)
    _icon_served(logged_in, logged_in.get("/teste").text)


def test_the_login_page_names_its_icon(web):
    _icon_served(web, web.get("/login").text)


def _icon_served(client, html: str) -> None:
    icon = re.search(r'<link rel="icon" href="([^"]+)" type="image/svg\+xml">', html)
    assert icon is not None, html[:300]
    served = client.get(icon.group(1))
    assert served.status_code == 200 and served.headers["content-type"].startswith("image/svg+xml")


def test_a_flash_message_survives_the_redirect_and_is_shown_once(logged_in):
    add_pages(logged_in)
    token = csrf_of(logged_in.get("/teste").text)
    response = logged_in.post("/teste", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/teste"
    shown = logged_in.get("/teste").text
    assert "Pedido salvo &lt;com cuidado&gt;." in shown and "flash-sucesso" in shown
    assert "Pedido salvo" not in logged_in.get("/teste").text


def test_post_without_or_with_a_wrong_csrf_token_is_refused(logged_in):
    add_pages(logged_in)
    assert logged_in.post("/teste", data={}).status_code == 403
    refused = logged_in.post("/teste", data={"csrf_token": "forjado"})
    assert refused.status_code == 403 and "Formulário recusado" in refused.text
    token = csrf_of(logged_in.get("/teste").text)
    assert logged_in.post("/teste", headers={"X-CSRF-Token": token}).status_code == 303


def test_pages_without_a_session_redirect_to_login_with_the_way_back(web):
    add_pages(web)
    response = web.get("/teste?pagina=2")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=/teste%3Fpagina%3D2"
    htmx = web.get("/teste", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_a_lojasync_error_is_a_page_with_its_resolution_or_json_for_the_api(logged_in, api_token):
    add_pages(logged_in)
    page = logged_in.get("/teste/erro")
    assert page.status_code == 409
    assert "A loja Loja X está ocupada." in page.text and "Resolução:" in page.text
    assert "Espere um minuto e tente de novo." in page.text
    missing = logged_in.get("/teste/sumiu")
    assert missing.status_code == 404 and "Resolução:" in missing.text
    api = logged_in.get("/api/v1/teste/erro", headers={"Authorization": f"Bearer {api_token}"})
    assert api.status_code == 409   # as the page: the same status for the same refusal
    assert api.json() == {"erro": "A loja Loja X está ocupada.", "codigo": "test.busy",
                          "resolucao": "Espere um minuto e tente de novo."}


def test_unknown_pages_get_a_portuguese_404_and_the_api_json(logged_in):
    page = logged_in.get("/nao-existe")
    assert page.status_code == 404 and "Página não encontrada" in page.text
    api = logged_in.get("/api/v1/nao-existe")
    assert api.status_code == 404 and api.json()["codigo"] == "web.not_found"


def test_a_defect_is_a_500_page_with_a_reference_and_no_trace(logged_in):
    from fastapi.testclient import TestClient

    add_pages(logged_in)
    client = TestClient(logged_in.app, raise_server_exceptions=False, cookies=dict(logged_in.cookies))
    response = client.get("/teste/defeito")
    assert response.status_code == 500
    assert "Erro inesperado" in response.text and "referência" in response.text
    assert "segredo interno" not in response.text and "Traceback" not in response.text
    # The protective headers every other answer carries (review: Starlette writes the 500 outside the middleware).
    assert (response.headers["x-frame-options"], response.headers["cache-control"]) == ("DENY", "no-store")
    assert response.headers["x-content-type-options"] == "nosniff"

    @logged_in.app.get("/api/v1/teste/defeito")
    def api_defect():
        raise RuntimeError("segredo interno")

    api = client.get("/api/v1/teste/defeito")
    assert api.status_code == 500 and api.json()["codigo"] == "web.unexpected"
    assert (api.headers["x-frame-options"], api.headers["cache-control"]) == ("DENY", "no-store")


def test_the_api_without_a_token_is_401_json_in_portuguese(web):
    add_pages(web)
    response = web.get("/api/v1/teste/erro")
    assert response.status_code == 401
    assert response.json()["codigo"] == "web.unauthorized" and "token" in response.json()["erro"]
    assert web.get("/api/v1/teste/erro", headers={"Authorization": "Bearer forjado"}).status_code == 401


def test_root_goes_to_the_order_list_and_htmx_is_served_from_the_package(logged_in, web):
    assert logged_in.get("/").headers["location"] == "/pedidos"
    htmx = web.get("/static/htmx.min.js")
    assert htmx.status_code == 200 and "htmx" in htmx.text[:2000]
    assert web.get("/static/app.css").status_code == 200


def test_every_answer_carries_the_protective_headers(web, api_token):
    """review: the API's JSON, redirects, the webhook receiver's answers and the 413 page carried none (or some) of
    the pages' headers."""
    answers = [web.get("/"), web.get("/pedidos"), web.get("/api/v1/orders"), web.get("/healthz"),
               web.get("/api/v1/orders", headers={"Authorization": f"Bearer {api_token}"}),
               web.post("/pedidos/1/rastreio", content=b"x" * (3 << 20),
                        headers={"Content-Type": "application/x-www-form-urlencoded"}),
               web.post("/webhooks/nuvemshop", content=b"{}")]
    assert [a.status_code for a in answers][-2] == 413
    for answer in answers:
        html = answer.headers.get("content-type", "").startswith("text/html")
        assert (answer.headers.get("x-frame-options"), answer.headers.get("x-content-type-options"),
                answer.headers.get("referrer-policy"), answer.headers.get("content-security-policy")) == (
            "DENY", "nosniff", "same-origin", html_policy() if html else "frame-ancestors 'none'"), (
            answer.request.url, answer.headers)
        assert len(answer.headers.get_list("x-frame-options")) == 1   # a page's own is not doubled
        assert len(answer.headers.get_list("content-security-policy")) == 1


def test_no_template_carries_an_inline_script_the_policy_would_block():
    """The pages' policy runs no inline script: one in a template would silently do nothing in the browser."""
    from pathlib import Path

    import lojasync.entrypoints.web as web_package

    folder = Path(web_package.__file__).parent / "templates"
    for template in folder.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"\son[a-z]+\s*=", text), template
        assert not re.search(r"javascript:", text, re.I), template
        for tag in re.findall(r"<script\b[^>]*>", text):
            assert "src=" in tag or 'nonce="{{ nonce }}"' in tag, (template, tag)


def test_a_page_runs_no_script_but_its_sites_own_files(web, logged_in):
    """Store text that got past the templates' escaping would still not run: the pages allow no inline script, no
    event attribute, no script of another origin, and the page's own files (htmx, forms.js) carry none either."""
    page = logged_in.get("/pedidos")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["script-src"] == "'self' 'unsafe-eval'" and policy["object-src"] == "'none'"
    assert policy["default-src"] == "'self'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'" and policy["form-action"] == "'self'"
    assert "<script>" not in page.text and not re.search(r"\son[a-z]+=", page.text)
    # Swagger's page runs its one inline script by a nonce of its own answer, new each time.
    docs = [logged_in.get("/api/v1/docs") for _ in range(2)]
    nonces = [re.search(r"'nonce-([^']+)'", d.headers["content-security-policy"]).group(1) for d in docs]
    assert nonces[0] != nonces[1]
    for answer, nonce in zip(docs, nonces, strict=True):
        assert f'<script nonce="{nonce}">' in answer.text


def test_the_apis_answers_are_kept_by_no_cache(web, api_token, logged_in):
    """review: the pages and the downloads naming a customer say no-store, the API's JSON (the same names, CPFs and
    addresses, also called with the browser's session) said nothing; the Swagger bundle, naming nobody, may be kept."""
    token = {"Authorization": f"Bearer {api_token}"}
    answers = [web.get("/api/v1/orders", headers=token), web.get("/api/v1/orders/424242", headers=token),
               web.get("/api/v1/orders", headers={"Authorization": "Bearer nao-e-um-token"}),
               logged_in.get("/api/v1/stock"), logged_in.get("/api/v1/openapi.json"),
               logged_in.get("/api/v1/docs")]
    assert [a.status_code for a in answers] == [200, 404, 401, 200, 200, 200]
    for answer in answers:
        assert answer.headers.get_list("cache-control") == ["no-store"], (answer.request.url, answer.headers)
    bundle = logged_in.get("/api/v1/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and "no-store" not in bundle.headers.get("cache-control", "")
