"""Column types that keep money exact and datetimes in UTC on every database."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, DateTime, String
from sqlalchemy.types import TypeDecorator

from lojasync.sales.shipping import Shipping
from lojasync.shared.address import Address
from lojasync.shared.money import CENT


class MoneyCents(TypeDecorator):
    """Decimal reais stored as integer cents: SQLite has no exact decimal type."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(value) / CENT).to_integral_value())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(value) * CENT).quantize(CENT)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out (SQLite forgets the offset)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class AddressJSON(TypeDecorator):
    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Address | None, dialect):
        return None if value is None else value.to_dict()

    def process_result_value(self, value, dialect):
        if isinstance(value, str):
            value = json.loads(value)
        return Address.from_dict(value)


class ShippingJSON(TypeDecorator):
    """An order's `Shipping` as one JSON value: read and written whole, never queried by its parts."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Shipping | None, dialect):
        return None if value is None else value.to_dict()

    def process_result_value(self, value, dialect):
        if isinstance(value, str):
            value = json.loads(value)
        return Shipping.from_dict(value)


class DecimalSafeJSON(TypeDecorator):
    """JSON for raw payloads, which carry Decimals (we never decode money as float)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return json.loads(json.dumps(value, default=str))


class DecimalText(TypeDecorator):
    """A rate or quantity kept exactly as written ("0.9", "18.00"): text on every database, Decimal in code."""

    impl = String(20)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else str(Decimal(value))

    def process_result_value(self, value, dialect):
        return None if value is None else Decimal(value)
