"""The unit of work the connector's use cases run in: the core's repositories plus the connector's."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lojasync.db.unit_of_work import SqlUnitOfWork
from lojasync.nuvemshop.db.import_settings import ImportSettingRepository
from lojasync.nuvemshop.db.lgpd_queries import ExportRepository, LgpdQueries
from lojasync.nuvemshop.db.order_search import StoreOrderSearchRepository
from lojasync.nuvemshop.db.repositories import (
    BindingRepository,
    FailureRepository,
    LeaseRepository,
    OriginRepository,
    PeriodicRunRepository,
    SpentInviteRepository,
    StoreLogRepository,
    StoreRepository,
    WebhookEventRepository,
)
from lojasync.nuvemshop.db.store_updates import StoreUpdateRepository


class SqlConnectorUnitOfWork(SqlUnitOfWork):
    def open_repositories(self, session: Session) -> None:
        super().open_repositories(session)
        self.order_search = StoreOrderSearchRepository(session)
        self.stores = StoreRepository(session)
        self.bindings = BindingRepository(session)
        self.origins = OriginRepository(self.bindings)
        self.failures = FailureRepository(session)
        self.store_log = StoreLogRepository(session)
        self.webhook_events = WebhookEventRepository(session)
        self.leases = LeaseRepository(session)
        self.periodic_runs = PeriodicRunRepository(session)
        self.spent_invites = SpentInviteRepository(session)
        self.lgpd = LgpdQueries(session)
        self.lgpd_exports = ExportRepository(session)
        self.store_updates = StoreUpdateRepository(session)
        self.import_settings = ImportSettingRepository(session)
