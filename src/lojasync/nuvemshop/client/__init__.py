"""Nuvemshop REST API client. `NuvemshopClient` is loaded on first use: httpx takes a while to import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lojasync.nuvemshop.client.resources import NuvemshopClient

__all__ = ["NuvemshopClient"]


def __getattr__(name: str) -> Any:
    if name == "NuvemshopClient":
        from lojasync.nuvemshop.client.resources import NuvemshopClient

        return NuvemshopClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
