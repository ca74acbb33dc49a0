"""Order history: what happened to one order, as typed entries (type, parameters, actor, time).

Text is built when the history is shown, in Portuguese, from the parameters; parameters hold no personal
data beyond references (a customer id, not a name), so erasing a person's data (LGPD) never rewrites
history. The types cover the whole life of an order, NF-e and receivables included, whichever module
records them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from lojasync.sales.status import OrderStatus
from lojasync.shared.tax_id import CUSTOMER_PROBLEM_RESOLUTION, TaxIdProblemCode


class Actor(StrEnum):
    """Who caused the entry."""

    STORE = "store"        # the online store itself (its LGPD requests, for instance)
    WEBHOOK = "webhook"    # a store notification, read by the worker
    SYNC = "sync"          # the periodic or manual synchronisation
    OPERATOR = "operator"  # a person in the back office
    SYSTEM = "system"      # lojasync on its own (SEFAZ answers, retries)

    @property
    def label(self) -> str:
        return _ACTOR_LABELS[self]


_ACTOR_LABELS = {Actor.STORE: "loja", Actor.WEBHOOK: "webhook", Actor.SYNC: "sincronização",
                 Actor.OPERATOR: "operador", Actor.SYSTEM: "sistema"}


class Level(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class HistoryType(StrEnum):
    # import from the store
    CREATED = "created"
    UPDATED = "updated"
    CUSTOMER_MISSING = "customer_missing"
    CUSTOMER_KEPT = "customer_kept"
    UNKNOWN_SKU = "unknown_sku"
    FAILED = "failed"
    RECOVERED = "recovered"
    ATTENTION = "attention"
    STORE_UPDATE = "store_update"
    # back office
    CUSTOMER_LINKED = "customer_linked"
    # LGPD
    LGPD_CUSTOMER_REDACT = "lgpd_customer_redact"
    LGPD_STORE_REDACT = "lgpd_store_redact"
    LGPD_DATA_REQUEST = "lgpd_data_request"
    # processing (fiscal, stock, finance)
    INVOICE_GENERATED = "invoice_generated"
    INVOICE_AUTHORISED = "invoice_authorised"
    INVOICE_REJECTED = "invoice_rejected"
    INVOICE_CANCELLED = "invoice_cancelled"
    SALE_GENERATED = "sale_generated"
    SALE_CONFIRMED = "sale_confirmed"
    SALE_CANCELLED = "sale_cancelled"
    STOCK_ISSUED = "stock_issued"
    STOCK_RETURNED = "stock_returned"
    RECEIVABLES_CREATED = "receivables_created"
    RECEIVABLES_CANCELLED = "receivables_cancelled"
    # rows written before history had types (migrated from the old sync log)
    LEGACY = "legacy"


class ProcessedBy(StrEnum):
    """The fiscal fact that makes an order processed: imports must never undo it."""

    NFE = "nfe"
    SIMPLE_SALE = "simple_sale"

    @property
    def label(self) -> str:
        return "NF-e autorizada" if self is ProcessedBy.NFE else "venda simples confirmada"


# -- what changed in an update -----------------------------------------------------------------------------

class ChangeKind(StrEnum):
    STATUS = "status"
    FIELD = "field"
    CUSTOMER_LINKED = "customer_linked"
    CUSTOMER_MISSING = "customer_missing"
    LINES = "lines"
    STORE_STATE = "store_state"


_FIELD_LABELS = {
    "subtotal": "subtotal", "discount": "desconto", "freight": "frete", "total": "total",
    "payment_method": "forma de pagamento", "installments": "parcelas",
    "billing_address": "endereço de cobrança", "shipping_address": "endereço de entrega",
    "contact_email": "e-mail de contato", "contact_phone": "telefone de contato", "note": "observação",
}
# Changes to these fields are reported in an update's history entry; the others are copied silently.
REPORTED_FIELDS = frozenset(_FIELD_LABELS)
_STORE_STATE_LABELS = {"status": "situação na loja", "payment_status": "pagamento na loja",
                       "shipping_status": "envio na loja"}


@dataclass(frozen=True)
class Change:
    """One change an update brought. `customer` is the object itself: a customer created in the same
    transaction has no id until the flush, and the id is read only when the entry is written."""

    kind: ChangeKind
    name: str | None = None      # the field, or the store state
    before: str | None = None
    after: str | None = None
    customer: Any = field(default=None, compare=False, repr=False)

    def to_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"kind": self.kind.value}
        for key in ("name", "before", "after"):
            if getattr(self, key) is not None:
                params[key] = getattr(self, key)
        if self.customer is not None:
            params["customer_id"] = self.customer.id
        return params

    def text(self) -> str:
        """The words, with the live customer's name (for callers that hold the objects)."""
        params = self.to_params()
        names = {params.get("customer_id"): self.customer.name} if self.customer is not None else {}
        return render_change(params, Names(customers=names))


def render_change(params: Mapping[str, Any], names: Names) -> str:
    kind = params.get("kind")
    if kind == ChangeKind.STATUS:
        return f"situação {_status_label(params.get('before'))} → {_status_label(params.get('after'))}"
    if kind == ChangeKind.FIELD:
        return f"{_FIELD_LABELS.get(params.get('name'), params.get('name'))} alterado"
    if kind == ChangeKind.CUSTOMER_LINKED:
        return f"cliente vinculado: {names.customer(params.get('customer_id'))}"
    if kind == ChangeKind.CUSTOMER_MISSING:
        return f"sem cliente: {_problem_label(params.get('after'))}"
    if kind == ChangeKind.LINES:
        return "itens atualizados"
    if kind == ChangeKind.STORE_STATE:
        return f"{_STORE_STATE_LABELS.get(params.get('name'), params.get('name'))}: {params.get('after')}"
    return str(kind)


# -- rendering ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Names:
    """What rendering may look up: customers' current names and masked documents, by id."""

    customers: Mapping[Any, str] = field(default_factory=dict)
    documents: Mapping[Any, str] = field(default_factory=dict)

    def customer(self, customer_id: Any) -> str:
        return self.customers.get(customer_id) or f"cliente {customer_id}"


def _status_label(value: Any) -> str:
    try:
        return OrderStatus(value).label
    except ValueError:
        return str(value)


def _problem_label(code: Any) -> str:
    try:
        return TaxIdProblemCode(code).label
    except ValueError:
        return str(code)


def _fiscal_kept(params: Mapping[str, Any]) -> str:
    retention = params.get("fiscal_retention")
    if not retention:
        return ""
    why = "NF-e emitida" if retention == ProcessedBy.NFE else "venda confirmada"
    return (" O cadastro do destinatário (nome, CPF/CNPJ e endereço de cobrança) foi mantido por obrigação "
            f"fiscal ({why}).")


def _money(value: Any) -> str:
    return f"R$ {value}" if value is not None else "?"


_Renderer = Callable[[Mapping[str, Any], Names], str]

_TEXTS: dict[HistoryType, _Renderer] = {
    HistoryType.CREATED: lambda p, n: (
        f"Pedido #{p.get('origin_number')} importado da loja como {_status_label(p.get('status'))}."),
    HistoryType.UPDATED: lambda p, n: (
        "Pedido atualizado pela loja: " + "; ".join(render_change(c, n) for c in p.get("changes", [])) + "."),
    HistoryType.CUSTOMER_MISSING: lambda p, n: (
        f"Pedido sem cliente: {_problem_label(p.get('problem'))}. Resolução: {CUSTOMER_PROBLEM_RESOLUTION}"),
    HistoryType.CUSTOMER_KEPT: lambda p, n: (
        f"A loja não enviou CPF/CNPJ válido ({_problem_label(p.get('problem'))}); o cliente já vinculado "
        f"({n.customer(p.get('customer_id'))}) foi mantido."),
    HistoryType.UNKNOWN_SKU: lambda p, n: (
        f"Item '{p.get('name')}' (SKU {p.get('sku') or 'vazio'}) sem produto no ERP: ficou sem vínculo. "
        "Resolução: cadastre o produto com esse SKU ou vincule o item manualmente."),
    HistoryType.FAILED: lambda p, n: (
        f"Atualização da loja não importada: {p.get('error') or 'erro ao ler o pedido'}. A próxima "
        "sincronização tenta de novo."),
    HistoryType.RECOVERED: lambda p, n: f"Importado após {p.get('attempts')} falha(s) anterior(es).",
    HistoryType.ATTENTION: lambda p, n: (
        f"A loja alterou o pedido #{p.get('origin_number')} depois de processado "
        f"({_processed_label(p.get('processed_by'))}): situação na loja: {p.get('store_status') or '?'}, "
        f"pagamento: {p.get('payment_status') or '?'}; aqui seria {_status_label(p.get('would_be'))}, "
        f"total {p.get('total')}. Nada foi desfeito automaticamente: confira e, se for o caso, cancele a "
        "NF-e ou a venda."),
    HistoryType.STORE_UPDATE: lambda p, n: (
        "A loja atualizou o pedido já processado sem mudar situação, itens ou total: "
        + "; ".join(render_change(c, n) for c in p.get("changes", [])) + "."),
    HistoryType.CUSTOMER_LINKED: lambda p, n: (
        f"Cliente {n.customer(p.get('customer_id'))} ({n.documents.get(p.get('customer_id'), '?')}) "
        "vinculado manualmente."),
    HistoryType.LGPD_CUSTOMER_REDACT: lambda p, n: (
        "Dados pessoais anonimizados a pedido do cliente (LGPD)." + _fiscal_kept(p)),
    HistoryType.LGPD_STORE_REDACT: lambda p, n: (
        "Dados pessoais removidos: a loja pediu a exclusão dos dados (LGPD, store/redact)." + _fiscal_kept(p)),
    HistoryType.LGPD_DATA_REQUEST: lambda p, n: (
        f"Pedido de dados LGPD {p.get('request_id')}: exportação guardada no lojasync para o lojista enviar "
        "ao titular."),
    HistoryType.INVOICE_GENERATED: lambda p, n: f"NF-e {_invoice(p)} gerada (ainda não transmitida).",
    HistoryType.INVOICE_AUTHORISED: lambda p, n: (
        f"NF-e {_invoice(p)} autorizada pela SEFAZ (protocolo {p.get('protocol')}, chave {p.get('access_key')})."),
    HistoryType.INVOICE_REJECTED: lambda p, n: (
        f"NF-e {_invoice(p)} rejeitada pela SEFAZ: {p.get('code')} - {p.get('reason')}."),
    HistoryType.INVOICE_CANCELLED: lambda p, n: (
        f"NF-e {_invoice(p)} cancelada (protocolo {p.get('protocol')}): {p.get('justification')}."),
    HistoryType.SALE_GENERATED: lambda p, n: f"Venda simples {p.get('sale_number')} gerada.",
    HistoryType.SALE_CONFIRMED: lambda p, n: f"Venda simples {p.get('sale_number')} confirmada.",
    HistoryType.SALE_CANCELLED: lambda p, n: f"Venda simples {p.get('sale_number')} cancelada.",
    HistoryType.STOCK_ISSUED: lambda p, n: (
        f"Baixa de estoque: {p.get('units')} unidade(s) de {p.get('products')} produto(s) ({p.get('document')})."),
    HistoryType.STOCK_RETURNED: lambda p, n: (
        f"Estoque devolvido: {p.get('units')} unidade(s) de {p.get('products')} produto(s) ({p.get('document')})."),
    HistoryType.RECEIVABLES_CREATED: lambda p, n: (
        f"{p.get('count')} conta(s) a receber criada(s), total {_money(p.get('total'))} ({p.get('document')})."),
    HistoryType.RECEIVABLES_CANCELLED: lambda p, n: (
        f"{p.get('count')} conta(s) a receber cancelada(s) ({p.get('document')})."),
}

_LEVELS = {
    HistoryType.CUSTOMER_MISSING: Level.WARNING, HistoryType.CUSTOMER_KEPT: Level.WARNING,
    HistoryType.UNKNOWN_SKU: Level.WARNING, HistoryType.ATTENTION: Level.WARNING,
    HistoryType.FAILED: Level.ERROR, HistoryType.INVOICE_REJECTED: Level.ERROR,
}


def _invoice(params: Mapping[str, Any]) -> str:
    return f"nº {params.get('number')} série {params.get('series')}"


def _processed_label(value: Any) -> str:
    try:
        return ProcessedBy(value).label
    except ValueError:
        return str(value)


def level_of(entry_type: str) -> Level:
    try:
        return _LEVELS.get(HistoryType(entry_type), Level.INFO)
    except ValueError:
        return Level.INFO


def render(entry_type: str, params: Mapping[str, Any] | None, names: Names) -> str:
    """The entry in words, as shown on the order's page."""
    params = params or {}
    if "legacy_text" in params:
        return params["legacy_text"] or "(texto anterior removido a pedido do titular dos dados, LGPD)"
    try:
        renderer = _TEXTS[HistoryType(entry_type)]
    except (ValueError, KeyError):
        return entry_type
    return renderer(params, names)


class HistoryEntry:
    """One stored entry of an order's history."""

    id: int | None
    order_id: int
    type: str
    actor: str
    params: dict
    created_at: datetime | None

    def __init__(self, order_id: int, entry_type: str, actor: str, params: dict,
                 created_at: datetime | None = None) -> None:
        self.order_id = order_id
        self.type = entry_type
        self.actor = actor
        self.params = params
        if created_at is not None:
            self.created_at = created_at
