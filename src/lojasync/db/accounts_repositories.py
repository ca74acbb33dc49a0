"""Repositories of the accounts module."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from lojasync.accounts.api_tokens import ApiToken
from lojasync.accounts.sessions import SignedIn, WebSession
from lojasync.accounts.throttle import LoginAttempts
from lojasync.accounts.users import User
from lojasync.db.accounts_tables import login_attempts, users, web_sessions


class UserRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, user: User) -> None:
        self.session.add(user)

    def by_email(self, email: str, *, for_update: bool = False) -> User | None:
        query = select(User).where(User.email == email)
        return self.session.scalars(query.with_for_update() if for_update else query).one_or_none()

    def list(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.email)))


class SessionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, web_session: WebSession) -> None:
        self.session.add(web_session)

    def signed_in(self, token_hash: str, now: datetime) -> SignedIn | None:
        # One indexed round trip per page: the session, its user, and that the user may still log in.
        row = self.session.execute(
            select(web_sessions.c.id, web_sessions.c.csrf_token, web_sessions.c.expires_at,
                   web_sessions.c.last_seen_at, users.c.id, users.c.email)
            .join(users, users.c.id == web_sessions.c.user_id)
            .where(web_sessions.c.token_hash == token_hash, web_sessions.c.expires_at > now,
                   users.c.active.is_(True))).one_or_none()
        if row is None:
            return None
        session_id, csrf, expires_at, last_seen_at, user_id, email = row
        return SignedIn(user_id=user_id, email=email, session_id=session_id, csrf_token=csrf, expires_at=expires_at,
                        last_seen_at=last_seen_at)

    def touch(self, session_id: int, now: datetime, precision: timedelta) -> int:
        # Conditional: of several requests of one session in the same minute, one writes.
        return self.session.execute(update(web_sessions).where(
            web_sessions.c.id == session_id, web_sessions.c.last_seen_at <= now - precision)
            .values(last_seen_at=now)).rowcount

    def delete(self, token_hash: str) -> int:
        return self.session.execute(delete(web_sessions).where(web_sessions.c.token_hash == token_hash)).rowcount

    def delete_of_user(self, user_id: int) -> int:
        return self.session.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id)).rowcount

    def delete_expired(self, now: datetime, idle_before: datetime) -> int:
        return self.session.execute(delete(web_sessions).where(
            (web_sessions.c.expires_at <= now) | (web_sessions.c.last_seen_at <= idle_before))).rowcount

    def count_of_user(self, user_id: int, now: datetime, idle_before: datetime) -> int:
        return self.session.scalar(select(func.count()).select_from(web_sessions).where(
            web_sessions.c.user_id == user_id, web_sessions.c.expires_at > now,
            web_sessions.c.last_seen_at > idle_before)) or 0


class ApiTokenRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, token: ApiToken) -> None:
        self.session.add(token)

    def by_hash(self, token_hash: str) -> ApiToken | None:
        return self.session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash)).one_or_none()

    def by_id(self, token_id: int) -> ApiToken | None:
        return self.session.get(ApiToken, token_id)

    def active_by_name(self, name: str) -> ApiToken | None:
        return self.session.scalars(select(ApiToken).where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
                                    .order_by(ApiToken.id.desc())).first()

    def list(self) -> list[ApiToken]:
        return list(self.session.scalars(select(ApiToken).order_by(ApiToken.id)))


class LoginAttemptRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, keys: list[str], for_update: bool = False) -> dict[str, LoginAttempts]:
        query = select(LoginAttempts).where(LoginAttempts.key.in_(keys)).order_by(LoginAttempts.key)
        if for_update:
            # Two wrong passwords at the same moment both count (PostgreSQL; SQLite's writer lock serialises).
            query = query.with_for_update()
        return {a.key: a for a in self.session.scalars(query)}

    def add(self, attempts: LoginAttempts) -> None:
        self.session.add(attempts)

    def delete(self, key: str) -> None:
        self.session.execute(delete(login_attempts).where(login_attempts.c.key == key))

    def delete_stale(self, before: datetime) -> int:
        return self.session.execute(delete(login_attempts).where(
            login_attempts.c.last_failure_at < before,
            (login_attempts.c.blocked_until.is_(None)) | (login_attempts.c.blocked_until < before))).rowcount
