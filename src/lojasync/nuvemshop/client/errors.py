"""Typed errors raised by the Nuvemshop client, with merchant-facing messages in Portuguese."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lojasync.nuvemshop.errors import RECONNECT
from lojasync.shared.errors import Action, LojasyncError

_SUMMARY_KEYS = ("code", "message", "description", "error", "error_description")
_MAX_DETAIL = 300


class NuvemshopError(LojasyncError):
    """Base of every error the Nuvemshop client raises: the words come from the API's answer."""

    code = "nuvemshop.api_error"

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool | None = None,
        resolution: str = "",
        action: Action | None = None,
        body: Any = None,
        method: str | None = None,
        path: str | None = None,
    ) -> None:
        super().__init__(message, resolution=resolution, action=action, retryable=retryable)
        self.status_code = status_code
        self.body = body
        self.method = method
        self.path = path

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code!r}, message={self.message!r})"


class UnauthorizedError(NuvemshopError):
    """401: the access token is no longer valid."""

    code = "nuvemshop.unauthorized"
    action = Action.RECONNECT_STORE


class ForbiddenError(UnauthorizedError):
    """403: the token lacks a scope; the remedy (reinstall the app) is the same as for 401."""

    code = "nuvemshop.forbidden"


class PaymentRequiredError(NuvemshopError):
    """402: the store or the app is suspended."""

    code = "nuvemshop.suspended"
    action = Action.SYNC


class NotFoundError(NuvemshopError):
    """404: the resource does not exist (or, on listings, the page is past the last one)."""

    code = "nuvemshop.not_found"


class BadRequestError(NuvemshopError):
    """400/415/422: the request was rejected; ``field_errors`` holds per-field messages."""

    def __init__(self, message: str, *, field_errors: Mapping[str, list[str]] | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.field_errors: dict[str, list[str]] = dict(field_errors or {})

    code = "nuvemshop.bad_request"


class RateLimitError(NuvemshopError):
    """429 kept coming back after the allowed number of waits."""

    code = "nuvemshop.rate_limited"
    retryable = True
    action = Action.TRY_AGAIN


class TemporaryError(NuvemshopError):
    """5xx, timeout or connection failure that outlived the retries."""

    code = "nuvemshop.unavailable"
    retryable = True
    action = Action.TRY_AGAIN


class InvalidResponseError(NuvemshopError):
    """The answer was not JSON, had an unexpected shape, or came from an unexpected place."""

    code = "nuvemshop.invalid_response"
    action = Action.CONFIGURE


class ClientConfigurationError(NuvemshopError):
    """The client cannot be built: no token, no store id, no API address, no User-Agent."""

    code = "nuvemshop.client_configuration"
    action = Action.RECONNECT_STORE


def field_errors_from(body: Any) -> dict[str, list[str]]:
    """Per-field messages from a ``{"field": ["can't be blank"]}`` body (nested objects flattened with dots)."""
    found: dict[str, list[str]] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            found[prefix] = list(value)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(f"{prefix}.{index}" if prefix else str(index), item)
        elif isinstance(value, str) and prefix:
            found[prefix] = [value]

    if isinstance(body, Mapping):
        walk("", {k: v for k, v in body.items() if k not in _SUMMARY_KEYS})
    return found


def error_detail(body: Any) -> str:
    """A readable one-line detail from any of the Nuvemshop error body forms."""
    if body is None:
        return ""
    if isinstance(body, str):
        return _shorten(" ".join(body.split()))
    parts: list[str] = []
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, str) and error:
            parts.append(error)
        elif isinstance(error, Mapping):
            parts.append(error_detail(error))
        for key in ("error_description", "message", "description"):
            value = body.get(key)
            if isinstance(value, str) and value and value not in parts:
                parts.append(value)
        for field, messages in field_errors_from(body).items():
            parts.append(f"{field}: {', '.join(messages)}")
    elif isinstance(body, list):
        parts.extend(error_detail(item) for item in body)
    else:
        parts.append(str(body))
    return _shorten("; ".join(p for p in parts if p))


def error_for_status(
    status_code: int,
    body: Any,
    *,
    method: str,
    path: str,
    external_store_id: str,
    redact: Callable[[str], str] = lambda text: text,
) -> NuvemshopError:
    """Map a non-success HTTP answer to the matching typed error."""
    detail = redact(error_detail(body))
    suffix = f" Detalhe: {detail}" if detail else ""
    common: dict[str, Any] = {"status_code": status_code, "body": body, "method": method, "path": path}

    if status_code == 401:
        resolution = RECONNECT
        return UnauthorizedError(
            "Token de acesso recusado pela Nuvemshop (401). O app pode ter sido desinstalado ou o token "
            f"trocado (loja {external_store_id}).{suffix}",
            resolution=resolution,
            **common,
        )
    if status_code == 403:
        resolution = (
            "Reinstale o app concedendo as permissões read_orders, read_customers, read_products "
            "e write_products, e reconecte a loja com o token novo."
        )
        return ForbiddenError(
            f"A Nuvemshop negou acesso a {method} {path} (403) na loja {external_store_id}: o token não tem a "
            f"permissão necessária.{suffix}",
            resolution=resolution,
            **common,
        )
    if status_code == 402:
        resolution = (
            "Regularize o plano da loja ou a assinatura do app na Nuvemshop. Quando a loja voltar, "
            "sincronize de novo: durante a suspensão nenhum webhook de pedido é enviado."
        )
        return PaymentRequiredError(
            f"A loja {external_store_id} ou o app está suspenso na Nuvemshop (402) e nenhuma chamada é aceita "
            f"até a reativação.{suffix}",
            resolution=resolution,
            **common,
        )
    if status_code == 404:
        resolution = (
            f"Confira se o código existe e pertence à loja {external_store_id}; se foi apagado na Nuvemshop, "
            "não há o que sincronizar."
        )
        return NotFoundError(
            f"Recurso não encontrado na Nuvemshop (404): {method} {path}.{suffix}",
            resolution=resolution,
            **common,
        )
    if status_code in (400, 415, 422):
        resolution = (
            "Corrija os dados indicados e tente de novo. Se os dados estão certos, é uma falha do "
            "lojasync: abra um chamado com esta mensagem."
        )
        return BadRequestError(
            f"A Nuvemshop rejeitou a requisição {method} {path} ({status_code}).{suffix}",
            field_errors=field_errors_from(body),
            resolution=resolution,
            **common,
        )
    if 300 <= status_code < 400:
        resolution = "Confira se a URL da API (api_url) e a versão configuradas estão corretas."
        return InvalidResponseError(
            f"A Nuvemshop respondeu com um redirecionamento inesperado ({status_code}) em {method} {path}.{suffix}",
            resolution=resolution,
            **common,
        )
    resolution = "Tente de novo mais tarde; se o erro persistir, abra um chamado com esta mensagem."
    return NuvemshopError(
        f"A Nuvemshop respondeu com o erro {status_code} em {method} {path}.{suffix}",
        resolution=resolution,
        **common,
    )


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"
