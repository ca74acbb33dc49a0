"""`lojasync demo`: simulator + connected store + sync, then a summary of what arrived."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import typer

from lojasync.entrypoints.cli.context import console, container, friendly_errors
from lojasync.entrypoints.cli.output import table
from lojasync.entrypoints.cli.sync import print_sync_report, run_sync
from lojasync.services.order_views import list_customers, list_orders, list_products
from lojasync.services.stores import add_store


@friendly_errors
def demo(
    orders: Annotated[int, typer.Option("--orders", help="Pedidos da loja de demonstração.")] = 300,
    seed: Annotated[int, typer.Option("--seed")] = 42,
) -> None:
    """Demonstração: gera uma loja no simulador, conecta, sincroniza e mostra o que foi importado."""
    from lojasync.simulator.config import SimulatorConfig
    from lojasync.simulator.server import SimulatorServer

    app = container()
    console.rule("[bold]lojasync — demonstração")
    with SimulatorServer(config=SimulatorConfig(orders=orders, seed=seed)) as server:
        console.print(f"Simulador da Nuvemshop em {server.api_url} com {orders} pedidos (loja {server.store_id}).",
                      highlight=False)
        add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url,
                  name="Loja de demonstração")
        # Full: the simulated store is generated anew on every run.
        report = run_sync(store=server.store_id, full=True)
        print_sync_report(report)
        console.print("Sincronizando de novo (nada deve duplicar)...")
        print_sync_report(run_sync(store=server.store_id))
    _summary(app)


def _summary(app) -> None:
    orders = list_orders(app.read_uow())
    from_store = [o for o in orders if o["origin"] == "nuvemshop"]
    by_status = Counter(o["status"] for o in from_store)
    table("Pedidos/Orçamentos vindos da loja virtual", ["Situação", "Pedidos"],
          [[status, by_status.get(status, 0)] for status in ("Em Aberto", "Confirmado", "Cancelado")]
          + [["Total", len(from_store)]])
    reasons = Counter(_reason_kind(o["customer_problem"]) for o in from_store if o["customer"] is None)
    table("Pedidos sem cliente, e por quê", ["Motivo", "Pedidos"], [[r, n] for r, n in reasons.most_common()])
    customers = list_customers(app.read_uow())
    kinds = Counter(c["kind"] for c in customers)
    alnum = sum(1 for c in customers if c["kind"] == "CNPJ" and not c["tax_id"].isdigit())
    products = list_products(app.read_uow())
    console.print(f"Clientes: {len(customers)} (CPF {kinds.get('CPF', 0)}, CNPJ {kinds.get('CNPJ', 0)}, "
                  f"dos quais {alnum} alfanuméricos), um por documento.", highlight=False)
    console.print(f"Produtos: {len(products)}; estoque movimentado pela importação: "
                  f"{sum(p['stock'] for p in products)} (importar não baixa estoque).", highlight=False)
    example = next((o for o in from_store if o["customer"] is None), from_store[0] if from_store else None)
    console.print("\nExperimente:", style="bold")
    console.print("  lojasync orders list --status confirmado")
    if example:
        console.print(f"  lojasync orders show {example['number']}")
    console.print("  lojasync customers list\n  lojasync orders list --sem-cliente --format json")


def _reason_kind(problem: str | None) -> str:
    # "CPF inválido: 123..." -> "CPF inválido": group by the kind of problem, not the document.
    return (problem or "sem motivo registrado").split(":")[0]
