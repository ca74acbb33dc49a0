"""Errors of processing an order (NF-e, venda simples), for the person who reads them."""

from __future__ import annotations

from lojasync.fiscal.gateway import DUPLICATE_WITH_DIFFERENT_KEY, NUMBER_ALREADY_VOIDED, SERVICE_PARALYSED
from lojasync.fiscal.sefaz_outcomes import OVERUSE
from lojasync.shared.errors import Action, LojasyncError, terminal_commands


class RecipientFixedByInvoice(LojasyncError):
    """The NF-e names the customer it was sent or authorised for: the order cannot start naming someone else while
    SEFAZ may hold it (awaiting its answer) or it stands (authorised). A pending or rejected one is no obstacle: it is
    built anew, naming the customer linked then, when it is transmitted (`services.invoices._claim`)."""

    code = "fiscal.recipient_fixed"
    message_template = ("O pedido {order_number} tem a {document} ({status}), feita para o cliente atual: o cliente "
                        "não pode ser trocado agora.")
    resolution_template = ("Se ela aguarda a SEFAZ, espere a resposta (autorizada, ela fica com o cliente atual; se "
                           "não, o cliente pode ser trocado e ela é refeita com ele ao ser transmitida). Autorizada, "
                           "cancele-a na página dela, troque o cliente e gere outra NF-e.")
    action = Action.SEE_INVOICES


class CustomerWaitsForSefaz(RecipientFixedByInvoice):
    """An order left without a customer (the buyer's data erased, LGPD) whose NF-e awaits SEFAZ: no customer is
    linked until SEFAZ answers (it may hold the NF-e as it was signed; one it never got goes back to pending, and is
    built anew with the customer linked then)."""

    code = "fiscal.customer_waits_for_sefaz"
    left_to_worker = True
    message_template = ("O pedido {order_number} tem a {document} aguardando a SEFAZ: nenhum cliente pode ser "
                        "vinculado a ele até a resposta.")
    resolution_template = ("Espere a resposta da SEFAZ (o lojasync a consulta sozinho): se ela não tiver recebido a "
                           "NF-e, ela volta a pendente, o cliente pode ser vinculado e ela é refeita com ele ao ser "
                           "transmitida.")


class OrderAlreadyProcessing(LojasyncError):
    """One active document per order: a second NF-e or sale would issue stock twice."""

    code = "fiscal.order_has_document"
    message_template = "O pedido {order_number} já tem {document} ({status})."
    resolution_template = ("Use o documento que já existe; para gerar outro, cancele (ou descarte) esse "
                           "primeiro.")
    # An NF-e awaiting SEFAZ can be neither cancelled nor discarded before SEFAZ decides (it may be authorised).
    AWAITING_RESOLUTION = ("Essa NF-e aguarda a decisão da SEFAZ: transmita-a de novo (o lojasync consulta a SEFAZ "
                           "antes de reenviar); autorizada, use-a ou cancele-a; rejeitada, descarte-a antes de gerar "
                           "outro documento.")

    # An NF-e generated and never sent: what is left to do is to send it (review: "use o documento" said nothing of
    # how, and pointed to `invoices show`).
    PENDING_RESOLUTION = ("Essa NF-e foi gerada e ainda não transmitida: transmita-a (Transmitir, na página dela; ou "
                          "a NF-e em lote, que transmite as pendentes); para gerar outro documento, descarte-a "
                          "primeiro.")

    # Rejected: used as it is, it never will be (review: a batch run again said "use o documento que já existe" of
    # NF-e that SEFAZ had refused).
    REJECTED_RESOLUTION = ("Essa NF-e foi rejeitada pela SEFAZ: veja o motivo na página dela, corrija e transmita-a de "
                           "novo, ou descarte-a e gere outra.")

    # Rejected with 539/206: SEFAZ holds its number (another key, voided); transmitting it again is refused (review:
    # the batch run again said to correct and transmit it). Said as the NF-e's own refusal says it (539: the other key
    # may be this company's valid NF-e, to be checked before invoicing the sale again).
    NUMBER_SPENT = "Essa NF-e foi rejeitada porque a SEFAZ já tem o número dela e não pode ser transmitida de novo. "

    def __init__(self, *, shown_by: str | None = None, awaiting_sefaz: bool = False, pending_nfe: bool = False,
                 rejected_nfe: bool = False, rejection_code: str | None = None, **params) -> None:
        spent = number_spent_resolution(rejection_code)
        resolution = (self.AWAITING_RESOLUTION if awaiting_sefaz else self.PENDING_RESOLUTION if pending_nfe
                      else self.NUMBER_SPENT + spent if rejected_nfe and spent
                      else self.REJECTED_RESOLUTION if rejected_nfe else None)
        super().__init__(resolution=resolution, **params)
        # The message names the NF-e by its number; the terminal finds it by its id (and sends a pending one, or
        # discards one whose number SEFAZ holds).
        sends = f"lojasync invoices approve {params.get('document_id')}" if pending_nfe else None
        discards = (f"lojasync invoices cancel {params.get('document_id')} --reason MOTIVO" if rejected_nfe and spent
                    else None)
        self.terminal_commands = tuple(c for c in (sends or discards or shown_by,) if c)


class DocumentNotPossible(LojasyncError):
    """Everything that keeps the document from being generated, listed at once."""

    code = "fiscal.document_not_possible"
    message_template = "Não é possível gerar {document} do pedido {order_number}: {problems}."
    resolution_template = "Corrija o que foi indicado e gere de novo; nada foi criado."

    def __init__(self, document: str, order_number: int, problems: list[str], resolution: str | None = None) -> None:
        super().__init__(document=document, order_number=order_number, problems="; ".join(problems),
                         resolution=resolution)
        self.problems = list(problems)
        self.terminal_commands = terminal_commands(problems)


class SaleNotFound(LojasyncError):
    code = "fiscal.sale_not_found"
    message_template = "Venda simples {sale_id} não encontrada."
    resolution_template = "Confira o número na lista de vendas simples."
    action = Action.SEE_SALES


class SaleChangedMeanwhile(LojasyncError):
    """A cancellation asked from a page that showed the sale as it no longer is (confirmed since, in another tab, by
    another person or the API): cancelling it now would undo what that page did not say (stock and receivables)."""

    code = "fiscal.sale_changed_meanwhile"
    message_template = ("A venda simples {sale_id} foi {now} depois que esta página foi aberta (ela dizia {shown}): "
                        "nada foi cancelado.")
    resolution_template = ("Abra a venda de novo e, se ainda for o caso, cancele-a: veja antes o que o cancelamento "
                           "desfaz.")
    action = Action.SEE_SALES


class InvoiceNotFound(LojasyncError):
    code = "fiscal.invoice_not_found"
    message_template = "NF-e de id {invoice_id} não encontrada."
    # The commands and the page's address take the NF-e's id, not its number (nº): the terminal's list shows
    # both; the web's list links each nº to its NF-e.
    resolution_template = "Abra a NF-e pela lista de NF-e: o id não é o nº da NF-e."
    terminal_commands = ("lojasync invoices list (o id é a coluna Id)",)
    action = Action.SEE_INVOICES


class BatchNotFound(LojasyncError):
    code = "fiscal.batch_not_found"
    message_template = "Lote de NF-e {batch_id} não encontrado."
    # The NF-e of a batch stay; only its summary is forgotten after a while.
    resolution_template = ("O resumo de um lote fica guardado por {days} dias; as NF-e dele continuam na lista de "
                           "NF-e.")
    action = Action.SEE_INVOICES


class DocumentStateRefused(LojasyncError):
    """The action does not apply to the document's current state (confirm a cancelled sale, ...)."""

    code = "fiscal.state_refused"
    message_template = "{document} {number} está {status}: não é possível {what}."
    resolution_template = "Confira a situação do documento; gere outro a partir do pedido se preciso."
    # A document that never comes back (cancelled, discarded, denied), its order known: what is left is a new document
    # of that order (review: "gere outro a partir do pedido" named neither the order nor how).
    FINAL_RESOLUTION = ("Nada foi feito: esse documento não volta a valer. Se a venda do pedido {order_number} "
                        "continua, gere outro documento a partir dele (NF-e ou venda simples).")

    def __init__(self, *, order_number: int | None = None, **params) -> None:
        if order_number is not None and params.get("resolution") is None:
            params["resolution"] = self.FINAL_RESOLUTION.format(order_number=order_number)
        super().__init__(**params)
        if order_number is not None:
            self.terminal_commands = (f"lojasync orders invoice {order_number} (NF-e) ou lojasync orders sale "
                                      f"{order_number} (venda simples)",)


class DiscardNeedsReason(LojasyncError):
    """A pending or rejected NF-e discarded without a word of why. SEFAZ never sees this reason (the void of its number
    takes its own justification, typed when the number is voided), so no 15-character rule; but the order's history
    keeps it, and "descartada por Ana" with nothing after it told whoever reads it later nothing (review)."""

    code = "nfe.discard_reason"
    message_template = "Informe o motivo do descarte da NF-e nº {number}."
    resolution_template = ("Escreva por que a NF-e não vai ser transmitida (por exemplo: \"pedido cancelado pelo "
                           "cliente antes do envio\"); o motivo fica no histórico do pedido.")


class _PendingDocumentOutdated(LojasyncError):
    """A pending document no longer describes its order: the way out is to discard it, which the terminal does
    with the document's own cancel (`invoice_id` or `sale_id` among the params say which)."""

    def __init__(self, **params) -> None:
        super().__init__(**params)
        if "invoice_id" in params:
            self.action = Action.DISCARD_INVOICE   # the page links the NF-e, the terminal cancels it by its id
        elif "sale_id" in params:   # refused on the sale's own page: no link, the terminal's cancel
            self.terminal_commands = (f"lojasync sales cancel {params['sale_id']}",)


class OrderChangedSinceGenerated(_PendingDocumentOutdated):
    code = "fiscal.order_changed"
    # What `same_sale` compares, all of it: a merchant who finds the items equal must know where else to look.
    # `document`: its label ("NF-e nº 5 série 1", "venda simples 2"), both feminine.
    message_template = ("O pedido {order_number} mudou na loja depois de gerada a {document} (itens, quantidades, "
                        "preços, frete, desconto, total, pagamento ou moeda): aprovar agora registraria uma venda "
                        "que não é mais a do pedido.")
    resolution_template = "Descarte (cancele) o documento pendente e gere outro a partir do pedido atualizado."


class RecipientChangedSinceGenerated(OrderChangedSinceGenerated):
    """The store changed the order's buyer (CPF/CNPJ, billing address) after the NF-e was built and sent, and SEFAZ
    never got it: not sent as it was. Said apart from `OrderChangedSinceGenerated`, whose list a merchant who finds
    the items equal would search in vain; and its way out is no discard: transmitted again, the NF-e (pending again)
    is built anew from the order, same number (`services.invoices._claim`)."""

    code = "fiscal.recipient_changed"
    # `what`: "o CPF/CNPJ", "o endereço" (`fiscal.recipient_drift`).
    message_template = ("O pedido {order_number} mudou {what} do comprador depois de gerada a {document}: ela não foi "
                        "enviada como estava, para não ser autorizada com o destinatário de antes.")
    resolution_template = ("Transmita a NF-e de novo: ela é refeita com o destinatário que o pedido tem agora, com o "
                           "mesmo número.")

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.action = Action.APPROVE_INVOICE


class DeliveryChangedSinceGenerated(RecipientChangedSinceGenerated):
    """The store changed where the goods go (another shipping address, a pickup at the store made a shipment or the
    other way round) after the NF-e was built: never sent, it is built anew with the same number, as for another
    buyer (`services.invoices._claim`); sent and never received by SEFAZ, it is not sent as it was."""

    code = "fiscal.delivery_changed"
    # `what`: "a entrega" (said as "o pedido mudou a entrega do comprador" in the NF-e's history when rebuilt).
    message_template = ("O pedido {order_number} mudou a entrega (endereço de entrega, ou retirada na loja) depois de "
                        "gerada a {document}: ela não foi enviada como estava, para não ser autorizada com o local de "
                        "entrega de antes (que decide o imposto de uma venda a consumidor de outra UF).")
    resolution_template = ("Transmita a NF-e de novo: ela é refeita com a entrega que o pedido tem agora, com o mesmo "
                           "número.")


class OrderCancelledInStore(_PendingDocumentOutdated):
    code = "fiscal.order_cancelled"
    message_template = ("O pedido {order_number} foi cancelado depois de gerada a {document}: aprovar baixaria "
                        "estoque de uma venda que não existe.")
    resolution_template = "Descarte (cancele) o documento pendente; se a venda continua, reative o pedido na loja."


class BuyerDataErasedSinceGenerated(_PendingDocumentOutdated):
    """The buyer had their data erased (LGPD, customers/redact) after the NF-e was generated: the order no longer says
    who the recipient is, and the NF-e's signed XML, which named them (name, CPF/CNPJ, e-mail, phone), was dropped.
    Nothing to send until a person links the customer again with the data the buyer gives for the invoice: the NF-e
    is then built anew from the order, same number (`services.invoices._claim`)."""

    code = "fiscal.buyer_data_erased"
    message_template = ("Os dados pessoais do cliente do pedido {order_number} foram apagados (LGPD: a pedido dele ou "
                        "da loja) depois de gerada a {document}: ela não tem mais destinatário e não foi transmitida.")
    resolution_template = ("Se a venda ainda vale, vincule o cliente no pedido com os dados que ele informar para a "
                           "NF-e e transmita de novo: ela é refeita com eles, com o mesmo número. Se não vale mais, "
                           "descarte-a.")


class OrderNeedsReread(LojasyncError):
    """The store changed the order while a document stood; that document is cancelled, but the order still holds
    the sale as it was (the change was held back): a new document would describe the old sale."""

    code = "fiscal.order_needs_reread"
    message_template = ("O pedido {order_number} mudou na loja enquanto tinha um documento, e aqui ainda está como "
                        "era: {document} sairia com a venda antiga.")
    resolution_template = "Leia o pedido de novo da loja (Reprocessar, na página do pedido) e gere depois."

    def __init__(self, **params) -> None:
        super().__init__(**params)
        self.terminal_commands = (f"lojasync orders resync {params['order_number']}",)


def _minutes(count: int) -> str:
    return "minuto" if count == 1 else "minutos"


class InvoiceBeingSent(LojasyncError):
    """Sent moments ago, maybe still waiting for SEFAZ: `minutes` is what is left of the sending window
    (`services.invoices.SENDING_WINDOW`), after which it may be transmitted again; `within`, the minutes a
    transmission may last (`services.invoices.TRANSMISSION_TIME`): one still on its way records SEFAZ's answer
    by then (two people, two tabs or the API transmitting the same NF-e at once)."""

    code = "fiscal.invoice_being_sent"
    message_template = "A NF-e nº {number} foi enviada à SEFAZ há instantes e ainda aguarda a resposta."
    resolution_template = ("Se ela está sendo enviada agora (por outra pessoa, outra aba ou a API), a resposta da "
                           "SEFAZ aparece na NF-e em até {within} {within_word}. Se não, transmita de novo daqui a "
                           "{minutes} {minutes_word}: o lojasync consulta a SEFAZ antes de reenviar.")

    def __init__(self, number: int, invoice_id: int, minutes: int, within: int = 1) -> None:
        super().__init__(number=number, invoice_id=invoice_id, minutes=minutes,
                         minutes_word=_minutes(minutes), within=within, within_word=_minutes(within))
    action = Action.APPROVE_INVOICE
    retryable = True


class SefazPausedTheKey(LojasyncError):
    """SEFAZ answered 656 ("consumo indevido") about this NF-e within the hour: asked again now, by a person or a batch,
    SEFAZ keeps the block (review: the worker waited the hour, `invoices approve` and a batch run did not)."""

    code = "fiscal.sefaz_paused_the_key"
    left_to_worker = True
    message_template = ("A SEFAZ bloqueou as consultas da NF-e nº {number} por consumo indevido (656): perguntar de "
                        "novo antes de uma hora mantém o bloqueio.")
    resolution_template = ("Nada a fazer agora: a NF-e segue aguardando SEFAZ e o lojasync a consulta sozinho daqui a "
                           "{minutes} {minutes_word}.")
    retryable = True

    def __init__(self, *, number: int, invoice_id: int, minutes: int) -> None:
        super().__init__(number=number, invoice_id=invoice_id, minutes=minutes,
                         minutes_word=_minutes(minutes))


class InvoiceAwaitingSefaz(LojasyncError):
    """Cancel or discard an NF-e SEFAZ has not decided: it may be authorised there (an answer lost), so it is
    neither discarded nor cancelled until a transmission (a query by key first) settles what SEFAZ holds."""

    code = "fiscal.invoice_awaiting_sefaz"
    left_to_worker = True
    message_template = ("A NF-e nº {number} aguarda a decisão da SEFAZ: ainda não pode ser cancelada nem "
                        "descartada.")
    # The worker asks SEFAZ by key once the sending window has passed since the send, not every minute.
    resolution_template = ("Transmita de novo (o lojasync consulta a SEFAZ antes de reenviar; o worker também "
                           "consulta sozinho, 5 minutos depois do envio): autorizada, cancele-a; rejeitada, "
                           "descarte-a.")
    action = Action.APPROVE_INVOICE


class SefazNotDecided(LojasyncError):
    """SEFAZ answered, but without a decision (out of service, batch still in processing, asked too often)."""

    code = "fiscal.sefaz_not_decided"
    left_to_worker = True
    message_template = "SEFAZ ainda não decidiu a NF-e nº {number}: {status} - {reason}."
    resolution_template = "A NF-e fica aguardando SEFAZ e é consultada de novo automaticamente."
    action = Action.TRY_AGAIN
    retryable = True

    def __init__(self, *, number: int, status: str, reason: str) -> None:
        if status == OVERUSE:
            # review (SEFAZ unstable): "repita o comando" after 656, which a repeat within the hour keeps blocked.
            super().__init__(number=number, status=status, reason=reason, resolution=(
                "A SEFAZ bloqueia por uma hora a chave consultada demais (consumo indevido): não transmita nem "
                "consulte esta NF-e antes disso. Ela fica aguardando SEFAZ e o lojasync a consulta sozinho depois."))
            self.action = None   # no "repita o comando"
        elif status in SERVICE_PARALYSED:
            # review (SEFAZ unstable): "não decidiu" read as if SEFAZ held the NF-e. Out of service, SEFAZ took nothing
            # now; an earlier send (this one a query by key first) may still be there: said as neither.
            super().__init__(f"SEFAZ fora do ar ({status} - {reason}): a NF-e nº {number} segue aguardando a SEFAZ.",
                             number=number, status=status, reason=reason, resolution=(
                                 "A SEFAZ não registrou nada agora. Quando ela voltar, o lojasync consulta a NF-e pela "
                                 "chave e, se a SEFAZ não a tiver recebido, a transmite de novo sozinho."))
        else:
            super().__init__(number=number, status=status, reason=reason)


class SefazQueryRefused(LojasyncError):
    """SEFAZ refused the query by key itself (UF, environment, certificate, key): it said nothing about the NF-e,
    which may be authorised there, so the NF-e stays awaiting SEFAZ and is not sent again blind."""

    code = "fiscal.sefaz_query_refused"
    message_template = "A SEFAZ recusou a consulta da NF-e nº {number}: {status} - {reason}."
    resolution_template = ("A NF-e segue aguardando SEFAZ (ela pode já estar autorizada lá). Confira a UF, o ambiente "
                           "e o certificado digital da empresa e transmita de novo; se a recusa continuar, consulte "
                           "a chave no portal da SEFAZ.")
    action = Action.SET_COMPANY


class SefazNeedsAPerson(LojasyncError):
    """SEFAZ holds something about this number that the ERP cannot settle alone (cancelled there; another key
    with the same number, answered for a send since rebuilt): nothing is changed here, the order is flagged."""

    code = "fiscal.sefaz_needs_a_person"
    message_template = "A SEFAZ respondeu {status} - {reason} para a NF-e nº {number}."
    resolution_template = ("Consulte a chave no portal da SEFAZ e acerte a situação: nada foi alterado aqui (a NF-e "
                           "segue aguardando SEFAZ).")


class WorkerStuckOnABug(LojasyncError):
    """A defect of lojasync (not SEFAZ, not the data) keeps the worker from settling an NF-e, its cancellation or a
    request to void numbers, round after round: the order (the request) tells a person, once (its words do not change
    between rounds), instead of waiting silently for ever behind a traceback in the log. `where`: what the log names
    it by ("invoice_id 5")."""

    code = "fiscal.worker_unexpected"
    message_template = "Erro inesperado ({error_class}) do worker ao {what}."
    resolution_template = ("O worker tenta de novo a cada rodada. Se continuar, avise quem mantém o lojasync: o "
                           "detalhe técnico está no log do worker ({where}).")


class NumberVoidedAtSefaz(LojasyncError):
    """SEFAZ rejected the NF-e with 206: its number was voided (inutilizado) there, by this program or another. Sent
    again, the number gets the same rejection: only another NF-e, with the next number, can go."""

    code = "fiscal.number_voided_at_sefaz"
    message_template = ("A NF-e nº {number} não pode ser transmitida de novo: o número {number} já está inutilizado na "
                        "SEFAZ (rejeição 206).")
    resolution_template = "Descarte esta NF-e e gere outra a partir do pedido: ela terá o próximo número."
    action = Action.DISCARD_INVOICE

    def __init__(self, number: int, invoice_id: int) -> None:
        super().__init__(number=number, invoice_id=invoice_id)


class NumberTakenAtSefaz(LojasyncError):
    """SEFAZ rejected the NF-e with 539: its number is there under another key (a restored backup, another program
    on the same series). Sent again, the number gets the same rejection: only another NF-e, with the next
    number, can go."""

    code = "fiscal.number_taken_at_sefaz"
    message_template = ("A NF-e nº {number} não pode ser transmitida de novo: a SEFAZ já tem o número {number} com "
                        "outra chave (rejeição 539).")
    # A restored backup leaves every number issued after it at SEFAZ and not here: each next NF-e would hit 539 in
    # turn, discarded one by one, unless the series' next number moves past them (carried gap: nothing said so).
    resolution_template = ("Descarte esta NF-e e gere outra a partir do pedido: ela terá o próximo número. Consulte a "
                           "outra chave no portal da SEFAZ: se for uma NF-e desta empresa, ela vale e precisa ser "
                           "conferida. Se o banco de dados do lojasync foi restaurado de um backup, as NF-e emitidas "
                           "depois dele estão na SEFAZ e não aqui: antes de gerar outras, passe o próximo número da "
                           "série para depois do último que a SEFAZ autorizou (Configurações → Série e numeração da "
                           "NF-e), ou cada uma receberá esta mesma rejeição.")
    terminal_commands = ("lojasync company set --next-number NÚMERO",)
    action = Action.DISCARD_INVOICE

    def __init__(self, number: int, invoice_id: int) -> None:
        super().__init__(number=number, invoice_id=invoice_id)


# SEFAZ's rejections of the moment an NF-e or event says it was made, against SEFAZ's own clock (228 issued too long
# ago, 703 in the future, 578 an event after its processing): lojasync writes the moment from this machine's clock,
# so the clock is what is wrong, not the order, the company or the customer (review: "corrija os dados da empresa,
# do produto ou do cliente", for a server 90 seconds ahead).
CLOCK_REJECTIONS = frozenset({"228", "703", "578"})
CLOCK_ADVICE = ("A SEFAZ recusou a data e a hora que esta máquina escreveu: o relógio do servidor do lojasync está "
                "adiantado ou atrasado em relação ao da SEFAZ. Acerte a hora da máquina (sincronização NTP) e tente de "
                "novo; o pedido e os cadastros não precisam mudar.")


def number_spent_resolution(code: str | None) -> str | None:
    """What to do with an NF-e SEFAZ rejected because it holds its number (539: another key; 206: voided), as its
    page, the terminal and a refused second document say it; None for any other code."""
    return {DUPLICATE_WITH_DIFFERENT_KEY: NumberTakenAtSefaz.resolution_template,
            NUMBER_ALREADY_VOIDED: NumberVoidedAtSefaz.resolution_template}.get(code or "")


class SimulatorInProduction(LojasyncError):
    code = "fiscal.simulator_in_production"
    message_template = "A empresa está em produção, mas as NF-e iriam para o simulador da SEFAZ."
    resolution_template = ("Defina LOJASYNC_SEFAZ=real para transmitir à SEFAZ (com o certificado A1 da empresa), "
                           "ou volte a empresa para o ambiente de homologação nos dados da empresa.")
    action = Action.CONFIGURE


class CancelledAtTheSefazThatAuthorised(LojasyncError):
    """An authorised NF-e's cancellation would go to a SEFAZ that never saw it (the simulator for a real NF-e, the
    real SEFAZ for one the simulator authorised): refused before anything is signed or sent."""

    code = "fiscal.cancel_at_another_sefaz"
    message_template = ("A NF-e nº {number} foi autorizada {authorised_by}, e este lojasync está ligado "
                        "{connected_to}: o cancelamento não chegaria a quem a autorizou.")
    resolution_template = "{resolution}"
    action = Action.CONFIGURE


class EnvironmentChanged(LojasyncError):
    code = "fiscal.environment_changed"
    message_template = ("A NF-e nº {number} foi gerada em {was}, e a empresa agora está em {now}: ela não pode ser "
                        "refeita no outro ambiente.")
    resolution_template = "Descarte a NF-e e gere outra do pedido."
    action = Action.DISCARD_INVOICE


class CancellationRefused(LojasyncError):
    code = "fiscal.cancellation_refused"
    message_template = "SEFAZ recusou o cancelamento da NF-e nº {number}: {status} - {reason}."
    resolution_template = "A NF-e continua autorizada (estoque e contas a receber como estavam)."

    def __init__(self, *, number: int, status: str, reason: str) -> None:
        # Past the deadline, cancelling again can never work: say what can. Sent to the wrong authoriser
        # (or to the right one with another UF as cOrgao), nothing the operator types changes it: say who can.
        more = _CANCELLATION_REFUSAL_ADVICE.get(status)
        resolution = f"{self.resolution_template} {more}" if more else None
        super().__init__(number=number, status=status, reason=reason, resolution=resolution)
        if status == CANCELLATION_DEADLINE_PASSED:   # the terminal's way to what the advice says of the receivables
            self.terminal_commands = ("lojasync receivables cancel ID --reason MOTIVO",)


class CancellationNotSent(LojasyncError):
    """No connection to SEFAZ was ever made (refused, unreachable): it cannot hold the request, so nothing is left
    pending, and the person is not told that SEFAZ is being asked about it."""

    code = "fiscal.cancellation_not_sent"
    message_template = ("Não foi possível falar com a SEFAZ: o cancelamento da NF-e nº {number} não foi enviado "
                        "({reason}).")
    resolution_template = ("A NF-e continua autorizada (estoque e contas a receber como estavam): peça o cancelamento "
                           "de novo em instantes; se persistir, confira a conexão desta máquina com a SEFAZ.")
    action = Action.TRY_AGAIN
    retryable = True


class CancellationNotProcessed(LojasyncError):
    """SEFAZ answered the event "serviço paralisado" (108/109): it registered nothing, so the NF-e stays
    authorised and the same cancellation may simply be sent again later (not a refusal of it)."""

    code = "fiscal.cancellation_not_processed"
    message_template = ("SEFAZ fora do ar: o cancelamento da NF-e nº {number} não foi registrado ({status} - "
                        "{reason}).")
    resolution_template = ("A NF-e continua autorizada (estoque e contas a receber como estavam): cancele de novo "
                           "quando a SEFAZ voltar.")
    action = Action.TRY_AGAIN
    retryable = True


CANCELLATION_DEADLINE_PASSED = "501"
PAST_CANCELLATION_DEADLINE = ("O prazo de cancelamento (24 horas da autorização) passou: para desfazer a venda, "
                              "emita uma NF-e de devolução (entrada) ou, com o contador, peça o cancelamento "
                              "extemporâneo à SEFAZ do seu estado. As contas a receber em aberto que o cliente não "
                              "vai pagar, cancele no Financeiro (Cancelar conta); o estoque que voltar, acerte pela "
                              "contagem.")

# 249 "UF da Chave de Acesso diverge da UF autorizadora", 250 "UF diverge da UF autorizadora" (cOrgao): the
# event went to an authoriser that does not hold the NF-e's UF. lojasync sends it to the authoriser of the
# key's UF with that UF as cOrgao, so either SEFAZ moved the UF to another authoriser (its table here is out
# of date) or LOJASYNC_SEFAZ_URL points elsewhere.
WRONG_AUTHORISER = ("O pedido chegou a um autorizador da SEFAZ que não atende a UF desta NF-e (a UF da chave "
                    "de acesso): cancelar de novo dá a mesma recusa. Avise quem instalou o lojasync para "
                    "conferir o endereço da SEFAZ e a tabela de autorizadores por UF; o prazo do cancelamento "
                    "é de 24 horas da autorização.")
_CANCELLATION_REFUSAL_ADVICE = {
    CANCELLATION_DEADLINE_PASSED: PAST_CANCELLATION_DEADLINE,
    "578": CLOCK_ADVICE,
    "249": WRONG_AUTHORISER,
    "250": WRONG_AUTHORISER,
}


class CancellationQueued(LojasyncError):
    """The cancellation could not be delivered now (no connection to SEFAZ, or SEFAZ out of service: it registered
    nothing): the request stays on the NF-e and the worker sends it when SEFAZ answers, as the person asked, within
    the 24 hours SEFAZ gives (an operator cannot watch SEFAZ come back before the deadline runs out)."""

    code = "fiscal.cancellation_queued"
    left_to_worker = True
    message_template = ("A SEFAZ não recebeu o cancelamento da NF-e nº {number} agora ({reason}): o pedido ficou "
                        "guardado e o lojasync o envia sozinho quando a SEFAZ responder.")
    resolution_template = ("O lojasync tenta de novo a cada 5 minutos; a SEFAZ só aceita o cancelamento até {deadline} "
                           "(24 horas da autorização). Até ser registrado, a NF-e segue autorizada, com estoque e "
                           "contas a receber como estavam. Se a SEFAZ o recusar, ou se faltarem 3 horas para o fim do "
                           "prazo sem registro, o pedido avisa.{withdrawal}")
    retryable = True

    def __init__(self, message: str | None = None, *, withdrawable_id: int | None = None, **params) -> None:
        # Withdrawable (SEFAZ has nothing of it): the person who cancelled the wrong NF-e reads how to take it back
        # before it goes (review: only `invoices show` said it).
        params.setdefault("withdrawal", WITHDRAWAL if withdrawable_id is not None else "")
        super().__init__(message, **params)
        if withdrawable_id is not None:
            self.terminal_commands = (f"lojasync invoices withdraw-cancel {withdrawable_id}",)


WITHDRAWAL = (" Cancelou a NF-e errada? Retire o pedido antes que ele seja enviado (Retirar pedido de cancelamento, na "
              "página da NF-e).")


class CancellationMayBeAtSefaz(LojasyncError):
    """A person asked to withdraw a pending cancellation one send of which may have reached SEFAZ (in flight, its
    answer lost): SEFAZ may hold it registered, and a registered cancellation cannot be taken back."""

    code = "fiscal.cancellation_may_be_at_sefaz"
    left_to_worker = True   # the worker's query by key makes it withdrawable, or sends it
    message_template = ("O pedido de cancelamento da NF-e nº {number} não pode ser retirado agora: o último envio à "
                        "SEFAZ ainda está em curso ou ficou sem resposta, e ela pode tê-lo registrado.")
    resolution_template = ("Ele só volta a poder ser retirado se a SEFAZ, consultada pela chave depois de 5 "
                           "minutos, disser que não o recebeu e o envio seguinte do lojasync também não chegar a ela; "
                           "com a SEFAZ no ar, ele é enviado. Se a SEFAZ registrar o cancelamento, a NF-e fica "
                           "cancelada, com o estoque devolvido: gere outra NF-e (ou uma venda simples) para a venda.")
    # It may be withdrawn later (the worker's query): try again, not fix something (the integrator's review).
    retryable = True


class CancellationUnanswered(LojasyncError):
    """Sent, its answer lost (or SEFAZ said it holds the NF-e cancelled and could not be asked how): the request stays
    on the NF-e, committed before the send, and the worker settles it by key after the sending window (5 minutes),
    sending it if SEFAZ never got it. Kept, as a queued one is: the API answers 202, the terminal exits 0 (the last
    notes: a 503 and "repita o comando" for what needed nobody)."""

    code = "fiscal.cancellation_unanswered"
    left_to_worker = True
    message_template = "SEFAZ não respondeu ao cancelamento da NF-e nº {number} ({reason})."
    # Review: it said "se não, o pedido avisa" (the worker sends it) and "peça de novo", beside a 202 saying no call
    # is needed.
    resolution_template = ("O pedido ficou guardado: 5 minutos depois do envio, o lojasync consulta a NF-e na SEFAZ "
                           "pela chave e registra o cancelamento se ela o aceitou; se ela não o recebeu, o lojasync o "
                           "envia sozinho (a SEFAZ só o aceita até {deadline}). Até o cancelamento ser registrado, a "
                           "NF-e segue autorizada, com estoque e contas a receber como estavam. Não é preciso pedir de "
                           "novo.")
    retryable = True

    def __init__(self, message: str | None = None, **params) -> None:
        params.setdefault("deadline", "24 horas após a autorização")   # the worker's own sends: no person reads it
        super().__init__(message, **params)
