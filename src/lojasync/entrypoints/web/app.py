"""The web application (FastAPI): webhook receiver, store installation, health and metrics, and the back
office (pages behind the login, `/api/v1` behind a token or the login)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from lojasync.bootstrap import Container
from lojasync.entrypoints.tasks import TaskQueue
from lojasync.entrypoints.web import health, install, webhooks
from lojasync.entrypoints.web.body_limit import BodyLimit
from lojasync.entrypoints.web.errors import install_error_handlers
from lojasync.entrypoints.web.head_requests import HeadAsGet
from lojasync.entrypoints.web.nul_queries import NulFreeQueries
from lojasync.entrypoints.web.routers import ROUTERS
from lojasync.entrypoints.web.security_headers import SecurityHeaders
from lojasync.entrypoints.web.templating import STATIC_DIR


def create_app(container: Container, queue: TaskQueue) -> FastAPI:
    """The public app: what the platform and the merchant's browser reach."""
    app = FastAPI(title="lojasync", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.container = container
    app.state.queue = queue
    app.state.inbox = container.webhook_inbox()
    app.state.clock = None  # the accounts' clock (UTC now); tests set their own
    # An address with a trailing slash is answered by the 404 handler (errors._without_slash): words for the API,
    # a relative redirect for a page; Starlette's own redirect had no body and an absolute http:// address.
    app.router.redirect_slashes = False
    install_error_handlers(app)
    # Before any route reads a body (and so before the login check): see body_limit.py.
    app.add_middleware(BodyLimit)
    app.add_middleware(NulFreeQueries)
    app.add_middleware(SecurityHeaders)   # on every answer, the body limit's 413 page included
    app.add_middleware(HeadAsGet)   # added last: the outermost, every route sees a HEAD as its GET
    app.include_router(webhooks.router)
    app.include_router(health.router)
    app.include_router(install.router)
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app


def create_metrics_app(container: Container, queue: TaskQueue) -> FastAPI:
    """Health, readiness and metrics without a token, for a port only the operator's network reaches."""
    app = FastAPI(title="lojasync-metrics", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.container = container
    app.state.queue = queue
    app.state.private = True
    app.add_middleware(HeadAsGet)
    app.include_router(health.router)
    return app
