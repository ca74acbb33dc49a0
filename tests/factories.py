"""Test data factories: Nuvemshop order payloads shaped like the platform's, with Brazilian data."""

from __future__ import annotations

import copy
import itertools
from datetime import datetime, timedelta, timezone

from lojasync.nuvemshop.model.store import Store
from lojasync.shared.tax_id import cnpj_check_digits, cpf_check_digits

_ids = itertools.count(1_700_000_001)
BASE_TIME = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)


def cpf(base9: str) -> str:
    """A valid CPF from its first nine digits."""
    return base9 + cpf_check_digits(base9)


def cnpj(base12: str) -> str:
    """A valid CNPJ (numeric or alphanumeric) from its first twelve characters."""
    return base12.upper() + cnpj_check_digits(base12)


def ts(offset_seconds: int = 0) -> str:
    return (BASE_TIME + timedelta(seconds=offset_seconds)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def order_payload(**overrides) -> dict:
    """A paid-pending open order with one customer (valid CPF) and two lines; override any field."""
    order_id = overrides.pop("id", next(_ids))
    identification = overrides.pop("identification", cpf("529982247"))
    payload = {
        "id": order_id,
        "number": overrides.pop("number") if "number" in overrides else int(order_id) % 100000,
        "store_id": "1234567",
        "status": "open",
        "payment_status": "pending",
        "shipping_status": "unpacked",
        "created_at": ts(0),
        "updated_at": ts(0),
        "subtotal": "150.00",
        "discount": "10.00",
        "discount_coupon": "10.00",
        "discount_gateway": "0.00",
        "shipping_cost_customer": "20.00",
        "total": "160.00",
        "currency": "BRL",
        "gateway": "pagseguro",
        "gateway_name": "PagSeguro",
        "payment_details": {"method": "pix", "credit_card_company": None, "installments": "1"},
        "contact_name": "João da Silva Araújo",
        "contact_email": "joao@example.com.br",
        "contact_phone": "+5511987654321",
        "contact_identification": None,
        "customer": {
            "id": 90001,
            "name": "João da Silva Araújo",
            "email": "joao@example.com.br",
            "identification": identification,
            "phone": "+5511987654321",
            "default_address": {
                "address": "Rua das Flores", "number": "123", "floor": "apto 4", "locality": "Centro",
                "zipcode": "01001-000", "city": "São Paulo", "province": "São Paulo", "country": "BR",
            },
        },
        "billing_name": "João da Silva Araújo",
        "billing_address": "Rua das Flores",
        "billing_number": "123",
        "billing_floor": "apto 4",
        "billing_locality": "Centro",
        "billing_zipcode": "01001-000",
        "billing_city": "São Paulo",
        "billing_province": "São Paulo",
        "billing_country": "BR",
        "billing_phone": "+5511987654321",
        "shipping_address": {
            "name": "João da Silva Araújo", "address": "Rua das Flores", "number": "123", "floor": "apto 4",
            "locality": "Centro", "zipcode": "01001-000", "city": "São Paulo", "province": "São Paulo",
            "country": "BR",
        },
        "products": [
            {"id": 1, "product_id": 501, "variant_id": 601, "name": "Camiseta Algodão P", "sku": "CAM-ALG-P",
             "price": "50.00", "quantity": 2},
            {"id": 2, "product_id": 502, "variant_id": "602", "name": "Caneca Cerâmica", "sku": "CAN-CER",
             "price": "50.00", "quantity": "1"},
        ],
    }
    payload.update(overrides)
    return copy.deepcopy(payload)


def make_store(app, external_id: str = "1234567", api_url: str = "http://127.0.0.1:9/2025-03") -> int:
    with app.uow() as uow:
        store = Store(external_id, api_url, app.cipher.encrypt("token-de-teste"))
        uow.stores.add(store)
        uow.commit()
        return store.id


def failed_order_event(app, store_id: int, external_id: str, order_id: str = "987654"):
    """A notification (order/paid) the worker failed on with the store's 500: what `events list --failed` shows."""
    from lojasync.nuvemshop.model.webhook_events import WebhookEvent

    now = datetime.now(timezone.utc)
    with app.uow() as uow:
        event = WebhookEvent(store_id, external_id, "order/paid", order_id, {"id": int(order_id)}, received_at=now)
        event.mark_failed(now, "A loja respondeu 500.", "Reprocesse a notificação.", code="nuvemshop.event_failed")
        uow.webhook_events.add(event)
        uow.commit()
    return event
