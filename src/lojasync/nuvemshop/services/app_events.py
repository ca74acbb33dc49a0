"""Use cases for the app's lifecycle webhooks: uninstalled, suspended, resumed."""

from __future__ import annotations

from lojasync.nuvemshop.model.records import Store
from lojasync.db.unit_of_work import UnitOfWork


def app_uninstalled(uow: UnitOfWork, store: Store) -> str:
    # The token dies with the uninstall; the store's data stays until store/redact (LGPD) asks otherwise.
    store.active = False
    uow.log.record(store.id, None, "app_uninstalled", "App desinstalado na loja: sincronização desativada. "
                   "Reinstale o app para voltar a receber pedidos.", "warning")
    return "loja desativada"


def app_suspended(uow: UnitOfWork, store: Store) -> str:
    store.paused = True
    uow.log.record(store.id, None, "app_suspended", "App suspenso na loja: a API responde 402 e não envia "
                   "webhooks até a reativação; pedidos serão conferidos ao reativar.", "warning")
    return "loja pausada"


def app_resumed(uow: UnitOfWork, store: Store) -> str:
    store.paused = False
    store.active = True
    uow.log.record(store.id, None, "app_resumed", "App reativado: conferindo os pedidos do período suspenso.")
    return "loja reativada; conferência agendada"


APP_HANDLERS = {
    "app/uninstalled": app_uninstalled,
    "app/suspended": app_suspended,
    "app/resumed": app_resumed,
}


def recheck_paused_store(uow_factory, client_factory, store_id: int) -> bool:
    """A suspension may have been left by a late `app/suspended`: ask the API. True when it is over."""
    from lojasync.nuvemshop.client.errors import PaymentRequiredError

    with uow_factory() as uow:
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
    with uow_factory() as uow:
        store = uow.stores.get(store_id)
        store.paused = False
        uow.log.record(store.id, None, "app_resumed", "A API da loja voltou a responder: suspensão encerrada; "
                       "conferindo os pedidos do período.")
        uow.commit()
    return True
