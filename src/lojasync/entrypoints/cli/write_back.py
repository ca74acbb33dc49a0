"""After a command that moved stock or authorised an NF-e: ask the worker to write it to the store now.

The updates themselves were committed with the change; this only wakes the worker. If the queue cannot be
reached, nothing is lost: the worker's housekeeping finds the pending updates within a minute of running.
"""

from __future__ import annotations

import logging

from lojasync.bootstrap import Container
from lojasync.entrypoints.cli.context import console
from lojasync.entrypoints.cli.runtime import task_queue
from lojasync.nuvemshop.model.store_updates import UpdateKind
from lojasync.nuvemshop.services.store_updates import stores_with_due_updates

log = logging.getLogger("lojasync.cli")


def push_soon(app: Container, quiet: bool = False) -> None:
    """Queue a push for every store with updates waiting; unless `quiet` (JSON output), say that stock waits for
    the store when some does (a product never counted is not written back, and an NF-e's key queued by an earlier
    command is no stock: the sentence would be untrue). The NF-e commands print their own summary."""
    try:
        stores = stores_with_due_updates(app.read_uow())
        if not stores:
            return
        queue = task_queue()
        for store_id in stores:
            queue.push_soon(store_id)
        stock_waits = not quiet and bool(stores_with_due_updates(app.read_uow(), kind=UpdateKind.STOCK))
    except Exception as exc:  # noqa: BLE001 - the command's own work is done; the worker's housekeeping sends them
        log.warning("store updates not queued", extra={"error_class": type(exc).__name__})
        return
    if stock_waits:
        console.print("Estoque na fila para a loja (enviado pelo worker; para enviar agora: lojasync store push).",
                      style="dim", highlight=False)
