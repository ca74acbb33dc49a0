"""What the order and document pages need besides the services: the way to SEFAZ (the wake-up call that sends
moved stock and NF-e keys to the store is `web.store_pushes`)."""

from __future__ import annotations

from fastapi import Request

from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.fiscal.services.invoices import Sefaz


def sefaz_of(request: Request) -> Sefaz:
    """The SEFAZ this server transmits to: the one the settings name (the worker settles with the same one).
    Tests put their own simulator on `app.state.sefaz`."""
    chosen = getattr(request.app.state, "sefaz", None)
    return chosen if chosen is not None else sefaz_for(request.app.state.container.settings)
