"""Use case `import_order(s)`: store order payloads become orders in Pedidos/Orçamentos.

The fixed sequence (OCA connector style), for a whole page at once so 200 orders cost a few queries:
parse and map → skip what is not newer than what was imported → set aside orders the back office
already processed → resolve customers → resolve products → create or update → bind → log.
Imports never move stock or money, and never overwrite an order the back office has already processed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from lojasync.nuvemshop.mapper import map_order
from lojasync.nuvemshop.payloads import PayloadError, StoreOrder, parse_order
from lojasync.nuvemshop.model.records import ImportFailure, OrderBinding
from lojasync.sales.history import LogLevel
from lojasync.sales.orders import Order, OrderData
from lojasync.shared.tax_id import CUSTOMER_PROBLEM_RESOLUTION
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.outcomes import ImportReport, ImportResult, Outcome
from lojasync.nuvemshop.services.resolve_customers import resolve_customers
from lojasync.nuvemshop.services.resolve_products import resolve_products
from lojasync.db.unit_of_work import UnitOfWork

log = logging.getLogger("lojasync.import")

UowFactory = Callable[[], UnitOfWork]
# Runs inside the import's transaction, just before commit (e.g. the sync's page checkpoint).
InTransaction = Callable[[UnitOfWork], None]

_CONFLICT_RETRIES = 4
_PAYLOAD_RESOLUTION = ("Confira o pedido na loja (campos apontados no erro). A próxima sincronização tenta de "
                       "novo; para tentar agora use `lojasync sync`.")
_DATABASE_RESOLUTION = ("O banco recusou os dados deste pedido (valor fora do formato aceito). Confira o pedido "
                        "na loja; os demais pedidos do lote foram importados. A próxima sincronização tenta de novo.")


@dataclass
class _Candidate:
    payload: dict
    order: StoreOrder
    data: OrderData
    digest: str


@dataclass
class _Failure:
    key: str                 # the store order id, or a digest of the payload when it has none
    external_id: str | None
    payload: object
    message: str
    resolution: str


class ImportConflictError(RuntimeError):
    """The batch kept colliding with other importers; nothing was written, the caller may retry."""


def import_order(uow_factory: UowFactory, store_id: int, payload: dict, policy: ImportPolicy,
                 source: str = "sync") -> ImportResult:
    """Import one store order payload (see `import_orders`)."""
    return import_orders(uow_factory, store_id, [payload], policy, source).results[0]


def import_orders(uow_factory: UowFactory, store_id: int, payloads: list, policy: ImportPolicy,
                  source: str = "sync", in_transaction: InTransaction | None = None) -> ImportReport:
    """Import a batch of store order payloads in one transaction; return one result per order.

    A concurrent importer may create the same order, customer or product first: the unique
    constraints reject our insert, and the whole batch is simply run again, finding theirs. When the
    database refuses one order for good, the batch is imported order by order so that one order is
    recorded as a failure and the others still arrive.
    """
    candidates, failures = _prepare(payloads, policy)
    try:
        return _commit_batch(uow_factory, store_id, candidates, failures, policy, source, in_transaction)
    except (DBAPIError, ImportConflictError) as exc:
        log.warning("batch refused by the database, importing order by order",
                    extra={"store_id": store_id, "error_class": type(exc).__name__})
    report = ImportReport()
    for candidate in candidates:
        try:
            report.extend(_commit_batch(uow_factory, store_id, [candidate], [], policy, source, None))
        except (DBAPIError, ImportConflictError) as exc:
            failures.append(_Failure(_failure_key(candidate.order.id, candidate.payload), candidate.order.id,
                                     candidate.payload,
                                     f"Pedido {candidate.order.id} não pôde ser gravado ({_describe(exc)}).",
                                     _DATABASE_RESOLUTION))
    report.extend(_commit_batch(uow_factory, store_id, [], failures, policy, source, in_transaction))
    return report


def _commit_batch(uow_factory: UowFactory, store_id: int, candidates: list[_Candidate], failures: list[_Failure],
                  policy: ImportPolicy, source: str, in_transaction: InTransaction | None) -> ImportReport:
    for _attempt in range(_CONFLICT_RETRIES):
        try:
            with uow_factory() as uow:
                with uow.session.no_autoflush:
                    report = _import_batch(uow, store_id, candidates, policy, source)
                    report.results += _record_failures(uow, store_id, failures, source)
                if in_transaction is not None:
                    in_transaction(uow)
                uow.commit()
                return report
        except (IntegrityError, OperationalError) as exc:
            # OperationalError covers PostgreSQL deadlocks/serialisation failures between importers.
            log.info("import conflict, retrying batch", extra={"store_id": store_id, "error_class": _describe(exc)})
    raise ImportConflictError(f"lote recusado {_CONFLICT_RETRIES} vezes por conflito com outro importador")


def _describe(exc: Exception) -> str:
    """The error's kind and constraint, never its SQL or parameters (they carry personal data)."""
    original = getattr(exc, "orig", None)
    constraint = getattr(getattr(original, "diag", None), "constraint_name", None)
    kind = type(original or exc).__name__
    return f"{kind}: {constraint}" if constraint else kind


def _prepare(payloads: list, policy: ImportPolicy) -> tuple[list[_Candidate], list[_Failure]]:
    newest: dict[str, _Candidate] = {}
    failures: dict[str, _Failure] = {}
    fingerprint = policy.fingerprint()
    for payload in payloads:
        try:
            order = parse_order(payload)
            data = map_order(order, policy.rules)
        except (PayloadError, ValueError, KeyError, TypeError) as exc:
            external_id = getattr(exc, "external_id", None) or _raw_id(payload)
            key = _failure_key(external_id, payload)
            message = getattr(exc, "message", None) or f"Pedido {external_id or '?'} da loja com dados inválidos: {exc}"
            failures[key] = _Failure(key, external_id, payload, message, _PAYLOAD_RESOLUTION)
            continue
        seen = newest.get(order.id)
        # The same order twice in one batch (overlapping pages): keep the newest version.
        if seen is None or _newer_or_same(order, seen.order):
            newest[order.id] = _Candidate(payload, order, data, _content_digest(order, data, fingerprint))
    return list(newest.values()), list(failures.values())


def _content_digest(order: StoreOrder, data: OrderData, fingerprint: str) -> str:
    # What the ERP takes from the order, not the raw payload: the embedded customer aggregates
    # (total_spent, last_order_id) change whenever the buyer orders again and are not news.
    states = (order.status, order.payment_status, order.shipping_status_normalized)
    return _digest(f"{data!r}|{states!r}|{fingerprint}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _failure_key(external_id: str | None, payload: object) -> str:
    """The store order id, or (no id, or one too long for any id column) a digest of the payload."""
    if external_id and len(external_id) <= 40:
        return external_id
    return f"{'sem-id' if not external_id else 'id-longo'}-{_digest(repr(payload))[:24]}"


def _raw_id(payload: object) -> str | None:
    if isinstance(payload, dict) and payload.get("id") not in (None, ""):
        return str(payload["id"])
    return None


def _newer_or_same(a: StoreOrder, b: StoreOrder) -> bool:
    if a.updated_at is None or b.updated_at is None:
        return True
    return a.updated_at >= b.updated_at


def _is_up_to_date(binding: OrderBinding | None, candidate: _Candidate) -> bool:
    """Skip a version older than the imported one, and any version whose content is the same.

    The content decides, not the stamp alone: the API has second resolution, and a newer stamp with
    the same ERP data is no news.
    """
    if binding is None or binding.order is None:
        return False
    stored, incoming = binding.store_updated_at, candidate.order.updated_at
    if stored is not None and incoming is not None and incoming < stored:
        return True
    return binding.payload_hash == candidate.digest


def _import_batch(uow: UnitOfWork, store_id: int, candidates: list[_Candidate], policy: ImportPolicy,
                  source: str) -> ImportReport:
    results: list[tuple[ImportResult, OrderBinding | None]] = []
    bindings = uow.bindings.orders_by_external_ids(store_id, [c.order.id for c in candidates], lock=True)
    todo: list[_Candidate] = []
    for candidate in candidates:
        binding = bindings.get(candidate.order.id)
        if _is_up_to_date(binding, candidate):
            if binding.store_updated_at != candidate.order.updated_at:
                _update_binding(binding, candidate)  # newer stamp, same content: remember the stamp
            results.append((ImportResult(candidate.order.id, Outcome.UNCHANGED, binding.order.id), None))
        elif binding is not None and binding.order is not None and binding.order.is_processed():
            # Set aside before resolving dependencies: a processed order must not touch customers
            # or products either.
            results.append((_processed_order_changed(uow, store_id, binding, candidate, source), None))
            _update_binding(binding, candidate)
        else:
            todo.append(candidate)

    # Orders whose customer asked for erasure (LGPD) never bring a customer back.
    customers = resolve_customers(uow, store_id, [(c.order, c.data) for c in todo
                                                  if not _redacted(bindings.get(c.order.id))])
    products = resolve_products(uow, store_id, [c.data for c in todo], policy.unknown_sku)
    failures = uow.failures.by_external_ids(store_id, [c.order.id for c in todo])

    for candidate in todo:
        external_id, data = candidate.order.id, candidate.data
        binding = bindings.get(external_id)
        if binding is not None and binding.redacted_at is not None:
            data = _without_personal_data(data)
        customer = customers.get(external_id)
        lines_products = [products.for_line(line) for line in data.lines]
        if binding is None:
            binding = OrderBinding(store_id, external_id)
            uow.bindings.add(binding)
        order = binding.order
        if order is None:
            order = Order()
            order.apply(data, customer, lines_products)
            binding.order = order
            result = ImportResult(external_id, Outcome.CREATED)
            _log(uow, store_id, external_id, order, "created",
                 f"Pedido #{data.origin_number} importado da loja como {data.status.label}.", source)
            _log_customer_problem(uow, store_id, external_id, order, data, source)
        else:
            changes = order.apply(data, customer, lines_products)
            changes += _store_state_changes(binding, candidate.order)
            result = ImportResult(external_id, Outcome.UPDATED)
            if changes:
                _log(uow, store_id, external_id, order, "updated",
                     f"Pedido atualizado pela loja: {'; '.join(changes)}.", source)
            if order.customer is None and any(c.startswith("sem cliente") for c in changes):
                _log_customer_problem(uow, store_id, external_id, order, data, source)
            if order.customer is not None and data.customer is None and data.customer_problem:
                _log(uow, store_id, external_id, order, "customer_kept",
                     f"A loja não enviou CPF/CNPJ válido ({data.customer_problem}); o cliente já vinculado "
                     f"({order.customer.name}) foi mantido.", source, LogLevel.WARNING)
        for line, product in zip(data.lines, lines_products):
            if product is None:
                _log(uow, store_id, external_id, order, "unknown_sku",
                     f"Item '{line.name}' (SKU {line.sku or 'vazio'}) sem produto no ERP: ficou sem vínculo. "
                     "Resolução: cadastre o produto com esse SKU ou vincule o item manualmente.",
                     source, LogLevel.WARNING)
        _update_binding(binding, candidate)
        if external_id in failures:
            _log(uow, store_id, external_id, order, "recovered",
                 f"Importado após {failures[external_id].attempts} falha(s) anterior(es).", source)
            uow.failures.delete(failures[external_id])
        results.append((result, binding))
    uow.flush()
    # Order numbers exist only after the flush.
    return ImportReport([
        replace(result, order_number=binding.order.id) if binding is not None else result
        for result, binding in results
    ])


def _redacted(binding: OrderBinding | None) -> bool:
    return binding is not None and binding.redacted_at is not None


def _without_personal_data(data: OrderData) -> OrderData:
    return replace(data, customer=None, customer_problem="dados pessoais anonimizados a pedido do cliente (LGPD)",
                   contact_name=None, contact_email=None, contact_phone=None, contact_document=None,
                   billing_address=None, shipping_address=None, note=None)


def _store_state_changes(binding: OrderBinding, store: StoreOrder) -> list[str]:
    labels = (("situação na loja", binding.store_status, store.status),
              ("pagamento na loja", binding.store_payment_status, store.payment_status),
              ("envio na loja", binding.store_shipping_status, store.shipping_status_normalized))
    return [f"{label}: {new}" for label, old, new in labels if old != new and new]


def _processed_order_changed(uow: UnitOfWork, store_id: int, binding: OrderBinding, candidate: _Candidate,
                             source: str) -> ImportResult:
    order, data, store = binding.order, candidate.data, candidate.order
    material = (data.status != order.status or data.total != order.total
                or [(ln.sku, ln.quantity, ln.unit_price) for ln in data.lines]
                != [(ln.sku, ln.quantity, ln.unit_price) for ln in order.lines])
    if not material:
        changes = _store_state_changes(binding, store)
        if changes:
            _log(uow, store_id, store.id, order, "store_update",
                 f"A loja atualizou o pedido já processado sem mudar situação, itens ou total: {'; '.join(changes)}.",
                 source)
        return ImportResult(store.id, Outcome.UNCHANGED, order.id)
    what = (f"situação na loja: {store.status or '?'}, pagamento: {store.payment_status or '?'}; "
            f"aqui seria {data.status.label}, total {data.total}")
    reason = (f"A loja alterou o pedido #{data.origin_number} depois de processado ({order.processed_reason}): "
              f"{what}. Nada foi desfeito automaticamente: confira e, se for o caso, cancele a NF-e ou a venda.")
    order.flag_for_attention(reason)
    _log(uow, store_id, store.id, order, "attention", reason, source, LogLevel.WARNING,
         details={"store_status": store.status, "payment_status": store.payment_status})
    return ImportResult(store.id, Outcome.ATTENTION, order.id, reason)


def _update_binding(binding: OrderBinding, candidate: _Candidate) -> None:
    store = candidate.order
    binding.external_number = (store.number or "")[:40] or None
    # Unknown enum values are kept as data, within the column.
    binding.store_status = (store.status or "")[:40] or None
    binding.store_payment_status = (store.payment_status or "")[:40] or None
    binding.store_shipping_status = (store.shipping_status_normalized or "")[:40] or None
    binding.store_updated_at = store.updated_at
    binding.payload_hash = candidate.digest


def _log_customer_problem(uow: UnitOfWork, store_id: int, external_id: str, order: Order, data: OrderData,
                          source: str) -> None:
    if data.customer is None and order.customer is None:
        _log(uow, store_id, external_id, order, "customer_missing",
             f"Pedido sem cliente: {data.customer_problem}. Resolução: {CUSTOMER_PROBLEM_RESOLUTION}",
             source, LogLevel.WARNING)


def _log(uow: UnitOfWork, store_id: int, external_id: str | None, order: Order | None, event: str,
         message: str, source: str, level: LogLevel = LogLevel.INFO, details: dict | None = None) -> None:
    uow.log.record(store_id, external_id, event, message, level.value, order, {"source": source, **(details or {})})


def _record_failures(uow: UnitOfWork, store_id: int, failures: list[_Failure], source: str) -> list[ImportResult]:
    """Keep the payload and the error: nothing the store sent is lost, and the next sync retries it."""
    if not failures:
        return []
    known = uow.failures.by_external_ids(store_id, [f.key for f in failures])
    results = []
    for failure in failures:
        record = known.get(failure.key)
        if record is None:
            record = ImportFailure(store_id, failure.key)
            uow.failures.add(record)
            known[failure.key] = record
        record.error = failure.message
        record.resolution = failure.resolution
        record.attempts = (record.attempts or 0) + 1
        record.retryable = failure.external_id == failure.key
        record.payload = failure.payload if isinstance(failure.payload, dict) else {"raw": str(failure.payload)[:2000]}
        _log(uow, store_id, failure.key, None, "failed", f"{failure.message} Resolução: {failure.resolution}",
             source, LogLevel.ERROR)
        results.append(ImportResult(failure.external_id, Outcome.FAILED, None, failure.message))
    return results
