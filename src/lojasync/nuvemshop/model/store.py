"""A connected Nuvemshop store (the connector's backend record): its token, state and sync cursor."""

from __future__ import annotations

from datetime import datetime


class Store:
    id: int | None = None  # class default: a store being checked before it is saved has no id yet
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
    # A permanent error stopped the automatic sync (token refused, store not found): what and what to do.
    # Cleared by the next sync that works, a reconnection or the operator enabling the store.
    attention_code: str | None = None
    attention: str | None = None
    attention_resolution: str | None = None
    attention_at: datetime | None = None
    # The last sync that ended (success or not) and what it did, for the Integração page: see `services.sync_runs`.
    last_run_at: datetime | None = None
    last_run: dict | None = None
    sync_requested_at: datetime | None = None   # Sincronizar agora, until a sync begun since then ends
    full_sync_requested_at: datetime | None = None   # Sincronização completa, until a full sync begun since then ends
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

    def needs_attention(self) -> bool:
        return self.attention is not None

    def flag(self, code: str, message: str, resolution: str, when: datetime) -> bool:
        """Stop automatic syncs until a person acts; False when the same problem was already flagged."""
        if self.attention_code == code and self.attention == message:
            return False
        self.attention_code, self.attention, self.attention_resolution, self.attention_at = (
            code, message, resolution, when)
        return True

    def clear_attention(self) -> None:
        if self.attention is not None:
            self.attention_code = self.attention = self.attention_resolution = self.attention_at = None

    def __repr__(self) -> str:  # never show the token
        return f"Store(id={self.id!r}, external_id={self.external_id!r})"
