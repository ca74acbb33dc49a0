"""The effects of approving and cancelling a document, as handlers of its domain events.

They run in the approval's own transaction (the unit of work hands the events to the bus before the
commit), so "authorised" and "stock issued + receivables created" are written together or not at all;
the ledgers' unique keys make a second run a no-op, whatever retried it.
"""

from __future__ import annotations

from datetime import date, datetime

from lojasync.finance.ledger import cancel_receivables, create_receivables
from lojasync.finance.plans import InstallmentRule
from lojasync.finance.receivables import (
    PAID_FOR_THE_STANDING_SALE,
    RECEIVED_BEFORE_CANCEL,
    REFUND_CHECK_ENDING,
    ReceivableStatus,
    goes_on_with,
    is_refund_check_of,
    paid_over_reason,
    refund_check_reason,
    same_payment_reason,
)
from lojasync.fiscal.documents import DocumentKind
from lojasync.fiscal.events import (
    DocumentApproved,
    DocumentCancelled,
    DocumentEvent,
    ReceivablesCancelled,
    ReceivablesCreated,
    StockIssued,
    StockReturned,
    StockWentNegative,
)
from lojasync.fiscal.invoices import InvoiceStatus, is_denial_reason
from lojasync.fiscal.simple_sales import SaleStatus
from lojasync.fiscal.tax_rules import payment_kind
from lojasync.sales.history import ProcessedBy
from lojasync.sales.orders import cancel_in_store_reason
from lojasync.shared.local_zone import local_day
from lojasync.shared.money import ZERO
from lojasync.stock.issues import LineToMove, issue_stock, return_stock
from lojasync.stock.views import product_reference

_PROCESSED_BY = {DocumentKind.NFE: ProcessedBy.NFE, DocumentKind.SIMPLE_SALE: ProcessedBy.SIMPLE_SALE}


def _first_day(order, document) -> date:
    """Where the installments count from: the day the store received the payment (a card's acquirer pays
    30 days after the purchase, not after the NF-e); the document's approval when the store gave no payment
    date (unpaid, or imported before lojasync kept it)."""
    return local_day(order.paid_at or document.approved_at)


def _written_on(document, recorded_at: datetime | None) -> date:
    """The day the receivables are written, for `installment_plan`'s `not_before`: the approval's, or the
    recording transaction's when that is later (an authorisation learned by asking SEFAZ by key days after its
    answer was lost; a cancelled sale making a late NF-e the order's document). A Pix due on SEFAZ's day would
    be born overdue, sending the operator after a customer who paid."""
    approved = local_day(document.approved_at)
    return max(approved, local_day(recorded_at)) if recorded_at is not None else approved


def apply_effects(event: DocumentApproved, uow, rules: dict[str, InstallmentRule] | None = None) -> None:
    """Stock down for every line, the receivables created, the order marked processed."""
    document, order = event.document, event.order
    if order.is_processed():
        # Another document processed the order already: SEFAZ's late answer authorising an NF-e discarded here,
        # after a venda simples was confirmed in its place. That sale's stock and money stand; issuing them
        # again would count the sale twice. The NF-e is SEFAZ's fact all the same: a person cancels one of them
        # (cancelling the sale makes this NF-e the order's document, and its effects are written then).
        order.ask_for_a_person(stray_reason(document.label))
        return
    _write_effects(event, uow, rules)


def stray_reason(label: str) -> str:
    return (f"{label[0].upper()}{label[1:]} autorizada com o pedido já processado por outro documento: estoque e "
            f"contas a receber não foram lançados de novo. Cancele a {label} ou o outro documento.")


def _write_effects(event: DocumentEvent, uow, rules: dict[str, InstallmentRule] | None) -> None:
    document, order = event.document, event.order
    source = (document.kind.value, str(document.id))
    lines = [LineToMove(line.position, line.product_id, line.quantity) for line in document.lines]
    # The ledgers' lookups read what earlier transactions wrote for this document: they need not flush
    # the approval's pending rows first (a flush per lookup, three per NF-e instead of the commit's one).
    with uow.no_autoflush():
        issued = issue_stock(uow.stock_movements, *source, lines, reason=f"Baixa: {document.label}",
                             made_by=event.actor.label)
        created = create_receivables(uow.receivables, order_id=order.id, source_type=source[0],
                                     source_id=source[1], total=document.total,
                                     installments=document.installments, payment_method=document.payment_method,
                                     start=_first_day(order, document), rules=rules,
                                     not_before=_written_on(document, event.recorded_at),
                                     kind=payment_kind(document.payment_method))
    if issued:
        order.record(StockIssued(order=order, actor=event.actor, units=-sum(m.quantity for m in issued),
                                 products=len({m.product_id for m in issued}), document=document.label))
        _warn_if_short(uow, event, {m.product_id for m in issued})
    if created:
        order.record(ReceivablesCreated(order=order, actor=event.actor, count=len(created),
                                        total=sum((r.amount for r in created), ZERO),
                                        document=document.label))
        _paid_before(uow, order, document)
    order.withdraw_attention(is_denial_reason)   # the sale went on with another document
    order.mark_processed(_PROCESSED_BY[document.kind])


def _paid_before(uow, order, document) -> None:
    """The order's sale goes on with `document` after another of its documents was cancelled with receivables
    already received (an NF-e with an error, cancelled and issued again): the customer paid part of this sale, which
    `document`'s receivables bill again. No refund to check any more (review: the order said to give the money back
    while the new document's installment 1/3 asked for it again): said as when the cancelled one had another
    document standing (`PAID_FOR_THE_STANDING_SALE`)."""
    if not any(reason.endswith(REFUND_CHECK_ENDING) for reason in order.attention_reasons):
        return   # every ordinary approval: nothing to read
    paid = _flagged_received(uow, order, RECEIVED_BEFORE_CANCEL)
    if sum((r.amount for r in paid), ZERO) > document.total:
        # More came in than this document bills (the store took items off before it was issued again): part of it
        # is to be given back, which the refund check says (review of this change).
        return
    for (source_type, source_id), receivables in _by_source(paid).items():
        for receivable in receivables:
            receivable.attention_reason = PAID_FOR_THE_STANDING_SALE
        label = _label_of(uow, source_type, source_id)
        order.withdraw_attention(lambda reason, label=label: is_refund_check_of(reason, label))
        order.ask_for_a_person(paid_over_reason(label, len(receivables), document.label))


def _nothing_goes_on(uow, order, document) -> None:
    """`document` went on with a sale whose earlier document was cancelled with receivables received
    (`_paid_before`, or a late NF-e standing), and is cancelled in turn with no other standing: nothing goes on with
    the sale, and what the customer paid for the earlier one is a refund to check again (review of this change: the
    order and the receivable kept saying "não devolva", naming a document cancelled since; and only while the order's
    reason was pending: the receivables are read whatever the order says). Unless the same money is in `document`'s
    own received receivables, a person having marked them received as those words asked: their refund check is that
    money's, and a second one would give it back twice (review)."""
    mine = (document.kind.value, str(document.id))
    paid = [r for r in _flagged_received(uow, order, PAID_FOR_THE_STANDING_SALE)
            if (r.source_type, r.source_id) != mine]
    order.withdraw_attention(lambda reason: goes_on_with(reason, document.label))
    if not paid:
        return
    covered = sum((r.amount for r in uow.receivables.for_source(*mine) if r.status is ReceivableStatus.RECEIVED), ZERO)
    for (source_type, source_id), receivables in _by_source(paid).items():
        amount = sum((r.amount for r in receivables), ZERO)
        if amount <= covered:
            covered -= amount
            for receivable in receivables:
                receivable.attention_reason = same_payment_reason(document.label)
            continue
        for receivable in receivables:
            receivable.attention_reason = RECEIVED_BEFORE_CANCEL
        order.ask_for_a_person(refund_check_reason(_label_of(uow, source_type, source_id), len(receivables)))


def _flagged_received(uow, order, reason: str) -> list:
    return [r for r in uow.receivables.list(order_id=order.id) if r.status is ReceivableStatus.RECEIVED
            and r.needs_attention and r.attention_reason == reason]


def _by_source(receivables: list) -> dict[tuple[str, str], list]:
    grouped: dict[tuple[str, str], list] = {}
    for receivable in receivables:
        grouped.setdefault((receivable.source_type, receivable.source_id), []).append(receivable)
    return grouped


def _label_of(uow, source_type: str, source_id: str) -> str:
    repository = uow.invoices if source_type == DocumentKind.NFE.value else uow.simple_sales
    return repository.get(int(source_id)).label


def _warn_if_short(uow, event: DocumentApproved, product_ids: set[int]) -> None:
    """Counted products the issue took below zero are named in the order's history (a warning): the sale
    stands, but the stock of record no longer matches the shelf."""
    short = uow.products.short(product_ids)
    if not short:
        return
    # Named as Estoque names them (the product's SKU), not by the store's SKU on the line: the store may have renamed
    # its variant since the product was made, and "confira a contagem em Estoque" named a SKU Estoque has not (review).
    found = uow.products.by_ids(short)
    products = tuple({"sku": product_reference(found[pid].sku, pid) if pid in found else f"id:{pid}",
                      "balance": balance} for pid, balance in sorted(short.items()))
    event.order.record(StockWentNegative(order=event.order, actor=event.actor, products=products,
                                         document=event.document.label))


def reverse_effects(event: DocumentCancelled, uow, rules: dict[str, InstallmentRule] | None = None) -> None:
    """Stock back, open receivables cancelled, received ones flagged; the order is no longer processed, unless
    another document of it stands (then processed by that one, whose effects are written if they were not)."""
    document, order = event.document, event.order
    source = (document.kind.value, str(document.id))
    returned = return_stock(uow.stock_movements, *source, reason=f"Devolução: {document.label} cancelada",
                            made_by=event.actor.label)
    if returned:
        order.record(StockReturned(order=order, actor=event.actor, units=sum(m.quantity for m in returned),
                                   products=len({m.product_id for m in returned}), document=document.label))
    standing = _standing(uow, order.id, document)
    # With another document going on with the sale, what the customer paid for this one is not to be given back
    # (review: the order said to check a refund, while the standing document billed the same money again).
    cancelled, flagged = cancel_receivables(uow.receivables, *source, PAID_FOR_THE_STANDING_SALE if standing
                                            else RECEIVED_BEFORE_CANCEL)
    if cancelled or flagged:
        order.record(ReceivablesCancelled(order=order, actor=event.actor, count=cancelled, flagged=flagged,
                                          document=document.label, standing=standing.label if standing else None))
    if flagged:
        order.ask_for_a_person(paid_over_reason(document.label, flagged, standing.label) if standing
                               else refund_check_reason(document.label, flagged))
    if standing is None:
        _nothing_goes_on(uow, order, document)
    else:
        # Another document of this sale stands (SEFAZ authorised an NF-e discarded here after a sale was confirmed
        # in its place): the order stays processed, by it now, and its effects, skipped while this one stood,
        # are written (once: a document's movements and receivables are unique).
        # The warning about whichever of the two was the stray one is dealt with (the cancelled one may be it).
        strays = (stray_reason(standing.label), stray_reason(document.label))
        order.withdraw_attention(lambda reason: reason in strays)
        _store_cancellation_now_of(order, document, standing)
        order.processed_by = None
        _write_effects(DocumentApproved(order=order, actor=event.actor, document=standing,
                                        recorded_at=event.recorded_at), uow, rules)
        return
    # First: a change the store made while the document stood (a cancellation included) was held back, and
    # its reasons give way to one saying to read the order again (the sale here is still the old one).
    order.unmark_processed(document.label)
    # The store cancelled the order and asked for this cancellation: that reason is dealt with (others stay).
    prefix = cancel_in_store_reason(_PROCESSED_BY[document.kind])
    order.withdraw_attention(lambda reason: reason.startswith(prefix))


def _store_cancellation_now_of(order, cancelled, standing) -> None:
    """The store cancelled the order and the order asked for `cancelled`'s cancellation: `standing` is now the
    document to cancel, and the reason says so (it told the operator to cancel one already cancelled)."""
    old, new = (cancel_in_store_reason(_PROCESSED_BY[d.kind]) for d in (cancelled, standing))
    moved = [reason for reason in order.attention_reasons if reason.startswith(old)] if old != new else []
    if moved:
        order.withdraw_attention(lambda reason: reason.startswith(old))
        for reason in moved:
            order.ask_for_a_person(new + reason[len(old):])


def _standing(uow, order_id: int, cancelled):
    """The order's authorised NF-e or confirmed venda simples other than `cancelled`, if any."""
    uow.flush()   # `cancelled`'s new status, which the query reads from the database
    standing = uow.documents.active_for_order(order_id)
    if standing is None or (standing.kind, standing.id) == (cancelled.kind, cancelled.id):
        return None
    return standing if carries_the_sale(standing) else None


def carries_the_sale(document) -> bool:
    """Whether the document has issued the stock and created the receivables (authorised NF-e, confirmed sale): a
    pending, awaiting or rejected one has moved nothing yet."""
    return document.status in (InvoiceStatus.AUTHORISED, SaleStatus.CONFIRMED)
