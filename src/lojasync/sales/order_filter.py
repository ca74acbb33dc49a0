"""Which orders a listing shows (Pedidos/Orçamentos, the API, `orders list`): the filter, what its search text
means, and the rule itself in Python. The database adapter answers the same filter with one query; the rule
here is what that query must agree with (the in-memory fakes use it, and the tests compare the two)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from lojasync.sales.orders import Order
from lojasync.sales.status import OrderStatus
from lojasync.shared.search_text import fold
from lojasync.shared.tax_id import normalize_tax_id
from lojasync.shared.text import clean_text
from lojasync.shared.utc import aware

# The ERP's order numbers are integers the databases keep in 32 bits: a longer number is no ERP number.
_LARGEST_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class OrderFilter:
    """Which orders a listing shows. `text` matches the order's number, the store's number, the customer's
    name (without regard to case or accents; a text with a letter) and the CPF/CNPJ (with or without
    punctuation); "#1234" is a number only."""

    status: OrderStatus | None = None
    origin: str | None = None               # where the orders came from ("nuvemshop": Loja virtual)
    without_customer: bool | None = None    # True: only those without one; False: only those with one
    needs_attention: bool | None = None
    placed_from: datetime | None = None     # inclusive
    placed_before: datetime | None = None   # exclusive
    text: str | None = None
    order_ids: Collection[int] | None = None  # only these orders

    def terms(self) -> SearchTerms | None:
        return SearchTerms.of(self.text)


# The longest search text taken (the API's `q`, the CLI's --search): a number, a name or a CPF/CNPJ is far shorter,
# and SQLite refuses a LIKE pattern past 50,000 bytes ("pattern too complex", which read as a write conflict).
MAX_SEARCH_LENGTH = 200


@dataclass(frozen=True)
class SearchTerms:
    """What one search text asks for, each way an order can match it."""

    number: str             # the order's number in the store, as typed without "#"
    erp_number: int | None  # the same text as the ERP's order number, when it is one
    words: str              # folded (lower case, no accents): part of a name; "" when the text has no letter
    document: str           # part of a CPF/CNPJ without punctuation; "" when the text cannot be one

    @classmethod
    def of(cls, text: str | None) -> SearchTerms | None:
        text = clean_text(text or "").strip()   # a NUL (a form, a script) matches nothing and no database keeps it
        if not text:
            return None
        number = text.lstrip("#")
        erp_number = int(number) if number.isascii() and number.isdigit() and str(int(number)) == number else None
        erp_number = erp_number if erp_number is not None and erp_number <= _LARGEST_NUMBER else None
        if text.startswith("#"):   # "#1234": the order's number, as the store and the ERP show it
            return cls(number, erp_number, "", "")
        # A name has a letter: a text of digits and punctuation is a number or a document, not a name.
        words = fold(text) if any(c.isalpha() for c in text) else ""
        document = normalize_tax_id(text)
        # A document is searched from three characters on: fewer would match almost every order.
        document = document if len(document) >= 3 and any(c.isdigit() for c in document) else ""
        return cls(number, erp_number, words, document)


def matches(criteria: OrderFilter, order: Order) -> bool:
    """Whether `order` is one the filter shows (the rule the database's query implements)."""
    if criteria.status is not None and order.status != criteria.status:
        return False
    if criteria.origin is not None and order.origin != criteria.origin:
        return False
    if criteria.without_customer is not None and (order.customer is None) != criteria.without_customer:
        return False
    if criteria.needs_attention is not None and order.needs_attention != criteria.needs_attention:
        return False
    if criteria.order_ids is not None and order.id not in set(criteria.order_ids):
        return False
    if not _in_period(order.placed_at, criteria.placed_from, criteria.placed_before):
        return False
    terms = criteria.terms()
    return terms is None or _matches_text(terms, order)


def _in_period(placed_at: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    if start is None and end is None:
        return True
    if placed_at is None:
        return False
    placed_at = aware(placed_at)
    return (start is None or placed_at >= aware(start)) and (end is None or placed_at < aware(end))


def _matches_text(terms: SearchTerms, order: Order) -> bool:
    if order.id == terms.erp_number or order.origin_number == terms.number:
        return True
    customer = order.customer
    if terms.words and (terms.words in fold(customer.name if customer else None)
                        or terms.words in fold(order.contact_name)):
        return True
    if terms.document:
        documents = (customer.tax_id if customer else "", normalize_tax_id(order.contact_document))
        return any(terms.document in d for d in documents if d)
    return False
