"""Configurações → Usuários: add a user (password typed twice, or generated and shown once), disable or enable
one, set a new password; the same account services as `lojasync users ...`. Each form also asks for the
acting person's own password ("Sua senha"), checked before anything changes (accounts/services/reauth.py)."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.accounts.errors import ConfirmationThrottled, PasswordChecksBusy
from lojasync.accounts.passwords import generate_password
from lojasync.accounts.services.reauth import confirm_password
from lojasync.accounts.services.users import add_user, disable_user, enable_user, set_password
from lojasync.accounts.users import normalize_email
from lojasync.entrypoints.web.auth import PageUser, WebUser, csrf_protect, login_url, now, page_user
from lojasync.entrypoints.web.pages.settings import settings_view
from lojasync.entrypoints.web.templating import flash, redirect
from lojasync.shared.errors import LojasyncError

router = APIRouter(dependencies=[Depends(page_user)])
SECTION = "/configuracoes#usuarios"


class PasswordsDiffer(LojasyncError):
    code = "web.passwords_differ"
    message_template = "As duas senhas digitadas são diferentes; nada foi gravado."
    resolution_template = "Digite a mesma senha nos dois campos, ou use \"Gerar senha\"."


class CannotDisableYourself(LojasyncError):
    code = "web.cannot_disable_yourself"
    message_template = "Você não pode desativar o seu próprio usuário ({email})."
    resolution_template = "Peça a outra pessoa com acesso ao back office para desativá-lo em Configurações → Usuários."


def _chosen_password(password: str, confirmation: str, generate: str) -> tuple[str, bool]:
    """The password generated ("Gerar senha") or the one typed twice; True when generated."""
    if generate:
        return generate_password(), True
    if password != confirmation:
        raise PasswordsDiffer()
    return password, False


def _confirm(request: Request, me: WebUser, password: str) -> None:
    """The acting person's own password, again (argon2: off the event loop, as these routes are sync)."""
    confirm_password(request.app.state.container.accounts_uow(), me.email, password, now(request))


def _sessions(count: int) -> str:
    return f"{count} sessão encerrada" if count == 1 else f"{count} sessões encerradas"


# Every user manages every other (there are no roles): who added, disabled, enabled or set whose password is kept
# in the log, since a password reset or a user disabled by mistake (or not) was traceable to no one.
audit = logging.getLogger("lojasync.web.users")


def _audit(action: str, me, target: str, **details: object) -> None:
    audit.info(action, extra={"actor": me.email, "target": target, **details})


@router.post("/configuracoes/usuarios", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def user_add(request: Request, me: PageUser, email: Annotated[str, Form()] = "",
             senha_usuario: Annotated[str, Form()] = "", senha_usuario_repetida: Annotated[str, Form()] = "",
             gerar: Annotated[str, Form()] = "", sua_senha_novo: Annotated[str, Form()] = "") -> Response:
    # Field names of their own: the certificate form on the same page already has a "senha", and each form's
    # field has its own id.
    container = request.app.state.container
    try:
        _confirm(request, me, sua_senha_novo)
        secret, generated = _chosen_password(senha_usuario, senha_usuario_repetida, gerar)
        user = add_user(container.accounts_uow(), email, secret)
    except LojasyncError as exc:
        return _refused(request, exc, errors={"user_add": exc}, user_add_email=email)
    _audit("user added", me, user.email)
    if generated:
        # Shown on this answer itself, never put in the flash cookie: the password is not stored anywhere
        # (render sends no-store), and a reload does not show it again.
        return settings_view(request, 200, generated={"email": user.email, "password": secret, "created": True})
    flash(request, f"Usuário {user.email} criado.", "success")
    return redirect(request, SECTION)


@router.post("/configuracoes/usuarios/desativar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def user_disable(request: Request, me: PageUser, email: Annotated[str, Form()] = "",
                 sua_senha: Annotated[str, Form()] = "") -> Response:
    container = request.app.state.container
    try:
        if _same(email, me.email):
            raise CannotDisableYourself(email=me.email)
        _confirm(request, me, sua_senha)
        user, ended, changed = disable_user(container.accounts_uow(), email)
    except LojasyncError as exc:
        return _refused(request, exc, errors={"user_action": exc})
    if not changed:
        flash(request, f"O usuário {user.email} já estava desativado: nada mudou.", "info")
        return redirect(request, SECTION)
    _audit("user disabled", me, user.email, sessions_ended=ended)
    flash(request, f"Usuário {user.email} desativado; {_sessions(ended)}.", "success")
    return redirect(request, SECTION)


@router.post("/configuracoes/usuarios/reativar", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def user_enable(request: Request, me: PageUser, email: Annotated[str, Form()] = "",
                sua_senha: Annotated[str, Form()] = "") -> Response:
    container = request.app.state.container
    try:
        _confirm(request, me, sua_senha)
        user, changed = enable_user(container.accounts_uow(), email)
    except LojasyncError as exc:
        return _refused(request, exc, errors={"user_action": exc})
    if not changed:
        flash(request, f"O usuário {user.email} já estava ativo: nada mudou.", "info")
        return redirect(request, SECTION)
    _audit("user enabled", me, user.email)
    flash(request, f"Usuário {user.email} reativado.", "success")
    return redirect(request, SECTION)


@router.post("/configuracoes/usuarios/senha", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def user_password(request: Request, me: PageUser, usuario: Annotated[str, Form()] = "",
                  nova_senha: Annotated[str, Form()] = "", nova_senha_repetida: Annotated[str, Form()] = "",
                  gerar: Annotated[str, Form()] = "", sua_senha_troca: Annotated[str, Form()] = "") -> Response:
    container = request.app.state.container
    try:
        _confirm(request, me, sua_senha_troca)
        secret, generated = _chosen_password(nova_senha, nova_senha_repetida, gerar)
        user, ended = set_password(container.accounts_uow(), usuario, secret)
    except LojasyncError as exc:
        return _refused(request, exc, errors={"user_password": exc}, user_password_email=usuario)
    _audit("user password set", me, user.email, sessions_ended=ended)
    if _same(user.email, me.email):
        # The service ends every session of the user, this one included: log in again with the new password
        # (a generated one is still shown first, or it would be lost).
        if generated:
            return settings_view(request, 200, generated={"email": user.email, "password": secret, "own": True})
        flash(request, "Sua senha foi trocada: entre de novo com a nova senha.", "success")
        return redirect(request, login_url("/configuracoes"))
    if generated:
        return settings_view(request, 200, generated={"email": user.email, "password": secret, "ended": ended})
    flash(request, f"Senha de {user.email} trocada; {_sessions(ended)}.", "success")
    return redirect(request, SECTION)


def _refused(request: Request, exc: LojasyncError, **context) -> Response:
    """The page again with the error by its form: 422, or 429 with Retry-After while wrong confirmations of
    the operator's own password wait (as the login answers its own throttle), 503 with it while the server checks
    as many passwords as it may at once."""
    if isinstance(exc, (ConfirmationThrottled, PasswordChecksBusy)):
        response = settings_view(request, 429 if isinstance(exc, ConfirmationThrottled) else 503, **context)
        response.headers["Retry-After"] = str(exc.params["seconds"])
        return response
    return settings_view(request, 422, **context)


def _same(email: str, other: str) -> bool:
    try:
        return normalize_email(email) == normalize_email(other)
    except LojasyncError:
        return False
