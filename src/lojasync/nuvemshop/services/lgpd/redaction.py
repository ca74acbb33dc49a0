"""store/redact and customers/redact: blank what the store sent about people, keep the sales.

An order the back office processed (approved NF-e, confirmed sale) keeps the recipient's name,
CPF/CNPJ and billing address, as fiscal law requires; its history entry says so in a typed field.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from lojasync.finance.events import RefundCheckSettled
from lojasync.finance.receivables import is_refund_check_reason
from lojasync.fiscal.events import DocumentCancelled
from lojasync.nuvemshop.model.bindings import OrderBinding
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import FISCAL_KEPT, StoreLogType, render_store_log
from lojasync.nuvemshop.model.webhook_events import WebhookEvent
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.lgpd.requests import (
    CUSTOMER_EVENTS,
    CustomerRequest,
    other_customers,
    strip_bodies,
    the_persons,
)
from lojasync.sales.customers import Customer
from lojasync.sales.events import AttentionCleared
from lojasync.sales.history import Actor, HistoryType
from lojasync.sales.orders import CustomerLink, Order
from lojasync.shared.batching import chunks

log = logging.getLogger(__name__)

# The order's attention reason when erasing what a cancelled document kept failed (`erase_what_the_document_kept`).
ERASURE_PENDING_BEGINS = "LGPD: os dados pessoais do comprador mantidos para a NF-e ou venda simples cancelada"


def erasure_pending_reason(number: int) -> str:
    """What the back office reads when the erasure a cancellation owed failed: that the data are still there, and
    how to run it again (marking the order resolved does, `AttentionCleared`)."""
    return (f"{ERASURE_PENDING_BEGINS} (nome, CPF/CNPJ, endereço) ainda não puderam ser apagados. Marque o pedido "
            f"como resolvido para tentar de novo (no terminal: lojasync orders resolve {number}); se falhar outra "
            "vez, o motivo está no log do lojasync.")


def is_erasure_pending_reason(reason: str) -> bool:
    return reason.startswith(ERASURE_PENDING_BEGINS)


def erasure_still_pending(uow: ConnectorUnitOfWork, order_number: int) -> str | None:
    """The order's reason when the erasure its document's cancellation owed failed (`erase_what_the_document_kept`);
    None when it ran, or was not owed. What the cancel command and page add to their words: the cancellation stands,
    and they said only that (review: the failure showed on the order alone, where nobody cancelling looks)."""
    with uow:
        order = uow.orders.get(order_number, lines=False)
        reasons = order.attention_reasons if order is not None else []
        return next((reason for reason in reasons if is_erasure_pending_reason(reason)), None)


def store_redact(uow: ConnectorUnitOfWork, store: Store, event: WebhookEvent, body: dict) -> str:
    credentials = bool(store.access_token) or store.active
    store.access_token = ""  # the column is NOT NULL; an empty token is "erased" to the client
    store.active = False
    customer_ids = uow.lgpd.store_customer_ids(store.id)
    shared = uow.lgpd.customers_with_other_sources(customer_ids, store.id)
    # Kept for another source's orders, a customer keeps only what they say (`Customer.keep_only_contact_of`); one
    # this store never gave data to (made and linked by hand) is the operator's, left as it is.
    standing = uow.lgpd.newest_orders_of_other_sources(shared, store.id)
    given = uow.lgpd.customers_given_by_store(shared, store.id)
    rebuilt = sum(customer.keep_only_contact_of(*standing.get(cid, (None, None)))
                  for cid, customer in uow.customers.by_ids(set(standing) | given).items())
    processed = uow.lgpd.customers_with_processed_orders(customer_ids)
    customers = uow.customers.by_ids(customer_ids - shared)
    anonymised = sum(customers[cid].erase_personal_data(keep_fiscal=cid in processed) for cid in sorted(customers))
    orders = fiscal = 0
    for chunk in chunks(uow.lgpd.store_order_ids(store.id)):
        done, kept = redact_orders(uow, uow.lgpd.orders_with_bindings(store.id, chunk), HistoryType.LGPD_STORE_REDACT)
        orders, fiscal = orders + done, fiscal + kept
        # Write this chunk's history now: the unit of work stops holding these orders, so a large store is
        # erased in bounded memory (all in the same transaction still).
        uow.publish()
        uow.flush()
    # The data exports made for the store's customers hold what was just erased (review: they stayed for the 30 days
    # of their retention).
    raw_records = (uow.lgpd.clear_failure_payloads(store.id)
                   + strip_bodies(uow.webhook_events.of_store(store.id, CUSTOMER_EVENTS, exclude_id=event.id))
                   + uow.lgpd_exports.delete_of_store(store.id))
    params = {"credentials_removed": credentials, "customers": anonymised, "orders": orders, "shared": len(shared),
              "rebuilt": rebuilt, "fiscal": fiscal, "raw_records": raw_records}
    if credentials or anonymised or orders or raw_records:
        uow.store_log.record(store.id, StoreLogType.LGPD_STORE_REDACT, Actor.STORE.value, params)
    return render_store_log(StoreLogType.LGPD_STORE_REDACT, params)


def customers_redact(uow: ConnectorUnitOfWork, store: Store, event: WebhookEvent, body: dict) -> str:
    request = CustomerRequest.parse(body, "orders_to_redact")
    customer, company, rows = the_persons(uow, store, request)
    # Every ERP customer the store's data made of this person (review: a second one, made by a mistyped CPF, kept the
    # name, e-mail, phone and address); one that is someone else's too is kept.
    extra = other_customers(uow, store, request, customer, rows, company)
    redacted = [_redact_customer(uow, store, customer)] if customer is not None else []
    redacted += [(shared, False) if shared else _redact_customer(uow, store, each) for each, shared in extra]
    notes = [note for note, _ in redacted] or ["cliente não encontrado no ERP"]
    erased_now = any(erased for _, erased in redacted)
    orders, fiscal = redact_orders(uow, rows, HistoryType.LGPD_CUSTOMER_REDACT)
    external_ids = {b.external_id for _, b in rows} | set(request.order_ids)
    failures = [f for f in uow.lgpd.import_failures_of(store.id) if f.payload is not None
                and (f.external_id in external_ids or request.matches_order_payload(f.payload))]
    cleared = uow.lgpd.clear_failure_payloads(store.id, [f.id for f in failures]) if failures else 0
    others = [e for e in uow.webhook_events.of_store(store.id, CUSTOMER_EVENTS, exclude_id=event.id)
              if isinstance(e.body, dict) and request.matches_customer(e.body.get("customer"))]
    cleared += strip_bodies([*others, event])
    redacted_customers = {each.id for each, shared in [(customer, None), *extra] if each is not None and shared is None}
    cleared += uow.lgpd_exports.delete(export_id for export_id, content in uow.lgpd_exports.of_store(store.id)
                                       if _export_about(content, request, external_ids, redacted_customers))
    # An order known only by a failed import of it (its payload names the person, the request may not list it) is
    # remembered as erased too, by the store's id its failure is kept under (review: retried later, it came back
    # whole, a customer made again with the CPF).
    missing = sorted((set(request.order_ids) | {f.external_id for f in failures if f.retryable})
                     - {b.external_id for _, b in rows})
    remembered = _remember_redacted(uow, store, missing)
    # Ids and counts only: what the merchant answers the person with (what was erased, what the law keeps), kept in
    # the store's log (review: the summary was thrown away, and nothing said what had been kept, or why).
    params = {"notes": notes, "orders": orders, "fiscal": fiscal, "not_imported": remembered,
              "unknown": [external_id for external_id in missing if external_id not in remembered],
              "raw_records": cleared}
    if orders or cleared or erased_now:   # the same request handled again adds nothing
        uow.store_log.record(store.id, StoreLogType.LGPD_CUSTOMER_REDACT, Actor.STORE.value, params)
    return render_store_log(StoreLogType.LGPD_CUSTOMER_REDACT, params)


def _remember_redacted(uow: ConnectorUnitOfWork, store: Store, external_ids: list[str]) -> list[str]:
    """Orders the request lists that lojasync has not imported (yet): their link is made now, with no order, marked
    redacted, so that an import later (a failed one retried, the reconciliation catching up, the order's own event
    after this one) brings them without the person's data (review: they came back whole, a customer made again)."""
    now = datetime.now(timezone.utc)
    # Order ids of the store are numbers: nothing could ever be imported under anything else.
    ids = [i for i in external_ids if i.isascii() and i.isdigit() and len(i) <= 40]
    known = uow.bindings.orders_by_external_ids(store.id, ids, lock=True) if ids else {}
    for external_id in ids:
        binding = known.get(external_id)
        if binding is None:
            binding = OrderBinding(store.id, external_id)
            uow.bindings.add(binding)
        binding.redacted_at = binding.redacted_at or now
    return ids


def _export_about(content: object, request: CustomerRequest, external_ids: set[str], customer_ids: set[int]) -> bool:
    """Whether a data export (customers/data_request) holds the data of the person a redaction is about: asked for
    the same person, made of one of the customers erased, or holding one of the orders erased."""
    if not isinstance(content, dict):
        return False
    asked = content.get("request") if isinstance(content.get("request"), dict) else {}
    if request.matches_customer({"id": asked.get("store_customer_id"), "email": asked.get("email"),
                                 "identification": asked.get("identification")}):
        return True
    others = content.get("other_customers") if isinstance(content.get("other_customers"), list) else []
    for exported in [content.get("customer"), *others]:
        if isinstance(exported, dict) and (exported.get("id") in customer_ids or request.matches_customer(
                {"email": exported.get("email"), "identification": exported.get("tax_id")})):
            return True
    orders = content.get("orders") if isinstance(content.get("orders"), list) else []
    return any(isinstance(o, dict) and o.get("store_order_id") in external_ids for o in orders)


def _redact_customer(uow: ConnectorUnitOfWork, store: Store, customer: Customer) -> tuple[str, bool]:
    """Anonymise one customer of the person (the fiscal data kept when a document stands): what was done, in words,
    and whether anything was erased now."""
    if uow.lgpd.customers_with_other_sources([customer.id], store.id):
        # Kept, with only what those orders say: what this store alone gave goes (review: an e-mail only this store's
        # order had stayed in the ERP, for the other store's data export to hand over).
        # One this store never gave data to (made and linked by hand) is the operator's, left as it is (review: a
        # company so made became "Cliente <CNPJ>" with no address, which its NF-e would have named).
        standing = uow.lgpd.newest_orders_of_other_sources([customer.id], store.id).get(customer.id)
        given = standing is not None or bool(uow.lgpd.customers_given_by_store([customer.id], store.id))
        if not given or not customer.keep_only_contact_of(*(standing or (None, None))):
            return f"cliente {customer.id} mantido: também tem pedidos de outra origem", False
        return (f"cliente {customer.id} mantido: também tem pedidos de outra origem; nome, e-mail, telefone e "
                "endereço refeitos a partir desses pedidos"), True
    keep = bool(uow.lgpd.customers_with_processed_orders([customer.id]))
    if not customer.erase_personal_data(keep_fiscal=keep):
        return f"cliente {customer.id} já anonimizado", False
    if keep:
        return f"cliente {customer.id}: e-mail e telefone removidos; nome, CPF/CNPJ e endereço {FISCAL_KEPT}", True
    return f"cliente {customer.id} anonimizado", True


def redact_orders(uow: ConnectorUnitOfWork, rows: list[tuple[Order, OrderBinding]], request: HistoryType
                  ) -> tuple[int, int]:
    """Anonymise orders (each records it in its history); return (anonymised, kept for fiscal law)."""
    now = datetime.now(timezone.utc)
    orders = fiscal = 0
    for order, binding in rows:
        # Remembered on the binding: the importer keeps these orders anonymous from now on.
        binding.redacted_at = binding.redacted_at or now
        if order.erase_personal_data(request, Actor.STORE):
            orders += 1
            fiscal += order.is_processed()
    # Entries written before history was typed hold finished sentences, which may name the person.
    uow.order_history.erase_legacy_texts(order.id for order, _ in rows)
    return orders, fiscal


def erase_what_the_document_kept(event: DocumentCancelled | RefundCheckSettled | AttentionCleared,
                                 uow: ConnectorUnitOfWork) -> None:
    """An NF-e or a venda simples cancelled after the buyer's data were erased (LGPD): what the erasure held back for
    it (the order's recipient, the customer's name, CPF/CNPJ and address: `FISCAL_KEPT`) goes now, as if the request
    came now (review: cancel then redact erased them; redact then cancel kept them for good). Not while money the
    buyer paid may be owed back (a received receivable of the cancelled document to check): the person to refund is
    kept until it is checked (`RefundCheckSettled`, which runs this again; review).

    In a savepoint of the cancellation's transaction: the cancellation SEFAZ registered, and its stock and receivables
    reversed, must be recorded whatever happens to the erasure, which can wait (review: a failure of it rolled them
    all back). Failed, it is logged and the order flagged (`erasure_pending_reason`); the person who marks the order
    resolved runs it again (`AttentionCleared`)."""
    order = event.order
    if order.is_processed():
        return   # another document still stands: the law keeps the data for it
    if any(is_refund_check_reason(reason) for reason in order.attention_reasons):
        return
    failure = uow.attempt(lambda: _erase_what_the_document_kept(order, uow))
    if failure is None:
        order.withdraw_attention(is_erasure_pending_reason)
        return
    # Known by the order's number, never its buyer's data: a database's refusal comes in the unit of work's words,
    # without the driver's, which can quote the row (`SqlUnitOfWork.attempt`).
    log.error("LGPD erasure after a document's cancellation failed; the order is flagged to retry",
              extra={"order_id": order.id, "error": type(failure).__name__}, exc_info=failure)
    order.ask_for_a_person(erasure_pending_reason(order.id))


def _erase_what_the_document_kept(order: Order, uow: ConnectorUnitOfWork) -> None:
    """The erasure `erase_what_the_document_kept` owes, when the order was erased at someone's request and none of its
    receivables is still to be checked: the order's reason about them may be gone (a person marked the order resolved)
    while one, received before a cancellation, still says a refund may be owed, and to whom (review: cancelling
    another document of the order erased the buyer then)."""
    binding = uow.bindings.for_orders([order.id]).get(order.id)
    if binding is None or binding.redacted_at is None:
        return   # not erased at anyone's request
    if any(receivable.needs_attention for receivable in uow.receivables.list(order_id=order.id)):
        return   # `RefundCheckSettled`, when the last is checked, runs this again
    request = erasure_request(uow, order.id)
    customer = order.customer
    # The customer first, as customers/redact does: anonymised, it stays linked to the order; one someone else's
    # too (another store's orders), kept for another document, or linked to an order nobody asked to erase (the
    # buyer bought again after the request, giving their data anew: review) stays, and the order is unlinked from it.
    if customer is not None and order.customer_link == CustomerLink.STORE and not customer.is_anonymised() \
            and not uow.lgpd.customers_with_other_sources([customer.id], binding.store_id) \
            and not uow.lgpd.customers_with_processed_orders([customer.id]) \
            and not uow.lgpd.customers_with_orders_not_erased([customer.id]):
        customer.erase_personal_data(keep_fiscal=False)
    order.erase_personal_data(request, Actor.SYSTEM)


def erasure_request(uow: ConnectorUnitOfWork, order_id: int) -> HistoryType:
    """Who asked for the order's erasure, as its history says: the store (store/redact) or the customer (the last of
    them, when both did; the customer's when the history says neither)."""
    requests = [e.type for e in uow.order_history.for_order(order_id)
                if e.type in (HistoryType.LGPD_CUSTOMER_REDACT, HistoryType.LGPD_STORE_REDACT)]
    return HistoryType(requests[-1]) if requests else HistoryType.LGPD_CUSTOMER_REDACT
