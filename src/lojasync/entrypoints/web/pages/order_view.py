"""The order's page in words: the labels and lines the template shows, built from `show_order`'s dict (the
same data the CLI prints), so the template only lays them out."""

from __future__ import annotations

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.formats import address_line
from lojasync.finance.views import ReceivableList, Situation
from lojasync.fiscal.services.views import InvoiceView
from lojasync.sales.history import actor_label
from lojasync.sales.history_text import level_label, store_state_label, type_label

# The badge of each order status (label as the services give it -> CSS class of app.css).
STATUS_BADGES = {"Em Aberto": "badge-open", "Confirmado": "badge-confirmed", "Cancelado": "badge-cancelled"}




def payment_words(order: dict) -> str:
    """`Pix (PagSeguro)`, `cartão de crédito em 3x`."""
    payment = order["payment"]
    words = store_state_label("payment_method", payment["method"]) or "forma não informada"
    if payment["installments"] and payment["installments"] > 1:
        words += f" em {payment['installments']}x"
    if payment["gateway"]:
        words += f" ({payment['gateway']})"
    return words


def store_states(store: dict | None) -> list[tuple[str, str]]:
    """The store's own states of the order, in words: [("Situação", "aberto"), ("Pagamento", "pago"), ...]."""
    if not store:
        return []
    shown = [(label, store_state_label(kind, store.get(kind)))
             for kind, label in (("status", "Situação"), ("payment_status", "Pagamento"),
                                 ("shipping_status", "Envio"), ("cancel_reason", "Motivo do cancelamento"))
             if store.get(kind)]
    return [(label, value) for label, value in shown if value]


# The newest history entries an order's page shows; the rest behind "ver o histórico completo" (`?historico=todo`).
# A page read and drew every entry: 3,000 of them took 0.3 s of CPU and 850 KB of HTML per visit.
HISTORY_SHOWN = 200


def history_rows(log: list[dict]) -> list[dict]:
    """The history newest first, each entry with its type, level and actor in words."""
    return [{**entry, "type_label": type_label(entry["event"]), "level_label": level_label(entry["level"]),
             "actor_label": actor_label(entry["actor"], entry.get("actor_name"))} for entry in reversed(log)]


def document_words(document) -> str:
    """`a NF-e nº 12 (autorizada)`, `a venda simples 3 (pendente)`."""
    if isinstance(document, InvoiceView):
        return f"a NF-e nº {document.number} ({document.status_label})"
    return f"a venda simples {document.id} ({document.status_label})"


def document_step(document) -> str:
    """What frees the order for another document, by the one that stands: a pending or rejected NF-e is discarded;
    one awaiting SEFAZ can be neither cancelled nor discarded before SEFAZ decides; the rest are cancelled."""
    if isinstance(document, InvoiceView) and document.status in ("pending", "rejected"):
        return "para gerar outro documento, descarte-a antes"
    if isinstance(document, InvoiceView) and document.status == "awaiting_sefaz":
        return ("a SEFAZ ainda não a decidiu; transmita-a de novo na página da NF-e (autorizada, cancele-a; "
                "rejeitada, descarte-a) para gerar outro documento")
    return "para gerar outro documento, cancele-a antes"


def order_page_data(order: dict) -> dict:
    """What the template shows beyond the order's own fields."""
    shipping, billing = address_line(order["shipping_address"]), address_line(order["billing_address"])
    return {
        "status_badge": STATUS_BADGES.get(order["status"], "badge-neutral"),
        "payment_words": payment_words(order),
        "shipping_line": shipping,
        "billing_line": billing if billing != shipping else None,
        "store_states": store_states(order["store"]),
        "history": history_rows(order["log"]),
    }


def receivables_words(listing: ReceivableList) -> str | None:
    """The order's receivables in a line, for its page (its documents were named, its installments not: they were found
    only by typing the order's number into the Financeiro's filter): how many, what they add up to, and how many are
    overdue or cancelled (left out of the total, as on the Financeiro). None without any."""
    if not listing.matched:
        return None
    parts = []
    overdue = listing.totals[Situation.OVERDUE]["count"]
    if overdue:
        parts.append(f"{overdue} vencida" + ("s" if overdue > 1 else ""))
    cancelled = listing.totals[Situation.CANCELLED]["count"]
    if cancelled and not listing.count:   # review: "Contas a receber: 0, R$ 0,00 (2 canceladas, fora do total)"
        return f"Contas a receber: {formats.number(cancelled)} cancelada" + ("s" if cancelled > 1 else "")
    if cancelled:
        parts.append(f"{cancelled} cancelada" + ("s" if cancelled > 1 else "") + ", fora do total")
    return (f"Contas a receber: {formats.number(listing.count)}, {formats.money(listing.total)}"
            + (f" ({'; '.join(parts)})" if parts else ""))

