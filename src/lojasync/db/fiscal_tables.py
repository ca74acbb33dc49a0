"""Tables of processing an order: the company that issues, its NF-e, its vendas simples."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

from lojasync.db.metadata import metadata, timestamps
from lojasync.db.types import DecimalText, MoneyCents, UTCDateTime
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.number_voids import VoidStatus
from lojasync.fiscal.simple_sales import SaleStatus


def _status(enum) -> Enum:
    return Enum(enum, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


# One row: the merchant's company (emitente). Lengths are the NF-e's own limits.
company = Table(
    "company", metadata,
    Column("id", Integer, primary_key=True),
    Column("legal_name", String(60)),
    Column("trade_name", String(60)),
    Column("cnpj", String(14)),
    Column("ie", String(14)),
    Column("crt", Integer, nullable=False, default=1),
    Column("street", String(60)),
    Column("number", String(60)),
    Column("complement", String(60)),
    Column("district", String(60)),
    Column("city", String(60)),
    Column("city_code", String(7)),
    Column("uf", String(2)),
    Column("zipcode", String(8)),
    Column("phone", String(14)),
    Column("series", Integer, nullable=False, default=1),
    Column("next_number", Integer, nullable=False, default=1),
    # {"2/1": 1235, ...}: where each sequence (environment/series) stopped when the company left it, so that
    # coming back resumes it rather than restarting from the highest number lojasync itself used.
    Column("number_sequences", JSON),
    Column("environment", String(1), nullable=False, default="2"),
    Column("default_ncm", String(8)),
    Column("default_origin", String(1), nullable=False, default="0"),
    Column("default_unit", String(6), nullable=False, default="UN"),
    Column("icms_rate", DecimalText),
    Column("pis_rate", DecimalText),
    Column("cofins_rate", DecimalText),
    Column("cbs_rate", DecimalText),
    Column("ibs_rate", DecimalText),
    Column("ibs_municipal_rate", DecimalText),
    # The year the IBS/CBS rates were set or confirmed for (NULL: never; lojasync's defaults are 2026's).
    Column("ibs_cbs_rates_year", Integer),
    Column("ibs_cbs_for_simples", Boolean, nullable=False, default=False),
    Column("ibs_cbs_cst", String(3)),
    Column("ibs_cbs_class", String(6)),
    # CRT 3, DIFAL: {"RJ": "20", ...}, the internal ICMS rate of each destination UF the company sells to.
    Column("destination_icms_rates", JSON),
    Column("tech_cnpj", String(14)),
    Column("tech_contact", String(60)),
    Column("tech_email", String(60)),
    Column("tech_phone", String(14)),
    # The merchant's seller id on Mercado Livre (idCadIntTran): the NF-e of a sale made there names it.
    Column("mercado_livre_seller", String(60)),
    # The A1 certificate (PKCS#12) and its password, sealed with the secret key like the stores' tokens.
    Column("certificate", Text),
    Column("certificate_password", Text),
    Column("certificate_subject", String(300)),
    Column("certificate_cnpj", String(14)),
    Column("certificate_not_after", UTCDateTime),
    Column("certificate_is_test", Boolean, nullable=False, default=False),
    # Whether it chains to the ICP-Brasil roots lojasync ships (NULL: installed before this was checked).
    Column("certificate_icp_brasil", Boolean),
    *timestamps(),
)

# The carriers the merchant registered, by the store's code of each (`fiscal.carriers`). Lengths: the NF-e's.
carriers = Table(
    "carriers", metadata,
    Column("id", Integer, primary_key=True),
    Column("code", String(40), nullable=False, unique=True),   # lower case: one carrier per code, any case
    Column("name", String(60), nullable=False),
    Column("tax_id", String(14)),
    Column("ie", String(14)),
    Column("address", String(60)),
    Column("city", String(60)),
    Column("uf", String(2)),
    *timestamps(),
)

invoices = Table(
    "invoices", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("status", _status(InvoiceStatus), nullable=False, index=True),
    Column("environment", String(1), nullable=False),
    Column("series", Integer, nullable=False),
    Column("number", Integer, nullable=False),
    Column("access_key", String(44), unique=True),
    Column("issued_at", UTCDateTime),
    Column("customer_id", ForeignKey("customers.id")),
    Column("lines_data", JSON, nullable=False),
    Column("total", MoneyCents, nullable=False),
    Column("payment_method", String(40)),
    Column("installments", Integer),
    Column("xml", Text),                 # the signed NF-e, as sent
    Column("proc_xml", Text),            # nfeProc: the NF-e with SEFAZ's protocol
    Column("protocol", String(20)),
    Column("authorised_at", UTCDateTime),
    Column("simulated", Boolean, nullable=False, default=False),   # authorised by the SEFAZ simulator
    Column("rejection_code", String(5)),
    Column("rejection_reason", String(500)),
    Column("attempts", Integer, nullable=False, default=0),
    Column("sent_at", UTCDateTime),
    # Awaiting SEFAZ since this send (the first without a decision): a day of it flags the order for a person.
    Column("awaiting_since", UTCDateTime),
    # When the worker last enqueued its settling: the next rounds leave it out for the sending window.
    Column("settle_asked_at", UTCDateTime),
    # nRec of the asynchronous batch SEFAZ answered "em processamento" (103/105) with: asked by it before by key.
    Column("sefaz_receipt", String(15)),
    Column("cancel_justification", String(255)),
    Column("cancel_protocol", String(20)),
    Column("cancelled_at", UTCDateTime),
    Column("cancel_xml", Text),          # procEventoNFe of the cancellation
    # Cancelled at SEFAZ by another program while it awaited SEFAZ here: it never moved stock nor money.
    Column("cancelled_elsewhere", Boolean, nullable=False, default=False),
    # A cancellation requested, not yet recorded (sent, or about to be): the worker settles it by key.
    Column("cancel_requested_at", UTCDateTime),
    Column("cancel_requested_by", String(16)),
    Column("cancel_requested_by_name", String(254)),
    Column("cancel_reason", String(255)),
    # When the worker last enqueued its settling: the next rounds leave it out for the sending window.
    Column("cancel_asked_at", UTCDateTime),
    Column("cancel_sends", JSON(none_as_null=True)),   # ISO moments (UTC), see Invoice.cancel_sends
    Column("cancel_refusal", Text),
    # Authorised: when the worker next asks SEFAZ whether it still stands (cancelled elsewhere?); None: no more.
    Column("sefaz_check_due_at", UTCDateTime),
    # Authorised here, then found cancelled at SEFAZ by another program: cancelled here with stock and money back.
    Column("found_cancelled", Boolean, nullable=False, default=False),
    *timestamps(),
    # A number is used once per series and environment: two generations at once cannot share it.
    UniqueConstraint("environment", "series", "number", name="uq_invoices_number"),
    Index("ix_invoices_order", "order_id"),
    # The worker's round asks for the few requested cancellations among every NF-e ever authorised.
    Index("ix_invoices_cancel_requested", "cancel_requested_at"),
    Index("ix_invoices_sefaz_check_due", "sefaz_check_due_at"),
)

# The DANFE of an NF-e of many lines, as last drawn (`fiscal.services.invoice_files`), under the digest of all it
# was drawn from (`DanfeSource.key`): one row per NF-e, replaced when what it is drawn from changes (cancelled). In
# the database beside the nfeProc it comes from, not a file in the data folder: several instances on one
# PostgreSQL share it, and it is backed up, and erased, with the XML.
danfes = Table(
    "danfes", metadata,
    Column("invoice_id", ForeignKey("invoices.id"), primary_key=True),
    Column("source_key", String(64), nullable=False),
    Column("pdf", LargeBinary, nullable=False),
    *timestamps(),
)

# A batch of NF-e run from the back office (`fiscal.services.batch_reports`): the orders asked for and what each
# got so far, so that the batch runs after the form's answer and its summary has an address of its own (followed
# while it runs, reloaded, reached again through the browser's history). Kept for `KEPT_FOR`.
invoice_batches = Table(
    "invoice_batches", metadata,
    Column("id", Integer, primary_key=True),
    Column("run_by", String(254)),           # who ran it (the person's name, as the history stores it)
    Column("back", String(2000), nullable=False),  # the list the form was on, with its filters
    Column("orders", JSON, nullable=False),  # the order numbers asked for, in order
    Column("items", JSON, nullable=False),   # one per order done: order, invoice, status, error, not_sent
    Column("finished_at", UTCDateTime),      # None while it runs (or if the process running it stopped)
    Column("problem", String(1000)),         # why the run stopped before its end (an unexpected error)
    # False: it only generates (the API's "approve"). The database default is migration 0030's, which filled the
    # batches kept before it: declared here too, so that a database made from these tables is the migrated one.
    Column("approve", Boolean, nullable=False, default=True, server_default=true()),
    *timestamps(),
    Index("ix_invoice_batches_created", "created_at"),
)

# Requests to void ("inutilizar") ranges of NF-e numbers at SEFAZ (`fiscal.number_voids`).
number_voids = Table(
    "number_voids", metadata,
    Column("id", Integer, primary_key=True),
    Column("environment", String(1), nullable=False),
    Column("series", Integer, nullable=False),
    Column("first_number", Integer, nullable=False),
    Column("last_number", Integer, nullable=False),
    Column("reason", String(255), nullable=False),
    Column("status", _status(VoidStatus), nullable=False),
    Column("requested_at", UTCDateTime, nullable=False),
    Column("requested_by", String(254)),
    Column("protocol", String(20)),
    Column("voided_at", UTCDateTime),
    Column("rejection_code", String(5)),   # cStat: three or four digits (TStat [0-9]{3,4})
    Column("rejection_reason", String(500)),
    Column("request_xml", Text),
    Column("proc_xml", Text),
    Column("simulated", Boolean, nullable=False, default=False),
    # The worker's resends of a request left awaiting SEFAZ, and why a person must look at it (None: no need).
    Column("resends", Integer, nullable=False, default=0, server_default="0"),
    Column("attention", String(500)),
    Column("sent_at", UTCDateTime),   # last sent (a person's request, or the worker's resend)
    *timestamps(),
    Index("ix_number_voids_range", "environment", "series", "first_number"),
)

simple_sales = Table(
    "simple_sales", metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False),
    Column("status", _status(SaleStatus), nullable=False, index=True),
    Column("customer_id", ForeignKey("customers.id")),
    Column("lines_data", JSON, nullable=False),
    Column("total", MoneyCents, nullable=False),
    Column("payment_method", String(40)),
    Column("installments", Integer),
    Column("confirmed_at", UTCDateTime),
    Column("cancelled_at", UTCDateTime),
    *timestamps(),
    Index("ix_simple_sales_order", "order_id"),
)
