"""Liveness, readiness (database and queue reachable; workers silent, and IBS/CBS rates of an earlier year than
today's, as warnings) and Prometheus metrics.

`/healthz` is public: it says nothing but "up". `/readyz` and `/metrics` name stores and count their
notifications, so on the public app they answer 404 (as if absent) unless `LOJASYNC_METRICS_TOKEN` is set
and presented as `Authorization: Bearer`; `lojasync serve` also serves them, without a token, on
`LOJASYNC_METRICS_PORT`, a port kept off the internet (`create_metrics_app`).
"""

from __future__ import annotations

import asyncio
import hmac
from datetime import datetime, timezone
from typing import NoReturn

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from lojasync.fiscal.services.company import ibs_cbs_notice
from lojasync.nuvemshop.services.maintenance import worker_silence

router = APIRouter()
# How long /readyz waits for the database and the queue (each with timeouts of its own, shorter or about this).
READY_WITHIN = 8.0


@router.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@router.get("/readyz")
async def readyz(request: Request) -> Response:
    if not _allowed(request):
        return _not_found()
    container = request.app.state.container
    queue = request.app.state.queue
    checking: asyncio.Future | None = getattr(request.app.state, "readiness_check", None)
    if checking is None or checking.done():
        # One check at a time: a probe that times out leaves its thread waiting on the stalled database or queue
        # (a thread cannot be cancelled); the probes after it wait on that same check instead of piling up
        # threads (own-commits review: ten probes, ten threads held).
        checking = asyncio.ensure_future(run_in_threadpool(_check, container, queue))
        request.app.state.readiness_check = checking
    try:
        # Bounded: a database or queue that stops answering makes the probe fail, not hang (review: a stalled
        # PostgreSQL held each probe for as long as it stalled).
        problems, warnings = await asyncio.wait_for(asyncio.shield(checking), READY_WITHIN)
    except TimeoutError:
        problems, warnings = [f"o banco de dados ou a fila não responderam em {READY_WITHIN:g} s"], []
    problems = list(problems)
    if not getattr(getattr(request.app.state, "inbox", None), "writing", True):
        problems.append("webhooks não são registrados: o gravador da caixa de entrada parou (reinicie o serviço)")
    status = 200 if not problems else 503
    return JSONResponse({"ok": not problems, "problemas": problems, "avisos": warnings}, status_code=status)


def _check(container, queue) -> tuple[list[str], list[str]]:
    """What keeps this process from receiving (problems: 503), and what it receives for nobody (warnings)."""
    problems = [problem] if (problem := container.database_problem()) else []
    try:
        queue.huey.pending_count()
    except Exception as exc:  # noqa: BLE001 - a readiness probe reports any failure, it does not raise
        problems.append(f"fila inacessível: {exc.__class__.__name__}")
    # Silent workers are a warning, not a 503: this process still records every webhook, and a load balancer
    # taking it out of rotation would lose what it keeps now; the monitor reads `avisos` (and /metrics).
    warnings = []
    if not problems:
        moment = datetime.now(timezone.utc)
        try:
            silence = worker_silence(container.read_uow(), moment)
        except Exception:  # noqa: BLE001 - the database answered a moment ago; a warning is not worth failing for
            silence = None
        if silence is not None:
            warnings.append(silence.text(moment))
        try:
            # What the next NF-e would carry: last year's IBS/CBS rates, from 1 January until they are confirmed.
            stale = ibs_cbs_notice(container.read_uow(), [moment])
        except Exception:  # noqa: BLE001 - as above
            stale = None
        if stale:
            warnings.append(str(stale))
    return problems, warnings


@router.get("/metrics")
def metrics(request: Request) -> Response:
    from lojasync.observability.metrics import render

    if not _allowed(request):
        return _not_found()
    return PlainTextResponse(render(request.app.state.container, request.app.state.queue),
                             media_type="text/plain; version=0.0.4")


def _allowed(request: Request) -> bool:
    """The private app (metrics port) always; the public one only with the configured bearer token."""
    if getattr(request.app.state, "private", False):
        return True
    token = request.app.state.container.settings.metrics_token
    if not token:
        return False
    scheme, _, presented = request.headers.get("authorization", "").partition(" ")
    # Constant time: the comparison must not tell a guesser how much of the token was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def _not_found() -> NoReturn:
    # The same answer as a route that does not exist (the app's 404 handler): a scanner learns nothing.
    raise HTTPException(status_code=404)
