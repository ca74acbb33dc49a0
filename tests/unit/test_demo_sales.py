"""The demo's store keeps selling for as long as the demo runs: it never pays an order twice, even when the
ERP's answer to the first payment is not among the orders it reads (the store refuses a second payment, and
the demo stopped after some twenty minutes with an unexpected error)."""

from __future__ import annotations

import random
import time

from lojasync.entrypoints.cli import demo


class _Store:
    def __init__(self) -> None:
        self.made = 0
        self.paid: list[str] = []

    def create_order(self) -> dict:
        self.made += 1
        return {"id": self.made, "number": self.made, "total": "10.00"}

    def pay_order(self, order_id: str) -> None:
        assert order_id not in self.paid, f"order {order_id} paid twice: the store refuses it"
        self.paid.append(order_id)


class _App:
    def read_uow(self) -> None:
        return None


def test_an_open_order_is_paid_once_though_the_erp_never_shows_it_paid(monkeypatch):
    store = _Store()
    # The ERP as the loop reads it: every order the store made, still "Em Aberto" (the payment not seen).
    monkeypatch.setattr(demo, "list_orders", lambda uow, limit: [
        {"store_order_id": str(i), "status": "Em Aberto", "customer": None, "customer_problem": "sem CPF",
         "number": i, "store_order_number": i} for i in range(1, store.made + 1)])
    monkeypatch.setattr(demo.time, "sleep", lambda seconds: None)
    demo._sell(_App(), store, random.Random(1), time.monotonic() + 0.3, pace=(0.0, 0.0))
    assert store.made > 10 and len(store.paid) >= 5
    assert len(set(store.paid)) == len(store.paid)
