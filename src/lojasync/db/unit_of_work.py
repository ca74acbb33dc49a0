"""Unit of work: one transaction and the repositories that share it."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from lojasync.db.repositories import (
    BindingRepository, CustomerRepository, FailureRepository, LeaseRepository, OrderRepository,
    ProductRepository, StoreRepository, SyncLogRepository, WebhookEventRepository,
)


class UnitOfWork:
    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> "UnitOfWork":
        self.session = self.session_factory()
        self.stores = StoreRepository(self.session)
        self.customers = CustomerRepository(self.session)
        self.products = ProductRepository(self.session)
        self.orders = OrderRepository(self.session)
        self.bindings = BindingRepository(self.session)
        self.failures = FailureRepository(self.session)
        self.log = SyncLogRepository(self.session)
        self.events = WebhookEventRepository(self.session)
        self.leases = LeaseRepository(self.session)
        return self

    def __exit__(self, *exc_info) -> None:
        # Anything not committed explicitly is rolled back: a crash never leaves half an import.
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        self.flush()
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def flush(self) -> None:
        self.session.flush()
        self.log.write_pending()
