"""What the connector's use cases need: a unit of work with the core's and the connector's repositories.

The SQL one is `nuvemshop.db.unit_of_work.SqlConnectorUnitOfWork`; tests use in-memory fakes of the same
shape. The store client's shape is `client.protocol.StoreClient`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol

from lojasync.nuvemshop.client.protocol import ClientFactory, StoreClient
from lojasync.sales.ports import SalesUnitOfWork

if TYPE_CHECKING:
    from lojasync.db.repositories import ProductRepository
    from lojasync.finance.ports import ReceivableRepository
    from lojasync.fiscal.ports import InvoiceRepository, NumberVoidRepository, SimpleSaleRepository
    from lojasync.nuvemshop.db.import_settings import ImportSettingRepository
    from lojasync.nuvemshop.db.lgpd_queries import ExportRepository, LgpdQueries
    from lojasync.nuvemshop.db.order_search import StoreOrderSearchRepository
    from lojasync.nuvemshop.db.repositories import (
        BindingRepository,
        FailureRepository,
        LeaseRepository,
        PeriodicRunRepository,
        SpentInviteRepository,
        StoreLogRepository,
        StoreRepository,
        WebhookEventRepository,
    )
    from lojasync.nuvemshop.db.store_updates import StoreUpdateRepository

__all__ = ["ClientFactory", "ConnectorUnitOfWork", "StoreClient"]


class ConnectorUnitOfWork(SalesUnitOfWork, Protocol):
    products: ProductRepository
    invoices: InvoiceRepository            # the core's documents and receivables: the LGPD export lists them
    number_voids: NumberVoidRepository    # with `invoices`: the fiscal work a stopped worker leaves waiting
    simple_sales: SimpleSaleRepository
    receivables: ReceivableRepository
    order_search: StoreOrderSearchRepository   # the core's search, narrowed to one store on request
    stores: StoreRepository
    bindings: BindingRepository
    failures: FailureRepository
    store_log: StoreLogRepository
    webhook_events: WebhookEventRepository
    leases: LeaseRepository
    periodic_runs: PeriodicRunRepository
    spent_invites: SpentInviteRepository
    lgpd: LgpdQueries
    lgpd_exports: ExportRepository
    store_updates: StoreUpdateRepository
    import_settings: ImportSettingRepository

    def __enter__(self) -> ConnectorUnitOfWork: ...

    def flush(self) -> None: ...

    def publish(self) -> None:
        """Hand the events recorded so far to their handlers (commit does it too)."""

    def attempt(self, part: Callable[[], None]) -> Exception | None:
        """Run `part` in a savepoint: failed, only it is undone, and its exception returned."""

    def no_autoflush(self) -> AbstractContextManager: ...

    def detach(self, *objects: object) -> None: ...

    def detach_all(self) -> None: ...
