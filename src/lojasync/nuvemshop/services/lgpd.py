"""Use case `handle_lgpd_event`: the platform's LGPD webhooks (store/redact, customers/redact,
customers/data_request).

Redaction blanks the personal data that came from the store and keeps the orders and their totals
(accounting). An order with an approved NF-e or a confirmed sale keeps the recipient's name, CPF/CNPJ
and billing address: fiscal law requires them, and the sync log says so.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from lojasync.nuvemshop.db import lgpd_queries as q
from lojasync.nuvemshop.model.records import OrderBinding, Store, WebhookEvent
from lojasync.sales.customers import Customer
from lojasync.sales.orders import Order
from lojasync.shared.tax_id import TaxId, normalize_tax_id, parse_tax_id
from lojasync.nuvemshop.services.lgpd_exports import save_export
from lojasync.db.unit_of_work import UnitOfWork
from lojasync.settings import Settings

ANONYMISED_NAME = "Cliente anonimizado (LGPD)"
REMOVED = "[removido (LGPD)]"
CUSTOMER_EVENTS = ("customers/redact", "customers/data_request")
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


class LgpdRequestError(ValueError):
    """A malformed LGPD webhook body: the event cannot be handled as sent."""

    resolution = ("Confira o corpo da notificação enviado pela Nuvemshop; a plataforma reenvia o pedido LGPD, "
                  "ou tente de novo com `lojasync events retry ID`.")


def handle_lgpd_event(uow: UnitOfWork, store: Store, event: WebhookEvent, settings: Settings) -> str:
    """Apply one LGPD webhook inside the caller's transaction (the caller commits); return a summary."""
    if store is None:
        raise LgpdRequestError(f"Notificação LGPD {event.event} de uma loja que não está conectada.")
    handler = _HANDLERS.get(event.event)
    if handler is None:
        raise LgpdRequestError(f"Evento '{event.event}' não é uma notificação LGPD.")
    body = event.body
    if not isinstance(body, dict):
        raise LgpdRequestError(f"Notificação LGPD {event.event} sem corpo JSON (objeto) válido.")
    if body.get("store_id") is None or str(body["store_id"]).strip() != store.external_id:
        raise LgpdRequestError(f"Notificação LGPD {event.event}: store_id {body.get('store_id')!r} do corpo não "
                               f"corresponde à loja {store.external_id}.")
    return handler(uow, store, event, body, settings)


# -- store/redact ------------------------------------------------------------------------------------------

def _store_redact(uow: UnitOfWork, store: Store, event: WebhookEvent, body: dict, settings: Settings) -> str:
    session = uow.session
    credentials = bool(store.access_token) or store.active
    store.access_token = ""  # the column is NOT NULL; an empty token is "erased" to the client
    store.active = False
    customer_ids = q.store_customer_ids(session, store.id)
    shared = q.customers_with_other_sources(session, customer_ids, store.id)
    processed = q.customers_with_processed_orders(session, customer_ids)
    removed_by_customer: dict[int, list[str]] = {}
    for customer in q.customers_by_ids(session, customer_ids - shared):
        removed = _redact_customer(customer, keep_fiscal=customer.id in processed)
        if removed is not None:
            removed_by_customer[customer.id] = removed
    orders = fiscal = 0
    removed_by_order: dict[str, list[str]] = {}
    for chunk in q.chunks(q.store_order_ids(session, store.id)):
        done, kept, removed = _redact_orders(
            uow, q.orders_with_bindings(session, store.id, chunk), "lgpd_store_redact",
            "Dados pessoais removidos: a loja pediu a exclusão dos dados (LGPD, store/redact).",
            lambda order: removed_by_customer.get(order.customer_id, []))
        orders, fiscal = orders + done, fiscal + kept
        removed_by_order.update(removed)
        uow.flush()
    _scrub_log(session, store.id, removed_by_order)
    payloads = q.clear_failure_payloads(session, store.id)
    bodies = _strip_bodies(q.webhook_events_of(session, store.id, CUSTOMER_EVENTS, exclude_id=event.id))
    parts = [("credenciais removidas, loja desativada" if credentials else "credenciais já removidas"),
             f"{len(removed_by_customer)} cliente(s) anonimizado(s)", f"{orders} pedido(s) anonimizado(s)"]
    if shared:
        parts.append(f"{len(shared)} cliente(s) mantido(s) por terem pedidos de outra origem")
    if fiscal:
        parts.append(f"{fiscal} pedido(s) com nome, CPF/CNPJ e endereço de cobrança do destinatário: "
                     f"{_fiscal_kept_words()}")
    if payloads or bodies:
        parts.append(f"{payloads + bodies} registro(s) brutos da loja apagados")
    summary = "store/redact: " + "; ".join(parts) + "."
    if credentials or removed_by_customer or orders or payloads or bodies:
        uow.log.record(store.id, None, "lgpd_store_redact", summary, "warning", details={"source": "lgpd"})
    return summary


# -- customers/redact --------------------------------------------------------------------------------------

def _customers_redact(uow: UnitOfWork, store: Store, event: WebhookEvent, body: dict, settings: Settings) -> str:
    session = uow.session
    request = _CustomerRequest.parse(body, "orders_to_redact")
    customer = _find_customer(uow, store, request)
    customer_note, customer_removed = "cliente não encontrado no ERP", None
    if customer is not None:
        if q.customers_with_other_sources(session, [customer.id], store.id):
            customer_note = f"cliente {customer.id} mantido: também tem pedidos de outra origem"
        else:
            keep = bool(q.customers_with_processed_orders(session, [customer.id]))
            customer_removed = _redact_customer(customer, keep_fiscal=keep)
            if customer_removed is None:
                customer_note = f"cliente {customer.id} já anonimizado"
            elif keep:
                customer_note = (f"cliente {customer.id}: e-mail e telefone removidos; nome, CPF/CNPJ e endereço "
                                 f"{_fiscal_kept_words()}")
            else:
                customer_note = f"cliente {customer.id} anonimizado"
    rows = _customer_orders(session, store, request, customer)
    orders, fiscal, removed_by_order = _redact_orders(
        uow, rows, "lgpd_customer_redact", "Dados pessoais anonimizados a pedido do cliente (LGPD).",
        lambda order: customer_removed or [])
    _scrub_log(session, store.id, removed_by_order)
    external_ids = {b.external_id for _, b in rows} | set(request.order_ids)
    failures = [f.id for f in q.import_failures_of(session, store.id) if f.payload is not None
                and (f.external_id in external_ids or request.matches_order_payload(f.payload))]
    cleared = q.clear_failure_payloads(session, store.id, failures) if failures else 0
    others = [e for e in q.webhook_events_of(session, store.id, CUSTOMER_EVENTS, exclude_id=event.id)
              if isinstance(e.body, dict) and request.matches_customer(e.body.get("customer"))]
    cleared += _strip_bodies([*others, event])
    parts = [customer_note, f"{orders} pedido(s) anonimizado(s)"]
    if fiscal:
        parts.append(f"{fiscal} com NF-e/venda: cadastro do destinatário {_fiscal_kept_words()}")
    missing = sorted(set(request.order_ids) - {b.external_id for _, b in rows})
    if missing:
        parts.append("pedidos não encontrados no lojasync: " + ", ".join(missing))
    if cleared:
        parts.append(f"{cleared} registro(s) brutos apagados")
    return "customers/redact: " + "; ".join(parts) + "."


# -- customers/data_request --------------------------------------------------------------------------------

def _data_request(uow: UnitOfWork, store: Store, event: WebhookEvent, body: dict, settings: Settings) -> str:
    session = uow.session
    request = _CustomerRequest.parse(body, "orders_requested")
    data_request = body.get("data_request")
    request_id = str(data_request.get("id", "")).strip() if isinstance(data_request, dict) else ""
    if not _SAFE_ID.match(request_id):
        raise LgpdRequestError("customers/data_request sem 'data_request.id' válido (letras, números, - ou _).")
    if not _SAFE_ID.match(store.external_id):
        raise LgpdRequestError(f"Id de loja impróprio para nome de arquivo: {store.external_id!r}.")
    customer = _find_customer(uow, store, request)
    rows = _customer_orders(session, store, request, customer)
    external_ids = [b.external_id for _, b in rows]
    logs: dict[str, list[dict]] = {}
    for entry in q.log_entries(session, store.id, external_ids):
        logs.setdefault(entry.external_id, []).append({
            "at": _iso(entry.created_at), "level": entry.level, "event": entry.event, "message": entry.message})
    wanted = set(external_ids) | set(request.order_ids)
    failures = [f for f in q.import_failures_of(session, store.id)
                if f.external_id in wanted or request.matches_order_payload(f.payload)]
    export = {
        "description": ("Dados pessoais mantidos pelo lojasync (ERP) sobre o cliente, a pedido do titular "
                        "(LGPD, art. 18). Valores em reais; datas em UTC (ISO 8601)."),
        "generated_at": _iso(datetime.now(timezone.utc)),
        "store": {"id": store.external_id, "name": store.name},
        "data_request_id": request_id,
        "request": {"store_customer_id": request.store_customer_id, "email": request.email,
                    "phone": request.phone, "identification": request.identification,
                    "orders_requested": request.order_ids},
        "customer": _customer_export(session, store, customer),
        "orders": [_order_export(order, binding, logs.get(binding.external_id, [])) for order, binding in rows],
        "orders_not_found": sorted(set(request.order_ids) - set(external_ids)),
        "import_failures": [{"store_order_id": f.external_id, "error": f.error, "payload": f.payload,
                             "first_failed_at": _iso(f.first_failed_at), "last_failed_at": _iso(f.last_failed_at)}
                            for f in failures],
    }
    path = Path(settings.data_dir) / "lgpd" / f"data_request_{store.external_id}_{request_id}.json"
    _write_private(path, export)
    save_export(uow, store.id, request_id, export)
    message = (f"Pedido de dados LGPD {request_id}: exportação gravada em {path} e no banco "
               f"(`lojasync lgpd export {request_id}` a grava em qualquer máquina) para o lojista enviar ao titular.")
    for order, binding in rows:
        _log(uow, binding, order, "lgpd_data_request", message)
    if not rows:
        uow.log.record(store.id, None, "lgpd_data_request", message, details={"source": "lgpd"})
    _strip_bodies([event])  # the export holds the data now; the inbox need not keep e-mail and CPF
    return f"customers/data_request {request_id}: {len(rows)} pedido(s) exportado(s) em {path}."


def _customer_export(session, store: Store, customer: Customer | None) -> dict | None:
    if customer is None:
        return None
    return {
        "id": customer.id, "name": customer.name, "tax_id": customer.tax_id, "kind": customer.kind,
        "email": customer.email, "phone": customer.phone,
        "address": customer.address.to_dict() if customer.address else None,
        "store_customer_ids": q.store_customer_external_ids(session, store.id, customer.id),
        "created_at": _iso(customer.created_at), "updated_at": _iso(customer.updated_at),
    }


def _order_export(order: Order, binding: OrderBinding, log: list[dict]) -> dict:
    return {
        "number": order.id, "store_order_id": binding.external_id, "store_order_number": order.origin_number,
        "origin": order.origin, "status": order.status.label, "placed_at": _iso(order.placed_at),
        "customer_id": order.customer_id,
        "contact": {"name": order.contact_name, "email": order.contact_email, "phone": order.contact_phone,
                    "document": order.contact_document},
        "subtotal": str(order.subtotal), "discount": str(order.discount), "freight": str(order.freight),
        "total": str(order.total),
        "payment": {"method": order.payment_method, "gateway": order.payment_gateway,
                    "installments": order.installments},
        "billing_address": order.billing_address.to_dict() if order.billing_address else None,
        "shipping_address": order.shipping_address.to_dict() if order.shipping_address else None,
        "note": order.note, "processed_reason": order.processed_reason,
        "lines": [{"position": ln.position, "sku": ln.sku, "name": ln.name, "quantity": ln.quantity,
                   "unit_price": str(ln.unit_price), "total": str(ln.total)} for ln in order.lines],
        "created_at": _iso(order.created_at), "updated_at": _iso(order.updated_at),
        "sync_log": log,
    }


def _write_private(path: Path, data: dict) -> None:
    """Write readable by the owner only; a re-delivered request replaces the file atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".data_request_", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=2, default=str)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


# -- shared ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _CustomerRequest:
    store_customer_id: str | None
    email: str | None
    phone: str | None
    identification: str | None
    tax_id: str | None
    order_ids: list[str]

    @classmethod
    def parse(cls, body: dict, orders_key: str) -> "_CustomerRequest":
        customer = body.get("customer")
        if not isinstance(customer, dict):
            raise LgpdRequestError("Notificação LGPD sem o objeto 'customer'.")
        store_customer_id, email, phone, identification = (
            _text(customer.get(key)) for key in ("id", "email", "phone", "identification"))
        if not (store_customer_id or email or identification):
            raise LgpdRequestError("Notificação LGPD sem identificação do cliente (customer.id, e-mail ou CPF/CNPJ).")
        orders = body.get(orders_key)
        if orders is None:
            orders = []
        if not isinstance(orders, list) or any(_text(o) is None or isinstance(o, (bool, dict, list)) for o in orders):
            raise LgpdRequestError(f"'{orders_key}' deve ser uma lista de ids de pedidos da loja.")
        tax_id = normalize_tax_id(identification) or None
        return cls(store_customer_id, email, phone, identification, tax_id, [_text(o) for o in orders])

    def documents(self) -> list[str]:
        """The ways a store may have written the document on an order."""
        if not self.identification:
            return []
        found = {self.identification, self.tax_id}
        parsed = parse_tax_id(self.identification)
        if isinstance(parsed, TaxId):
            found.add(parsed.formatted())
        return sorted(d for d in found if d)

    def matches_customer(self, person: object) -> bool:
        """Whether a customer object (of a webhook body or an order payload) is this customer."""
        if not isinstance(person, dict):
            return False
        if self.store_customer_id and _text(person.get("id")) == self.store_customer_id:
            return True
        return self._same_contact(person.get("email"), person.get("identification"))

    def matches_order_payload(self, payload: object) -> bool:
        """Whether a raw store order payload is about this customer."""
        if not isinstance(payload, dict):
            return False
        return (self.matches_customer(payload.get("customer"))
                or self._same_contact(payload.get("contact_email"), payload.get("contact_identification")))

    def _same_contact(self, email: object, document: object) -> bool:
        email = _text(email)
        if self.email and email and email.lower() == self.email.lower():
            return True
        return bool(self.tax_id and document and normalize_tax_id(document) == self.tax_id)


def _find_customer(uow: UnitOfWork, store: Store, request: _CustomerRequest) -> Customer | None:
    if request.store_customer_id:
        binding = uow.bindings.customers_by_external_ids(store.id, [request.store_customer_id]).get(
            request.store_customer_id)
        if binding is not None:
            return binding.customer
    if request.tax_id:
        return uow.customers.by_tax_id(request.tax_id)
    return None


def _customer_orders(session, store: Store, request: _CustomerRequest, customer: Customer | None
                     ) -> list[tuple[Order, OrderBinding]]:
    ids = q.customer_order_ids(session, store.id, external_ids=request.order_ids,
                               customer_id=customer.id if customer else None, email=request.email,
                               documents=request.documents())
    return q.orders_with_bindings(session, store.id, ids)


def _redact_orders(uow: UnitOfWork, rows, event: str, message: str, also_removed
                   ) -> tuple[int, int, dict[str, list[str]]]:
    """Anonymise orders and log each; return (anonymised, kept for fiscal law, removed texts by order)."""
    now = datetime.now(timezone.utc)
    orders = fiscal = 0
    removed_by_order: dict[str, list[str]] = {}
    for order, binding in rows:
        # Remembered on the binding: the importer keeps these orders anonymous from now on.
        binding.redacted_at = binding.redacted_at or now
        removed = _redact_order(order)
        if removed is None:
            continue
        orders += 1
        fiscal += order.is_processed()
        removed_by_order[binding.external_id] = removed + also_removed(order)
        _log(uow, binding, order, event, _order_message(message, order))
    return orders, fiscal, removed_by_order


def _redact_customer(customer: Customer, keep_fiscal: bool) -> list[str] | None:
    """Anonymise a customer; with a processed order keep name, CPF/CNPJ and address. Return what was removed."""
    removed = [customer.email, customer.phone]
    changes: dict[str, object] = {"email": None, "phone": None}
    if keep_fiscal:
        if customer.address is not None and customer.address.phone:
            removed.append(customer.address.phone)
            changes["address"] = replace(customer.address, phone=None)
    else:
        removed += [customer.name, *_document_forms(customer.tax_id)]
        changes.update(name=ANONYMISED_NAME, address=None)
        if not customer.tax_id.startswith("LGPD"):
            # tax_id is NOT NULL and unique: a placeholder that cannot be a CPF/CNPJ.
            changes["tax_id"] = f"LGPD{customer.id:010d}"
    return _apply(customer, changes, removed)


def _redact_order(order: Order) -> list[str] | None:
    """Blank an order's personal data; a processed order keeps what its fiscal document requires."""
    removed = [order.contact_email, order.contact_phone]
    changes: dict[str, object] = {"contact_email": None, "contact_phone": None, "shipping_address": None,
                                  "note": None}
    if order.is_processed():
        if order.billing_address is not None and order.billing_address.phone:
            removed.append(order.billing_address.phone)
            changes["billing_address"] = replace(order.billing_address, phone=None)
    else:
        removed += [order.contact_name, *_document_forms(order.contact_document)]
        changes.update(contact_name=None, contact_document=None, billing_address=None)
        problem = order.customer_problem
        if problem and ": " in problem:  # "CPF inválido: <the document as sent>"
            changes["customer_problem"] = f"{problem.split(': ', 1)[0]}: {REMOVED}"
    return _apply(order, changes, removed)


def _apply(target: object, changes: dict[str, object], removed: list[str | None]) -> list[str] | None:
    changed = False
    for attr, value in changes.items():
        if getattr(target, attr) != value:
            setattr(target, attr, value)
            changed = True
    return [v for v in removed if v and v != ANONYMISED_NAME] if changed else None


def _document_forms(document: str | None) -> list[str]:
    if not document:
        return []
    parsed = parse_tax_id(document)
    forms = [document, normalize_tax_id(document)]
    if isinstance(parsed, TaxId):
        forms.append(parsed.formatted())
    return forms


def _scrub_log(session, store_id: int, removed_by_order: dict[str, list[str]]) -> None:
    """Take removed names, e-mails and documents out of the orders' sync log messages."""
    patterns = {ext: re.compile("|".join(re.escape(v) for v in sorted(set(values), key=len, reverse=True)
                                         if len(v) >= 3), re.IGNORECASE)
                for ext, values in removed_by_order.items() if any(len(v) >= 3 for v in values)}
    changed = {}
    for entry_id, external_id, message in q.log_messages(session, store_id, patterns):
        scrubbed = patterns[external_id].sub(REMOVED, message)
        if scrubbed != message:
            changed[entry_id] = scrubbed
    q.set_log_messages(session, changed)


_KEPT_BODY_KEYS = ("store_id", "event", "id", "orders_to_redact", "orders_requested")


def _strip_bodies(events: list[WebhookEvent]) -> int:
    """Keep only the non-personal part of stored notification bodies (ids, not e-mails or documents)."""
    stripped = 0
    for event in events:
        body = event.body if isinstance(event.body, dict) else {}
        new = {k: body[k] for k in _KEPT_BODY_KEYS if k in body}
        if isinstance(body.get("customer"), dict) and "id" in body["customer"]:
            new["customer"] = {"id": body["customer"]["id"]}
        if isinstance(body.get("data_request"), dict) and "id" in body["data_request"]:
            new["data_request"] = {"id": body["data_request"]["id"]}
        if new != body:
            event.body = new  # a new dict: the JSON column does not track in-place changes
            stripped += 1
    return stripped


def _log(uow: UnitOfWork, binding: OrderBinding, order: Order, event: str, message: str) -> None:
    uow.log.record(binding.store_id, binding.external_id, event, message, order=order, details={"source": "lgpd"})


def _order_message(message: str, order: Order) -> str:
    if not order.is_processed():
        return message
    return (f"{message} O cadastro do destinatário (nome, CPF/CNPJ e endereço de cobrança) foi "
            f"{_fiscal_kept_words(order)}.")


def _fiscal_kept_words(order: Order | None = None) -> str:
    if order is not None and "nf-e" not in (order.processed_reason or "").lower():
        return "mantido por obrigação fiscal (venda confirmada)"
    return "mantido por obrigação fiscal (NF-e emitida)"


def _text(value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return text or None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


_HANDLERS = {
    "store/redact": _store_redact,
    "customers/redact": _customers_redact,
    "customers/data_request": _data_request,
}
