"""Metafields: the apps' namespaced key-value store on products, variants, categories, pages, orders and
customers (what an ERP uses to put the NF-e key on an order, for want of an invoice field).

`POST /metafields`, `GET /metafields/{id}`, `PUT /metafields/{id}`, `DELETE /metafields/{id}` and
`GET /metafields/{owner_resource}?owner_id=&namespace=&key=` (owner_resource in the path as `orders`,
`products`, `product_variants`...). One metafield per owner, namespace and key: a second is refused.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from lojasync.simulators.nuvemshop.clock import STYLE_UTC, format_ts
from lojasync.simulators.nuvemshop.errors import ApiError, invalid, not_found

OWNERS = {"Product": "products", "Product_Variant": "product_variants", "Category": "categories",
          "Page": "pages", "Order": "orders", "Customer": "customers"}
_BY_PATH = {path: owner for owner, path in OWNERS.items()}
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def owner_from_path(segment: str) -> str:
    owner = _BY_PATH.get(segment.lower()) or next((o for o in OWNERS if o.lower() == segment.lower()), None)
    if owner is None:
        raise not_found(f"Unknown owner resource {segment}")
    return owner


class Metafields:
    """One store's metafields; `owner_exists(resource, id)` says whether the owner is in the store."""

    def __init__(self, owner_exists: Callable[[str, int], bool]) -> None:
        self.items: dict[int, dict] = {}
        self._owner_exists = owner_exists
        self._next_id = 5000

    def create(self, body, now: datetime) -> dict:
        if not isinstance(body, dict):
            raise invalid("metafield", "must be an object")
        errors = _errors(body)
        if errors:
            raise ApiError(422, errors)
        owner, owner_id = body["owner_resource"], int(body["owner_id"])
        if not self._owner_exists(owner, owner_id):
            raise invalid("owner_id", "not found")
        if self.find(owner, owner_id, body["namespace"], body["key"]):
            raise invalid("key", "has already been taken")
        self._next_id += 1
        stamp = format_ts(now, STYLE_UTC)
        item = {"id": self._next_id, "namespace": body["namespace"], "key": body["key"],
                "description": body.get("description"), "value": body["value"], "owner_resource": owner,
                "owner_id": owner_id, "created_at": stamp, "updated_at": stamp}
        self.items[item["id"]] = item
        return item

    def get(self, metafield_id) -> dict:
        try:
            return self.items[int(metafield_id)]
        except (KeyError, ValueError):
            raise not_found("Metafield not found") from None

    def update(self, metafield_id, body, now: datetime) -> dict:
        item = self.get(metafield_id)
        if not isinstance(body, dict):
            raise invalid("metafield", "must be an object")
        if "value" in body and not isinstance(body["value"], str):
            raise invalid("value", "must be a string")
        item.update({k: body[k] for k in ("value", "description") if k in body})
        item["updated_at"] = format_ts(now, STYLE_UTC)
        return item

    def delete(self, metafield_id) -> None:
        del self.items[self.get(metafield_id)["id"]]

    def find(self, owner: str, owner_id: int | None = None, namespace: str | None = None,
             key: str | None = None) -> list[dict]:
        return [m for m in self.items.values() if m["owner_resource"] == owner
                and (owner_id is None or m["owner_id"] == owner_id)
                and (namespace is None or m["namespace"] == namespace) and (key is None or m["key"] == key)]


def _errors(body: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name in ("namespace", "key"):
        value = body.get(name)
        if not value:
            errors[name] = ["can't be blank"]
        elif not isinstance(value, str) or not _NAME.match(value):
            errors[name] = ["must start with a letter followed only by letters, digits or _"]
    if not isinstance(body.get("value"), str) or not body["value"]:
        errors["value"] = ["can't be blank"]
    if body.get("owner_resource") not in OWNERS:
        errors["owner_resource"] = [f"must be one of {', '.join(OWNERS)}"]
    owner_id = body.get("owner_id")
    if isinstance(owner_id, bool) or not (isinstance(owner_id, int) or (isinstance(owner_id, str)
                                                                        and owner_id.isdigit())):
        errors["owner_id"] = ["must be an integer"]
    return errors
