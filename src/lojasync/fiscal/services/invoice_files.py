"""The files of an NF-e: its XML (the nfeProc once authorised, the signed NF-e before) and its DANFE."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from lojasync.fiscal.errors import InvoiceNotFound
from lojasync.fiscal.gateway import NUMBER_ALREADY_VOIDED
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.shared.errors import Action, LojasyncError, WriteConflict

log = logging.getLogger(__name__)

# From how many product lines a DANFE is kept once drawn. Measured (CPU, brazilfiscalreport 1.3.1): 1 line 0.1 s and
# 5 kB, 50 lines 0.6 s, 300 lines 3.4 s, 990 lines 10 s. A small one costs less to draw again than to keep: the
# table would otherwise hold a copy of every NF-e ever printed.
KEPT_FROM_LINES = 25


class DanfeNotAvailable(LojasyncError):
    code = "fiscal.danfe_not_available"
    message_template = "A NF-e nº {number} está {status}: só uma NF-e autorizada tem DANFE."
    resolution_template = "Transmita a NF-e e gere o DANFE depois da autorização."
    action = Action.APPROVE_INVOICE


class DanfeNeverAvailable(DanfeNotAvailable):
    """A discarded NF-e (or one cancelled elsewhere whose authorisation SEFAZ's answer did not bring) is never
    transmitted: telling to transmit it would send the person to a refusal."""

    resolution_template = "Ela não será autorizada: para faturar o pedido, gere uma NF-e nova na página dele."
    action = None


class DanfeOfDeniedNfe(DanfeNotAvailable):
    """SEFAZ denied its use (301/302: the issuer's or the recipient's registration): it has no value, its number is
    spent, and it can never be transmitted again."""

    resolution_template = ("Uso denegado pela SEFAZ: esta NF-e não tem valor e não terá DANFE (o número foi usado). "
                           "Resolva a situação cadastral indicada e emita outra NF-e para o pedido.")
    action = None


class DanfeOfNumberTaken(DanfeNotAvailable):
    """Rejected with 539 or 206: SEFAZ holds its number (another key, voided), so it is refused each time it is
    transmitted (`number_spent`); telling to transmit it sent the person to that refusal."""

    resolution_template = ("A SEFAZ já tem o número {number} ({how}): esta NF-e nunca será autorizada. Descarte-a e "
                           "gere outra NF-e para o pedido (com o próximo número).")
    action = None


class InvoiceXmlErased(LojasyncError):
    """The buyer asked for erasure (LGPD) and the NF-e was never a fiscal document: its XML is gone
    (`fiscal.personal_data`)."""

    code = "fiscal.xml_erased"
    message_template = ("A NF-e nº {number} está {status} e o XML dela foi apagado a pedido do titular dos dados "
                        "(LGPD): ela nunca foi autorizada, e nenhuma lei exige guardá-la.")
    resolution_template = ("Nada a fazer: esta NF-e não tem valor fiscal. Uma pendente, se a venda ainda vale, é "
                           "refeita com o cliente que o pedido tiver quando for transmitida.")


def invoice_xml(uow: ProcessingUnitOfWork, invoice_id: int) -> bytes:
    """The nfeProc (NF-e + SEFAZ's protocol) when authorised; the signed NF-e otherwise."""
    with uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound(invoice_id=invoice_id)
        if not (invoice.proc_xml or invoice.xml):
            raise InvoiceXmlErased(number=invoice.number, status=invoice.status.label)
        return (invoice.proc_xml or invoice.xml).encode("utf-8")


def cancellation_xml(uow: ProcessingUnitOfWork, invoice_id: int) -> bytes | None:
    with uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound(invoice_id=invoice_id)
        return invoice.cancel_xml.encode("utf-8") if invoice.cancel_xml else None


def invoice_danfe(reader: ProcessingUnitOfWork, writer: Callable[[], ProcessingUnitOfWork], invoice_id: int) -> bytes:
    """The DANFE as PDF, drawn from the nfeProc (a cancelled NF-e is marked so). Read with `reader`; one of many
    lines, once drawn, is kept (a unit of work from `writer`) under the key of all it was drawn from, and served
    again while that key is the same: an NF-e cancelled since, or drawn by another version, is drawn anew."""
    with reader:
        invoice = reader.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound(invoice_id=invoice_id)
        if invoice.status not in (InvoiceStatus.AUTHORISED, InvoiceStatus.CANCELLED) or not invoice.proc_xml:
            # Discarded, or cancelled elsewhere with no protNFe from SEFAZ: transmitting again is no way to it.
            never = invoice.status is InvoiceStatus.DISCARDED or invoice.cancelled_elsewhere
            refusal = (DanfeOfDeniedNfe if invoice.status is InvoiceStatus.DENIED
                       else DanfeNeverAvailable if never
                       else DanfeOfNumberTaken if invoice.number_taken_at_sefaz else DanfeNotAvailable)
            how = ("inutilizado, rejeição 206" if invoice.rejection_code == NUMBER_ALREADY_VOIDED
                   else "com outra chave, rejeição 539")
            raise refusal(number=invoice.number, status=invoice.status.label, invoice_id=invoice.id, how=how)
        # Here, not at the top: the DANFE's library (brazilfiscalreport with fpdf2, fontTools, Pillow) is a fifth of
        # the terminal's start (about 0.2 s of `lojasync --help`), and only a DANFE needs it.
        from lojasync.fiscal.danfe import danfe_source, drawn

        source = danfe_source(invoice.proc_xml, simulated=invoice.simulated,
                              cancelled=invoice.status is InvoiceStatus.CANCELLED)
        kept = reader.danfes.kept(invoice_id, source.key) if source.lines >= KEPT_FROM_LINES else None
    if kept is not None:
        return kept
    pdf = drawn(source)
    if source.lines >= KEPT_FROM_LINES:
        try:
            with writer() as uow:
                uow.danfes.keep(invoice_id, source.key, pdf, datetime.now(timezone.utc))
                uow.commit()
        except WriteConflict:
            pass   # the PDF is served all the same; the next request keeps it
        except LojasyncError:
            # Any other failure to keep it (the disk full, a database read-only for a while): the PDF drawn is
            # served all the same, keeping it is a saving (review: it became "DANFE indisponível").
            log.warning("DANFE drawn and not kept", extra={"invoice_id": invoice_id}, exc_info=True)
    return pdf
