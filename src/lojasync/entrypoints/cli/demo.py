"""`lojasync demo`: simulator + `serve` + worker in one process, on a data dir of its own.

It connects a generated store, imports its history (sync), lets the simulated store place and pay orders
every few seconds while a person watches them arrive through signed webhooks, and runs the back office's
part once (NF-e in the SEFAZ simulator, a venda simples, a cancellation). Then it keeps the whole product
open in the browser, with a login made for the demo, while the store goes on selling: until Ctrl+C, or
for `--minutes N` (0: end right after the scripted part).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import random
import secrets
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.text import Text

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import INTERRUPTED, adopt_container, console, friendly_errors, reset_container
from lojasync.entrypoints.cli.output import Column, table
from lojasync.entrypoints.cli.sync import print_sync_report, run_sync
from lojasync.nuvemshop.services.stores import add_store
from lojasync.sales.history import Person
from lojasync.sales.views import list_customers, list_orders
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import merchant_zone
from lojasync.stock.views import list_products

DEMO_SECRET = "demo-client-secret-0123456789abcdef"


@friendly_errors
def demo(
    orders: Annotated[int, typer.Option("--orders", min=0, max=100_000,
                                        help="Pedidos do histórico da loja de demonstração.")] = 300,
    seed: Annotated[int, typer.Option("--seed", help="Mesma semente, mesma loja.")] = 42,
    live_seconds: Annotated[float, typer.Option("--live-seconds",
                                                help="Quanto tempo a loja fica vendendo ao vivo (0: nada).")] = 30,
    data_dir: Annotated[Path, typer.Option("--data-dir", metavar="PASTA",
                                           help="Pasta da demonstração (separada da sua).")]
    = Path("./lojasync-demo"),
    invoices: Annotated[int, typer.Option("--invoices", min=0, max=1_000, help=(
        "Pedidos confirmados que viram NF-e no simulador da SEFAZ ao fim (0: nenhum)."))] = 5,
    minutes: Annotated[float | None, typer.Option("--minutes", min=0, help=(
        "Depois da parte automática, quantos minutos o back office fica aberto no navegador com a loja "
        "vendendo (padrão: até Ctrl+C; 0: encerra logo)."))] = None,
    port: Annotated[int, typer.Option("--port", min=0, max=65535,
                                      help="Porta do back office (ocupada: outra livre).")] = 8000,
) -> None:
    """Demonstração: loja simulada, importação do histórico, pedidos chegando ao vivo por webhook e o back office
    aberto no navegador (até Ctrl+C)."""
    from lojasync.bootstrap import bootstrap
    from lojasync.entrypoints.tasks import TaskQueue
    from lojasync.entrypoints.web.app import create_app
    from lojasync.nuvemshop.services.install_store import store_webhooks, webhook_url_for
    from lojasync.settings import Settings
    from lojasync.simulators.nuvemshop.config import SimulatorConfig
    from lojasync.simulators.nuvemshop.server import SimulatorServer

    with _only_demo_here(data_dir):
        _start_clean(data_dir)
        # Never the operator's database: the demo writes fake orders.
        app = bootstrap(Settings(data_dir=data_dir, database_url=None, redis_url=None,
                                 nuvemshop_client_secret=DEMO_SECRET, coalesce_seconds=0.5))
        adopt_container(app)
        console.rule("[bold]lojasync — demonstração")
        config = SimulatorConfig(orders=orders, seed=seed, client_secret=DEMO_SECRET, webhook_time_scale=0.01)
        queue = TaskQueue(app)
        consumer = queue.consumer(app.settings.worker_threads, embedded=True)
        with SimulatorServer(config=config) as store_api, _web_server(create_app(app, queue), port) as web:
            # The address the store calls is the one serving now (another port when 8000 is taken, or --port): the
            # Integração page compares the store's webhooks with it, and said all were missing (review).
            app.settings.public_url = web.url
            console.print(f"Simulador da Nuvemshop em {store_api.api_url} ({orders} pedidos, loja "
                          f"{store_api.store_id}); lojasync recebendo webhooks em {web.url}/webhooks/nuvemshop.",
                          highlight=False)
            add_store(app.uow(), app.cipher, store_api.store_id, store_api.access_token, store_api.api_url,
                      name=DEMO_STORE_NAME)
            hooks = store_webhooks(app.uow(), app.client_for, store_api.store_id, webhook_url_for(web.url))
            console.print(f"Webhooks registrados na loja: {len(hooks.items)} eventos.", highlight=False)
            # Full: the simulated store is generated anew on every run.
            print_sync_report(run_sync(external_store_id=store_api.store_id, full=True, app=app,
                                       next_step=RESTART))
            consumer.start()
            try:
                if live_seconds > 0:
                    _live(app, store_api.simulator, live_seconds, seed)
                _summary(app, data_dir)
                _process(app, invoices, data_dir)
                if minutes != 0:
                    open_back_office(app, store_api.simulator, web.url, minutes, seed)
            except KeyboardInterrupt:
                # Outside the live parts (which end on Ctrl+C by themselves): say so instead of a bare ^C.
                console.print(f"Demonstração interrompida (Ctrl+C); {RESTART}.", highlight=False)
                raise typer.Exit(INTERRUPTED) from None
            finally:
                consumer.stop(graceful=True)
        reset_container()   # closes `app`, which the process adopted


DEMO_STORE_NAME = "Loja de demonstração"
# Each run starts from scratch (_start_clean): there is nothing to resume.
RESTART = "rode `lojasync demo` de novo para recomeçar do zero"


def _web_server(asgi_app, port: int):
    """The back office on `port` on 127.0.0.1; when that port is taken (a `serve` running), on a free one."""
    from lojasync.serving import BackgroundServer

    try:
        return BackgroundServer(asgi_app, port=port)
    except OSError:
        console.print(f"A porta {port} está ocupada: o back office usa outra (veja o endereço abaixo).",
                      style="yellow", highlight=False)
        return BackgroundServer(asgi_app)


@contextlib.contextmanager
def _only_demo_here(data_dir: Path) -> Iterator[None]:
    """One demo at a time in a folder: a second one started beside a running one wiped its database and its SEFAZ
    (review: the first kept running on files deleted under it, its printed commands then found other orders)."""
    # The lock's file is not in the folder: one that turns out not to be a demo's is left exactly as it was.
    digest = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"lojasync-demo-{digest}.lock", "a+b") as held:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not on Windows: nothing to lock with, as before
            yield
            return
        try:
            fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LojasyncError(f"Já há uma demonstração rodando na pasta {data_dir}.",
                                resolution="Encerre-a (Ctrl+C no terminal dela) ou rode esta em outra pasta, com "
                                           "--data-dir.") from None
        try:
            yield
        finally:
            fcntl.flock(held, fcntl.LOCK_UN)


def _start_clean(data_dir: Path) -> None:
    """Each run starts from scratch: the simulator makes the same store again, with the same ids.

    Only a folder that holds nothing but a previous demo is wiped; anything else is refused.
    """
    from lojasync.bootstrap import bootstrap
    from lojasync.nuvemshop.services.stores import list_stores
    from lojasync.settings import Settings

    if not (data_dir / "lojasync.db").exists():
        return
    try:
        # Read only: a folder that turns out not to be a demo's must be left exactly as it was.
        previous = bootstrap(Settings(data_dir=data_dir, database_url=None, redis_url=None), migrate=False)
        try:
            names = {store.name for store in list_stores(previous.read_uow())}
        finally:
            previous.close()
    except Exception:  # noqa: BLE001 - a database we cannot read is not known to be a demo: keep it
        names = {None}
    if names - {DEMO_STORE_NAME}:
        raise LojasyncError(f"A pasta {data_dir} tem dados que não são da demonstração.",
                            resolution="Use outra pasta com --data-dir.")
    for path in [*data_dir.glob("*.db*"), *data_dir.glob("sefaz-simulador.*")]:   # .sqlite3, and .json before
        path.unlink()


def _live(app, simulator, seconds: float, seed: int) -> None:
    # Ctrl+C here only cuts this part short: the NF-e and the back office, the point of the demo, still follow
    # (and a second Ctrl+C there ends it all). The rule says so, or the first Ctrl+C would look lost.
    try:   # from the rule on: a Ctrl+C typed as soon as it shows is this part's, not the whole demo's
        console.rule(Text(f"Loja vendendo ao vivo por {formats.measure(seconds)} s "
                          "(Ctrl+C pula para a parte seguinte)"))
        _sell(app, simulator, random.Random(seed), time.monotonic() + seconds, pace=(2.0, 4.0))
    except KeyboardInterrupt:
        console.print("Loja ao vivo interrompida (Ctrl+C): a demonstração segue com as NF-e e o back office; "
                      "Ctrl+C de novo ali a encerra.", highlight=False)


def _sell(app, simulator, rng: random.Random, deadline: float, pace: tuple[float, float]) -> None:
    """Place an order every `pace` seconds (paying some open ones) until `deadline`, showing each arrival."""
    placed: dict[str, float] = {}
    seen: dict[str, str] = {}
    # Paid by this loop: never paid twice (the store refuses it), even when the ERP's answer is not seen because
    # the order is no longer among the newest the loop reads.
    paid_orders: set[str] = set()
    next_sale = time.monotonic()
    while time.monotonic() < deadline or (placed.keys() - seen.keys() and time.monotonic() < deadline + 10):
        # After the deadline no new sales: just wait (10 s at most) for the last ones to arrive.
        now = time.monotonic()
        if now >= next_sale and now < deadline:
            order = simulator.create_order()
            placed[str(order["id"])] = now
            console.print(f"[dim]{_clock()} loja: pedido nº {order['number']} feito "
                          f"({formats.money(order['total'])})[/]", highlight=False)
            if seen and rng.random() < 0.6:
                open_ones = [oid for oid, status in seen.items() if status == "Em Aberto" and oid not in paid_orders]
                if open_ones:
                    paid = rng.choice(open_ones)
                    simulator.pay_order(paid)
                    paid_orders.add(paid)
                    placed[paid] = now  # the lag of the payment counts from now
            next_sale = now + rng.uniform(*pace)
        for order in list_orders(app.read_uow(), limit=50):
            key = order["store_order_id"]
            if key in placed and seen.get(key) != order["status"]:
                lag = time.monotonic() - placed[key]
                seen[key] = order["status"]
                customer = order["customer"]
                who = customer["name"] if customer else f"sem cliente ({order['customer_problem']})"
                seconds = formats.format_decimal_places(lag, 1)
                console.print(f"{_clock()} ERP: pedido {order['number']} (loja nº {order['store_order_number']}) "
                              f"[bold]{order['status']}[/] — {escape(who)} — {seconds} s depois", highlight=False)
        time.sleep(0.25)


DEMO_USER = "demo@lojasync.local"
# The operator works by hand now: an order every 10-20 s keeps the list moving without burying it.
BACK_OFFICE_PACE = (10.0, 20.0)


def open_back_office(app, simulator, url: str, minutes: float | None, seed: int) -> None:
    """The operator's part, by hand in the browser, while the store goes on placing and paying orders."""
    password = _demo_login(app)
    console.rule("[bold]Back office no navegador")
    console.print(f"Abra [bold]{url}/pedidos[/] e entre com\n  e-mail: [bold]{DEMO_USER}[/]\n"
                  f"  senha:  [bold]{escape(password)}[/]  (gerada agora para esta demonstração; só aparece aqui)",
                  highlight=False)
    console.print("Faça o caminho de um pedido: Pedidos/Orçamentos → um pedido Confirmado → Mais ações → Gerar → "
                  "NF-e → Transmitir; veja o estoque baixar em Estoque e as contas em Financeiro; cancele a NF-e e "
                  "veja os dois voltarem. Um pedido sem cliente mostra por quê e pode ser vinculado à mão.",
                  highlight=False)
    if minutes is None:
        ending = "[bold]Ctrl+C encerra a demonstração.[/]"
    else:
        ending = f"A demonstração encerra sozinha em {formats.measure(minutes)} min (ou com Ctrl+C)."
    deadline = math.inf if minutes is None else time.monotonic() + minutes * 60
    try:   # the message included: a Ctrl+C typed the moment it shows ends the demo as the message says
        console.print(f"A loja continua vendendo: um pedido novo a cada 10 a 20 s, parte deles pagos, e o simulador "
                      f"da SEFAZ responde às NF-e. {ending}", highlight=False)
        _sell(app, simulator, random.Random(seed + 1), deadline, pace=BACK_OFFICE_PACE)
        console.print("Tempo encerrado: demonstração terminada.")
    except KeyboardInterrupt:
        console.print("Demonstração encerrada (Ctrl+C).")


def _demo_login(app) -> str:
    """A user for the demo's browser, with a password made now (the demo's folder starts clean each run)."""
    from lojasync.accounts.services.users import add_user

    password = secrets.token_urlsafe(12)
    add_user(app.accounts_uow(), DEMO_USER, password)
    return password


def _clock() -> str:
    # Seconds: the point of the live part is how soon an order arrives.
    return datetime.now(timezone.utc).astimezone(merchant_zone()).strftime("%H:%M:%S")


def _summary(app, data_dir: Path) -> None:
    orders = list_orders(app.read_uow())
    from_store = [o for o in orders if o["origin"] == "nuvemshop"]
    by_status = Counter(o["status"] for o in from_store)
    count = Column("Pedidos", justify="right")
    table("Pedidos/Orçamentos vindos da loja", ["Situação", count],
          [[status, formats.number(by_status.get(status, 0))] for status in ("Em Aberto", "Confirmado", "Cancelado")]
          + [["Total", formats.number(len(from_store))]])
    reasons = Counter(_reason_kind(o["customer_problem"]) for o in from_store if o["customer"] is None)
    table("Pedidos sem cliente, e por quê", ["Motivo", count],
          [[r, formats.number(n)] for r, n in reasons.most_common()])
    customers = list_customers(app.read_uow())
    kinds = Counter(c["kind"] for c in customers)
    alnum = sum(1 for c in customers if c["kind"] == "CNPJ" and not c["tax_id"].isdigit())
    products = list_products(app.read_uow())
    console.print(f"Clientes: {formats.number(len(customers))} (CPF {formats.number(kinds.get('CPF', 0))}, "
                  f"CNPJ {formats.number(kinds.get('CNPJ', 0))}, dos quais {formats.number(alnum)} alfanuméricos), "
                  "um por documento.", highlight=False)
    console.print(f"Produtos: {formats.number(len(products))}; estoque movimentado pela importação: "
                  f"{formats.number(sum(p['stock'] for p in products))} (importar não baixa estoque).",
                  highlight=False)
    example = next((o for o in from_store if o["customer"] is None), from_store[0] if from_store else None)
    # The command as the person typed it (".venv/bin/lojasync" when the venv is not activated).
    program = sys.argv[0] if Path(sys.argv[0]).name == "lojasync" else "lojasync"
    prefix = f"LOJASYNC_DATA_DIR={data_dir} {program}"
    console.print("\nExplore a demonstração (ela fica na pasta própria):", style="bold")
    console.print(f"  {prefix} orders list --status confirmado", highlight=False)
    if example:
        console.print(f"  {prefix} orders show {example['number']}", highlight=False)
        console.print(f"  {prefix} orders show --store-number {example['store_order_number']}", highlight=False)
    console.print(f"  {prefix} orders list --search NOME_OU_CPF\n  {prefix} customers list\n  {prefix} events list",
                  highlight=False)


def _reason_kind(problem: str | None) -> str:
    # "CPF inválido: 123..." -> "CPF inválido": group by the kind of problem, not the document.
    return (problem or "sem motivo registrado").split(":")[0]


DEMO_COMPANY = {"legal_name": "Loja de Demonstracao Ltda", "cnpj": "11222333000181", "ie": "110042490114",
                "street": "Rua das Flores", "number": "100", "district": "Centro", "city": "São Paulo", "uf": "SP",
                "zipcode": "01001000", "default_ncm": "61091000",
                # The simulated store sells some orders on Mercado Livre: their NF-e name it (infIntermed).
                "mercado_livre_seller": "LOJA_DEMONSTRACAO"}
# The carrier most of the simulated store's orders go by (its `shipping` code "correios"): registered, the NF-e of
# those orders name it (transp/transporta). The CNPJ's check digits pass validate-docbr.
DEMO_CARRIER = {"name": "Empresa Brasileira de Correios e Telégrafos", "cnpj": "34.028.316/0001-03",
                "address": "SBN Quadra 1, Bloco A", "city": "Brasília", "uf": "DF"}


def _to_invoice(app, count: int) -> list[int]:
    """`count` confirmed orders to invoice: those with a customer first, and, when there are two or more, one without
    (no CPF/CNPJ in the store) to show its refusal. The first ones alone could all lack a customer in a small demo
    (review: `--orders 80 --invoices 3` authorised none)."""
    from lojasync.fiscal.services.batch import orders_to_invoice
    from lojasync.sales.status import OrderStatus

    candidates = orders_to_invoice(app.read_uow(), OrderStatus.CONFIRMED)
    with app.read_uow() as uow:
        with_customer = [n for n in candidates if uow.orders.get(n, lines=False).customer_id is not None]
    without = [n for n in candidates if n not in set(with_customer)]
    picked = with_customer[:max(count - 1, 1)] + (without[:1] if count > 1 else [])
    return (picked + [n for n in candidates if n not in set(picked)])[:count]


def _process(app, count: int, data_dir: Path) -> None:
    """The back office's part: NF-e for confirmed orders (SEFAZ simulator), a venda simples, a cancellation."""
    if count <= 0:
        return
    from lojasync.entrypoints.cli.invoices import print_invoices
    from lojasync.entrypoints.sefaz_access import sefaz_for
    from lojasync.finance.services import list_receivables
    from lojasync.fiscal.services.batch import invoice_orders, orders_to_invoice
    from lojasync.fiscal.services.carriers import CarrierData, set_carrier
    from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
    from lojasync.fiscal.services.invoice_cancellation import cancel_invoice
    from lojasync.fiscal.services.simple_sales import confirm_sale, generate_sale
    from lojasync.sales.status import OrderStatus
    from lojasync.stock.views import stock_levels

    console.rule("Processando pedidos: NF-e e venda simples")
    set_company(app.uow(), CompanyData(**DEMO_COMPANY))
    install_test_certificate(app.uow(), app.cipher)
    console.print("Empresa de teste (CNPJ 11.222.333/0001-81) com um certificado A1 de TESTE, autoassinado: as NF-e "
                  "vão para o simulador da SEFAZ (homologação) e não têm valor fiscal.", highlight=False)
    set_carrier(app.uow(), "correios", CarrierData(**DEMO_CARRIER))
    console.print(f"Transportadora cadastrada: {DEMO_CARRIER['name']} (CNPJ {DEMO_CARRIER['cnpj']}), código "
                  "\"correios\" na loja: as NF-e dos pedidos enviados pelos Correios levam os dados dela; as de "
                  "retirada na loja saem \"sem ocorrência de transporte\".", highlight=False)
    sefaz = sefaz_for(app.settings)
    # What the demo does by itself is said so in each order's history.
    demo = Person("demonstração do lojasync")
    report = invoice_orders(app.uow, app.cipher, sefaz, _to_invoice(app, count), actor=demo,
                            parallel=app.settings.sefaz_parallel)
    created = [item.invoice for item in report.items if item.invoice is not None]
    if created:
        print_invoices(created, "NF-e dos pedidos confirmados")
    for item in report.items:
        if item.error:
            console.print(f"[yellow]Pedido {item.order_number}:[/] {escape(item.error)}", highlight=False)
    open_orders = orders_to_invoice(app.read_uow(), OrderStatus.OPEN)
    if open_orders:
        sale = generate_sale(app.uow(), open_orders[0], demo)
        confirm_sale(app.uow(), sale.id, demo)
        console.print(f"Venda simples {sale.id} do pedido {sale.order_number} confirmada.", highlight=False)
    if report.authorised:
        first = report.authorised[0].invoice
        cancel_invoice(app.uow(), app.cipher, sefaz, first.id, "Cancelamento de demonstracao do lojasync", demo)
        console.print(f"NF-e nº {first.number} cancelada na SEFAZ (simulador): estoque devolvido e contas a receber "
                      "canceladas.", highlight=False)
    moved = sum(1 for row in stock_levels(app.read_uow()) if row["quantity"])
    receivables = list_receivables(app.read_uow())
    opened = [r for r in receivables if r["status"] == "open"]
    console.print(f"NF-e autorizadas: {formats.number(len(report.authorised))} de {formats.number(len(report.items))}; "
                  f"produtos com estoque baixado: {formats.number(moved)}; contas a receber em aberto: "
                  f"{formats.number(len(opened))} ({formats.money(sum((r['amount'] for r in opened), 0))}).",
                  highlight=False)
    program = sys.argv[0] if Path(sys.argv[0]).name == "lojasync" else "lojasync"
    prefix = f"LOJASYNC_DATA_DIR={data_dir} {program}"
    # The DANFE of an NF-e that stands (the first one authorised was cancelled above); none when none stands.
    standing = [item.invoice for item in report.authorised[1:]]
    danfe = f"\n  {prefix} invoices danfe {standing[0].id} --output danfe.pdf" if standing else ""
    console.print(f"  {prefix} invoices list\n  {prefix} stock list\n  {prefix} receivables list{danfe}",
                  highlight=False)
