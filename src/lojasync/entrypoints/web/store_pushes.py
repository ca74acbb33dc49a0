"""The wake-up call after a change that moved stock or authorised an NF-e, for the pages and the API alike."""

from __future__ import annotations

import logging

from fastapi import Request

from lojasync.nuvemshop.services.store_updates import stores_with_due_updates

log = logging.getLogger("lojasync.web")


def push_soon(request: Request) -> None:
    """Wake the worker for each store with updates waiting (what the CLI's `push_soon` does). The updates are
    committed with the change: if the queue cannot be reached, the worker's housekeeping sends them within a
    minute."""
    try:
        for store_id in stores_with_due_updates(request.app.state.container.read_uow()):
            request.app.state.queue.push_soon(store_id)
    except Exception as exc:  # noqa: BLE001 - the request's own work is done; only the wake-up failed
        log.warning("store updates not queued", extra={"error_class": type(exc).__name__})
