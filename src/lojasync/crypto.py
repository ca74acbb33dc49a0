"""Secrets at rest: store tokens encrypted with Fernet, and small values signed with HMAC.

The key comes from `LOJASYNC_SECRET_KEY` (a Fernet key, or any passphrase stretched with HKDF-SHA256);
without it one is generated once into `data_dir/secret.key` (mode 0600), so the embedded setup works
out of the box. Processes that share a database must share the key.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import threading
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lojasync.shared.errors import Action, LojasyncError

KEY_FILE = "secret.key"
_ENCRYPTION_INFO = b"lojasync/token-encryption"
_SIGNING_INFO = b"lojasync/signing"


class TokenDecryptError(LojasyncError):
    """A stored token that the current key cannot open (the key changed, or the value is not ours)."""

    code = "secrets.token_unreadable"
    message_template = "Não foi possível decifrar o token {which}: a LOJASYNC_SECRET_KEY mudou?"
    resolution_template = ("Use a mesma LOJASYNC_SECRET_KEY de antes, ou reconecte a loja (reinstale o app ou "
                           "cadastre o token de novo).")
    action = Action.RECONNECT_STORE

    def __init__(self, external_store_id: str | None = None) -> None:
        super().__init__(which=f"da loja {external_store_id}" if external_store_id else "da loja")


class SecretKeyMissing(LojasyncError):
    code = "secrets.key_missing"
    message_template = "Nenhuma chave para cifrar os tokens das lojas."
    resolution_template = "Defina LOJASYNC_SECRET_KEY ou uma pasta de dados (LOJASYNC_DATA_DIR) para gerar a chave."
    action = Action.CONFIGURE


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(material)


def _fernet_key_bytes(secret: str) -> bytes | None:
    """The 32 bytes of a Fernet key (urlsafe base64), or None for anything else."""
    try:
        raw = base64.urlsafe_b64decode(secret.encode("ascii"))
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None
    return raw if len(secret) == 44 and len(raw) == 32 else None


def load_or_create_key_file(data_dir: Path) -> str:
    """Read `data_dir/secret.key`, creating it (0600) on first use; safe when processes race."""
    path = Path(data_dir) / KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    # Write a complete file aside and link it into place: a racing process sees either no file
    # or the whole key, and the loser of the race reads the winner's key.
    temp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{threading.get_ident()}")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(Fernet.generate_key().decode("ascii") + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return path.read_text(encoding="ascii").strip()


class TokenCipher:
    """Encrypts store tokens and signs values; the key is resolved on first use."""

    def __init__(self, secret: str | None = None, *, data_dir: Path | None = None) -> None:
        if not (secret and secret.strip()) and data_dir is None:
            raise SecretKeyMissing()
        self._secret = secret.strip() if secret and secret.strip() else None
        self._data_dir = data_dir
        self._lock = threading.Lock()
        self._fernet: Fernet | None = None
        self._signing_key: bytes | None = None

    @classmethod
    def from_settings(cls, settings) -> TokenCipher:
        return cls(settings.secret_key, data_dir=settings.data_dir)

    def __repr__(self) -> str:  # never show the key
        source = "LOJASYNC_SECRET_KEY" if self._secret else KEY_FILE
        return f"TokenCipher(key from {source})"

    def _keys(self) -> tuple[Fernet, bytes]:
        if self._fernet is None or self._signing_key is None:
            with self._lock:
                if self._fernet is None or self._signing_key is None:
                    secret = self._secret or load_or_create_key_file(self._data_dir)
                    raw = _fernet_key_bytes(secret)
                    if raw is not None:  # a Fernet key is used as is, so other tools can open the tokens
                        fernet_key, material = secret.encode("ascii"), raw
                    else:  # a passphrase is stretched into a key
                        material = secret.encode("utf-8")
                        fernet_key = base64.urlsafe_b64encode(_hkdf(material, _ENCRYPTION_INFO))
                    self._signing_key = _hkdf(material, _SIGNING_INFO)
                    self._fernet = Fernet(fernet_key)
        return self._fernet, self._signing_key

    def encrypt(self, plaintext: str) -> str:
        fernet, _ = self._keys()
        return fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str, external_store_id: str | None = None) -> str:
        """The plaintext; `TokenDecryptError` (naming the store) when this key cannot open it."""
        fernet, _ = self._keys()
        try:
            return fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, AttributeError) as exc:
            raise TokenDecryptError(external_store_id) from exc

    def sign(self, value: str) -> str:
        """A hex HMAC-SHA256 of `value` under a key derived from the secret (not the encryption key)."""
        _, key = self._keys()
        return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()

    def verify(self, value: str, signature: str) -> bool:
        return hmac.compare_digest(self.sign(value).encode("ascii"), (signature or "").encode("utf-8"))
