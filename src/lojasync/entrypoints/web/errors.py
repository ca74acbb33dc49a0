"""How the web app answers what went wrong: pages in Portuguese for people, JSON for `/api/`.

A `LojasyncError` shows its message and "Resolução" (status by kind, `error_status`: not found 404, what was sent
is wrong 422, the state refuses it 409, try again later 503 with Retry-After); anything else is a defect: a 500
page with a reference, the traceback in the log, never on the screen.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.routing import iter_route_contexts
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Route

from lojasync.entrypoints.web.auth import (
    IDLE_MESSAGE,
    NOT_SENT_MESSAGE,
    SESSION_COOKIE,
    ApiCsrfRefused,
    ApiUnauthorized,
    CsrfRefused,
    LoginRequired,
    api_caller,
    login_url,
    page_above,
)
from lojasync.entrypoints.web.retry import retry_headers
from lojasync.entrypoints.web.sections import section_of
from lojasync.entrypoints.web.security_headers import protective_headers
from lojasync.entrypoints.web.templating import flash, redirect, render, write_flash
from lojasync.entrypoints.web.validation_words import field_problem
from lojasync.entrypoints.worker_words import with_worker_words
from lojasync.shared.errors import LojasyncError

log = logging.getLogger("lojasync.web")

# Paths whose answers are JSON for programs, not pages: the API and the platform's callbacks.
API_PREFIX = "/api/"
WEBHOOK_PREFIX = "/webhooks/"


def is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX)


# Errors about what the caller sent (422); other errors of things that exist are about their state (409).
INVALID_INPUT = frozenset({
    "money.invalid", "sales.invalid_tax_id", "sales.customer_name_required", "nfe.cancellation_reason",
    "finance.due_range_invalid", "finance.receipt_range_invalid", "stock.count_invalid", "stock.count_id_invalid",
    "stock.fiscal_data_invalid", "stock.adjustment_invalid", "stock.adjustment_id_invalid",
    "stock.adjustment_reason_invalid",
    "stock.sku_missing", "stock.sku_ambiguous",
    "nuvemshop.store_id_invalid", "fiscal.invalid_access_key", "fiscal.invalid_state_registration",
    "fiscal.company_invalid",
    "cli.invalid_date", "web.finance_filter_invalid", "web.period_invalid", "nuvemshop.store_not_chosen",
    "nuvemshop.store_number_ambiguous", "sales.customer_name_too_long", "web.batch_choice_invalid",
    "fiscal.exempt_not_admitted", "fiscal.state_registration_needs_state",
    "sales.invalid_tracking_code", "sales.invalid_tracking_url", "nfe.void_reason", "fiscal.void_range_invalid",
    "finance.write_off_reason_invalid", "finance.receipt_date_invalid", "nfe.discard_reason",
})


def error_status(error: LojasyncError) -> int:
    """The HTTP status of an error a person can act on, the same for the API and the pages: 404 not found, 422
    what was sent is wrong, 503 try again (SEFAZ or the store out of reach), 409 the thing's state refuses it."""
    if error.code.endswith("not_found") or error.code == "nuvemshop.store_order_gone":
        return 404
    if error.code in INVALID_INPUT:
        return 422
    if error.retryable:
        return 503
    return 409


def api_error(code: str, message: str, resolution: str, status_code: int, headers: dict | None = None, *,
              call: str | None = None, problems: list[str] | None = None) -> JSONResponse:
    """The API's error body; `na_api` (the call that acts on it) and `problemas` (each thing missing, as a list)
    only when the error has them."""
    body: dict = {"erro": message, "codigo": code, "resolucao": resolution}
    if call:
        body["na_api"] = call
    if problems:
        body["problemas"] = list(problems)
    return JSONResponse(body, status_code=status_code, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(LoginRequired, _login_required)
    app.add_exception_handler(CsrfRefused, _csrf_refused)
    app.add_exception_handler(ApiUnauthorized, _api_unauthorized)
    app.add_exception_handler(ApiCsrfRefused, _api_csrf_refused)
    app.add_exception_handler(LojasyncError, _lojasync_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Exception, _unexpected)


def _login_required(request: Request, exc: LoginRequired) -> Response:
    target = login_url(exc.next_url)
    if exc.idle:
        flash(request, IDLE_MESSAGE, "warning")
    if exc.form_lost:
        flash(request, NOT_SENT_MESSAGE, "warning")
    if request.headers.get("hx-request"):
        # htmx would swap the login page into a fragment; tell it to load the whole page instead.
        response = Response(status_code=204, headers={"HX-Redirect": target})
        write_flash(request, response)
    else:
        response = redirect(request, target)
    if exc.idle:
        response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def _csrf_refused(request: Request, exc: CsrfRefused) -> Response:
    message = "O formulário expirou ou não veio desta página (token de segurança ausente ou inválido)."
    resolution = "Volte à página, recarregue-a e envie o formulário de novo."
    if is_api(request):
        return api_error("web.csrf", message, resolution, 403)
    return render(request, "error.html", {"title": "Formulário recusado", "message": message,
                                          "resolution": resolution}, status_code=403)


def caller_refused(request: Request) -> Response | None:
    """The API's answer to a caller without a valid token or session (401), or a session call without its CSRF
    header (403); None when the caller may call. For refusals decided before the route's own dependencies run
    (a body or a query parameter the route cannot take): who calls is answered before what was sent."""
    try:
        api_caller(request)
    except ApiUnauthorized as refused:
        return _api_unauthorized(request, refused)
    except ApiCsrfRefused as refused:
        return _api_csrf_refused(request, refused)
    return None


def _api_unauthorized(request: Request, exc: ApiUnauthorized) -> Response:
    if exc.idle:
        return api_error("web.session_idle", IDLE_MESSAGE,
                         "Entre de novo pelo navegador, ou use 'Authorization: Bearer TOKEN' com um token criado "
                         "por 'lojasync tokens add NOME'.", 401, headers={"WWW-Authenticate": "Bearer"})
    # Which mistake it was (API journey: a token sent without "Bearer " got the same words as no token at all).
    message = {"bearer": "Token da API não reconhecido: revogado ou copiado errado.",
               "other": "Cabeçalho Authorization fora do formato 'Bearer TOKEN'."}.get(exc.sent,
                                                                                      "Acesso à API sem token.")
    return api_error("web.unauthorized", message,
                     "Envie o cabeçalho 'Authorization: Bearer TOKEN' com um token criado por "
                     "'lojasync tokens add NOME', ou entre pelo navegador.", 401,
                     headers={"WWW-Authenticate": "Bearer"})


def _api_csrf_refused(request: Request, exc: ApiCsrfRefused) -> Response:
    return api_error("web.api_csrf", "Chamada à API com a sessão do navegador sem o token de segurança (CSRF).",
                     "Envie o cabeçalho 'X-CSRF-Token' com o token da sessão (o da meta tag 'csrf-token' das "
                     "páginas) ou use 'Authorization: Bearer TOKEN' com um token criado por "
                     "'lojasync tokens add NOME'.", 403)


def _section(path: str) -> dict[str, str]:
    """The list a refused page belongs to: "Confira o SKU na lista de produtos do Estoque" leads back to Estoque,
    not to Pedidos/Orçamentos (error.html's default)."""
    section = section_of(path)
    return {"back_url": section.href, "back_label": section.back} if section else {}


def _lojasync_error(request: Request, exc: LojasyncError) -> Response:
    status_code = error_status(exc)
    if is_api(request):   # a page's `render` adds it itself
        with_worker_words(getattr(request.app.state, "container", None), exc)
        return api_error(exc.code, exc.message, exc.resolution, status_code, retry_headers(status_code, exc) or None)
    return render(request, "error.html", {"title": "Não foi possível concluir", "error": exc,
                                          **_section(request.url.path)}, status_code=status_code)


def _with_head(allowed: str) -> str:
    """Where GET is allowed, HEAD is too (`head_requests.HeadAsGet`): the routes do not declare it."""
    methods = [m.strip() for m in allowed.split(",") if m.strip()]
    if "GET" in methods and "HEAD" not in methods:
        methods.insert(methods.index("GET") + 1, "HEAD")
    return ", ".join(methods)


_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _one_of(allowed: str) -> str:
    """The methods as a person lists them: "GET ou HEAD", three as "GET, HEAD ou POST" (review: the 404 of
    PUT /api/v1/number-voids/ said "use GET ou HEAD ou POST")."""
    methods = [m.strip() for m in allowed.split(",") if m.strip()]
    return " ou ".join(filter(None, (", ".join(methods[:-1]), methods[-1])))


def _allowed_here(request: Request) -> str | None:
    """Every method some route takes at this address: Starlette's 405 names only the first route the path matched
    (review: PUT /api/v1/number-voids said "Allow: POST", and GET there works)."""
    return _methods_at(request, request.scope["path"])[0]


def _allowed_at(request: Request, path: str) -> str | None:
    """The methods `path` takes when it does not take this request's (None when it does, or takes none)."""
    allowed, takes_this_method = _methods_at(request, path)
    return None if takes_this_method else allowed


def _methods_at(request: Request, path: str) -> tuple[str | None, bool]:
    """The methods the routes take at `path`, in the usual order (None: no route there), and whether one of them
    takes this request's method."""
    scope = {**request.scope, "path": path}
    methods: set[str] = set()
    takes_this_method = False
    for context in iter_route_contexts(request.app.routes):
        route = context.route
        match = route.matches(scope)[0]
        takes_this_method |= match is Match.FULL
        if isinstance(route, Route) and route.methods and match is not Match.NONE:
            methods |= route.methods
    ordered = ", ".join(sorted(methods, key=lambda m: (_METHOD_ORDER + (m,)).index(m))) if methods else None
    return ordered, takes_this_method


def _without_slash(request: Request) -> str | None:
    """The address without its trailing slash, when a route takes it. Starlette redirected such an address with an
    empty-bodied 307 to an absolute http:// URL (API journey: a client that follows no redirect, httpx's default and
    curl's, met no words; behind a TLS proxy it pointed at plain http)."""
    path = request.url.path
    if path == "/" or not path.endswith("/"):
        return None
    twin = path.rstrip("/") or "/"
    scope = {**request.scope, "path": twin}
    for context in iter_route_contexts(request.app.routes):
        if context.route.matches(scope)[0] is not Match.NONE:
            return twin
    return None


def without_slash_redirect(request: Request, path: str, headers: dict | None = None) -> Response:
    """A person's browser sent on to `path`, the address without the trailing slash, with the query kept (relative:
    the scheme and host the browser used)."""
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(path + query, status_code=307, headers=headers)


def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    headers = getattr(exc, "headers", None)
    if is_api(request) and exc.status_code in (400, 404, 405) and (refused := caller_refused(request)) is not None:
        return refused   # an address, method or body the API cannot take is said only to who may call it
    if exc.status_code == 405 and headers and "Allow" in headers:
        headers = {**headers, "Allow": _with_head(_allowed_here(request) or headers["Allow"])}
    if exc.status_code == 404 and (twin := _without_slash(request)) is not None:
        if is_api(request):
            resolution = f"Use {twin}, sem a barra no fim."
            if (allowed := _allowed_at(request, twin)) is not None:
                # Review: DELETE /api/v1/orders/ was sent to /api/v1/orders, which then answered 405: both at once.
                resolution += (f" Nesse endereço, {request.method} não é permitido: use "
                               f"{_one_of(_with_head(allowed))}.")
            return api_error("web.not_found", f"Endereço com barra no fim: {request.url.path}.", resolution, 404,
                             headers)
        return without_slash_redirect(request, twin, headers)
    if exc.status_code == 404:
        message, resolution = "Página não encontrada.", "Confira o endereço ou volte para a lista de pedidos."
        if is_api(request):
            return api_error("web.not_found", "Recurso não encontrado.", "Confira o endereço e o identificador.",
                             404, headers)
        return render(request, "error.html", {"title": "Página não encontrada", "message": message,
                                              "resolution": resolution}, status_code=404, headers=headers)
    if exc.status_code == 405 and _form_action(request):
        # Only POST opens a form's action, yet a refused form is shown at that address, where the browser keeps
        # it (typed again, bookmarked, opened in a tab): its page, with the form, instead of a 405.
        return redirect(request, page_above(request))
    if exc.status_code == 405 and is_api(request):
        # A program has no button to use: the methods the address takes are in the Allow header.
        allowed = (headers or {}).get("Allow")
        message = f"Método {request.method} não permitido neste endereço."
        resolution = "Os métodos de cada endereço estão na documentação da API, /api/v1/docs."
        if allowed:
            resolution = f"Use {allowed.replace(', ', ' ou ')} (cabeçalho Allow). {resolution}"
    elif exc.status_code == 405:
        message, resolution = "Método não permitido neste endereço.", "Use o botão ou o formulário da página."
    elif exc.status_code == 400:
        # Starlette's own words ("There was an error parsing the body"): a body that is no JSON it can read.
        message = "O corpo da requisição não pôde ser lido (JSON inválido, texto fora de UTF-8 ou aninhado demais)."
        resolution = "Envie um objeto JSON em UTF-8, com o cabeçalho Content-Type: application/json."
        if is_api(request):
            # As any other body that is no JSON ("não é um JSON válido"): one status and code for the same mistake.
            return api_error("web.invalid_request", message, resolution, 422, headers)
    else:
        message = f"Requisição recusada (HTTP {exc.status_code})."
        resolution = "Confira o endereço e os dados enviados."
    if is_api(request):
        return api_error(f"web.http_{exc.status_code}", message, resolution, exc.status_code, headers)
    return render(request, "error.html", {"title": "Requisição recusada", "message": message,
                                          "resolution": resolution}, status_code=exc.status_code, headers=headers)


def _form_action(request: Request) -> bool:
    """A GET at an address of the back office's forms: not the API, not the platform's webhook (an integrator
    opening that one in a browser is told it takes POST)."""
    path = request.url.path
    return request.method in ("GET", "HEAD") and not is_api(request) and not path.startswith(WEBHOOK_PREFIX)


def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    if is_api(request):
        # FastAPI reads a JSON body before the router's dependencies run: an anonymous caller sending a broken
        # body got 422 "não é um JSON válido" where any other call gets 401. Who is calling is answered first.
        refused = caller_refused(request)
        if refused is not None:
            return refused
    fields = sorted({field_problem(error) for error in exc.errors()})
    message = f"Dados inválidos em: {', '.join(fields)}."
    resolution = "Corrija os campos indicados e envie de novo."
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if any(tuple(error.get("loc", ())) == ("body",) and error.get("type") in ("model_attributes_type", "dict_type")
           for error in exc.errors()) and kind != "application/json":
        # curl -d sends a form unless told otherwise: the body was never read as JSON.
        resolution = (f"Envie o corpo como JSON, com o cabeçalho Content-Type: application/json (veio "
                      f"{kind or 'sem Content-Type'}).")
    if not is_api(request) and any(error.get("loc", ("",))[0] == "path" for error in exc.errors()):
        # A page's address carries ids only; the route's parameter name ("number") means nothing to a person.
        message = f"Endereço inválido: {request.url.path}."
        resolution = ("O número no endereço deve ser um número inteiro a partir de 1. Confira o endereço ou volte "
                      "para a lista.")
    if is_api(request):
        response = api_error("web.invalid_request", message, resolution, 422)
        return response
    return render(request, "error.html", {"title": "Dados inválidos", "message": message, "resolution": resolution},
                  status_code=422)


def _unexpected(request: Request, exc: Exception) -> Response:
    # Starlette runs a catch-all handler outside every middleware: the protective headers `SecurityHeaders` adds to
    # all other answers are added here, by the same rule (review: the 500s had none, and the API's one no
    # Cache-Control); and no copy kept of the plain text one either.
    answer = _unexpected_answer(request, exc)
    answer.raw_headers = protective_headers(request.scope.get("path", ""), list(answer.raw_headers))
    answer.headers.setdefault("Cache-Control", "no-store")
    return answer


def _unexpected_answer(request: Request, exc: Exception) -> Response:
    reference = secrets.token_hex(4)
    log.error("unexpected error in a web request", exc_info=exc,
              extra={"reference": reference, "path": request.url.path})
    message = f"Erro inesperado, referência {reference}."
    resolution = "Tente de novo; se repetir, informe a referência a quem mantém o lojasync."
    if is_api(request):
        return api_error("web.unexpected", message, resolution, 500)
    try:
        return render(request, "error.html", {"title": "Erro inesperado", "message": message,
                                              "resolution": resolution, "reference": reference}, status_code=500)
    except Exception:  # noqa: BLE001 - the error page itself failed (the database is down): plain text then
        return Response(f"Erro inesperado, referência {reference}.", status_code=500,
                        media_type="text/plain; charset=utf-8")
