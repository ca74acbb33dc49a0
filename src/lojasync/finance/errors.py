"""Errors of the receivables, for the person who reads them."""

from __future__ import annotations

from lojasync.shared.errors import LojasyncError


class ReceivableNotFound(LojasyncError):
    code = "finance.receivable_not_found"
    message_template = "Conta a receber {receivable_id} não encontrada."
    resolution_template = "Confira o número na lista de contas a receber."


class ReceivableCancelled(LojasyncError):
    code = "finance.receivable_cancelled"
    message_template = "A conta a receber {receivable_id} está cancelada: não pode ser recebida."
    # lojasync makes no loose entries: money for a sale comes with the sale's document. One a person cancelled while
    # its document stands (Cancelar conta) is received all the same: this refusal is for those cancelled with it.
    resolution_template = ("Ela foi cancelada com o documento que a gerou (o histórico do pedido diz qual). Se o "
                           "cliente pagou, a venda continua: gere de novo a NF-e ou a venda simples do pedido; "
                           "aprovada, ela cria contas novas, e essas você recebe.")


class ReceivableAlreadyReceived(LojasyncError):
    code = "finance.receivable_received"
    message_template = "A conta a receber {receivable_id} já foi recebida: não pode ser cancelada."
    resolution_template = ("Se ela foi marcada como recebida por engano, desfaça o recebimento (Desfazer "
                           "recebimento, na lista do Financeiro) e então cancele. Se o dinheiro entrou e volta ao "
                           "cliente, faça a devolução pelo meio de pagamento; a conta fica como recebida.")
    terminal_commands = ("lojasync receivables undo {receivable_id} --reason MOTIVO",)


class WriteOffReasonInvalid(LojasyncError):
    code = "finance.write_off_reason_invalid"
    message_template = "Informe o motivo do cancelamento da conta a receber, de {minimum} a {maximum} caracteres."
    resolution_template = ("Escreva por que a conta não será paga (por exemplo: \"pedido cancelado na loja depois do "
                           "prazo de cancelamento da NF-e\"); o motivo fica no histórico do pedido.")


class ReceiptUndoReasonInvalid(WriteOffReasonInvalid):
    """Desfazer recebimento: the same rule as a cancellation's reason, in its own words (review: it asked for the
    reason of a cancellation, with a cancelled order as the example). Its code stays the one integrators already
    handle for this refusal."""

    message_template = "Informe por que o recebimento é desfeito, de {minimum} a {maximum} caracteres."
    resolution_template = ("Escreva o que aconteceu (por exemplo: \"marcada por engano; o dinheiro não entrou\"); o "
                           "motivo fica no histórico do pedido.")


class ReceiptDateInvalid(LojasyncError):
    code = "finance.receipt_date_invalid"
    message_template = "Data do recebimento inválida: {given} {why}."
    resolution_template = ("Informe o dia em que o dinheiro entrou (o extrato do banco, do Pix ou da maquininha diz "
                           "qual), entre o dia do pedido e hoje; sem data, o recebimento fica com a data de hoje.")


class ReceivedOnAnotherDay(LojasyncError):
    """A receipt asked again with another day: the first day stands. Answering "já estava recebida" (changed: false)
    kept the first day without a word, and an integrator retrying with a corrected day believed it was applied
    (review). The same day, or no day, is still the quiet retry."""

    code = "finance.receipt_date_conflict"
    message_template = ("A conta a receber {receivable_id} já foi recebida em {received_on}: a data {given} não foi "
                        "registrada.")
    resolution_template = ("Para mudar a data do recebimento, desfaça o recebimento (Desfazer recebimento, na lista "
                           "do Financeiro, com o motivo) e registre-o de novo com a data certa.")
    terminal_commands = ("lojasync receivables undo {receivable_id} --reason MOTIVO",
                         "lojasync receivables receive {receivable_id} --date DD/MM/AAAA")
