"""What the API's routes take from the app: the container (units of work, cipher, settings), SEFAZ and the
queue that asks the worker to write stock and NF-e keys to the store after a change."""

from __future__ import annotations

import logging

from fastapi import Request

from lojasync.bootstrap import Container
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.nuvemshop.services.store_updates import stores_with_due_updates

log = logging.getLogger("lojasync.web")


def container(request: Request) -> Container:
    return request.app.state.container


def sefaz(request: Request) -> Sefaz:
    """How SEFAZ is reached, as the CLI reaches it (settings); tests override this dependency."""
    return sefaz_for(container(request).settings)


def push_soon(request: Request) -> None:
    """After a change that moved stock or authorised an NF-e: wake the worker for each store with updates
    waiting (what the CLI's `push_soon` does). Nothing is lost if the queue cannot be reached: the worker's
    housekeeping finds the pending updates."""
    try:
        for store_id in stores_with_due_updates(container(request).read_uow()):
            request.app.state.queue.push_soon(store_id)
    except Exception as exc:  # noqa: BLE001 - the request's own work is committed; housekeeping sends them
        log.warning("store updates not queued", extra={"error_class": type(exc).__name__})
