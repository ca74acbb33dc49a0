"""The order history in words: Portuguese text built from an entry's type and parameters when shown."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lojasync.sales.history import ChangeKind, HistoryType, Level, ProcessedBy
from lojasync.sales.status import OrderStatus
from lojasync.shared.money import brl
from lojasync.shared.state_registration import Contributor
from lojasync.shared.tax_id import CUSTOMER_PROBLEM_RESOLUTION, TaxIdProblemCode

# A changed field as the history says it: the participle agrees with the word ("forma de pagamento alterada",
# "parcelas alteradas"), so each phrase is whole.
_FIELD_CHANGED = {
    "subtotal": "subtotal alterado", "discount": "desconto alterado", "freight": "frete alterado",
    "total": "total alterado", "payment_method": "forma de pagamento alterada", "installments": "parcelas alteradas",
    "billing_address": "endereço de cobrança alterado", "shipping_address": "endereço de entrega alterado",
    "shipping": "meio de envio alterado", "contact_email": "e-mail de contato alterado",
    "contact_phone": "telefone de contato alterado", "note": "observação alterada", "currency": "moeda alterada",
}
# Changes to these fields are reported in an update's history entry; the others are copied silently.
REPORTED_FIELDS = frozenset(_FIELD_CHANGED)
_STORE_STATE_LABELS = {"status": "situação na loja", "payment_status": "pagamento na loja",
                       "shipping_status": "envio na loja"}

# The online store's own states and codes in words. They are the store's vocabulary (Nuvemshop's codes,
# which the other platforms largely share); sales only shows them and never decides anything by them.
# An unknown code (a newer API) is shown as it came.
STORE_STATE_VALUE_LABELS: dict[str, dict[str, str]] = {
    "status": {"open": "aberto", "closed": "arquivado", "cancelled": "cancelado"},
    "payment_status": {"pending": "pendente", "authorized": "autorizado", "paid": "pago", "voided": "anulado",
                       "refunded": "reembolsado", "abandoned": "abandonado", "partially_paid": "pago em parte",
                       "partially_refunded": "reembolsado em parte"},
    "shipping_status": {"unpacked": "não embalado", "unfulfilled": "não enviado", "unshipped": "não enviado",
                        "partially_fulfilled": "enviado em parte", "fulfilled": "enviado", "shipped": "enviado",
                        "delivered": "entregue"},
    "cancel_reason": {"customer": "a pedido do cliente", "fraud": "suspeita de fraude",
                      "inventory": "falta de estoque", "other": "outro motivo"},
    "payment_method": {"credit_card": "cartão de crédito", "debit_card": "cartão de débito", "boleto": "boleto",
                       "pix": "Pix", "wire_transfer": "transferência bancária", "cash": "dinheiro",
                       "other": "outro", "custom": "forma personalizada"},
}


def store_state_label(kind: str, value: str | None) -> str | None:
    """A store state (`payment_status`, `paid`) in words (`pago`); None stays None."""
    if value is None:
        return None
    return STORE_STATE_VALUE_LABELS.get(kind, {}).get(value, value)


def _label(kind: type, value: Any) -> str:
    """The Portuguese label of a stored code; an unknown code (written by a newer version) as it is."""
    try:
        return kind(value).label
    except ValueError:
        return str(value)


def render_change(params: Mapping[str, Any], names: Names) -> str:
    kind = params.get("kind")
    if kind == ChangeKind.STATUS:
        return f"situação {_label(OrderStatus, params.get('before'))} → {_label(OrderStatus, params.get('after'))}"
    if kind == ChangeKind.FIELD:
        name = params.get("name")
        return _FIELD_CHANGED.get(name, f"{name} alterado")
    if kind == ChangeKind.CUSTOMER_LINKED:
        return f"cliente vinculado: {names.customer(params.get('customer_id'))}"
    if kind == ChangeKind.CUSTOMER_MISSING:
        return f"sem cliente: {_label(TaxIdProblemCode, params.get('after'))}"
    if kind == ChangeKind.LINES:
        return "itens atualizados"
    if kind == ChangeKind.STORE_STATE:
        name = params.get("name")
        return f"{_STORE_STATE_LABELS.get(name, name)}: {store_state_label(name, params.get('after'))}"
    return str(kind)


# Fields a processed order holds back that an ordinary update copies without a word (`orders.UNHELD_FIELDS`).
_HELD_FIELD_CHANGED = {"lines": "itens alterados", "contact_document": "CPF/CNPJ do comprador informado ou alterado",
                       "origin_number": "número do pedido na loja alterado", "marketplace": "canal de venda alterado",
                       "origin": "origem alterada", "billing_phone": "telefone de cobrança alterado",
                       "shipping_phone": "telefone de entrega alterado"}


def _held_fields(names: Any) -> str:
    """"; endereço de entrega alterado, ..." for the fields a store change held back (none in older entries)."""
    if not names:
        return ""
    words = (_HELD_FIELD_CHANGED.get(name) or _FIELD_CHANGED.get(name, f"{name} alterado") for name in names)
    return "; não aplicado aqui: " + ", ".join(words)


@dataclass(frozen=True)
class Names:
    """What rendering may look up: customers' current names and masked documents, by id, and how the
    interface writes money (each one formats it its own way; reais in pt-BR, `R$ 1.117,14`, is the default)."""

    customers: Mapping[Any, str] = field(default_factory=dict)
    documents: Mapping[Any, str] = field(default_factory=dict)
    # pt-BR when the interface names no way: the plain "R$ 160.00" (Decimal's notation) reached the customer in
    # the LGPD data export, which named none (review).
    money: Callable[[Any], str] = brl

    def customer(self, customer_id: Any) -> str:
        return self.customers.get(customer_id) or f"cliente {customer_id}"


def _fiscal_kept(params: Mapping[str, Any]) -> str:
    retention = params.get("fiscal_retention")
    if not retention:
        return ""
    why = "NF-e emitida" if retention == ProcessedBy.NFE else "venda confirmada"
    return (" O cadastro do destinatário (nome, CPF/CNPJ e endereço de cobrança) foi mantido por obrigação "
            f"fiscal ({why}).")


_Renderer = Callable[[Mapping[str, Any], Names], str]

_TEXTS: dict[HistoryType, _Renderer] = {
    HistoryType.CREATED: lambda p, n: (
        f"Pedido #{p.get('origin_number')} importado da loja como {_label(OrderStatus, p.get('status'))}."),
    HistoryType.UPDATED: lambda p, n: (
        "Pedido atualizado pela loja: " + "; ".join(render_change(c, n) for c in p.get("changes", [])) + "."),
    HistoryType.CUSTOMER_MISSING: lambda p, n: (
        f"Pedido sem cliente: {_label(TaxIdProblemCode, p.get('problem'))}. Resolução: {CUSTOMER_PROBLEM_RESOLUTION}"),
    HistoryType.CUSTOMER_KEPT: lambda p, n: (
        f"A loja não enviou CPF/CNPJ válido ({_label(TaxIdProblemCode, p.get('problem'))}); o cliente já vinculado "
        f"({n.customer(p.get('customer_id'))}) foi mantido."),
    HistoryType.UNKNOWN_SKU: lambda p, n: (
        f"Item {p.get('position')} (SKU {p.get('sku') or 'vazio'}) sem produto no ERP: ficou sem vínculo. "
        "Resolução: para criar o produto, mude a regra de SKU desconhecido para criar (Configurações → "
        "Importação, ou lojasync import-rules set --unknown-sku create) e leia o pedido de novo da loja "
        "(Reprocessar, ou lojasync orders resync)."),
    HistoryType.FAILED: lambda p, n: (
        f"Atualização da loja não importada: {p.get('error') or 'erro ao ler o pedido'}. A próxima "
        "sincronização tenta de novo."),
    HistoryType.RECOVERED: lambda p, n: f"Importado após {p.get('attempts')} falha(s) anterior(es).",
    HistoryType.ATTENTION: lambda p, n: (
        f"A loja alterou o pedido #{p.get('origin_number')} depois de processado "
        f"({_label(ProcessedBy, p.get('processed_by'))}): situação na loja: "
        f"{store_state_label('status', p.get('store_status')) or '?'}, "
        f"pagamento: {store_state_label('payment_status', p.get('payment_status')) or '?'}; "
        + (f"aqui seria {_label(OrderStatus, p.get('would_be'))}, " if p.get("would_be") else "")
        + f"total {_money(n, p.get('total'))}{_held_fields(p.get('fields'))}. Nada foi desfeito automaticamente: "
        # Both documents named: this text is also an order's pending reason, which moves from a venda simples
        # cancelled to the NF-e SEFAZ authorised late that stands (`fiscal.effects._store_cancellation_now_of`);
        # the first sentence says which (CI caught "cancele a venda simples" left on the NF-e's reason).
        "confira e, se for o caso, cancele a NF-e ou a venda."),
    HistoryType.STORE_UPDATE: lambda p, n: (
        "A loja atualizou o pedido já processado sem mudar situação, itens ou total: "
        + "; ".join(render_change(c, n) for c in p.get("changes", [])) + "."),
    HistoryType.STORE_CHANGE_UNDONE: lambda p, n: (
        "A loja desfez a mudança: o pedido voltou a ser a venda que o documento"
        + (f" ({p['document']})" if p.get("document") else "")
        + f" descreve, e o aviso sobre ela saiu; {_still_pending(p.get('still_pending') or 0)}."),
    HistoryType.CUSTOMER_LINKED: lambda p, n: (
        f"Cliente {n.customer(p.get('customer_id'))} ({n.documents.get(p.get('customer_id'), '?')}) "
        "vinculado manualmente"
        + (f" (substituiu {n.customer(p['previous_customer_id'])})." if p.get("previous_customer_id") else ".")),
    HistoryType.CUSTOMER_REGISTRATION: lambda p, n: (
        f"Inscrição estadual do cliente {n.customer(p.get('customer_id'))} alterada: era "
        f"{_contributor(p.get('before'))}, agora {_contributor(p.get('after'))}."),
    HistoryType.ATTENTION_CLEARED: lambda p, n: "Atenção resolvida: marcado como conferido.",
    HistoryType.TRACKING_RECORDED: lambda p, n: _tracking(p),
    HistoryType.STORE_WRITE_REFUSED: lambda p, n: (
        _refused_by_the_store(p) + (f" Resolução: {p['resolution']}" if p.get("resolution") else "")),
    HistoryType.LGPD_CUSTOMER_REDACT: lambda p, n: (
        "Dados pessoais anonimizados a pedido do cliente (LGPD)." + _fiscal_kept(p)),
    HistoryType.LGPD_STORE_REDACT: lambda p, n: (
        "Dados pessoais removidos: a loja pediu a exclusão dos dados (LGPD, store/redact)." + _fiscal_kept(p)),
    HistoryType.LGPD_DATA_REQUEST: lambda p, n: (
        f"Solicitação de dados LGPD {p.get('request_id')}: exportação guardada no lojasync para o lojista enviar "
        "ao titular."),
    HistoryType.INVOICE_GENERATED: lambda p, n: f"NF-e {_invoice(p)} gerada (ainda não transmitida).",
    HistoryType.INVOICE_REBUILT: lambda p, n: (
        f"NF-e {_invoice(p)} refeita a partir do pedido ({p.get('because')}): o mesmo número, chave nova "
        f"{p.get('access_key')}."),
    HistoryType.INVOICE_RESIGNED: lambda p, n: (
        f"NF-e {_invoice(p)} assinada de novo com o certificado A1 instalado depois do envio sem resposta, antes de "
        f"reenviá-la: a SEFAZ, consultada pela chave, não a tinha recebido. O mesmo número e a mesma chave "
        f"{p.get('access_key')}."),
    HistoryType.INVOICE_AUTHORISED: lambda p, n: (
        f"NF-e {_invoice(p)} autorizada "
        + ("pelo simulador da SEFAZ, sem valor fiscal" if p.get("simulated") else "pela SEFAZ")
        + f" (protocolo {p.get('protocol')}, chave {p.get('access_key')})."),
    HistoryType.INVOICE_REJECTED: lambda p, n: (
        f"NF-e {_invoice(p)} rejeitada pela SEFAZ: {p.get('code')} - {p.get('reason')}."),
    HistoryType.INVOICE_DENIED: lambda p, n: (
        f"NF-e {_invoice(p)} com uso denegado pela SEFAZ: {p.get('code')} - {p.get('reason')}. Ela fica registrada "
        "como está (o número foi usado) e nada foi movimentado; resolva a situação cadastral indicada e emita outra "
        "NF-e para o pedido."),
    HistoryType.INVOICE_CANCELLED: lambda p, n: (
        f"NF-e {_invoice(p)} cancelada" + (f" (protocolo {p['protocol']})" if p.get("protocol") else "")
        + f": {p.get('justification')}."),
    HistoryType.INVOICE_CANCELLED_ELSEWHERE: lambda p, n: (
        f"A SEFAZ, consultada pela chave, informa que a NF-e {_invoice(p)} está cancelada ({p.get('code')} - "
        f"{p.get('reason')}): o cancelamento não foi feito pelo lojasync. Ela nunca constou como autorizada aqui, "
        "então o estoque não foi baixado e nenhuma conta a receber foi criada; o pedido pode receber outro "
        "documento."),
    HistoryType.INVOICE_FOUND_CANCELLED: lambda p, n: (
        f"A SEFAZ, consultada pela chave depois do prazo de cancelamento, informa que a NF-e {_invoice(p)}, "
        f"autorizada aqui, está cancelada ({p.get('code')} - {p.get('reason')}): o cancelamento não foi feito pelo "
        "lojasync. Ele foi registrado como um cancelamento daqui: o estoque voltou e as contas a receber em aberto "
        "foram canceladas."),
    HistoryType.INVOICE_DISCARDED: lambda p, n: (
        f"NF-e {_invoice(p)} descartada sem autorização: nada foi movimentado; "
        + ("o número já está inutilizado na SEFAZ (rejeição 206), não há o que inutilizar."
           if p.get("spent_by") == "206" else
           "o número já está na SEFAZ com outra chave (rejeição 539), não há o que inutilizar."
           if p.get("taken_at_sefaz") else "o número fica sem uso (inutilize-o na SEFAZ).")
        + (f" Motivo: {p['reason']}." if p.get("reason") else "")),
    HistoryType.INVOICE_NUMBER_VOIDED: lambda p, n: (
        f"Número da NF-e {_invoice(p)}, descartada, inutilizado "
        + ("pelo simulador da SEFAZ, sem valor fiscal" if p.get("simulated") else "na SEFAZ")
        + (f" (protocolo {p['protocol']})." if p.get("protocol") else " (a SEFAZ já o tinha inutilizado).")),
    HistoryType.INVOICE_CANCEL_NOT_REGISTERED: lambda p, n: (
        f"O cancelamento pedido da NF-e {_invoice(p)}"
        + (f" ({p['requested_by']}; motivo: {p.get('justification')})" if p.get("requested_by") else "")
        + " não chegou à SEFAZ (consultada pela chave, ela continua "
        "autorizada): estoque e contas a receber ficaram como estavam. Se ainda quiser cancelá-la, cancele de novo "
        "(até 24 horas depois da autorização)."),
    HistoryType.INVOICE_CANCEL_REFUSED: lambda p, n: (
        f"Cancelamento da NF-e {_invoice(p)} pedido (motivo: {p.get('justification')}) e não registrado: "
        f"{p.get('problem')} A NF-e continua autorizada; estoque e contas a receber ficaram como estavam."),
    HistoryType.INVOICE_CANCEL_QUEUED: lambda p, n: (
        f"Cancelamento da NF-e {_invoice(p)} pedido (motivo: {p.get('justification')}) e guardado: a SEFAZ não o "
        f"recebeu agora ({p.get('problem')}). O lojasync o envia sozinho quando ela responder, até 24 horas depois "
        "da autorização; até lá a NF-e segue autorizada, com estoque e contas a receber como estavam."),
    HistoryType.INVOICE_CANCEL_WITHDRAWN: lambda p, n: (
        f"Pedido de cancelamento da NF-e {_invoice(p)} retirado antes de chegar à SEFAZ (motivo que iria: "
        f"{p.get('justification')}): nada será enviado, e a NF-e segue autorizada, com estoque e contas a receber "
        "como estavam."),
    HistoryType.INVOICE_SEFAZ_DOWN: lambda p, n: (
        f"SEFAZ fora do ar ao transmitir a NF-e {_invoice(p)} ({p.get('code')} - {p.get('reason')}): ela não foi "
        "registrada e aguarda a SEFAZ; o lojasync a transmite de novo sozinho, ou transmita-a quando a SEFAZ voltar."),
    HistoryType.INVOICE_UNANSWERED: lambda p, n: (
        f"NF-e {_invoice(p)} enviada à SEFAZ sem resposta ({p.get('reason')}): aguardando SEFAZ; o lojasync a "
        "consulta pela chave 5 minutos depois do envio, sem enviá-la de novo."),
    HistoryType.SALE_GENERATED: lambda p, n: f"Venda simples {p.get('sale_number')} gerada.",
    HistoryType.SALE_CONFIRMED: lambda p, n: f"Venda simples {p.get('sale_number')} confirmada.",
    HistoryType.SALE_CANCELLED: lambda p, n: f"Venda simples {p.get('sale_number')} cancelada.",
    HistoryType.STOCK_ISSUED: lambda p, n: (
        f"Baixa de estoque: {p.get('units')} unidade(s) de {p.get('products')} produto(s) ({p.get('document')})."),
    HistoryType.STOCK_NEGATIVE: lambda p, n: (
        f"Estoque negativo depois da baixa ({p.get('document')}): "
        + ", ".join(f"{x.get('sku')} ficou com {x.get('balance')}" for x in p.get("products") or [])
        + ". Saiu mais do que o ERP tinha: confira a contagem em Estoque."),
    HistoryType.STOCK_RETURNED: lambda p, n: (
        f"Estoque devolvido: {p.get('units')} unidade(s) de {p.get('products')} produto(s) ({p.get('document')})."),
    HistoryType.RECEIVABLES_CREATED: lambda p, n: (
        f"{p.get('count')} conta(s) a receber criada(s), total {_money(n, p.get('total'))} ({p.get('document')})."),
    HistoryType.RECEIVABLES_CANCELLED: lambda p, n: (
        (f"{p.get('count')} conta(s) a receber cancelada(s)" if p.get("count") else "Nenhuma conta a receber cancelada")
        + f" ({p.get('document')})."
        + (f" {p['flagged']} já recebida(s): ficaram como estavam, marcadas para conferir a devolução ao cliente."
           if p.get("flagged") and not p.get("standing") else "")
        + (f" {p['flagged']} já recebida(s): ficaram como estavam, marcadas para conferir; a venda continua com a "
           f"{p['standing']}, e o cliente já pagou." if p.get("flagged") and p.get("standing") else "")),
    HistoryType.RECEIVABLE_RECEIVED: lambda p, n: (
        f"Conta a receber {p.get('installment')}/{p.get('installments')} de {_money(n, p.get('amount'))} "
        "marcada como recebida"
        + (" (tinha sido cancelada por uma pessoa: o cliente pagou depois)." if p.get("was_written_off") else ".")
        + (f" O dinheiro entrou em {_day(p['received_on'])}." if p.get("received_on") else "")),
    HistoryType.RECEIVABLE_CHECKED: lambda p, n: (
        f"Conta a receber {p.get('installment')}/{p.get('installments')} de {_money(n, p.get('amount'))}, recebida "
        "antes do cancelamento, conferida por uma pessoa (o destino do valor recebido foi decidido)."),
    HistoryType.RECEIVABLE_WRITTEN_OFF: lambda p, n: (
        f"Conta a receber {p.get('installment')}/{p.get('installments')} de {_money(n, p.get('amount'))} cancelada "
        f"por uma pessoa (o documento continua): {p.get('reason')}"),
    HistoryType.RECEIVABLE_RECEIPT_UNDONE: lambda p, n: (
        f"Recebimento da conta a receber {p.get('installment')}/{p.get('installments')} de "
        f"{_money(n, p.get('amount'))} desfeito por uma pessoa: {p.get('reason')} "
        + ("(a conta volta a ficar cancelada, como uma pessoa a tinha deixado; se o cliente pagar, marque-a como "
           "recebida)." if p.get("written_off") else
           "(o documento foi cancelado: a conta fica cancelada e não há o que devolver)." if p.get("cancelled")
           else "(a conta volta a ficar em aberto).")),
    HistoryType.REFUND_CHECK_SETTLED: lambda p, n: (
        "Contas a receber já recebidas de documento cancelado todas conferidas: o pedido não pede mais para "
        f"conferir a devolução; {_still_pending(p.get('still_pending') or 0)}."),
}

_LEVELS = {
    HistoryType.CUSTOMER_MISSING: Level.WARNING, HistoryType.CUSTOMER_KEPT: Level.WARNING,
    HistoryType.UNKNOWN_SKU: Level.WARNING, HistoryType.ATTENTION: Level.WARNING,
    HistoryType.FAILED: Level.ERROR, HistoryType.INVOICE_REJECTED: Level.ERROR, HistoryType.INVOICE_DENIED: Level.ERROR,
    HistoryType.INVOICE_CANCEL_NOT_REGISTERED: Level.WARNING, HistoryType.INVOICE_UNANSWERED: Level.WARNING,
    HistoryType.INVOICE_CANCEL_REFUSED: Level.WARNING, HistoryType.INVOICE_SEFAZ_DOWN: Level.WARNING,
    HistoryType.INVOICE_CANCEL_QUEUED: Level.WARNING,
    HistoryType.INVOICE_CANCELLED_ELSEWHERE: Level.WARNING, HistoryType.INVOICE_FOUND_CANCELLED: Level.WARNING,
    HistoryType.STOCK_NEGATIVE: Level.WARNING, HistoryType.STORE_WRITE_REFUSED: Level.WARNING,
}


def _contributor(kind: Any) -> str:
    try:
        return Contributor(kind).label
    except ValueError:
        return str(kind)


def _still_pending(count: int) -> str:
    if not count:
        return "o pedido não precisa mais de atenção"
    if count == 1:
        return "1 outro motivo de atenção continua pendente"
    return f"{count} outros motivos de atenção continuam pendentes"


def _day(iso: str) -> str:
    """A day the history keeps in ISO (2026-12-02), as the pages write it (02/12/2026)."""
    year, month, day = str(iso).split("-")[:3]
    return f"{day}/{month}/{year}"


def _money(names: Names, value: Any) -> str:
    return names.money(value) if value is not None else "?"


def _tracking(params: Mapping[str, Any]) -> str:
    link = f" (rastreio em {params['url']})" if params.get("url") else ""
    before = params.get("previous_code")
    replaced = f", no lugar de {before}" if before and before != params.get("code") else ""
    return f"Código de rastreio {params.get('code')} registrado{link}{replaced}."


def _refused_by_the_store(params: Mapping[str, Any]) -> str:
    error = str(params.get("error") or "").rstrip(".")
    if error.startswith("a loja recusou"):   # the push's own words already name what ("...o código de rastreio X: ...")
        return f"A{error[1:]}."
    return f"A loja recusou {_written_back(params)}: {error or 'sem motivo informado'}."


def _written_back(params: Mapping[str, Any]) -> str:
    """What the store refused: "o código de rastreio AA123BR", "a chave da NF-e 3526...", "a retirada da chave"."""
    value = params.get("value")
    if params.get("what") == "tracking":
        return f"o código de rastreio {value}" if value else "o código de rastreio"
    return f"a chave da NF-e {value}" if value else "a retirada da chave da NF-e do pedido"


def _invoice(params: Mapping[str, Any]) -> str:
    return f"nº {params.get('number')} série {params.get('series')}"


LEVEL_LABELS = {Level.INFO: "informação", Level.WARNING: "aviso", Level.ERROR: "erro"}
TYPE_LABELS = {
    HistoryType.CREATED: "importado", HistoryType.UPDATED: "atualizado pela loja",
    HistoryType.CUSTOMER_MISSING: "sem cliente", HistoryType.CUSTOMER_KEPT: "cliente mantido",
    HistoryType.UNKNOWN_SKU: "produto não encontrado", HistoryType.FAILED: "falha na importação",
    HistoryType.RECOVERED: "importação recuperada", HistoryType.ATTENTION: "precisa de atenção",
    HistoryType.STORE_UPDATE: "atualização da loja",
    HistoryType.STORE_CHANGE_UNDONE: "mudança desfeita pela loja", HistoryType.CUSTOMER_LINKED: "cliente vinculado",
    HistoryType.CUSTOMER_REGISTRATION: "IE do cliente",
    HistoryType.ATTENTION_CLEARED: "atenção resolvida",
    HistoryType.TRACKING_RECORDED: "código de rastreio",
    HistoryType.STORE_WRITE_REFUSED: "recusado pela loja",
    HistoryType.LGPD_CUSTOMER_REDACT: "LGPD: anonimização", HistoryType.LGPD_STORE_REDACT: "LGPD: exclusão da loja",
    HistoryType.LGPD_DATA_REQUEST: "LGPD: pedido de dados", HistoryType.INVOICE_GENERATED: "NF-e gerada",
    HistoryType.INVOICE_REBUILT: "NF-e refeita", HistoryType.INVOICE_RESIGNED: "NF-e assinada de novo",
    HistoryType.INVOICE_AUTHORISED: "NF-e autorizada", HistoryType.INVOICE_REJECTED: "NF-e rejeitada",
    HistoryType.INVOICE_DENIED: "NF-e denegada",
    HistoryType.INVOICE_CANCELLED: "NF-e cancelada", HistoryType.INVOICE_DISCARDED: "NF-e descartada",
    HistoryType.INVOICE_CANCELLED_ELSEWHERE: "NF-e cancelada fora do lojasync",
    HistoryType.INVOICE_FOUND_CANCELLED: "NF-e cancelada fora do lojasync",
    HistoryType.INVOICE_NUMBER_VOIDED: "Número inutilizado",
    HistoryType.INVOICE_CANCEL_NOT_REGISTERED: "cancelamento não registrado",
    HistoryType.INVOICE_CANCEL_REFUSED: "cancelamento não feito",
    HistoryType.INVOICE_CANCEL_QUEUED: "cancelamento na fila",
    HistoryType.INVOICE_CANCEL_WITHDRAWN: "cancelamento retirado",
    HistoryType.INVOICE_UNANSWERED: "NF-e sem resposta da SEFAZ",
    HistoryType.INVOICE_SEFAZ_DOWN: "SEFAZ fora do ar",
    HistoryType.SALE_GENERATED: "venda simples gerada",
    HistoryType.SALE_CONFIRMED: "venda simples confirmada", HistoryType.SALE_CANCELLED: "venda simples cancelada",
    HistoryType.STOCK_ISSUED: "baixa de estoque", HistoryType.STOCK_RETURNED: "estoque devolvido",
    HistoryType.STOCK_NEGATIVE: "estoque negativo",
    HistoryType.RECEIVABLES_CREATED: "contas a receber criadas",
    HistoryType.RECEIVABLES_CANCELLED: "contas a receber canceladas",
    HistoryType.RECEIVABLE_RECEIVED: "conta recebida", HistoryType.RECEIVABLE_CHECKED: "conta conferida",
    HistoryType.RECEIVABLE_WRITTEN_OFF: "conta cancelada",
    HistoryType.RECEIVABLE_RECEIPT_UNDONE: "recebimento desfeito",
    HistoryType.REFUND_CHECK_SETTLED: "devolução conferida",
    HistoryType.LEGACY: "registro anterior",
}


def type_label(entry_type: str) -> str:
    """The entry's type in words; a type written by a newer version as it is."""
    try:
        return TYPE_LABELS[HistoryType(entry_type)]
    except (ValueError, KeyError):
        return entry_type


def level_label(level: str) -> str:
    try:
        return LEVEL_LABELS[Level(level)]
    except ValueError:
        return level


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
