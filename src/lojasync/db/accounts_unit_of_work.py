"""The unit of work of the accounts use cases: the core's plus users, sessions, tokens and login attempts."""

from __future__ import annotations

from sqlalchemy.orm import Session

from lojasync.db.accounts_repositories import (
    ApiTokenRepository,
    LoginAttemptRepository,
    SessionRepository,
    UserRepository,
)
from lojasync.db.unit_of_work import SqlUnitOfWork


class SqlAccountsUnitOfWork(SqlUnitOfWork):
    def open_repositories(self, session: Session) -> None:
        super().open_repositories(session)
        self.users = UserRepository(session)
        self.web_sessions = SessionRepository(session)
        self.api_tokens = ApiTokenRepository(session)
        self.login_attempts = LoginAttemptRepository(session)
