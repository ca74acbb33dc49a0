"""Step one of an import: parse and map each payload; what cannot be read becomes a failure to keep.

The same order twice in one batch keeps its newest version; each candidate carries the digest of what
the ERP takes from it (the skip rule compares digests, not raw payloads).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace

from lojasync.nuvemshop.errors import PayloadUnreadable
from lojasync.nuvemshop.mapper import map_order
from lojasync.nuvemshop.payloads import PayloadError, StoreOrder, parse_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.order_data import OrderData
from lojasync.shared.errors import LojasyncError
from lojasync.shared.money import foreign_currency

log = logging.getLogger("lojasync.import")

@dataclass
class Candidate:
    payload: dict
    order: StoreOrder
    data: OrderData
    digest: str


@dataclass
class Failure:
    key: str                 # the store order id, or a digest of the payload when it has none
    external_id: str | None
    payload: object
    error: LojasyncError     # its message, resolution and code are kept with the payload
    summary: str             # data-free words for the histories ("dados inválidos: products.0.quantity")


def prepare(payloads: list, policy: ImportPolicy) -> tuple[list[Candidate], list[Failure]]:
    newest: dict[str, Candidate] = {}
    failures: dict[str, Failure] = {}
    fingerprint = policy.fingerprint()
    for payload in payloads:
        try:
            order = parse_order(payload)
            data = map_order(order, policy.rules)
        except PayloadError as exc:
            external_id = exc.external_id or _raw_id(payload)
            key = failure_key(external_id, payload)
            summary = f"dados inválidos no pedido da loja ({', '.join(exc.fields) or 'formato'})"
            failures[key] = Failure(key, external_id, payload, exc, summary)
            continue
        except (ValueError, KeyError, TypeError, ArithmeticError) as exc:
            # A shape nobody foresaw: nothing the store sent may be lost, so the payload is kept as a
            # failure to retry; the traceback goes to the log, where a developer will look for it.
            external_id = _raw_id(payload)
            key = failure_key(external_id, payload)
            log.exception("store order could not be read", extra={"external_id": external_id})
            failures[key] = Failure(key, external_id, payload,
                                    PayloadUnreadable(external_id=external_id or "?", kind=type(exc).__name__),
                                    f"erro interno ({type(exc).__name__})")
            continue
        seen = newest.get(order.id)
        # The same order twice in one batch (overlapping pages): keep the newest version.
        if seen is None or _newer_or_same(order, seen.order):
            newest[order.id] = Candidate(payload, order, data, _content_digest(order, data, fingerprint))
    return list(newest.values()), list(failures.values())


def _content_digest(order: StoreOrder, data: OrderData, fingerprint: str) -> str:
    # What the ERP takes from the order, not the raw payload: the embedded customer aggregates
    # (total_spent, last_order_id) change whenever the buyer orders again and are not news.
    states = (order.status, order.payment_status, order.shipping_status_normalized)
    # Digests are stored on the bindings: the problem enters as the words it had when it was a string,
    # so an upgrade does not make every order without a document look new.
    problem = data.customer_problem.reason if data.customer_problem is not None else None
    # The shipping only when the store sent one: an order without it keeps the digest earlier versions stored,
    # and one with it (every order of a real store) is taken once more the next time the store sends it, which
    # is how orders imported before the ERP kept the shipping get theirs (a processed one is not touched).
    shipping = f"|{data.shipping!r}" if data.shipping is not None else ""
    # The marketplace likewise: orders sold on one, imported before the ERP kept it, get it on their next read.
    marketplace = f"|sold on {data.marketplace}" if data.marketplace is not None else ""
    # And a currency other than reais: orders in reais (all of a Brazilian store's) keep the digest they had.
    currency = f"|in {foreign}" if (foreign := foreign_currency(data.currency)) else ""
    # And each line's store promotion when the order has one (`LineData.promotion`, out of the lines' repr): orders
    # without keep their digest, and an open promoted order imported before the ERP kept it gets it on its next read
    # (review: skipped as the same content, a "Reprocessar" too, its NF-e shared the promotion by the lines' values).
    promotions = [line.promotion for line in data.lines]
    promoted = f"|promotions {[str(p) for p in promotions]}" if any(p is not None for p in promotions) else ""
    return digest(f"{replace(data, customer_problem=problem)!r}|{states!r}|{fingerprint}{shipping}{marketplace}"
                  f"{currency}{promoted}")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def failure_key(external_id: str | None, payload: object) -> str:
    """The store order id, or (no id, or one too long for any id column) a digest of the payload."""
    if external_id and len(external_id) <= 40:
        return external_id
    return f"{'sem-id' if not external_id else 'id-longo'}-{digest(repr(payload))[:24]}"


def _raw_id(payload: object) -> str | None:
    if isinstance(payload, dict) and payload.get("id") not in (None, ""):
        return str(payload["id"])
    return None


def _newer_or_same(a: StoreOrder, b: StoreOrder) -> bool:
    if a.updated_at is None or b.updated_at is None:
        return True
    return a.updated_at >= b.updated_at
