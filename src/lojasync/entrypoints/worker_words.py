"""What the API, the terminal and the pages add to an error whose resolution leaves the rest to a worker
(`LojasyncError.left_to_worker`: "o lojasync a consulta sozinho", a cancellation kept to be sent) when none is
running: the promise holds only with one (review: a 202 said "o envia sozinho" with every worker stopped, and the
request waited for nobody, its 24 hours running; the banner says it only 3 minutes later, and an API client never
sees it)."""

from __future__ import annotations

from datetime import datetime, timezone

from lojasync.nuvemshop.services.maintenance import worker_beating
from lojasync.shared.errors import LojasyncError

NO_WORKER = ("Mas nenhum worker do lojasync está no ar agora, e o que ele faria sozinho espera até um entrar no ar: "
             "inicie-o (lojasync worker, ou o serviço do lojasync sem --no-worker).")


def no_worker_words(container) -> str | None:
    """NO_WORKER when no worker gave a sign of life lately; None while one does. Never raises: the answer it adds to
    was given already (the database failing now, nothing is added)."""
    try:
        beating = worker_beating(container.read_uow(), datetime.now(timezone.utc))
    except Exception:  # noqa: BLE001 - see above
        return None
    return None if beating else NO_WORKER


def with_worker_words(container, error: LojasyncError) -> LojasyncError:
    """`error`, its resolution ending in NO_WORKER when it leaves the rest to a worker and none is running (once)."""
    if error.left_to_worker and NO_WORKER not in error.resolution and (words := no_worker_words(container)):
        error.resolution = f"{error.resolution} {words}" if error.resolution else words
    return error
