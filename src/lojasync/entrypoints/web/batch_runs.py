"""A batch of NF-e started by a request (the back office's form, `POST /api/v1/invoices/batch` with
`background`) runs in a thread of this process after the answer: 200 orders at a slow SEFAZ outlast a reverse
proxy's timeout. Its page and `GET /api/v1/invoices/batches/{id}` follow it (`fiscal.services.batch_reports`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from lojasync.bootstrap import Container
from lojasync.fiscal.services.batch_reports import run_batch
from lojasync.fiscal.services.invoices import Sefaz
from lojasync.sales.history import Who


def run_after_answering(container: Container, sefaz: Sefaz, batch_id: int, numbers: list[int], actor: Who,
                        wake: Callable[[], None], approve: bool = True) -> None:
    """Run the started batch in a daemon thread: stopping the server does not wait for 200 NF-e; a batch cut short
    says so (its page, the API), and an NF-e left on its way settles as any other left awaiting SEFAZ (the
    worker asks SEFAZ by key). `wake`: tells the worker the store has updates, once an NF-e was authorised."""
    def run() -> None:
        try:
            report = run_batch(container.uow, container.cipher, sefaz, batch_id, numbers, actor,
                               container.settings.sefaz_parallel, approve=approve)
        except Exception:  # noqa: BLE001 - kept on the batch (it says it stopped) and logged by run_batch
            return
        if report.authorised:
            wake()

    threading.Thread(target=run, name=f"lojasync-lote-{batch_id}", daemon=True).start()
