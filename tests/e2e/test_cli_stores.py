"""Connecting a store from the terminal: credentials checked with the store first; remove, disable, enable;
a permanent error stops the automatic sync and flags the store instead of retrying for ever."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer


@pytest.fixture()
def lojasync(app, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    monkeypatch.setenv("LOJASYNC_HTTP_MAX_RETRIES", "0")  # an unreachable address answers at once
    reset_container()

    def run(*args: str, expect: int = 0) -> str:
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == expect, result.output + str(result.exception or "")
        assert "Traceback" not in result.output
        return " ".join(result.output.split())

    yield run
    reset_container()


@pytest.fixture(scope="module")
def server():
    with SimulatorServer(config=SimulatorConfig(orders=5, seed=4, leak_per_second=50.0)) as srv:
        yield srv


def stores(lojasync) -> list[dict]:
    return json.loads(lojasync("store", "list", "--format", "json"))


def test_store_add_checks_the_credentials_with_the_store_before_saving(lojasync, server, monkeypatch):
    base = ("store", "add", "--api-url", server.api_url)
    checked = [  # the store was asked and said no
        (("--store", server.store_id, "--access-token", "token-errado"), "token de acesso recusado"),
        (("--store", "7777777", "--access-token", server.access_token), "loja não encontrada"),
    ]
    for args, words in checked:
        output = lojasync(*base, *args, expect=1)
        assert words in output and "Nada foi gravado" in output
    for store_id in ("abc", "1 OR 1=1; --", "١٢٣"):  # refused before asking anyone ("١٢٣": not ASCII digits)
        assert f"Id de loja inválido: {store_id!r}" in lojasync(*base, "--store", store_id, "--access-token", "x",
                                                               expect=1)
    assert "Endereço da API inválido: 'ftp://api.test/2025-03'" in lojasync(
        "store", "add", "--store", "1", "--access-token", "x", "--api-url", "ftp://api.test/2025-03", expect=1)
    # Nobody answered: nothing says the details are wrong; try again later (75, the exit of "try again").
    silent = lojasync("store", "add", "--store", "1", "--access-token", "x", "--api-url", "http://127.0.0.1:9/2025-03",
                      expect=75)
    assert "não respondeu" in silent and "Nada foi gravado" in silent and "Tente de novo em alguns minutos" in silent
    assert stores(lojasync) == []

    monkeypatch.setenv("LOJASYNC_STORE_TOKEN", server.access_token)   # kept out of the shell's history and of `ps`
    added = lojasync(*base, "--store", server.store_id)
    assert "conectada" in added
    (store,) = stores(lojasync)
    assert store["name"] == f"Loja Simulada {server.store_id}"  # as the store calls itself


def test_no_check_saves_without_asking_the_store(lojasync):
    lojasync("store", "add", "--store", "123", "--access-token", "t", "--api-url", "http://127.0.0.1:9/x",
             "--no-check")
    assert [s["external_id"] for s in stores(lojasync)] == ["123"]


def test_a_mistyped_store_is_removed_and_a_store_with_orders_can_only_be_disabled(lojasync, server):
    lojasync("store", "add", "--store", server.store_id, "--access-token", server.access_token,
             "--api-url", server.api_url)
    lojasync("store", "add", "--store", "999", "--access-token", "t", "--api-url", server.api_url, "--no-check")
    assert "mais de uma loja" in lojasync("sync", expect=1)  # the typo gets in the way of every command

    assert "Loja 999 removida" in lojasync("store", "remove", "999")
    lojasync("sync")
    refused = lojasync("store", "remove", server.store_id, expect=1)
    assert "pedido(s) importado(s)" in refused and "lojasync store disable" in refused

    assert "desativada" in lojasync("store", "disable", server.store_id)
    assert stores(lojasync)[0]["active"] is False
    refused = lojasync("sync", expect=1)
    assert "foi desativada no lojasync" in refused and "lojasync store enable ID" in refused
    assert "install-link" not in refused  # nothing to reconnect: enabling is enough
    assert "reativada" in lojasync("store", "enable", server.store_id)
    lojasync("sync")


def test_a_store_being_synced_is_not_removed_under_the_worker(app, server):
    """The check for imported orders and the delete happen under the store's lease."""
    import pytest

    from lojasync.nuvemshop.errors import SyncBusy
    from lojasync.nuvemshop.services.leases import store_lease
    from lojasync.nuvemshop.services.stores import add_store, list_stores, remove_store

    view, _ = add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url)
    with store_lease(app.uow(), view.id, holder="outra-maquina:1:1") as lease:
        assert lease is not None
        with pytest.raises(SyncBusy):
            remove_store(app.uow(), server.store_id)
    assert [s.external_id for s in list_stores(app.read_uow())] == [server.store_id]
    assert remove_store(app.uow(), server.store_id) == server.store_id
    assert list_stores(app.read_uow()) == []

def test_a_permanent_error_flags_the_store_once_and_stops_the_automatic_sync(app, server):
    from datetime import datetime, timezone

    from lojasync.entrypoints.tasks import TaskQueue
    from lojasync.nuvemshop.services.maintenance import due_work
    from lojasync.nuvemshop.services.stores import add_store, list_stores, store_log

    view, _ = add_store(app.uow(), app.cipher, server.store_id, "token-revogado", server.api_url)
    queue = TaskQueue(app, huey=_memory_huey())
    for _ in range(3):
        queue._sync_task(view.id)  # no huey retry, no exception: a person must act

    (flagged,) = list_stores(app.read_uow())
    assert flagged.attention.startswith("Token de acesso recusado pela Nuvemshop (401)")
    assert flagged.attention_resolution.startswith("Reconecte a loja")
    entries = [e for e in store_log(app.read_uow(), server.store_id) if e["event"] == "needs_attention"]
    assert len(entries) == 1 and entries[0]["level"] == "error"  # said once, not at every round
    assert due_work(app.read_uow(), datetime.now(timezone.utc), _minutes(10)).stores_to_sync == []

    add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url)  # reconnected
    (fixed,) = list_stores(app.read_uow())
    assert fixed.attention is None


def test_a_token_this_process_cannot_open_does_not_flag_the_store(app, server, caplog):
    """A worker started with another LOJASYNC_SECRET_KEY: its own misconfiguration, not the store's."""
    import dataclasses

    from lojasync.crypto import TokenCipher
    from lojasync.entrypoints.tasks import TaskQueue
    from lojasync.nuvemshop.services.stores import add_store, list_stores

    view, _ = add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url)
    wrong_key = dataclasses.replace(app, cipher=TokenCipher("outra chave"))
    with caplog.at_level("ERROR", logger="lojasync"):
        TaskQueue(wrong_key, huey=_memory_huey())._sync_task(view.id)
    (store,) = list_stores(app.read_uow())
    assert store.attention is None
    assert any(getattr(r, "error_code", "") == "secrets.token_unreadable" for r in caplog.records)

def test_the_workers_sync_logs_what_it_did(app, server, caplog):
    """The last notes: the worker's syncs logged nothing when they succeeded (the orders left out for the data inicial
    were counted by `lojasync sync` only); at INFO, one line with the terminal's counts."""
    from lojasync.entrypoints.tasks import TaskQueue
    from lojasync.nuvemshop.services.stores import add_store

    view, _ = add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url)
    with caplog.at_level("INFO", logger="lojasync"):
        TaskQueue(app, huey=_memory_huey())._sync_task(view.id)
    (synced,) = [r for r in caplog.records if r.getMessage() == "store synced"]
    with app.read_uow() as uow:
        imported = len(uow.orders.list())
    assert imported > 0
    assert (synced.store_id, synced.orders_created, synced.orders_failed) == (view.id, imported, 0)
    assert synced.orders_before_start == 0 and synced.fetched >= imported and synced.api_calls >= 1


def _memory_huey():
    from huey import MemoryHuey

    return MemoryHuey("test", immediate=False)


def _minutes(n: int):
    from datetime import timedelta

    return timedelta(minutes=n)


def test_store_add_without_api_url_uses_the_address_of_the_settings(lojasync, server, monkeypatch):
    """First-day walk: LOJASYNC_NUVEMSHOP_API_URL (the store simulator here, as the install link uses it) was ignored by
    `store add` without --api-url, which connected the store at Nuvemshop's own address."""
    monkeypatch.setenv("LOJASYNC_NUVEMSHOP_API_URL", server.api_url)
    said = lojasync("store", "add", "--store", server.store_id, "--access-token", server.access_token)
    assert f"API: {server.api_url}" in said
    assert [s["api_url"] for s in stores(lojasync)] == [server.api_url]
