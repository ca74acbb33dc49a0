"""What the CLI, the pages and the API show of NF-e and vendas simples: plain data, no ORM objects."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from lojasync.fiscal.errors import (
    CLOCK_ADVICE,
    CLOCK_REJECTIONS,
    InvoiceNotFound,
    SaleNotFound,
    number_spent_resolution,
)
from lojasync.fiscal.invoices import Invoice, InvoiceStatus
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.simple_sales import SaleStatus, SimpleSale
from lojasync.sales.history import HistoryType
from lojasync.sales.history_text import Names, render
from lojasync.shared.errors import Gap


@dataclass(frozen=True)
class SaleView:
    id: int
    status: str              # code (pending, confirmed, cancelled)
    status_label: str        # in Portuguese
    order_number: int
    store_number: str | None
    total: Decimal
    payment_method: str | None
    installments: int | None
    customer_id: int | None
    lines: list[dict[str, Any]]
    created_at: datetime | None
    confirmed_at: datetime | None
    cancelled_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def items_total(self) -> Decimal:
        return items_total(self.lines)


@dataclass(frozen=True)
class InvoiceView:
    id: int
    status: str
    status_label: str
    order_number: int
    store_number: str | None
    number: int
    series: int
    access_key: str | None
    environment: str         # "1" produção, "2" homologação
    total: Decimal
    protocol: str | None
    simulated: bool          # authorised (or denied) by the SEFAZ simulator: no fiscal value
    rejection_code: str | None
    rejection_reason: str | None
    attempts: int
    issued_at: datetime | None
    authorised_at: datetime | None
    cancelled_at: datetime | None
    cancel_justification: str | None
    lines: list[dict[str, Any]]
    # The last time it was marked as being sent: while awaiting SEFAZ, it is not sent again (nor asked) before
    # the sending window after this has passed (`services.invoices.SENDING_WINDOW`).
    sent_at: datetime | None = None
    # A cancellation requested whose outcome is not recorded yet: SEFAZ is being asked (the worker settles it
    # by key after the sending window), so the NF-e is not simply "autorizada".
    cancel_requested_at: datetime | None = None
    # Given up without authorisation (the record keeps that moment where a cancellation's goes: `cancelled_at`
    # is said only of a cancelled NF-e, which an integrator reads as "cancelled at SEFAZ").
    discarded_at: datetime | None = None
    # Cancelled at SEFAZ by another program while it awaited SEFAZ here: never "autorizada" here, nothing moved
    # (one cancelled here had its stock returned and receivables cancelled).
    cancelled_elsewhere: bool = False
    # SEFAZ's protocol of the cancellation: None when it was learned without its event (no "XML do cancelamento").
    cancel_protocol: str | None = None
    # Authorised here, then found cancelled at SEFAZ by another program (the worker's query after the deadlines):
    # cancelled here as lojasync's own cancellations are, stock back and open receivables cancelled.
    found_cancelled: bool = False
    # The pending cancellation can be withdrawn: no send of it can have reached SEFAZ (`Invoice.cancel_sends`).
    cancel_withdrawable: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def items_total(self) -> Decimal:
        return items_total(self.lines)

    @property
    def with_sefaz_protocol(self) -> bool:
        """Whether the NF-e's XML is the nfeProc SEFAZ decided (authorised, then maybe cancelled; or denied): without
        it, the XML is the signed NF-e alone, which SEFAZ never authorised here."""
        return bool(self.protocol) and self.status in ("authorised", "cancelled", "denied")

    def xml_file_suffix(self, data: bytes) -> str:
        """What the XML's download (`data`, from `invoice_files.invoice_xml`) is named after the key, by what it holds.
        Only SEFAZ's nfeProc is "-nfe.xml" (review: a pending, awaiting, rejected or discarded NF-e's signed XML
        downloaded under that name and the same button, which an accountant could not tell from the authorised file,
        and the two downloads of one NF-e had the same name)."""
        if not holds_sefaz_answer(data):
            return "nfe-assinada.xml"
        return "nfe-denegada.xml" if self.status == "denied" else "nfe.xml"

    @property
    def simulator_note(self) -> str | None:
        """What the pages and the terminal say of an NF-e the SEFAZ simulator answered, by what it is now."""
        if not self.simulated:
            return None
        done = {"cancelled": ("Cancelada no simulador da SEFAZ" if self.cancelled_elsewhere
                              else "Autorizada e cancelada no simulador da SEFAZ"),
                "denied": "Denegada pelo simulador da SEFAZ"}.get(self.status, "Autorizada pelo simulador da SEFAZ")
        return f"{done}: sem valor fiscal."

    @property
    def elsewhere_note(self) -> str | None:
        """What the pages and the terminal say of an NF-e cancelled at SEFAZ by another program."""
        if self.found_cancelled:
            return ("Autorizada aqui e cancelada na SEFAZ por outro programa (o lojasync a consultou depois do prazo "
                    "de cancelamento): o cancelamento foi registrado aqui como os do lojasync, o estoque voltou e as "
                    "contas a receber em aberto foram canceladas (as já recebidas ficam para conferir). Se a venda "
                    "continuar, gere outra NF-e ou uma venda simples para o pedido.")
        if not self.cancelled_elsewhere:
            return None
        return ("Cancelada na SEFAZ por outro programa enquanto o lojasync esperava a resposta da autorização: ela "
                "nunca constou como autorizada aqui, então nada foi movimentado (o estoque não foi baixado e nenhuma "
                "conta a receber foi criada). Se a venda continuar, gere outra NF-e ou uma venda simples para o "
                "pedido.")

    @property
    def rejection_resolution(self) -> str:
        """What to do with a rejected NF-e, as the pages and the terminal say it."""
        if self.rejection_code == "214":   # the same NF-e is as big when sent again
            return ("A NF-e passa do tamanho que a SEFAZ aceita numa mensagem (500 KB): transmiti-la de novo não "
                    "resolve. Descarte-a e divida a venda em pedidos menores na loja, ou emita uma venda simples.")
        if self.rejection_code in CLOCK_REJECTIONS:   # sent again once the clock is right: built anew, same number
            return f"{CLOCK_ADVICE} O número da NF-e é mantido."
        if self.rejection_code == IBS_CBS_MISSING:
            # A Simples Nacional NF-e without the group lojasync leaves out by default: the data to correct are the
            # company's tax settings, not the product's nor the customer's (the advice below said those).
            return Gap("A SEFAZ passou a exigir o grupo IBS/CBS, que o lojasync deixa fora das NF-e do Simples "
                       "Nacional a menos que a empresa peça: marque \"Incluir o grupo IBS/CBS nas NF-e do Simples "
                       "Nacional\" em Configurações → Tributos, confira as alíquotas de IBS/CBS do ano com o contador "
                       "e transmita de novo: a NF-e é refeita com o grupo e o número é mantido.",
                       "lojasync company taxes --ibs-cbs-simples")
        if self.rejection_code in CERTIFICATE_REJECTIONS:   # the signer's certificate, not the data (review: 291)
            return ("A SEFAZ recusou o certificado digital A1 que assinou a NF-e (vencido, revogado ou de uma cadeia "
                    "que ela não reconhece): instale um certificado válido em Configurações → Certificado A1 e "
                    "transmita de novo: a NF-e é assinada com ele e o número é mantido.")
        return number_spent_resolution(self.rejection_code) or (
            "Corrija o que a SEFAZ indicou (dados da empresa, do produto ou do cliente) e transmita de novo: o número "
            "é mantido. Ou descarte a NF-e.")


# "IBS/CBS não informado": a Simples Nacional NF-e without the IBSCBS group, reported to start in production in 2027.
IBS_CBS_MISSING = "1115"
# SEFAZ's rejections of the transmitter's (280-286) or the signature's (290-295) certificate: expired, revoked, its
# chain or revocation list unknown, no CNPJ in it.
CERTIFICATE_REJECTIONS = frozenset({*(str(code) for code in range(280, 287)), *(str(code) for code in range(290, 296))})


def items_total(lines: list[dict[str, Any]]) -> Decimal:
    """What the document's items add up to. Its total differs by the order's freight less its discounts (the
    document keeps the total, not the two apart): pages show the difference, so the total adds up."""
    return sum((Decimal(str(line["total"])) for line in lines), Decimal("0"))


def sale_view(sale: SimpleSale, order) -> SaleView:
    return SaleView(sale.id, sale.status.value, sale.status.label, sale.order_id,
                    getattr(order, "origin_number", None), sale.total, sale.payment_method, sale.installments,
                    sale.customer_id, list(sale.lines_data), sale.created_at, sale.confirmed_at, sale.cancelled_at)


def holds_sefaz_answer(data: bytes) -> bool:
    """Whether an NF-e's stored XML is SEFAZ's nfeProc (the NF-e with its protocol), not the signed NF-e alone."""
    return b"<nfeProc" in data[:400]


def invoice_view(invoice: Invoice, order) -> InvoiceView:
    discarded = invoice.status is InvoiceStatus.DISCARDED
    return InvoiceView(invoice.id, invoice.status.value, invoice.status.label, invoice.order_id,
                       getattr(order, "origin_number", None), invoice.number, invoice.series, invoice.access_key,
                       invoice.environment, invoice.total, invoice.protocol, invoice.simulated, invoice.rejection_code,
                       invoice.rejection_reason, invoice.attempts, invoice.issued_at, invoice.authorised_at,
                       None if discarded else invoice.cancelled_at, invoice.cancel_justification,
                       list(invoice.lines_data), invoice.sent_at,
                       invoice.cancel_requested_at if invoice.status is InvoiceStatus.AUTHORISED else None,
                       invoice.cancelled_at if discarded else None, invoice.cancelled_elsewhere,
                       invoice.cancel_protocol, invoice.found_cancelled, invoice.cancel_withdrawable)


T = TypeVar("T")


@dataclass(frozen=True)
class ListPage(Generic[T]):
    """One page of a list, newest first: `page` from 1 (as asked: past the last, `items` is empty), `total` of
    the whole list."""

    items: list[T]
    page: int
    pages: int
    total: int
    per_page: int


def _page_numbers(total: int, page: int, per_page: int) -> tuple[int, int]:
    """The page asked for (from 1; one past the last stays as asked, and its page says there is no such page)
    and how many there are."""
    return max(page, 1), max(1, -(-total // per_page))


@dataclass(frozen=True)
class ListedOrder:
    """What a row of a document list shows of its order: the store's number, read for the whole list at once
    (each order used to be read whole, with its lines: two queries a row)."""

    origin_number: str | None


def _invoice_rows(uow: ProcessingUnitOfWork, invoices: list[Invoice]) -> list[InvoiceView]:
    numbers = uow.orders.origin_numbers(i.order_id for i in invoices)
    return [invoice_view(i, ListedOrder(numbers.get(i.order_id))) for i in invoices]


def _sale_rows(uow: ProcessingUnitOfWork, sales: list[SimpleSale]) -> list[SaleView]:
    numbers = uow.orders.origin_numbers(s.order_id for s in sales)
    return [sale_view(s, ListedOrder(numbers.get(s.order_id))) for s in sales]


def list_sales(uow: ProcessingUnitOfWork, status: SaleStatus | None = None, limit: int | None = None,
               offset: int = 0) -> list[SaleView]:
    with uow:
        sales = uow.simple_sales.list(status, limit, offset)
        return _sale_rows(uow, sales)


def counted_sales(uow: ProcessingUnitOfWork, status: SaleStatus | None, limit: int,
                  offset: int) -> tuple[list[SaleView], int]:
    """`limit` vendas simples from `offset`, newest first, and how many there are in all (one transaction)."""
    with uow:
        sales = uow.simple_sales.list(status, limit, offset)
        return _sale_rows(uow, sales), uow.simple_sales.count(status)


def page_of_sales(uow: ProcessingUnitOfWork, status: SaleStatus | None, page: int,
                  per_page: int) -> ListPage[SaleView]:
    """Page `page` of the vendas simples (in `status`): counted and cut in the database, in one transaction."""
    with uow:
        total = uow.simple_sales.count(status)
        number, pages = _page_numbers(total, page, per_page)
        sales = uow.simple_sales.list(status, per_page, (number - 1) * per_page)
        return ListPage(_sale_rows(uow, sales), number, pages, total, per_page)


def show_sale(uow: ProcessingUnitOfWork, sale_id: int) -> SaleView:
    with uow:
        sale = uow.simple_sales.get(sale_id)
        if sale is None:
            raise SaleNotFound(sale_id=sale_id)
        return sale_view(sale, uow.orders.get(sale.order_id))


@dataclass(frozen=True)
class SaleCustomer:
    name: str
    tax_id: str


def sale_customer(uow: ProcessingUnitOfWork, sale: SaleView) -> SaleCustomer | None:
    """Whom a venda simples is to; None: the consumidor final. A pending sale takes its order's customer when it is
    confirmed (a customer linked to the order meanwhile counts), so it is the order's customer of now; a confirmed or
    cancelled one keeps its own. Pages journey: the sale's page said "Cliente: o do pedido", which named nobody."""
    with uow:
        customer_id = sale.customer_id
        if sale.status == SaleStatus.PENDING.value:
            order = uow.orders.get(sale.order_number, lines=False)
            customer_id = order.customer_id if order is not None else customer_id
        if customer_id is None:
            return None
        customer = uow.customers.by_ids([customer_id]).get(customer_id)
        return SaleCustomer(customer.name, customer.tax_id) if customer is not None else None


# The history entries that end a send of an NF-e awaiting SEFAZ: the newest says what its last send met.
_SEND_ENDINGS = (HistoryType.INVOICE_SEFAZ_DOWN.value, HistoryType.INVOICE_UNANSWERED.value)


def sefaz_down_words(uow: ProcessingUnitOfWork, invoice_id: int) -> str | None:
    """The history's words when the last send of an NF-e awaiting SEFAZ (none in flight now) met SEFAZ out of service
    (108/109: it took nothing); None otherwise. Pages journey: the NF-e's page said "a NF-e foi enviada e a SEFAZ
    ainda não respondeu" while the history said "ela não foi registrada"; an operator read that SEFAZ might hold it."""
    with uow:
        invoice = uow.invoices.get(invoice_id)
        # A later send SEFAZ took in an asynchronous batch (103/105) writes no history entry: SEFAZ holds it, whatever
        # an older outage said (review: a question about the batch that reached nobody cleared the send in flight).
        if (invoice is None or invoice.status is not InvoiceStatus.AWAITING or invoice.sent_at is not None
                or invoice.sefaz_receipt is not None):
            return None
        endings = [entry for entry in uow.order_history.for_order(invoice.order_id)
                   if entry.type in _SEND_ENDINGS and entry.params.get("number") == invoice.number
                   and entry.params.get("series") == invoice.series]
        if not endings or endings[-1].type != HistoryType.INVOICE_SEFAZ_DOWN.value:
            return None
        return render(endings[-1].type, endings[-1].params, Names())


def list_invoices(uow: ProcessingUnitOfWork, status: InvoiceStatus | None = None,
                  limit: int | None = None, offset: int = 0) -> list[InvoiceView]:
    with uow:
        invoices = uow.invoices.list(status, limit, offset)
        return _invoice_rows(uow, invoices)


def counted_invoices(uow: ProcessingUnitOfWork, status: InvoiceStatus | None, limit: int,
                     offset: int) -> tuple[list[InvoiceView], int]:
    """`limit` NF-e from `offset`, newest first, and how many there are in all (one transaction)."""
    with uow:
        invoices = uow.invoices.list(status, limit, offset)
        return _invoice_rows(uow, invoices), uow.invoices.count(status)


def page_of_invoices(uow: ProcessingUnitOfWork, status: InvoiceStatus | None, page: int,
                     per_page: int) -> ListPage[InvoiceView]:
    """Page `page` of the NF-e (in `status`): counted and cut in the database, in one transaction."""
    with uow:
        total = uow.invoices.count(status)
        number, pages = _page_numbers(total, page, per_page)
        invoices = uow.invoices.list(status, per_page, (number - 1) * per_page)
        return ListPage(_invoice_rows(uow, invoices), number, pages, total,
                        per_page)


# The ledgers' documents that are NF-e (issued, and returned by its cancellation): their source is the NF-e's id.
_INVOICE_SOURCES = frozenset({"nfe", "nfe_cancel"})


def invoice_numbers(uow: ProcessingUnitOfWork, sources: Iterable[tuple[str, str]]) -> dict[str, int]:
    """The nº of the NF-e among these ledger sources (type, id), by id as the ledger keeps it: a person knows an
    NF-e by its nº (the list, the DANFE, the movement's reason), the commands and links take its id."""
    ids = {int(source_id) for source_type, source_id in sources
           if source_type in _INVOICE_SOURCES and source_id.isdigit()}
    if not ids:
        return {}
    with uow:
        return {str(invoice_id): number for invoice_id, number in uow.invoices.numbers(ids).items()}


_SALE_SOURCES = frozenset({"simple_sale", "simple_sale_cancel"})


def document_orders(uow: ProcessingUnitOfWork, sources: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The order number of each document among these ledger sources (type, id): a stock keeper reading a product's
    movements asks which sale took the units, and knows it by its order (review: only the document was named)."""
    wanted = {(source_type, source_id) for source_type, source_id in sources if source_id.isdigit()
              and (source_type in _INVOICE_SOURCES or source_type in _SALE_SOURCES)}
    if not wanted:
        return {}
    with uow:
        invoices = uow.invoices.order_ids(int(i) for t, i in wanted if t in _INVOICE_SOURCES)
        sales = uow.simple_sales.order_ids(int(i) for t, i in wanted if t in _SALE_SOURCES)
    found = {}
    for source_type, source_id in wanted:
        order = (invoices if source_type in _INVOICE_SOURCES else sales).get(int(source_id))
        if order is not None:
            found[(source_type, source_id)] = order
    return found


def show_invoice(uow: ProcessingUnitOfWork, invoice_id: int) -> InvoiceView:
    with uow:
        invoice = uow.invoices.get(invoice_id)
        if invoice is None:
            raise InvoiceNotFound(invoice_id=invoice_id)
        return invoice_view(invoice, uow.orders.get(invoice.order_id))
