"""Deterministic store data: same seed and `now` give the same catalog, customers and orders."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from decimal import Decimal

from faker import Faker

from lojasync.simulators.nuvemshop import categories, lifecycle, promotions
from lojasync.simulators.nuvemshop.catalog import build_catalog
from lojasync.simulators.nuvemshop.clock import STYLE_BRT, STYLE_UTC, completed_object
from lojasync.simulators.nuvemshop.orders import OrderRecord, recompute_totals
from lojasync.simulators.nuvemshop.people import Customer, make_address, make_customer

# (option name, carrier, option code, min cost, max cost, pickup type, weight)
SHIPPING = [
    ("Correios - PAC", "correios", "pac", 16, 38, "ship", 45),
    ("Correios - SEDEX", "correios", "sedex", 24, 65, "ship", 25),
    ("Jadlog .Package", "jadlog", "package", 18, 42, "ship", 15),
    ("Loggi Expresso", "loggi", "express", 12, 30, "ship", 8),
    ("Retirada na loja", "pickup", "branch", 0, 0, "pickup", 7),
]
GATEWAYS = [
    ("mercadopago", "Mercado Pago", 35), ("pagseguro", "PagBank", 25),
    ("nuvem_pago", "Nuvem Pago", 30), ("pagarme", "Pagar.me", 10),
]
METHODS = {"pix": 45, "credit_card": 40, "boleto": 15}
CARD_BRANDS = {"visa": 38, "mastercard": 37, "elo": 13, "amex": 6, "hipercard": 6}
INSTALLMENTS = {1: 40, 2: 10, 3: 12, 4: 6, 5: 6, 6: 10, 7: 2, 8: 2, 9: 2, 10: 5, 11: 1, 12: 4}
COUPONS = [("BEMVINDO10", "0.10"), ("PRIMEIRACOMPRA", "0.15"), ("VOLTEI5", "0.05"), ("CLIENTEVIP", "0.12")]
STOREFRONTS = {"store": 80, "mobile": 10, "meli": 4, "api": 3, "form": 3}
NOTES = [
    "Favor entregar em horário comercial.", "É presente! Não colocar a nota fiscal na caixa.",
    "Deixar na portaria com o seu João.", "Interfone com defeito, ligar ao chegar.",
    "Por favor, caprichar na embalagem.",
]
FREE_SHIPPING_FROM = Decimal("299.00")
TRACKING_URL = "https://rastreamento.correios.com.br/app/index.php?objeto="


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class StoreGenerator:
    """Builds one store; keeps its random streams so later orders stay deterministic too."""

    def __init__(self, store_id: str, seed: int, now: datetime) -> None:
        self.store_id = store_id
        self.seed = seed
        self.rng = random.Random(seed)
        self.fake = Faker("pt_BR")
        self.fake.seed_instance(seed)
        self._last_ids = {
            "order": self.rng.randint(1_400_000_000, 1_600_000_000),
            "line": self.rng.randint(900_000_000, 950_000_000),
            "customer": self.rng.randint(100_000_000, 150_000_000),
            "address": self.rng.randint(50_000_000, 60_000_000),
            "product": self.rng.randint(200_000_000, 250_000_000),
            "variant": self.rng.randint(800_000_000, 850_000_000),
        }
        self.next_number = 100
        self.customers: list[Customer] = []
        self.products = build_catalog(self.rng, now, self.next_id)
        self.categories = categories.product_categories(self.products)
        self.category_ids = categories.category_ids(f"{store_id}:{seed}")
        categories.list_on_products(self.products, self.categories, self.category_ids)

    def next_id(self, kind: str) -> int:
        self._last_ids[kind] += 1 if kind == "address" else self.rng.randint(1, 4000 if kind == "order" else 40)
        return self._last_ids[kind]

    def history(self, count: int, days: float, now: datetime) -> list[OrderRecord]:
        span = int(days * 86400)
        moments = sorted(now - timedelta(seconds=self.rng.randint(0, span)) for _ in range(count))
        return [self.order(created, now) for created in moments]

    def new_order(self, now: datetime) -> OrderRecord:
        """A just-placed order: open, payment pending, unpacked."""
        return self.order(now, now, fresh=True)

    def _customer(self, created: datetime) -> Customer:
        if self.customers and self.rng.random() < 0.38:
            return self.rng.choice(self.customers)
        since = created - timedelta(minutes=self.rng.randint(1, 30))
        customer = make_customer(self.rng, self.fake, self.next_id("customer"), since)
        self.customers.append(customer)
        return customer

    def _lines(self) -> list[dict]:
        count = self.rng.choices([1, 2, 3, 4], weights=[50, 30, 15, 5])[0]
        lines, seen = [], set()
        for _ in range(count):
            product = self.rng.choice(self.products)
            variant = self.rng.choice(product["variants"])
            if variant["id"] in seen:
                continue
            seen.add(variant["id"])
            values = [v["pt"] for v in variant["values"]]
            quantity = self.rng.choices([1, 2, 3, 4, 5], weights=[75, 17, 5, 2, 1])[0]
            lines.append({
                "id": self.next_id("line"),
                "depth": None, "height": None, "width": None,
                "name": product["name"]["pt"] + (f" ({', '.join(values)})" if values else ""),
                "price": variant["promotional_price"] or variant["price"],
                "product_id": product["id"],
                "quantity": str(quantity) if self.rng.random() < 0.15 else quantity,
                "free_shipping": False,
                "weight": variant["weight"],
                "variant_id": str(variant["id"]) if self.rng.random() < 0.15 else variant["id"],
                "variant_values": values,
                "properties": [],
                "sku": variant["sku"],
                "barcode": variant["barcode"],
                "issues": [],
            })
        return lines

    def order(self, created: datetime, now: datetime, fresh: bool = False) -> OrderRecord:
        """One order placed at `created`, replayed up to `now` (`fresh`: nothing happened yet)."""
        rng = self.rng
        created = created.replace(microsecond=0)
        customer = self._customer(created)
        style = STYLE_UTC if rng.random() < 0.7 else STYLE_BRT
        method = _pick(rng, METHODS)
        life = lifecycle.Lifecycle(updated=created) if fresh else lifecycle.simulate(rng, created, now, method)
        coupon = rng.choice(COUPONS) if rng.random() < 0.18 else None
        gateway_rate = "0"
        if method == "pix" and rng.random() < 0.7:
            gateway_rate = "0.05"
        elif method == "boleto" and rng.random() < 0.3:
            gateway_rate = "0.03"
        if not fresh and rng.random() < 0.1:
            # Later touches (notes, tags, address fixes) move updated_at without a status change.
            life.updated = min(now, life.updated + timedelta(seconds=rng.randint(60, 3 * 86400)))
        record = OrderRecord({}, created, life.updated, style, Decimal(coupon[1] if coupon else 0),
                             Decimal(gateway_rate), customer.identity.kind, customer.id)
        lines = self._lines()
        subtotal = sum(Decimal(p["price"]) * int(p["quantity"]) for p in lines)
        record.data = {
            "id": self.next_id("order"),
            "token": f"{rng.getrandbits(160):040x}",
            "store_id": self._store_id_value(),
            "contact_email": customer.email,
            "contact_name": customer.name,
            "contact_phone": customer.phone,
            "contact_identification": customer.identity.contact_identification,
            **self._billing(customer),
            **self._shipping(record, customer, subtotal, life),
            "coupon": [{"code": coupon[0]}] if coupon else [],
            "promotional_discount": {},
            "subtotal": "0.00", "discount": "0.00", "discount_coupon": "0.00", "discount_gateway": "0.00",
            "total": "0.00",
            "checkout_enabled": True,
            "weight": "0.000",
            "currency": "BRL",
            "language": "pt",
            **self._payment(method),
            "storefront": _pick(rng, STOREFRONTS),
            "note": rng.choice(NOTES) if rng.random() < 0.12 else None,
            "created_at": record.ts(created),
            "updated_at": record.ts(life.updated),
            "completed_at": completed_object(created),
            "attributes": [],
            "customer": self._customer_payload(record, customer),
            "products": lines,
            "number": self.next_number,
            "cancel_reason": life.cancel_reason,
            "owner_note": None,
            "cancelled_at": record.ts(life.cancelled_at),
            "closed_at": record.ts(life.closed_at),
            "read_at": None,
            "status": life.status,
            "payment_status": life.payment_status,
            "paid_at": record.ts(life.paid_at),
            "landing_url": None,
            "app_id": None,
        }
        self.next_number += 1
        customer.orders.append(record.data["id"])
        # The order's own stream: drawing a promotion takes nothing from `self.rng`, so every other order (and
        # every field of this one but its money) is what the seed gave before promotions existed.
        order_rng = random.Random(f"{self.store_id}:{self.seed}:{record.data['id']}:promotion")
        record.promotion = promotions.draw(order_rng, lines, self.categories, self.category_ids)
        recompute_totals(record)
        record.sync()
        return record

    def _store_id_value(self) -> int | str:
        if not self.store_id.isdigit():
            return self.store_id
        return self.store_id if self.rng.random() < 0.15 else int(self.store_id)

    @staticmethod
    def _billing(customer: Customer) -> dict:
        address = customer.address
        return {
            "billing_name": customer.name,
            "billing_phone": address["phone"],
            "billing_address": address["address"],
            "billing_number": address["number"],
            "billing_floor": address["floor"],
            "billing_locality": address["locality"],
            "billing_zipcode": address["zipcode"],
            "billing_city": address["city"],
            "billing_province": address["province"],
            "billing_country": "BR",
        }

    def _shipping(self, record: OrderRecord, customer: Customer, subtotal: Decimal,
                  life: lifecycle.Lifecycle) -> dict:
        rng, ts = self.rng, record.ts
        option, carrier, code, low, high, pickup, _ = rng.choices(SHIPPING, weights=[s[6] for s in SHIPPING])[0]
        cost = (Decimal(rng.randint(low * 100, high * 100)) / 100).quantize(Decimal("0.01"))
        free = subtotal >= FREE_SHIPPING_FROM and pickup == "ship"
        gift = rng.random() < 0.12
        address = make_address(rng, self.fake, self.fake.name(), None) if gift else dict(customer.address)
        address.update(created_at=ts(customer.created_at), updated_at=ts(record.created), default=not gift,
                       id=self.next_id("address"))
        status = life.shipping_status
        if rng.random() < 0.5:
            status = {"unshipped": "unfulfilled", "shipped": "fulfilled"}.get(status, status)
        tracking = None
        if life.shipped_at:
            tracking = f"{rng.choice(['NX', 'QB', 'OJ', 'LB'])}{rng.randint(100000000, 999999999)}BR"
        return {
            "shipping_min_days": 1 if pickup == "pickup" else rng.randint(2, 6),
            "shipping_max_days": 2 if pickup == "pickup" else rng.randint(7, 12),
            "shipping_cost_owner": str(cost),
            "shipping_cost_customer": "0.00" if free else str(cost),
            "shipping": carrier,
            "shipping_option": ("Frete grátis - " if free else "") + option,
            "shipping_option_code": code,
            "shipping_option_reference": None,
            "shipping_pickup_details": None,
            "shipping_tracking_number": tracking,
            "shipping_tracking_url": f"{TRACKING_URL}{tracking}" if tracking else None,
            "shipping_store_branch_name": "Loja Centro" if pickup == "pickup" else None,
            "shipping_pickup_type": pickup,
            "shipping_suboption": [],
            "shipping_address": address,
            "shipping_status": status,
            "shipped_at": ts(life.shipped_at),
            "extra": {},
        }

    def _payment(self, method: str) -> dict:
        rng = self.rng
        gateway, gateway_name, _ = rng.choices(GATEWAYS, weights=[g[2] for g in GATEWAYS])[0]
        card = method == "credit_card"
        return {
            "gateway": gateway,
            "gateway_id": str(rng.randint(10**10, 10**11 - 1)),
            "gateway_name": gateway_name,
            "payment_details": {
                "method": method,
                "credit_card_company": _pick(rng, CARD_BRANDS) if card else None,
                "installments": str(_pick(rng, INSTALLMENTS)) if card else "1",
            },
        }

    @staticmethod
    def _customer_payload(record: OrderRecord, customer: Customer) -> dict:
        since = record.ts(customer.created_at)
        return {
            "id": customer.id,
            "name": customer.name,
            "email": customer.email,
            "identification": customer.identity.identification,
            "phone": customer.phone,
            "note": None,
            "default_address": {**customer.address, "created_at": since, "updated_at": since,
                                "default": True, "id": customer.id % 10_000_000},
            "accepts_marketing": customer.id % 3 == 0,
            "created_at": since,
            "updated_at": record.ts(record.created),
        }
