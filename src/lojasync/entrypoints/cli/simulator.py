"""`lojasync simulator`: the local stand-in for the Nuvemshop API (demo, tests, benchmarks)."""

from __future__ import annotations

from typing import Annotated

import typer


def simulator(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="0 escolhe uma porta livre.")] = 8765,
    orders: Annotated[int, typer.Option("--orders", help="Pedidos gerados na loja.")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Mesma semente, mesma loja.")] = 42,
    days: Annotated[float, typer.Option("--days", help="Pedidos espalhados pelos últimos N dias.")] = 30.0,
    store_id: Annotated[str, typer.Option("--store-id")] = "1234567",
    bucket_size: Annotated[int, typer.Option("--bucket-size", help="Tamanho do balde (limite de requisições).")] = 40,
    leak_per_second: Annotated[float, typer.Option("--leak-per-second",
                                                   help="Requisições liberadas por segundo.")] = 2.0,
    client_secret: Annotated[str | None, typer.Option("--client-secret",
                                                      help="Segredo do app (assina os webhooks).")] = None,
    webhook_workers: Annotated[int, typer.Option("--webhook-workers", help="Threads que entregam webhooks.")] = 8,
) -> None:
    """Sobe o simulador da API Nuvemshop com uma loja brasileira gerada."""
    from lojasync.simulators.nuvemshop.server import serve

    extra = {"client_secret": client_secret} if client_secret else {}
    serve(host=host, port=port, orders=orders, seed=seed, days=days, store_id=store_id,
          bucket_size=bucket_size, leak_per_second=leak_per_second, webhook_workers=webhook_workers, **extra)
