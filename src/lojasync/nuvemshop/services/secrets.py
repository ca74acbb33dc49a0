"""Use cases for the key that seals the stores' tokens: rotate it, or give up tokens no key opens."""

from __future__ import annotations

from dataclasses import dataclass

from lojasync.crypto import NothingToRotate, SecretKeyLost, TokenCipher, TokenDecryptError
from lojasync.nuvemshop.ports import ConnectorUnitOfWork


@dataclass(frozen=True)
class RotationReport:
    rotated: int        # tokens now sealed with the current key
    unreadable: list[str]  # stores whose token no configured key opens (left as they were)


def rotate_tokens(uow: ConnectorUnitOfWork, cipher: TokenCipher) -> RotationReport:
    """Seal every stored token again with the current key (LOJASYNC_OLD_SECRET_KEYS may then go)."""
    if cipher.key_count < 2:
        raise NothingToRotate()
    rotated, unreadable = 0, []
    with uow:
        for store in uow.stores.list():
            if not store.access_token:
                continue
            try:
                store.access_token = cipher.rotate(store.access_token, store.external_id)
                rotated += 1
            except TokenDecryptError:
                unreadable.append(store.external_id)
        uow.commit()
    return RotationReport(rotated, unreadable)


def discard_unreadable_tokens(uow: ConnectorUnitOfWork, cipher: TokenCipher) -> list[str]:
    """Erase the tokens no configured key opens (the key was lost); those stores must be reconnected."""
    discarded = []
    with uow:
        for store in uow.stores.list():
            if not store.access_token:
                continue
            try:
                cipher.decrypt(store.access_token, store.external_id)
            except (TokenDecryptError, SecretKeyLost):  # lost key file: no token can be opened
                store.access_token = ""  # the column is NOT NULL; empty reads as "no token" everywhere
                discarded.append(store.external_id)
        uow.commit()
    return discarded
