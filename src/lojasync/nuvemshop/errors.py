"""Errors of the Nuvemshop connector's use cases (the HTTP client's own are in `client.errors`)."""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError


class StoreNotFound(LojasyncError):
    code = "nuvemshop.store_not_found"
    message_template = "Loja {external_store_id} não está conectada."
    resolution_template = "Conecte a loja (instalação do app) ou confira o id da loja."
    action = Action.CONNECT_STORE


class NoStoreConnected(LojasyncError):
    code = "nuvemshop.no_store"
    message_template = "Nenhuma loja conectada."
    resolution_template = "Conecte uma loja (instalação do app ou cadastro do token)."
    action = Action.CONNECT_STORE


class StoreNotChosen(LojasyncError):
    code = "nuvemshop.store_not_chosen"
    message_template = "Há mais de uma loja conectada ({stores})."
    resolution_template = "Escolha uma das lojas."
    action = Action.CHOOSE_STORE


class StoreDetailsMissing(LojasyncError):
    code = "nuvemshop.store_details_missing"
    message_template = "Informe o id da loja e o token de acesso."
    action = Action.CONNECT_STORE


class StoreInactive(LojasyncError):
    code = "nuvemshop.store_inactive"
    message_template = "A loja {external_store_id} está desativada (app desinstalado ou suspenso)."
    resolution_template = "Reconecte a loja: reinstale o app ou cadastre o token novo."
    action = Action.RECONNECT_STORE


class SyncBusy(LojasyncError):
    """Another process holds the store (a worker draining webhooks, another sync)."""

    code = "nuvemshop.sync_busy"
    message_template = "Outra sincronização (ou o worker) está lendo esta loja agora."
    resolution_template = "Tente de novo em instantes: nada se perde, a sincronização retoma de onde parou."
    action = Action.TRY_AGAIN
    retryable = True


class LeaseLost(LojasyncError):
    """Another worker took the store (our lease expired): stop, the events stay pending."""

    code = "nuvemshop.lease_lost"
    message_template = "Outro processo assumiu esta loja durante a leitura."
    resolution_template = "Nada a fazer: quem assumiu a loja continua de onde esta leitura parou."
    retryable = True


class ImportConflictError(LojasyncError):
    """The batch kept colliding with other importers; nothing was written, the caller may retry."""

    code = "nuvemshop.import_conflict"
    message_template = "Outro processo gravava os mesmos pedidos ao mesmo tempo e o lote não pôde ser gravado."
    resolution_template = "Sincronize de novo: nada foi perdido, a sincronização retoma de onde parou."
    action = Action.SYNC
    retryable = True


class EventNotFound(LojasyncError):
    code = "nuvemshop.event_not_found"
    message_template = "Evento {event_id} não encontrado."
    resolution_template = "Confira o número na lista de notificações recebidas."


class ExportNotFound(LojasyncError):
    code = "nuvemshop.lgpd_export_not_found"
    message_template = "Nenhuma exportação LGPD com o pedido {request_id}."
    resolution_template = ("Confira o número na lista de exportações LGPD (elas são apagadas depois do prazo de "
                           "retenção).")


class LgpdRequestError(LojasyncError):
    """A malformed LGPD webhook body: the event cannot be handled as sent."""

    code = "nuvemshop.lgpd_request_invalid"
    resolution_template = ("Confira o corpo da notificação enviado pela Nuvemshop; a plataforma reenvia o pedido "
                           "LGPD, ou reprocesse o aviso.")
    action = Action.RETRY_EVENT


class WebhookRejected(LojasyncError):
    """A notification refused at the door; `status_code` is the HTTP answer."""

    code = "nuvemshop.webhook_rejected"

    def __init__(self, status_code: int, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
