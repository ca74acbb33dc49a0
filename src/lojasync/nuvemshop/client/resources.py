"""HTTP client for the Nuvemshop REST API: auth headers, pagination, rate limiting, retries, typed errors."""

from __future__ import annotations

import json
import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx

from lojasync.nuvemshop.client.errors import (
    InvalidResponseError,
    NotFoundError,
    NuvemshopError,
    RateLimitError,
    TemporaryError,
    error_detail,
    error_for_status,
)
from lojasync.nuvemshop.client.rate_limit import LocalLeakyBucketGate, RateLimitGate

logger = logging.getLogger("lojasync.nuvemshop")

DEFAULT_PER_PAGE = 200
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
MAX_CONSECUTIVE_RATE_LIMITS = 20

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures where the request certainly never reached the server, so even a POST may be resent.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_LAST_PAGE = re.compile(r"last page is\s*(\d+)", re.IGNORECASE)
_REDACTED = "***"


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict]
    page: int | None
    next_url: str | None
    total_count: int | None


class _Secret:
    """Holds the access token so that no repr, log or traceback formatter prints it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return repr(_REDACTED)

    __str__ = __repr__


def _full_jitter(ceiling: float) -> float:
    return random.uniform(0.0, ceiling)


def backoff_delay(failures: int) -> float:
    """Capped exponential backoff with full jitter for the ``failures``-th consecutive failure (1-based)."""
    return _full_jitter(min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (failures - 1))))


class NuvemshopClient:
    def __init__(
        self,
        *,
        api_url: str,
        store_id: str,
        access_token: str,
        user_agent: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        gate: RateLimitGate | None = None,
        on_close: Callable[[NuvemshopClient], None] | None = None,
    ) -> None:
        if not api_url or not api_url.strip():
            raise ValueError("api_url da Nuvemshop não informada")
        if not str(store_id).strip():
            raise ValueError("store_id da Nuvemshop não informado")
        if not access_token or not access_token.strip():
            raise ValueError("Token de acesso da Nuvemshop não informado: cadastre-o com `lojasync store add`.")
        if not user_agent or not user_agent.strip():
            raise ValueError(
                "User-Agent é obrigatório na API da Nuvemshop (ex.: 'lojasync (contato@suaempresa.com.br)')."
            )
        if max_retries < 0:
            raise ValueError("max_retries não pode ser negativo")
        self.store_id = str(store_id).strip()
        self.base_url = f"{api_url.rstrip('/')}/{self.store_id}"
        self._base = httpx.URL(self.base_url)
        self._token = _Secret(access_token.strip())
        self._user_agent = user_agent.strip()
        self._max_retries = max_retries
        self._sleep = sleep
        self._gate: RateLimitGate = gate if gate is not None else LocalLeakyBucketGate(sleep, clock)
        self._on_close = on_close
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # a redirect would carry the token header to wherever it points
        )
        self._counter_lock = threading.Lock()
        self.api_calls = 0
        self.rate_limited = 0

    def __repr__(self) -> str:
        return f"NuvemshopClient(base_url={self.base_url!r}, store_id={self.store_id!r})"

    def __enter__(self) -> NuvemshopClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()
        if self._on_close is not None:
            on_close, self._on_close = self._on_close, None
            on_close(self)

    # Orders

    def list_orders_page(self, params: Mapping[str, Any] | None = None, *, url: str | None = None) -> OrdersPage:
        """One page of ``GET /orders``, or the page at ``url`` (a Link ``next`` URL, followed as is)."""
        if url is not None:
            if params:
                raise ValueError("Informe params ou url, não os dois")
            target = httpx.URL(url)
            if not self._same_origin(target):
                raise ValueError(f"URL de paginação fora da API da Nuvemshop configurada: {target.host}")
            query: dict[str, Any] | None = None
            page = _int_or_none(target.params.get("page", "1"))
            per_page = _int_or_none(target.params.get("per_page"))
        else:
            query = {"per_page": DEFAULT_PER_PAGE, **(params or {})}
            target = self._url("orders")
            page = _int_or_none(query.get("page", 1))
            per_page = _int_or_none(query.get("per_page"))

        try:
            response = self._request("GET", target, params=query)
        except NotFoundError as exc:
            last_page = _last_page(exc)
            if last_page is None:
                raise
            logger.info(
                "Página além da última na listagem de pedidos",
                extra=self._log_extra("GET", target.path, status=404, page=page, last_page=last_page),
            )
            return OrdersPage(orders=[], page=page, next_url=None, total_count=0 if page == 1 else None)

        orders = self._decode(response, "GET", target.path)
        if not isinstance(orders, list) or not all(isinstance(order, dict) for order in orders):
            raise self._shape_error("GET", target.path, "uma lista de pedidos", orders)
        total_count = _int_or_none(response.headers.get("x-total-count"))
        return OrdersPage(
            orders=orders,
            page=page,
            next_url=self._next_url(response, page=page, per_page=per_page, count=len(orders), total=total_count),
            total_count=total_count,
        )

    def iter_order_pages(
        self, params: Mapping[str, Any] | None = None, *, start_page: int = 1
    ) -> Iterator[OrdersPage]:
        """Non-empty pages of ``GET /orders`` from ``start_page`` (overrides any ``page`` in params) on."""
        page = self.list_orders_page({**(params or {}), "page": start_page})
        seen: set[str] = set()
        while page.orders:
            yield page
            if page.next_url is None or page.next_url in seen:
                return
            seen.add(page.next_url)
            page = self.list_orders_page(url=page.next_url)

    def get_order(self, order_id: int | str) -> dict:
        return self._get_object(self._url("orders", order_id))

    # Products and stock

    def get_product_by_sku(self, sku: str) -> dict | None:
        try:
            return self._get_object(self._url("products", "sku", sku))
        except NotFoundError:
            return None

    def update_variant_stock(self, product_id: int | str, variant_id: int | str, stock: int) -> dict:
        if isinstance(stock, bool) or not isinstance(stock, int):
            raise TypeError(f"Estoque precisa ser um número inteiro, recebido {stock!r}")
        target = self._url("products", product_id, "variants", variant_id)
        response = self._request("PUT", target, json_body={"stock": stock})
        return self._expect_object(self._decode(response, "PUT", target.path), "PUT", target.path)

    # Webhooks

    def list_webhooks(self) -> list[dict]:
        target = self._url("webhooks")
        data = self._decode(self._request("GET", target), "GET", target.path)
        if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise self._shape_error("GET", target.path, "uma lista de webhooks", data)
        return data

    def create_webhook(self, event: str, url: str) -> dict:
        target = self._url("webhooks")
        response = self._request("POST", target, json_body={"event": event, "url": url})
        return self._expect_object(self._decode(response, "POST", target.path), "POST", target.path)

    # Transport

    def _request(
        self,
        method: str,
        url: httpx.URL,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
    ) -> httpx.Response:
        """Send with throttling and retries; return a 2xx response or raise a typed error."""
        headers = {
            "Authentication": f"bearer {self._token.reveal()}",
            "User-Agent": self._user_agent,
            "Accept": "application/json",
        }
        content: bytes | None = None
        if json_body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
            content = _encode_json(json_body)
        query = _encode_params(params) if params else None
        path = url.path
        resend_safe = method in _IDEMPOTENT_METHODS
        failures = 0
        consecutive_429 = 0
        attempt = 0

        while True:
            attempt += 1
            self._gate.before_request()
            with self._counter_lock:
                self.api_calls += 1
            started = time.monotonic()
            try:
                response = self._http.request(method, url, params=query, content=content, headers=headers)
            except httpx.TransportError as exc:
                self._gate.after_response(None, None, None)
                if isinstance(exc, httpx.UnsupportedProtocol):
                    raise InvalidResponseError(
                        f"URL da API da Nuvemshop inválida: {self.base_url}.",
                        resolution="Confira a api_url configurada (ex.: https://api.nuvemshop.com.br/2025-03).",
                        method=method,
                        path=path,
                    ) from exc
                reason = _transport_reason(exc)
                failures += 1
                if failures > self._max_retries or not (resend_safe or isinstance(exc, _NOT_SENT_ERRORS)):
                    raise self._temporary_error(method, path, reason, attempt) from exc
                self._backoff(method, path, attempt, failures, reason, status=None)
                continue

            status = response.status_code
            limit = _int_or_none(response.headers.get("x-rate-limit-limit"))
            remaining = _int_or_none(response.headers.get("x-rate-limit-remaining"))
            reset_ms = _int_or_none(response.headers.get("x-rate-limit-reset"))
            logger.debug(
                "Resposta da Nuvemshop",
                extra=self._log_extra(
                    method, path, status=status, attempt=attempt,
                    elapsed_ms=round((time.monotonic() - started) * 1000), rate_limit_remaining=remaining,
                ),
            )

            if status == 429:
                with self._counter_lock:
                    self.rate_limited += 1
                consecutive_429 += 1
                # A 429 means the bucket is full whatever the headers say; the gate then waits one slot.
                self._gate.after_response(limit, 0, reset_ms)
                if consecutive_429 > MAX_CONSECUTIVE_RATE_LIMITS:
                    raise RateLimitError(
                        f"A Nuvemshop recusou {consecutive_429} vezes seguidas por excesso de requisições (429) "
                        f"na loja {self.store_id}.",
                        status_code=429,
                        resolution=(
                            "Outro app ou processo pode estar consumindo a cota da loja: aguarde alguns minutos "
                            "e tente de novo, ou diminua o número de processos sincronizando a mesma loja."
                        ),
                        body=self._error_body(response),
                        method=method,
                        path=path,
                    )
                logger.warning(
                    "Limite de requisições da Nuvemshop atingido (429); aguardando para repetir",
                    extra=self._log_extra(method, path, status=429, attempt=attempt, reset_ms=reset_ms),
                )
                if consecutive_429 >= 2 and reset_ms:
                    # Someone else keeps the bucket full: one slot is not enough, wait until it empties.
                    self._sleep(reset_ms / 1000.0)
                continue

            self._gate.after_response(limit, remaining, reset_ms)
            consecutive_429 = 0

            if 200 <= status < 300:
                return response
            if status >= 500:
                reason = f"HTTP {status}"
                failures += 1
                if failures > self._max_retries or not resend_safe:
                    raise self._temporary_error(
                        method, path, reason, attempt, status=status, body=self._error_body(response)
                    )
                self._backoff(method, path, attempt, failures, reason, status=status)
                continue
            error = error_for_status(
                status,
                self._error_body(response),
                method=method,
                path=path,
                store_id=self.store_id,
                redact=self._redact,
            )
            log = logger.info if isinstance(error, NotFoundError) else logger.warning
            log(
                "Erro da Nuvemshop",
                extra=self._log_extra(method, path, status=status, attempt=attempt, error=type(error).__name__),
            )
            raise error

    def _backoff(self, method: str, path: str, attempt: int, failures: int, reason: str, *, status: int | None) -> None:
        delay = backoff_delay(failures)
        logger.warning(
            "Falha temporária na Nuvemshop; repetindo",
            extra=self._log_extra(method, path, status=status, attempt=attempt, reason=reason, delay_s=round(delay, 3)),
        )
        self._sleep(delay)

    def _temporary_error(
        self, method: str, path: str, reason: str, attempts: int, *, status: int | None = None, body: Any = None
    ) -> TemporaryError:
        logger.error(
            "Nuvemshop indisponível; desistindo",
            extra=self._log_extra(method, path, attempt=attempts, reason=reason),
        )
        detail = self._redact(error_detail(body)) if body is not None else ""
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

    # Helpers

    def _url(self, *segments: int | str) -> httpx.URL:
        parts = []
        for segment in segments:
            text = str(segment).strip()
            if not text:
                raise ValueError("Identificador vazio na URL da Nuvemshop")
            parts.append(quote(text, safe=""))
        return httpx.URL(f"{self.base_url}/{'/'.join(parts)}")

    def _same_origin(self, url: httpx.URL) -> bool:
        return (url.scheme, url.host, url.port) == (self._base.scheme, self._base.host, self._base.port)

    def _next_url(
        self, response: httpx.Response, *, page: int | None, per_page: int | None, count: int, total: int | None
    ) -> str | None:
        link = response.headers.get("link")
        if link is None:
            # Without any Link header, a full page is the only hint that more may follow; an overshoot
            # is answered with 404 "Last page is N", which ends the listing cleanly.
            if page is None or not per_page or count < per_page:
                return None
            if total is not None and page * per_page >= total:
                return None
            return str(response.request.url.copy_set_param("page", page + 1))
        href = response.links.get("next", {}).get("url")
        if not href:
            return None
        next_url = response.request.url.join(href)
        if not self._same_origin(next_url):
            raise InvalidResponseError(
                f"A Nuvemshop indicou uma próxima página fora da API configurada ({next_url.host}); "
                "a paginação foi interrompida para não enviar o token a outro endereço.",
                status_code=response.status_code,
                resolution="Confira se a api_url configurada é a da Nuvemshop (ou do simulador) correta.",
                method="GET",
                path=response.request.url.path,
            )
        return str(next_url)

    def _get_object(self, url: httpx.URL) -> dict:
        response = self._request("GET", url)
        return self._expect_object(self._decode(response, "GET", url.path), "GET", url.path)

    def _decode(self, response: httpx.Response, method: str, path: str) -> Any:
        try:
            return _decode_json(response.content)
        except ValueError as exc:
            snippet = self._redact(error_detail(response.content[:200].decode("utf-8", "replace")))
            raise InvalidResponseError(
                f"A Nuvemshop respondeu a {method} {path} com um conteúdo que não é JSON válido"
                + (f": {snippet}" if snippet else " (resposta vazia)."),
                status_code=response.status_code,
                resolution=(
                    "Confira se a api_url aponta para a API da Nuvemshop; se estiver certa, tente de novo "
                    "mais tarde."
                ),
                method=method,
                path=path,
            ) from exc

    def _error_body(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            body = _decode_json(response.content)
        except ValueError:
            body = response.content[:500].decode("utf-8", "replace")
        return _redact_deep(body, self._redact)

    def _expect_object(self, data: Any, method: str, path: str) -> dict:
        if not isinstance(data, dict):
            raise self._shape_error(method, path, "um objeto", data)
        return data

    def _shape_error(self, method: str, path: str, expected: str, data: Any) -> InvalidResponseError:
        return InvalidResponseError(
            f"Resposta inesperada da Nuvemshop em {method} {path}: esperava {expected}, "
            f"veio {type(data).__name__}.",
            resolution="Confira se a api_url e a versão da API configuradas estão corretas.",
            method=method,
            path=path,
        )

    def _redact(self, text: str) -> str:
        return text.replace(self._token.reveal(), _REDACTED)

    def _log_extra(self, method: str, path: str, **fields: Any) -> dict[str, Any]:
        return {"store_id": self.store_id, "method": method, "path": path, **fields}


def _decode_json(content: bytes) -> Any:
    return json.loads(content, parse_float=Decimal, parse_constant=_reject_constant)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"valor JSON não suportado: {name}")


def _encode_json(body: Any) -> bytes:
    return json.dumps(body, default=_json_default, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"Valor decimal inválido para a Nuvemshop: {value}")
        return str(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"Tipo não serializável para a Nuvemshop: {type(value).__name__}")


def _encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    encoded: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        elif isinstance(value, (datetime, date)):
            encoded[key] = value.isoformat()
        elif isinstance(value, (list, tuple, set, frozenset)):
            encoded[key] = ",".join(str(item) for item in value)
        else:
            encoded[key] = str(value)
    return encoded


def _redact_deep(value: Any, redact: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redact_deep(item, redact) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_deep(item, redact) for item in value]
    return value


def _int_or_none(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        try:
            return int(Decimal(str(value).strip()))
        except (ArithmeticError, ValueError):
            return None


def _last_page(error: NuvemshopError) -> int | None:
    match = _LAST_PAGE.search(error_detail(error.body)) or _LAST_PAGE.search(error.message)
    return int(match.group(1)) if match else None


def _transport_reason(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "tempo de resposta esgotado"
    if isinstance(exc, httpx.ConnectError):
        return "falha de conexão"
    return f"erro de rede ({type(exc).__name__})"
