"""What `GET /orders` lists: without `payment_status`, only authorized, pending and paid orders ("any" is the
default, and means those three, in the platform's own docs). A store cancellation usually voids or refunds the
payment, so a listing meant to see every order changed since a moment asks again for each status left out: the
reconciliation and the webhook drain read such orders too (they were acknowledged and never imported)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# The payment statuses the default listing leaves out: each is listed apart, by name.
LISTED_APART = ("voided", "refunded", "abandoned")


def listings_apart(params: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The listings of the orders `params` selects that its default listing leaves out, one per payment status."""
    return [{**params, "payment_status": status} for status in LISTED_APART]
