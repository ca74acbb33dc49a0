"""`lojasync worker`: consumes the queue (webhook drains, periodic reconciliation) on any number of machines."""

from __future__ import annotations

from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, fail, friendly_errors
from lojasync.entrypoints.cli.os_errors import cannot_listen
from lojasync.entrypoints.cli.runtime import queue_address, require_shared_key, task_queue, warn_weak_key

QUEUE_WAIT_SECONDS = 120.0


@friendly_errors
def worker(
    workers: Annotated[int, typer.Option("--workers", min=1, max=64, help="Threads de trabalho.")] = 2,
    queue_wait: Annotated[float, typer.Option("--queue-wait", help="Segundos esperando a fila (Redis) voltar antes "
                                                                  "de desistir.")] = QUEUE_WAIT_SECONDS,
) -> None:
    """Processa a fila (webhooks e conferências periódicas). Rode quantos quiser, em várias máquinas."""
    from lojasync.entrypoints.queue_watch import QueueOutage, wait_for_queue
    from lojasync.observability.metrics import maybe_start_worker_metrics_server

    require_shared_key()
    warn_weak_key()
    queue = task_queue()
    settings = container().settings
    where = queue_address(settings)
    if not wait_for_queue(queue.huey, where, queue_wait, lambda line: console.print(line, highlight=False)):
        fail(f"A fila em {where} continua inacessível após {queue_wait:.0f} s: o worker desistiu. Confira "
             "LOJASYNC_REDIS_URL e se o Redis está no ar; um supervisor (systemd, docker) pode reiniciar o worker.")
    try:
        metrics = maybe_start_worker_metrics_server(settings.metrics_port, settings.metrics_host)
    except OSError as exc:
        fail(cannot_listen("a porta de métricas", settings.metrics_host, settings.metrics_port, exc,
                           "LOJASYNC_METRICS_PORT (cada worker da mesma máquina precisa da sua) ou deixe-a vazia"))
    console.print(f"Worker lojasync com {workers} threads. Ctrl+C para parar."
                  + (f" Métricas em http://{settings.metrics_host}:{settings.metrics_port}/metrics." if metrics
                     else ""), highlight=False)
    # Tasks a killed worker took from the queue are not lost: their events are still pending.
    queue.housekeeping()
    consumer = queue.consumer(workers)
    outage = QueueOutage(queue.huey, where, queue_wait, give_up=lambda: consumer.stop(graceful=True))
    outage.install()
    try:
        consumer.run()
    finally:
        outage.uninstall()
    if outage.gave_up:
        fail(f"A fila em {where} ficou inacessível por mais de {queue_wait:.0f} s: o worker parou. Confira "
             "LOJASYNC_REDIS_URL e se o Redis está no ar.")

