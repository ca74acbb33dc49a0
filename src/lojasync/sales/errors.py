"""Errors of the sales module (Pedidos/Orçamentos, clientes)."""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError


class OrderNotFound(LojasyncError):
    code = "sales.order_not_found"
    message_template = "Pedido {number} não encontrado em Pedidos/Orçamentos."
    resolution_template = "Confira o número do pedido na lista de Pedidos/Orçamentos."


class InvalidTaxId(LojasyncError):
    code = "sales.invalid_tax_id"
    message_template = "{reason}."
    resolution_template = "Informe um CPF ou CNPJ válido."


class PlacedRangeInvalid(LojasyncError):
    """An end before the start finds nothing: said, rather than an empty list that looks like no sales."""

    code = "sales.placed_range_invalid"
    message_template = "Período inválido: a data final é anterior à inicial."
    resolution_template = "Informe a data inicial antes da final (ou deixe uma delas em branco)."


class CustomerAlreadyLinked(LojasyncError):
    """Replacing a customer is a deliberate act: a typo in the order number must not relink someone else's order."""

    code = "sales.customer_already_linked"
    message_template = "O pedido {number} já tem cliente: {current}."
    resolution_template = ("Confira o número do pedido. Para trocar o cliente mesmo assim, confirme a troca (o "
                           "histórico do pedido guarda o cliente anterior).")
    action = Action.CONFIRM


class CustomerFixedByDocument(LojasyncError):
    """The authorised NF-e (or confirmed sale) names its recipient: the order cannot say someone else."""

    code = "sales.customer_fixed_by_document"
    message_template = "O pedido {number} já tem {document}: o cliente {current} não pode ser trocado."
    resolution_template = ("Para faturar para outra pessoa, cancele o documento na página dele, vincule o cliente "
                           "certo e gere outro.")


class CustomerNameRequired(LojasyncError):
    code = "sales.customer_name_required"
    message_template = "Nenhum cliente com {kind} {document}."
    resolution_template = "Informe o nome do cliente para cadastrá-lo junto com o vínculo."

    def __init__(self, *, number: int, **params) -> None:
        super().__init__(number=number, **params)
        self.terminal_commands = (f"lojasync orders link-customer {number} --tax-id {params['document']} --name NOME",)


class CustomerNameTooLong(LojasyncError):
    code = "sales.customer_name_too_long"
    message_template = "Nome do cliente longo demais ({length} caracteres)."
    resolution_template = "Informe um nome com até {maximum} caracteres."


class CustomerNotFound(LojasyncError):
    code = "sales.customer_not_found"
    message_template = "Nenhum cliente com {kind} {document}."
    resolution_template = ("Confira o documento na lista de clientes; um cliente é cadastrado quando um pedido dele "
                           "chega da loja ou é vinculado a um pedido.")


class CustomerNotOnOrder(LojasyncError):
    """A form shown before the order's customer was changed elsewhere must not write to the new one."""

    code = "sales.customer_not_on_order"
    message_template = "O cliente {document} não é o cliente atual do pedido {number}."   # never was, or no longer
    resolution_template = "Abra o pedido de novo para ver o cliente atual e repita a alteração."


class InvalidTrackingCode(LojasyncError):
    code = "sales.invalid_tracking_code"
    message_template = "Código de rastreio inválido: {reason}."
    resolution_template = ("Informe o código como a transportadora o deu (até {maximum} letras, números, '-', '.', "
                           "'_' ou '/'; ex.: AA123456789BR).")


class InvalidTrackingUrl(LojasyncError):
    code = "sales.invalid_tracking_url"
    message_template = "Link de rastreio inválido: {reason}."
    resolution_template = ("Informe o endereço completo da página de rastreio, começando por https:// ou http:// "
                           "(até {maximum} caracteres), ou deixe o link em branco.")


class TrackingOnCancelledOrder(LojasyncError):
    code = "sales.tracking_on_cancelled_order"
    message_template = "O pedido {number} está cancelado: não recebe código de rastreio."
    resolution_template = "Confira o número do pedido; um pedido cancelado não é enviado ao cliente."
