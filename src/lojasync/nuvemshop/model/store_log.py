"""The store log: what happened to a connected store as a whole, as typed entries.

Installs, suspensions, LGPD requests, imports that failed before the order existed in the ERP and writes
the store refused (an order's own story is its history, in the sales module). Parameters hold ids and
counts, never personal data; text is built when shown.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from lojasync.nuvemshop.scopes import missing_scopes_effect


class StoreLogType(StrEnum):
    APP_INSTALLED = "app_installed"
    APP_UNINSTALLED = "app_uninstalled"
    APP_SUSPENDED = "app_suspended"
    APP_RESUMED = "app_resumed"
    STORE_DISABLED = "store_disabled"
    STORE_ENABLED = "store_enabled"
    NEEDS_ATTENTION = "needs_attention"
    LGPD_STORE_REDACT = "lgpd_store_redact"
    LGPD_CUSTOMER_REDACT = "lgpd_customer_redact"
    LGPD_DATA_REQUEST = "lgpd_data_request"
    IMPORT_FAILED = "import_failed"
    STORE_UPDATE_FAILED = "store_update_failed"   # the store refused a stock, NF-e key or tracking write for good
    STOCK_SPLIT = "stock_split"   # a product's stock was split among the store variants sharing its SKU (said once)
    LEGACY = "legacy"   # migrated from the old sync log: the sentence as it was written


class StoreLogEntry:
    id: int | None
    store_id: int
    type: str
    actor: str
    params: dict
    created_at: datetime | None

    def __init__(self, store_id: int, entry_type: StoreLogType, actor: str, params: dict | None = None) -> None:
        self.store_id = store_id
        self.type = entry_type.value
        self.actor = actor
        self.params = params or {}


def _installed(p: Mapping[str, Any]) -> str:
    text = "App reinstalado na loja: token trocado." if p.get("reinstall") else "App instalado na loja: token salvo."
    if p.get("missing_scopes"):
        text += f" Faltam as permissões {', '.join(p['missing_scopes'])}: {missing_scopes_effect(p['missing_scopes'])}."
    return text


# What the law keeps of a person's data an LGPD request erases.
FISCAL_KEPT = "mantidos por obrigação fiscal (NF-e emitida ou venda confirmada)"


def _customer_redacted(p: Mapping[str, Any]) -> str:
    parts = [*(p.get("notes") or []), f"{p.get('orders', 0)} pedido(s) anonimizado(s)"]
    if p.get("fiscal"):
        parts.append(f"{p['fiscal']} com NF-e/venda: nome, CPF/CNPJ e endereço do destinatário {FISCAL_KEPT}")
    if p.get("not_imported"):
        parts.append("pedidos ainda não importados (chegarão sem dados pessoais): " + ", ".join(p["not_imported"]))
    if p.get("unknown"):   # not an order id of the store: nothing could ever be imported under it
        parts.append("pedidos não encontrados (não são ids de pedido da loja): " + ", ".join(p["unknown"]))
    if p.get("raw_records"):
        parts.append(f"{p['raw_records']} registro(s) brutos apagados")
    return "customers/redact: " + "; ".join(parts) + "."


def _redacted(p: Mapping[str, Any]) -> str:
    parts = [("credenciais removidas, loja desativada" if p.get("credentials_removed") else "credenciais já removidas"),
             f"{p.get('customers', 0)} cliente(s) anonimizado(s)", f"{p.get('orders', 0)} pedido(s) anonimizado(s)"]
    if p.get("shared"):
        rebuilt = (f", {p['rebuilt']} deles com nome, e-mail, telefone e endereço refeitos a partir desses pedidos"
                   if p.get("rebuilt") else "")
        parts.append(f"{p['shared']} cliente(s) mantido(s) por terem pedidos de outra origem{rebuilt}")
    if p.get("fiscal"):
        parts.append(f"{p['fiscal']} pedido(s) com NF-e emitida ou venda confirmada: nome, CPF/CNPJ e endereço de "
                     "cobrança do destinatário mantidos por obrigação fiscal")
    if p.get("raw_records"):
        parts.append(f"{p['raw_records']} registro(s) brutos da loja apagados")
    return "store/redact: " + "; ".join(parts) + "."


def _update_failed(p: Mapping[str, Any]) -> str:
    if p.get("kind") == "all":
        what = (f"{p.get('count', 0)} atualização(ões) para a loja (estoque, chave da NF-e, código de rastreio) não "
                "enviada(s)")
    elif p.get("kind") == "nfe_key":
        what = f"Chave da NF-e não gravada no {_store_order(p)}"
    elif p.get("kind") == "tracking":
        what = f"Código de rastreio não gravado no {_store_order(p)}"
    else:
        sku = f" (SKU {p['sku']})" if p.get("sku") else ""
        what = f"Estoque da variante {p.get('ref') or '?'}{sku} não atualizado na loja"
    text = f"{what}: {p.get('error') or 'erro'}"
    if not p.get("resolution"):
        return text
    # The refusals' words end without a full stop (review: "...desta variante Resolução: ..."); some end with one.
    return f"{text if text.endswith(('.', '!', '?')) else text + '.'} Resolução: {p['resolution']}"


def _store_order(p: Mapping[str, Any]) -> str:
    """ "pedido #1234 da loja (pedido 16 no ERP)"; the store's internal id when its number is not known."""
    which = f"#{p['number']}" if p.get("number") else (p.get("ref") or "?")
    return f"pedido {which} da loja" + (f" (pedido {p['order']} no ERP)" if p.get("order") else "")


def _stock_split(p: Mapping[str, Any]) -> str:
    variants = p.get("variants") or []
    return (f"O SKU {p.get('sku') or '?'} está em {len(variants)} variantes da loja ({', '.join(variants)}): o "
            "estoque disponível do produto foi dividido entre elas, para a loja não vender mais do que há. Dê a cada "
            "variante o seu próprio SKU na Nuvemshop: o primeiro pedido dela com o SKU novo a liga a um produto "
            "próprio (quando SKUs desconhecidos criam produto, o padrão; se ficam sem produto, só apagar a variante "
            "repetida acaba a divisão), e a outra volta a receber o estoque inteiro.")


_TEXTS: dict[StoreLogType, Callable[[Mapping[str, Any]], str]] = {
    StoreLogType.APP_INSTALLED: _installed,
    StoreLogType.APP_UNINSTALLED: lambda p: ("App desinstalado na loja: sincronização desativada. Reinstale o app "
                                             "para voltar a receber pedidos."),
    StoreLogType.APP_SUSPENDED: lambda p: ("App suspenso na loja: a API responde 402 e não envia webhooks até a "
                                           "reativação; pedidos serão conferidos ao reativar."),
    StoreLogType.APP_RESUMED: lambda p: (
        "A API da loja voltou a responder: suspensão encerrada; conferindo os pedidos do período."
        if p.get("by") == "api" else
        "Uma sincronização leu a loja inteira: suspensão encerrada." if p.get("by") == "sync" else
        "App reativado: conferindo os pedidos do período suspenso."),
    StoreLogType.STORE_DISABLED: lambda p: "Loja desativada pelo operador: nada mais é importado dela.",
    StoreLogType.STORE_ENABLED: lambda p: "Loja reativada pelo operador.",
    StoreLogType.NEEDS_ATTENTION: lambda p: (
        f"A sincronização parou e precisa de atenção: {p.get('error')} Resolução: {p.get('resolution')}"),
    StoreLogType.LGPD_STORE_REDACT: _redacted,
    StoreLogType.LGPD_CUSTOMER_REDACT: _customer_redacted,
    StoreLogType.LGPD_DATA_REQUEST: lambda p: (
        f"Solicitação de dados LGPD {p.get('request_id')}: exportação guardada no lojasync ({p.get('orders', 0)} "
        "pedido(s)) para o lojista enviar ao titular."),
    StoreLogType.IMPORT_FAILED: lambda p: (
        f"Pedido {p.get('external_id') or '?'} da loja não importado: {p.get('error') or 'erro'}. A próxima "
        "sincronização tenta de novo."),
    StoreLogType.STORE_UPDATE_FAILED: _update_failed,
    StoreLogType.STOCK_SPLIT: _stock_split,
}


WARNINGS = frozenset({StoreLogType.APP_UNINSTALLED, StoreLogType.APP_SUSPENDED, StoreLogType.LGPD_STORE_REDACT,
                      StoreLogType.STORE_DISABLED, StoreLogType.STOCK_SPLIT})


def render_store_log(entry_type: str, params: Mapping[str, Any] | None) -> str:
    params = params or {}
    if "legacy_text" in params:
        return params["legacy_text"] or ""
    try:
        return _TEXTS[StoreLogType(entry_type)](params)
    except (ValueError, KeyError):
        return entry_type


def store_log_level(entry_type: str, params: Mapping[str, Any] | None = None) -> str:
    if entry_type in (StoreLogType.IMPORT_FAILED, StoreLogType.NEEDS_ATTENTION, StoreLogType.STORE_UPDATE_FAILED):
        return "error"
    if entry_type in WARNINGS or (params or {}).get("missing_scopes"):
        return "warning"
    return "info"
