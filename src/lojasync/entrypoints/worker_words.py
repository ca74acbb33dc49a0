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
# Said on its own, not after a resolution (`invoices show` of an NF-e whose rest is the worker's).
NO_WORKER_ALONE = "N" + NO_WORKER.removeprefix("Mas n")
# A page shows no command (`web.terminal_words`): NO_WORKER there lost its only instruction ("inicie-o.", review).
PAGE_NO_WORKER = ("Mas nenhum worker do lojasync está no ar agora, e o que ele faria sozinho espera até um entrar no "
                  "ar: peça a quem mantém o lojasync para iniciar o worker (ou o serviço do lojasync, quando o worker "
                  "roda nele).")
PAGE_NO_WORKER_ALONE = "N" + PAGE_NO_WORKER.removeprefix("Mas n")


def no_worker_words(container, words: str = NO_WORKER) -> str | None:
    """`words` when no worker gave a sign of life lately; None while one does. Never raises: the answer it adds to
    was given already (the database failing now, nothing is added)."""
    try:
        beating = worker_beating(container.read_uow(), datetime.now(timezone.utc))
    except Exception:  # noqa: BLE001 - see above
        return None
    return None if beating else words


def and_no_worker(container, said: str, words: str = NO_WORKER) -> str:
    """`said`, which leaves the rest to a worker, followed by `words` when none is running."""
    more = no_worker_words(container, words)
    return f"{said} {more}" if more else said


def with_worker_words(container, error: LojasyncError, words: str = NO_WORKER) -> LojasyncError:
    """`error`, its resolution ending in `words` (NO_WORKER; a page's, PAGE_NO_WORKER) when it leaves the rest to a
    worker and none is running; once."""
    if not error.left_to_worker or NO_WORKER in error.resolution or PAGE_NO_WORKER in error.resolution:
        return error
    if said := no_worker_words(container, words):
        error.resolution = f"{error.resolution} {said}" if error.resolution else said
    return error
