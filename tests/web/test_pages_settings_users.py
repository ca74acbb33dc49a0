"""Configurações → Usuários over the real accounts services: add a user (password typed twice, or generated
and shown once), disable and enable one (never oneself), set a new password; bad input refused in Portuguese
next to its form, and every form needs the CSRF token and the acting person's own password again."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from lojasync.accounts.services.users import add_user, disable_user, list_users
from tests.web.conftest import USER_PASSWORD, log_in

OTHER = "vendas@loja.com.br"
OTHER_PASSWORD = "outra-senha-bem-longa"


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# Each form's "Sua senha" field (the acting person's own password, asked again): the logged-in user's.
CONFIRMED = {"sua_senha": USER_PASSWORD, "sua_senha_novo": USER_PASSWORD, "sua_senha_troca": USER_PASSWORD}


def post(client: TestClient, csrf_of, path: str, data: dict):
    token = csrf_of(client.get("/configuracoes").text)
    return client.post(path, data={"csrf_token": token, **CONFIRMED, **data})


def users_of(app) -> dict[str, object]:
    return {u.email: u for u in list_users(app.accounts_uow())}


def fresh_client(web: TestClient) -> TestClient:
    """Another browser over the same app (its own cookies)."""
    return TestClient(web.app, follow_redirects=False)


def can_log_in(web: TestClient, email: str, password: str) -> bool:
    answer = log_in(fresh_client(web), email, password)
    return answer.status_code == 303 and not answer.headers["location"].startswith("/login")


def test_a_user_is_added_with_a_password_typed_twice(logged_in, app, csrf_of):
    answer = post(logged_in, csrf_of, "/configuracoes/usuarios",
                  {"email": " Vendas@Loja.com.br ", "senha_usuario": OTHER_PASSWORD, "senha_usuario_repetida": OTHER_PASSWORD})
    assert answer.status_code == 303 and answer.headers["location"] == "/configuracoes#usuarios"
    assert users_of(app)[OTHER].active
    assert can_log_in(logged_in, OTHER, OTHER_PASSWORD)
    page = logged_in.get("/configuracoes")
    assert f"Usuário {OTHER} criado." in text_of(page.text)
    assert OTHER in text_of(page.text.split('id="tabela-usuarios"')[1])
    # The column is the user's last login (pages journey: "Último acesso" read as the last page seen).
    assert "Último login" in page.text and "Último acesso" not in page.text


def test_a_generated_password_is_shown_once_and_works(logged_in, app, csrf_of):
    answer = post(logged_in, csrf_of, "/configuracoes/usuarios", {"email": OTHER, "gerar": "1"})
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    password = re.search(r'id="senha-gerada-valor">([^<]+)<', answer.text).group(1)
    assert len(password) >= 20 and "Guarde-a agora" in answer.text
    assert OTHER in users_of(app)
    assert can_log_in(logged_in, OTHER, password)
    # Not in any cookie, and gone from the next page.
    assert password not in str(answer.headers)
    assert password not in logged_in.get("/configuracoes").text


def test_bad_new_users_are_refused_in_portuguese_next_to_the_form(logged_in, app, csrf_of):
    cases = [
        ({"email": OTHER, "senha_usuario": OTHER_PASSWORD, "senha_usuario_repetida": OTHER_PASSWORD + "x"},
         "As duas senhas digitadas são diferentes"),
        ({"email": OTHER, "senha_usuario": "curta", "senha_usuario_repetida": "curta"}, "Senha fraca: tem 5 caracteres"),
        ({"email": "não-é-email", "senha_usuario": OTHER_PASSWORD, "senha_usuario_repetida": OTHER_PASSWORD}, "E-mail inválido"),
        ({"email": logged_in.user_email, "senha_usuario": OTHER_PASSWORD, "senha_usuario_repetida": OTHER_PASSWORD},
         f"Já existe um usuário com o e-mail {logged_in.user_email}"),
    ]
    for form, message in cases:
        answer = post(logged_in, csrf_of, "/configuracoes/usuarios", form)
        assert answer.status_code == 422, form
        words = text_of(answer.text)
        box = text_of(answer.text.split("Usuário não criado")[1].split("</section>")[0])
        assert message in box and "Resolução:" in box, (form, words)
        assert f'value="{html.escape(form["email"])}"' in answer.text  # what was typed stays
    assert set(users_of(app)) == {logged_in.user_email}


def test_disabling_a_user_ends_their_session_and_enabling_lets_them_back(logged_in, app, csrf_of, caplog):
    caplog.set_level("INFO", logger="lojasync.web.users")
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    other = fresh_client(logged_in)
    assert log_in(other, OTHER, OTHER_PASSWORD).status_code == 303
    assert other.get("/pedidos").status_code == 200

    answer = post(logged_in, csrf_of, "/configuracoes/usuarios/desativar", {"email": OTHER})
    assert answer.status_code == 303
    assert not users_of(app)[OTHER].active
    assert other.get("/pedidos").headers["location"].startswith("/login")
    assert not can_log_in(logged_in, OTHER, OTHER_PASSWORD)
    assert f"Usuário {OTHER} desativado; 1 sessão encerrada." in text_of(logged_in.get("/configuracoes").text)

    answer = post(logged_in, csrf_of, "/configuracoes/usuarios/reativar", {"email": OTHER})
    assert answer.status_code == 303
    assert users_of(app)[OTHER].active
    assert can_log_in(logged_in, OTHER, OTHER_PASSWORD)
    # review: no roles, so anyone may disable anyone: who did it to whom is kept in the log.
    audit = [(r.message, r.actor, r.target) for r in caplog.records if r.name == "lojasync.web.users"]
    assert audit == [("user disabled", logged_in.user_email, OTHER), ("user enabled", logged_in.user_email, OTHER)]
    # Again (a second tab, a form sent twice): nothing done, said so, nothing logged as done.
    post(logged_in, csrf_of, "/configuracoes/usuarios/reativar", {"email": OTHER})
    assert f"O usuário {OTHER} já estava ativo: nada mudou." in text_of(logged_in.get("/configuracoes").text)
    assert len([r for r in caplog.records if r.name == "lojasync.web.users"]) == 2


def test_the_page_offers_disable_for_others_and_enable_for_the_disabled(logged_in, app):
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    add_user(app.accounts_uow(), "estoque@loja.com.br", OTHER_PASSWORD)
    disable_user(app.accounts_uow(), "estoque@loja.com.br")
    page = logged_in.get("/configuracoes").text
    assert f'aria-label="Desativar {OTHER}"' in page
    assert 'aria-label="Reativar estoque@loja.com.br"' in page
    assert f'aria-label="Desativar {logged_in.user_email}"' not in page


def test_nobody_disables_themself(logged_in, app, csrf_of):
    answer = post(logged_in, csrf_of, "/configuracoes/usuarios/desativar", {"email": logged_in.user_email.upper()})
    assert answer.status_code == 422
    box = text_of(answer.text.split("Usuário não alterado")[1].split("</section>")[0])
    assert "Você não pode desativar o seu próprio usuário" in box and "Resolução:" in box
    assert users_of(app)[logged_in.user_email].active
    assert logged_in.get("/pedidos").status_code == 200


def test_an_unknown_user_is_refused(logged_in, csrf_of):
    for path in ("/configuracoes/usuarios/desativar", "/configuracoes/usuarios/reativar"):
        answer = post(logged_in, csrf_of, path, {"email": "ninguem@loja.com.br"})
        assert answer.status_code == 422
        assert "Usuário ninguem@loja.com.br não encontrado" in text_of(answer.text)


def test_a_new_password_for_another_user(logged_in, app, csrf_of):
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    other = fresh_client(logged_in)
    log_in(other, OTHER, OTHER_PASSWORD)
    new = "nova-senha-do-vendedor"
    answer = post(logged_in, csrf_of, "/configuracoes/usuarios/senha",
                  {"usuario": OTHER, "nova_senha": new, "nova_senha_repetida": new})
    assert answer.status_code == 303
    assert can_log_in(logged_in, OTHER, new) and not can_log_in(logged_in, OTHER, OTHER_PASSWORD)
    assert other.get("/pedidos").headers["location"].startswith("/login")  # the old session ended
    assert logged_in.get("/pedidos").status_code == 200                    # not the admin's

    answer = post(logged_in, csrf_of, "/configuracoes/usuarios/senha", {"usuario": OTHER, "gerar": "1"})
    assert answer.status_code == 200
    generated = re.search(r'id="senha-gerada-valor">([^<]+)<', answer.text).group(1)
    assert can_log_in(logged_in, OTHER, generated) and not can_log_in(logged_in, OTHER, new)


def test_bad_new_passwords_are_refused(logged_in, app, csrf_of):
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    for form, message in [
        ({"usuario": OTHER, "nova_senha": "uma-senha-longa", "nova_senha_repetida": "outra-senha-longa"},
         "As duas senhas digitadas são diferentes"),
        ({"usuario": OTHER, "nova_senha": "", "nova_senha_repetida": ""}, "Senha fraca"),
        ({"usuario": "ninguem@loja.com.br", "nova_senha": OTHER_PASSWORD * 2,
          "nova_senha_repetida": OTHER_PASSWORD * 2}, "não encontrado"),
    ]:
        answer = post(logged_in, csrf_of, "/configuracoes/usuarios/senha", form)
        assert answer.status_code == 422
        box = text_of(answer.text.split("Senha não trocada")[1].split("</section>")[0])
        assert message in box and "Resolução:" in box
    assert can_log_in(logged_in, OTHER, OTHER_PASSWORD)


def test_changing_ones_own_password_asks_to_log_in_again(logged_in, csrf_of):
    new = "minha-senha-nova-123"
    answer = post(logged_in, csrf_of, "/configuracoes/usuarios/senha",
                  {"usuario": logged_in.user_email, "nova_senha": new, "nova_senha_repetida": new})
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    assert logged_in.get("/configuracoes").headers["location"].startswith("/login")
    assert "Sua senha foi trocada" in text_of(logged_in.get("/login").text)
    assert can_log_in(logged_in, logged_in.user_email, new)
    assert not can_log_in(logged_in, logged_in.user_email, USER_PASSWORD)


def test_every_users_form_needs_the_csrf_token(logged_in, app):
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    forms = {"/configuracoes/usuarios": {"email": "x@loja.com.br", "gerar": "1"},
             "/configuracoes/usuarios/desativar": {"email": OTHER},
             "/configuracoes/usuarios/reativar": {"email": OTHER},
             "/configuracoes/usuarios/senha": {"usuario": OTHER, "gerar": "1"}}
    for path, data in forms.items():
        assert logged_in.post(path, data=data).status_code == 403, path
        assert logged_in.post(path, data={**data, "csrf_token": "falso"}).status_code == 403, path
    assert set(users_of(app)) == {logged_in.user_email, OTHER} and users_of(app)[OTHER].active
    assert can_log_in(logged_in, OTHER, OTHER_PASSWORD)


def test_the_forms_need_a_login(web):
    answer = web.post("/configuracoes/usuarios", data={"email": OTHER, "gerar": "1"})
    assert answer.status_code in (303, 403)
    assert OTHER not in answer.text


def test_the_page_has_no_two_fields_with_the_same_id(logged_in, app):
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    ids = re.findall(r'\bid="([^"]+)"', logged_in.get("/configuracoes").text)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


# Each form, what it sends besides the confirmation, the title of its error box, and how to tell that it did
# nothing.
FORMS = {
    "/configuracoes/usuarios": ({"email": "novo@loja.com.br", "senha_usuario": OTHER_PASSWORD,
                                 "senha_usuario_repetida": OTHER_PASSWORD}, "Usuário não criado", "sua_senha_novo"),
    "/configuracoes/usuarios/desativar": ({"email": OTHER}, "Usuário não alterado", "sua_senha"),
    "/configuracoes/usuarios/reativar": ({"email": "parado@loja.com.br"}, "Usuário não alterado", "sua_senha"),
    "/configuracoes/usuarios/senha": ({"usuario": OTHER, "nova_senha": "nova-senha-do-vendedor",
                                       "nova_senha_repetida": "nova-senha-do-vendedor"}, "Senha não trocada",
                                      "sua_senha_troca"),
}


def unchanged(app, web) -> bool:
    users = users_of(app)
    return ("novo@loja.com.br" not in users and users[OTHER].active and not users["parado@loja.com.br"].active
            and can_log_in(web, OTHER, OTHER_PASSWORD))


def test_every_change_asks_for_the_acting_persons_own_password(app, clock, logged_in, csrf_of):
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    add_user(app.accounts_uow(), "parado@loja.com.br", OTHER_PASSWORD)
    disable_user(app.accounts_uow(), "parado@loja.com.br")
    page = logged_in.get("/configuracoes").text
    for path, (form, title, field) in FORMS.items():
        assert f'name="{field}"' in page.split(f'action="{path}"')[1].split("</form>")[0], path
        # Missing, wrong, or the password of the user being changed: refused next to the form, nothing done.
        for confirmation in ("", "senha-errada-123", OTHER_PASSWORD):
            answer = post(logged_in, csrf_of, path, {**form, field: confirmation})
            assert answer.status_code == 422, (path, confirmation)
            box = text_of(answer.text.split(title)[1].split("</section>")[0])
            assert "A sua senha não confere; nada foi alterado." in box and "Resolução:" in box
        assert unchanged(app, logged_in), path
        clock.advance(minutes=16)  # three mistakes per form; together they would be throttled (next test)
    # With it, each goes through.
    for path, (form, _, _) in FORMS.items():
        assert post(logged_in, csrf_of, path, form).status_code == 303, path
    users = users_of(app)
    assert "novo@loja.com.br" in users and not users[OTHER].active and users["parado@loja.com.br"].active


def test_wrong_confirmations_are_throttled_without_locking_the_login(app, clock, logged_in, csrf_of):
    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    path, (form, _, field) = "/configuracoes/usuarios/desativar", FORMS["/configuracoes/usuarios/desativar"]
    answers = [post(logged_in, csrf_of, path, {**form, field: f"tentativa-{n}-errada"}) for n in range(5)]
    # The fifth starts the wait and says so: 429 with Retry-After, as the login answers its own throttle.
    assert [a.status_code for a in answers] == [422] * 4 + [429]
    assert "Muitas confirmações de senha erradas. Aguarde 1 minuto" in text_of(answers[-1].text)
    assert answers[-1].headers["retry-after"] == "60"
    # Blocked: even the right password is not checked now...
    blocked = post(logged_in, csrf_of, path, form)
    assert blocked.status_code == 429 and "Muitas confirmações" in text_of(blocked.text)
    assert 0 < int(blocked.headers["retry-after"]) <= 60
    assert users_of(app)[OTHER].active
    # ...but whoever holds this session has not locked the person out of logging in.
    assert can_log_in(logged_in, logged_in.user_email, USER_PASSWORD)
    clock.advance(minutes=1, seconds=1)
    assert post(logged_in, csrf_of, path, form).status_code == 303
    assert not users_of(app)[OTHER].active


def test_a_confirmation_the_server_is_too_busy_to_check_is_not_counted(app, logged_in, csrf_of, monkeypatch):
    """security review: with every place to check a password taken, a confirmation is answered 503 with
    Retry-After, and (review of that fix) not counted as a wrong one: five of them blocked the person's own."""
    from lojasync.accounts import passwords

    add_user(app.accounts_uow(), OTHER, OTHER_PASSWORD)
    path, (form, _, _field) = "/configuracoes/usuarios/desativar", FORMS["/configuracoes/usuarios/desativar"]
    monkeypatch.setattr(passwords, "BUSY_WAIT", 0.05)
    for _ in range(passwords.CONCURRENT_CHECKS):
        assert passwords._checks.acquire(timeout=1)
    try:
        answers = [post(logged_in, csrf_of, path, form) for _ in range(6)]
    finally:
        for _ in range(passwords.CONCURRENT_CHECKS):
            passwords._checks.release()
    assert {(a.status_code, a.headers["retry-after"]) for a in answers} == {(503, "5")}
    assert "Muitas senhas sendo conferidas ao mesmo tempo neste servidor" in text_of(answers[0].text)
    assert users_of(app)[OTHER].active
    assert post(logged_in, csrf_of, path, form).status_code == 303 and not users_of(app)[OTHER].active
