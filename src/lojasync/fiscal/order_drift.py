"""An NF-e authorised for an order the store cancelled or changed while the NF-e was at SEFAZ.

Before sending, the approval checks that the order is still the sale the NF-e describes; but the store may
change it while SEFAZ is being asked (an answer lost, settled minutes later by a query). The fiscal fact
stands (SEFAZ holds it, and the effects follow the NF-e's own lines), so the order is flagged for a person,
in the authorisation's own transaction.
"""

from __future__ import annotations

from lojasync.fiscal.documents import same_sale
from lojasync.fiscal.events import InvoiceAuthorised
from lojasync.sales.history import ProcessedBy
from lojasync.sales.orders import cancel_in_store_reason
from lojasync.sales.status import OrderStatus


def flag_order_changed_meanwhile(event: InvoiceAuthorised, uow) -> None:
    document, order = event.document, event.order
    if order.status is OrderStatus.CANCELLED:
        order.ask_for_a_person(f"{cancel_in_store_reason(ProcessedBy.NFE)} A {document.label} foi autorizada pela "
                               "SEFAZ depois do cancelamento na loja e baixou o estoque; cancelá-la devolve o "
                               "estoque e cancela as contas a receber.")
        return
    # The approval does not load the order's lines: their keys alone are read, without the ORM (a fifth of a
    # millisecond less than loading lines and products, on every authorisation).
    if not same_sale(document, order, uow.orders.sale_lines(order.id)):
        order.ask_for_a_person(f"Pedido alterado na loja depois do envio da {document.label}, que a SEFAZ autorizou "
                               "com os itens e valores de antes: confira o pedido; se a venda mudou, cancele a NF-e "
                               "e gere outra.")
