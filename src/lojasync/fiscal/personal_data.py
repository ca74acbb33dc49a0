"""An order's personal data erased (LGPD): what the fiscal module holds of the buyer that no law keeps goes too."""

from __future__ import annotations

from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.sales.events import PersonalDataErased

# NF-e that will never be fiscal documents: their signed XML names the buyer (dest: name, CPF/CNPJ, address) for
# nothing. An authorised, cancelled or denied one is a fiscal document, kept five years; one pending or awaiting SEFAZ
# may still become one (SEFAZ may hold it).
NEVER_ISSUED = frozenset({InvoiceStatus.REJECTED, InvoiceStatus.DISCARDED})


def erase_unissued_nfe_xml(event: PersonalDataErased, uow) -> None:
    """Blank the XML of the order's NF-e SEFAZ rejected or the back office discarded (review: it kept the buyer's name
    and CPF after customers/redact anonymised the order and the customer)."""
    for invoice in uow.invoices.for_order(event.order.id):
        if invoice.status in NEVER_ISSUED:
            invoice.forget_xml()
