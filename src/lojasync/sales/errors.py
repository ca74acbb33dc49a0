"""Errors of the sales module (Pedidos/Orçamentos, clientes)."""

from __future__ import annotations

from lojasync.shared.errors import LojasyncError


class OrderNotFound(LojasyncError):
    code = "sales.order_not_found"
    message_template = "Pedido {number} não encontrado em Pedidos/Orçamentos."
    resolution_template = "Confira o número do pedido na lista de Pedidos/Orçamentos."


class InvalidTaxId(LojasyncError):
    code = "sales.invalid_tax_id"
    message_template = "{reason}."
    resolution_template = "Informe um CPF ou CNPJ válido."


class CustomerNameRequired(LojasyncError):
    code = "sales.customer_name_required"
    message_template = "Nenhum cliente com {kind} {document}."
    resolution_template = "Informe o nome do cliente para cadastrá-lo junto com o vínculo."
