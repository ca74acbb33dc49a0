"""`lojasync worker`: consumes the queue (webhook drains, periodic reconciliation) on any number of machines."""

from __future__ import annotations

from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console
from lojasync.entrypoints.cli.runtime import require_shared_key, task_queue


def worker(workers: Annotated[int, typer.Option("--workers", help="Threads de trabalho.")] = 2) -> None:
    """Processa a fila (webhooks e conferências periódicas). Rode quantos quiser, em várias máquinas."""
    from lojasync.observability.metrics import maybe_start_worker_metrics_server

    require_shared_key()
    queue = task_queue()
    metrics = maybe_start_worker_metrics_server()
    console.print(f"Worker lojasync com {workers} threads. Ctrl+C para parar."
                  + (" Métricas em LOJASYNC_METRICS_PORT/metrics." if metrics else ""), highlight=False)
    # Tasks a killed worker took from the queue are not lost: their events are still pending.
    queue.housekeeping()
    queue.consumer(workers).run()
