"""The store gave an order's money back while its document waited (an NF-e to send, a venda simples to confirm), and
the document took effect all the same: the order's reason about it is said again for what it is now.

Before, the reason asked to check the payment before sending or confirming. Once sent or confirmed, it called the
document unsent or pending (review) and pointed at a discard that now reverses stock and receivables; taken away, the
warning went with nobody having looked (a batch run again sends what an earlier run generated). So it stays, in the
words of a document that took effect: stock issued and receivables created for money the store gave back."""

from __future__ import annotations

from collections.abc import Callable

# How `order_drift` words the reason about a document waiting while the money went back, after the document's own
# beginning ("NF-e nº 3 série 1 não foi enviada", "Venda simples 2 pendente").
_RETURNED = ": o pagamento do pedido foi "
_IN_STORE = " na loja."
# How the order's reasons about money the store gave back begin once the document took effect, or while SEFAZ was
# asked about an NF-e (`Invoice.payment_returned_meanwhile_reason`).
PAYMENT_RETURNED = "O pagamento do pedido foi "


def unsent_reason(about: str, words: str) -> str:
    """The first sentence of that reason (`words`: "reembolsado", "anulado"...)."""
    return f"{about}{_RETURNED}{words}{_IN_STORE}"


def returned_words(reason: str, about: str) -> str | None:
    """The store's words of such a reason about the document `about` begins; None for any other reason."""
    beginning = f"{about}{_RETURNED}"
    if not reason.startswith(beginning):
        return None
    words, found, _ = reason[len(beginning):].partition(_IN_STORE)
    return words if found else None


def is_returned_reason(reason: str, *endings: str) -> bool:
    """Whether `reason` is one of those (`PAYMENT_RETURNED`) whose first sentence ends as one of `endings` says (which
    names the document: " na loja antes da confirmação da venda simples 2.")."""
    first = reason.split(". ", 1)[0] + "."
    return reason.startswith(PAYMENT_RETURNED) and any(ending in first for ending in endings)


def said_again(order, about: str, reworded: Callable[[str], str]) -> None:
    """The order's reasons about the document `about` begins, waiting while the money went back, said as
    `reworded(words)` now that it took effect (in their place, after the reasons already pending)."""
    found = [(reason, words) for reason in order.attention_reasons
             if (words := returned_words(reason, about)) is not None]
    for reason, words in found:
        order.withdraw_attention(lambda pending, reason=reason: pending == reason)
        order.ask_for_a_person(reworded(words))
