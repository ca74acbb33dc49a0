"""POST /webhooks/nuvemshop: verify, record, enqueue, answer. The store API is never called here."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from lojasync.adapters.nuvemshop.records import WebhookEventStatus
from lojasync.observability.metrics import observe_rejected, observe_webhook, rejection_reason
from lojasync.services.receive_webhook import WebhookRejected, receive_webhook

router = APIRouter()
log = logging.getLogger("lojasync.web")


@router.post("/webhooks/nuvemshop")
async def nuvemshop_webhook(request: Request) -> JSONResponse:
    container = request.app.state.container
    queue = request.app.state.queue
    body = await request.body()
    signature = request.headers.get("x-linkedstore-hmac-sha256")
    try:
        received = await run_in_threadpool(receive_webhook, container.uow(), body, signature,
                                           container.settings.nuvemshop_client_secret)
    except WebhookRejected as exc:
        observe_rejected(rejection_reason(exc.status_code))
        log.warning("webhook rejected", extra={"status": exc.status_code, "reason": exc.message})
        return JSONResponse({"erro": exc.message}, status_code=exc.status_code)
    observe_webhook(received.event)
    if received.status == WebhookEventStatus.PENDING and received.store_id is not None:
        await run_in_threadpool(queue.drain_soon, received.store_id)
    return JSONResponse({"ok": True, "evento": received.event_id, "situacao": received.status})
