"""The web application (FastAPI): webhook receiver, store installation, health and metrics."""

from __future__ import annotations

from fastapi import FastAPI

from lojasync.bootstrap import Container
from lojasync.entrypoints.tasks import TaskQueue
from lojasync.entrypoints.web import health, install, webhooks


def create_app(container: Container, queue: TaskQueue) -> FastAPI:
    """The public app: what the platform and the merchant's browser reach."""
    app = FastAPI(title="lojasync", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.container = container
    app.state.queue = queue
    app.state.inbox = container.webhook_inbox()
    app.include_router(webhooks.router)
    app.include_router(health.router)
    app.include_router(install.router)
    return app


def create_metrics_app(container: Container, queue: TaskQueue) -> FastAPI:
    """Health, readiness and metrics without a token, for a port only the operator's network reaches."""
    app = FastAPI(title="lojasync-metrics", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.container = container
    app.state.queue = queue
    app.state.private = True
    app.include_router(health.router)
    return app
