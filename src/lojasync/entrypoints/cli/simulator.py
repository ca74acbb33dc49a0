"""`lojasync simulator` and `lojasync sefaz-simulator`: the local stand-ins for the Nuvemshop API and for SEFAZ
(demo, tests, benchmarks)."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import fail
from lojasync.entrypoints.cli.os_errors import cannot_listen, is_listen_error


def simulator(
    host: Annotated[str, typer.Option("--host", metavar="ENDEREÇO", help="Onde escutar.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="N", min=0, max=65535,
                                      help="0 escolhe uma porta livre.")] = 8765,
    orders: Annotated[int, typer.Option("--orders", metavar="N", help="Pedidos gerados na loja.")] = 300,
    seed: Annotated[int, typer.Option("--seed", metavar="N", help="Mesma semente, mesma loja.")] = 42,
    days: Annotated[float, typer.Option("--days", metavar="N",
                                        help="Pedidos espalhados pelos últimos N dias.")] = 30.0,
    store: Annotated[str, typer.Option("--store", metavar="ID", help="Id da loja simulada.")] = "1234567",
    bucket_size: Annotated[int, typer.Option("--bucket-size", metavar="N",
                                             help="Tamanho do balde (limite de requisições).")] = 40,
    leak_per_second: Annotated[float, typer.Option("--leak-per-second", metavar="N",
                                                   help="Requisições liberadas por segundo.")] = 2.0,
    client_secret: Annotated[str | None, typer.Option("--client-secret", metavar="SEGREDO",
                                                      help="Segredo do app (assina os webhooks).")] = None,
    webhook_workers: Annotated[int, typer.Option("--webhook-workers", metavar="N",
                                                 help="Threads que entregam webhooks.")] = 8,
    # The first spelling (0.1): still accepted, no longer shown.
    old_store_id: Annotated[str | None, typer.Option("--store-id", hidden=True)] = None,
) -> None:
    """Sobe o simulador da API Nuvemshop com uma loja brasileira gerada (e mostra como conectar o lojasync a ela)."""
    from lojasync.simulators.nuvemshop.server import serve

    extra = {"client_secret": client_secret} if client_secret else {}
    try:
        serve(host=host, port=port, orders=orders, seed=seed, days=days, store_id=old_store_id or store,
              bucket_size=bucket_size, leak_per_second=leak_per_second, webhook_workers=webhook_workers, **extra)
    except OSError as exc:
        if not is_listen_error(exc):
            raise
        fail(cannot_listen("o simulador da loja", host, port, exc))


def sefaz_simulator(
    host: Annotated[str, typer.Option("--host", metavar="ENDEREÇO", help="Onde escutar.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="N", min=0, max=65535,
                                      help="0 escolhe uma porta livre.")] = 8790,
    state_file: Annotated[Path | None, typer.Option("--state-file", metavar="ARQUIVO", help=(
        "Guarda o que autorizou (sem isso, esquece ao reiniciar)."))] = None,
) -> None:
    """Sobe o simulador da SEFAZ (homologação, NF-e 4.00). Aponte o lojasync para ele com LOJASYNC_SEFAZ_URL."""
    from lojasync.simulators.sefaz.config import SefazConfig
    from lojasync.simulators.sefaz.server import run

    try:
        with contextlib.suppress(KeyboardInterrupt):
            run(host=host, port=port, config=SefazConfig(state_file=state_file))
    except OSError as exc:
        if not is_listen_error(exc):
            raise
        fail(cannot_listen("o simulador da SEFAZ", host, port, exc))
