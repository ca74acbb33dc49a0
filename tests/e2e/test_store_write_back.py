"""Writing back to the store, over real HTTP with the store simulator: after a count and a sale the store's variant
shows the ERP's stock (the moves before a push cost one call), an authorised NF-e's key lands on the store order
(and leaves it when the NF-e is cancelled), what the store refuses is kept and told, and the worker pushes by
itself."""

from __future__ import annotations

import json
from collections import Counter
from types import SimpleNamespace

import pytest

from lojasync.nuvemshop.client.resources import NuvemshopClient
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer


@pytest.fixture()
def store():
    # A store of its own per test: its variants' stock is what the tests read.
    with SimulatorServer(config=SimulatorConfig(orders=30, seed=11, leak_per_second=50.0,
                                                deliver_webhooks=False)) as srv:
        yield srv



def synced(lojasync, store) -> list[dict]:
    lojasync("store", "add", "--store", store.store_id, "--access-token", store.access_token,
             "--api-url", store.api_url)
    lojasync("sync")
    orders = json.loads(lojasync("orders", "list", "--format", "json"))
    return [json.loads(lojasync("orders", "show", str(o["number"]), "--format", "json")) for o in orders
            if o["status"] != "cancelado"]


def variant_by_sku(store, sku: str) -> dict:
    (variant,) = [v for p in store.simulator.products() for v in p["variants"] if v["sku"] == sku]
    return variant


def sold_in(order: dict) -> Counter:
    sold = Counter()
    for line in order["lines"]:
        sold[line["sku"]] += line["quantity"]
    return sold


def test_a_counted_product_sold_in_a_venda_simples_shows_the_erp_stock_in_the_store(lojasync, store):
    order = next(o for o in synced(lojasync, store) if o["lines"] and all(line["sku"] for line in o["lines"]))
    sold = sold_in(order)
    sku, *others = sorted(sold)
    before = {s: variant_by_sku(store, s)["stock"] for s in others}

    lojasync("stock", "count", sku, "--quantity", "50")
    assert {r["sku"]: r["managed"] for r in json.loads(lojasync("stock", "list", "--format", "json"))}[sku] is True
    sale = json.loads(lojasync("orders", "sale", str(order["number"]), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))
    pushed = lojasync("store", "push")

    variant = variant_by_sku(store, sku)
    assert variant["stock"] == 50 - sold[sku]
    # The count and the sale both moved it before the push: one write, of the balance at push time.
    writes = [w for w in store.simulator.variant_writes() if w["product_id"] == variant["product_id"]]
    assert writes == [{"method": "PATCH", "product_id": variant["product_id"], "at": writes[0]["at"],
                       "variants": [{"id": variant["id"], "stock": 50 - sold[sku]}]}]
    assert "Enviadas: 1; recusadas pela loja: 0" in pushed
    # Products never counted are the store's: their stock there is untouched.
    assert {s: variant_by_sku(store, s)["stock"] for s in others} == before
    assert "Nada esperando" in lojasync("store", "updates")


def test_the_authorised_nfe_key_goes_to_the_store_order_and_leaves_when_cancelled(lojasync, store):
    orders = [o for o in synced(lojasync, store) if o["customer"]]
    lojasync("company", "set", "--name", "Loja Simulada Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000")
    lojasync("company", "certificate", "--test")
    (invoice,) = json.loads(lojasync("orders", "invoice", str(orders[0]["number"]), "--format", "json"))
    assert invoice["status"] == "authorised", invoice["error"]
    lojasync("store", "push")

    store_order = int(orders[0]["store_order_id"])
    with NuvemshopClient(api_url=store.api_url, external_store_id=store.store_id, access_token=store.access_token,
                         user_agent="lojasync-testes") as client:
        (metafield,) = client.find_order_metafields(store_order, "nfe", "key")
        assert (metafield["owner_resource"], metafield["value"]) == ("Order", invoice["access_key"])
        assert len(invoice["access_key"]) == 44

        lojasync("invoices", "cancel", str(invoice["id"]), "--reason", "Pedido devolvido pelo cliente na loja")
        # Waiting, the key's removal says so (README review: an empty cell).
        from lojasync.entrypoints.cli.store_updates import _sent

        (removal,) = json.loads(lojasync("store", "updates", "--format", "json"))
        assert (removal["kind"], removal["value"]) == ("nfe_key", None)
        assert _sent(SimpleNamespace(**removal)) == "(remover a chave)"
        assert _sent(SimpleNamespace(kind="tracking", value="BR[b]X", sent_value=None)) == "BR\\[b]X"   # escaped
        lojasync("store", "push")
        assert client.find_order_metafields(store_order, "nfe", "key") == []


def test_a_variant_deleted_in_the_store_is_kept_as_failed_and_told_in_the_store_log(lojasync, store):
    order = next(o for o in synced(lojasync, store) if o["lines"] and o["lines"][0]["sku"])
    sku = order["lines"][0]["sku"]
    variant = variant_by_sku(store, sku)
    sim_store = store.simulator.store()
    with store.simulator.lock:   # deleted in the store's admin after the sync bound it
        product = sim_store.products[variant["product_id"]]
        product["variants"] = [v for v in product["variants"] if v["id"] != variant["id"]]
        del sim_store.variants[variant["id"]]

    lojasync("stock", "count", sku, "--quantity", "5")
    assert "recusadas pela loja: 1" in lojasync("store", "push")

    (failed,) = json.loads(lojasync("store", "updates", "--format", "json"))
    assert (failed["kind"], failed["ref"], failed["status"]) == ("stock", str(variant["id"]), "failed")
    assert "não existe mais" in failed["error"] and failed["resolution"]
    log = json.loads(lojasync("store", "log", "--format", "json"))
    assert log[0]["level"] == "error"
    assert log[0]["message"].startswith(f"Estoque da variante {variant['id']} (SKU {sku}) não atualizado na loja: "
                                        "a variante não existe mais")


def test_the_worker_pushes_what_a_confirmation_queued_by_itself(app, lojasync, store):
    from huey import MemoryHuey

    from lojasync.entrypoints.tasks import TaskQueue

    order = next(o for o in synced(lojasync, store) if o["lines"] and o["lines"][0]["sku"])
    sku = order["lines"][0]["sku"]
    lojasync("stock", "count", sku, "--quantity", "20")
    sale = json.loads(lojasync("orders", "sale", str(order["number"]), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))
    waiting = json.loads(lojasync("store", "updates", "--format", "json"))
    assert [(u["ref"], u["status"]) for u in waiting] == [(str(variant_by_sku(store, sku)["id"]), "pending")]

    TaskQueue(app, huey=MemoryHuey("test", immediate=True)).housekeeping()

    assert variant_by_sku(store, sku)["stock"] == 20 - sold_in(order)[sku]
    assert json.loads(lojasync("store", "updates", "--format", "json")) == []


def test_a_store_cancellation_set_aside_applies_once_the_sale_is_cancelled(app, lojasync, store):
    """Rule 7 over real HTTP: the store cancels an order whose venda simples is confirmed; the ERP flags it and
    keeps it. Cancelling the sale (what the flag asks) queues a re-read, and the worker's drain makes the order
    Cancelado, as the store has it (before, it stayed Confirmado for good)."""
    from huey import MemoryHuey

    from lojasync.entrypoints.tasks import TaskQueue

    order = next(o for o in synced(lojasync, store) if o["lines"] and o["status"] != "cancelado")
    sale = json.loads(lojasync("orders", "sale", str(order["number"]), "--format", "json"))
    lojasync("sales", "confirm", str(sale["id"]))
    store.simulator.cancel_order(order["store_order_id"])
    lojasync("sync")
    flagged = json.loads(lojasync("orders", "show", str(order["number"]), "--format", "json"))
    assert flagged["status"] == order["status"]
    assert flagged["attention_reason"].startswith("Pedido cancelado na loja: cancele a venda simples")

    lojasync("sales", "cancel", str(sale["id"]))
    TaskQueue(app, huey=MemoryHuey("test", immediate=True)).housekeeping()
    assert json.loads(lojasync("orders", "show", str(order["number"]), "--format", "json"))["status"] == "cancelado"


TRACKING_URL = "https://rastreamento.correios.com.br/app/index.php?objeto="


def test_a_tracking_code_recorded_on_an_order_marks_the_store_order_shipped_once(lojasync, store):
    order = next(o for o in synced(lojasync, store) if o["status"] != "cancelado")
    number, store_order = str(order["number"]), int(order["store_order_id"])
    said = lojasync("orders", "tracking", number, "AA123456789BR")
    assert f"Pedido {number}: código de rastreio AA123456789BR registrado." in said
    assert "Na fila para a loja" in said
    # Corrected before the push (the link added): one call, with what the order has at push time.
    fixed = json.loads(lojasync("orders", "tracking", number, "AA123456789BR", "--url", TRACKING_URL + "AA123456789BR",
                                "--format", "json"))
    assert (fixed["changed"], fixed["from_store"]) == (True, True)
    (waiting,) = json.loads(lojasync("store", "updates", "--format", "json"))
    assert (waiting["kind"], waiting["kind_label"], waiting["ref"], waiting["value"], waiting["status"]) == (
        "tracking", "código de rastreio", str(store_order), "AA123456789BR", "pending")

    assert "Enviadas: 1; recusadas pela loja: 0" in lojasync("store", "push")
    shipped = store.simulator.get_order(store_order)
    assert (shipped["shipping_status"], shipped["shipping_tracking_number"], shipped["shipping_tracking_url"]) == (
        "shipped", "AA123456789BR", TRACKING_URL + "AA123456789BR")
    assert [(c["order_id"], c["shipping_tracking_number"], c["notify_customer"])
            for c in store.simulator.fulfillments()] == [(store_order, "AA123456789BR", True)]
    assert json.loads(lojasync("store", "updates", "--format", "json")) == []

    # The same code again: nothing recorded, nothing sent.
    again = lojasync("orders", "tracking", number, "AA123456789BR", "--url", TRACKING_URL + "AA123456789BR")
    assert f"O pedido {number} já tinha o código de rastreio AA123456789BR" in again
    assert "nada mudou" in " ".join(again.split())   # the terminal wraps the long link
    lojasync("store", "push")
    assert len(store.simulator.fulfillments()) == 1
    shown = json.loads(lojasync("orders", "show", number, "--format", "json"))
    assert shown["tracking"] == {"code": "AA123456789BR", "url": TRACKING_URL + "AA123456789BR"}
    assert [e["message"] for e in shown["log"] if e["event"] == "tracking_recorded"] == [
        "Código de rastreio AA123456789BR registrado.",
        f"Código de rastreio AA123456789BR registrado (rastreio em {TRACKING_URL}AA123456789BR)."]
    assert "Rastreio: AA123456789BR" in lojasync("orders", "show", number)


def test_a_tracking_code_the_store_refuses_is_kept_as_failed_with_the_reason(lojasync, store):
    order = next(o for o in synced(lojasync, store) if o["status"] != "cancelado")
    lojasync("orders", "tracking", str(order["number"]), "AA123456789BR")
    store.simulator.cancel_order(order["store_order_id"])   # cancelled in the store before the push
    assert "recusadas pela loja: 1" in lojasync("store", "push")
    (failed,) = json.loads(lojasync("store", "updates", "--format", "json"))
    assert (failed["kind"], failed["status"]) == ("tracking", "failed")
    assert failed["error"].startswith("a loja recusou o código de rastreio AA123456789BR")
    assert "não está cancelado" in failed["resolution"]
    assert store.simulator.fulfillments() == []
    log = json.loads(lojasync("store", "log", "--format", "json"))
    assert log[0]["level"] == "error"
    # Named as the merchant knows it, the store's number and the ERP's (review: the store's internal id alone)
    assert log[0]["message"].startswith(
        f"Código de rastreio não gravado no pedido #{order['store_order_number']} da loja (pedido {order['number']} "
        "no ERP): a loja recusou o código de rastreio AA123456789BR"), log[0]["message"]
    # And the order's own history says it (review: only the store log did)
    shown = json.loads(lojasync("orders", "show", str(order["number"]), "--format", "json"))
    assert shown["log"][-1]["event"] == "store_write_refused"


def test_tracking_refusals_in_the_terminal_say_what_to_do(lojasync, store):
    order = next(o for o in synced(lojasync, store) if o["status"] != "cancelado")
    bad = lojasync("orders", "tracking", str(order["number"]), "AA 123", expect=1)
    assert "Código de rastreio inválido" in bad and "AA123456789BR" in bad
    bad_url = lojasync("orders", "tracking", str(order["number"]), "AA123", "--url", "rastreio.com/x", expect=1)
    assert "Link de rastreio inválido: não é um endereço http:// ou https://" in bad_url
    assert "Pedido 999999 não encontrado" in lojasync("orders", "tracking", "999999", "AA123", expect=1)
    assert json.loads(lojasync("store", "updates", "--format", "json")) == []


def test_an_update_the_store_fails_for_over_an_hour_is_listed_late(app, lojasync, store, monkeypatch):
    from datetime import datetime, timedelta, timezone

    from lojasync.entrypoints.cli.context import console

    synced(lojasync, store)
    long_ago = datetime.now(timezone.utc) - timedelta(hours=2)
    with app.uow() as uow:
        (store_row,) = uow.stores.list()
        uow.store_updates.want_invoice_key(store_row.id, "9999", "3526" + "2" * 40, long_ago)
        (row,) = uow.store_updates.due(store_row.id, long_ago)
        uow.store_updates.postpone([row], long_ago, "A Nuvemshop não respondeu (HTTP 503).",
                                   datetime.now(timezone.utc) + timedelta(minutes=10))
        uow.commit()

    (late,) = json.loads(lojasync("store", "updates", "--format", "json"))
    assert (late["status"], late["status_label"], late["late"]) == ("pending", "atrasada", True)
    assert late["failing_since"] and late["error"] == "A Nuvemshop não respondeu (HTTP 503)."
    monkeypatch.setenv("COLUMNS", "250")   # a wide terminal: one line per row, to read it whole
    monkeypatch.setattr(console, "_width", None)
    (line,) = [line for line in lojasync("store", "updates").splitlines() if "9999" in line]
    assert "│ atrasada " in line and "│ Com erro desde " in line and ": A Nuvemshop não respondeu (HTTP 503)." in line


def test_store_push_with_the_store_out_of_reach_exits_75_and_says_what_happens_next(lojasync, store, monkeypatch):
    """review: the README's 75 ("algo de fora indisponível agora") was 1 ("recusado, alguém corrige"), and a script
    checking for 75 gave up on updates the worker sends once the store is back."""
    order = next(o for o in synced(lojasync, store) if o["status"] != "cancelado")
    lojasync("orders", "tracking", str(order["number"]), "AA123456789BR")
    from lojasync.entrypoints.cli.context import reset_container

    monkeypatch.setenv("LOJASYNC_HTTP_MAX_RETRIES", "0")   # refused at once: no waiting for retries
    reset_container()   # a new process, as each command is, reading it
    store.stop()   # the store out of reach
    said = lojasync("store", "push", expect=75)
    assert "Ficaram para depois:" in said
    # Its own words only: the log's English warnings stay off a command run once (review), unless asked for
    assert "WARNING" not in said and "lojasync.nuvemshop" not in said, said
    monkeypatch.setenv("LOJASYNC_LOG_LEVEL", "WARNING")
    reset_container()
    assert "WARNING lojasync" in lojasync("store", "push", expect=75)
    assert "Resolução: as atualizações ficam na fila e o worker tenta de novo sozinho. No terminal: lojasync store " \
           "push" in " ".join(said.split())
    (waiting,) = json.loads(lojasync("store", "updates", "--format", "json"))
    assert (waiting["kind"], waiting["status"]) == ("tracking", "pending")


def test_store_push_over_a_revoked_token_exits_1_with_what_a_person_must_do(lojasync, store, monkeypatch):
    """review (own commits): 75 and "o worker tenta de novo sozinho" were said over a revoked token, which stops the
    store's pushes until a person reconnects it: a script retrying on 75 looped."""
    from lojasync.entrypoints.cli.context import reset_container

    order = next(o for o in synced(lojasync, store) if o["status"] != "cancelado")
    lojasync("orders", "tracking", str(order["number"]), "AA123456789BR")
    monkeypatch.setenv("LOJASYNC_HTTP_MAX_RETRIES", "0")
    reset_container()
    store.simulator.revoke_token(store.access_token)
    said = " ".join(lojasync("store", "push", expect=1).split())
    assert "Ficaram para depois:" in said and "401" in said
    assert "o worker tenta de novo sozinho" not in said and "Resolução: " in said, said


def test_a_bug_in_store_push_keeps_its_traceback_in_the_error_log_the_message_names(lojasync, store, app,
                                                                                    monkeypatch):
    """review (own commits): the terminal no longer shows a one-shot command's log; a bug the push reports and goes on
    from was logged there alone, and lost, while its resolution said to report "o erro do log"."""
    from lojasync.entrypoints.cli.context import reset_container

    order = next(o for o in synced(lojasync, store) if o["status"] != "cancelado")
    lojasync("orders", "tracking", str(order["number"]), "AA123456789BR")

    def broken(self, *args, **kwargs):
        raise RuntimeError("defeito de teste no envio")

    monkeypatch.setattr(NuvemshopClient, "fulfill_order", broken)
    reset_container()
    said = " ".join(lojasync("store", "push", expect=1).split())
    assert "erro inesperado (RuntimeError)" in said and "lojasync-erros.log" in said
    log = (app.settings.data_dir / "lojasync-erros.log").read_text(encoding="utf-8")
    assert "defeito de teste no envio" in log and "Traceback" in log


def test_store_push_over_a_key_that_no_longer_opens_the_token_exits_1(lojasync, store, app):
    """review (own commits): a changed LOJASYNC_SECRET_KEY was told "o worker tenta de novo sozinho", exit 75."""
    from sqlalchemy import text

    order = next(o for o in synced(lojasync, store) if o["status"] != "cancelado")
    lojasync("orders", "tracking", str(order["number"]), "AA123456789BR")
    with app.engine.begin() as connection:
        connection.execute(text("UPDATE nuvemshop_stores SET access_token = 'gAAAAAgarbage'"))
    said = " ".join(lojasync("store", "push", expect=1).split())
    assert "a chave mudou" in said and "o worker tenta de novo sozinho" not in said


def test_a_sync_that_reads_the_store_again_ends_a_suspension_and_the_push_goes(lojasync, store):
    """review (batch and write-back): after the store's suspension ended, a sync by hand read it whole and `store push`
    still refused it as suspended, with nothing to do but wait for the worker's recheck or `store enable`."""
    order = next(o for o in synced(lojasync, store) if o["lines"] and all(line["sku"] for line in o["lines"]))
    lojasync("stock", "count", sorted(sold_in(order))[0], "--quantity", "50")
    store.simulator.suspend(store.store_id)
    assert "suspens" in lojasync("store", "push", expect=1)
    assert "a loja está suspensa" in lojasync("store", "push", expect=1)   # paused: the push no longer tries
    store.simulator.resume(store.store_id)
    lojasync("sync")
    lojasync("store", "push")
    assert json.loads(lojasync("store", "updates", "--format", "json")) == []
    assert "Uma sincronização leu a loja inteira: suspensão encerrada." in lojasync("store", "log", "--format", "json")


def test_the_json_list_of_updates_says_on_stderr_what_it_leaves_out(lojasync, store, monkeypatch):
    """review: `store updates --format json` gave 200 rows of 311, and nothing told the script more were waiting."""
    from typer.testing import CliRunner

    from lojasync.entrypoints.cli.app import app as cli
    from lojasync.nuvemshop.services import store_updates

    skus = sorted({line["sku"] for o in synced(lojasync, store) for line in o["lines"] if line["sku"]})[:3]
    for sku in skus:
        lojasync("stock", "count", sku, "--quantity", "7")
    # The repository's cap (200) made 1, so that three updates are more than the list holds.
    listed = store_updates.list_store_updates
    monkeypatch.setattr("lojasync.entrypoints.cli.store_updates.list_store_updates",
                        lambda *a, **k: listed(*a, **k)[:1])
    result = CliRunner().invoke(cli, ["store", "updates", "--format", "json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 1
    assert "Atenção: Mostrando 1 de 3" in " ".join(result.stderr.split())


def test_a_sync_whose_retries_meet_a_suspension_leaves_the_store_paused(app, lojasync, store, monkeypatch):
    """review (the session's commits): a run whose listing went through and whose retries of failed orders got 402
    ended as a read of the whole store, and lifted the pause of a store still suspended."""
    from lojasync.nuvemshop.client.errors import PaymentRequiredError
    from lojasync.nuvemshop.model.import_failures import ImportFailure
    from lojasync.nuvemshop.services.sync_store import sync_store

    synced(lojasync, store)
    with app.uow() as uow:
        (shop,) = uow.stores.list()
        shop.paused = True   # suspended earlier, as a 402 or app/suspended leaves it
        failure = ImportFailure(shop.id, "999001")   # an order to fetch again, one by one
        failure.error, failure.retryable = "dados inválidos", True
        uow.failures.add(failure)
        uow.commit()

    def suspended(self, order_id):
        raise PaymentRequiredError("Loja suspensa", status_code=402)

    monkeypatch.setattr(NuvemshopClient, "get_order", suspended)
    with pytest.raises(PaymentRequiredError):
        sync_store(app.uow(), app.client_for, app.policy(), external_store_id=store.store_id)
    with app.read_uow() as uow:
        assert uow.stores.list()[0].paused is True
