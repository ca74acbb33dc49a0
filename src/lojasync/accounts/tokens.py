"""Random secrets handed out once (session cookies, API tokens) and the digest kept instead of them.

A secret of 256 random bits needs no slow hash: nobody can guess it, so SHA-256 only has to make a stolen
table useless, and it lets the lookup be an index search.
"""

from __future__ import annotations

import hashlib
import secrets

API_TOKEN_PREFIX = "lsk_"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    """`lsk_...`: the prefix tells a leaked token for what it is (secret scanners, logs)."""
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
