"""`lojasync serve`, `lojasync worker` and `lojasync events ...`: the real-time side."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, fail, friendly_errors
from lojasync.entrypoints.cli.output import OutputFormat, print_json, table
from lojasync.nuvemshop.services.events_admin import list_events, retry_events

events_app = typer.Typer(help="Notificações (webhooks) recebidas da loja.", no_args_is_help=True)


def task_queue():
    from lojasync.entrypoints.tasks import TaskQueue

    return TaskQueue(container())


def require_shared_key() -> None:
    """Several machines must share the key that encrypts store tokens (and signs install cookies)."""
    settings = container().settings
    shared = settings.redis_url or not settings.resolved_database_url.startswith("sqlite")
    if shared and not settings.secret_key:
        fail("Com PostgreSQL ou Redis (vários processos ou máquinas), defina LOJASYNC_SECRET_KEY igual em "
             "todos: sem ela cada máquina geraria a sua e não conseguiria ler os tokens das lojas.")


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


@events_app.command("list")
@friendly_errors
def events_list(
    failed: Annotated[bool, typer.Option("--failed", help="Só os que falharam.")] = False,
    limit: Annotated[int, typer.Option("--limit")] = 50,
    fmt: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Lista as notificações recebidas, das mais novas para as mais antigas."""
    events = list_events(container().read_uow(), failed_only=failed, limit=limit)
    if fmt is OutputFormat.JSON:
        print_json([e.__dict__ for e in events])
        return
    table(f"Eventos ({len(events)})", ["ID", "Loja", "Evento", "Recurso", "Situação", "Tent.", "Recebido",
                                       "Erro / Resolução"],
          [[e.id, e.store, e.event, e.resource_id, e.status, e.attempts, e.received_at[:19], _problem(e)]
           for e in events])
    if any(e.retryable for e in events):
        console.print("Para reprocessar: [bold]lojasync events retry ID[/] (ou --all).")


def _problem(event) -> str | None:
    if not event.error:
        return None
    return f"{event.error}\nResolução: {event.resolution}" if event.resolution else event.error


@events_app.command("retry")
@friendly_errors
def events_retry(
    event_id: Annotated[int | None, typer.Argument(help="ID do evento (veja `lojasync events list --failed`).")] = None,
    all_failed: Annotated[bool, typer.Option("--all", help="Todos os eventos com erro.")] = False,
) -> None:
    """Tenta de novo um evento com erro (ou todos)."""
    if event_id is None and not all_failed:
        fail("Informe o ID do evento ou --all.")
    stores = retry_events(container().uow(), event_id, all_failed)
    queue = task_queue()
    for store_id in stores:
        queue.drain_soon(store_id)
    console.print("Eventos recolocados na fila." if stores else "Nenhum evento com erro.")
