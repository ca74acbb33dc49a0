"""OAuth install: exchange the authorization code the merchant brings back for the store's access token.

Nuvemshop answers `{access_token, token_type, scope, user_id}`; `user_id` is the store id. Errors come
as `{error, error_description}`, sometimes with HTTP 200, so the body decides, not the status.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import httpx

from lojasync.nuvemshop.scopes import REQUIRED_SCOPES, missing_from
from lojasync.shared.errors import Action, LojasyncError

log = logging.getLogger("lojasync.oauth")



@dataclass(frozen=True)
class TokenGrant:
    access_token: str = field(repr=False)
    scope: str
    external_store_id: str

    @property
    def scopes(self) -> frozenset[str]:
        return frozenset(s.strip() for s in self.scope.replace(" ", ",").split(",") if s.strip())

    def missing_scopes(self, required: tuple[str, ...] = REQUIRED_SCOPES) -> list[str]:
        return missing_from(set(self.scopes), required)


class OAuthError(LojasyncError):
    """The code exchange failed; `message` and `resolution` are for a person, `api_code` is the platform's."""

    code = "nuvemshop.oauth_failed"
    action = Action.RECONNECT_STORE

    def __init__(self, message: str, resolution: str, api_code: str | None = None, retryable: bool = False) -> None:
        super().__init__(message, resolution=resolution, retryable=retryable)
        self.api_code = api_code


_REINSTALL = "Comece a instalação de novo pelo link de instalação (o código de autorização vale só 30 segundos)."


def exchange_code(token_url: str, client_id: str, client_secret: str, code: str,
                  transport: httpx.BaseTransport | None = None, *, timeout: float = 30.0,
                  user_agent: str = "lojasync") -> TokenGrant:
    """POST the code to the token endpoint and return the grant, or raise `OAuthError`."""
    if not client_id or not client_secret:
        raise OAuthError(
            "O app da Nuvemshop não está configurado (client_id/client_secret ausentes).",
            "Defina LOJASYNC_NUVEMSHOP_CLIENT_ID e LOJASYNC_NUVEMSHOP_CLIENT_SECRET com os dados do app "
            "no Portal de Parceiros e reinicie o lojasync.")
    if not code or not code.strip():
        raise OAuthError("A Nuvemshop não enviou o código de autorização.", _REINSTALL)
    body = {"client_id": client_id, "client_secret": client_secret,
            "grant_type": "authorization_code", "code": code.strip()}
    try:
        with httpx.Client(transport=transport, timeout=timeout, follow_redirects=False) as http:
            response = http.post(token_url, json=body,
                                 headers={"User-Agent": user_agent, "Accept": "application/json"})
    except httpx.HTTPError as exc:
        log.warning("token exchange failed", extra={"reason": type(exc).__name__})
        raise OAuthError(
            f"Não foi possível falar com a Nuvemshop para trocar o código ({type(exc).__name__}).",
            "Verifique a conexão com a internet e LOJASYNC_NUVEMSHOP_TOKEN_URL, e instale de novo.",
            retryable=True) from exc
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        log.warning("token exchange: unexpected answer", extra={"status": response.status_code})
        raise OAuthError(
            f"A Nuvemshop respondeu à troca do código com HTTP {response.status_code} e um conteúdo inesperado.",
            "Confira LOJASYNC_NUVEMSHOP_TOKEN_URL; se estiver certa, tente instalar de novo mais tarde.",
            retryable=response.status_code >= 500)
    if data.get("error") or response.status_code >= 400:
        raise _error(response.status_code, data)
    token = data.get("access_token")
    store_id = data.get("user_id", data.get("store_id"))
    if not isinstance(token, str) or not token.strip() or store_id in (None, "") or isinstance(store_id, bool):
        raise OAuthError(
            "A Nuvemshop respondeu à troca do código sem o token de acesso ou sem o id da loja (user_id).",
            _REINSTALL)
    scope = data.get("scope") or ""
    return TokenGrant(access_token=token.strip(), scope=str(scope), external_store_id=str(store_id).strip())


def _error(status: int, data: dict) -> OAuthError:
    code = str(data.get("error") or f"http_{status}")
    description = str(data.get("error_description") or data.get("message") or data.get("description") or "")
    # The platform's description is in English: it goes to the log, for whoever operates lojasync, not to the merchant's
    # page (review). It never carries our secret, but is kept short.
    log.warning("token exchange refused", extra={"status": status, "error": code, "description": description[:200]})
    if code == "invalid_grant":
        return OAuthError("A Nuvemshop recusou o código de autorização: inválido, já usado ou expirado.",
                          _REINSTALL, code)
    if code in ("invalid_client", "unauthorized_client") or status == 401:
        return OAuthError(f"A Nuvemshop recusou as credenciais do app ({code}).",
                          "Confira LOJASYNC_NUVEMSHOP_CLIENT_ID e LOJASYNC_NUVEMSHOP_CLIENT_SECRET no Portal de "
                          "Parceiros e instale de novo.", code)
    return OAuthError(f"A Nuvemshop recusou a troca do código ({code}).",
                      "Tente instalar de novo; se persistir, confira a configuração do app no Portal de Parceiros.",
                      code, retryable=status >= 500)
