"""The operator works in the browser and never needs the CLI: no page tells them to run a `lojasync` command.
Fixes that are server settings name the LOJASYNC_* variable for the person who installed the server."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from lojasync.accounts.services.users import add_user, disable_user
from lojasync.entrypoints.web import templating
from lojasync.entrypoints.web.terminal_words import for_page
from lojasync.fiscal.services.invoices import generate_invoice
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.views import show_order
from lojasync.shared.errors import LojasyncError
from tests.factories import order_payload, ts
from tests.web import documents_setup as setup
from tests.web.documents_setup import imported, text_of

WEB = Path(templating.__file__).parent
company, store_id = setup.company, setup.store_id
COMMAND = re.compile(r"lojasync (store|sync|users|tokens|import-rules|company|orders|invoices|products|sales|"
                     r"events|serve|demo|secrets|stock|receivables|customers|lgpd|db|worker)\b")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def test_no_template_shows_a_cli_command():
    for template in sorted((WEB / "templates").rglob("*.html")):
        shown = JINJA_COMMENT.sub("", template.read_text(encoding="utf-8"))
        assert not COMMAND.search(shown), f"{template.name}: {COMMAND.search(shown).group()}"


def test_no_page_module_says_a_cli_command():
    """Strings of the page modules (errors, flashes) a person reads; docstrings are for developers."""
    for module in [*sorted((WEB / "pages").glob("*.py")), WEB / "install.py", WEB / "login.py"]:
        tree = ast.parse(module.read_text(encoding="utf-8"))
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef)) and node.body
                      and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                assert not COMMAND.search(node.value), f"{module.name}: {node.value!r}"


def test_the_login_page_points_to_the_users_settings(app, web):
    add_user(app.accounts_uow(), "ana@loja.test", "senha-longa-123")
    page = web.get("/login").text
    assert "Configurações → Usuários" in page and not COMMAND.search(page)


def test_the_login_page_with_nobody_to_log_in_says_where_the_first_user_comes_from(app, web):
    """first-day walk: with no user yet (or all disabled), the login page sent the merchant to Configurações →
    Usuários, a page only a logged-in user reaches. The first user is made on the server; the page says so, and
    that `lojasync serve` shows how, without naming the command (pages show no CLI)."""
    page = text_of(web.get("/login").text)
    assert "Configurações → Usuários" not in page and not COMMAND.search(page)
    assert "Ainda não há usuário ativo" in page and "ao iniciar o lojasync" in page
    add_user(app.accounts_uow(), "ana@loja.test", "senha-longa-123")
    disable_user(app.accounts_uow(), "ana@loja.test")
    # Review: with every user disabled it said only "O primeiro é criado no servidor", and one can be reactivated
    # there too (as `lojasync serve` says). The words name no account's state (test_auth: "desativado" is not said).
    disabled = text_of(web.get("/login").text)
    assert "cria o primeiro usuário (ou reativa um) no servidor" in disabled and "ao iniciar o lojasync" in disabled
    assert "O primeiro é criado" not in disabled and not COMMAND.search(disabled)


def _error_classes(klass=LojasyncError):
    for sub in klass.__subclasses__():
        yield sub
        yield from _error_classes(sub)


def test_no_error_a_page_shows_names_a_cli_command():
    """review (back office): pages show an error's message and resolution as they are, and six of them told the
    operator to run `lojasync stock count ...`, `lojasync receivables undo ...`. The terminal's commands go in
    `terminal_commands`, which the CLI adds and no page shows."""
    import lojasync.entrypoints.web.app  # noqa: F401 - every module whose errors a page can meet

    found = [f"{klass.__module__}.{klass.__name__}.{attr}" for klass in set(_error_classes())
             for attr in ("message_template", "resolution_template")
             if isinstance(klass.__dict__.get(attr), str) and COMMAND.search(klass.__dict__[attr])]
    assert found == []


def test_an_orders_stored_reasons_show_only_the_pages_way(app, logged_in, store_id, company):
    """review (back office): an order's attention reasons, stored for every interface, read "descarte a NF-e
    (lojasync invoices cancel 1, ou na página da NF-e)" on the page. The page drops the command; the terminal keeps it."""
    (number,) = imported(app, store_id, {"id": 2200009101, "payment_status": "paid"})
    generate_invoice(app.uow(), app.cipher, number)
    import_order(app.uow(), store_id, order_payload(id=2200009101, payment_status="paid", status="cancelled",
                                                    updated_at=ts(600)), ImportPolicy())
    stored = show_order(app.uow(), number)["attention_reasons"]
    assert any("(lojasync invoices cancel 1 --reason MOTIVO, ou na página da NF-e)" in reason for reason in stored)   # the terminal's
    # What a person reads: the text and the tooltips (the form's hidden field carries the stored reason back).
    page = logged_in.get(f"/pedidos/{number}").text
    assert not COMMAND.search(text_of(page)) and "descarte a NF-e (na página da NF-e)." in text_of(page)
    listed = logged_in.get("/pedidos").text
    assert "descarte a NF-e (na página da NF-e)." in listed   # the badge's title
    assert not any(COMMAND.search(title) for title in re.findall(r'title="([^"]*)"', page + listed))


def test_the_pages_words_of_a_text_for_every_interface():
    assert for_page("leia-o de novo da loja (Reprocessar; no terminal: lojasync orders resync 5) antes") == \
        "leia-o de novo da loja (Reprocessar) antes"
    assert for_page("cancele-a (lojasync invoices cancel 3 --reason MOTIVO, ou na página da NF-e: o estoque volta); "
                    "se a venda vale") == "cancele-a (na página da NF-e: o estoque volta); se a venda vale"
    assert for_page("(Configurações → Importação, ou lojasync import-rules set --unknown-sku create) e leia") == \
        "(Configurações → Importação) e leia"
    assert for_page("transmitir de novo (Transmitir, na página da NF-e; lojasync invoices approve 1).") == \
        "transmitir de novo (Transmitir, na página da NF-e)."
    assert for_page("instale o certificado de novo (lojasync company certificate ARQUIVO).") == \
        "instale o certificado de novo."
    assert for_page("informe as da empresa (Configurações → Tributos; no terminal, lojasync company taxes)") == \
        "informe as da empresa (Configurações → Tributos)"
    assert for_page("o lojasync consulta a SEFAZ (sem comando)") == "o lojasync consulta a SEFAZ (sem comando)"
    assert for_page(None) is None
