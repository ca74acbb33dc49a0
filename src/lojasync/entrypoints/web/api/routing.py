"""How every `/api/v1` route is declared: behind `api_caller`, and a `LojasyncError` answered as JSON
`{"erro", "codigo", "resolucao"}` with a status that says what kind of problem it is.

The page routes answer the same errors with a page (`web.errors`); an API client needs the kind too:
404 the thing does not exist, 409 it exists but its state does not allow this (already cancelled, the
company is not set up), 422 what was sent is wrong, 503 try again later.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from lojasync.entrypoints.web.api.types import ApiErrorBody
from lojasync.entrypoints.web.auth import api_caller
from lojasync.entrypoints.web.errors import api_error, caller_refused, error_status
from lojasync.entrypoints.web.retry import retry_headers
from lojasync.entrypoints.worker_words import with_worker_words
from lojasync.shared.errors import Action, LojasyncError

PREFIX = "/api/v1"


class ApiRoute(APIRoute):
    """A route whose `LojasyncError`s become the API's JSON error with `error_status`'s status."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        # What only a write can be answered (review: clients generated from the schema met statuses it did not list).
        if {method.upper() for method in kwargs.get("methods") or ()} & _WRITES:
            kwargs["responses"] = {**WRITE_RESPONSES, **(kwargs.get("responses") or {})}
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        known = _query_names(self.dependant)
        takes_body = bool(self.dependant.body_params)

        async def answer(request: Request) -> Response:
            unexpected = not takes_body and request.method in _WRITES and not _empty(await request.body())
            unknown = sorted(set(request.query_params) - known)
            # Counted once, in one pass: a query of thousands of names, sent before the caller is checked, held the
            # event loop for seconds when each was counted against all (review).
            given = Counter(name for name, _ in request.query_params.multi_items())
            repeated = sorted(name for name in known if given[name] > 1)
            # Who calls is answered first: nothing about the route is said to a caller who may not call it. In a
            # thread, as FastAPI runs the same dependency: it reads (and may write) the database, which would
            # hold this event loop, and every other request with it, while SQLite is busy.
            if (unexpected or unknown or repeated) and \
                    (refused := await run_in_threadpool(caller_refused, request)) is not None:
                return refused
            if unexpected:
                # A body the route has no use for was dropped without a word: {"amount": "1.00"} on .../receive
                # received the whole installment, {"approve": true} on .../nfe transmitted nothing.
                return api_error("web.unexpected_body", "Este endereço não recebe dados no corpo da requisição.",
                                 "Envie sem corpo (ou {}): o que a chamada faz está em /api/v1/docs; nada foi "
                                 "feito.", 422)
            if unknown:
                # A misspelt filter (?status= for ?situation=, ?page= where it is offset) would otherwise be
                # ignored: the whole list answered as if filtered, a paging loop that never ends.
                taken = (f"Este endereço aceita: {', '.join(sorted(known))}." if known
                         else "Este endereço não aceita parâmetros.")
                return api_error("web.unknown_parameter", f"Parâmetro desconhecido: {', '.join(unknown)}.",
                                 f"{taken} Veja /api/v1/docs.", 422)
            if repeated:
                # Every filter takes one value: ?status=em-aberto&status=cancelado answered the last one alone, a
                # total that looked like both.
                return api_error("web.repeated_parameter", f"Parâmetro repetido: {', '.join(repeated)}.",
                                 "Cada parâmetro aceita um valor só: envie-o uma vez (para mais de um valor, faça "
                                 "uma chamada para cada); nada foi feito.", 422)
            try:
                return await handler(request)
            except LojasyncError as error:
                status = error_status(error)
                # In a thread: it reads the database (the heartbeat), which would hold this event loop (review).
                await run_in_threadpool(with_worker_words, request.app.state.container, error)
                headers = {**(_location_of_existing(error) or {}), **retry_headers(status, error)}
                return api_error(error.code, error.message, error.resolution, status, headers=headers or None,
                                 call=api_call(error), problems=getattr(error, "problems", None))
        return answer


_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _empty(body: bytes) -> bool:
    """No body, or one that says nothing: {} or null (what some HTTP clients send with every POST). Compared as
    bytes, never parsed: a body nested 100,000 deep is not worth a parser's recursion, only a refusal."""
    return b"".join(body.split()) in (b"", b"{}", b"null")


def _query_names(dependant: Dependant) -> set[str]:
    """The query parameters a route takes, its dependencies' included (as the client writes them: aliases)."""
    names = {field.alias for field in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


_PATH_OF_DOCUMENT = {"nfe": "/invoices", "simple_sale": "/sales"}


def document_address(kind: str, document_id: int) -> str | None:
    """The API's address of an order's document ("nfe" or "simple_sale" and its id)."""
    path = _PATH_OF_DOCUMENT.get(kind)
    return f"{PREFIX}{path}/{document_id}" if path else None


def _existing_document(error: LojasyncError) -> str | None:
    """The address of the document an order already has, when that is the refusal (fiscal.order_has_document)."""
    if error.code != "fiscal.order_has_document" or "document_id" not in error.params:
        return None
    return document_address(str(error.params.get("document_kind", "")), error.params["document_id"])


def _location_of_existing(error: LojasyncError) -> dict[str, str] | None:
    """The 409 of a second document for an order points at the one that stands: a client that retries
    POST /orders/N/nfe after a timeout (the first call did create it) finds the NF-e it asked for by following
    Location, without searching the order's documents."""
    address = _existing_document(error)
    return {"Location": address} if address else None


# What an API client calls to act on an error (`na_api` in the error's body): the API's counterpart of the CLI's
# commands and the pages' links. An error speaks of the product ("descarte a NF-e"), and its resolution often
# names the page or the command a person uses; a program needs the call. Errors whose fix is outside the API
# (the company, the certificate, the store's connection) have none.
_CALLS = {
    Action.RETRY_EVENT: f"POST {PREFIX}/events/{{event_id}}/retry (ou POST {PREFIX}/events/retry: todas com erro)",
    Action.TRY_AGAIN: "repita a chamada",
    Action.SEE_INVOICES: f"GET {PREFIX}/invoices",
    Action.SEE_SALES: f"GET {PREFIX}/sales",
    Action.APPROVE_INVOICE: f"POST {PREFIX}/invoices/{{invoice_id}}/approve",
    Action.DISCARD_INVOICE: f"POST {PREFIX}/invoices/{{invoice_id}}/cancel (descarta a pendente ou rejeitada)",
}
# Where the action alone does not say the call: by the error's code.
_BY_CODE = {
    "sales.customer_already_linked": 'repita a chamada com "replace": true no corpo (troca o cliente)',
    "nuvemshop.event_not_retryable": f"POST {PREFIX}/orders/{{order_number}}/resync (lê o pedido de novo da loja)",
    "fiscal.order_needs_reread": f"POST {PREFIX}/orders/{{order_number}}/resync (lê o pedido de novo da loja)",
    # The stock's and the receivables' refusals name the product's page and the Financeiro list (API journey).
    "stock.product_not_counted": (f'POST {PREFIX}/stock/counts com {{{{"sku": {{sku_json}}, "quantity": N}}}} '
                                  "(N: o que há agora, já contando esta entrada ou saída; depois, os ajustes)"),
    "stock.adjustment_beyond_stock": (f'POST {PREFIX}/stock/counts com {{{{"sku": {{sku_json}}, "quantity": N}}}} '
                                      "(se o estoque do ERP está errado: N, o que há na prateleira)"),
    "finance.receivable_received": (f"POST {PREFIX}/receivables/{{receivable_id}}/undo-receipt (com o motivo), "
                                    f"depois POST {PREFIX}/receivables/{{receivable_id}}/cancel"),
    "finance.receipt_date_conflict": (f"POST {PREFIX}/receivables/{{receivable_id}}/undo-receipt (com o motivo), "
                                      f"depois POST {PREFIX}/receivables/{{receivable_id}}/receive com o received_on "
                                      "certo"),
}


def api_call(error: LojasyncError) -> str | None:
    """The call that acts on `error`, with its ids filled in; None when the API has none for it."""
    params = getattr(error, "params", {})
    if isinstance(params.get("sku"), str):   # in a JSON body as JSON writes it (review: a SKU with a quote)
        params = {**params, "sku_json": json.dumps(params["sku"], ensure_ascii=False)}
    address = _existing_document(error)
    if address:
        return f"GET {address} (o documento que o pedido tem); para gerar outro, cancele-o: POST {address}/cancel"
    template = _BY_CODE.get(error.code) or _CALLS.get(getattr(error, "action", None))
    if template is None:
        return None
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        # The error does not say which one: the call without the id, never a wrong one.
        if error.code == "nuvemshop.event_not_retryable":   # a notification of no order imported here
            return f"POST {PREFIX}/orders/NÚMERO/resync (lê o pedido de novo da loja)"
        return f"POST {PREFIX}/events/retry" if error.action is Action.RETRY_EVENT else None


def api_router(prefix: str, tag: str) -> APIRouter:
    """The router of one resource: under `/api/v1`, every route behind a token or a session."""
    resource = prefix.strip("/").replace("/", "_").replace("-", "_")

    def operation_id(route: APIRoute) -> str:
        # What a client generated from the schema names its methods: "invoices_approve", not FastAPI's
        # "approve_api_v1_invoices__invoice_id__approve_post" ("list__api_v1_orders_get" for `list_`).
        return f"{resource}_{route.name.strip('_')}"

    return APIRouter(prefix=PREFIX + prefix, tags=[tag], route_class=ApiRoute, dependencies=[Depends(api_caller)],
                     responses=ERROR_RESPONSES, generate_unique_id_function=operation_id)


def _error(description: str, headers: dict[str, Any] | None = None) -> dict:
    return {"description": description, "model": ApiErrorBody, **({"headers": headers} if headers else {})}


# The headers a client generated from the schema must see (review: none was declared, though scripts rely on them).
RETRY_AFTER = {"Retry-After": {"description": "Quantos segundos esperar antes de tentar de novo.",
                               "schema": {"type": "integer"}}}
LOCATION = {"Location": {"description": "Onde está o recurso criado (ou, num 409 de documento repetido, o documento "
                                        "que o pedido já tem).", "schema": {"type": "string"}}}

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: _error("Sem token válido nem sessão."),
    404: _error("Não encontrado."),
    409: _error("A situação atual não permite a operação (com Location, quando o pedido já tem o documento pedido).",
                LOCATION),
    422: _error("Dados inválidos."),
    503: _error("Indisponível agora: tente de novo depois do Retry-After.", RETRY_AFTER),
}

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    403: _error("Chamada de escrita com a sessão do navegador sem o cabeçalho X-CSRF-Token (com token de API ela não "
                "acontece)."),
    413: _error("Corpo da requisição acima do limite (256 KiB)."),
}
