"""Use cases for the app's lifecycle webhooks: uninstalled, suspended, resumed."""

from __future__ import annotations

from lojasync.nuvemshop.client.errors import PaymentRequiredError
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork
from lojasync.sales.history import Actor


def app_uninstalled(uow: ConnectorUnitOfWork, store: Store) -> str:
    # The token dies with the uninstall; the store's data stays until store/redact (LGPD) asks otherwise.
    store.active = False
    uow.store_log.record(store.id, StoreLogType.APP_UNINSTALLED, Actor.WEBHOOK.value)
    return "loja desativada"


def app_suspended(uow: ConnectorUnitOfWork, store: Store) -> str:
    store.paused = True
    uow.store_log.record(store.id, StoreLogType.APP_SUSPENDED, Actor.WEBHOOK.value)
    return "loja pausada"


def app_resumed(uow: ConnectorUnitOfWork, store: Store) -> str:
    """The suspension is over. Only that: a store inactive here stays so (review: the resume switched back on a
    store the operator had disabled, and one uninstalled since, whose token was dead, when it came late)."""
    store.paused = False
    uow.store_log.record(store.id, StoreLogType.APP_RESUMED, Actor.WEBHOOK.value, {"by": "webhook"})
    if not store.active:
        return "suspensão encerrada; a loja continua desativada no lojasync"
    return "loja reativada; conferência agendada"


APP_HANDLERS = {
    "app/uninstalled": app_uninstalled,
    "app/suspended": app_suspended,
    "app/resumed": app_resumed,
}


def recheck_paused_store(uow: ConnectorUnitOfWork, client_factory: ClientFactory, store_id: int) -> bool:
    """A suspension may have been left by a late `app/suspended`: ask the API. True when it is over."""
    with uow:
        store = uow.stores.get(store_id)
        if store is None or not store.paused or not store.active:
            return False
        client = client_factory(store)
    try:
        client.list_orders_page({"per_page": 1})
    except PaymentRequiredError:
        return False
    finally:
        client.close()
    with uow:
        store = uow.stores.get(store_id)
        store.paused = False
        uow.store_log.record(store.id, StoreLogType.APP_RESUMED, Actor.SYSTEM.value, {"by": "api"})
        uow.commit()
    return True
