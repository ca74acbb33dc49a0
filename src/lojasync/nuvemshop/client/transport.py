"""HTTP transport to one Nuvemshop store: auth headers, rate-limit gate, retries with backoff, typed errors."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import httpx

from lojasync.nuvemshop.client.errors import (
    NotFoundError,
    NuvemshopError,
    TemporaryError,
    error_detail,
    error_for_status,
)
from lojasync.nuvemshop.client.json_codec import decode_json, encode_json, encode_params, int_or_none
from lojasync.nuvemshop.client.rate_limit import LocalLeakyBucketGate, RateLimitGate
from lojasync.nuvemshop.client.secret import Secret
from lojasync.nuvemshop.client.transport_errors import (
    check_configuration,
    invalid_json_error,
    rate_limit_error,
    temporary_error,
    transport_reason,
    unsupported_url_error,
)

logger = logging.getLogger("lojasync.nuvemshop")

BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
MAX_CONSECUTIVE_RATE_LIMITS = 20

_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Failures where the request certainly never reached the server, so even a POST may be resent.
_NOT_SENT_ERRORS = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def _full_jitter(ceiling: float) -> float:
    return random.uniform(0.0, ceiling)


def backoff_delay(failures: int) -> float:
    """Capped exponential backoff with full jitter for the ``failures``-th consecutive failure (1-based)."""
    return _full_jitter(min(BACKOFF_CAP, BACKOFF_BASE * (2 ** (failures - 1))))


class _Quota(NamedTuple):
    """The ``x-rate-limit-*`` headers of one answer (None when absent)."""

    limit: int | None
    remaining: int | None
    reset_ms: int | None

    @classmethod
    def of(cls, response: httpx.Response) -> _Quota:
        headers = response.headers
        return cls(
            int_or_none(headers.get("x-rate-limit-limit")),
            int_or_none(headers.get("x-rate-limit-remaining")),
            int_or_none(headers.get("x-rate-limit-reset")),
        )


@dataclass
class _Call:
    """One logical request and its retry counters across attempts."""

    method: str
    url: httpx.URL
    headers: dict[str, str] = field(repr=False)  # carries the token
    query: dict[str, str] | None
    content: bytes | None = field(repr=False)
    attempt: int = 0
    failures: int = 0  # network errors and 5xx, which share one backoff sequence
    consecutive_429: int = 0

    @property
    def path(self) -> str:
        return self.url.path

    @property
    def resend_safe(self) -> bool:
        return self.method in _IDEMPOTENT_METHODS


class NuvemshopTransport:
    """Sends requests to one store's API: returns 2xx answers, turns everything else into a typed error.

    Safe to share between threads: the counters are locked and each request keeps its retry state to itself.
    """

    def __init__(
        self,
        *,
        api_url: str,
        external_store_id: str,
        access_token: str,
        user_agent: str,
        timeout: float = 30.0,
        max_retries: int = 5,
        http_transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        gate: RateLimitGate | None = None,
    ) -> None:
        check_configuration(api_url, external_store_id, access_token, user_agent)
        if max_retries < 0:
            raise ValueError("max_retries não pode ser negativo")
        self.external_store_id = str(external_store_id).strip()
        self.base_url = f"{api_url.rstrip('/')}/{self.external_store_id}"
        self._token = Secret(access_token.strip())
        self._user_agent = user_agent.strip()
        self._max_retries = max_retries
        self._sleep = sleep
        self._gate: RateLimitGate = gate if gate is not None else LocalLeakyBucketGate(sleep, clock)
        self._http = httpx.Client(
            transport=http_transport,
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,  # a redirect would carry the token header to wherever it points
        )
        self._counter_lock = threading.Lock()
        self.api_calls = 0
        self.rate_limited = 0

    def __repr__(self) -> str:
        return f"NuvemshopTransport(base_url={self.base_url!r})"

    def close(self) -> None:
        self._http.close()

    def request(
        self, method: str, url: httpx.URL, *, params: Mapping[str, Any] | None = None, json_body: Any = None
    ) -> httpx.Response:
        """Send with throttling and retries; return a 2xx response or raise a typed error."""
        call = self._prepare(method, url, params, json_body)
        while True:
            call.attempt += 1
            try:
                response, quota = self._send_once(call)
            except httpx.TransportError as exc:
                self._handle_transport_error(call, exc)
                continue
            if response.status_code == 429:
                self._handle_rate_limited(call, response, quota)
                continue
            self._gate.after_response(quota.limit, quota.remaining, quota.reset_ms)
            call.consecutive_429 = 0
            if 200 <= response.status_code < 300:
                return response
            if response.status_code >= 500:
                self._handle_server_error(call, response)
                continue
            raise self._status_error(call, response)

    def decode(self, response: httpx.Response, method: str, path: str) -> Any:
        """The JSON body of a 2xx answer; anything else is an `InvalidResponseError`."""
        try:
            return decode_json(response.content)
        except ValueError as exc:
            snippet = self._token.redact(error_detail(response.content[:200].decode("utf-8", "replace")))
            raise invalid_json_error(method, path, response.status_code, snippet) from exc

    def log_extra(self, method: str, path: str, **fields: Any) -> dict[str, Any]:
        return {"external_store_id": self.external_store_id, "method": method, "path": path, **fields}

    # One request, step by step

    def _prepare(self, method: str, url: httpx.URL, params: Mapping[str, Any] | None, json_body: Any) -> _Call:
        headers = {
            # Nuvemshop reads `Authentication`, not the usual `Authorization`.
            "Authentication": f"bearer {self._token.reveal()}",
            "User-Agent": self._user_agent,
            "Accept": "application/json",
        }
        content: bytes | None = None
        if json_body is not None:
            headers["Content-Type"] = "application/json; charset=utf-8"
            content = encode_json(json_body)
        query = encode_params(params) if params else None
        return _Call(method, url, headers, query, content)

    def _send_once(self, call: _Call) -> tuple[httpx.Response, _Quota]:
        self._gate.before_request()
        with self._counter_lock:
            self.api_calls += 1
        started = time.monotonic()
        try:
            response = self._http.request(
                call.method, call.url, params=call.query, content=call.content, headers=call.headers
            )
        except httpx.TransportError:
            # No answer, no headers; the gate still needs its after_response for this before_request.
            self._gate.after_response(None, None, None)
            raise
        quota = _Quota.of(response)
        logger.debug(
            "Resposta da Nuvemshop",
            extra=self.log_extra(
                call.method, call.path, status=response.status_code, attempt=call.attempt,
                elapsed_ms=round((time.monotonic() - started) * 1000), rate_limit_remaining=quota.remaining,
            ),
        )
        return response, quota

    def _handle_transport_error(self, call: _Call, exc: httpx.TransportError) -> None:
        """Back off before the next attempt, or raise when retrying is pointless, unsafe or used up."""
        if isinstance(exc, httpx.UnsupportedProtocol):
            raise unsupported_url_error(self.base_url, call.method, call.path) from exc
        reason = transport_reason(exc)
        call.failures += 1
        if call.failures > self._max_retries or not (call.resend_safe or isinstance(exc, _NOT_SENT_ERRORS)):
            raise self._temporary_error(call, reason) from exc
        self._backoff(call, reason, status=None)

    def _handle_rate_limited(self, call: _Call, response: httpx.Response, quota: _Quota) -> None:
        """Let the gate wait for a slot before the next attempt, or raise after too many 429s in a row."""
        with self._counter_lock:
            self.rate_limited += 1
        call.consecutive_429 += 1
        # A 429 means the bucket is full whatever the headers say; the gate then waits one slot.
        self._gate.after_response(quota.limit, 0, quota.reset_ms)
        if call.consecutive_429 > MAX_CONSECUTIVE_RATE_LIMITS:
            raise rate_limit_error(
                call.consecutive_429, self.external_store_id,
                body=self._error_body(response), method=call.method, path=call.path,
            )
        logger.warning(
            "Limite de requisições da Nuvemshop atingido (429); aguardando para repetir",
            extra=self.log_extra(call.method, call.path, status=429, attempt=call.attempt, reset_ms=quota.reset_ms),
        )
        if call.consecutive_429 >= 2 and quota.reset_ms:
            # Someone else keeps the bucket full: one slot is not enough, wait until it empties.
            self._sleep(quota.reset_ms / 1000.0)

    def _handle_server_error(self, call: _Call, response: httpx.Response) -> None:
        """Back off before the next attempt, or raise when resending is unsafe or the retries are used up."""
        status = response.status_code
        reason = f"HTTP {status}"
        call.failures += 1
        if call.failures > self._max_retries or not call.resend_safe:
            raise self._temporary_error(call, reason, status=status, body=self._error_body(response))
        self._backoff(call, reason, status=status)

    def _status_error(self, call: _Call, response: httpx.Response) -> NuvemshopError:
        """The typed error for an answer that retrying cannot fix (3xx, 4xx but 429), logged."""
        status = response.status_code
        error = error_for_status(
            status, self._error_body(response), method=call.method, path=call.path,
            external_store_id=self.external_store_id, redact=self._token.redact,
        )
        log = logger.info if isinstance(error, NotFoundError) else logger.warning
        log(
            "Erro da Nuvemshop",
            extra=self.log_extra(
                call.method, call.path, status=status, attempt=call.attempt, error=type(error).__name__
            ),
        )
        return error

    def _backoff(self, call: _Call, reason: str, *, status: int | None) -> None:
        delay = backoff_delay(call.failures)
        logger.warning(
            "Falha temporária na Nuvemshop; repetindo",
            extra=self.log_extra(
                call.method, call.path, status=status, attempt=call.attempt, reason=reason, delay_s=round(delay, 3)
            ),
        )
        self._sleep(delay)

    # Errors

    def _temporary_error(
        self, call: _Call, reason: str, *, status: int | None = None, body: Any = None
    ) -> TemporaryError:
        logger.error(
            "Nuvemshop indisponível; desistindo",
            extra=self.log_extra(call.method, call.path, attempt=call.attempt, reason=reason),
        )
        detail = self._token.redact(error_detail(body)) if body is not None else ""
        return temporary_error(
            call.method, call.path, reason, call.attempt, status=status, body=body, detail=detail
        )

    def _error_body(self, response: httpx.Response) -> Any:
        if not response.content:
            return None
        try:
            body = decode_json(response.content)
        except ValueError:
            body = response.content[:500].decode("utf-8", "replace")
        return self._token.redact_deep(body)

