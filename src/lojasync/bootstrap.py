"""Composition root: builds the real adapters from settings and hands them to the services."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from lojasync.crypto import TokenCipher
from lojasync.db.engine import build_engine, build_session_factory
from lojasync.db.migrate import upgrade
from lojasync.db.orm import start_mappers
from lojasync.nuvemshop.model.records import Store
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.db.unit_of_work import UnitOfWork
from lojasync.settings import Settings


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    # Store tokens are kept encrypted; only client_for sees them in clear.
    cipher: TokenCipher
    # Tests and benchmarks plug an in-process transport here; production uses the network.
    http_transport: httpx.BaseTransport | None = None
    # One bucket model per store for the whole process, shared by every client and thread.
    _gates: dict = field(default_factory=dict, repr=False)
    _gates_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def uow(self) -> UnitOfWork:
        """A unit of work for a use case that writes."""
        return UnitOfWork(self.session_factory)

    def read_uow(self) -> UnitOfWork:
        """A unit of work for pages and listings: never waits for a writer."""
        return UnitOfWork(self.read_session_factory)

    def policy(self) -> ImportPolicy:
        return ImportPolicy(rules=self.settings.status_rules(), unknown_sku=self.settings.unknown_sku)

    def client_for(self, store: Store):
        from lojasync.nuvemshop.client.resources import NuvemshopClient

        # An erased token (store/redact) stays empty: the client explains that one itself.
        token = self.cipher.decrypt(store.access_token, store=store.external_id) if store.access_token else ""
        from lojasync.nuvemshop.client.rate_limit import DEFAULT_BUCKET_LIMIT, LocalLeakyBucketGate
        from lojasync.observability.metrics import observe_api

        with self._gates_lock:
            gate = self._gates.get(store.external_id)
            if gate is None:
                gate = LocalLeakyBucketGate(initial_level=DEFAULT_BUCKET_LIMIT)
                self._gates[store.external_id] = gate
        return NuvemshopClient(
            api_url=store.api_url,
            store_id=store.external_id,
            access_token=token,
            user_agent=self.settings.user_agent,
            timeout=self.settings.http_timeout,
            max_retries=self.settings.http_max_retries,
            transport=self.http_transport,
            gate=gate,
            on_close=lambda c: observe_api(c.store_id, c.api_calls, c.rate_limited),
        )

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> Container:
    """Build everything once per process; apply pending migrations unless told not to."""
    settings = settings or Settings()
    start_mappers()
    engine = build_engine(settings.resolved_database_url)
    if migrate:
        upgrade(engine)
    return Container(settings=settings, engine=engine, session_factory=build_session_factory(engine),
                     read_session_factory=build_session_factory(engine, writer=False),
                     cipher=TokenCipher.from_settings(settings))
