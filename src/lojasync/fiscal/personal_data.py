"""An order's personal data erased (LGPD): what the fiscal module holds of the buyer that no law keeps goes too."""

from __future__ import annotations

from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.sales.events import PersonalDataErased

# NF-e that are no fiscal documents: their signed XML names the buyer (dest: name, CPF/CNPJ, address, e-mail, phone)
# for nothing. An authorised, cancelled or denied one is a fiscal document, kept five years; one awaiting SEFAZ may
# be one already (SEFAZ may hold it), so its XML stays until SEFAZ says (`Invoice.unsent`).
# A pending one was never sent: the sale may still be invoiced (the NF-e's dest is fiscal data SEFAZ requires), but
# not with an XML signed before the erasure, which carries what the buyer asked to erase, e-mail and phone too (optional
# in an NF-e). Its XML goes; transmitting it is refused while the order names no recipient (`BuyerDataErasedSince-
# Generated`: link the customer again with the data the buyer gives for the invoice, or discard it), and once the
# order names one it is built anew from the order when transmitted, same number.
NEVER_ISSUED = frozenset({InvoiceStatus.REJECTED, InvoiceStatus.DISCARDED, InvoiceStatus.PENDING})


def erase_unissued_nfe_xml(event: PersonalDataErased, uow) -> None:
    """Blank the XML of the order's NF-e SEFAZ rejected, the back office discarded, or never sent yet (review: it
    kept the buyer's name and CPF after customers/redact anonymised the order and the customer; a pending one went to
    SEFAZ with them, e-mail and phone included)."""
    for invoice in uow.invoices.for_order(event.order.id):
        if invoice.status in NEVER_ISSUED:
            invoice.forget_xml()
