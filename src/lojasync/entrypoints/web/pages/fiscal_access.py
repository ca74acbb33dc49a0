"""What the order and document pages need besides the services: the way to SEFAZ, and the wake-up call that
sends moved stock and NF-e keys to the store."""

from __future__ import annotations

import logging

from fastapi import Request

from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.nuvemshop.services.store_updates import stores_with_due_updates

log = logging.getLogger("lojasync.web.documents")


def sefaz_of(request: Request) -> Sefaz:
    """The SEFAZ this server transmits to: the one the settings name (the worker settles with the same one).
    Tests put their own simulator on `app.state.sefaz`."""
    chosen = getattr(request.app.state, "sefaz", None)
    return chosen if chosen is not None else sefaz_for(request.app.state.container.settings)


def push_soon(request: Request) -> None:
    """Stock moved or an NF-e was authorised: wake the worker to tell the store (the updates are already
    committed with the change; the worker's housekeeping sends them within a minute if this fails)."""
    try:
        for store_id in stores_with_due_updates(request.app.state.container.read_uow()):
            request.app.state.queue.push_soon(store_id)
    except Exception as exc:  # noqa: BLE001 - the operator's action is done; only the wake-up failed
        log.warning("store updates not queued", extra={"error_class": type(exc).__name__})
