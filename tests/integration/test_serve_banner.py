"""What `lojasync serve` prints about the back office when it starts: the login page's address, and how to
create the first user while nobody can log in."""

from __future__ import annotations

from lojasync.accounts.services.users import add_user, disable_user
from lojasync.entrypoints.cli.serve import back_office_lines, back_office_url


def test_with_no_user_serve_says_how_to_create_the_first(app):
    lines = back_office_lines(app, "127.0.0.1", 8000)
    assert lines[0] == "Back office: http://127.0.0.1:8000/login"
    assert "crie o primeiro com 'lojasync users add EMAIL'" in lines[1]


def test_with_an_active_user_only_the_address_is_printed(app):
    add_user(app.accounts_uow(), "ana@loja.com.br", "uma-senha-bem-longa")
    assert back_office_lines(app, "127.0.0.1", 8123) == ["Back office: http://127.0.0.1:8123/login"]
    disable_user(app.accounts_uow(), "ana@loja.com.br")
    lines = back_office_lines(app, "127.0.0.1", 8123)
    assert len(lines) == 2 and "'lojasync users enable EMAIL'" in lines[1]


def test_the_address_for_every_interface_and_ipv6():
    assert back_office_url("0.0.0.0", 8000).startswith("http://127.0.0.1:8000/login (ou o endereço desta máquina")
    assert back_office_url("::1", 9000) == "http://[::1]:9000/login"
    assert back_office_url("erp.loja.local", 80) == "http://erp.loja.local:80/login"
