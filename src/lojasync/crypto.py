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
from collections.abc import Callable, Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lojasync.shared.errors import Action, LojasyncError
from lojasync.shared.os_words import in_portuguese

KEY_FILE = "secret.key"
_ENCRYPTION_INFO = b"lojasync/token-encryption"
_SIGNING_INFO = b"lojasync/signing"


class TokenDecryptError(LojasyncError):
    """A stored token that the current key cannot open (the key changed, or the value is not ours)."""

    code = "secrets.token_unreadable"
    # The key is LOJASYNC_SECRET_KEY when set, else the data folder's secret.key: both are named, the operator
    # knows which one this machine uses (a corrupt secret.key read "a LOJASYNC_SECRET_KEY mudou?" on a machine
    # without the variable).
    message_template = ("Não foi possível decifrar o token {which}: a chave mudou (LOJASYNC_SECRET_KEY ou o arquivo "
                        "secret.key da pasta de dados)?")
    resolution_template = ("Use a mesma chave de antes (a variável, ou o secret.key de um backup), ou reconecte a loja "
                           "(reinstale o app ou cadastre o token de novo).")
    action = Action.RECONNECT_STORE

    def __init__(self, external_store_id: str | None = None) -> None:
        super().__init__(which=f"da loja {external_store_id}" if external_store_id else "da loja")


class SecretKeyLost(LojasyncError):
    """The key file is gone while tokens sealed with it remain: a new key would make them unreadable."""

    code = "secrets.key_lost"
    message_template = "A chave {path} não existe mais, mas há tokens de lojas ou o certificado A1 cifrados com ela."
    resolution_template = ("Restaure o arquivo secret.key de um backup (ou defina LOJASYNC_SECRET_KEY com a chave "
                           "de antes). Sem backup, quem instalou o lojasync descarta o que ela cifrava, e então "
                           "reconecte cada loja (reinstale o app ou cadastre o token de novo) e instale o certificado "
                           "A1 de novo.")
    terminal_commands = ("lojasync secrets reset --yes",)
    action = Action.RESET_SECRETS


class SecretKeyMissing(LojasyncError):
    code = "secrets.key_missing"
    message_template = "Nenhuma chave para cifrar os tokens das lojas."
    resolution_template = "Defina LOJASYNC_SECRET_KEY ou uma pasta de dados (LOJASYNC_DATA_DIR) para gerar a chave."
    action = Action.CONFIGURE


class NothingToRotate(LojasyncError):
    code = "secrets.nothing_to_rotate"
    message_template = "Só há uma chave configurada: não há o que trocar."
    resolution_template = ("Para trocar a chave, defina a nova em LOJASYNC_SECRET_KEY e a de antes em "
                           "LOJASYNC_OLD_SECRET_KEYS (em todos os processos) e rode o comando de novo.")
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


# A passphrase is stretched with HKDF, which costs a guess nothing: only its own length keeps someone holding a copy of
# the database from guessing it and opening the stores' tokens and the A1 certificate. A generated key
# (`lojasync secrets new-key`, 44 characters) or a phrase of at least this many characters.
MIN_PASSPHRASE_LENGTH = 32


def new_key() -> str:
    """A new key for LOJASYNC_SECRET_KEY: a Fernet key (32 random bytes), used as it is."""
    return Fernet.generate_key().decode("ascii")


def weak_key_warning(secret: str | None) -> str | None:
    """What to tell the operator when LOJASYNC_SECRET_KEY is a short passphrase; None for a generated key, a long
    phrase, or no key (the data folder's secret.key is always generated)."""
    secret = (secret or "").strip()
    if not secret or _fernet_key_bytes(secret) is not None or len(secret) >= MIN_PASSPHRASE_LENGTH:
        return None
    return (f"LOJASYNC_SECRET_KEY tem só {len(secret)} caracteres: quem tiver uma cópia do banco de dados pode "
            "adivinhá-la e abrir os tokens das lojas e o certificado A1. Gere uma chave com `lojasync secrets new-key` "
            "e troque a atual por ela (a atual em LOJASYNC_OLD_SECRET_KEYS, depois `lojasync secrets rotate`), ou use "
            f"uma frase de pelo menos {MIN_PASSPHRASE_LENGTH} caracteres.")


class SecretKeyUnreadable(LojasyncError):
    code = "secrets.key_unreadable"
    message_template = "A chave {path} {what}: não é uma chave do lojasync."
    resolution_template = ("Restaure o arquivo secret.key de um backup (ou defina LOJASYNC_SECRET_KEY com a chave "
                           "de antes). Numa instalação nova, sem loja nem certificado cadastrados, apague o arquivo: o "
                           "lojasync cria outro.")
    action = Action.CONFIGURE


def _read_key(path: Path) -> str:
    # UTF-8, as LOJASYNC_SECRET_KEY: a passphrase written into the file by hand works as in the variable (review: a
    # file with an accent stopped every command with "Erro inesperado (UnicodeDecodeError)").
    try:
        key = path.read_text(encoding="utf-8").strip()
    except UnicodeDecodeError:
        raise SecretKeyUnreadable(path=path, what="não é texto (UTF-8)") from None
    if not key:
        # An empty file (a `touch`, a restore that failed) would be the empty passphrase: what it sealed, anyone with a
        # copy of the database could open (operations review: the A1 certificate and its password).
        raise SecretKeyUnreadable(path=path, what="está vazia")
    return key


class SecretKeyNotWritten(LojasyncError):
    code = "secrets.key_not_written"
    message_template = "Não foi possível criar a chave {path}: {reason}. Nada foi cifrado com ela."
    resolution_template = "Libere espaço (ou dê permissão de gravação) na pasta de dados e rode de novo."
    action = Action.CONFIGURE


def load_or_create_key_file(data_dir: Path) -> str:
    """Read `data_dir/secret.key`, creating it (0600) on first use; safe when processes race."""
    path = Path(data_dir) / KEY_FILE
    try:
        return _read_key(path)
    except FileNotFoundError:
        pass
    try:
        _create_key_file(path)
    except OSError as exc:
        # The key's own file, not the command's output, is what could not be written (operations review: a full data
        # folder was told to "mande a saída para outro lugar").
        raise SecretKeyNotWritten(path=path, reason=in_portuguese(exc)) from exc
    return _read_key(path)


def _create_key_file(path: Path) -> None:
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


def _key_pair(secret: str) -> tuple[Fernet, bytes]:
    """The encryption key and the signing key of one secret."""
    raw = _fernet_key_bytes(secret)
    if raw is not None:  # a Fernet key is used as is, so other tools can open the tokens
        fernet_key, material = secret.encode("ascii"), raw
    else:  # a passphrase is stretched into a key
        material = secret.encode("utf-8")
        fernet_key = base64.urlsafe_b64encode(_hkdf(material, _ENCRYPTION_INFO))
    return Fernet(fernet_key), _hkdf(material, _SIGNING_INFO)


class TokenCipher:
    """Encrypts store tokens and signs values; the keys are resolved on first use.

    The current key (`LOJASYNC_SECRET_KEY`, any text: a passphrase may hold commas) encrypts and signs; the
    old keys (`LOJASYNC_OLD_SECRET_KEYS`) still open and verify, so a key can be rotated without losing
    tokens (`lojasync secrets rotate` re-encrypts them with the current one). Without a current key it lives
    in `data_dir/secret.key`; `may_create_key` says whether a missing file may be created (not when tokens
    sealed with the old one remain). With a current key set, a key file left in the data folder by the
    embedded setup counts as an old key: setting a key never strands the tokens sealed before it.
    """

    def __init__(self, secret: str | None = None, *, old_secrets: Sequence[str] = (), data_dir: Path | None = None,
                 may_create_key: Callable[[], bool] | None = None) -> None:
        secret = (secret or "").strip() or None
        if secret is None and data_dir is None:
            raise SecretKeyMissing()
        self._secret = secret
        self._old_secrets = [old.strip() for old in old_secrets if old.strip()]
        self._data_dir = data_dir
        self._may_create_key = may_create_key
        self._lock = threading.Lock()
        self._fernet: MultiFernet | None = None
        self._signing_keys: list[bytes] = []

    @classmethod
    def from_settings(cls, settings, may_create_key: Callable[[], bool] | None = None) -> TokenCipher:
        return cls(settings.secret_key, old_secrets=settings.old_secret_keys, data_dir=settings.data_dir,
                   may_create_key=may_create_key)

    def __repr__(self) -> str:  # never show the key
        source = "LOJASYNC_SECRET_KEY" if self._secret else KEY_FILE
        return f"TokenCipher(key from {source})"

    def _all_secrets(self) -> list[str]:
        if self._secret is None:
            return [self._key_file(), *self._old_secrets]
        left_behind = []
        if self._data_dir is not None:
            # Read as the key file always is (UTF-8: review, a passphrase with an accent left there was dropped
            # here, and every token sealed with it stopped opening); one that is not text opens nothing anyway.
            with contextlib.suppress(OSError, SecretKeyUnreadable):
                left_behind = [_read_key(Path(self._data_dir) / KEY_FILE)]
        unique = dict.fromkeys([self._secret, *self._old_secrets, *filter(None, left_behind)])
        return list(unique)

    def _keys(self) -> tuple[MultiFernet, list[bytes]]:
        if self._fernet is None:
            with self._lock:
                if self._fernet is None:
                    pairs = [_key_pair(secret) for secret in self._all_secrets()]
                    self._signing_keys = [signing for _, signing in pairs]
                    self._fernet = MultiFernet([fernet for fernet, _ in pairs])
        return self._fernet, self._signing_keys

    def _key_file(self) -> str:
        path = Path(self._data_dir) / KEY_FILE
        if not path.exists() and self._may_create_key is not None and not self._may_create_key():
            raise SecretKeyLost(path=path)
        return load_or_create_key_file(self._data_dir)

    @property
    def key_count(self) -> int:
        """How many keys open tokens (the current one and the old ones)."""
        return len(self._keys()[1])

    def encrypt(self, plaintext: str) -> str:
        fernet, _ = self._keys()
        return fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, ciphertext: str, external_store_id: str | None = None) -> str:
        """The plaintext; `TokenDecryptError` (naming the store) when no key opens it."""
        fernet, _ = self._keys()
        try:
            return fernet.decrypt(ciphertext.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError, AttributeError) as exc:
            raise TokenDecryptError(external_store_id) from exc

    def rotate(self, ciphertext: str, external_store_id: str | None = None) -> str:
        """The same plaintext sealed with the first key (what `secrets rotate` writes back)."""
        fernet, _ = self._keys()
        try:
            return fernet.rotate(ciphertext.encode("ascii")).decode("ascii")
        except (InvalidToken, UnicodeError, AttributeError) as exc:
            raise TokenDecryptError(external_store_id) from exc

    def sign(self, value: str) -> str:
        """A hex HMAC-SHA256 of `value` under a key derived from the first secret (not the encryption key)."""
        _, keys = self._keys()
        return _hmac(keys[0], value)

    def verify(self, value: str, signature: str) -> bool:
        """Signed by any of the keys: an invite made before a rotation still works until it expires."""
        _, keys = self._keys()
        given = (signature or "").encode("utf-8")
        return any(hmac.compare_digest(_hmac(key, value).encode("ascii"), given) for key in keys)


def _hmac(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()
