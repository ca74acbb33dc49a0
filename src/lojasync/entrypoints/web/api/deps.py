"""What the API's routes take from the app: the container (units of work, cipher, settings) and SEFAZ (the
queue's wake-up call after a change is `web.store_pushes`)."""

from __future__ import annotations

from fastapi import Request

from lojasync.bootstrap import Container
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.fiscal.services.invoices import Sefaz


def container(request: Request) -> Container:
    return request.app.state.container


def sefaz(request: Request) -> Sefaz:
    """How SEFAZ is reached, as the CLI reaches it (settings); tests override this dependency."""
    return sefaz_for(container(request).settings)
