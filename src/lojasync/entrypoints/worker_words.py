"""What the API and the terminal add when they leave work to a worker and none is running (a cancellation kept while
SEFAZ is down): "o lojasync o envia sozinho" is true only with a worker (review: a 202 said it with every worker
stopped, and the request waited for nobody, its 24 hours running)."""

from __future__ import annotations

from datetime import datetime, timezone

from lojasync.nuvemshop.services.maintenance import worker_beating

NO_WORKER = ("Mas nenhum worker do lojasync está no ar agora, e só um worker envia o pedido guardado: inicie-o "
             "(lojasync worker, ou o serviço do lojasync sem --no-worker).")


def no_worker_words(container) -> str | None:
    """NO_WORKER when no worker gave a sign of life lately; None while one does. Never raises: the answer it adds to
    was given already (the database failing now, nothing is added)."""
    try:
        beating = worker_beating(container.read_uow(), datetime.now(timezone.utc))
    except Exception:  # noqa: BLE001 - see above
        return None
    return None if beating else NO_WORKER
