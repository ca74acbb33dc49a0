"""The A1 certificate under the secret key that seals it (the same key as the stores' tokens): rotated with them,
counted among what a lost key would strand, and given up with them when no key opens it.

`secrets rotate` re-sealed only the stores' tokens: once the old key was removed, as the README says to, the
certificate could not be opened and every NF-e was refused, with the stores' words ("reconecte a loja")."""

from __future__ import annotations

from enum import Enum

from lojasync.crypto import SecretKeyLost, TokenDecryptError
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.services.company import SecretBox


class Resealed(Enum):
    NONE = "none"              # no certificate installed
    RESEALED = "resealed"      # now sealed with the current key
    UNREADABLE = "unreadable"  # no configured key opens it (left as it was)


def reseal_certificate(uow: ProcessingUnitOfWork, box: SecretBox) -> Resealed:
    """Seal the certificate and its password again with the current key (the first one)."""
    with uow:
        company = uow.company.get(for_update=True)
        if company is None or not company.certificate:
            return Resealed.NONE
        try:
            pfx, password = box.decrypt(company.certificate), box.decrypt(company.certificate_password)
        except TokenDecryptError:
            return Resealed.UNREADABLE
        company.certificate, company.certificate_password = box.encrypt(pfx), box.encrypt(password)
        uow.commit()
        return Resealed.RESEALED


def discard_unreadable_certificate(uow: ProcessingUnitOfWork, box: SecretBox) -> bool:
    """Remove the certificate no configured key opens (the key was lost): installed again, NF-e can be signed."""
    with uow:
        company = uow.company.get(for_update=True)
        if company is None or not company.certificate:
            return False
        try:
            box.decrypt(company.certificate)
            box.decrypt(company.certificate_password)
            return False
        except (TokenDecryptError, SecretKeyLost):
            company.forget_certificate()
            uow.commit()
            return True


def has_sealed_certificate(uow: ProcessingUnitOfWork) -> bool:
    """Whether a certificate is kept sealed with the current key (a lost key would strand it)."""
    with uow:
        company = uow.company.get()
        return company is not None and bool(company.certificate)
