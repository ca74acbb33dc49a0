"""An order the store cancelled or changed under its NF-e: authorised while it was at SEFAZ, or still pending.

Before sending, the approval checks that the order is still the sale the NF-e describes; but the store may
change it while SEFAZ is being asked (an answer lost, settled minutes later by a query). The fiscal fact
stands (SEFAZ holds it, and the effects follow the NF-e's own lines), so the order is flagged for a person,
in the authorisation's own transaction.
"""

from __future__ import annotations

from lojasync.fiscal.delivery_place import delivery_changed
from lojasync.fiscal.documents import same_sale
from lojasync.fiscal.events import InvoiceAuthorised
from lojasync.fiscal.invoices import NOT_SENT, InvoiceStatus
from lojasync.fiscal.payment_returned import unsent_reason
from lojasync.fiscal.recipient_drift import recipient_changes
from lojasync.fiscal.simple_sales import SaleStatus
from lojasync.sales.events import OrderUpdated, PaymentReturnedInStore, StoreChangeUndone
from lojasync.sales.history import ChangeKind, ProcessedBy
from lojasync.sales.orders import cancel_in_store_reason
from lojasync.sales.status import OrderStatus


def flag_order_changed_meanwhile(event: InvoiceAuthorised, uow) -> None:
    document, order = event.document, event.order
    if order.status is OrderStatus.CANCELLED:
        order.ask_for_a_person(f"{cancel_in_store_reason(ProcessedBy.NFE)} A {document.label} foi autorizada pela "
                               "SEFAZ depois do cancelamento na loja e baixou o estoque; cancelá-la devolve o "
                               "estoque e cancela as contas a receber.")
        return
    # The approval does not load the order's lines: their keys alone are read, without the ORM (a fifth of a
    # millisecond less than loading lines and products, on every authorisation).
    # The nfeProc the authorisation just set (in memory): the NF-e's own XML is a deferred column, a query more.
    if not same_sale(document, order, uow.orders.sale_lines(order.id)):
        order.ask_for_a_person(f"{document.changed_meanwhile_reason} com os itens e valores de antes: confira o "
                               "pedido; se a venda mudou, cancele a NF-e e gere outra.")
    elif delivery_changed(document.proc_xml, order):
        # Another shipping address, or a pickup made a shipment (import review: only another UF was seen, and said as
        # items and values changed).
        order.ask_for_a_person(f"{document.changed_meanwhile_reason} com a entrega de antes (a loja mudou o endereço "
                               "de entrega ou a retirada na loja): confira o pedido; se a entrega mudou, cancele a "
                               "NF-e e gere outra.")
    # The buyer too (review: another CPF/CNPJ or billing address taken meanwhile, the NF-e naming the former one,
    # and nobody told).
    changed = recipient_changes(document, order, document.proc_xml)
    if changed is not None:
        order.ask_for_a_person(f"{document.changed_meanwhile_reason} com o destinatário de antes (a loja mudou "
                               f"{changed} do comprador): confira o pedido; se o destinatário estiver errado, "
                               "cancele a NF-e e gere outra.")


def flag_unsent_nfe_of_cancelled_order(event: OrderUpdated, uow) -> None:
    """The store cancelled an order whose NF-e was generated and not sent (pending, or rejected): nothing moved
    and it can no longer be sent (the approval refuses a cancelled order), but it stays in the list holding its
    number; the order says so, and discarding the NF-e takes the reason away (`invoice_cancellation`)."""
    order = event.order
    if not any(c.kind is ChangeKind.STATUS for c in event.changes):
        return
    if order.status is not OrderStatus.CANCELLED:
        if order.needs_attention:   # else nothing to take away (and nothing to read: most updates)
            _reopened(order, uow)
        return
    invoice = uow.invoices.active_for_order(order.id)
    if invoice is not None and invoice.status in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED):
        order.ask_for_a_person(f"{invoice.about(NOT_SENT)}: o pedido foi cancelado na loja. Resolução: "
                               f"descarte a NF-e (lojasync invoices cancel {invoice.id} --reason MOTIVO, ou na página "
                               "da NF-e).")
    # A venda simples left pending likewise (it stayed "pendente" in the list, nobody told, until a click on
    # Confirmar was refused).
    for sale in uow.simple_sales.for_order(order.id):
        if sale.status is SaleStatus.PENDING:
            order.ask_for_a_person(f"{sale.about_pending}: o pedido foi cancelado na loja. Resolução: descarte-a "
                                   f"(lojasync sales cancel {sale.id}, ou na página da venda).")


# The fields of an update that may make it another sale (`fiscal.documents.same_sale` compares them).
_SALE_FIELDS = frozenset({"subtotal", "discount", "freight", "total", "payment_method", "installments", "currency"})
# What a reason about an unsent document says of a sale the store changed (`flag_unsent_document_of_changed_sale`).
_SALE_CHANGED = ": a loja alterou os itens, o total ou o pagamento do pedido depois de gerado o documento."


def flag_unsent_document_of_changed_sale(event: OrderUpdated, uow) -> None:
    """The store changed the items, total or payment of an order whose NF-e waits to be sent (pending, rejected) or
    whose venda simples waits to be confirmed: it can no longer go as it is (the approval and the confirmation refuse
    it), and the order says so now, with the way out (review: nothing flagged it until a click was refused, and the
    refusal flagged nothing either). Discarding the document takes the reason away; the store changing the order
    back does too."""
    order = event.order
    if order.status is OrderStatus.CANCELLED or not any(
            c.kind is ChangeKind.LINES or (c.kind is ChangeKind.FIELD and c.name in _SALE_FIELDS)
            for c in event.changes):
        return   # a cancellation says its own reason (`flag_unsent_nfe_of_cancelled_order`); an address is no sale
    invoice = uow.invoices.active_for_order(order.id)
    sales = [sale for sale in uow.simple_sales.for_order(order.id) if sale.status is SaleStatus.PENDING]
    if (invoice is None or invoice.status not in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED)) and not sales:
        return
    # The order's lines as this import left them (in memory: not necessarily written yet when the handlers run).
    if invoice is not None and invoice.status in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED):
        _changed_sale(order, invoice.about(NOT_SENT), same_sale(invoice, order),
                      f"descarte a NF-e (lojasync invoices cancel {invoice.id} --reason MOTIVO, ou na página da "
                      "NF-e) e gere outra do pedido como está agora", event.actor,
                      f"{invoice.label} {invoice.status.label}")
    for sale in sales:
        _changed_sale(order, sale.about_pending, same_sale(sale, order),
                      f"descarte-a (lojasync sales cancel {sale.id}, ou na página da venda) e gere outra do pedido "
                      "como está agora", event.actor, sale.about_pending.lower())


def _changed_sale(order, about: str, still_the_sale: bool, way_out: str, actor, document: str) -> None:
    reason = f"{about}{_SALE_CHANGED} Resolução: {way_out}."
    if not still_the_sale:
        order.ask_for_a_person(reason)
    elif order.withdraw_attention(lambda pending: pending.startswith(f"{about}{_SALE_CHANGED}")):
        # Changed back in the store: the document describes it again, and the history says why the flag went.
        order.record(StoreChangeUndone(order=order, actor=actor, document=document,
                                       still_pending=len(order.attention_reasons)))


def flag_unsent_document_of_returned_payment(event: PaymentReturnedInStore, uow) -> None:
    """The store gave back the money of an order whose NF-e waits to be sent (pending, rejected) or whose venda
    simples waits to be confirmed (review: confirmed afterwards, it issued stock and created receivables for money
    the store had refunded, nobody told). A person decides: discarding the document takes the reason away; one that
    keeps it (the sale stands, paid another way) clears it."""
    order = event.order
    if order.status is OrderStatus.CANCELLED:
        return   # `flag_unsent_nfe_of_cancelled_order` asks to discard it
    invoice = uow.invoices.active_for_order(order.id)
    if invoice is not None and invoice.status in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED):
        order.ask_for_a_person(f"{invoice.payment_returned_unsent_reason(event.words)} "
                               "Resolução: se a venda não vale mais, descarte a NF-e (lojasync invoices cancel "
                               f"{invoice.id} --reason MOTIVO, ou na página da NF-e); se vale, confira o pagamento "
                               "antes de transmiti-la.")
    elif invoice is not None and invoice.status is InvoiceStatus.AWAITING:
        # Sent, its answer not known yet: SEFAZ may authorise it (stock issued, receivables created for money given
        # back; review: nobody was told). Not worded as the NF-e's "aguardando SEFAZ" reasons, which its
        # authorisation takes away: this one stays for a person once it is authorised.
        order.ask_for_a_person(f"{invoice.payment_returned_meanwhile_reason(event.words)} "
                               "Resolução: se ela for autorizada e a venda não vale mais, "
                               f"cancele-a (lojasync invoices cancel {invoice.id} --reason MOTIVO, ou na página da "
                               "NF-e: o estoque volta e as contas a receber são canceladas); se a venda vale, confira "
                               "o pagamento.")
    for sale in uow.simple_sales.for_order(order.id):
        if sale.status is SaleStatus.PENDING:
            order.ask_for_a_person(f"{unsent_reason(sale.about_pending, event.words)} "
                                   f"Resolução: se a venda não vale mais, descarte-a (lojasync sales cancel {sale.id}, "
                                   "ou na página da venda); se vale, confira o pagamento antes de confirmá-la.")


# What a reason about an unsent document says of a store cancellation: this handler's words, or the refusal the
# approval records when the cancellation came while the NF-e waited to be sent (`OrderCancelledInStore`; "depois de
# gerar " is how versions before 2026-12-04 worded it, still in the reasons they recorded).
_CANCELLATION_WORDS = (": o pedido foi cancelado na loja.", " foi cancelado depois de gerada a ",
                       " foi cancelado depois de gerar ")


def _reopened(order, uow) -> None:
    """The store reopened the order: the reasons asking to discard its unsent NF-e or pending sale because it was
    cancelled go (kept, they told a person to discard a document that may now be sent or confirmed; confirmed, to
    cancel a valid sale). A reason about another problem of the same document stays."""
    beginnings = tuple(f"{sale.about_pending}:" for sale in uow.simple_sales.for_order(order.id)
                       if sale.status is SaleStatus.PENDING)
    invoice = uow.invoices.active_for_order(order.id)
    if invoice is not None and invoice.status in (InvoiceStatus.PENDING, InvoiceStatus.REJECTED):
        beginnings += (f"{invoice.about(NOT_SENT)}:",)
    if beginnings:
        order.withdraw_attention(lambda reason: reason.startswith(beginnings)
                                 and any(words in reason for words in _CANCELLATION_WORDS))
