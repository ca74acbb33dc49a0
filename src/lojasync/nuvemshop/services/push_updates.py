"""Use case `push_store_updates`: write a store's pending updates (variant stock, NF-e keys, tracking codes) to
the store.

It runs under the store's lease: one worker at a time spends a store's API budget, and two pushes never
create the same metafield twice. Stock is read when pushed, so ten sales of a product before the push cost
one call: the product's variants in one PATCH (each variant by PUT when the PATCH is refused, so one gone
variant does not block the others). What the store refuses for good (a variant deleted there, data it
rejects) becomes a failed update whose reason goes to the store log; what fails for now (the store down,
the rate limit) waits, and is tried again later with growing delays.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from lojasync.nuvemshop.client.errors import (
    BadRequestError,
    ClientConfigurationError,
    ForbiddenError,
    NotFoundError,
    NuvemshopError,
    PaymentRequiredError,
    UnauthorizedError,
    error_detail,
)
from lojasync.nuvemshop.model.store import Store
from lojasync.nuvemshop.model.store_log import StoreLogType
from lojasync.nuvemshop.model.store_updates import (
    NFE_KEY,
    NFE_NAMESPACE,
    StockTarget,
    StoreUpdate,
    UpdateKind,
    UpdateStatus,
)
from lojasync.nuvemshop.ports import ClientFactory, ConnectorUnitOfWork, StoreClient
from lojasync.nuvemshop.services.leases import Lease, store_lease
from lojasync.nuvemshop.services.maintenance import stop_for_attention
from lojasync.sales.events import StoreWriteRefused
from lojasync.sales.history import Actor
from lojasync.shared.errors import Action, LojasyncError
from lojasync.stock.views import product_reference

log = logging.getLogger("lojasync.push")

BATCH = 500
# Seconds of calls one push goes on for before it gives the store back: the store's lease is the imports' too, and
# at the store's 2 requests a second a batch of 500 NF-e keys held it for minutes while orders waited to be
# imported (review, Black Friday run: 100 orders waited 148 s behind the keys of one batch of NF-e). What is left
# stays due, for the next push (`PushReport.more`).
SLICE_SECONDS = 4.0
# An unexpected error (a bug) is tried this many times, then the update fails where a person sees it.
MAX_ATTEMPTS = 5
# Seconds the updates a failed call left unsent wait before the next push takes them (without that call's).
UNTRIED_DELAY = 30
# The store refused this update itself (not the store being down): retrying the same thing cannot help.
REFUSED = (NotFoundError, BadRequestError)
Clock = Callable[[], datetime]
# Kept with the failed update and shown by the page and the terminal alike: both ways to send it again.
RESEND = "(Integração → Reenviar; no terminal: lojasync store push --failed)"


@dataclass
class PushReport:
    store_id: int
    pushed: int = 0
    failed: int = 0
    # Closed without a call: nothing to write (the variant no longer bound, or its stock not the ERP's to manage).
    # Counted apart (review: "Enviadas: 1" for a deleted variant's update that sent nothing).
    unsent: int = 0
    # Those about an order (tracking, NF-e key) failed for good, with why: told in each order's history once the
    # push's own transactions are over (`_tell_the_orders`).
    refused_for_orders: list = field(default_factory=list, repr=False, compare=False)
    calls: int = 0
    busy: bool = False                 # another worker holds the store: try again shortly
    skipped: str | None = None         # why nothing was tried: "inactive", "paused", "attention"
    retry_in: float | None = None      # the store failed for now: the updates wait this long
    more: bool = False                 # more updates were due than one batch
    error: str | None = None           # what made the updates wait
    # Set with `error`: what fixes it, and whether a person must act first (the token refused, the store suspended,
    # the app without a permission, a bug): waiting alone does not make those go (review: `store push` told the
    # operator the worker would retry, and exited 75, over a revoked token).
    error_resolution: str | None = None
    needs_person: bool = False


@dataclass(frozen=True)
class _Refusal:
    error: str
    resolution: str
    gone: bool = False   # the store variant no longer exists: its binding goes, and its stock is not queued again


def retry_delay(attempts: int) -> float:
    """5 s, 10 s, 20 s ... up to 10 minutes, like the drain's retries."""
    return min(600.0, 5.0 * 2 ** max(attempts - 1, 0))


def push_store_updates(uow: ConnectorUnitOfWork, client_factory: ClientFactory, store_id: int,
                       now: Clock | None = None) -> PushReport:
    """Push the store's due updates (one batch); see the report for what to do next."""
    clock = now or (lambda: datetime.now(timezone.utc))
    report = PushReport(store_id)
    with uow:
        store = uow.stores.get(store_id)
        report.skipped = _why_not(store)
        if report.skipped:
            return report
        uow.detach(store)
    with store_lease(uow, store_id) as lease:
        if lease is None:
            report.busy = True
            return report
        return _push_batch(uow, client_factory, store, lease, report, clock)


def push_while_holding(uow: ConnectorUnitOfWork, client_factory: ClientFactory, store_id: int, lease: Lease,
                       now: Clock | None = None) -> PushReport:
    """One batch of the store's due updates, pushed by a worker that holds the store's lease for another job (the
    drain of its webhooks, a sync) between two of its own batches. The push needs the same lease, and a drain
    loops while webhooks keep coming: on Black Friday every push was "busy", and no stock reached the store for
    as long as the storm lasted (two products sold in two channels oversold). Its failures are its own (kept on
    the updates, as any push's); they never stop the caller's job."""
    clock = now or (lambda: datetime.now(timezone.utc))
    report = PushReport(store_id)
    try:
        with uow:
            store = uow.stores.get(store_id)
            report.skipped = _why_not(store)
            if report.skipped or not uow.store_updates.due(store_id, clock(), 1):
                return report
            uow.detach(store)
        return _push_batch(uow, client_factory, store, lease, report, clock)
    except Exception:   # the caller's job goes on: the updates stay due for the push task
        log.warning("store updates not pushed between batches", exc_info=True, extra={"store_id": store_id})
        return report


def _push_batch(uow: ConnectorUnitOfWork, client_factory: ClientFactory, store: Store, lease: Lease,
                report: PushReport, clock: Clock) -> PushReport:
    """One batch of due updates, under the store's lease (held by the caller)."""
    store_id = store.id
    with uow:
        rows = uow.store_updates.due(store_id, clock(), BATCH)
        stock = _stock_to_write(uow, store_id, rows)
        tracking = _tracking_to_write(uow, store_id, rows)
    report.more = len(rows) == BATCH
    if not rows:
        return report
    ends = time.monotonic() + SLICE_SECONDS
    groups = list(_groups(rows))
    remaining = [row for group in groups for row in group]   # in the order the groups go
    failing = 0   # how many of `remaining` the call that failed was for (0: it failed before any call)
    client = None
    # A kind the token may not write (403: write_orders for the NF-e key, write_products for stock): its rows
    # fail, the other kinds still go. The first 403 failed every row of the batch unsent, and as each NF-e
    # queues its key beside its stock, no NF-e's stock ever reached the store.
    forbidden: dict[str, tuple[ForbiddenError, list[StoreUpdate]]] = {}
    try:
        client = client_factory(store)
        for group in groups:
            failing = len(group)
            kind = group[0].kind
            if kind not in forbidden:
                try:
                    _push_group(uow, client, group, stock, tracking, report, clock)
                except ForbiddenError as exc:
                    forbidden[kind] = (exc, [])
            if kind in forbidden:
                forbidden[kind][1].extend(group)
            remaining, failing = remaining[len(group):], 0
            if not lease.renew():
                break  # another worker took the store: it pushes what is left
            if remaining and time.monotonic() >= ends:
                report.more = True   # the rest stays due: the store goes back to the imports for a moment
                break
    except Exception as exc:  # noqa: BLE001 - whatever stopped the push, the updates left must wait, counted
        _postpone(uow, remaining, exc, stock, report, clock, failing)
    finally:
        if client is not None:
            report.calls = client.api_calls
            client.close()
    # One failure (and one store log entry) per kind the token may not write; the others' retry stands.
    retry_in = report.retry_in
    for exc, refused in forbidden.values():
        with uow:
            moment = clock()
            failed = _give_up(uow, refused, _Refusal(str(exc), NO_PERMISSION), report, moment)
            _wait(uow, [row for row in refused if row not in failed], str(exc), moment)   # changed meanwhile
            uow.commit()
    report.retry_in = retry_in
    _tell_the_orders(uow, report)
    return report


def _why_not(store: Store | None) -> str | None:
    if store is None or not store.active:
        return "inactive"
    if store.paused:
        return "paused"
    return "attention" if store.needs_attention() else None


@dataclass(frozen=True)
class _Stock:
    quantity: dict[int, int]    # product id -> what the store must show (never below zero)
    skus: dict[int, str | None]
    # variant ref -> the product it is bound to now: a variant whose SKU moved to another product since its row was
    # queued gets that product's stock (the row's own product_id wrote the former product's count on it)
    bound: dict[str, int]
    parents: dict[str, str] = field(default_factory=dict)   # variant ref -> the store's product of it, when known
    # product id -> (variant ref, the store's product of it) of each of its live variants in this store, in the order
    # they were bound, when it has more than one (a merchant gave two variants the same SKU). Each showing the whole
    # quantity, the store could sell it twice over: they share it (`share`), all of them, queued now or not.
    shared: dict[int, list[tuple[str, str | None]]] = field(default_factory=dict)

    def for_variant(self, ref: str) -> int | None:
        """What the store must show on this variant; None: nothing to write (unbound, or not managed by the ERP)."""
        product = self.bound.get(ref)
        return None if product not in self.quantity else self.part(product, ref)

    def part(self, product: int, ref: str) -> int:
        """The managed product's quantity the variant shows: all of it, or its share among the product's variants."""
        variants = [variant for variant, _ in self.shared.get(product, ())]
        if ref not in variants:
            return self.quantity[product]
        return share(self.quantity[product], len(variants), variants.index(ref))


def share(quantity: int, variants: int, position: int) -> int:
    """The part of `quantity` the variant at `position` (of `variants`, in binding order) shows: an even split, the
    first `quantity % variants` one unit more, so the parts add up to the quantity, never more (5 on two: 3 and 2)."""
    return quantity // variants + (1 if position < quantity % variants else 0)


def _stock_to_write(uow: ConnectorUnitOfWork, store_id: int, rows: list[StoreUpdate]) -> _Stock:
    """The balance of each product now. Read after the rows (on purpose): a move committed in between shows in
    the balance and, having bumped the row's revision, keeps the row pending; the worst case is one write too
    many, never a stale one marked done."""
    refs = [row.ref for row in rows if row.kind == UpdateKind.STOCK]
    if not refs:
        return _Stock({}, {}, {})
    bindings = uow.bindings.products_by_variant_ids(store_id, refs)
    bound = {ref: binding.product.id for ref, binding in bindings.items()
             if binding.product is not None and binding.gone_at is None}
    # The store's product of each variant as the binding has it now: a row queued before an order said it (its
    # line without product_id) kept none, and failed again on every resend though the binding has it since.
    parents = {ref: binding.external_product_id for ref, binding in bindings.items() if binding.external_product_id}
    ids = set(bound.values())
    if not ids:
        return _Stock({}, {}, bound, parents)
    levels, managed = uow.products.stock_levels(ids), uow.products.counted(ids)
    # What the store may still sell: the balance less the units on orders not yet issued (the store took
    # them off its own stock when they were placed; writing the bare balance would give them back and
    # oversell). Below zero (sold before it was counted again) means none.
    reserved = uow.products.reserved(managed)
    skus = {pid: p.sku for pid, p in uow.products.by_ids(ids).items()}
    return _Stock({pid: max(levels.get(pid, 0) - reserved.get(pid, 0), 0) for pid in managed}, skus, bound, parents,
                  _shared(uow, store_id, managed, bindings))


def _shared(uow: ConnectorUnitOfWork, store_id: int, managed: set[int], queued: dict
            ) -> dict[int, list[tuple[str, str | None]]]:
    """The managed products bound to more than one live variant of this store, each with all of them (in binding
    order), those without a row in this push included: the split is of the whole quantity among all of them."""
    live: dict[int, dict[str, str | None]] = {}
    for binding in uow.bindings.products_for(managed, store_id=store_id):
        live.setdefault(binding.product.id, {})[binding.external_variant_id] = binding.external_product_id
    # A variant of this push whose binding another transaction changed between the two reads is written as bound in
    # the first (`bound`): it still counts among them, rather than get the whole quantity.
    for ref, binding in queued.items():
        if binding.product is not None and binding.gone_at is None and binding.product.id in managed:
            live.setdefault(binding.product.id, {}).setdefault(ref, binding.external_product_id)
    return {pid: list(variants.items()) for pid, variants in live.items() if len(variants) > 1}


def _tracking_to_write(uow: ConnectorUnitOfWork, store_id: int, rows: list[StoreUpdate]
                       ) -> dict[str, tuple[str, str | None]]:
    """(code, link) per store order, as the ERP order has them now: a code corrected before the push is sent
    once, the last one."""
    refs = [row.ref for row in rows if row.kind == UpdateKind.TRACKING]
    if not refs:
        return {}
    return {ref: (b.order.tracking_code, b.order.tracking_url)
            for ref, b in uow.bindings.orders_by_external_ids(store_id, refs).items()
            if b.order is not None and b.order.tracking_code}


def _groups(rows: list[StoreUpdate]) -> Iterator[list[StoreUpdate]]:
    """Stock rows by store product (one PATCH each); each NF-e key and tracking code on its own. A product's rows
    need not be next to each other: due rows come fewest attempts first, and a variant changed again (attempts back
    to 0) came apart from its siblings, two PATCH calls for one product. Its PATCH goes where its row that failed
    most goes: a product the store keeps refusing still goes after the others, a changed variant with it."""
    groups: list[list[StoreUpdate]] = []
    products: dict[str, list[StoreUpdate]] = {}
    for row in reversed(rows):
        if row.kind != UpdateKind.STOCK or row.parent_ref is None:
            groups.append([row])
        elif row.parent_ref in products:
            products[row.parent_ref].insert(0, row)
        else:
            products[row.parent_ref] = [row]
            groups.append(products[row.parent_ref])
    yield from reversed(groups)


def _push_group(uow: ConnectorUnitOfWork, client: StoreClient, group: list[StoreUpdate], stock: _Stock,
                tracking: dict[str, tuple[str, str | None]], report: PushReport, clock: Clock) -> None:
    if group[0].kind == UpdateKind.NFE_KEY:
        outcomes = {group[0].id: _push_key(client, group[0])}
    elif group[0].kind == UpdateKind.TRACKING:
        outcomes = {group[0].id: _push_tracking(client, group[0], tracking.get(group[0].ref))}
    else:
        _queue_stale_siblings(uow, group, stock, report, clock)
        outcomes = _push_stock(client, group, stock)
    follow_up: list[StockTarget] = []   # variants left behind by gone ones: queued once this is committed
    with uow:
        split: set[int] = set()
        gone: list[StoreUpdate] = []
        for row in group:
            outcome = outcomes[row.id]
            if isinstance(outcome, _Refusal):
                _fail(uow, row, outcome, stock, report, clock())
                if outcome.gone:   # else every stock move queued it again, failed again, logged again
                    uow.bindings.variant_gone(row.store_id, row.ref, clock())
                    gone.append(row)
            else:
                sent, remote_id = outcome
                uow.store_updates.finish(row, clock(), sent, remote_id)
                if row.kind == UpdateKind.STOCK and sent is None:
                    report.unsent += 1
                else:
                    report.pushed += 1
                if row.kind == UpdateKind.STOCK and sent is not None and stock.bound.get(row.ref) in stock.shared:
                    split.add(stock.bound[row.ref])
        for product_id in sorted(split):
            _split_written(uow, group[0].store_id, product_id, stock)
        # Once every gone variant of the group is marked: one found gone beside another was taken for one left
        # behind, queued again, and its failure ("não existe mais") turned into a write of nothing (review).
        follow_up.extend(_left_behind(uow, gone, stock))
        uow.commit()
    if follow_up:
        # In a transaction of its own: this one held its rows' locks, and queueing others (locked in the order
        # every writer of them takes, `want_stock`) after them could deadlock with an approval queueing the same on
        # PostgreSQL (review). And pushed soon, not at the next stock move.
        with uow:
            uow.store_updates.want_stock(follow_up, clock())
            uow.commit()
        report.more = True


def _queue_stale_siblings(uow: ConnectorUnitOfWork, group: list[StoreUpdate], stock: _Stock, report: PushReport,
                          clock: Clock) -> None:
    """The variants sharing a product with this group's, not in this push, whose last write is not their part now,
    queued (committed) before the group is written, and pushed right after: a variant bound since a sibling's push
    (a new variant given the same SKU) makes the parts smaller, and the sibling kept showing the former, larger one
    (the store showed more than there was). Queued after the write, a push that died in between left it so until
    the product moved again (review)."""
    products = sorted({stock.bound[row.ref] for row in group if stock.bound.get(row.ref) in stock.shared})
    if not products:
        return
    store_id = group[0].store_id
    with uow:
        stale: list[StockTarget] = []
        for product_id in products:
            others = [(ref, parent) for ref, parent in stock.shared[product_id] if ref not in stock.bound]
            if not others:
                continue
            states = uow.store_updates.stock_sent(store_id, [ref for ref, _ in others])
            stale.extend(StockTarget(store_id, ref, parent, product_id) for ref, parent in others
                         if _stale(states.get(ref), stock.part(product_id, ref)))
        if not stale:
            return
        uow.store_updates.want_stock(stale, clock())
        uow.commit()
    report.more = True


def _left_behind(uow: ConnectorUnitOfWork, gone: list[StoreUpdate], stock: _Stock) -> list[StockTarget]:
    """Variants the store said are gone shared their product's stock with others: theirs is to be split again
    without them (the last one left gets all of it), not kept at the smaller share (review: a variant deleted and
    made again with the same SKU left the new one at half). Read once the gone ones are marked (`variant_gone`)."""
    products = {stock.bound[row.ref] for row in gone if stock.bound.get(row.ref) in stock.shared}
    if not products:
        return []
    store_id = gone[0].store_id
    return [StockTarget(store_id, b.external_variant_id, b.external_product_id, b.product.id)
            for b in uow.bindings.products_for(products, store_id=store_id)]


def _split_written(uow: ConnectorUnitOfWork, store_id: int, product_id: int, stock: _Stock) -> None:
    """A product's stock was split among its variants in the store: the merchant is told once (the store log)."""
    variants = stock.shared[product_id]
    params = {"sku": product_reference(stock.skus.get(product_id), product_id),
              "variants": [ref for ref, _ in variants]}
    if not uow.store_log.has(store_id, StoreLogType.STOCK_SPLIT, params):
        uow.store_log.record(store_id, StoreLogType.STOCK_SPLIT, Actor.SYSTEM.value, params)
        log.warning("stock split among variants sharing a SKU", extra={"store_id": store_id, "product_id": product_id,
                                                                        "variants": len(variants)})


def _stale(state: tuple[str, str | None] | None, part: int) -> bool:
    """Whether a sibling's last write is not its part now. Never queued: the store's own number is not the part.
    Pending: it goes anyway, read then; refused: it waits for a person (queued again, it would be refused again)."""
    if state is None:
        return True
    status, sent = state
    return status == UpdateStatus.DONE.value and sent != str(part)


def _fail(uow: ConnectorUnitOfWork, row: StoreUpdate, refusal: _Refusal, stock: _Stock, report: PushReport,
          moment: datetime) -> None:
    """Failed for good, and said in the store log (unless a newer change already asks to try again: that one waits
    its turn, `_wait`)."""
    if uow.store_updates.fail(row, moment, refusal.error, refusal.resolution):
        report.failed += 1
        # An order's update names it as the merchant knows it: the store's number (#1234) and the ERP's, beside
        # the store's internal id (review: the id alone matched nothing in the Nuvemshop admin).
        binding = _bindings_of(uow, [row]).get(row.ref)
        uow.store_log.record(row.store_id, StoreLogType.STORE_UPDATE_FAILED, Actor.SYSTEM.value,
                             {"kind": row.kind, "ref": row.ref, "sku": stock.skus.get(stock.bound.get(row.ref)),
                              "number": binding.external_number if binding else None,
                              "order": binding.order_id if binding else None,
                              "error": refusal.error, "resolution": refusal.resolution})
        _to_tell(report, [row], refusal)
    else:
        _wait(uow, [row], refusal.error, moment)


Outcome = tuple[str | None, str | None] | _Refusal   # (value written, metafield id) or why the store refused


def _push_stock(client: StoreClient, group: list[StoreUpdate], stock: _Stock) -> dict[int, Outcome]:
    outcomes: dict[int, Outcome] = {}
    product = group[0].parent_ref or stock.parents.get(group[0].ref)
    wanted = {}
    for row in group:
        quantity = stock.for_variant(row.ref)
        if quantity is not None:
            wanted[row.ref] = quantity
        else:  # no longer bound, or bound to a product whose stock the ERP does not manage: nothing to write
            outcomes[row.id] = (None, None)
    writing = [row for row in group if row.ref in wanted]
    if not writing:
        return outcomes
    if product is None:   # the order line that bound the variant did not say its product: no URL to write to
        outcomes.update((row.id, _Refusal("a loja não informou o produto desta variante",
                                          "Confira a variante na Nuvemshop; o vínculo é refeito quando um pedido "
                                          "com ela for importado.")) for row in writing)
        return outcomes
    try:
        client.set_variants_stock(product, wanted)
        outcomes.update((row.id, (str(wanted[row.ref]), None)) for row in writing)
        return outcomes
    except REFUSED as exc:
        if len(writing) == 1 and isinstance(exc, NotFoundError):
            outcomes[writing[0].id] = _stock_refusal(exc, product, wanted[writing[0].ref])
            return outcomes
    # One refused variant must not hold the others back: each on its own (a lone one too: the store answers a
    # missing variant in the PATCH with 422, and its own PUT with 404, which says it is gone).
    for row in writing:
        try:
            client.set_variant_stock(product, row.ref, wanted[row.ref])
            outcomes[row.id] = (str(wanted[row.ref]), None)
        except REFUSED as exc:
            outcomes[row.id] = _stock_refusal(exc, product, wanted[row.ref])
    return outcomes


def _stock_refusal(exc: NuvemshopError, product: str | None, quantity: int) -> _Refusal:
    if isinstance(exc, NotFoundError):
        return _Refusal(f"a variante não existe mais no produto {product} da loja",
                        "Se a variante foi apagada na Nuvemshop, nada a fazer: o estoque dela deixa de ser enviado "
                        "(volta a ser se ela aparecer num pedido feito depois). Se foi engano, recrie-a na loja.",
                        gone=True)
    return _Refusal(f"a loja recusou o estoque {quantity}: {_detail(exc)}",
                    f"Confira a variante na Nuvemshop e reenvie as atualizações com erro {RESEND}.")


def _push_key(client: StoreClient, row: StoreUpdate) -> Outcome:
    """The order's `nfe/key` metafield set to the key (found first, so a lost answer never makes two), or
    deleted when the key was withdrawn."""
    try:
        if row.value is None:
            for metafield_id in _key_metafields(client, row):
                with contextlib.suppress(NotFoundError):  # already gone: what we wanted
                    client.delete_metafield(metafield_id)
            return (None, None)
        if row.remote_id:
            try:
                client.update_metafield(row.remote_id, row.value)
                return (row.value, row.remote_id)
            except NotFoundError:
                pass  # deleted in the store meanwhile: look for it, or create it again
        found = _set_found_key(client, row)
        if found is not None:
            return found
        try:
            created = client.create_order_metafield(row.ref, NFE_NAMESPACE, NFE_KEY, row.value,
                                                    description="Chave de acesso da NF-e")
        except BadRequestError:
            # "has already been taken": another push made it between our look and our create (one whose lease ran
            # out during a slow call). Set that one; refused for good only when there is none (review).
            found = _set_found_key(client, row)
            if found is None:
                raise
            return found
        return (row.value, str(created["id"]))
    except REFUSED as exc:
        return _Refusal(f"a loja recusou a chave da NF-e: {_detail(exc)}",
                        "Confira se o pedido existe na loja e se o app tem a permissão write_orders (sem ela, "
                        f"reinstale o app); depois reenvie as atualizações com erro {RESEND}.")


# The store e-mails the customer the code and link: what a shipment's tracking code is for.
NOTIFY_CUSTOMER = True


def _push_tracking(client: StoreClient, row: StoreUpdate, tracking: tuple[str, str | None] | None) -> Outcome:
    """The store order marked shipped with the code and link the ERP order has now."""
    if tracking is None:   # the order is no longer bound to this store order: nothing of ours to write
        return (None, None)
    code, url = tracking
    try:
        # Perhaps sent before (an attempt whose answer was lost, a worker killed before it marked the row done):
        # the store may hold the code already, and sending it again e-mails the customer a second time. Asked
        # first: one call more per shipped order.
        # The link too: a link corrected under the same code is to be sent (a link taken away is not: the call
        # leaves out a link it does not have, so sending again would only e-mail the customer again).
        held = client.get_order(row.ref)
        if (held.get("shipping_tracking_number") or "") == code and (
                not url or (held.get("shipping_tracking_url") or None) == url):
            return (code, None)
        client.fulfill_order(row.ref, code, url, notify_customer=NOTIFY_CUSTOMER)
        return (code, None)
    except REFUSED as exc:
        return _Refusal(f"a loja recusou o código de rastreio {code}: {_detail(exc)}",
                        "Confira na Nuvemshop se o pedido existe e não está cancelado, e se o app tem a permissão "
                        f"write_orders (sem ela, reinstale o app); depois reenvie as atualizações com erro {RESEND}.")


def _set_found_key(client: StoreClient, row: StoreUpdate) -> Outcome | None:
    """The order's `nfe/key` metafield, if the store has one, set to the key (None: it has none)."""
    for found in client.find_order_metafields(row.ref, NFE_NAMESPACE, NFE_KEY):
        if str(found.get("value")) != row.value:
            client.update_metafield(found["id"], row.value)
        return (row.value, str(found["id"]))
    return None


def _key_metafields(client: StoreClient, row: StoreUpdate) -> list[str]:
    """Every `nfe/key` metafield of the order: the one kept and any other the store holds (two pushes that each
    created one, a lease having run out during a slow call: the cancelled NF-e's key stayed on the order; review)."""
    found = [str(m["id"]) for m in client.find_order_metafields(row.ref, NFE_NAMESPACE, NFE_KEY)]
    return list(dict.fromkeys([*([row.remote_id] if row.remote_id else []), *found]))


def _detail(exc: NuvemshopError) -> str:
    return error_detail(exc.body) or f"HTTP {exc.status_code}"


# A bug's traceback is in the process's log: the worker's, or, from the terminal, the data folder's lojasync-erros.log.
BUG_RESOLUTION = ("Informe o erro do log do lojasync (do worker; de um comando, o lojasync-erros.log da pasta de "
                  f"dados) a quem o mantém; depois reenvie as atualizações com erro {RESEND}.")


def _postpone(uow: ConnectorUnitOfWork, rows: list[StoreUpdate], exc: Exception, stock: _Stock,
              report: PushReport, clock: Clock, failing: int = 0) -> None:
    """Not pushed now: each waits for its next attempt. A token without the write permissions, or an
    unexpected error that keeps coming back, fails them instead (retrying could not help).

    The first `failing` rows are the call that failed (all of them when 0: it failed before any
    call); the others were not sent at all, and say so rather than show that call's error as their own (a
    tracking code reading "PATCH .../variants")."""
    bug = not isinstance(exc, LojasyncError)
    if bug:
        log.exception("store updates push failed", extra={"store_id": report.store_id})
    if not rows:
        return
    error = f"erro inesperado ({type(exc).__name__})" if bug else str(exc)
    # Only the call that failed counts an attempt, and only its rows may be given up on: the rows after it were
    # never sent. They were failed for good with its error (an NF-e key's odd answer failing a stock update), and,
    # postponed with it, came back due with it and behind it, held back as long as it kept failing.
    tried = rows[:failing] if failing else rows
    untried = rows[len(tried):]
    attempts = max(row.attempts for row in tried) + 1
    delay = retry_delay(attempts)
    report.retry_in, report.error = delay, error
    report.error_resolution = exc.resolution if not bug else BUG_RESOLUTION
    # What waiting alone does not mend: the token refused or gone, the key that opens it changed, the store suspended,
    # a permission missing, a bug (review: a changed key and an erased token were told the worker would retry).
    report.needs_person = bug or isinstance(exc, (PaymentRequiredError, UnauthorizedError)) or exc.action in (
        Action.RECONNECT_STORE, Action.RESET_SECRETS, Action.CONFIGURE)
    moment = clock()
    if isinstance(exc, PaymentRequiredError) or (isinstance(exc, UnauthorizedError)
                                                  and not isinstance(exc, ForbiddenError)):
        # The token no longer works: the store asks a person now (reconnect it), and its pushes wait for that;
        # left to the next sync, the push itself retried a dead token every few minutes. Suspended (402): the
        # store is paused, as the sync pauses it, and its updates wait for it to come back.
        stop_for_attention(uow, report.store_id, exc, moment)
    # Given up on only after their own tries: a variant changed a moment ago, sent in its product's PATCH beside a
    # sibling that failed four times, has been tried once.
    worn = [row for row in tried if row.attempts + 1 >= MAX_ATTEMPTS]
    with uow:
        # Those failed for good; one whose value changed during the call is not (`fail`): it waits as the others do
        # (left as it was, it was due at once, sent again without a wait at every push, never given up on).
        given_up: list[StoreUpdate] = []
        if isinstance(exc, ForbiddenError):
            given_up = _give_up(uow, tried, _Refusal(error, NO_PERMISSION), report, moment)
        elif bug and worn:
            given_up = _give_up(uow, worn, _Refusal(error, BUG_RESOLUTION), report, moment)
        elif _answered_the_same(exc) and worn:
            # An answer asking again cannot change (the store's odd reply, a refusal of the call itself): failed
            # after a few tries, in the store log, rather than postponed for good with nobody told.
            given_up = _give_up(uow, worn, _Refusal(error, "A loja respondeu do mesmo jeito em todas as tentativas: "
                                                           "confira a loja e o app na Nuvemshop; depois reenvie as "
                                                           f"atualizações com erro {RESEND}."),
                                report, moment)
        waiting = [row for row in tried if row not in given_up]
        if waiting:
            # Their own count decides their wait (beside worn siblings given up on, a first try waits as one).
            report.retry_in, report.error = _wait(uow, waiting, error, moment), error
        if not waiting and not untried:
            report.error = None   # every row was given up on: the refusals say why ("recusadas"), none waits
        if untried:
            # Due again before the failing call's rows, so that the next push goes without them; soon, not at
            # once: when the whole store is down, one call every UNTRIED_DELAY finds it out.
            report.retry_in = min(report.retry_in if report.retry_in is not None else delay, UNTRIED_DELAY)
            uow.store_updates.postpone(untried, moment, f"Não enviada: o envio à loja parou antes dela ({error})"[:500],
                                       moment + timedelta(seconds=report.retry_in), counted=False)
        uow.commit()
    if report.retry_in is not None and not bug:
        log.warning("store updates postponed", extra={"store_id": report.store_id, "updates": len(rows),
                                                      "error_code": getattr(exc, "code", None),
                                                      "retry_in_s": report.retry_in})


def _answered_the_same(exc: Exception) -> bool:
    """The store's own answer, which asking again cannot change (an odd answer, a refusal of the call itself). Not
    a suspension or a dead token (the store waits for a person), nor an error before any call (a key that no
    longer opens the token): their updates wait, to go by themselves once that is fixed."""
    return isinstance(exc, NuvemshopError) and not exc.retryable and not isinstance(
        exc, (UnauthorizedError, PaymentRequiredError, ClientConfigurationError))


NO_PERMISSION = ("Reinstale o app concedendo as permissões write_products (estoque) e write_orders (chave da NF-e) "
                 f"e reconecte a loja; depois reenvie as atualizações com erro {RESEND}.")


def _bindings_of(uow: ConnectorUnitOfWork, rows: list[StoreUpdate]) -> dict:
    """The order bindings of those of `rows` about an order (tracking, NF-e key), by the store's order id."""
    about_orders = [row for row in rows if row.kind != UpdateKind.STOCK.value]
    if not about_orders:
        return {}
    return uow.bindings.orders_by_external_ids(about_orders[0].store_id, [row.ref for row in about_orders])


def _to_tell(report: PushReport, rows: list[StoreUpdate], refusal: _Refusal) -> None:
    report.refused_for_orders.extend((row, refusal) for row in rows if row.kind != UpdateKind.STOCK.value)


def _tell_the_orders(uow: ConnectorUnitOfWork, report: PushReport) -> None:
    """The history of each order a failed update was about (its tracking code, its NF-e key) says so: the order's
    page promised the store would mark it shipped and tell the customer (review: only the store log said it).
    In a transaction of its own, after the push's: the entry waits for the order's lock on PostgreSQL, which the
    fiscal side takes before the update rows the push holds (review: written inside the push, the two deadlocked).
    Only failures that were committed (and not changed since) are told; best effort, the push's outcome stands."""
    if not report.refused_for_orders:
        return
    try:
        with uow:
            failed = uow.store_updates.still_failed(row for row, _ in report.refused_for_orders)
            told = [(row, refusal) for row, refusal in report.refused_for_orders if row.id in failed]
            bindings = _bindings_of(uow, [row for row, _ in told])
            for row, refusal in told:
                binding = bindings.get(row.ref)
                if binding is not None and binding.order is not None:
                    binding.order.record(StoreWriteRefused(order=binding.order, actor=Actor.SYSTEM, what=row.kind,
                                                           value=row.value, error=refusal.error,
                                                           resolution=refusal.resolution))
            uow.commit()
    except Exception:   # the store log and the update's row already say it
        log.warning("store refusals not written in the orders' history", exc_info=True,
                    extra={"store_id": report.store_id})
    report.refused_for_orders.clear()


def _give_up(uow: ConnectorUnitOfWork, rows: list[StoreUpdate], refusal: _Refusal, report: PushReport,
             moment: datetime) -> list[StoreUpdate]:
    """Fail them all, with one entry in the store log (not one per variant); returns those failed (not one that
    changed meanwhile: its new value is to be sent)."""
    failed = [row for row in rows if uow.store_updates.fail(row, moment, refusal.error, refusal.resolution)]
    report.failed += len(failed)
    report.retry_in = None
    if failed:
        uow.store_log.record(rows[0].store_id, StoreLogType.STORE_UPDATE_FAILED, Actor.SYSTEM.value,
                             {"kind": "all", "count": len(failed), "error": refusal.error,
                              "resolution": refusal.resolution})
        _to_tell(report, failed, refusal)
    return failed


def _wait(uow: ConnectorUnitOfWork, rows: list[StoreUpdate], error: str, moment: datetime) -> float | None:
    """Rows tried and not pushed (the store failed them, or refused them for good while their value changed): each
    waits its next attempt, counted, by their highest count. Returns the wait (None: no rows)."""
    if not rows:
        return None
    wait = retry_delay(max(row.attempts for row in rows) + 1)
    uow.store_updates.postpone(rows, moment, error[:500], moment + timedelta(seconds=wait))
    return wait
