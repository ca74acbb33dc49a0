"""`lojasync serve`: the webhook receiver, the install routes, health and metrics (with an embedded worker)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container
from lojasync.entrypoints.cli.runtime import require_shared_key, task_queue


def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Só recebe; workers rodam à parte.")] = False,
) -> None:
    """Sobe o receptor de webhooks (e um worker embutido, por padrão)."""
    import uvicorn

    from lojasync.entrypoints.web.app import create_app

    app = container()
    require_shared_key()
    queue = task_queue()
    consumer = None
    if not no_worker:
        # Import threads are CPU-bound; a shorter GIL slice keeps webhook answers quick beside them.
        sys.setswitchinterval(0.001)
        consumer = queue.consumer(app.settings.worker_threads, embedded=True)
        consumer.start()
        queue.housekeeping()  # what a process killed earlier left pending starts now, not at the next minute
    console.print(f"lojasync ouvindo em http://{host}:{port} (webhooks em /webhooks/nuvemshop)"
                  + ("" if no_worker else f", worker embutido com {app.settings.worker_threads} threads"),
                  highlight=False)
    try:
        # log_config=None: uvicorn's records go through our handler, which masks tokens and documents.
        uvicorn.run(create_app(app, queue), host=host, port=port, log_level="warning", access_log=False,
                    log_config=None)
    finally:
        if consumer is not None:
            consumer.stop(graceful=True)
