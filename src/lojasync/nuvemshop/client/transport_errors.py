"""The errors `NuvemshopTransport` builds itself (the HTTP status ones come from `errors.error_for_status`)."""

from __future__ import annotations

from typing import Any

import httpx

from lojasync.nuvemshop.client.errors import (
    ClientConfigurationError,
    InvalidResponseError,
    RateLimitError,
    TemporaryError,
)
from lojasync.nuvemshop.errors import RECONNECT
from lojasync.shared.errors import Action


def check_configuration(api_url: str, external_store_id: str, access_token: str, user_agent: str) -> None:
    """Raise `ClientConfigurationError` for the first setting a request cannot go without."""
    if not api_url or not api_url.strip():
        raise ClientConfigurationError(
            "Endereço da API da Nuvemshop não informado.",
            resolution="Corrija a configuração: informe o endereço da API da Nuvemshop "
            "(ex.: https://api.nuvemshop.com.br/2025-03).",
            action=Action.CONFIGURE,
        )
    if external_store_id is None or not str(external_store_id).strip():
        raise ClientConfigurationError("Id da loja na Nuvemshop não informado.", resolution=RECONNECT)
    # An erased token (store/redact) ends up here: the merchant must connect the store again.
    if not access_token or not access_token.strip():
        raise ClientConfigurationError("Token de acesso da Nuvemshop não informado.", resolution=RECONNECT)
    if not user_agent or not user_agent.strip():
        raise ClientConfigurationError(
            "User-Agent não informado: a API da Nuvemshop exige uma identificação com contato.",
            resolution="Corrija a configuração: informe um User-Agent com um contato "
            "(ex.: 'lojasync (contato@suaempresa.com.br)').",
            action=Action.CONFIGURE,
        )


def unsupported_url_error(base_url: str, method: str, path: str) -> InvalidResponseError:
    return InvalidResponseError(
        f"URL da API da Nuvemshop inválida: {base_url}.",
        resolution="Confira a api_url configurada (ex.: https://api.nuvemshop.com.br/2025-03).",
        method=method,
        path=path,
    )


def invalid_json_error(method: str, path: str, status: int, snippet: str) -> InvalidResponseError:
    return InvalidResponseError(
        f"A Nuvemshop respondeu a {method} {path} com um conteúdo que não é JSON válido"
        + (f": {snippet}" if snippet else " (resposta vazia)."),
        status_code=status,
        resolution=(
            "Confira se a api_url aponta para a API da Nuvemshop; se estiver certa, tente de novo "
            "mais tarde."
        ),
        method=method,
        path=path,
    )


def temporary_error(
    method: str, path: str, reason: str, attempts: int, *, status: int | None, body: Any, detail: str
) -> TemporaryError:
    return TemporaryError(
        f"A Nuvemshop não respondeu corretamente a {method} {path} após {attempts} tentativa(s) ({reason})."
        + (f" Detalhe: {detail}" if detail else ""),
        status_code=status,
        resolution=(
            "Instabilidade temporária na Nuvemshop ou na conexão: repita a sincronização mais tarde "
            "(os pedidos não serão duplicados). Se persistir, verifique a conexão com a internet."
        ),
        body=body,
        method=method,
        path=path,
    )


def rate_limit_error(refusals: int, external_store_id: str, *, body: Any, method: str, path: str) -> RateLimitError:
    return RateLimitError(
        f"A Nuvemshop recusou {refusals} vezes seguidas por excesso de requisições (429) "
        f"na loja {external_store_id}.",
        status_code=429,
        resolution=(
            "Outro app ou processo pode estar consumindo a cota da loja: aguarde alguns minutos "
            "e tente de novo, ou diminua o número de processos sincronizando a mesma loja."
        ),
        body=body,
        method=method,
        path=path,
    )


def transport_reason(exc: httpx.TransportError) -> str:
    """Why no answer came, in the merchant's words."""
    if isinstance(exc, httpx.TimeoutException):
        return "tempo de resposta esgotado"
    if isinstance(exc, httpx.ConnectError):
        return "falha de conexão"
    return f"erro de rede ({type(exc).__name__})"
