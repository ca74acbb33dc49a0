"""Use case `import_order(s)`: store order payloads become orders in Pedidos/Orçamentos.

The fixed sequence (OCA connector style), for a whole page at once so 200 orders cost a few queries:
parse → skip what is not newer than what was imported → resolve customers → resolve products → map →
create or update → bind → log. Imports never move stock or money, and never overwrite an order the
back office has already processed.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy.exc import IntegrityError, OperationalError

from lojasync.adapters.nuvemshop.mapper import map_order
from lojasync.adapters.nuvemshop.payloads import PayloadError, StoreOrder, parse_order
from lojasync.adapters.nuvemshop.records import ImportFailure, OrderBinding
from lojasync.domain.audit import LogLevel
from lojasync.domain.orders import Order, OrderData
from lojasync.domain.tax_id import CUSTOMER_PROBLEM_RESOLUTION
from lojasync.services.import_policy import ImportPolicy
from lojasync.services.outcomes import ImportReport, ImportResult, Outcome
from lojasync.services.resolve_customers import resolve_customers
from lojasync.services.resolve_products import resolve_products
from lojasync.services.unit_of_work import UnitOfWork

log = logging.getLogger("lojasync.import")

UowFactory = Callable[[], UnitOfWork]
# Runs inside the import's transaction, just before commit (e.g. the sync's page checkpoint).
InTransaction = Callable[[UnitOfWork], None]

_CONFLICT_RETRIES = 4


@dataclass
class _Candidate:
    payload: dict
    order: StoreOrder
    payload_hash: str


def import_order(uow_factory: UowFactory, store_id: int, payload: dict, policy: ImportPolicy,
                 source: str = "sync") -> ImportResult:
    """Import one store order payload (see `import_orders`)."""
    return import_orders(uow_factory, store_id, [payload], policy, source).results[0]


def import_orders(uow_factory: UowFactory, store_id: int, payloads: list[dict], policy: ImportPolicy,
                  source: str = "sync", in_transaction: InTransaction | None = None) -> ImportReport:
    """Import a batch of store order payloads in one transaction; return one result per payload.

    A concurrent importer may create the same order, customer or product first: the unique
    constraints reject our insert, and the whole batch is simply run again, finding theirs.
    """
    candidates, parse_failures = _parse(payloads, policy)
    last_error: Exception | None = None
    for _attempt in range(_CONFLICT_RETRIES):
        try:
            with uow_factory() as uow:
                with uow.session.no_autoflush:
                    report = _import_batch(uow, store_id, candidates, policy, source)
                    for failure in parse_failures:
                        report.results.append(_record_failure(uow, store_id, failure, source))
                if in_transaction is not None:
                    in_transaction(uow)
                uow.commit()
                return report
        except (IntegrityError, OperationalError) as exc:
            # OperationalError covers PostgreSQL deadlocks/serialisation failures between importers.
            log.info("import conflict, retrying batch", extra={"store_id": store_id, "error": str(exc)[:200]})
            last_error = exc
    raise ImportConflictError(f"Não foi possível gravar o lote após {_CONFLICT_RETRIES} tentativas: {last_error}")


class ImportConflictError(RuntimeError):
    pass


def _parse(payloads: list[dict], policy: ImportPolicy) -> tuple[list[_Candidate], list[tuple[dict, PayloadError]]]:
    newest: dict[str, _Candidate] = {}
    failures: list[tuple[dict, PayloadError]] = []
    fingerprint = policy.fingerprint()
    for payload in payloads:
        try:
            order = parse_order(payload)
        except PayloadError as exc:
            failures.append((payload, exc))
            continue
        digest = hashlib.sha256(
            (json.dumps(payload, sort_keys=True, default=str) + fingerprint).encode()).hexdigest()
        seen = newest.get(order.id)
        # The same order twice in one batch (overlapping pages): keep the newest version.
        if seen is None or _newer_or_same(order, seen.order):
            newest[order.id] = _Candidate(payload, order, digest)
    return list(newest.values()), failures


def _newer_or_same(a: StoreOrder, b: StoreOrder) -> bool:
    if a.updated_at is None or b.updated_at is None:
        return True
    return a.updated_at >= b.updated_at


def _is_up_to_date(binding: OrderBinding | None, candidate: _Candidate) -> bool:
    """Skip versions older than the imported one, and the same version with the same content."""
    if binding is None or binding.order is None:
        return False
    stored, incoming = binding.store_updated_at, candidate.order.updated_at
    if stored is not None and incoming is not None:
        if incoming < stored:
            return True
        if incoming > stored:
            return False
    # Same second (the API has second resolution) or no dates: the content decides.
    return binding.payload_hash == candidate.payload_hash


def _import_batch(uow: UnitOfWork, store_id: int, candidates: list[_Candidate], policy: ImportPolicy,
                  source: str) -> ImportReport:
    pending: list[tuple[ImportResult, OrderBinding | None]] = []
    bindings = uow.bindings.orders_by_external_ids(store_id, [c.order.id for c in candidates], lock=True)
    todo: list[tuple[_Candidate, OrderData]] = []
    for candidate in candidates:
        binding = bindings.get(candidate.order.id)
        if _is_up_to_date(binding, candidate):
            pending.append((ImportResult(candidate.order.id, Outcome.UNCHANGED, binding.order.id), None))
            continue
        try:
            todo.append((candidate, map_order(candidate.order, policy.rules)))
        except (ValueError, KeyError, TypeError) as exc:
            failure = (candidate.payload, PayloadError(candidate.order.id, str(exc)))
            pending.append((_record_failure(uow, store_id, failure, source), None))

    customers = resolve_customers(uow, store_id, [(c.order, data) for c, data in todo])
    products = resolve_products(uow, store_id, [data for _, data in todo], policy.unknown_sku)
    failures = uow.failures.by_external_ids(store_id, [c.order.id for c, _ in todo])

    for candidate, data in todo:
        external_id = candidate.order.id
        binding = bindings.get(external_id)
        customer = customers.get(external_id)
        lines_products = [products.for_line(line) for line in data.lines]
        if binding is None:
            binding = OrderBinding(store_id, external_id)
            uow.bindings.add(binding)
        order = binding.order
        if order is not None and order.is_processed():
            result = _flag_processed_order(uow, store_id, binding, candidate, data, source)
        elif order is None:
            order = Order()
            order.apply(data, customer, lines_products)
            uow.session.add(order)
            binding.order = order
            result = ImportResult(external_id, Outcome.CREATED)
            _log(uow, store_id, external_id, order, "created",
                 f"Pedido #{data.origin_number} importado da loja como {data.status.label}.", source)
            _log_customer(uow, store_id, external_id, order, data, source)
        else:
            changes = order.apply(data, customer, lines_products)
            result = ImportResult(external_id, Outcome.UPDATED)
            summary = "; ".join(changes) if changes else "dados da loja atualizados"
            _log(uow, store_id, external_id, order, "updated", f"Pedido atualizado pela loja: {summary}.", source)
            if not customer and any(c.startswith("sem cliente") for c in changes):
                _log_customer(uow, store_id, external_id, order, data, source)
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
        pending.append((result, binding))
    uow.flush()
    # Order numbers exist only after the flush.
    return ImportReport([
        replace(result, order_number=binding.order.id) if binding is not None else result
        for result, binding in pending
    ])


def _flag_processed_order(uow: UnitOfWork, store_id: int, binding: OrderBinding, candidate: _Candidate,
                          data: OrderData, source: str) -> ImportResult:
    order = binding.order
    store = candidate.order
    what = (f"situação na loja: {store.status or '?'}, pagamento: {store.payment_status or '?'}; "
            f"aqui seria {data.status.label}")
    reason = (f"A loja alterou o pedido #{data.origin_number} depois de processado ({order.processed_reason}): "
              f"{what}. Nada foi desfeito automaticamente: confira e, se for o caso, cancele a NF-e ou a venda.")
    order.flag_for_attention(reason)
    _log(uow, store_id, store.id, order, "attention", reason, source, LogLevel.WARNING,
         details={"store_status": store.status, "payment_status": store.payment_status})
    return ImportResult(store.id, Outcome.ATTENTION, order.id, reason)


def _update_binding(binding: OrderBinding, candidate: _Candidate) -> None:
    store = candidate.order
    binding.external_number = store.number
    binding.store_status = store.status
    binding.store_payment_status = store.payment_status
    binding.store_shipping_status = store.shipping_status_normalized
    binding.store_updated_at = store.updated_at
    binding.payload_hash = candidate.payload_hash


def _log_customer(uow: UnitOfWork, store_id: int, external_id: str, order: Order, data: OrderData,
                  source: str) -> None:
    if data.customer is None and order.customer is None:
        _log(uow, store_id, external_id, order, "customer_missing",
             f"Pedido sem cliente: {data.customer_problem}. Resolução: {CUSTOMER_PROBLEM_RESOLUTION}",
             source, LogLevel.WARNING)


def _log(uow: UnitOfWork, store_id: int, external_id: str | None, order: Order | None, event: str,
         message: str, source: str, level: LogLevel = LogLevel.INFO, details: dict | None = None) -> None:
    uow.log.record(store_id, external_id, event, message, level.value, order, {"source": source, **(details or {})})


def _record_failure(uow: UnitOfWork, store_id: int, failure: tuple[dict, PayloadError], source: str) -> ImportResult:
    """Keep the payload and the error: nothing the store sent is lost, and the next sync retries it."""
    payload, error = failure
    external_id = error.external_id or "desconhecido"
    record = uow.failures.by_external_ids(store_id, [external_id]).get(external_id)
    if record is None:
        record = ImportFailure(store_id, external_id)
        uow.failures.add(record)
    record.error = error.message
    record.resolution = ("Confira o pedido na loja (campos apontados no erro). A próxima sincronização tenta "
                         "de novo; para tentar agora use `lojasync sync`.")
    record.attempts = (record.attempts or 0) + 1
    record.retryable = error.external_id is not None
    record.payload = payload if isinstance(payload, dict) else {"raw": str(payload)[:2000]}
    _log(uow, store_id, error.external_id, None, "failed", f"{error.message} Resolução: {record.resolution}",
         source, LogLevel.ERROR)
    return ImportResult(error.external_id, Outcome.FAILED, None, error.message)
