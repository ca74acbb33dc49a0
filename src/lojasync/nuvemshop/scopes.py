"""The store permissions (OAuth scopes) lojasync needs, and what a connection lacks without each."""

from __future__ import annotations

# Without read_customers the orders carry no customer; without read_orders there is nothing to import. Without the
# write ones, the stock, the NF-e key and the tracking code never reach the store (review: an app set up without
# them installed as "Loja conectada", and the write-backs failed later, one by one).
READ_SCOPES = ("read_orders", "read_customers")
WRITE_SCOPES = ("write_products", "write_orders")
REQUIRED_SCOPES = READ_SCOPES + WRITE_SCOPES


def missing_from(granted: set[str], required: tuple[str, ...] = REQUIRED_SCOPES) -> list[str]:
    """The permissions `required` the grant lacks. The partner portal grants one level per resource, and writing
    includes reading: a grant of write_orders has no read_orders beside it (the platform's own example token reads
    "read_orders,write_products"), and read_orders was said to be missing from it (review)."""
    return [scope for scope in required
            if scope not in granted and not (scope.startswith("read_") and "write_" + scope[5:] in granted)]


def missing_scopes_effect(missing: list[str]) -> str:
    """What the store connection lacks without these permissions, for the install page and the store's log."""
    effects = []
    if "read_orders" in missing:
        effects.append("nenhum pedido é importado")
    if "read_customers" in missing:
        effects.append("os pedidos chegam sem cliente")
    if "write_products" in missing:
        effects.append("o estoque não vai para a loja")
    if "write_orders" in missing:
        effects.append("a chave da NF-e e o rastreio não vão para o pedido da loja")
    return ", ".join(effects[:-1]) + (" e " if len(effects) > 1 else "") + effects[-1] if effects else ""
