"""Errors of processing an order (NF-e, venda simples), for the person who reads them."""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError


class OrderAlreadyProcessing(LojasyncError):
    """One active document per order: a second NF-e or sale would issue stock twice."""

    code = "fiscal.order_has_document"
    message_template = "O pedido {order_number} já tem {document} ({status})."
    resolution_template = ("Use o documento que já existe; para gerar outro, cancele (ou descarte) esse "
                           "primeiro.")


class DocumentNotPossible(LojasyncError):
    """Everything that keeps the document from being generated, listed at once."""

    code = "fiscal.document_not_possible"
    message_template = "Não é possível gerar {document} do pedido {order_number}: {problems}."
    resolution_template = "Corrija os itens indicados e gere de novo; nada foi criado."

    def __init__(self, document: str, order_number: int, problems: list[str]) -> None:
        super().__init__(document=document, order_number=order_number, problems="; ".join(problems))
        self.problems = list(problems)


class SaleNotFound(LojasyncError):
    code = "fiscal.sale_not_found"
    message_template = "Venda simples {sale_id} não encontrada."
    resolution_template = "Confira o número na lista de vendas (lojasync sales list)."


class InvoiceNotFound(LojasyncError):
    code = "fiscal.invoice_not_found"
    message_template = "NF-e {invoice_id} não encontrada."
    resolution_template = "Confira o número na lista de notas (lojasync invoices list)."


class DocumentStateRefused(LojasyncError):
    """The action does not apply to the document's current state (confirm a cancelled sale, ...)."""

    code = "fiscal.state_refused"
    message_template = "{document} {number} está {status}: não é possível {what}."
    resolution_template = "Confira a situação do documento; gere outro a partir do pedido se preciso."


class OrderChangedSinceGenerated(LojasyncError):
    code = "fiscal.order_changed"
    message_template = ("O pedido {order_number} mudou depois de gerar {document} (itens, quantidades ou "
                        "preços): aprovar agora baixaria o estoque errado.")
    resolution_template = "Descarte (cancele) o documento pendente e gere outro a partir do pedido atualizado."
    action = Action.CONFIRM
