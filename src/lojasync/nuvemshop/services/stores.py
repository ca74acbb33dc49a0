"""Use cases: connect a Nuvemshop store (or update its token and API address), list and find stores."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from lojasync.crypto import TokenCipher
from lojasync.nuvemshop.client.errors import (
    InvalidResponseError,
    NotFoundError,
    NuvemshopError,
    RateLimitError,
    TemporaryError,
    UnauthorizedError,
)
from lojasync.nuvemshop.errors import (
    ApiUrlInvalid,
    NoStoreConnected,
    StoreCheckFailed,
    StoreDetailsMissing,
    StoreDisabled,
    StoreHasOrders,
    StoreIdInvalid,
    StoreInactive,
    StoreNotChosen,
    StoreNotFound,
    SyncBusy,
)
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import StoreLogType, render_store_log, store_log_level
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork
from lojasync.nuvemshop.services.leases import store_lease
from lojasync.sales.history import Actor
from lojasync.shared.hosts import is_loopback


@dataclass(frozen=True)
class StoreView:
    id: int
    external_id: str
    name: str | None
    api_url: str
    active: bool
    sync_cursor: str | None
    interrupted_run: bool
    attention: str | None = None            # why the automatic sync stopped, for a person
    attention_resolution: str | None = None


def check_store_details(external_store_id: str, access_token: str, api_url: str) -> tuple[str, str, str]:
    """The id, token and address as they will be stored, or the error a person can fix; needs no database
    (the CLI checks before it creates a data folder)."""
    external_store_id, access_token, api_url = str(external_store_id).strip(), access_token.strip(), api_url.strip()
    if not external_store_id or not access_token:
        raise StoreDetailsMissing()
    # isascii: "١٢٣" is digits to Python, not a Nuvemshop id.
    if not (external_store_id.isascii() and external_store_id.isdigit()) or len(external_store_id) > 20:
        raise StoreIdInvalid(given=external_store_id[:40])
    address = urlsplit(api_url)
    if address.scheme not in ("http", "https") or not address.hostname:
        raise ApiUrlInvalid(given=api_url[:80])
    _refuse_unsafe_api_host(address.scheme, address.hostname, api_url)
    return external_store_id, access_token, api_url


def _refuse_unsafe_api_host(scheme: str, host: str, api_url: str) -> None:
    """The server calls this address with the store's token (review: any address was taken, and a person could make
    the server call services of its own network, and send a real token over plain http). HTTPS, except on this
    machine (the store simulator, `lojasync store-simulator`); never an address of a private network, link-local
    (the cloud's metadata service) or reserved. A name is not resolved here: the network's firewall has the last
    word on where the server may go."""
    if is_loopback(host):
        return
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None and (ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast
                           or ip.is_unspecified):
        raise ApiUrlInvalid(f"Endereço da API inválido: {api_url[:80]!r} é da rede interna ({ip}).",
                            resolution="Use o endereço da API da Nuvemshop, ex.: "
                                       "https://api.nuvemshop.com.br/2025-03 (o lojasync chama esse endereço com o "
                                       "token da loja).", given=api_url[:80])
    if scheme != "https":
        raise ApiUrlInvalid(f"Endereço da API inválido: {api_url[:80]!r} não é HTTPS.",
                            resolution="O token da loja iria sem criptografia: use o endereço HTTPS da API da "
                                       "Nuvemshop, ex.: https://api.nuvemshop.com.br/2025-03.", given=api_url[:80])


def add_store(uow: ConnectorUnitOfWork, cipher: TokenCipher, external_store_id: str, access_token: str,
              api_url: str, name: str | None = None, check: ClientFactory | None = None, *,
              reinstall: bool = False) -> tuple[StoreView, bool]:
    """Create the store, or replace its token and URL; return it and whether it was new.

    The token is stored encrypted with `cipher`. With `check`, one call to the store (GET /store) must
    confirm the id, the token and the address first: a typo never becomes a store that fails for good.
    """
    external_store_id, access_token, api_url = check_store_details(external_store_id, access_token, api_url)
    sealed = cipher.encrypt(access_token)
    if check is not None:
        # Checked whatever name was typed: the name is only what to show (`name or` skipped the check, and a
        # wrong token typed with a name replaced a working one).
        confirmed = _confirmed_name(check(Store(external_store_id, api_url, sealed)), external_store_id)
        name = name or confirmed
    with uow:
        store = uow.stores.by_external_id(external_store_id)
        created = store is None
        if store is None:
            store = Store(external_store_id, api_url, sealed, name)
            uow.stores.add(store)
        else:
            store.api_url = api_url
            store.access_token = sealed
            # A store an operator disabled stays so (review: a token replaced switched it back on, unsaid, its
            # reconciliation and pushes resumed, its log still saying "desativada"); only `store enable` turns it on.
            # A reinstall of the app (`reinstall`: the OAuth install, from an invite an operator made) is the choice
            # to have it back (own-commits review: it stayed disabled, its install page saying it was connected).
            store.active = reinstall or store.active or not isinstance(inactive_error(uow, store), StoreDisabled)
            store.paused = False  # a reinstall ends whatever suspension a late webhook left behind
            store.clear_attention()  # a new token or address is what a flagged store was waiting for
            store.name = name or store.name
        uow.commit()
        return _view(store), created


CHECK_LATER = ("Tente de novo em alguns minutos (a Nuvemshop pode estar fora do ar); se continuar, confira o "
               "endereço da API.")


def _confirmed_name(client, external_store_id: str) -> str | None:
    """The store's name as the platform gives it; StoreCheckFailed (with the reason) otherwise."""
    try:
        info = client.get_store()
    except UnauthorizedError:
        raise StoreCheckFailed(external_store_id=external_store_id, reason="token de acesso recusado") from None
    except NotFoundError:
        raise StoreCheckFailed(external_store_id=external_store_id,
                               reason="loja não encontrada nesse endereço de API") from None
    except (TemporaryError, RateLimitError) as exc:
        # Nothing said the details are wrong: the platform (or the address) did not answer, or asked to wait.
        # Retryable (the terminal exits 75), and the first thing to do is try again later, not to doubt the token.
        said = "pediu para esperar" if isinstance(exc, RateLimitError) else "não respondeu"
        raise StoreCheckFailed(external_store_id=external_store_id,
                               reason=f"o endereço da API {said} ({exc.message})", retryable=True,
                               resolution=CHECK_LATER) from exc
    except InvalidResponseError:
        raise StoreCheckFailed(external_store_id=external_store_id,
                               reason="o endereço não responde como uma API da Nuvemshop") from None
    except NuvemshopError as exc:
        raise StoreCheckFailed(external_store_id=external_store_id, reason=exc.message) from exc
    finally:
        client.close()
    if str(info.get("id", external_store_id)) != external_store_id:
        raise StoreCheckFailed(external_store_id=external_store_id,
                               reason=f"o token é da loja {info.get('id')}, não desta")
    name = info.get("name")
    return (name.get("pt") or next(iter(name.values()), None)) if isinstance(name, dict) and name else None


def set_store_enabled(uow: ConnectorUnitOfWork, external_store_id: str, enabled: bool) -> StoreView:
    """The operator turns a store off (nothing more is imported; its orders stay) or back on."""
    with uow:
        store = find_store(uow, external_store_id)
        store.active = enabled
        if enabled:
            store.paused = False
            store.clear_attention()
        uow.store_log.record(store.id, StoreLogType.STORE_ENABLED if enabled else StoreLogType.STORE_DISABLED,
                             Actor.OPERATOR.value)
        uow.commit()
        return _view(store)


def remove_store(uow: ConnectorUnitOfWork, external_store_id: str) -> str:
    """Remove a store that never imported an order (a typo, a test); one with orders can only be disabled.

    Under the store's lease: a sync or drain running now could import an order between the check and the
    delete."""
    with uow:
        store_id = find_store(uow, external_store_id).id
    with store_lease(uow, store_id, wait_seconds=0) as lease:
        if lease is None:
            raise SyncBusy()
        with uow:
            store = uow.stores.get(store_id)
            if store is None:  # removed meanwhile by another command
                raise StoreNotFound(external_store_id=external_store_id or str(store_id))
            orders = uow.stores.imported_orders(store.id)
            if orders:
                raise StoreHasOrders(external_store_id=store.external_id, orders=orders)
            uow.stores.delete(store)
            uow.commit()
            return store.external_id


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


def has_sealed_tokens(uow: ConnectorUnitOfWork) -> bool:
    """Whether any store keeps a token encrypted with the current key (a lost key would strand it)."""
    with uow:
        return any(store.access_token for store in uow.stores.list())


# The store log entries that change whether a store is active, newest first decides why it is inactive.
_ACTIVE_CHANGES = {StoreLogType.STORE_DISABLED, StoreLogType.STORE_ENABLED, StoreLogType.APP_UNINSTALLED,
                   StoreLogType.APP_INSTALLED, StoreLogType.LGPD_STORE_REDACT}


def inactive_error(uow: ConnectorUnitOfWork, store: Store) -> StoreInactive:
    """Why an inactive store is inactive, as the error to raise (inside the caller's transaction): disabled
    here by an operator (enable it again) or uninstalled from the store (reconnect it)."""
    for entry in uow.store_log.for_store(store.id, 100):
        if entry.type in _ACTIVE_CHANGES:
            if entry.type == StoreLogType.STORE_DISABLED:
                return StoreDisabled(external_store_id=store.external_id)
            break
    return StoreInactive(external_store_id=store.external_id)


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
    # A disabled store is not "the" store: with one active store left, that one is meant.
    active = [s for s in stores if s.active]
    candidates = active if active else stores
    if len(candidates) > 1:
        raise StoreNotChosen(stores=", ".join(s.external_id for s in candidates))
    return candidates[0]


def _view(store: Store) -> StoreView:
    return StoreView(store.id, store.external_id, store.name, store.api_url, store.active,
                     store.sync_cursor.isoformat() if store.sync_cursor else None,
                     store.run_started_at is not None, store.attention, store.attention_resolution)
