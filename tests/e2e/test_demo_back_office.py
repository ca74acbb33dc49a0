"""`lojasync demo --minutes N`: after the scripted part the back office stays open with a login made for the
demo, the store goes on selling, and the demo ends by itself when the time is up."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from lojasync.accounts.services.login import log_in
from lojasync.bootstrap import bootstrap
from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container
from lojasync.settings import Settings


def test_the_demo_prints_a_working_login_and_ends_by_itself_after_its_minutes(tmp_path, monkeypatch):
    for name in ("LOJASYNC_DATABASE_URL", "LOJASYNC_REDIS_URL", "LOJASYNC_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    reset_container()
    folder = tmp_path / "demo"
    # 0.1 min: a few seconds of the store selling; the first order comes at once.
    result = CliRunner().invoke(cli, ["demo", "--orders", "10", "--live-seconds", "0", "--invoices", "0",
                                      "--minutes", "0.1", "--port", "0", "--data-dir", str(folder)],
                                env={"COLUMNS": "200"})
    reset_container()
    assert result.exit_code == 0, result.output + str(result.exception or "")
    output = result.output
    assert re.search(r"Abra http://127\.0\.0\.1:\d+/pedidos", output), output
    email = re.search(r"e-mail: (\S+)", output).group(1)
    password = re.search(r"senha:\s+(\S+)", output).group(1)
    assert "encerra sozinha em 0,1 min" in output
    assert re.search(r"loja: pedido nº \d+ feito", output.split("Back office no navegador")[1]), output
    assert output.rstrip().endswith("Tempo encerrado: demonstração terminada.")

    # The login printed opens a session in the demo's own database (the password is kept only as a hash).
    demo = bootstrap(Settings(data_dir=folder, database_url=None, redis_url=None), migrate=False)
    try:
        assert log_in(demo.accounts_uow(), email, password, "127.0.0.1").token
    finally:
        demo.close()


def test_the_demo_on_another_port_says_that_address_is_the_one_the_store_calls(tmp_path, monkeypatch):
    """review: on any port but 8000 the Integração page compared the store's webhooks with 127.0.0.1:8000, said all
    13 were missing, and its button registered 13 more to nowhere."""
    from lojasync.entrypoints.cli import demo

    for name in ("LOJASYNC_DATABASE_URL", "LOJASYNC_REDIS_URL", "LOJASYNC_DATA_DIR", "LOJASYNC_PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    seen = {}

    def back_office(app, simulator, url, minutes, seed):
        seen["url"], seen["public_url"] = url, app.settings.public_url
        seen["checked"] = [[h.event for h in report.missing] for report in _webhook_pages(app, url)]

    monkeypatch.setattr(demo, "open_back_office", back_office)
    reset_container()
    result = CliRunner().invoke(cli, ["demo", "--orders", "5", "--live-seconds", "0", "--invoices", "0",
                                      "--minutes", "1", "--port", "0", "--data-dir", str(tmp_path / "demo")],
                                env={"COLUMNS": "200"})
    reset_container()
    assert result.exit_code == 0, result.output + str(result.exception or "")
    assert seen["public_url"] == seen["url"] and not seen["url"].endswith(":8000")
    assert seen["checked"] == [[]]   # none missing



def _webhook_pages(app, url):
    """For each store, the webhooks the Integração page finds missing (its check, without registering any)."""
    from lojasync.nuvemshop.services.install_store import store_webhooks, webhook_url_for

    with app.read_uow() as uow:
        stores = [s.external_id for s in uow.stores.list()]
    return [store_webhooks(app.uow(), app.client_for, external_id, webhook_url_for(app.settings.public_url),
                           create=False) for external_id in stores]
