"""`lojasync serve`: the webhook receiver, the install routes, health and metrics (with an embedded worker)."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, fail, friendly_errors
from lojasync.entrypoints.cli.os_errors import cannot_listen
from lojasync.entrypoints.cli.runtime import queue_address, require_shared_key, task_queue, warn_weak_key

# Long enough for a request waiting on the inbox's commit to be answered; a second Ctrl+C stops at once.
GRACEFUL_SHUTDOWN_SECONDS = 30


@friendly_errors  # a database down at start is one line in Portuguese, not a traceback
def serve(
    host: Annotated[str, typer.Option("--host", help="Onde escutar (0.0.0.0: em todas as interfaces).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Porta do back office e dos webhooks.")] = 8000,
    no_worker: Annotated[bool, typer.Option("--no-worker", help="Só recebe; workers rodam à parte.")] = False,
) -> None:
    """Sobe o receptor de webhooks (e um worker embutido, por padrão)."""
    from lojasync.entrypoints.queue_watch import QueueOutage, queue_problem
    from lojasync.entrypoints.web.app import create_app, create_metrics_app
    from lojasync.nuvemshop.services.install_invite import setup_warnings
    from lojasync.serving import (
        BackgroundServer,
        ConnectionLimits,
        bind_socket,
        descriptor_budget,
        settle_startup_heap,
        uvicorn_server,
    )

    app = container(create=True)  # serve may start a new data folder (the embedded setup)
    settings = app.settings
    require_shared_key()
    warn_weak_key()
    for warning in setup_warnings(settings.nuvemshop_client_id, settings.nuvemshop_client_secret,
                                  settings.public_url):
        console.print(f"Atenção: {warning}", style="yellow", markup=False, highlight=False, soft_wrap=True)
    connections, open_files = descriptor_budget(settings.max_connections)
    if open_files is not None:
        console.print(f"Atenção: o limite de arquivos abertos deste processo ({open_files}, ulimit -n) só comporta "
                      f"{connections} conexões; LOJASYNC_MAX_CONNECTIONS={settings.max_connections} foi reduzido. "
                      "Aumente o limite (ulimit -n ou LimitNOFILE no systemd) para aceitar mais.",
                      style="yellow", markup=False, highlight=False, soft_wrap=True)
    limits = ConnectionLimits(request_timeout=settings.http_header_timeout, max_connections=connections)
    # The port first: taken by another process, it is one line before any worker starts.
    try:
        listening = bind_socket(host, port)
    except OSError as exc:
        fail(cannot_listen("o lojasync", host, port, exc))
    queue = task_queue()
    metrics_server = None
    if settings.metrics_port:
        try:
            metrics_server = BackgroundServer(create_metrics_app(app, queue), settings.metrics_host,
                                              settings.metrics_port, name="lojasync-metrics", limits=limits).start()
        except OSError as exc:
            listening.close()
            fail(cannot_listen("a porta de métricas", settings.metrics_host, settings.metrics_port, exc,
                               "LOJASYNC_METRICS_PORT"))
    consumer = None
    # Queue down (Redis): one line, then quiet until it is back; the receiver keeps accepting webhooks (they
    # wait in the database), so serve never gives up on it.
    outage = QueueOutage(queue.huey, queue_address(settings), None, give_up=lambda: None)
    if not no_worker:
        # Import threads are CPU-bound; a shorter GIL slice keeps webhook answers quick beside them.
        sys.setswitchinterval(0.001)
        consumer = queue.consumer(settings.worker_threads, embedded=True)
        problem = queue_problem(queue.huey)
        if problem is not None:
            outage.already_reported()
            console.print(f"Atenção: fila inacessível em {queue_address(settings)} ({problem}). Os webhooks continuam "
                          "sendo recebidos e guardados; o worker embutido volta sozinho quando a fila voltar.",
                          style="yellow", markup=False, highlight=False, soft_wrap=True)
        outage.install()
        consumer.start()
        if problem is None:
            queue.housekeeping()  # what a process killed earlier left pending starts now, not at the next minute
    metrics = (f"; métricas e /readyz em http://{settings.metrics_host}:{settings.metrics_port}" if metrics_server
               else "")
    bound_port = listening.getsockname()[1]
    console.print(f"lojasync ouvindo em http://{_url_host(host)}:{bound_port} (webhooks em /webhooks/nuvemshop)"
                  + ("" if no_worker else f", worker embutido com {settings.worker_threads} threads") + metrics,
                  highlight=False, soft_wrap=True)
    for line in back_office_lines(app, host, bound_port):
        console.print(line, highlight=False, soft_wrap=True)
    # uvicorn stops on SIGTERM and then raises it again: with the default action the process would die
    # there, before the embedded worker and the metrics server below are stopped.
    if threading.current_thread() is threading.main_thread():  # only there may a handler be set
        signal.signal(signal.SIGTERM, _exit_cleanly)
    try:
        # own_logging: uvicorn's records go through our handler, which masks tokens and documents.
        server = uvicorn_server(create_app(app, queue), host=host, port=port, limits=limits, own_logging=True,
                                graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS)
        settle_startup_heap()
        with contextlib.suppress(KeyboardInterrupt):  # uvicorn re-raises the Ctrl+C it caught, once stopped
            server.run(sockets=[listening])
        if not server.started:
            raise typer.Exit(1)  # uvicorn logged why (the port in use, most often)
    finally:
        listening.close()
        if consumer is not None:
            consumer.stop(graceful=True)
            outage.uninstall()
        if metrics_server is not None:
            metrics_server.stop()


def back_office_lines(app, host: str, port: int) -> list[str]:
    """Where to open the back office, and, while nobody can log in, how to create the first user."""
    from lojasync.accounts.services.users import list_users

    lines = [f"Back office: {back_office_url(host, port)}"]
    users = list_users(app.accounts_read_uow())
    if not users:
        lines.append("Nenhum usuário para entrar no back office: crie o primeiro com 'lojasync users add EMAIL'.")
    elif not any(user.active for user in users):
        lines.append("Todos os usuários estão desativados: reative um com 'lojasync users enable EMAIL' ou crie "
                     "outro com 'lojasync users add EMAIL'.")
    return lines


def back_office_url(host: str, port: int) -> str:
    """The login page's address. Listening on every interface (0.0.0.0, ::), this machine opens it at
    127.0.0.1; other machines use this machine's address."""
    if host in ("0.0.0.0", "", "::"):
        return f"http://127.0.0.1:{port}/login (ou o endereço desta máquina na rede, na porta {port})"
    return f"http://{_url_host(host)}:{port}/login"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host  # an IPv6 address goes in brackets in a URL


def _exit_cleanly(signum, frame) -> None:
    raise SystemExit(0)
