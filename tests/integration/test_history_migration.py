"""Migration 0006: the old sync log becomes the orders' history and the store log; nothing is lost.

Runs on its own SQLite file (the migration's statements are plain SQLAlchemy Core, the same on PostgreSQL).
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import command

from lojasync.db.engine import build_engine
from lojasync.db.migrate import alembic_config
from lojasync.sales.history_text import Names, render


def test_sync_log_rows_move_to_order_history_and_store_log(tmp_path):
    engine = build_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config(engine)
    command.upgrade(config, "0005")
    now = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO nuvemshop_stores (id, external_id, api_url, access_token, active, paused, "
                             "created_at) VALUES (1, '1234567', 'http://x', 't', 1, 0, :now)"), {"now": now})
        for order_id, reason in ((10, "NF-e 1 autorizada"), (11, "venda confirmada"), (12, None)):
            conn.execute(sa.text("INSERT INTO orders (id, status, subtotal, discount, freight, total, needs_attention, "
                                 "processed_reason, created_at, updated_at) VALUES (:id, 'open', 0, 0, 0, 0, 0, "
                                 ":reason, :now, :now)"), {"id": order_id, "reason": reason, "now": now})
        conn.execute(sa.text("INSERT INTO nuvemshop_order_bindings (store_id, external_id, order_id, synced_at) "
                             "VALUES (1, '900', 12, :now)"), {"now": now})
        rows = [
            (10, "800", "created", "Pedido #8 importado da loja como Em Aberto.", '{"source": "sync"}'),
            (10, "800", "customer_linked", "Cliente Ana (***4725) vinculado manualmente.", '{"source": "operador"}'),
            (None, "900", "failed", "Pedido 900 da loja com dados inválidos.", '{"source": "webhook"}'),
            (12, "900", "recovered", "Importado após 1 falha(s) anterior(es).", '{"source": "retry"}'),
            (None, None, "app_installed", "App instalado na loja: token salvo.", None),
            (None, "777", "failed", "Pedido 777 não pôde ser gravado.", '{"source": "sync"}'),
            (10, "800", "something_old", "Texto antigo.", '{"source": "lgpd"}'),
        ]
        for order_id, external_id, event, message, details in rows:
            conn.execute(sa.text("INSERT INTO sync_log (store_id, external_id, order_id, level, event, message, "
                                 "details, created_at) VALUES (1, :ext, :order_id, 'info', :event, :message, "
                                 ":details, :now)"),
                         {"ext": external_id, "order_id": order_id, "event": event, "message": message,
                          "details": details, "now": now})

    command.upgrade(config, "head")

    with engine.connect() as conn:
        history = conn.execute(sa.text("SELECT order_id, type, actor, params FROM order_history ORDER BY id")).all()
        store_log = conn.execute(sa.text("SELECT type, actor, params FROM nuvemshop_store_log ORDER BY id")).all()
        processed = dict(conn.execute(sa.text("SELECT id, processed_by FROM orders")).all())
        tables = sa.inspect(conn).get_table_names()
    assert "sync_log" not in tables
    assert processed == {10: "nfe", 11: "simple_sale", 12: None}
    assert [(o, t, a) for o, t, a, _ in history] == [
        (10, "created", "sync"), (10, "customer_linked", "operator"),
        (12, "failed", "webhook"),  # logged before the order existed: it belongs to its story now
        (12, "recovered", "sync"), (10, "legacy", "store")]
    params = [p if isinstance(p, dict) else __import__("json").loads(p) for *_, p in history]
    assert render("created", params[0], Names()) == "Pedido #8 importado da loja como Em Aberto."
    assert render("legacy", {"legacy_text": None}, Names()).startswith("(texto anterior removido")
    assert [(t, a) for t, a, _ in store_log] == [("app_installed", "system"), ("import_failed", "sync")]
    assert '"external_id": "777"' in str(store_log[1][2]).replace("'", '"')
    engine.dispose()
