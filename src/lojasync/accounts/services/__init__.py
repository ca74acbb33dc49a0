"""The accounts use cases: users, logins and sessions, API tokens."""
