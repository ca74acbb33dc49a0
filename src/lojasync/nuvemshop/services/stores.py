"""Use case: connect a Nuvemshop store (or update its token and API address)."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.crypto import TokenCipher
from lojasync.nuvemshop.model.records import Store
from lojasync.db.unit_of_work import UnitOfWork


class StoreNotFound(LookupError):
    def __init__(self, external_id: str | None) -> None:
        if external_id:
            message = f"Loja {external_id} não está conectada. Use `lojasync store add --store-id {external_id} ...`."
        else:
            message = "Nenhuma loja conectada. Use `lojasync store add --store-id ID --access-token TOKEN`."
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class StoreView:
    id: int
    external_id: str
    name: str | None
    api_url: str
    active: bool
    sync_cursor: str | None
    interrupted_run: bool


def add_store(uow: UnitOfWork, cipher: TokenCipher, external_id: str, access_token: str, api_url: str,
              name: str | None = None) -> tuple[StoreView, bool]:
    """Create the store, or replace its token and URL; return it and whether it was new.

    The token is stored encrypted with `cipher`.
    """
    external_id = str(external_id).strip()
    if not external_id or not access_token.strip():
        raise ValueError("Informe o id da loja e o token de acesso.")
    sealed = cipher.encrypt(access_token.strip())
    with uow:
        store = uow.stores.by_external_id(external_id)
        created = store is None
        if store is None:
            store = Store(external_id, api_url, sealed, name)
            uow.stores.add(store)
        else:
            store.api_url = api_url
            store.access_token = sealed
            store.active = True
            store.paused = False  # a reinstall ends whatever suspension a late webhook left behind
            store.name = name or store.name
        uow.commit()
        return _view(store), created


def list_stores(uow: UnitOfWork) -> list[StoreView]:
    with uow:
        return [_view(s) for s in uow.stores.list()]


def find_store(uow: UnitOfWork, external_id: str | None) -> Store:
    """The store named, or the only one connected."""
    if external_id:
        store = uow.stores.by_external_id(external_id)
        if store is None:
            raise StoreNotFound(external_id)
        return store
    stores = uow.stores.list()
    if not stores:
        raise StoreNotFound(None)
    if len(stores) > 1:
        ids = ", ".join(s.external_id for s in stores)
        raise ValueError(f"Há mais de uma loja conectada ({ids}): escolha uma com --store ID.")
    return stores[0]


def _view(store: Store) -> StoreView:
    return StoreView(store.id, store.external_id, store.name, store.api_url, store.active,
                     store.sync_cursor.isoformat() if store.sync_cursor else None,
                     store.run_started_at is not None)
