"""The address of a store's API, which the server calls with the store's token (review of store onboarding: any
address was taken, and a person could make the server call services of its own network, or send a real token
over plain http)."""

from __future__ import annotations

import pytest

from lojasync.nuvemshop.errors import ApiUrlInvalid
from lojasync.nuvemshop.services.stores import check_store_details


@pytest.mark.parametrize("url", ["https://api.nuvemshop.com.br/2025-03", "https://api.tiendanube.com/v1",
                                 "http://127.0.0.1:9/2025-03", "http://localhost:8765/2025-03", "http://[::1]:80/v1"])
def test_the_platform_over_https_or_the_simulator_on_this_machine_is_taken(url):
    assert check_store_details("1", "token", url)[2] == url


@pytest.mark.parametrize(("url", "words"), [
    ("http://api.nuvemshop.com.br/2025-03", "não é HTTPS"),
    ("https://10.0.0.5/2025-03", "é da rede interna (10.0.0.5)"),
    ("https://192.168.1.10/x", "é da rede interna"),
    ("http://169.254.169.254/latest/meta-data", "é da rede interna (169.254.169.254)"),   # the cloud's metadata
    ("https://[fd00::1]/x", "é da rede interna"),
    ("https://0.0.0.0/x", "é da rede interna"),
])
def test_plain_http_elsewhere_and_an_internal_address_are_refused_in_portuguese(url, words):
    with pytest.raises(ApiUrlInvalid) as refused:
        check_store_details("1", "token", url)
    assert words in refused.value.message and "https://api.nuvemshop.com.br" in refused.value.resolution
