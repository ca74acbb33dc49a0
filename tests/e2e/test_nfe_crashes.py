"""NF-e processing survives kill -9, as the import does (test_workers.py): the `lojasync` process that transmits
an NF-e (or the worker that settles one) is killed while SEFAZ holds the NF-e authorised and its answer is on the
way; SEFAZ is then asked by key, never sent the same number blind, and stock and receivables move once.

Everything here is a real process: `lojasync sefaz-simulator` (its switches and records read over HTTP), the
`lojasync` commands and `lojasync worker`. The in-process `lojasync` fixture only sets up and reads. The five
minutes of the sending window pass by moving the NF-e's `sent_at` back (`window_passes`), not by waiting."""

from __future__ import annotations

import json
import os
import uuid
from collections import Counter
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from lojasync.accounts import passwords
from lojasync.accounts.services.users import add_user
from lojasync.crypto import TokenCipher
from lojasync.db.fiscal_tables import invoices as invoices_table
from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import reset_container
from lojasync.entrypoints.web.app import create_app
from lojasync.fiscal.services.invoices import SENDING_WINDOW
from lojasync.fiscal.services.views import list_invoices
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.e2e.processes import Lojasync, SefazProcess, kill, output_of, wait_until
from tests.factories import order_payload
from tests.web.conftest import USER_EMAIL, USER_PASSWORD, RecordingQueue, log_in
from tests.web.documents_setup import post, text_of

KEY = "chave-de-teste-das-nfe-interrompidas"
COMPANY = ["company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
           "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
           "--zipcode", "01001-000", "--default-ncm", "61091000"]
# What one order of `order_payload` sells, and is worth.
SOLD = {"CAM-ALG-P": 2, "CAN-CER": 1}
TOTAL = Decimal("160.00")
CANCEL_REASON = "Cliente desistiu da compra antes do envio"


@pytest.fixture()
def sefaz(tmp_path):
    server = SefazProcess(tmp_path / "sefaz-simulator.log").start()
    yield server
    server.stop()


@pytest.fixture()
def shop(app, lojasync, sefaz, tmp_path, monkeypatch):
    """The company (with the test certificate) and a store, set up in this process; `shop.processes` runs
    `lojasync` commands and workers on the same database, key, SEFAZ and queue."""
    env = {"LOJASYNC_DATABASE_URL": app.settings.resolved_database_url, "LOJASYNC_DATA_DIR": str(tmp_path / "dados"),
           "LOJASYNC_SECRET_KEY": KEY, "LOJASYNC_SEFAZ_URL": sefaz.url,
           "LOJASYNC_QUEUE_NAME": f"lojasync-nfe-{uuid.uuid4().hex[:8]}", "LOJASYNC_COALESCE_SECONDS": "0.2"}
    if os.environ.get("LOJASYNC_TEST_REDIS_URL"):
        env["LOJASYNC_REDIS_URL"] = os.environ["LOJASYNC_TEST_REDIS_URL"]
    for name, value in env.items():
        monkeypatch.setenv(name, value)   # the in-process `lojasync` too: the certificate sealed with KEY
    lojasync(*COMPANY)
    lojasync("company", "certificate", "--test")
    with app.uow() as uow:
        store = Store("1234567", "http://127.0.0.1:9/2025-03", TokenCipher(KEY).encrypt("token-de-teste"))
        # Synced just now: a worker started here has no reconciliation due, only NF-e to settle.
        store.last_sync_at = store.sync_cursor = datetime.now(timezone.utc)
        uow.stores.add(store)
        uow.commit()
        store_id = store.id
    logs = tmp_path / "processos"
    logs.mkdir()
    processes = Lojasync(env, logs)

    class Shop:
        def __init__(self) -> None:
            self.processes = processes

        def paid_orders(self, count: int) -> list[int]:
            """Paid orders of the store (Confirmado), each with the two lines of SOLD."""
            return [import_order(app.uow(), store_id, order_payload(id=2400000000 + i, payment_status="paid"),
                                 ImportPolicy()).order_number for i in range(1, count + 1)]

    yield Shop()
    processes.stop_all()


@pytest.fixture()
def back_office(app, sefaz, monkeypatch) -> TestClient:
    """The web pages on the same database and SEFAZ, logged in."""
    monkeypatch.setattr(app.settings, "sefaz_url", sefaz.url)
    client = TestClient(create_app(app, RecordingQueue()), follow_redirects=False)
    previous = passwords.use_parameters(time_cost=1, memory_cost=8, parallelism=1)   # as tests/web: cheap argon2
    try:
        add_user(app.accounts_uow(), USER_EMAIL, USER_PASSWORD)
        assert log_in(client, USER_EMAIL, USER_PASSWORD).status_code == 303
    finally:
        passwords.restore(previous)
    return client


def invoice(lojasync, invoice_id: int) -> dict:
    return json.loads(lojasync("invoices", "show", str(invoice_id), "--format", "json"))


def stock(lojasync) -> dict[str, int]:
    return {r["sku"]: r["quantity"] for r in json.loads(lojasync("stock", "list", "--format", "json"))}


def receivables(lojasync, order_number: int) -> list[dict]:
    return json.loads(lojasync("receivables", "list", "--order", str(order_number), "--format", "json"))


def movements(lojasync, sku: str) -> list[dict]:
    return json.loads(lojasync("stock", "movements", sku, "--format", "json"))


def history(lojasync, order_number: int) -> Counter:
    log = json.loads(lojasync("orders", "show", str(order_number), "--format", "json"))["log"]
    return Counter(e["event"] for e in log if e["event"].startswith("invoice_"))


def window_passes(app, invoice_id: int) -> None:
    """The sending window's five minutes go by for this NF-e (the last send, and the worker's last asking about
    it, are that long ago)."""
    passed = datetime.now(timezone.utc) - SENDING_WINDOW - timedelta(seconds=1)
    with app.engine.begin() as conn:
        conn.execute(update(invoices_table).where(invoices_table.c.id == invoice_id)
                     .values(sent_at=passed, settle_asked_at=passed))


def request_window_passes(app, invoice_id: int) -> None:
    """The sending window's five minutes go by for this NF-e's cancellation request."""
    with app.engine.begin() as conn:
        conn.execute(update(invoices_table).where(invoices_table.c.id == invoice_id)
                     .values(cancel_requested_at=datetime.now(timezone.utc) - SENDING_WINDOW - timedelta(seconds=1)))


def test_an_approval_killed_while_sefaz_answers_is_settled_by_asking_sefaz_never_by_sending_again(
        app, shop, sefaz, lojasync, back_office):
    (number,) = shop.paid_orders(1)
    (pending,) = json.loads(lojasync("orders", "invoice", str(number), "--no-approve", "--format", "json"))
    before = stock(lojasync)

    sefaz.switches(delay=60)   # SEFAZ takes the NF-e, authorises it, and takes its time to say so
    approving = shop.processes.start("invoices", "approve", str(pending["id"]))
    wait_until(lambda: sefaz.stats()["nfe_conhecidas"] == 1, timeout=60)
    kill(approving)
    sefaz.switches(reset=True)
    key = pending["access_key"]
    assert sefaz.nfe(key)["cStat"] == "100"   # authorised there; here, nobody heard it
    assert invoice(lojasync, pending["id"])["status"] == "awaiting_sefaz"
    assert stock(lojasync) == before and receivables(lojasync, number) == []

    # The operator tries again at once: within the sending window nothing is sent, and what to do is said.
    said = shop.processes.run("invoices", "approve", str(pending["id"]), expect=75)   # try again later
    assert "A NF-e nº 1 foi enviada à SEFAZ há instantes e ainda aguarda a resposta." in said, said
    assert "o lojasync consulta a SEFAZ antes de reenviar" in said, said
    assert (sefaz.calls("NFeAutorizacao4"), sefaz.calls("NFeConsultaProtocolo4")) == (1, 0)
    assert "aguardando SEFAZ" in " ".join(lojasync("invoices", "show", str(pending["id"])).split())
    # The NF-e's page says the same: sent, SEFAZ asked again without sending twice; Transmitir says when.
    page = text_of(back_office.get(f"/nfe/{pending['id']}").text)
    assert "Aguardando SEFAZ: a NF-e foi enviada e a SEFAZ ainda não respondeu" in page, page
    # When Transmitir will ask, not "consulte agora" (which Transmitir then refused for five minutes).
    asks_from = formats.when(datetime.fromisoformat(invoice(lojasync, pending["id"])["sent_at"]) + SENDING_WINDOW)
    assert (f"Como a resposta ainda pode estar a caminho, o lojasync só consulta a SEFAZ a partir de {asks_from} "
            "(sozinho ou com Transmitir), sem enviar a NF-e duas vezes.") in page, page
    assert "consultar agora" not in page
    answer = post(back_office, f"/nfe/{pending['id']}", f"/nfe/{pending['id']}/transmitir")
    assert answer.status_code == 503
    page = text_of(answer.text)
    assert "A NF-e nº 1 foi enviada à SEFAZ há instantes e ainda aguarda a resposta." in page, page
    assert (sefaz.calls("NFeAutorizacao4"), sefaz.calls("NFeConsultaProtocolo4")) == (1, 0)

    window_passes(app, pending["id"])
    assert "você também pode consultar agora com Transmitir" in text_of(back_office.get(f"/nfe/{pending['id']}").text)
    said = shop.processes.run("invoices", "approve", str(pending["id"]))
    assert "NF-e autorizada: estoque baixado e contas a receber criadas." in said, said
    # Asked by key, not sent again: one authorisation request for this number, ever.
    assert (sefaz.calls("NFeAutorizacao4"), sefaz.calls("NFeConsultaProtocolo4")) == (1, 1)
    assert sefaz.stats()["nfe_conhecidas"] == 1
    settled = invoice(lojasync, pending["id"])
    assert (settled["status"], settled["access_key"], settled["protocol"]) == ("authorised", key,
                                                                               sefaz.nfe(key)["nProt"])
    assert "já estava autorizada" in lojasync("invoices", "approve", str(pending["id"]))

    assert {sku: before[sku] - quantity for sku, quantity in stock(lojasync).items()} == SOLD
    assert all(len(movements(lojasync, sku)) == 1 for sku in SOLD)
    assert sum(Decimal(r["amount"]) for r in receivables(lojasync, number)) == TOTAL
    assert history(lojasync, number) == {"invoice_generated": 1, "invoice_authorised": 1}
    assert output_of(approving) == ""   # killed before it printed anything (no half-told story)


def test_ctrl_c_while_sefaz_answers_an_approval_waits_for_the_answer_and_records_it(app, shop, sefaz, lojasync):
    """review (CLI): Ctrl+C during `invoices approve` printed "Interrompido." and left the NF-e SEFAZ had authorised
    "aguardando SEFAZ" for five minutes, stock and receivables unmoved, as `orders invoice` does not."""
    import signal

    (number,) = shop.paid_orders(1)
    (pending,) = json.loads(lojasync("orders", "invoice", str(number), "--no-approve", "--format", "json"))
    before = stock(lojasync)
    sefaz.switches(delay=3)
    approving = shop.processes.start("invoices", "approve", str(pending["id"]))
    wait_until(lambda: sefaz.stats()["nfe_conhecidas"] == 1, timeout=60)
    approving.send_signal(signal.SIGINT)   # the person's Ctrl+C while the answer is on its way
    approving.wait(timeout=60)
    said = output_of(approving)
    assert approving.returncode == 130, said
    assert "Interrompido: aguardando a resposta da SEFAZ para registrá-la" in said, said
    assert "NF-e autorizada: estoque baixado e contas a receber criadas." in said, said
    assert "Traceback" not in said
    assert invoice(lojasync, pending["id"])["status"] == "authorised"
    assert {sku: before[sku] - quantity for sku, quantity in stock(lojasync).items()} == SOLD
    assert sum(Decimal(r["amount"]) for r in receivables(lojasync, number)) == TOTAL
    assert (sefaz.calls("NFeAutorizacao4"), sefaz.calls("NFeConsultaProtocolo4")) == (1, 0)


def test_a_second_ctrl_c_leaves_the_nfe_to_a_worker_and_says_when_none_is_running(app, shop, sefaz, lojasync):
    """Carried gap: the second Ctrl+C stops waiting and leaves the NF-e to the worker's query by key; with no worker
    running, it said so for nothing (the message an error leaving its rest to a worker ends with was missing)."""
    import signal

    (number,) = shop.paid_orders(1)
    (pending,) = json.loads(lojasync("orders", "invoice", str(number), "--no-approve", "--format", "json"))
    sefaz.switches(delay=20)
    approving = shop.processes.start("invoices", "approve", str(pending["id"]))
    wait_until(lambda: sefaz.stats()["nfe_conhecidas"] == 1, timeout=60)
    approving.send_signal(signal.SIGINT)
    # The second only once the first is said (not 1 s later): two signals the process had not yet handled count
    # as one on a busy machine, and the command then waited the 20 s for SEFAZ's answer.
    wait_until(lambda: "Ctrl+C de novo deixa de esperar" in output_of(approving), timeout=60)
    approving.send_signal(signal.SIGINT)
    approving.wait(timeout=60)
    said = " ".join(output_of(approving).split())
    assert approving.returncode == 130, said
    assert "Interrompido: a NF-e fica aguardando a SEFAZ: o worker a consulta pela chave" in said, said
    assert "Mas nenhum worker do lojasync está no ar agora" in said, said
    assert "Traceback" not in said
    assert invoice(lojasync, pending["id"])["status"] == "awaiting_sefaz"


def test_ctrl_c_while_sefaz_answers_a_cancellation_waits_for_the_answer_and_records_it(app, shop, sefaz, lojasync):
    """As for an approval (above): the cancellation SEFAZ registered is recorded here, stock and receivables back."""
    import signal

    (number,) = shop.paid_orders(1)
    before = stock(lojasync)
    (authorised,) = json.loads(lojasync("orders", "invoice", str(number), "--format", "json"))
    sefaz.switches(delay=3)
    cancelling = shop.processes.start("invoices", "cancel", str(authorised["id"]), "--reason", CANCEL_REASON)
    wait_until(lambda: sefaz.stats()["nfe_canceladas"] == 1, timeout=60)
    cancelling.send_signal(signal.SIGINT)
    cancelling.wait(timeout=60)
    said = output_of(cancelling)
    assert cancelling.returncode == 130, said
    assert "Interrompido: aguardando a resposta da SEFAZ ao cancelamento para registrá-la" in said, said
    assert invoice(lojasync, authorised["id"])["status"] == "cancelled"
    assert stock(lojasync) == before
    assert {r["status"] for r in receivables(lojasync, number)} == {"cancelled"}


def test_ctrl_c_while_sefaz_answers_a_void_waits_for_the_answer_and_records_it(app, shop, sefaz, lojasync):
    """review: Ctrl+C during `invoices void` said "Interrompido." and the numbers SEFAZ had voided stayed "aguardando
    SEFAZ", the answer lost; as an approval, the answer is waited for and recorded."""
    import signal

    (number,) = shop.paid_orders(1)
    (pending,) = json.loads(lojasync("orders", "invoice", str(number), "--no-approve", "--format", "json"))
    lojasync("invoices", "cancel", str(pending["id"]), "--reason", CANCEL_REASON)   # discarded: its number unused
    sefaz.switches(delay=3)
    voiding = shop.processes.start("invoices", "void", str(pending["number"]), "--reason", CANCEL_REASON)
    wait_until(lambda: sefaz.calls("NFeInutilizacao4") == 1, timeout=60)
    voiding.send_signal(signal.SIGINT)
    voiding.wait(timeout=60)
    said = output_of(voiding)
    assert voiding.returncode == 130, said
    assert "Interrompido: aguardando a resposta da SEFAZ à inutilização para registrá-la" in said, said
    assert f"Número {pending['number']} da série 1 inutilizado na SEFAZ" in " ".join(said.split()), said
    (void,) = json.loads(lojasync("invoices", "voids", "--format", "json"))
    assert void["status"] == "voided" and sefaz.calls("NFeInutilizacao4") == 1


def test_a_worker_killed_while_settling_an_nfe_and_restarted_sends_it_once(app, shop, sefaz, lojasync):
    """Settling NF-e left "aguardando SEFAZ" is the worker's (its housekeeping, on start and every minute);
    generating and transmitting run in the process that asked (CLI, page, API)."""
    (number,) = shop.paid_orders(1)
    (pending,) = json.loads(lojasync("orders", "invoice", str(number), "--no-approve", "--format", "json"))
    sefaz.switches(out_of_service="108")   # SEFAZ takes nothing: the NF-e is left to the worker
    said = " ".join(lojasync("invoices", "approve", str(pending["id"]), expect=75).split())   # try again later
    assert "SEFAZ fora do ar (108 - Servico Paralisado Momentaneamente (curto prazo)): a NF-e nº 1 segue aguardando " \
        "a SEFAZ." in said, said
    assert "se a SEFAZ não a tiver recebido, a transmite de novo sozinho" in said
    assert invoice(lojasync, pending["id"])["status"] == "awaiting_sefaz"
    before, sends = stock(lojasync), sefaz.calls("NFeAutorizacao4")

    # SEFAZ is back; the worker asks by key (unknown there), sends, SEFAZ authorises, and the worker dies
    # before the answer is in (it never arrives: dropped).
    sefaz.switches(reset=True, drop_answers=1)
    worker = shop.processes.start("worker", "--workers", "2")
    wait_until(lambda: sefaz.stats()["nfe_conhecidas"] == 1, timeout=60)
    kill(worker)
    key = pending["access_key"]
    assert sefaz.nfe(key)["cStat"] == "100"
    assert (sefaz.calls("NFeConsultaProtocolo4"), sefaz.calls("NFeAutorizacao4") - sends) == (1, 1)
    assert invoice(lojasync, pending["id"])["status"] == "awaiting_sefaz"
    assert stock(lojasync) == before and receivables(lojasync, number) == []

    window_passes(app, pending["id"])
    shop.processes.start("worker", "--workers", "2")
    wait_until(lambda: invoice(lojasync, pending["id"])["status"] == "authorised", timeout=60, interval=0.2)
    # The restarted worker asked by key and took SEFAZ's authorisation: the number was sent once.
    assert (sefaz.calls("NFeConsultaProtocolo4"), sefaz.calls("NFeAutorizacao4") - sends) == (2, 1)
    assert sefaz.stats()["respostas"].get("204", 0) == 0
    assert invoice(lojasync, pending["id"])["protocol"] == sefaz.nfe(key)["nProt"]
    assert {sku: before[sku] - quantity for sku, quantity in stock(lojasync).items()} == SOLD
    assert all(len(movements(lojasync, sku)) == 1 for sku in SOLD)
    assert sum(Decimal(r["amount"]) for r in receivables(lojasync, number)) == TOTAL
    # The first send met SEFAZ out of service: said once; the worker's sends add nothing.
    assert history(lojasync, number) == {"invoice_generated": 1, "invoice_sefaz_down": 1, "invoice_authorised": 1}


def invoices_by_status(app) -> dict[str, list]:
    found: dict[str, list] = {}
    for view in list_invoices(app.read_uow()):
        found.setdefault(view.status, []).append(view)
    return found


def test_a_batch_killed_midway_and_run_again_gives_each_order_one_nfe_and_each_number_one_send(
        app, shop, sefaz, lojasync):
    orders = shop.paid_orders(10)
    # Each answer 1 s late: after the first two, the batch still has 8 orders for about 4 s, time enough for this
    # test to see them and switch SEFAZ on a loaded machine (at 0.3 s the batch could finish before a slow poll).
    # The batch numbers a group ahead of the one at SEFAZ: 10 orders leave some never invoiced when it is killed.
    sefaz.switches(delay=1.0)
    batch = shop.processes.start("orders", "invoice", "--status", "confirmado", "--parallel", "2")
    wait_until(lambda: len(invoices_by_status(app).get("authorised", [])) >= 2, timeout=60, interval=0.05)
    sefaz.switches(delay=60)   # from now on SEFAZ authorises and answers late
    known = sefaz.stats()["nfe_conhecidas"]
    # Two more NF-e authorised at SEFAZ since: the batch's two places (--parallel 2) are taken by NF-e whose
    # answers lojasync will not hear (those sent before the switch were answered first). Kill it there.
    wait_until(lambda: sefaz.stats()["nfe_conhecidas"] == known + 2, timeout=60, interval=0.05)
    kill(batch)
    sefaz.switches(reset=True)
    left = invoices_by_status(app)
    awaiting = left["awaiting_sefaz"]
    # The two at SEFAZ, and the one or two the batch had already numbered and marked as being sent, to go as a
    # place frees: never sent, but lojasync cannot know that after a kill.
    assert 2 <= len(awaiting) <= 4 and len(left["authorised"]) >= 2
    assert sum(map(len, left.values())) < len(orders), "the batch must die with orders not yet invoiced"

    # Run again: the orders never invoiced get theirs; the two awaiting SEFAZ are not invoiced a second time, and
    # the exit is 75 while they still await it (a script running it until 0 stopped with them undecided).
    again = shop.processes.run("orders", "invoice", "--status", "confirmado", expect=75)
    rest = len(orders) - sum(map(len, left.values()))
    assert f"{rest} NF-e autorizada(s) de {rest} pedido(s)." in again, again
    # ... and says which were left out, awaiting SEFAZ, and how they are settled (they looked invoiced before).
    assert (f"{len(awaiting)} NF-e de uma emissão anterior aguardando a SEFAZ (não foram emitidas de novo): o worker consulta a "
            "SEFAZ pela chave, sem reenviar, 5 minutos depois do envio") in again, again
    for view in awaiting:
        assert (f"Pedido {view.order_number}, NF-e nº {view.number}: lojasync invoices approve {view.id}"
                in again), again

    for view in awaiting:   # the sending window passes; the operator transmits them again
        window_passes(app, view.id)
        assert "NF-e autorizada" in lojasync("invoices", "approve", str(view.id))

    final = list_invoices(app.read_uow())
    assert {v.status for v in final} == {"authorised"}
    assert sorted(v.order_number for v in final) == sorted(orders)       # one NF-e per order
    assert sorted(v.number for v in final) == list(range(1, len(orders) + 1))   # none skipped, none twice
    for view in final:
        at_sefaz = sefaz.nfe(view.access_key)
        assert (at_sefaz["cStat"], at_sefaz["nProt"]) == ("100", view.protocol)
        assert int(view.access_key[25:34]) == view.number
    stats = sefaz.stats()
    # Each number went to SEFAZ once: no second send, no duplicate (204) nor other key (539) answered.
    assert stats["chamadas"]["NFeAutorizacao4"] == len(orders) and stats["nfe_conhecidas"] == len(orders)
    assert stats["respostas"] == {"100": len(orders)}
    assert stats["chamadas"].get("NFeConsultaProtocolo4", 0) == len(awaiting)

    assert stock(lojasync) == {sku: -quantity * len(orders) for sku, quantity in SOLD.items()}
    assert all(len(movements(lojasync, sku)) == len(orders) for sku in SOLD)
    for number in orders:
        assert sum(Decimal(r["amount"]) for r in receivables(lojasync, number)) == TOTAL
        assert history(lojasync, number) == {"invoice_generated": 1, "invoice_authorised": 1}


def test_a_cancellation_killed_while_sefaz_answers_is_recorded_once_when_asked_again(app, shop, sefaz, lojasync):
    (number,) = shop.paid_orders(1)
    before = stock(lojasync)
    (authorised,) = json.loads(lojasync("orders", "invoice", str(number), "--format", "json"))
    reason = "Cliente desistiu da compra antes do envio"

    sefaz.switches(delay=60)   # SEFAZ registers the cancellation and takes its time to say so
    cancelling = shop.processes.start("invoices", "cancel", str(authorised["id"]), "--reason", reason)
    wait_until(lambda: sefaz.stats()["nfe_canceladas"] == 1, timeout=60)
    kill(cancelling)
    sefaz.switches(reset=True)
    assert invoice(lojasync, authorised["id"])["status"] == "authorised"   # here nobody heard it yet
    assert stock(lojasync) != before

    # The operator cancels again: SEFAZ refuses a second event, is asked, and its registration is recorded.
    said = shop.processes.run("invoices", "cancel", str(authorised["id"]), "--reason", reason)
    assert "NF-e nº 1 cancelada: estoque devolvido; 1 conta(s) a receber cancelada(s)." in said, said
    cancelled = invoice(lojasync, authorised["id"])
    (event,) = sefaz.nfe(authorised["access_key"])["eventos"]   # one cancellation at SEFAZ, recorded here
    assert cancelled["status"] == "cancelled"
    assert f"<nProt>{event['nProt']}</nProt>" in lojasync("invoices", "xml", str(authorised["id"]), "--cancellation")
    assert stock(lojasync) == before
    assert all(len(movements(lojasync, sku)) == 2 for sku in SOLD)   # the issue and its return, once each
    assert {r["status"] for r in receivables(lojasync, number)} == {"cancelled"}
    assert history(lojasync, number) == {"invoice_generated": 1, "invoice_authorised": 1, "invoice_cancelled": 1}
    again = " ".join(lojasync("invoices", "cancel", str(authorised["id"]), "--reason", reason).split())
    assert again == "A NF-e nº 1 já estava cancelada." and stock(lojasync) == before


def test_a_cancellation_killed_while_sefaz_answers_is_recorded_by_the_worker_with_nobody_cancelling_again(
        app, shop, sefaz, lojasync, back_office):
    """It stayed "autorizada" (stock issued, receivables open) until a person happened to cancel again."""
    (number,) = shop.paid_orders(1)
    before = stock(lojasync)
    (authorised,) = json.loads(lojasync("orders", "invoice", str(number), "--format", "json"))
    invoice_id = str(authorised["id"])

    sefaz.switches(delay=60)   # SEFAZ registers the cancellation and takes its time to say so
    cancelling = shop.processes.start("invoices", "cancel", invoice_id, "--reason", CANCEL_REASON)
    wait_until(lambda: sefaz.stats()["nfe_canceladas"] == 1, timeout=60)
    kill(cancelling)
    sefaz.switches(reset=True)
    pending = invoice(lojasync, authorised["id"])
    assert pending["status"] == "authorised" and pending["cancel_requested_at"] is not None
    # Not simply "autorizada": the terminal and the page say a cancellation was requested and SEFAZ is asked.
    requested = formats.when(datetime.fromisoformat(pending["cancel_requested_at"]))
    said = f"Cancelamento pedido em {requested}: ainda não registrado na SEFAZ. O lojasync consulta a NF-e pela chave a cada 5 minutos"
    assert said in " ".join(lojasync("invoices", "show", invoice_id).split())
    assert said in text_of(back_office.get(f"/nfe/{invoice_id}").text)

    # The window passes; the worker asks SEFAZ by key and records its registration: nobody cancels again.
    request_window_passes(app, authorised["id"])
    shop.processes.start("worker", "--workers", "2")
    wait_until(lambda: invoice(lojasync, authorised["id"])["status"] == "cancelled", timeout=60, interval=0.2)
    (event,) = sefaz.nfe(authorised["access_key"])["eventos"]
    assert sefaz.calls("NFeRecepcaoEvento4") == 1   # the event was sent once, by the command killed
    assert f"<nProt>{event['nProt']}</nProt>" in lojasync("invoices", "xml", invoice_id, "--cancellation")
    cancelled = invoice(lojasync, authorised["id"])
    assert cancelled["cancel_requested_at"] is None and cancelled["cancel_justification"] == CANCEL_REASON
    assert stock(lojasync) == before
    assert all(len(movements(lojasync, sku)) == 2 for sku in SOLD)   # the issue and its return, once each
    assert {r["status"] for r in receivables(lojasync, number)} == {"cancelled"}
    assert history(lojasync, number) == {"invoice_generated": 1, "invoice_authorised": 1, "invoice_cancelled": 1}


def test_a_lost_answer_tells_when_sefaz_will_be_asked_not_to_repeat_the_command(app, shop, sefaz, lojasync,
                                                                                  monkeypatch):
    """It said 'A NF-e fica aguardando SEFAZ e é consultada de novo automaticamente. No terminal: repita o comando',
    and the command repeated was refused for five minutes (the sending window)."""
    (number,) = shop.paid_orders(1)
    (pending,) = json.loads(lojasync("orders", "invoice", str(number), "--no-approve", "--format", "json"))
    monkeypatch.setenv("LOJASYNC_SEFAZ_TIMEOUT", "1")
    reset_container()
    sefaz.switches(drop_answers=1)   # SEFAZ authorises; its answer never arrives
    said = " ".join(lojasync("invoices", "approve", str(pending["id"]), expect=75).split())   # try again later
    assert "SEFAZ não respondeu (NFeAutorizacao4" in said, said
    assert ("A NF-e nº 1 fica aguardando SEFAZ: ela pode ter sido autorizada sem que a resposta chegasse. 5 minutos "
            "depois do envio, o lojasync consulta a SEFAZ pela chave, sem enviar a NF-e de novo: o worker faz isso "
            "sozinho, e transmitir de novo a partir daí faz o mesmo.") in said, said
    assert f"No terminal: lojasync invoices approve {pending['id']}" in said and "repita o comando" not in said
    # As said: within the window, nothing is sent; after it, SEFAZ is asked and its authorisation recorded.
    assert "transmita de novo daqui a 5 minutos" in " ".join(
        lojasync("invoices", "approve", str(pending["id"]), expect=75).split())
    window_passes(app, pending["id"])
    assert "NF-e autorizada" in lojasync("invoices", "approve", str(pending["id"]))
    assert (sefaz.calls("NFeAutorizacao4"), sefaz.calls("NFeConsultaProtocolo4")) == (1, 1)
