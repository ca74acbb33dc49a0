"""What an NF-e and a venda simples share: the order's lines as they were when the document was generated.

A document keeps its own copy of the lines (Saleor's habit: a sale keeps the product data of its time), so
the stock it issues and the receivables it creates are those of the document, whatever the order becomes.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from lojasync.shared.errors import Gap
from lojasync.shared.money import brl, foreign_currency, to_money


class DocumentKind(StrEnum):
    NFE = "nfe"
    SIMPLE_SALE = "simple_sale"

    @property
    def label(self) -> str:
        return "NF-e" if self is DocumentKind.NFE else "venda simples"


@dataclass(frozen=True)
class DocumentLine:
    position: int
    product_id: int
    sku: str | None
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    # The store's promotion on the line (`OrderLine.promotion`): the NF-e item's own part of the discount, kept so
    # that an NF-e built again (rejected, re-signed) shares the discount as the first one did. None: none said.
    promotion: Decimal | None = None

    def to_dict(self) -> dict[str, Any]:
        data = {"position": self.position, "product_id": self.product_id, "sku": self.sku, "name": self.name,
                "quantity": self.quantity, "unit_price": str(self.unit_price), "total": str(self.total)}
        if self.promotion is not None:   # only then: the documents of orders without one keep the lines they had
            data["promotion"] = str(self.promotion)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentLine:
        promotion = data.get("promotion")
        return cls(int(data["position"]), int(data["product_id"]), data.get("sku"), data["name"],
                   int(data["quantity"]), to_money(data["unit_price"]), to_money(data["total"]),
                   to_money(promotion) if promotion is not None else None)


def lines_from_order(order) -> tuple[list[DocumentLine], list[str]]:
    """The order's lines as document lines, and the problems that keep a line out (no product: stock
    could not be issued for it)."""
    lines, problems = [], []
    for line in order.lines:
        if line.product_id is None and getattr(line, "product", None) is None:
            # Left unlinked by the unknown-SKU rule ("unlinked"): the import makes the product once the rule
            # says to create it and the order is read again; nothing else creates one.
            problems.append(Gap(
                f"item {line.position} (SKU {line.sku or 'vazio'}) sem produto cadastrado: para criá-lo, mude a "
                "regra de SKU desconhecido para criar o produto (Configurações → Importação) e leia o pedido de "
                "novo da loja (Reprocessar)",
                f"lojasync import-rules set --unknown-sku create; lojasync orders resync {order.id}"))
            continue
        product_id = line.product_id if line.product_id is not None else line.product.id
        lines.append(DocumentLine(line.position, product_id, line.sku, line.name, line.quantity, line.unit_price,
                                  line.total, getattr(line, "promotion", None)))
    if not order.lines:
        problems.append("o pedido não tem itens")
    # No store sells at a negative price; a payload that says so is broken, and a document of it would issue stock
    # for money owed to the buyer (review: a venda simples of total -330,00 was confirmed, stock down, nothing owed).
    for line in order.lines:
        if line.unit_price < 0:
            problems.append(Gap(f"item {line.position} (SKU {line.sku or 'vazio'}) com preço negativo "
                                f"({brl(line.unit_price)}): corrija o pedido na loja e leia-o de novo (Reprocessar)",
                                f"lojasync orders resync {order.id}"))
    if order.total < 0:
        problems.append(Gap(f"o total do pedido é negativo ({brl(order.total)}): confira os descontos do pedido na "
                            "loja e leia-o de novo (Reprocessar)", f"lojasync orders resync {order.id}"))
    # The amounts are the store's, in its currency: a document of them in reais would bill, and put in the receivables,
    # 100 reais for 100 dollars (the platform's own example orders are in USD and ARS).
    if currency := foreign_currency(getattr(order, "currency", None)):
        problems.append(f"o pedido está em {currency}, não em reais (BRL): o lojasync emite NF-e e venda simples só em "
                        "reais e não converte moedas; emita o documento deste pedido fora do lojasync")
    return lines, problems


def sale_key(lines) -> list[tuple]:
    """What of a sale's lines must not change under its document: item, product, quantity, price."""
    return [(x.position, x.product_id, x.quantity, x.unit_price) for x in lines]


def same_sale(document, order, line_keys: list[tuple] | None = None) -> bool:
    """Whether the order is still the sale the document was generated from: its lines, its total (freight and
    discount included), its payment, its currency. The store may change an order before the document is approved.
    `line_keys`: the order's lines as `sale_key` gives them, when the caller read them without the ORM."""
    if line_keys is None:
        line_keys = sale_key(lines_from_order(order)[0])
    return (line_keys == sale_key(document.lines)
            and order.total == document.total and order.payment_method == document.payment_method
            and order.installments == document.installments
            # A document is in reais (`lines_from_order`): an order the store now says is in another currency is
            # another sale, the same figures or not.
            and foreign_currency(getattr(order, "currency", None)) is None)
