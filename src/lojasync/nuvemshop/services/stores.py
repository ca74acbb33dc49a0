"""Use cases: connect a Nuvemshop store (or update its token and API address), list and find stores."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.crypto import TokenCipher
from lojasync.nuvemshop.errors import NoStoreConnected, StoreDetailsMissing, StoreNotChosen, StoreNotFound
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import render_store_log, store_log_level
from lojasync.nuvemshop.ports import ConnectorUnitOfWork


@dataclass(frozen=True)
class StoreView:
    id: int
    external_id: str
    name: str | None
    api_url: str
    active: bool
    sync_cursor: str | None
    interrupted_run: bool


def add_store(uow: ConnectorUnitOfWork, cipher: TokenCipher, external_store_id: str, access_token: str,
              api_url: str, name: str | None = None) -> tuple[StoreView, bool]:
    """Create the store, or replace its token and URL; return it and whether it was new.

    The token is stored encrypted with `cipher`.
    """
    external_store_id = str(external_store_id).strip()
    if not external_store_id or not access_token.strip():
        raise StoreDetailsMissing()
    sealed = cipher.encrypt(access_token.strip())
    with uow:
        store = uow.stores.by_external_id(external_store_id)
        created = store is None
        if store is None:
            store = Store(external_store_id, api_url, sealed, name)
            uow.stores.add(store)
        else:
            store.api_url = api_url
            store.access_token = sealed
            store.active = True
            store.paused = False  # a reinstall ends whatever suspension a late webhook left behind
            store.name = name or store.name
        uow.commit()
        return _view(store), created


def list_stores(uow: ConnectorUnitOfWork) -> list[StoreView]:
    with uow:
        return [_view(s) for s in uow.stores.list()]


def store_log(uow: ConnectorUnitOfWork, external_store_id: str | None, limit: int = 50) -> list[dict]:
    """What happened to the store as a whole (install, suspension, LGPD, failed imports), newest first."""
    with uow:
        store = find_store(uow, external_store_id)
        return [{"at": e.created_at.isoformat(), "level": store_log_level(e.type, e.params), "event": e.type,
                 "actor": e.actor, "message": render_store_log(e.type, e.params)}
                for e in uow.store_log.for_store(store.id, limit)]


def find_store(uow: ConnectorUnitOfWork, external_store_id: str | None) -> Store:
    """The store named, or the only one connected (inside the caller's transaction)."""
    if external_store_id:
        store = uow.stores.by_external_id(external_store_id)
        if store is None:
            raise StoreNotFound(external_store_id=external_store_id)
        return store
    stores = uow.stores.list()
    if not stores:
        raise NoStoreConnected()
    if len(stores) > 1:
        raise StoreNotChosen(stores=", ".join(s.external_id for s in stores))
    return stores[0]


def _view(store: Store) -> StoreView:
    return StoreView(store.id, store.external_id, store.name, store.api_url, store.active,
                     store.sync_cursor.isoformat() if store.sync_cursor else None,
                     store.run_started_at is not None)
