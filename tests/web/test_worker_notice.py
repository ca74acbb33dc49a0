"""Every page of the back office says when no worker is running: the orders stopped arriving, and nothing said why."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tests.factories import make_store
from tests.integration.test_worker_silence import connected_at, last_beat


def test_every_page_says_so_and_the_banner_goes_when_a_worker_is_back(app, logged_in):
    make_store(app)
    connected_at(app, datetime.now(timezone.utc) - timedelta(days=1))
    last_beat(app, datetime.now(timezone.utc) - timedelta(minutes=20))
    for path in ("/pedidos", "/nfe", "/vendas", "/estoque", "/financeiro", "/integracao", "/configuracoes"):
        page = logged_in.get(path)
        assert page.status_code == 200, path
        assert 'role="alert"' in page.text and "Nenhum worker do lojasync está no ar há 20 minutos" in page.text
        assert "lojasync worker" not in page.text and "--no-worker" not in page.text   # no terminal words on a page
    # Read once a minute, not on every page: a worker back shows on the page after that minute.
    last_beat(app, datetime.now(timezone.utc))
    assert "Nenhum worker" in logged_in.get("/pedidos").text
    logged_in.app.state.worker_notice = None
    assert "Nenhum worker" not in logged_in.get("/pedidos").text


def test_nobody_logged_in_reads_it(app, web):
    make_store(app)
    connected_at(app, datetime.now(timezone.utc) - timedelta(days=1))
    last_beat(app, datetime.now(timezone.utc) - timedelta(minutes=20))
    assert "Nenhum worker" not in web.get("/login").text
