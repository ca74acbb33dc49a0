"""What `serve` and `worker` share: the task queue, and the checks before a long-running process starts.

Both start something, so they may create the data folder (the other commands only open it).
"""

from __future__ import annotations

from lojasync.entrypoints.cli.context import console, container, fail


def task_queue():
    from lojasync.entrypoints.tasks import TaskQueue

    return TaskQueue(container(create=True))


def require_shared_key() -> None:
    """Several machines must share the key that encrypts store tokens (and signs install cookies)."""
    settings = container(create=True).settings
    shared = settings.redis_url or not settings.resolved_database_url.startswith("sqlite")
    if shared and not settings.secret_key:
        fail("Com PostgreSQL ou Redis (vários processos ou máquinas), defina LOJASYNC_SECRET_KEY igual em "
             "todos: sem ela cada máquina geraria a sua e não conseguiria ler os tokens das lojas.")


def warn_weak_key() -> None:
    """A short LOJASYNC_SECRET_KEY still works (refusing it would stop a running installation): said at every start;
    so is a setting that changes nothing (LOJASYNC_SEFAZ_URL with the real SEFAZ)."""
    from lojasync.crypto import weak_key_warning

    settings = container(create=True).settings
    warnings = [weak_key_warning(settings.secret_key)]
    if settings.sefaz == "real" and settings.sefaz_url:
        # TLS review: ignored in silence, as if it still pointed the transmissions somewhere.
        warnings.append("LOJASYNC_SEFAZ_URL não vale com LOJASYNC_SEFAZ=real: as NF-e vão aos endereços oficiais da "
                        "SEFAZ da UF e do ambiente da empresa. Remova a variável (ela só aponta um simulador).")
    for warning in filter(None, warnings):
        console.print(f"Atenção: {warning}", style="yellow", markup=False, highlight=False, soft_wrap=True)


def queue_address(settings) -> str:
    """The queue's address without a password (what a message about the queue names)."""
    if not settings.redis_url:
        return str(settings.queue_path)
    from urllib.parse import urlsplit

    parts = urlsplit(settings.redis_url)
    return f"{parts.scheme}://{parts.hostname}:{parts.port or 6379}{parts.path}"
