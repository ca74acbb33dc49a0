"""POST /webhooks/nuvemshop (and the LGPD notifications' own addresses): verify, record, enqueue, answer. The store
API is never called here."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect

from lojasync.nuvemshop.errors import WebhookRejected
from lojasync.nuvemshop.model.webhook_events import WebhookEventStatus
from lojasync.nuvemshop.services.receive_webhook import accept_webhook
from lojasync.nuvemshop.webhook_topics import LGPD_EVENTS
from lojasync.observability.metrics import NOT_RECORDED, observe_rejected, observe_webhook, rejection_reason

router = APIRouter()
# Order notifications are ~100 bytes; LGPD ones list order ids. Anything bigger is not from the platform.
MAX_BODY = 256 * 1024
# Below the platform's 40 s: answer 503 (it resends) before it gives up on us.
INBOX_TIMEOUT = 30.0
log = logging.getLogger("lojasync.web")


@router.post("/webhooks/nuvemshop")
async def nuvemshop_webhook(request: Request) -> JSONResponse:
    return await _notified(request, None)


# The LGPD notifications' addresses, one per event (set in the partner portal: their bodies name no event). The
# path is the event's own name: /webhooks/nuvemshop/customers/redact is customers/redact.
@router.post("/webhooks/nuvemshop/{group}/{action}")
async def nuvemshop_lgpd_webhook(request: Request, group: str, action: str) -> JSONResponse:
    event = f"{group}/{action}"
    if event not in LGPD_EVENTS:
        return JSONResponse({"erro": f"Endereço de notificação desconhecido: os da LGPD são "
                                     f"{', '.join(lgpd_webhook_paths())}; os demais avisos vão a /webhooks/nuvemshop."},
                            status_code=404)
    return await _notified(request, event)


def lgpd_webhook_paths() -> list[str]:
    """The addresses (paths) to set in the partner portal for the LGPD notifications."""
    return [f"/webhooks/nuvemshop/{event}" for event in sorted(LGPD_EVENTS)]


async def _notified(request: Request, event: str | None) -> JSONResponse:
    container = request.app.state.container
    inbox = request.app.state.inbox
    try:
        body = await _read_body(request)
    except ClientDisconnect:
        return JSONResponse({"erro": "Conexão encerrada antes do fim da notificação."}, status_code=400)
    if body is None:
        observe_rejected(rejection_reason(413))
        # Connection: close makes uvicorn drop the connection after answering instead of reading (and
        # discarding) the rest of a body that may never end.
        return JSONResponse({"erro": "Notificação grande demais."}, status_code=413, headers={"Connection": "close"})
    signature = request.headers.get("x-linkedstore-hmac-sha256")
    try:
        # Verification is CPU-only (the store id lookup is cached): no thread hop on the hot path.
        received, row = accept_webhook(inbox, body, signature, container.settings.nuvemshop_client_secret,
                                       event=event)
    except WebhookRejected as exc:
        observe_rejected(rejection_reason(exc.status_code, exc.reason))
        log.warning("webhook rejected", extra={"status": exc.status_code, "reason": exc.message})
        return JSONResponse({"erro": exc.message}, status_code=exc.status_code)
    # Answer only once the row is committed: a 200 means the notification cannot be lost.
    try:
        await asyncio.wait_for(asyncio.wrap_future(inbox.submit(row)), timeout=INBOX_TIMEOUT)
    except Exception as exc:  # noqa: BLE001 - queue.Full, the timeout or the writer's database error: 503
        log.error("webhook not recorded", extra={"error_class": type(exc).__name__})
        observe_rejected(NOT_RECORDED)   # refused with 503 too: counted (review: it was not at all)
        return JSONResponse({"erro": "Não foi possível registrar a notificação agora; a Nuvemshop reenviará."},
                            status_code=503)
    observe_webhook(received.event)
    queue = request.app.state.queue
    if received.status == WebhookEventStatus.PENDING and received.store_id is not None \
            and queue.claim_drain(received.store_id):
        # Enqueueing may wait for the queue's storage: never on the event loop.
        try:
            await run_in_threadpool(queue.schedule_drain, received.store_id)
        except Exception as exc:  # noqa: BLE001 - the queue (Redis) is down: the event is recorded all the same
            # 200 all the same: the row is committed, and the housekeeping round drains it once the queue
            # answers again; a 500 would only make the platform resend what is already kept.
            log.warning("webhook recorded, queue unreachable", extra={"error_class": type(exc).__name__})
    return JSONResponse({"ok": True, "situacao": received.status})


async def _read_body(request: Request) -> bytes | None:
    """The body, or None as soon as it passes MAX_BODY: a chunked body has no Content-Length to check
    first, so it is read piece by piece and never held past the limit."""
    declared = request.headers.get("content-length", "")
    if declared.isascii() and declared.isdigit() and int(declared) > MAX_BODY:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return None
    return bytes(body)
