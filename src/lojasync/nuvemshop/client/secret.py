"""The store's access token: kept out of every repr and scrubbed from whatever the API echoes back."""

from __future__ import annotations

from typing import Any

REDACTED = "***"


class Secret:
    """Holds the access token so that no repr, log or traceback formatter prints it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def redact(self, text: str) -> str:
        return text.replace(self._value, REDACTED)

    def redact_deep(self, value: Any) -> Any:
        """``value`` with the token masked in every string of a decoded JSON body."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {key: self.redact_deep(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.redact_deep(item) for item in value]
        return value

    def __repr__(self) -> str:
        return repr(REDACTED)

    __str__ = __repr__
