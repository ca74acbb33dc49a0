"""What every page of the back office says when no worker is working (`nuvemshop.services.maintenance.
worker_silence`): `serve --no-worker` with the worker stopped, or killed, records every webhook and answers every
page, and nothing imports an order, settles an NF-e or sends a queued cancellation; the operator saw the orders
stop arriving and nothing saying why.

Read at most once a minute per application (one query, not one per page), kept on the application's state."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from starlette.requests import Request

from lojasync.nuvemshop.services.maintenance import worker_silence

REREAD_AFTER = 60.0   # seconds
RETRY_AFTER = 10.0    # seconds: after a failed read, not one query per page while the database fails


def worker_notice(request: Request) -> str | None:
    """The workers' silence in words, or None while one works (or nothing needs one yet). Never raises: a page
    must not fail for its banner."""
    state = request.app.state
    container = getattr(state, "container", None)
    if container is None:
        return None
    now = time.monotonic()
    found = getattr(state, "worker_notice", None)
    if found is not None and now - found[0] < REREAD_AFTER:
        return found[1]
    try:
        moment = datetime.now(timezone.utc)
        silence = worker_silence(container.read_uow(), moment)
        notice = silence.text(moment) if silence is not None else None
    except Exception:   # noqa: BLE001 - the banner is a courtesy: the page itself goes on
        state.worker_notice = (now - REREAD_AFTER + RETRY_AFTER, None)
        return None
    state.worker_notice = (now, notice)
    return notice
