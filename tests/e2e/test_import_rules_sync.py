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
