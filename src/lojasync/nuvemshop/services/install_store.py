"""Use case: complete a store's OAuth install, and keep its webhook registrations in place.

Registering is idempotent: the store's webhooks are listed first and only the missing (event, URL)
pairs are created, so an install repeated, or a registration check run twice, creates nothing new.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from lojasync.crypto import TokenCipher
from lojasync.nuvemshop.client.errors import NuvemshopError
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.oauth import TokenGrant
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork, StoreClient
from lojasync.nuvemshop.scopes import missing_scopes_effect
from lojasync.nuvemshop.services.stores import StoreView, add_store, find_store
from lojasync.nuvemshop.webhook_topics import SUBSCRIBED_EVENTS
from lojasync.sales.history import Actor

log = logging.getLogger("lojasync.install")

WEBHOOK_PATH = "/webhooks/nuvemshop"


def webhook_url_for(public_url: str) -> str:
    """Where the platform must deliver this service's webhooks."""
    return public_url.rstrip("/") + WEBHOOK_PATH


class WebhookState(StrEnum):
    PRESENT = "registrado"
    CREATED = "criado agora"
    MISSING = "faltando"
    FAILED = "falhou"


@dataclass(frozen=True)
class WebhookStatus:
    event: str
    url: str
    state: WebhookState
    error: str | None = None


@dataclass
class WebhookReport:
    external_store_id: str
    url: str
    items: list[WebhookStatus] = field(default_factory=list)
    # Registered for this app but not expected here (another URL, or an event lojasync does not use).
    others: list[tuple[str, str]] = field(default_factory=list)
    # Listing the store's webhooks failed: nothing is known about them.
    error: str | None = None

    def _with(self, state: WebhookState) -> list[WebhookStatus]:
        return [i for i in self.items if i.state is state]

    @property
    def present(self) -> list[WebhookStatus]:
        return self._with(WebhookState.PRESENT)

    @property
    def created(self) -> list[WebhookStatus]:
        return self._with(WebhookState.CREATED)

    @property
    def missing(self) -> list[WebhookStatus]:
        return self._with(WebhookState.MISSING)

    @property
    def failed(self) -> list[WebhookStatus]:
        return self._with(WebhookState.FAILED)

    @property
    def complete(self) -> bool:
        """Every expected webhook is registered."""
        return self.error is None and all(i.state in (WebhookState.PRESENT, WebhookState.CREATED)
                                          for i in self.items)


@dataclass(frozen=True)
class InstallReport:
    store: StoreView
    new_store: bool
    missing_scopes: list[str]
    webhooks: WebhookReport

    @property
    def missing_scopes_effect(self) -> str:
        return missing_scopes_effect(self.missing_scopes)


def ensure_webhooks(client: StoreClient, webhook_url: str, *, create: bool = True,
                    events: Iterable[str] = SUBSCRIBED_EVENTS) -> WebhookReport:
    """List the store's webhooks; with `create`, register the missing (event, URL) pairs."""
    external_store_id = client.external_store_id
    report = WebhookReport(external_store_id=external_store_id, url=webhook_url)
    wanted = list(dict.fromkeys(events))
    try:
        registered = {(str(w.get("event")), str(w.get("url"))) for w in client.list_webhooks()}
    except NuvemshopError as exc:
        report.error = exc.message
        report.items = [WebhookStatus(e, webhook_url, WebhookState.FAILED, exc.message) for e in wanted]
        log.warning("webhook listing failed",
                    extra={"external_store_id": external_store_id, "error": type(exc).__name__})
        return report
    expected = {(event, webhook_url) for event in wanted}
    report.others = sorted(registered - expected)
    for event in wanted:
        if (event, webhook_url) in registered:
            report.items.append(WebhookStatus(event, webhook_url, WebhookState.PRESENT))
        elif not create:
            report.items.append(WebhookStatus(event, webhook_url, WebhookState.MISSING))
        else:
            try:
                client.create_webhook(event, webhook_url)
            except NuvemshopError as exc:
                report.items.append(WebhookStatus(event, webhook_url, WebhookState.FAILED, exc.describe()))
                log.warning("webhook registration failed",
                            extra={"external_store_id": external_store_id, "webhook_event": event,
                                   "error": type(exc).__name__})
            else:
                report.items.append(WebhookStatus(event, webhook_url, WebhookState.CREATED))
    log.info("webhooks checked", extra={"external_store_id": external_store_id, "present": len(report.present),
                                        "webhooks_created": len(report.created), "missing": len(report.missing),
                                        "failed": len(report.failed)})
    return report


def store_webhooks(uow: ConnectorUnitOfWork, client_factory: ClientFactory, external_store_id: str | None,
                   webhook_url: str, *, create: bool = True) -> WebhookReport:
    """`ensure_webhooks` for a connected store (the one named, or the only one)."""
    with uow:
        client = client_factory(find_store(uow, external_store_id))
    try:
        return ensure_webhooks(client, webhook_url, create=create)
    finally:
        client.close()


def complete_install(uow: ConnectorUnitOfWork, cipher: TokenCipher, grant: TokenGrant, api_url: str,
                     webhook_url: str, client_factory: ClientFactory) -> InstallReport:
    """Save the store with its (encrypted) token, then register its webhooks."""
    view, created = add_store(uow, cipher, grant.external_store_id, grant.access_token, api_url, reinstall=True)
    missing_scopes = grant.missing_scopes()
    with uow:
        record = uow.stores.get(view.id)
        uow.store_log.record(record.id, StoreLogType.APP_INSTALLED, Actor.STORE.value,
                             {"reinstall": not created, "scope": grant.scope, "missing_scopes": missing_scopes})
        uow.commit()
        client = client_factory(record)
    try:
        webhooks = ensure_webhooks(client, webhook_url)
    finally:
        client.close()
    log.info("store installed", extra={"external_store_id": view.external_id, "new_store": created})
    return InstallReport(view, created, missing_scopes, webhooks)
