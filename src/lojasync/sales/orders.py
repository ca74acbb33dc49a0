"""Order (Pedido) in Pedidos/Orçamentos, with its lines, and the data an import brings for it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from lojasync.sales.customers import Customer
from lojasync.sales.erasure import REMOVED, assign
from lojasync.sales.events import (
    AttentionCleared,
    CustomerKept,
    CustomerLinked,
    CustomerMissing,
    LineWithoutProduct,
    OrderImported,
    OrderUpdated,
    PaymentReturnedInStore,
    PersonalDataErased,
    StoreChangeFlagged,
    StoreChangeUndone,
    StoreStateNoted,
)
from lojasync.sales.history import Actor, Change, ChangeKind, HistoryType, ProcessedBy, Who
from lojasync.sales.history_text import REPORTED_FIELDS, Names, render
from lojasync.sales.order_data import LineData, OrderData
from lojasync.sales.shipping import Shipping
from lojasync.sales.status import OrderStatus
from lojasync.shared.address import Address
from lojasync.shared.events import Aggregate
from lojasync.shared.money import foreign_currency, in_currency
from lojasync.shared.phone import national_digits
from lojasync.shared.tax_id import ERASURES, TaxIdProblem, TaxIdProblemCode, normalize_tax_id, parse_tax_id

ORIGIN_ONLINE_STORE = "nuvemshop"
ORIGIN_LABELS = {ORIGIN_ONLINE_STORE: "Loja virtual"}
# Between the pending reasons of an order's attention text: pages, the terminal and the API show one per line.
_REASON_SEPARATOR = "\n"


def cancel_in_store_reason(processed_by: ProcessedBy | None) -> str:
    """How the reason begins that asks a person to cancel the order's document, the store having cancelled the
    order: cancelling that document settles it (`fiscal.effects.reverse_effects` takes it away)."""
    document = "a venda simples" if processed_by is ProcessedBy.SIMPLE_SALE else "a NF-e"
    return f"{CANCELLED_IN_STORE} cancele {document}."


CANCELLED_IN_STORE = "Pedido cancelado na loja:"


# The attention reason a store change leaves on an order while its document stands (`flag_store_change`):
# the history's words for HistoryType.ATTENTION begin so.
STORE_CHANGE_BEGINS = "A loja alterou o pedido #"


def reread_reason(document: str, number: int) -> str:
    """Its document cancelled, an order the store changed meanwhile still holds the sale as it was: what the
    back office reads until the order is read again from the store (which takes the reason away)."""
    return (f"{REREAD_BEGINS} {document}, cancelada depois: o pedido aqui ainda é o de antes. Leia-o de novo "
            f"da loja (Reprocessar; no terminal: lojasync orders resync {number}) antes de gerar outro documento.")


REREAD_BEGINS = "A loja alterou o pedido quando ele tinha a"


def is_store_change_reason(reason: str) -> bool:
    """Whether a pending reason is one `flag_store_change` wrote (a store cancellation's included, which begins by
    asking to cancel the document). Not the reason of an NF-e authorised after the store cancelled the order
    (`fiscal.order_drift`), which begins the same way and stands until that NF-e is cancelled."""
    return reason.startswith(STORE_CHANGE_BEGINS) or (reason.startswith(CANCELLED_IN_STORE)
                                                       and f" {STORE_CHANGE_BEGINS}" in reason)


def is_reread_reason(reason: str) -> bool:
    return reason.startswith(REREAD_BEGINS)


class CustomerLink:
    STORE = "store"
    MANUAL = "manual"


# Copied as they are from the store; status, customer and lines have rules of their own.
_COPIED_FIELDS = tuple(f.name for f in fields(OrderData)
                       if f.name not in ("status", "customer", "customer_problem", "lines"))
# What the store may still change on an order whose NF-e or venda simples stands, with no person looking: how to
# reach the buyer, the buyer's note, when it was placed and paid. Every other field is something its document
# took (the sale's money and payment, where and how it ships, whose CPF/CNPJ, the store's number): a change of it
# is held back and flagged (rule 7), and applied once the document is cancelled and the order read again.
UNHELD_FIELDS = frozenset({"contact_name", "contact_email", "contact_phone", "note", "placed_at", "paid_at",
                           "payment_gateway"})


class OrderLine:
    id: int | None
    position: int
    product_id: int | None
    # A product of the stock module; sales keeps only the reference and a copy of what was sold.
    product: Any = None  # class default: unmapped use (unit tests) reads it too
    sku: str | None
    name: str
    quantity: int
    unit_price: Decimal
    total: Decimal
    # The origin's reference of the item sold (the store's variant): what tells two lines without a SKU at the same
    # price apart. None on lines imported before lojasync kept it.
    store_variant_id: str | None = None
    # The store's promotion on this line, part of the order's discount: its own on the NF-e (`order_lines.promotion`).
    # None: the store said none per line, or the line was imported before lojasync kept it.
    promotion: Decimal | None = None

    def __init__(self, position: int, sku: str | None, name: str, quantity: int, unit_price: Decimal,
                 product: Any = None, store_variant_id: str | None = None,
                 promotion: Decimal | None = None) -> None:
        self.position = position
        self.sku = sku
        self.name = name
        self.quantity = quantity
        self.unit_price = unit_price
        self.total = unit_price * quantity
        if product is not None:  # the ORM's relationship events make even a None assignment costly
            self.product = product
        if store_variant_id is not None:
            self.store_variant_id = store_variant_id
        if promotion is not None:
            self.promotion = promotion


class Order(Aggregate):
    id: int | None = None
    # Class defaults instead of assignments in __init__: the ORM turns every assignment into events,
    # and an import creates thousands of orders a second. Mapped, the ORM supplies the same defaults.
    status: OrderStatus
    origin: str | None = None
    origin_number: str | None = None
    customer_id: int | None = None
    customer: Customer | None = None
    customer_link: str | None = None
    customer_problem: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    contact_document: str | None = None
    subtotal: Decimal
    discount: Decimal
    freight: Decimal
    total: Decimal
    payment_method: str | None = None
    payment_gateway: str | None = None
    installments: int | None = None
    billing_address: Address | None = None
    shipping_address: Address | None = None
    shipping: Shipping | None = None
    marketplace: str | None = None   # where it was sold, when not on the merchant's own store (`sales.marketplaces`)
    currency: str | None = None      # as the store says it ("BRL"; None: not said, kept before the ERP read it)
    placed_at: datetime | None = None
    paid_at: datetime | None = None
    note: str | None = None
    needs_attention: bool
    attention_reason: str | None = None
    processed_by: ProcessedBy | None = None
    # A change the store made while its document stood, held back (`flag_store_change`): a digest of what was held,
    # so the same change is flagged once (a person who cleared it is not asked again) and, the document cancelled,
    # the order asks to be read again even when nobody's reason is pending any more. None: nothing held.
    held_change: str | None = None
    tracking_code: str | None = None
    tracking_url: str | None = None
    lines: list[OrderLine]
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def __init__(self, status: OrderStatus = OrderStatus.OPEN) -> None:
        self.status = status
        self.needs_attention = False
        self.lines = []

    @property
    def origin_label(self) -> str | None:
        return ORIGIN_LABELS.get(self.origin or "", self.origin)

    def is_processed(self) -> bool:
        """An approved NF-e or a confirmed venda simples exists: fiscal facts an import must not undo."""
        return self.processed_by is not None

    def mark_processed(self, by: ProcessedBy) -> None:
        self.processed_by = by

    def unmark_processed(self, document: str | None = None) -> None:
        """Its NF-e or sale was cancelled: the store's changes apply again, and it may be processed anew.

        A change the store made meanwhile was held back (`flag_store_change`) and the order still holds the sale
        as it was. The store's cancellation is taken now (a cancelled order gets no document anyway); any other
        change needs the order read again, which a reason says (`document`: the one just cancelled)."""
        self.processed_by = None
        held = [reason for reason in self.attention_reasons if STORE_CHANGE_BEGINS in reason]
        if document is None or not (held or self.held_change):
            return
        self.held_change = None
        self.withdraw_attention(lambda reason: STORE_CHANGE_BEGINS in reason)
        if any(reason.startswith(CANCELLED_IN_STORE) for reason in held):
            before, self.status = self.status, OrderStatus.CANCELLED
            if before is not OrderStatus.CANCELLED:
                # The store's change, applied now (the history says "atualizado pela loja").
                self.record(OrderUpdated(order=self, actor=Actor.STORE, changes=(
                    Change(ChangeKind.STATUS, before=before.value, after=self.status.value),)))
            return
        self.ask_for_a_person(reread_reason(document, self.id))

    @property
    def asks_to_cancel_a_late_document(self) -> bool:
        """Whether a pending reason asks to cancel a document SEFAZ authorised after the store cancelled the order
        (`fiscal.order_drift`): not a store change's, and already asking what a store cancellation would."""
        asks = cancel_in_store_reason(self.processed_by)
        return any(reason.startswith(asks) and not is_store_change_reason(reason) for reason in self.attention_reasons)

    @property
    def waits_for_a_reread(self) -> bool:
        """The store changed it while a document stood, and it was not read again since."""
        return any(is_reread_reason(reason) for reason in self.attention_reasons)

    @property
    def attention_reasons(self) -> list[str]:
        """What is pending for a person, oldest first (the stored text holds one reason per line)."""
        if not self.needs_attention or not self.attention_reason:
            return []
        return self.attention_reason.split(_REASON_SEPARATOR)

    def ask_for_a_person(self, reason: str) -> bool:
        """Flag the order for the back office with what to look at, after the reasons already pending: a second
        problem (an NF-e stuck after a store change) must not hide the first. Each is kept until a person
        clears the flag; False when that very reason is pending already (not repeated)."""
        reason = " ".join(reason.splitlines())   # one line: lines separate the reasons
        pending = self.attention_reasons
        self.needs_attention = True
        if reason in pending:
            return False
        self.attention_reason = _REASON_SEPARATOR.join([*pending, reason])
        return True

    def withdraw_attention(self, settled: Callable[[str], bool]) -> bool:
        """What raised some of the pending reasons was dealt with elsewhere (say, the receivables checked): take
        those away and keep the others; the flag goes with the last. False when none of them was pending (the
        caller records why they went)."""
        pending = self.attention_reasons
        kept = [reason for reason in pending if not settled(reason)]
        if len(kept) == len(pending):
            return False
        self.needs_attention = bool(kept)
        self.attention_reason = _REASON_SEPARATOR.join(kept) or None
        return True

    def clear_attention(self, actor: Who = Actor.OPERATOR, seen: Collection[str] | None = None) -> bool:
        """A person dealt with what flagged the order; False when it was not flagged (nothing recorded).
        `seen`: the reasons the person was shown (a page opened earlier): one raised since stays, unseen."""
        if not self.needs_attention:
            return False
        kept = [reason for reason in self.attention_reasons if reason not in seen] if seen is not None else []
        if len(kept) == len(self.attention_reasons):
            return False   # none of what was shown is pending any more: the new reasons are for the person to see
        self.needs_attention = bool(kept)
        self.attention_reason = _REASON_SEPARATOR.join(kept) or None
        self.record(AttentionCleared(order=self, actor=actor))
        return True

    # -- import from a store ---------------------------------------------------------------------------

    def import_new(self, data: OrderData, customer: Customer | None, products: list[Any], actor: Who) -> None:
        """First import of a store order: take its values and record it in the history."""
        self.apply(data, customer, products)
        self.record(OrderImported(order=self, actor=actor, origin_number=data.origin_number, status=data.status))
        if self.customer is None and data.customer_problem is not None:
            self.record(CustomerMissing(order=self, actor=actor, problem=data.customer_problem.code))
        self._note_lines_without_product(actor)

    def update_from_store(self, data: OrderData, customer: Customer | None, products: list[Any],
                          store_changes: list[Change], actor: Who) -> None:
        """A newer version of the store order: take its values, record what changed."""
        document_before = self.contact_document
        changes = self.apply(data, customer, products) + store_changes
        self.held_change = None
        self.withdraw_attention(is_reread_reason)   # read again: what the store changed is applied now
        if changes:
            self.record(OrderUpdated(order=self, actor=actor, changes=tuple(changes)))
        if self.customer is None and any(c.kind is ChangeKind.CUSTOMER_MISSING for c in changes):
            self.record(CustomerMissing(order=self, actor=actor, problem=data.customer_problem.code))
        # Said when the store's document changed (or went): not again at every later version bringing the same one
        # (upgrade review: "cliente mantido" at each re-read of an order linked by hand for an invalid CPF).
        if self.customer is not None and data.customer is None and data.customer_problem is not None \
                and normalize_tax_id(data.contact_document) != normalize_tax_id(document_before):
            self.record(CustomerKept(order=self, actor=actor, problem=data.customer_problem.code,
                                     customer=self.customer))
        self._note_lines_without_product(actor)

    def payment_returned_in_store(self, words: str) -> None:
        """The store gave this order's money back, or never took it (`words`: "reembolsado", "anulado"): said to
        whoever must know (`PaymentReturnedInStore`)."""
        self.record(PaymentReturnedInStore(order=self, words=words))

    def remember_held_change(self, data: OrderData, store_status: str | None, payment_status: str | None,
                             held: Sequence[str] = (), sale_changed: bool = True) -> None:
        """A store change an earlier version flagged before the order kept what it held back (migration 0034), read
        again with the store's order unchanged since: kept as held, as `flag_store_change` keeps it, and not flagged
        again (upgrade review: every such change a person had settled came back after the upgrade)."""
        self.held_change = _held_digests(data, held, self.processed_by,
                                         (store_status, payment_status) if sale_changed else None)[0]

    def flag_store_change(self, data: OrderData, store_status: str | None, payment_status: str | None,
                          actor: Who, held: Sequence[str] = (), sale_changed: bool = True) -> str | None:
        """The store changed this order after it was processed: flag it for a person, undo nothing. `held`: the
        fields changed in the store and not taken (`store_details`; "lines" for the items), named in the reason.
        `sale_changed`: False when the sale is the same (its status, items and total; only `held` differs).

        The reason when the change is news; None when this very change was flagged before: not recorded again, and
        not asked again of a person who cleared it (deciding to keep the document). Still pending, its reason is
        said again of the store's order as it is now (paid since, say)."""
        digests = _held_digests(data, held, self.processed_by, (store_status, payment_status) if sale_changed else None)
        digest = digests[0]
        news = self.held_change not in digests
        pending = [reason for reason in self.attention_reasons if is_store_change_reason(reason)]
        if not news and not pending:
            return None
        self.held_change = digest
        event = StoreChangeFlagged(order=self, actor=actor, origin_number=data.origin_number,
                                   processed_by=self.processed_by, store_status=store_status,
                                   payment_status=payment_status, would_be=data.status if sale_changed else None,
                                   total=data.total,
                                   fields=tuple(_said_as(name, getattr(self, name, None), getattr(data, name, None))
                                                for name in held))
        # Stored as text and shown as it is: the money in pt-BR ("R$ 968,97"), not Decimal's "968.97", in the currency
        # the store now says (review: a change to dollars said "total R$ 160,00").
        reason = render(HistoryType.ATTENTION, event.params(),
                        Names(money=lambda value: in_currency(value, data.currency)))
        if data.status is OrderStatus.CANCELLED:
            # What the back office must do comes first: the fiscal document stands until a person cancels it.
            reason = f"{cancel_in_store_reason(self.processed_by)} {reason}"
        if not news:
            # The same change, read in a later version of the store's order (paid since): its pending reason says
            # it of the order as it is now, in its own place among the others (and once).
            kept = pending[-1]
            self.withdraw_attention(lambda other: is_store_change_reason(other) and other != kept)
            self._reword(kept, reason)
            return None
        # An earlier change the store made, flagged and still pending, is said again in this one (the store's order
        # as it is now): one reason, not one per version read. Reopened by the store, the order is no longer to be
        # cancelled at all: any reason asking it goes (a late NF-e's too, `fiscal.order_drift`), or cancelling the
        # document would cancel an order the store sells again; cancelled again, this flag asks it again.
        self.withdraw_attention(lambda pending: pending.startswith(STORE_CHANGE_BEGINS) or (
            data.status is not OrderStatus.CANCELLED and pending.startswith(CANCELLED_IN_STORE)))
        if data.status is OrderStatus.CANCELLED:
            asks = f"{cancel_in_store_reason(self.processed_by)} {STORE_CHANGE_BEGINS}"
            if reason not in self.attention_reasons:
                # The same cancellation, said before of another document (a venda simples cancelled so that an NF-e
                # SEFAZ authorised late stands; its reason kept its words): said once, of the order as it is now.
                self.withdraw_attention(lambda pending: pending.startswith(asks))
        if self.ask_for_a_person(reason):   # the same change read again is not recorded again
            self.record(event)
        return reason

    def _reword(self, old: str, new: str) -> None:
        """A pending reason said again in other words, where it stands among the others (said once)."""
        new = " ".join(new.splitlines())
        reasons = [reason for reason in self.attention_reasons if reason != new or reason == old]
        self.attention_reason = _REASON_SEPARATOR.join(new if reason == old else reason for reason in reasons)

    def paid_in_store(self, store_changes: list[Change], actor: Who) -> None:
        """The store received the payment of this processed order (a boleto or a Pix paid after the NF-e): the
        same sale, now Confirmado; nothing its document stands on changes, so nothing is flagged."""
        before, self.status = self.status, OrderStatus.CONFIRMED
        change = Change(ChangeKind.STATUS, before=before.value, after=self.status.value)
        self.record(OrderUpdated(order=self, actor=actor, changes=(change, *store_changes)))

    def still_holds(self, data: OrderData, held: Sequence[str], store_status: str | None,
                    payment_status: str | None) -> bool:
        """Whether this version of the store's order is, as a changed sale, the very change held and flagged (a later
        version of it: shipped, a note), so that what made it a change (money given back) still stands."""
        return self.held_change is not None and self.held_change in _held_digests(
            data, held, self.processed_by, (store_status, payment_status))

    def store_change_undone(self, actor: Who) -> bool:
        """The store's order is again the sale the document stands on (the store undid what was held back, or
        reopened the order it had cancelled): nothing is held any more, and the reasons that asked about it go,
        said in the history. False when nothing was held."""
        if self.held_change is None and not any(is_store_change_reason(r) for r in self.attention_reasons):
            return False
        self.held_change = None
        self.withdraw_attention(is_store_change_reason)
        self.record(StoreChangeUndone(order=self, actor=actor,
                                      document=self.processed_by.label if self.processed_by else None,
                                      still_pending=len(self.attention_reasons)))
        return True

    def store_details(self, data: OrderData, ignore: Sequence[str] = ()) -> tuple[list[str], list[str]]:
        """A processed order's copied fields in which the store's version differs, in two lists: those it may take
        (`UNHELD_FIELDS`), and those its document took that the store really changed (held back, rule 7). Not
        changes, and left as they are: an address only written in another form, a field the ERP began keeping
        later (known for the first time), a CPF/CNPJ written in another form or no longer sent (the link is kept
        then too). `ignore`: fields not compared at all (someone's data, once erased: LGPD)."""
        free, held = [], []
        for name in _COPIED_FIELDS:
            old, new = getattr(self, name, None), getattr(data, name)
            if name in ignore or old == new:
                continue
            if name in UNHELD_FIELDS:
                free.append(name)
            elif _really_changed(name, old, new):
                held.append(name)
        return free, held

    def take_store_details(self, data: OrderData, names: Sequence[str]) -> list[Change]:
        """Take these fields' values from the store's version (`store_details`' first list); the changes the
        history reports."""
        for name in names:
            setattr(self, name, getattr(data, name))
        return [Change(ChangeKind.FIELD, name=name) for name in names if name in REPORTED_FIELDS]

    def note_store_states(self, changes: list[Change], actor: Who, sale_changed: bool = False) -> None:
        """What a processed order took from the store (its buyer's contact, the store's states). `sale_changed`:
        the same version changed the sale too (held back and flagged): then an ordinary "atualizado pela loja"."""
        if changes:
            kind = OrderUpdated if sale_changed else StoreStateNoted
            self.record(kind(order=self, actor=actor, changes=tuple(changes)))

    def apply(self, data: OrderData, customer: Customer | None, products: list[Any]) -> list[Change]:
        """Take the store's values; return what changed (nothing is reported for a new order)."""
        existing = getattr(self, "id", None) is not None
        document_before = self.contact_document
        changes: list[Change] = []
        if self.status != data.status:
            if existing:
                changes.append(Change(ChangeKind.STATUS, before=self.status.value, after=data.status.value))
            self.status = data.status
        for name in _COPIED_FIELDS:
            new = getattr(data, name)
            old = getattr(self, name, None)
            if old != new:
                if existing and name in REPORTED_FIELDS and _is_a_change(name, old, new):
                    changes.append(Change(ChangeKind.FIELD, name=name))
                setattr(self, name, new)
        changes += self._link_store_customer(data, customer, document_before)
        changes += self._replace_lines(data.lines, products)
        return changes

    # -- back office -----------------------------------------------------------------------------------

    def link_customer_manually(self, customer: Customer, actor: Who = Actor.OPERATOR) -> None:
        """Link `customer`; the history keeps the one it replaced (a reference, not the person's data)."""
        previous = self.customer if self.customer is not customer else None
        self.customer = customer
        self.customer_link = CustomerLink.MANUAL
        self.customer_problem = None
        self.record(CustomerLinked(order=self, actor=actor, customer=customer, previous_customer=previous))

    # -- LGPD ------------------------------------------------------------------------------------------

    @property
    def personal_data_erased(self) -> bool:
        """Whether the buyer's data was erased at their request or the store's (LGPD) and none of it is kept for a
        fiscal document: its store customer unlinked as erased, or anonymised."""
        if self.customer is not None:
            return self.customer.is_anonymised()
        return self.customer_problem in _ERASED_REASONS

    def erase_personal_data(self, request: HistoryType, actor: Who = Actor.STORE) -> bool:
        """Blank the buyer's data; a processed order keeps what its fiscal document requires (recipient's
        name, CPF/CNPJ and billing address). Return whether anything changed (history records it)."""
        changes: dict[str, Any] = {"contact_email": None, "contact_phone": None, "shipping_address": None,
                                   "note": None}
        if self.is_processed():
            if self.billing_address is not None and self.billing_address.phone:
                changes["billing_address"] = replace(self.billing_address, phone=None)
        else:
            changes.update(contact_name=None, contact_document=None, billing_address=None)
            problem = self.customer_problem
            if problem and ": " in problem:  # "CPF inválido: <the document as sent>"
                changes["customer_problem"] = f"{problem.split(': ', 1)[0]}: {REMOVED}"
            if self.customer is not None and self.customer_link == CustomerLink.STORE \
                    and not self.customer.is_anonymised():
                # A customer kept (someone else's orders too, another store's, a document of another order): the
                # link named the person on this order still, and found it by their name and CPF (review). A link a
                # person made (the merchant's own record) stays, as on an order whose document stands.
                changes.update(customer=None, customer_link=None,
                               customer_problem=TaxIdProblem(erasure_problem(request)).reason)
        changed = assign(self, changes)
        if changed:
            self.record(PersonalDataErased(order=self, actor=actor, request=request,
                                           fiscal_retention=self.processed_by))
        return changed

    # -- rules -----------------------------------------------------------------------------------------

    def _link_store_customer(self, data: OrderData, customer: Customer | None,
                             document_before: str | None = None) -> list[Change]:
        if customer is not None and self.customer is not None and self.customer is not customer \
                and self.customer_link == CustomerLink.MANUAL \
                and normalize_tax_id(data.contact_document) == normalize_tax_id(document_before):
            # A person replaced the store's customer (the buyer wants the NF-e in the company's CNPJ): an update of
            # the order that brings the same document (shipped, paid) relinked the store's, undoing the choice
            # (review). Only a document the store changed (or brought at last: rule 3) links the store's customer; the
            # same one written another way ("529.982.247-25" for "52998224725") is no change (review).
            return []
        if customer is not None:
            changed = self.customer is not customer
            self.customer = customer
            self.customer_link = CustomerLink.STORE
            self.customer_problem = None
            return [Change(ChangeKind.CUSTOMER_LINKED, customer=customer)] if changed else []
        if self.customer is not None:
            # Once linked (by a valid document or by a person), only another valid document relinks:
            # a payload without one (scope lost, customer deleted, redaction) must not undo the link.
            return []
        reason = data.customer_problem.reason if data.customer_problem is not None else None
        changed = self.customer_problem != reason
        self.customer = None
        self.customer_link = None
        self.customer_problem = reason
        if not changed or data.customer_problem is None:
            return []
        return [Change(ChangeKind.CUSTOMER_MISSING, after=data.customer_problem.code.value)]

    def _replace_lines(self, lines: list[LineData], products: list[Any]) -> list[Change]:
        if len(products) != len(lines):
            raise ValueError("one product (or None) per line is required")
        before = [(ln.sku, ln.name, ln.quantity, ln.unit_price) for ln in self.lines]
        after = [(ln.sku, ln.name, ln.quantity, ln.unit_price) for ln in lines]
        if before == after and all(a.product is b for a, b in zip(self.lines, products, strict=True)):
            # The same lines: the variant each came from is taken as the store names it, no change said (an order
            # imported before lojasync kept it gets it now); so is the promotion on each, which the order's discount
            # and total, compared as fields, already say.
            for line, data in zip(self.lines, lines, strict=True):
                if (variant := _variant(data)) is not None and line.store_variant_id != variant:
                    line.store_variant_id = variant
                if line.promotion != data.promotion:
                    line.promotion = data.promotion
            return []
        kept = self.lines[: len(lines)]
        for position, (data, product) in enumerate(zip(lines, products, strict=True), start=1):
            if position <= len(kept):
                line = kept[position - 1]
                line.sku, line.name, line.quantity = data.sku, data.name, data.quantity
                line.unit_price, line.total = data.unit_price, data.total
                line.product, line.store_variant_id = product, _variant(data)
                line.promotion = data.promotion
            else:
                kept.append(OrderLine(position, data.sku, data.name, data.quantity, data.unit_price, product,
                                      _variant(data), data.promotion))
        self.lines[:] = kept
        return [Change(ChangeKind.LINES)] if before else []

    def _note_lines_without_product(self, actor: Who) -> None:
        for line in self.lines:
            if line.product is None:
                self.record(LineWithoutProduct(order=self, actor=actor, position=line.position, sku=line.sku))


def _variant(data: LineData) -> str | None:
    """The store variant a line keeps (`order_lines.store_variant_id`, 40 characters): one longer is no store's id
    (Nuvemshop's have about ten digits) and is kept as unknown, compared as before, rather than failing the
    import on PostgreSQL."""
    return data.store_variant_id if data.store_variant_id and len(data.store_variant_id) <= 40 else None


# Fields the ERP began keeping after orders were already imported: the first import that brings one to such an
# order fills a blank, it does not change what the store said.
_KEPT_SINCE_LATER = frozenset({"shipping", "marketplace"})


def _first_known(name: str, old: Any) -> bool:
    return old is None and name in _KEPT_SINCE_LATER


def _is_a_change(name: str, old: Any, new: Any) -> bool:
    """Whether two different values of a field are a change the store made (not a form, not a first value)."""
    if name == "currency":
        # None is reais (nothing said, or read before the ERP kept it): "BRL" after it is the same sale, while another
        # currency is another sale even as a first value (review: an order in dollars processed before it was kept,
        # then said "USD", was left in reais unflagged, and once its document was cancelled it was sold in reais again).
        return foreign_currency(old) != foreign_currency(new)
    return not _same_place(old, new) and not _first_known(name, old)


def _really_changed(name: str, old: Any, new: Any) -> bool:
    """Whether `store_details` holds a difference back (see there)."""
    if not _is_a_change(name, old, new):
        return False
    if name == "contact_document":
        return bool(new) and normalize_tax_id(old) != normalize_tax_id(new)
    return True


def sale_lines(lines: Sequence[Any], by_variant: bool = False) -> list[tuple]:
    """A sale's items as a comparable whole: the store may send the same items in another order, or the same item
    at the same price in two lines (its units added up). `by_variant`: an item without a SKU is known by the
    store's variant too (see `known_by_variant`), else two such items at the same price are the same."""
    units: dict[tuple, int] = {}
    for line in lines:
        variant = (line.store_variant_id or "") if by_variant and not line.sku else ""
        key = (line.sku or "", variant, line.unit_price)
        units[key] = units.get(key, 0) + line.quantity
    return sorted((sku, variant, quantity, price) for (sku, variant, price), quantity in units.items())


def known_by_variant(*sales: Sequence[Any]) -> bool:
    """Whether every item without a SKU, on each side, says its store variant: lines imported before lojasync kept
    it say none, and would differ from the same item read now."""
    return all(line.store_variant_id for lines in sales for line in lines if not line.sku)


def _held_digests(data: OrderData, held: Sequence[str], document: ProcessedBy | None,
                  states: tuple[str | None, str | None] | None) -> tuple[str, ...]:
    """The digest of a held store change to keep, first, then those earlier versions kept for the same change (read
    again after an upgrade, it is no news). The store's own status is no part of it: what of it matters to the sale
    (cancelled, reopened) is the order's status, and the rest is the store's housekeeping (import review: a change
    a person had cleared, keeping the document, was flagged again when the store archived the order, "closed")."""
    payment = (states[1],) if states is not None else None
    kept_before = [None] if states is None else [states, *((status, states[1]) for status in
                                                           _STORE_STATUSES_KEPT_BEFORE if status != states[0])]
    return (_held_digest(data, held, document, payment, by_variant=True), _held_digest(data, held, document, payment),
            # Kept before 2026-12-06 with the store's status in it, whichever it was then (the change cleared while the
            # order was open, archived since: review); and before the store's variant was.
            *(_held_digest(data, held, document, old, by_variant=variant)
              for old in kept_before for variant in (True, False)))


# The store order statuses earlier versions put in a held change's digest (those of the one store platform connected).
_STORE_STATUSES_KEPT_BEFORE = ("open", "closed", "cancelled")


def _held_digest(data: OrderData, held: Sequence[str], document: ProcessedBy | None,
                 states: tuple[str | None, ...] | None, by_variant: bool = False) -> str:
    """What a store change held back is made of (the sale's total and items, the held fields' values; when the sale
    changed, its status and the store's own status and payment status, `states`) and the kind of document it was
    held from: the same change read again, in a later version of the order (shipped, paid, archived), digests the
    same; a refund after a cancellation, or the change said of another document (a late NF-e standing after the
    venda simples was cancelled), is new."""
    # Each line as it came (not `sale_lines`' units added up): the digests kept before that stay what they were.
    lines = sorted((line.sku or "", line.quantity, line.unit_price)
                   + ((line.store_variant_id,) if by_variant and not line.sku and line.store_variant_id else ())
                   for line in data.lines)
    content = repr((data.status.value if states is not None else None, states, data.total, lines,
                    getattr(document, "value", None),
                    sorted((name, repr(getattr(data, name, None))) for name in held if name != "lines")))
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def _said_as(name: str, old: Any, new: Any) -> str:
    """How a held field is named to a person: an address whose phone alone changed is its phone ("telefone de
    cobrança alterado"), or the operator looks for a change of address that is not there."""
    if isinstance(old, Address) and isinstance(new, Address) and name.endswith("_address") \
            and old.phone != new.phone and _same_place(replace(old, phone=None), replace(new, phone=None)):
        return name.removesuffix("_address") + "_phone"
    return name


def _same_place(old: Any, new: Any) -> bool:
    """Two addresses that differ only in how they are written: the state as its name or its UF ("São Paulo" then
    "SP", as imports of earlier versions kept it), letter case, spaces ("RUA  DAS FLORES"). The ERP takes the new
    form without calling it a change."""
    return isinstance(old, Address) and isinstance(new, Address) and _as_written(old) == _as_written(new)


def _as_written(address: Address) -> tuple:
    values = address.with_uf().to_dict()
    if values.get("phone"):
        # The NF-e takes a phone's national digits: "+5511987654321" and "(11) 98765-4321" are the same phone.
        values["phone"] = national_digits(values["phone"]) or values["phone"]
    return tuple(" ".join(value.split()).casefold() if isinstance(value, str) else value for value in values.values())


def document_forms(document: str | None) -> list[str]:
    """The ways a store may have written a document on an order (as sent, normalised, formatted)."""
    if not document:
        return []
    forms = {document, normalize_tax_id(document)}
    parsed = parse_tax_id(document)
    if not isinstance(parsed, TaxIdProblem):
        forms.add(parsed.formatted())
    return sorted(f for f in forms if f)


# The customer problems an erasure leaves (by the customer's request or the store's), as the order keeps them.
_ERASED_REASONS = frozenset(TaxIdProblem(code).reason for code in ERASURES)


def erasure_problem(request: HistoryType) -> TaxIdProblemCode:
    """Who asked for the erasure, as the order's customer problem says it: the store (store/redact: every buyer's
    data of the store) or the customer (customers/redact). It said "a pedido do cliente" for both (review)."""
    return TaxIdProblemCode.ERASED_BY_STORE if request == HistoryType.LGPD_STORE_REDACT else TaxIdProblemCode.ERASED
