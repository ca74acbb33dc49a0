"""Connector records: the connected store (backend) and the bindings from Nuvemshop ids to ERP rows.

External ids live only here (OCA connector style); ERP tables carry no Nuvemshop columns.
"""

from __future__ import annotations

from datetime import datetime


class Store:
    id: int | None
    external_id: str
    name: str | None
    api_url: str
    access_token: str
    active: bool
    paused: bool
    sync_cursor: datetime | None
    # A sync run in progress: what it asked for and the next page to read, so an interrupted run resumes.
    run_started_at: datetime | None
    run_since: datetime | None
    run_next_page: int | None
    last_sync_at: datetime | None
    created_at: datetime | None

    def __init__(self, external_id: str, api_url: str, access_token: str, name: str | None = None) -> None:
        self.external_id = external_id
        self.api_url = api_url
        self.access_token = access_token
        self.name = name
        self.active = True
        self.paused = False
        self.sync_cursor = None
        self.run_started_at = None
        self.run_since = None
        self.run_next_page = None
        self.last_sync_at = None

    def __repr__(self) -> str:  # never show the token
        return f"Store(id={self.id!r}, external_id={self.external_id!r})"


class OrderBinding:
    id: int | None
    store_id: int
    external_id: str
    external_number: str | None
    order_id: int | None
    store_status: str | None
    store_payment_status: str | None
    store_shipping_status: str | None
    store_updated_at: datetime | None
    payload_hash: str | None
    synced_at: datetime | None
    redacted_at: datetime | None = None

    def __init__(self, store_id: int, external_id: str) -> None:
        self.store_id = store_id
        self.external_id = external_id


class CustomerBinding:
    id: int | None
    store_id: int
    external_id: str
    customer_id: int

    def __init__(self, store_id: int, external_id: str, customer_id: int | None = None) -> None:
        self.store_id = store_id
        self.external_id = external_id
        if customer_id is not None:
            self.customer_id = customer_id


class ProductBinding:
    id: int | None
    store_id: int
    external_variant_id: str
    external_product_id: str | None
    product_id: int

    def __init__(self, store_id: int, external_variant_id: str, external_product_id: str | None) -> None:
        self.store_id = store_id
        self.external_variant_id = external_variant_id
        self.external_product_id = external_product_id


class ImportFailure:
    """A store order that could not be imported: kept with its error until an import succeeds."""

    id: int | None
    store_id: int
    external_id: str
    error: str
    resolution: str | None
    attempts: int
    retryable: bool
    payload: dict | None
    first_failed_at: datetime | None
    last_failed_at: datetime | None

    def __init__(self, store_id: int, external_id: str) -> None:
        self.store_id = store_id
        self.external_id = external_id
        self.attempts = 0


class WebhookEventStatus:
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    IGNORED = "ignored"


class WebhookEvent:
    """A notification as received: recorded before anything else, so a webhook is never lost."""

    id: int | None
    store_id: int | None
    external_store_id: str
    event: str
    resource_id: str | None
    body: dict
    received_at: datetime | None
    status: str
    attempts: int
    error: str | None
    resolution: str | None
    processed_at: datetime | None

    def __init__(self, store_id: int | None, external_store_id: str, event: str, resource_id: str | None,
                 body: dict, received_at: datetime | None = None) -> None:
        self.store_id = store_id
        self.external_store_id = external_store_id
        self.event = event
        self.resource_id = resource_id
        self.body = body
        self.status = WebhookEventStatus.PENDING
        self.attempts = 0
        if received_at is not None:
            self.received_at = received_at

    def mark_done(self, when: datetime, status: str = WebhookEventStatus.DONE) -> None:
        self.status = status
        self.processed_at = when
        self.error = self.resolution = None

    def mark_failed(self, when: datetime, error: str, resolution: str) -> None:
        self.status = WebhookEventStatus.FAILED
        self.processed_at = when
        self.error = error
        self.resolution = resolution
