"""Tables of the accounts module: users, their sessions, API tokens and failed-login counters."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, text

from lojasync.db.metadata import metadata
from lojasync.db.types import UTCDateTime

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    # argon2id's encoded hash ($argon2id$v=19$m=...,t=...,p=...$salt$hash): never the password.
    Column("password_hash", String(200), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("disabled_at", UTCDateTime),
    Column("last_login_at", UTCDateTime),
)

web_sessions = Table(
    "web_sessions", metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    # SHA-256 of the cookie's token: a copy of this table opens no session.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
    # The last request's time, written at most once a minute: the session ends after the idle timeout.
    Column("last_seen_at", UTCDateTime, nullable=False),
    Column("address", String(64)),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(80), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
    # One active token per name (`tokens revoke NAME` revokes it): two `tokens add` at once each found the name
    # free on PostgreSQL, and revoking by name left one of them working (review).
    Index("uq_api_tokens_active_name", "name", unique=True, sqlite_where=text("revoked_at IS NULL"),
          postgresql_where=text("revoked_at IS NULL")),
)

login_attempts = Table(
    "login_attempts", metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(320), nullable=False, unique=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False, index=True),
    Column("blocked_until", UTCDateTime),
)
