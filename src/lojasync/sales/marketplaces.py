"""The marketplaces an order can be sold on besides the merchant's own store (the connector says which, from the
store's own word for it: Nuvemshop's `storefront` "meli" is Mercado Livre).

A sale on a marketplace is an intermediated sale: its NF-e says so and names the marketplace
(`fiscal.intermediaries`), so the ERP keeps where each order was sold.
"""

from __future__ import annotations

MERCADO_LIVRE = "mercado_livre"

NAMES = {MERCADO_LIVRE: "Mercado Livre"}


def marketplace_name(code: str | None) -> str | None:
    """"Mercado Livre"; the code itself for one this version does not know; None for the merchant's own store."""
    return None if code is None else NAMES.get(code, code)
