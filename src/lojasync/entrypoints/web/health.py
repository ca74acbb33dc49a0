"""Liveness, readiness (database and queue reachable) and Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

router = APIRouter()


@router.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    container = request.app.state.container
    queue = request.app.state.queue
    problems = await run_in_threadpool(_check, container, queue)
    status = 200 if not problems else 503
    return JSONResponse({"ok": not problems, "problemas": problems}, status_code=status)


def _check(container, queue) -> list[str]:
    problems = [problem] if (problem := container.database_problem()) else []
    try:
        queue.huey.pending_count()
    except Exception as exc:  # noqa: BLE001 - a readiness probe reports any failure, it does not raise
        problems.append(f"fila inacessível: {exc.__class__.__name__}")
    return problems


@router.get("/metrics")
def metrics(request: Request) -> PlainTextResponse:
    from lojasync.observability.metrics import render

    return PlainTextResponse(render(request.app.state.container, request.app.state.queue),
                             media_type="text/plain; version=0.0.4")
