"""A connected Nuvemshop store (the connector's backend record): its token, state and sync cursor."""

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
