"""Use case `import_order(s)`: store order payloads become orders in Pedidos/Orçamentos.

The fixed sequence (OCA connector style), for a whole page at once so 200 orders cost a few queries:
parse and map → skip what is not newer than what was imported → set aside orders the back office
already processed → resolve customers → resolve products → create or update → bind → history.
Imports never move stock or money, and never overwrite an order the back office has already processed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from lojasync.nuvemshop.errors import ImportConflictError, OrderNotSaved
from lojasync.nuvemshop.model.bindings import OrderBinding
from lojasync.nuvemshop.model.import_failures import ImportFailure
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.payloads import StoreOrder, parse_store_datetime
from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.import_prepare import Candidate, Failure, failure_key, prepare
from lojasync.nuvemshop.services.lgpd.redaction import erasure_request
from lojasync.nuvemshop.services.outcomes import ImportReport, ImportResult, Outcome
from lojasync.nuvemshop.services.resolve_customers import resolve_customers
from lojasync.nuvemshop.services.resolve_products import resolve_products
from lojasync.nuvemshop.services.write_back import orders_arrived, stock_may_differ
from lojasync.sales.events import ImportFailed, ImportRecovered
from lojasync.sales.history import Actor, Change, ChangeKind, HistoryType, Who
from lojasync.sales.history_text import store_state_label
from lojasync.sales.order_data import PERSONAL_FIELDS
from lojasync.sales.orders import Order, erasure_problem, is_store_change_reason, known_by_variant, sale_lines
from lojasync.sales.status import OrderStatus
from lojasync.shared.errors import DataRefused, WriteConflict

log = logging.getLogger("lojasync.import")

# Runs inside the import's transaction, just before commit (e.g. the sync's page checkpoint).
InTransaction = Callable[[ConnectorUnitOfWork], None]

_CONFLICT_RETRIES = 4

def import_order(uow: ConnectorUnitOfWork, store_id: int, payload: dict, policy: ImportPolicy,
                 actor: Who = Actor.SYNC) -> ImportResult:
    """Import one store order payload (see `import_orders`)."""
    return import_orders(uow, store_id, [payload], policy, actor).results[0]


def import_orders(uow: ConnectorUnitOfWork, store_id: int, payloads: list, policy: ImportPolicy,
                  actor: Who = Actor.SYNC, in_transaction: InTransaction | None = None) -> ImportReport:
    """Import a batch of store order payloads in one transaction; return one result per order.

    A concurrent importer may create the same order, customer or product first: the unique
    constraints reject our insert, and the whole batch is simply run again, finding theirs. When the
    database refuses one order for good, the batch is imported order by order so that one order is
    recorded as a failure and the others still arrive.
    """
    candidates, failures = prepare(payloads, policy)
    try:
        return _commit_batch(uow, store_id, candidates, failures, policy, actor, in_transaction)
    except (DataRefused, ImportConflictError) as exc:
        # Info, not a warning: nothing is lost on this path, and the order refused for good is recorded as an
        # import failure (which the person sees, in Portuguese); a line in English on the terminal said nothing.
        log.info("batch refused by the database, importing order by order",
                 extra={"store_id": store_id, "error_code": exc.code})
    report = ImportReport()
    for candidate in candidates:
        try:
            report.extend(_commit_batch(uow, store_id, [candidate], [], policy, actor, None))
        except (DataRefused, ImportConflictError) as exc:
            external_id = candidate.order.id
            reason = exc.params.get("reason", "conflito com outro importador")
            failures.append(Failure(failure_key(external_id, candidate.payload), external_id, candidate.payload,
                                    OrderNotSaved(external_id=external_id, reason=reason),
                                    f"o banco recusou os dados ({reason})"))
    report.extend(_commit_batch(uow, store_id, [], failures, policy, actor, in_transaction))
    return report


def _commit_batch(uow: ConnectorUnitOfWork, store_id: int, candidates: list[Candidate], failures: list[Failure],
                  policy: ImportPolicy, actor: Who, in_transaction: InTransaction | None) -> ImportReport:
    for _attempt in range(_CONFLICT_RETRIES):
        try:
            with uow:
                with uow.no_autoflush():
                    report = _import_batch(uow, store_id, candidates, policy, actor)
                    report.results += _record_failures(uow, store_id, failures, policy, actor)
                if in_transaction is not None:
                    in_transaction(uow)
                uow.commit()
                return report
        except WriteConflict as exc:
            log.info("import conflict, retrying batch", extra={"store_id": store_id, "reason": exc.params["reason"]})
    raise ImportConflictError()


def _is_up_to_date(binding: OrderBinding | None, candidate: Candidate) -> bool:
    """Skip a version older than the imported one, and any version whose content is the same.

    The content decides, not the stamp alone: the API has second resolution, and a newer stamp with
    the same ERP data is no news.
    """
    if binding is None or binding.order is None:
        return False
    return _older(binding, candidate) or binding.payload_hash == candidate.digest


def _older(binding: OrderBinding, candidate: Candidate) -> bool:
    """Whether this version's stamp is before the one the link keeps."""
    stored, incoming = binding.store_updated_at, candidate.order.updated_at
    return stored is not None and incoming is not None and incoming < stored


def _recovered(uow: ConnectorUnitOfWork, failures: dict, external_id: str, order: Order, actor: Who) -> None:
    """The order's earlier import failure, if any, is over: its history says so, and the failure goes."""
    failure = failures.pop(external_id, None)
    if failure is not None:
        order.record(ImportRecovered(order=order, actor=actor, attempts=failure.attempts))
        uow.failures.delete(failure)


def _newer(binding: OrderBinding, candidate: Candidate) -> bool:
    """Whether this version's stamp is after the one the link keeps (none kept: any stamp is)."""
    stored, incoming = binding.store_updated_at, candidate.order.updated_at
    return incoming is not None and (stored is None or incoming > stored)


def _import_batch(uow: ConnectorUnitOfWork, store_id: int, candidates: list[Candidate], policy: ImportPolicy,
                  actor: Who) -> ImportReport:
    results: list[tuple[ImportResult, OrderBinding | None]] = []
    bindings = uow.bindings.orders_by_external_ids(store_id, [c.order.id for c in candidates], lock=True)
    # Every order read whole now clears its earlier failure, whatever path it takes (review: one whose fixed version
    # was what the ERP held already, or that was processed, kept its failure for ever: fetched again on every sync,
    # its payload kept, the oldest failures ahead of the others in the retries).
    failures = uow.failures.by_external_ids(store_id, [c.order.id for c in candidates])
    todo: list[Candidate] = []
    # Products whose stock the stores may show wrong after this batch (`write_back.stock_may_differ`).
    differing: set[int] = set()
    for candidate in candidates:
        binding = bindings.get(candidate.order.id)
        if _is_up_to_date(binding, candidate):
            if _newer(binding, candidate):
                _update_binding(binding, candidate)  # newer stamp, same content: remember the stamp
            # An older version changes nothing, not even the link's stamp and states: written back (review), the
            # next version older than the newest passed as new and was applied (a cancelled order reopened), and an
            # invoiced order's "cancele a NF-e" went away.
            if not _older(binding, candidate):
                _recovered(uow, failures, candidate.order.id, binding.order, actor)
            results.append((ImportResult(candidate.order.id, Outcome.UNCHANGED, binding.order.id), None))
        elif (binding is None or binding.order is None) and policy.before_start(candidate.order.created_at):
            # Older than the orders the merchant chose to bring in: nothing is written (no order, no customer, no
            # binding), so a data inicial moved back later brings it in at the next full sync. One already in the ERP
            # is updated as any other: what the ERP holds stays in step with the store.
            results.append((ImportResult(candidate.order.id, Outcome.BEFORE_START), None))
            earlier = failures.pop(candidate.order.id, None)
            if earlier is not None:   # read whole now, and not wanted: nothing left to retry
                uow.failures.delete(earlier)
        elif binding is not None and binding.order is not None and binding.order.is_processed():
            # Set aside before resolving dependencies: a processed order must not touch customers
            # or products either.
            results.append((_processed_order_changed(binding, candidate, actor, differing), None))
            _recovered(uow, failures, candidate.order.id, binding.order, actor)
        else:
            todo.append(candidate)

    # Orders whose customer asked for erasure (LGPD) never bring a customer back.
    customers = resolve_customers(uow, store_id, [(c.order, c.data) for c in todo
                                                  if not _redacted(bindings.get(c.order.id))])
    products = resolve_products(uow, store_id, [c.data for c in todo], policy.unknown_sku)
    reserving: list[tuple[datetime | None, int]] = []   # (placed at, product) of each new order's lines

    for candidate in todo:
        external_id, data = candidate.order.id, candidate.data
        binding = bindings.get(external_id)
        if _redacted(binding):
            # Said as whoever asked: an order of a store that asked (store/redact) read again (the store installed
            # anew) was said erased "a pedido do cliente". One listed by a customers/redact before its import: the
            # customer's.
            request = (erasure_request(uow, binding.order.id) if binding.order is not None
                       else HistoryType.LGPD_CUSTOMER_REDACT)
            data = data.without_personal_data(erasure_problem(request))
        customer = customers.get(external_id)
        lines_products = [products.for_line(line) for line in data.lines]
        if binding is None:
            binding = OrderBinding(store_id, external_id)
            uow.bindings.add(binding)
        order = binding.order
        if order is None:
            order = Order()
            order.import_new(data, customer, lines_products, actor)
            binding.order = order
            result = ImportResult(external_id, Outcome.CREATED)
            if order.status is not OrderStatus.CANCELLED:
                reserving.extend((order.placed_at, p.id) for p in lines_products if getattr(p, "id", None))
        else:
            before = _reserving(order)
            order.update_from_store(data, customer, lines_products, _store_state_changes(binding, candidate.order),
                                    actor)
            if _money_given_back(binding, candidate.order):
                # A document still to be sent or confirmed would stand for money the store gave back: fiscal says so.
                order.payment_returned_in_store(store_state_label("payment_status", candidate.order.payment_status))
            after = _reserving(order)
            # The products whose reserved units changed (quantities, products, cancelled): the stores are told.
            differing.update(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
            result = ImportResult(external_id, Outcome.UPDATED)
        _update_binding(binding, candidate)
        _recovered(uow, failures, external_id, order, actor)
        results.append((result, binding))
    uow.flush()
    # After the flush: a variant this batch bound (its first order in this store) is one the stores are told of.
    orders_arrived(uow, store_id, reserving)
    stock_may_differ(uow, differing)
    # Order numbers exist only after the flush.
    return ImportReport([
        replace(result, order_number=binding.order.id) if binding is not None else result
        for result, binding in results
    ])


def _reserving(order: Order) -> dict[int, int]:
    """The units of each product the order's lines hold (none once cancelled): what its stock reservation is made of."""
    if order.status is OrderStatus.CANCELLED:
        return {}
    units: dict[int, int] = {}
    for line in order.lines:
        product_id = getattr(line.product, "id", None)
        if product_id is not None:
            units[product_id] = units.get(product_id, 0) + line.quantity
    return units


def _redacted(binding: OrderBinding | None) -> bool:
    return binding is not None and binding.redacted_at is not None


def _store_state_changes(binding: OrderBinding, store_order: StoreOrder) -> list[Change]:
    states = (("status", binding.store_status, store_order.status),
              ("payment_status", binding.store_payment_status, store_order.payment_status),
              ("shipping_status", binding.store_shipping_status, store_order.shipping_status_normalized))
    return [Change(ChangeKind.STORE_STATE, name=name, after=new) for name, old, new in states if old != new and new]


# The store's payment statuses that say the money was given back, in full or in part, or never taken.
MONEY_GIVEN_BACK = frozenset({"refunded", "partially_refunded", "voided"})


def _money_given_back(binding: OrderBinding | None, store_order: StoreOrder) -> bool:
    """The store's payment status says, newly, that the money was given back or never taken."""
    return (store_order.payment_status in MONEY_GIVEN_BACK
            and (binding is None or store_order.payment_status != binding.store_payment_status))


def _processed_order_changed(binding: OrderBinding, candidate: Candidate, actor: Who, differing: set[int]
                             ) -> ImportResult:
    """A newer version of an order the back office processed: nothing its fiscal document stands on is
    overwritten. The same sale paid later (a boleto or Pix after the NF-e) is taken as it is, and so are the
    buyer's contact and note; a change of the sale itself, or of anything else its document took (an address,
    the payment method), is flagged for a person and left unapplied: the binding keeps a "held" mark instead of
    that content's digest, so the same content is flagged once and, once the document is cancelled, the next
    read of the order applies it. `differing`: gets the order's products when the store changed the sale
    (a cancellation may restock them)."""
    order, data, store_order = binding.order, candidate.data, candidate.order
    if binding.payload_hash == _held(candidate.digest):   # this very content was flagged already
        _update_binding(binding, candidate, applied=False)
        return ImportResult(store_order.id, Outcome.UNCHANGED, order.id)
    # An item without a SKU is known by its store variant (kept on the line as the store's order named it, not
    # through the variant's binding now: the store may have deleted the variant, or given it a SKU, since).
    by_variant = known_by_variant(data.lines, order.lines)
    same_lines = sale_lines(data.lines, by_variant) == sale_lines(order.lines, by_variant)
    # Erased (LGPD): nobody's data is taken again, nor compared (erasure blanked what the document does not need).
    free, held = order.store_details(data, ignore=PERSONAL_FIELDS if _redacted(binding) else ())
    paid = order.status is OrderStatus.OPEN and data.status is OrderStatus.CONFIRMED
    # The buyer's contact and note and the store's states are taken whatever else changed: no document holds them.
    taken = order.take_store_details(data, free)
    states = _store_state_changes(binding, store_order)
    # Money given back (refunded, voided) changes what the document's receivables stand on, whatever status it maps
    # to (review: an order "Em Aberto", card authorised then voided, kept its receivables open with nobody told; only
    # a paid one, going back to "Em Aberto", was flagged). A later version of that very change (shipped, a note) stays
    # flagged until the store takes the payment again (taken for "the same sale", it undid the flag); an order
    # processed while already refunded in part is no money given back since (an address change the store undid was
    # made a sticky flag: both found by reviews of this session's commits).
    money_back = _money_given_back(binding, store_order) or (
        store_order.payment_status in MONEY_GIVEN_BACK
        and order.still_holds(data, held, store_order.status, store_order.payment_status))
    if (same_lines and data.total == order.total and not held and not money_back
            and _by_the_table(order, binding, candidate)):
        # The store changed nothing the document stands on, and the status here differs only by the table changed
        # since: not the store's change, so not flagged (review: a table change flagged every processed order at the
        # next full sync, asking to cancel its NF-e); kept as held content, which the first read after the document
        # is cancelled applies (review of that fix: stored as applied, the order never took the new table).
        order.note_store_states(taken + states, actor)
        _update_binding(binding, candidate, applied=False)
        return ImportResult(store_order.id, Outcome.UPDATED if taken else Outcome.UNCHANGED, order.id)
    same_sale = (same_lines and data.total == order.total and (data.status == order.status or paid)
                 and not money_back)
    if same_sale:
        # The same sale, a payment received later included (a boleto or a Pix paid after the NF-e): taken as it is;
        # what its document took (`held`) is flagged below.
        if paid:
            order.paid_in_store(taken + states, actor)
        else:
            order.note_store_states(taken + states, actor)
        if not held:
            if order.status is OrderStatus.CANCELLED and order.held_change is not None \
                    and not order.asks_to_cancel_a_late_document:
                # Cancelled again after the store had reopened it: the order's document (an NF-e SEFAZ authorised
                # after the first cancellation) stands for a cancelled order, and is to be cancelled again (asked
                # once: later versions, shipped or delivered, digest the same).
                _update_binding(binding, candidate)
                reason = order.flag_store_change(data, store_order.status, store_order.payment_status, actor)
                if reason is None:
                    return ImportResult(store_order.id, Outcome.UPDATED if taken else Outcome.UNCHANGED, order.id)
                return ImportResult(store_order.id, Outcome.ATTENTION, order.id, reason)
            order.store_change_undone(actor)
            _update_binding(binding, candidate)
            return ImportResult(store_order.id, Outcome.UPDATED if paid or taken else Outcome.UNCHANGED, order.id)
    else:
        # The flag says the store's status and payment; the rest it took is said as an update.
        order.note_store_states(taken + [c for c in states if c.name == "shipping_status"], actor, sale_changed=True)
        held = ["lines", *held] if not same_lines else held
        differing.update(_reserving(order))
    if _flagged_before_it_was_kept(binding, candidate):
        order.remember_held_change(data, store_order.status, store_order.payment_status, held,
                                   sale_changed=not same_sale)
        _update_binding(binding, candidate, applied=False)
        return ImportResult(store_order.id, Outcome.UPDATED if taken else Outcome.UNCHANGED, order.id)
    reason = order.flag_store_change(data, store_order.status, store_order.payment_status, actor, held,
                                     sale_changed=not same_sale)
    _update_binding(binding, candidate, applied=False)
    if reason is None:   # this very change was flagged before: a person has it, or decided to keep the document
        taken_now = taken or (paid and same_sale)   # a payment of a changed sale is held, not taken
        return ImportResult(store_order.id, Outcome.UPDATED if taken_now else Outcome.UNCHANGED, order.id)
    return ImportResult(store_order.id, Outcome.ATTENTION, order.id, reason)


def _by_the_table(order: Order, binding: OrderBinding, candidate: Candidate) -> bool:
    """Whether a processed order's status differs from the store's version only by the status table: the store's own
    states are those the binding kept, and no store change is held or asked about (the binding keeps the states of a
    change held back too: review of this check, which took a flagged store cancellation, read again, for the table's
    and withdrew its flag)."""
    store_order = candidate.order
    return (candidate.data.status != order.status and binding.store_status is not None
            and (binding.store_status, binding.store_payment_status) == (store_order.status, store_order.payment_status)
            and order.held_change is None and not any(is_store_change_reason(r) for r in order.attention_reasons))


def _flagged_before_it_was_kept(binding: OrderBinding, candidate: Candidate) -> bool:
    """A change held back (the binding's held mark) by a version from before the order kept what it held (0034),
    and the store's order not changed since it was read then: the very change flagged before, whatever digest this
    version makes of it (its content digest grew since, so the held mark no longer matches)."""
    stored, incoming = binding.store_updated_at, candidate.order.updated_at
    return (binding.order.held_change is None and (binding.payload_hash or "").startswith("held:")
            and stored is not None and incoming is not None and incoming <= stored)


def _update_binding(binding: OrderBinding, candidate: Candidate, applied: bool = True) -> None:
    """The store's states and stamp as read; `applied` False: the content was not taken (a processed order's
    sale changed), so its digest is not kept and the next read of the same content still applies it."""
    store_order = candidate.order
    binding.external_number = (store_order.number or "")[:40] or None
    # Unknown enum values are kept as data, within the column.
    binding.store_status = (store_order.status or "")[:40] or None
    binding.store_payment_status = (store_order.payment_status or "")[:40] or None
    binding.store_shipping_status = (store_order.shipping_status_normalized or "")[:40] or None
    binding.store_cancel_reason = (store_order.cancel_reason or "")[:40] or None
    binding.store_updated_at = store_order.updated_at
    binding.payload_hash = candidate.digest if applied else _held(candidate.digest)


def _held(digest: str) -> str:
    """What the binding keeps for content seen and held back: never equal to a digest (hex only), so the same
    content read again is applied once the order may take it, and flagged only once meanwhile."""
    return f"held:{digest[:59]}"


def _record_failures(uow: ConnectorUnitOfWork, store_id: int, failures: list[Failure], policy: ImportPolicy,
                     actor: Who) -> list[ImportResult]:
    """Keep the payload and the error: nothing the store sent is lost, and the next sync retries it."""
    if not failures:
        return []
    known = uow.failures.by_external_ids(store_id, [f.key for f in failures])
    existing = uow.bindings.orders_by_external_ids(store_id, [f.external_id for f in failures if f.external_id])
    results = []
    for failure in failures:
        binding = existing.get(failure.external_id or "")
        if (binding is None or binding.order is None) and policy.before_start(_placed_at(failure.payload)):
            # Older than the orders brought in, and not in the ERP: nothing of it is kept, its buyer's data least of
            # all, nor retried (review: one that could not be read was kept as a failure to fix, payload included).
            earlier = known.pop(failure.key, None)
            if earlier is not None:
                uow.failures.delete(earlier)
            results.append(ImportResult(failure.external_id, Outcome.BEFORE_START))
            continue
        record = known.get(failure.key)
        if record is None:
            record = ImportFailure(store_id, failure.key)
            uow.failures.add(record)
            known[failure.key] = record
        record.error = failure.error.message
        record.error_code = failure.error.code
        record.resolution = failure.error.resolution
        record.attempts = (record.attempts or 0) + 1
        record.retryable = failure.external_id == failure.key
        # An order erased at the person's request (LGPD) keeps nothing the store sent about them, failed or not
        # (review: a version that failed after the redaction kept the name, e-mail and CPF here, for the next
        # data_request to export). Nothing reads it back to retry: the next read asks the store again.
        record.payload = None if _redacted(binding) else (
            failure.payload if isinstance(failure.payload, dict) else {"raw": str(failure.payload)[:2000]})
        uow.store_log.record(store_id, StoreLogType.IMPORT_FAILED, actor.value,
                             {"external_id": failure.key, "error_code": failure.error.code, "error": failure.summary})
        if binding is not None and binding.order is not None:
            # An update of an order already in the ERP: its history says so too.
            binding.order.record(ImportFailed(order=binding.order, actor=actor, error=failure.summary))
        results.append(ImportResult(failure.external_id, Outcome.FAILED, None, failure.error.message,
                                    failure.error))
    return results


def _placed_at(payload) -> datetime | None:
    """When the store says an order it sent unreadable was created, if that much can be read."""
    try:
        return parse_store_datetime(payload.get("created_at")) if isinstance(payload, dict) else None
    except (ValueError, TypeError):
        return None
