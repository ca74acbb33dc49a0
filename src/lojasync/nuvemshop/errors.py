"""Errors of the Nuvemshop connector's use cases (the HTTP client's own are in `client.errors`)."""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError

# Said the same way wherever the store's token is missing, refused or unreadable.
RECONNECT = "Reconecte a loja: reinstale o app na loja ou cadastre o token de acesso novo."
RETRY_NOTIFICATION = "Reprocesse a notificação."


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


class StoreIdInvalid(LojasyncError):
    code = "nuvemshop.store_id_invalid"
    message_template = "Id de loja inválido: {given!r}."
    resolution_template = "O id de uma loja Nuvemshop é um número (o user_id que acompanha o token)."
    action = Action.CONNECT_STORE


class ApiUrlInvalid(LojasyncError):
    code = "nuvemshop.api_url_invalid"
    message_template = "Endereço da API inválido: {given!r}."
    resolution_template = "Use o endereço da API da Nuvemshop, ex.: https://api.nuvemshop.com.br/2025-03."
    action = Action.CONNECT_STORE


class StoreCheckFailed(LojasyncError):
    """The store's API did not confirm the id, token and address given: nothing was saved."""

    code = "nuvemshop.store_check_failed"
    message_template = "A Nuvemshop não confirmou a loja {external_store_id}: {reason}. Nada foi gravado."
    resolution_template = "Confira o id da loja, o token de acesso e o endereço da API, e tente de novo."
    action = Action.CONNECT_STORE


class StoreHasOrders(LojasyncError):
    code = "nuvemshop.store_has_orders"
    message_template = "A loja {external_store_id} tem {orders} pedido(s) importado(s): ela não pode ser removida."
    resolution_template = "Desative a loja: os pedidos ficam no ERP e nada mais é importado dela."
    action = Action.DISABLE_STORE


class StoreDetailsMissing(LojasyncError):
    code = "nuvemshop.store_details_missing"
    message_template = "Informe o id da loja e o token de acesso."
    action = Action.CONNECT_STORE


class StoreInactive(LojasyncError):
    code = "nuvemshop.store_inactive"
    message_template = "A loja {external_store_id} está desativada (o app foi desinstalado da loja)."
    resolution_template = RECONNECT
    action = Action.RECONNECT_STORE


class StoreDisabled(StoreInactive):
    """Disabled here by an operator (`store disable`): re-enabling is enough, no reconnection."""

    code = "nuvemshop.store_disabled"
    message_template = "A loja {external_store_id} foi desativada no lojasync (os pedidos importados ficam)."
    resolution_template = "Reative a loja para voltar a importar."
    action = Action.ENABLE_STORE


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


# How to bring in an order left out for the data inicial (said on its notification, `drain_orders.before_start_note`).
BRING_IN_OLDER_ORDERS = ("Para trazê-lo, mude a data inicial (Configurações → Pedidos importados) e faça uma "
                         "sincronização completa.")


class EventNotRetryable(LojasyncError):
    """Only a failed notification is put back in the queue: one processed (or ignored, as stale or for
    another store) would apply again what it said then, e.g. an old "app suspended" pausing the store now."""

    code = "nuvemshop.event_not_retryable"
    message_template = "O evento {event_id} está {status}: só um evento com erro é reprocessado."
    resolution_template = "Para ler um pedido da loja de novo, use Reprocessar na página do pedido."

    def __init__(self, message: str | None = None, **params) -> None:
        super().__init__(message, **params)
        self.terminal_commands = (
            ("lojasync import-rules set --orders-from AAAA-MM-DD", "lojasync sync --full") if params.get("before_start")
            else (f"lojasync orders resync {params.get('order_number') or 'NÚMERO'}",))


class EventStoreInactive(LojasyncError):
    """A failed notification of an inactive store: back in the queue, the worker would mark it ignored without
    reading the order, so it is not put back and stays failed (review: "recolocada na fila: o pedido será lido de
    novo" was said, and then the order was never read)."""

    code = "nuvemshop.event_store_inactive"
    message_template = ("A notificação {event_id} é da loja {external_store_id}, que está desativada (o app foi "
                        "desinstalado da loja): reprocessada agora, ela seria ignorada. Ela fica como está.")
    resolution_template = "Reconecte a loja e depois reprocesse a notificação."
    action = Action.RECONNECT_STORE
    terminal_commands = ("lojasync events retry {event_id}",)


class EventStoreDisabled(EventStoreInactive):
    """The same, of a store an operator disabled here (`store disable`): enabling it is enough."""

    code = "nuvemshop.event_store_disabled"
    message_template = ("A notificação {event_id} é da loja {external_store_id}, que está desativada no lojasync: "
                        "reprocessada agora, ela seria ignorada. Ela fica como está.")
    resolution_template = "Reative a loja e depois reprocesse a notificação."
    action = Action.ENABLE_STORE
    terminal_commands = ("lojasync store enable {external_store_id}", "lojasync events retry {event_id}")


class EventNotFound(LojasyncError):
    code = "nuvemshop.event_not_found"
    message_template = "Evento {event_id} não encontrado."
    resolution_template = "Confira o número na lista de notificações recebidas."


class ExportNotFound(LojasyncError):
    code = "nuvemshop.lgpd_export_not_found"
    message_template = "Nenhuma exportação LGPD com a solicitação {request_id}."
    resolution_template = ("Confira o número na lista de exportações LGPD (elas são apagadas depois do prazo de "
                           "retenção).")


class ExportOfSeveralStores(LojasyncError):
    code = "nuvemshop.lgpd_export_ambiguous"
    message_template = "Lojas diferentes têm uma exportação LGPD com a solicitação {request_id} (lojas {stores})."
    resolution_template = "Diga de qual loja é a exportação (a lista das exportações mostra a loja)."
    terminal_commands = ("lojasync lgpd export {request_id} --store LOJA",)


class LgpdRequestError(LojasyncError):
    """A malformed LGPD webhook body: the event cannot be handled as sent."""

    code = "nuvemshop.lgpd_request_invalid"
    resolution_template = ("Confira o corpo da notificação enviado pela Nuvemshop; a plataforma reenvia a "
                           "solicitação LGPD, ou reprocesse a notificação.")
    action = Action.RETRY_EVENT


class LgpdNotHandledHere(LojasyncError):
    """A process without the LGPD handler drained an LGPD notification (a wiring mistake, said plainly)."""

    code = "nuvemshop.lgpd_not_handled"
    message_template = "Solicitação LGPD recebida, mas este processo não trata LGPD."
    resolution_template = ("Peça a quem instalou o lojasync um worker completo (o do serve ou um worker à parte) e "
                           "reprocesse a notificação.")
    terminal_commands = ("lojasync worker",)
    action = Action.RETRY_EVENT


class OrderImportFailed(LojasyncError):
    """A notified order was read but could not be imported; the failure itself says why."""

    code = "nuvemshop.import_failed"
    resolution_template = ("Corrija o pedido na loja; a notificação seguinte ou o reprocessamento da notificação "
                           "importa de novo.")
    action = Action.RETRY_EVENT


class OrderNotSaved(LojasyncError):
    code = "nuvemshop.database_refused"
    message_template = "Pedido {external_id} não pôde ser gravado ({reason})."
    resolution_template = ("O banco recusou os dados deste pedido (valor fora do formato aceito). Confira o pedido "
                           "na loja; os demais pedidos do lote foram importados. A próxima sincronização tenta de "
                           "novo.")
    action = Action.SYNC


class PayloadUnreadable(LojasyncError):
    code = "nuvemshop.payload_unreadable"
    message_template = "Pedido {external_id} da loja não pôde ser lido (erro interno {kind})."
    resolution_template = ("O pedido foi guardado como veio da loja e será tentado de novo na próxima sincronização. "
                           "Se o erro voltar, é uma falha do lojasync: informe o número do pedido ao suporte.")


class EventFailed(LojasyncError):
    """Processing a notification raised something that is not a LojasyncError: a bug, kept for a person."""

    code = "nuvemshop.event_failed"
    message_template = "Erro ao processar ({kind}){attempts}."
    resolution_template = ("Veja os logs do worker (procure o id do evento); depois de corrigir, reprocesse a "
                           "notificação.")
    action = Action.RETRY_EVENT


# A webhook refused because the database did not answer (the store's lookup): `WebhookRejected.reason`.
DATABASE_UNAVAILABLE = "database_unavailable"


class WebhookRejected(LojasyncError):
    """A notification refused at the door; `status_code` is the HTTP answer."""

    code = "nuvemshop.webhook_rejected"

    def __init__(self, status_code: int, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.reason = reason   # the metrics' label, when the status alone does not say it (503: whose?)
