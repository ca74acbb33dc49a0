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
