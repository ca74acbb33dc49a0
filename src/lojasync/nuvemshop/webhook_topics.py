"""The webhook events lojasync understands, grouped by what handling they need."""

from __future__ import annotations

ORDER_EVENTS = frozenset({
    "order/created", "order/updated", "order/paid", "order/packed", "order/fulfilled", "order/cancelled",
    "order/edited", "order/pending", "order/voided", "order/unpacked",
})
APP_EVENTS = frozenset({"app/uninstalled", "app/suspended", "app/resumed"})
LGPD_EVENTS = frozenset({"store/redact", "customers/redact", "customers/data_request"})
KNOWN_EVENTS = ORDER_EVENTS | APP_EVENTS | LGPD_EVENTS

# Registered through POST /webhooks at install time (LGPD ones live in the partner portal instead).
SUBSCRIBED_EVENTS = tuple(sorted(ORDER_EVENTS | APP_EVENTS))
