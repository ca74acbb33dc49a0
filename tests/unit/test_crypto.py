"""TokenCipher: tokens encrypted at rest, the key from settings or a generated key file."""

from __future__ import annotations

import stat
import threading

import pytest
from cryptography.fernet import Fernet

from lojasync.crypto import KEY_FILE, SecretKeyMissing, TokenCipher, TokenDecryptError
from lojasync.shared.errors import Action

TOKEN = "a3c0f1e2d4b5968778695a4b3c2d1e0f9a8b7c6d"


def test_passphrase_round_trip_and_ciphertext_hides_the_token():
    cipher = TokenCipher("uma frase secreta qualquer")
    first, second = cipher.encrypt(TOKEN), cipher.encrypt(TOKEN)
    assert TOKEN not in first and first != TOKEN
    assert first != second  # random IV: equal tokens do not look equal at rest
    assert cipher.decrypt(first) == cipher.decrypt(second) == TOKEN
    # The same passphrase in another process derives the same key.
    assert TokenCipher("uma frase secreta qualquer").decrypt(first) == TOKEN


def test_a_fernet_key_is_used_as_is():
    key = Fernet.generate_key().decode()
    sealed = TokenCipher(key).encrypt(TOKEN)
    assert Fernet(key.encode()).decrypt(sealed.encode()).decode() == TOKEN


def test_wrong_key_gives_the_portuguese_error_naming_the_store():
    sealed = TokenCipher("chave antiga").encrypt(TOKEN)
    with pytest.raises(TokenDecryptError) as caught:
        TokenCipher("chave nova").decrypt(sealed, external_store_id="1234567")
    assert str(caught.value) == "Não foi possível decifrar o token da loja 1234567: a chave mudou (LOJASYNC_SECRET_KEY ou o arquivo secret.key da pasta de dados)?"
    assert caught.value.resolution.startswith("Use a mesma chave de antes (a variável, ou o secret.key de um backup), ou reconecte a loja")
    assert caught.value.action is Action.RECONNECT_STORE and caught.value.code == "secrets.token_unreadable"
    assert TOKEN not in caught.value.describe()


def test_plain_or_garbled_values_are_not_accepted_as_tokens():
    cipher = TokenCipher("k")
    for value in (TOKEN, "", "gAAAAAB-lixo", "çãõ"):
        with pytest.raises(TokenDecryptError):
            cipher.decrypt(value, external_store_id="9")


def test_generated_key_file_is_private_and_reused(tmp_path):
    cipher = TokenCipher(None, data_dir=tmp_path / "dados")
    assert not (tmp_path / "dados" / KEY_FILE).exists()  # nothing is written until a key is needed
    sealed = cipher.encrypt(TOKEN)
    key_file = tmp_path / "dados" / KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert TokenCipher(None, data_dir=tmp_path / "dados").decrypt(sealed) == TOKEN
    assert TOKEN not in key_file.read_text()
    # A configured key wins over the file for what is sealed from then on; the file left behind still
    # opens what it sealed, until `secrets rotate`.
    configured = TokenCipher("outra", data_dir=tmp_path / "dados")
    assert configured.decrypt(sealed) == TOKEN
    assert TokenCipher("outra").decrypt(configured.encrypt(TOKEN)) == TOKEN


def test_processes_racing_for_the_key_file_agree(tmp_path):
    ciphers = [TokenCipher(None, data_dir=tmp_path) for _ in range(8)]
    sealed: list[str] = []
    threads = [threading.Thread(target=lambda c=c: sealed.append(c.encrypt(TOKEN))) for c in ciphers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(c.decrypt(s) == TOKEN for c in ciphers for s in sealed)
    assert [p.name for p in tmp_path.iterdir()] == [KEY_FILE]


def test_signatures_depend_on_key_and_value():
    cipher = TokenCipher("k1")
    signature = cipher.sign("estado")
    assert cipher.verify("estado", signature)
    assert not cipher.verify("estadO", signature)
    assert not TokenCipher("k2").verify("estado", signature)
    assert not cipher.verify("estado", "")
    assert not cipher.verify("estado", "não-hex")


def test_no_key_and_no_data_dir_is_refused_and_repr_hides_the_key():
    with pytest.raises(SecretKeyMissing):
        TokenCipher(None)
    assert "segredo" not in repr(TokenCipher("segredo"))


def test_a_passphrase_written_in_the_key_file_opens_its_tokens_before_and_after_a_variable_is_set(tmp_path):
    """review: secret.key was read as ASCII; a passphrase with an accent written there by hand stopped every command,
    and, left behind once LOJASYNC_SECRET_KEY was set, was dropped, every token sealed with it unreadable."""
    (tmp_path / KEY_FILE).write_text("senha do lojasync, não a da loja\n", encoding="utf-8")
    sealed = TokenCipher(data_dir=tmp_path).encrypt("token-da-loja")
    assert TokenCipher(data_dir=tmp_path).decrypt(sealed) == "token-da-loja"
    assert TokenCipher("chave nova", data_dir=tmp_path).decrypt(sealed) == "token-da-loja"   # the file left behind


def test_a_key_file_that_cannot_be_written_says_so_and_where(tmp_path, monkeypatch):
    """Operations review: on a full data folder, creating secret.key ended in the terminal's generic "mande a saída
    para outro lugar", as if the command's output had failed."""
    import errno
    import os

    from lojasync.crypto import SecretKeyNotWritten, load_or_create_key_file

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "open", full)
    with pytest.raises(SecretKeyNotWritten) as refused:
        load_or_create_key_file(tmp_path)
    assert refused.value.message == (f"Não foi possível criar a chave {tmp_path / 'secret.key'}: o disco está cheio. "
                                     "Nada foi cifrado com ela.")
    assert refused.value.resolution.startswith("Libere espaço")
    assert not list(tmp_path.iterdir())


def test_a_short_passphrase_is_warned_about_and_a_generated_key_or_a_long_phrase_is_not():
    """review (operations): LOJASYNC_SECRET_KEY had no minimum strength; HKDF stretches a passphrase at no cost to a
    guess, so a short one let whoever copied the database open the tokens and the A1 certificate."""
    from lojasync.crypto import MIN_PASSPHRASE_LENGTH, new_key, weak_key_warning

    warning = weak_key_warning("  minhasenha  ")
    assert warning is not None and warning.startswith("LOJASYNC_SECRET_KEY tem só 10 caracteres")
    assert "lojasync secrets new-key" in warning and "lojasync secrets rotate" in warning
    assert weak_key_warning("x" * MIN_PASSPHRASE_LENGTH) is None
    assert weak_key_warning(None) is None and weak_key_warning("   ") is None
    generated = new_key()
    assert weak_key_warning(generated) is None and len(generated) == 44
    assert generated != new_key()
    assert TokenCipher(generated).decrypt(Fernet(generated.encode()).encrypt(TOKEN.encode()).decode()) == TOKEN
