"""The document a ledger row (a stock movement, a receivable) comes from, as the pages name and link it."""

from __future__ import annotations

SOURCES = {"nfe": ("NF-e", "/nfe/{id}"), "nfe_cancel": ("NF-e cancelada", "/nfe/{id}"),
           "simple_sale": ("Venda simples", "/vendas/{id}"),
           "simple_sale_cancel": ("Venda simples cancelada", "/vendas/{id}"), "count": ("Contagem", None),
           "adjustment": ("Entrada/saída", None)}


def ledger_document(source_type: str, source_id: str, numbers: dict[str, int]) -> dict:
    """`{"label", "url"}`: an NF-e by its nº (`numbers`, by id), as its list and the movement's reason name it (its
    id is in the link only); a venda simples by its number, which is its id; a count without a link."""
    label, url = SOURCES.get(source_type, (source_type, None))
    if url is None:
        return {"label": label, "url": None}
    if source_type in ("nfe", "nfe_cancel") and source_id in numbers:
        label = label.replace("NF-e", f"NF-e nº {numbers[source_id]}", 1)
    elif source_type in ("simple_sale", "simple_sale_cancel"):
        label = label.replace("Venda simples", f"Venda simples {source_id}", 1)
    else:
        label = f"{label} (id {source_id})"
    return {"label": label, "url": url.format(id=source_id)}
