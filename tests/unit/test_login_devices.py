"""Device cookies on their own: bound to one e-mail, signed with the app's key (rotation included), expiring,
and a shared browser keeping a few operators' entries."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from lojasync.accounts.devices import DEVICE_LIFETIME, MAX_DEVICES_PER_BROWSER, recognised_device, remember_device
from lojasync.crypto import TokenCipher

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)
ANA = "ana@loja.com.br"


def test_a_cookie_vouches_for_its_email_only_until_it_expires():
    signer = TokenCipher("chave de teste dos aparelhos")
    cookie = remember_device(signer, None, ANA, T0)
    device = recognised_device(signer, cookie, ANA, T0 + timedelta(days=1))
    assert device is not None and device.expires_at == T0 + DEVICE_LIFETIME
    assert recognised_device(signer, cookie, "bia@loja.com.br", T0) is None
    assert recognised_device(signer, cookie, ANA, T0 + DEVICE_LIFETIME) is None
    # Another installation's key (or a made-up one) signs nothing here.
    assert recognised_device(TokenCipher("outra chave"), cookie, ANA, T0) is None


def test_each_login_gets_a_new_device_and_other_operators_entries_stay():
    signer = TokenCipher("chave de teste dos aparelhos")
    cookie = remember_device(signer, None, ANA, T0)
    first = recognised_device(signer, cookie, ANA, T0)
    cookie = remember_device(signer, cookie, "bia@loja.com.br", T0)
    cookie = remember_device(signer, cookie, ANA, T0 + timedelta(hours=1))
    again = recognised_device(signer, cookie, ANA, T0 + timedelta(hours=1))
    assert again.nonce != first.nonce and len(cookie.split("~")) == 2  # Ana's old entry was replaced
    assert recognised_device(signer, cookie, "bia@loja.com.br", T0) is not None
    for n in range(10):
        cookie = remember_device(signer, cookie, f"caixa{n}@loja.com.br", T0)
    assert len(cookie.split("~")) == MAX_DEVICES_PER_BROWSER and len(cookie) < 1024
    assert recognised_device(signer, cookie, "caixa9@loja.com.br", T0) is not None
    assert recognised_device(signer, cookie, ANA, T0) is None  # the oldest fell out


def test_a_cookie_signed_before_a_key_rotation_still_counts_while_the_old_key_is_listed():
    old = TokenCipher("chave antiga")
    cookie = remember_device(old, None, ANA, T0)
    rotated = TokenCipher("chave nova", old_secrets=["chave antiga"])
    assert recognised_device(rotated, cookie, ANA, T0) is not None
    assert recognised_device(TokenCipher("chave nova"), cookie, ANA, T0) is None
