"""A status table changed in the lojasync (no restart) is applied by the next full sync to the orders already
imported, against the store simulator over real HTTP."""

from __future__ import annotations

from lojasync.nuvemshop.services.import_settings import ImportSettingsChange, set_import_settings
from lojasync.nuvemshop.services.outcomes import Outcome
from lojasync.nuvemshop.services.stores import add_store
from lojasync.nuvemshop.services.sync_store import sync_store
from lojasync.sales.views import list_orders
from lojasync.simulators.nuvemshop.config import SimulatorConfig
from lojasync.simulators.nuvemshop.server import SimulatorServer


def test_a_full_sync_after_a_change_remaps_the_imported_orders(app):
    with SimulatorServer(config=SimulatorConfig(orders=120, seed=5, leak_per_second=50.0)) as server:
        add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url)
        sync_store(app.uow(), app.client_for, app.policy(), external_store_id=server.store_id, full=True)
        source = {str(o["id"]): o for o in server.simulator.orders()}
        authorized = {i for i, o in source.items() if o["payment_status"] == "authorized" and o["status"] != "cancelled"}
        assert authorized, "the seed must have authorized payments"
        before = {o["store_order_id"]: o["status"] for o in list_orders(app.read_uow())}
        assert {before[i] for i in authorized} == {"Em Aberto"}

        set_import_settings(app.uow(), app.import_defaults,
                            ImportSettingsChange(by_payment_status={"authorized": "Confirmado"}), "op@loja.com.br")
        report = sync_store(app.uow(), app.client_for, app.policy(), external_store_id=server.store_id, full=True)
        after = {o["store_order_id"]: o["status"] for o in list_orders(app.read_uow())}
        assert {after[i] for i in authorized} == {"Confirmado"}
        assert report.imports.counts()[Outcome.UPDATED] >= len(authorized)   # re-mapped, not skipped
        assert {i: s for i, s in after.items() if i not in authorized} == {
            i: s for i, s in before.items() if i not in authorized}


def test_a_sync_brings_in_only_the_orders_from_the_first_day_and_a_full_sync_the_older_ones_once_allowed(app):
    """A store with history: the merchant starts from a day (Configurações → Pedidos importados); the older orders
    are listed and left out, none of their buyers brought in; moved back, a full sync brings them in."""
    from datetime import datetime

    from lojasync.shared.local_zone import day_start

    with SimulatorServer(config=SimulatorConfig(orders=120, seed=5, leak_per_second=50.0)) as server:
        add_store(app.uow(), app.cipher, server.store_id, server.access_token, server.api_url)
        created = sorted(datetime.fromisoformat(o["created_at"].replace("+0000", "+00:00"))
                         for o in server.simulator.orders())
        first_day = created[len(created) // 2].astimezone(day_start(created[0].date()).tzinfo).date()
        newer = {str(o["id"]) for o in server.simulator.orders()
                 if datetime.fromisoformat(o["created_at"].replace("+0000", "+00:00")) >= day_start(first_day)}
        assert 0 < len(newer) < 120
        set_import_settings(app.uow(), app.import_defaults, ImportSettingsChange(orders_from=first_day.isoformat()),
                            "op@loja.com.br")
        report = sync_store(app.uow(), app.client_for, app.policy(), external_store_id=server.store_id)
        assert {o["store_order_id"] for o in list_orders(app.read_uow())} == newer
        assert report.imports.counts()[Outcome.BEFORE_START] == 120 - len(newer)

        set_import_settings(app.uow(), app.import_defaults, ImportSettingsChange(orders_from="todos"), "op@loja.com.br")
        report = sync_store(app.uow(), app.client_for, app.policy(), external_store_id=server.store_id, full=True)
        assert len(list_orders(app.read_uow())) == 120 and report.imports.counts()[Outcome.CREATED] == 120 - len(newer)
