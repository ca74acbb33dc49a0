"""Connecting a store checks the id, token and address with the store first: what the check says when the
store answers no, and when it does not answer or asks to wait (nothing says the details are wrong then)."""

from __future__ import annotations

import pytest

from lojasync.nuvemshop.client.errors import RateLimitError, TemporaryError, UnauthorizedError
from lojasync.nuvemshop.errors import StoreCheckFailed
from lojasync.nuvemshop.services.stores import add_store, list_stores


class Refusing:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_store(self) -> dict:
        raise self.error

    def close(self) -> None:
        pass


@pytest.mark.parametrize(("error", "said"), [
    (TemporaryError("GET /store: falha de conexão"), "não respondeu"),
    (RateLimitError("GET /store: 429 depois de 5 esperas"), "pediu para esperar"),
])
def test_a_store_that_does_not_answer_or_asks_to_wait_is_a_retryable_refusal(app, error, said):
    with pytest.raises(StoreCheckFailed) as refused:
        add_store(app.uow(), app.cipher, "1234567", "token", "http://127.0.0.1:9/2025-03",
                  check=lambda _store: Refusing(error))
    assert refused.value.retryable and said in refused.value.message and "Nada foi gravado" in refused.value.message
    assert refused.value.resolution.startswith("Tente de novo em alguns minutos")
    assert list_stores(app.read_uow()) == []


def test_a_refused_token_is_not_retryable(app):
    with pytest.raises(StoreCheckFailed) as refused:
        add_store(app.uow(), app.cipher, "1234567", "token", "http://127.0.0.1:9/2025-03",
                  check=lambda _store: Refusing(UnauthorizedError("401")))
    assert not refused.value.retryable and "token de acesso recusado" in refused.value.message
