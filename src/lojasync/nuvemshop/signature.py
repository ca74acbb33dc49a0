"""Webhook signature: hex HMAC-SHA256 of the raw body, keyed with the app's client secret."""

from __future__ import annotations

import hashlib
import hmac


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def is_valid_signature(body: bytes, signature: str | None, secret: str) -> bool:
    """Constant-time comparison; any other header value (missing, wrong case of hex, base64) fails."""
    if not signature:
        return False
    candidate = signature.strip().lower()
    if not candidate.isascii():  # compare_digest refuses non-ASCII text: that is a forgery, not a crash
        return False
    return hmac.compare_digest(sign(body, secret), candidate)
