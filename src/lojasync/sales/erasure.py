"""What LGPD erasure leaves in place of personal data, and how a record takes the blanks."""

from __future__ import annotations

ANONYMISED_NAME = "Cliente anonimizado (LGPD)"
REMOVED = "[removido (LGPD)]"


def assign(target: object, values: dict[str, object]) -> bool:
    """Set the attributes that differ; return whether any did (an erasure already done changes nothing)."""
    changed = False
    for attr, value in values.items():
        if getattr(target, attr) != value:
            setattr(target, attr, value)
            changed = True
    return changed
