"""The simulated SEFAZ's settings: its environment and the limits it enforces."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class SefazConfig:
    """`environment` is the tpAmb this "SEFAZ" receives (2 homologação; a document with the other is 252).

    `state_file` keeps what was authorised across restarts (SQLite, which several processes may share: see
    state.py); without it everything lives in memory and a restart forgets it: an NF-e authorised before could then be
    authorised again, and a query for it would answer 217.
    """

    environment: str = "2"
    cancel_deadline_hours: float = 24.0     # cancellation (110111) within 24 h of the authorisation, else 501
    emission_max_age_days: float = 30.0     # dhEmi older than this: 228
    max_message_bytes: int = 500 * 1024     # SEFAZ's limit per message: 214 above it
    state_file: Path | None = None

    def __post_init__(self) -> None:
        if self.environment not in ("1", "2"):
            raise ValueError("environment deve ser 1 (producao) ou 2 (homologacao)")
        if self.cancel_deadline_hours <= 0 or self.emission_max_age_days <= 0 or self.max_message_bytes <= 0:
            raise ValueError("prazos e limites devem ser positivos")
