"""Webhook registrations: allowed events and URL rules (HTTPS, or HTTP on loopback only)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

EVENTS = (
    "app/uninstalled", "app/suspended", "app/resumed",
    "category/created", "category/updated", "category/deleted",
    "order/created", "order/updated", "order/paid", "order/packed", "order/fulfilled",
    "order/cancelled", "order/edited", "order/pending", "order/voided", "order/unpacked",
    "product/created", "product/updated", "product/deleted",
    "customer/created", "customer/updated", "customer/deleted",
    "cart/created", "cart/updated",
)
LOOPBACK_NAMES = {"localhost", "localhost.localdomain"}


def _is_loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(url) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return "can't be blank"
    parts = urlsplit(url.strip())
    if not parts.hostname or parts.scheme not in ("http", "https"):
        return "invalid url specified"
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        return "must be https"
    return None


def validation_errors(body: dict, partial: bool = False) -> dict[str, list[str]]:
    """The 422 body for a webhook create (or, with `partial`, update) request."""
    errors: dict[str, list[str]] = {}
    if not partial or "event" in body:
        event = body.get("event")
        if not event:
            errors["event"] = ["can't be blank"]
        elif event not in EVENTS:
            errors["event"] = [f"Invalid event specified. Events allowed: {', '.join(EVENTS)}"]
    if not partial or "url" in body:
        problem = url_problem(body.get("url"))
        if problem:
            errors["url"] = [problem]
    return errors
