"""The key that seals the stores' tokens: rotated without losing a token, never silently replaced when lost."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from lojasync.bootstrap import bootstrap
from lojasync.crypto import KEY_FILE, NothingToRotate, SecretKeyLost, TokenCipher, TokenDecryptError
from lojasync.nuvemshop.services.secrets import discard_unreadable_tokens, rotate_tokens
from lojasync.nuvemshop.services.stores import add_store
from lojasync.settings import Settings, load_settings


def token_of(app, external_id: str) -> str:
    with app.read_uow() as uow:
        return uow.stores.by_external_id(external_id).access_token


def test_listing_an_old_key_after_the_new_one_opens_old_tokens_and_rotate_reseals_them(app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    add_store(app.uow(), TokenCipher(old), "111", "token-da-loja", "http://127.0.0.1:9/x")
    invite_signature = TokenCipher(old).sign("convite")

    both = TokenCipher(new, old_secrets=[old])
    assert both.decrypt(token_of(app, "111")) == "token-da-loja"
    assert both.verify("convite", invite_signature)  # an invite made before the rotation still works
    with pytest.raises(TokenDecryptError):
        TokenCipher(new).decrypt(token_of(app, "111"))

    report = rotate_tokens(app.uow(), both)
    assert (report.rotated, report.unreadable) == (1, [])
    assert TokenCipher(new).decrypt(token_of(app, "111")) == "token-da-loja"  # the old key may go now


def test_a_passphrase_with_commas_is_one_key():
    cipher = TokenCipher("uma frase, com vírgulas, inteira")
    assert cipher.key_count == 1
    assert TokenCipher("uma frase, com vírgulas, inteira").decrypt(cipher.encrypt("x")) == "x"
    with pytest.raises(TokenDecryptError):
        TokenCipher("uma frase").decrypt(cipher.encrypt("x"))


def test_old_keys_come_from_their_own_variable(monkeypatch):
    monkeypatch.setenv("LOJASYNC_SECRET_KEY", "nova, com vírgula")
    monkeypatch.setenv("LOJASYNC_OLD_SECRET_KEYS", '["antiga, com vírgula", "mais antiga"]')
    settings = load_settings()
    assert settings.old_secret_keys == ["antiga, com vírgula", "mais antiga"]
    sealed = TokenCipher("mais antiga").encrypt("token")
    assert TokenCipher.from_settings(settings).decrypt(sealed) == "token"
    monkeypatch.setenv("LOJASYNC_OLD_SECRET_KEYS", "a,b")
    assert load_settings().old_secret_keys == ["a", "b"]


def test_rotate_with_a_single_key_explains_how_to_rotate(app):
    with pytest.raises(NothingToRotate) as nothing:
        rotate_tokens(app.uow(), TokenCipher("só uma"))
    assert "LOJASYNC_OLD_SECRET_KEYS" in nothing.value.resolution


def test_setting_a_key_after_the_embedded_setup_keeps_the_old_tokens_readable(tmp_path):
    settings = Settings(data_dir=tmp_path / "dados")
    first = bootstrap(settings)
    add_store(first.uow(), first.cipher, "333", "token", "http://127.0.0.1:9/x")
    first.close()

    later = bootstrap(Settings(data_dir=tmp_path / "dados", secret_key="chave escolhida"))
    assert later.cipher.decrypt(token_of(later, "333")) == "token"  # the secret.key left behind still opens it
    assert rotate_tokens(later.uow(), later.cipher).rotated == 1
    assert TokenCipher("chave escolhida").decrypt(token_of(later, "333")) == "token"
    later.close()


def test_a_lost_key_file_is_not_replaced_while_tokens_sealed_with_it_remain(tmp_path):
    settings = Settings(data_dir=tmp_path / "dados")
    first = bootstrap(settings)
    add_store(first.uow(), first.cipher, "222", "token", "http://127.0.0.1:9/x")
    first.close()
    (tmp_path / "dados" / KEY_FILE).unlink()  # a careless clean-up

    again = bootstrap(settings)
    with pytest.raises(SecretKeyLost) as lost:
        again.cipher.encrypt("qualquer coisa")
    assert "há tokens de lojas ou o certificado A1 cifrados com ela" in lost.value.message
    assert not (tmp_path / "dados" / KEY_FILE).exists()

    # Without a backup: give up the unreadable tokens, then a new key may be made and stores reconnected.
    assert discard_unreadable_tokens(again.uow(), again.cipher) == ["222"]
    add_store(again.uow(), again.cipher, "222", "token-novo", "http://127.0.0.1:9/x")
    assert again.cipher.decrypt(token_of(again, "222")) == "token-novo"
    again.close()


def test_a_fresh_setup_still_creates_its_key_by_itself(tmp_path):
    app = bootstrap(Settings(data_dir=tmp_path / "novo"))
    assert app.cipher.decrypt(app.cipher.encrypt("x")) == "x"
    assert (tmp_path / "novo" / KEY_FILE).exists()
    app.close()


def _company_with_test_certificate(app, cipher) -> None:
    from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company

    set_company(app.uow(), CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11222333000181", ie="110042490114",
                                       street="Rua A", number="10", district="Centro", city="São Paulo", uf="SP",
                                       zipcode="01001000", default_ncm="61091000"))
    install_test_certificate(app.uow(), cipher)


def test_rotating_the_key_reseals_the_certificate_too(app):
    """review: `secrets rotate` re-sealed only the stores' tokens; with the old key removed, as the README says,
    the certificate could not be opened and every NF-e was refused with the stores' words ("reconecte a loja")."""
    from lojasync.fiscal.certificate_errors import CertificateSealedWithAnotherKey
    from lojasync.fiscal.services.certificate_key import Resealed, reseal_certificate
    from lojasync.fiscal.services.company import load_certificate

    _company_with_test_certificate(app, TokenCipher("chave-antiga"))
    with app.read_uow() as uow, pytest.raises(CertificateSealedWithAnotherKey) as refused:
        load_certificate(uow.company.get(), TokenCipher("chave-nova"))
    assert "certificado digital A1" in refused.value.message and "LOJASYNC_OLD_SECRET_KEYS" in refused.value.resolution
    assert "lojasync secrets rotate" in refused.value.terminal_commands
    assert reseal_certificate(app.uow(), TokenCipher("chave-nova")) is Resealed.UNREADABLE   # the old key not given
    assert reseal_certificate(app.uow(), TokenCipher("chave-nova", old_secrets=["chave-antiga"])) is Resealed.RESEALED
    with app.read_uow() as uow:
        assert load_certificate(uow.company.get(), TokenCipher("chave-nova")).cnpj == "11222333000181"


def test_a_lost_key_file_is_not_replaced_while_the_certificate_sealed_with_it_remains(tmp_path):
    """review: with a certificate and no store, a lost secret.key was silently replaced, the certificate stranded,
    and `secrets reset` said every token opened."""
    from lojasync.fiscal.services.certificate_key import discard_unreadable_certificate
    from lojasync.fiscal.services.company import show_company

    settings = Settings(data_dir=tmp_path / "dados")
    first = bootstrap(settings)
    _company_with_test_certificate(first, first.cipher)
    first.close()
    (tmp_path / "dados" / KEY_FILE).unlink()

    again = bootstrap(settings)
    with pytest.raises(SecretKeyLost):
        again.cipher.encrypt("qualquer coisa")
    assert not (tmp_path / "dados" / KEY_FILE).exists()
    assert discard_unreadable_certificate(again.uow(), again.cipher)
    company = show_company(again.uow())
    assert company.certificate_subject is None and any("certificado" in p for p in company.problems)
    again.close()
