"""Composition root: builds the real adapters from settings and hands them to the services.

The only place that knows every module: the message bus's handler table, the unit of work with the
core's and the connector's repositories, the store client with its shared rate-limit model.
"""

from __future__ import annotations

import functools
import threading
from dataclasses import dataclass, field

import httpx
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from lojasync.crypto import TokenCipher
from lojasync.db.accounts_orm import start_mappers as start_account_mappers
from lojasync.db.accounts_unit_of_work import SqlAccountsUnitOfWork
from lojasync.db.engine import build_session_factory
from lojasync.db.migrate import current_revision, upgrade_from
from lojasync.db.opening import open_engine, translate_open_error
from lojasync.finance.events import RefundCheckSettled
from lojasync.fiscal.effects import apply_effects, reverse_effects
from lojasync.fiscal.events import DocumentApproved, DocumentCancelled, InvoiceAuthorised
from lojasync.fiscal.order_drift import (
    flag_order_changed_meanwhile,
    flag_unsent_document_of_changed_sale,
    flag_unsent_document_of_returned_payment,
    flag_unsent_nfe_of_cancelled_order,
)
from lojasync.fiscal.personal_data import erase_unissued_nfe_xml
from lojasync.fiscal.recipient_guard import customer_replaced
from lojasync.fiscal.services.certificate_key import has_sealed_certificate
from lojasync.nuvemshop.client.protocol import StoreClient
from lojasync.nuvemshop.db.inbox import BatchingInbox, DirectInbox
from lojasync.nuvemshop.db.orm import start_mappers
from lojasync.nuvemshop.db.unit_of_work import SqlConnectorUnitOfWork
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.import_settings import (
    ORDERS_FROM,
    RECONCILE_MINUTES,
    STATUS_RULES,
    UNKNOWN_SKU,
    ImportDefaults,
    ImportSettings,
    current_import_settings,
)
from lojasync.nuvemshop.services.lgpd.redaction import erase_what_the_document_kept
from lojasync.nuvemshop.services.reread_order import reread_released_order
from lojasync.nuvemshop.services.stores import has_sealed_tokens
from lojasync.nuvemshop.services.write_back import (
    document_cancelled,
    invoice_authorised,
    stock_moved,
    stock_set_by_hand,
    tracking_recorded,
)
from lojasync.sales.events import (
    AttentionCleared,
    CustomerLinked,
    OrderEvent,
    OrderUpdated,
    PaymentReturnedInStore,
    PersonalDataErased,
    TrackingRecorded,
)
from lojasync.sales.handlers import write_history
from lojasync.settings import Settings, load_settings
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import use_merchant_zone
from lojasync.shared.messagebus import MessageBus
from lojasync.stock.adjustments import StockAdjusted
from lojasync.stock.counts import StockCounted


def message_bus(settings: Settings | None = None) -> MessageBus:
    """Which handlers run for which domain events, in this order, inside the use case's transaction.
    A handler of a base class runs after the subclass's own: an approval's effects, then its history.
    The connector's handlers only queue what the store must be told; the worker pushes it after the commit."""
    rules = settings.installment_rules() if settings is not None else None
    return MessageBus({
        InvoiceAuthorised: [flag_order_changed_meanwhile, invoice_authorised],
        DocumentApproved: [functools.partial(apply_effects, rules=rules), stock_moved],
        DocumentCancelled: [functools.partial(reverse_effects, rules=rules), stock_moved, document_cancelled,
                            reread_released_order, erase_what_the_document_kept],
        StockCounted: [stock_set_by_hand],
        StockAdjusted: [stock_set_by_hand],
        CustomerLinked: [customer_replaced],
        OrderUpdated: [flag_unsent_nfe_of_cancelled_order, flag_unsent_document_of_changed_sale],
        PaymentReturnedInStore: [flag_unsent_document_of_returned_payment],
        PersonalDataErased: [erase_unissued_nfe_xml],
        RefundCheckSettled: [erase_what_the_document_kept],
        # An erasure a cancellation owed and could not do is flagged: marking the order resolved tries it again.
        AttentionCleared: [erase_what_the_document_kept],
        TrackingRecorded: [tracking_recorded],
        OrderEvent: [write_history],
    })


@dataclass
class Container:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    read_session_factory: sessionmaker[Session]
    # Store tokens are kept encrypted; only client_for sees them in clear.
    cipher: TokenCipher
    bus: MessageBus = field(default_factory=message_bus)
    # Tests and benchmarks plug an in-process transport here; production uses the network.
    http_transport: httpx.BaseTransport | None = None
    # One bucket model per store for the whole process, shared by every client and thread.
    _gates: dict = field(default_factory=dict, repr=False)
    _gates_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    # The revision this process migrated the database from ("" for a new one); None when it applied nothing.
    migrated_from: str | None = None

    def uow(self) -> SqlConnectorUnitOfWork:
        """A unit of work for a use case that writes."""
        return SqlConnectorUnitOfWork(self.session_factory, self.bus)

    def read_uow(self) -> SqlConnectorUnitOfWork:
        """A unit of work for pages and listings: never waits for a writer."""
        return SqlConnectorUnitOfWork(self.read_session_factory, self.bus)

    def accounts_uow(self) -> SqlAccountsUnitOfWork:
        """A unit of work for users, logins, sessions and API tokens."""
        return SqlAccountsUnitOfWork(self.session_factory, self.bus)

    def accounts_read_uow(self) -> SqlAccountsUnitOfWork:
        """Recognising a session on every page: a reader, never waiting for a writer."""
        return SqlAccountsUnitOfWork(self.read_session_factory, self.bus)

    @functools.cached_property
    def import_defaults(self) -> ImportDefaults:
        """The import rules of the LOJASYNC_* variables (or the defaults): those the lojasync's own values override."""
        return import_defaults(self.settings)

    def import_settings(self) -> ImportSettings:
        """The import rules in force now: the lojasync's values (Configurações) over the variables."""
        return current_import_settings(self.read_uow(), self.import_defaults)

    def policy(self) -> ImportPolicy:
        # Read once per call (an import batch), so a rule changed in Configurações applies from the next batch.
        return self.import_settings().policy()

    def client_for(self, store: Store) -> StoreClient:
        from lojasync.nuvemshop.client.rate_limit import DEFAULT_BUCKET_LIMIT, LocalLeakyBucketGate
        from lojasync.nuvemshop.client.resources import NuvemshopClient
        from lojasync.observability.metrics import observe_api

        # An erased token (store/redact) stays empty: the client explains that one itself.
        token = ""
        if store.access_token:
            token = self.cipher.decrypt(store.access_token, external_store_id=store.external_id)
        with self._gates_lock:
            gate = self._gates.get(store.external_id)
            if gate is None:
                gate = LocalLeakyBucketGate(initial_level=DEFAULT_BUCKET_LIMIT)
                self._gates[store.external_id] = gate
        return NuvemshopClient(
            api_url=store.api_url,
            external_store_id=store.external_id,
            access_token=token,
            user_agent=self.settings.user_agent,
            timeout=self.settings.http_timeout,
            max_retries=self.settings.http_max_retries,
            transport=self.http_transport,
            gate=gate,
            on_close=lambda c: observe_api(c.external_store_id, c.api_calls, c.rate_limited),
        )

    def webhook_inbox(self, batching: bool = True) -> BatchingInbox | DirectInbox:
        """Where received notifications are written before the answer: grouped commits for the web server."""
        return BatchingInbox(self.engine) if batching else DirectInbox(self.engine)

    def database_revision(self) -> str | None:
        return current_revision(self.engine)

    def database_problem(self) -> str | None:
        """Why the database cannot be reached now, or None (readiness probes)."""
        try:
            with self.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:  # noqa: BLE001 - a probe reports any failure, it does not raise
            return f"banco de dados inacessível: {exc.__class__.__name__}"
        return None

    def database_url(self) -> str:
        return self.engine.url.render_as_string()

    def close(self) -> None:
        self.engine.dispose()


def import_defaults(settings: Settings) -> ImportDefaults:
    fields = {STATUS_RULES: ("status_by_order_status", "status_by_payment_status", "default_status"),
              UNKNOWN_SKU: ("unknown_sku",), RECONCILE_MINUTES: ("reconcile_minutes",), ORDERS_FROM: ("orders_from",)}
    variables = {key: tuple(f"LOJASYNC_{name.upper()}" for name in names if name in settings.model_fields_set)
                 for key, names in fields.items()}
    return ImportDefaults(rules=settings.status_rules(), unknown_sku=settings.unknown_sku,
                          reconcile_minutes=settings.reconcile_minutes, orders_from=settings.orders_from,
                          variables={key: names for key, names in variables.items() if names})


def bootstrap(settings: Settings | None = None, *, migrate: bool = True, create: bool = True) -> Container:
    """Build everything once per process; apply pending migrations unless told not to.

    `create=False` refuses to start an empty embedded database (a command run in the wrong folder must
    say so, not leave an empty data folder behind).
    """
    settings = settings or load_settings()
    use_merchant_zone(settings.time_zone)
    start_mappers()
    start_account_mappers()
    engine = open_engine(settings.resolved_database_url, create=create, data_dir=settings.data_dir)
    migrated_from = None
    if migrate:
        try:
            migrated_from = upgrade_from(engine)
        except LojasyncError:
            engine.dispose()
            raise
        except Exception as exc:
            engine.dispose()
            raise translate_open_error(exc, engine.url) from exc
    readers = build_session_factory(engine, writer=False)
    # A lost key file must not be silently replaced while tokens sealed with it remain.
    cipher = TokenCipher.from_settings(
        settings, may_create_key=lambda: not has_sealed_tokens(SqlConnectorUnitOfWork(readers))
        and not has_sealed_certificate(SqlConnectorUnitOfWork(readers)))
    return Container(settings=settings, engine=engine, session_factory=build_session_factory(engine),
                     read_session_factory=readers, cipher=cipher, bus=message_bus(settings),
                     migrated_from=migrated_from)
