"""The operator works in the browser and never needs the CLI: no page tells them to run a `lojasync` command.
Fixes that are server settings name the LOJASYNC_* variable for the person who installed the server."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from lojasync.entrypoints.web import templating

WEB = Path(templating.__file__).parent
COMMAND = re.compile(r"lojasync (store|sync|users|tokens|import-rules|company|orders|invoices|products|sales|"
                     r"events|serve|demo|secrets)\b")
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


def test_the_login_page_points_to_the_users_settings(web):
    page = web.get("/login").text
    assert "Configurações → Usuários" in page and not COMMAND.search(page)
