"""The CLI's lazily built container: commands that never touch the database never open it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console

from lojasync.bootstrap import Container, bootstrap
from lojasync.observability.logging import configure_logging
from lojasync.settings import Settings

console = Console()
err_console = Console(stderr=True)
_container: Container | None = None

T = TypeVar("T")


def container() -> Container:
    global _container
    if _container is None:
        settings = Settings()
        configure_logging(settings)
        _container = bootstrap(settings)
    return _container


def reset_container() -> None:
    """Forget the container (tests run many commands with different settings in one process)."""
    global _container
    if _container is not None:
        _container.close()
    _container = None


def fail(message: str, code: int = 1) -> None:
    err_console.print(f"[bold red]Erro:[/] {message}", highlight=False)
    raise typer.Exit(code)


def friendly_errors(func: Callable[..., T]) -> Callable[..., T]:
    """Turn the errors a person can act on into a Portuguese message and exit code 1, not a traceback."""
    from lojasync.nuvemshop.client.errors import NuvemshopError
    from lojasync.sales.link_customer import CustomerLinkError
    from lojasync.sales.views import OrderNotFound
    from lojasync.nuvemshop.services.stores import StoreNotFound
    from lojasync.nuvemshop.services.import_orders import ImportConflictError
    from lojasync.nuvemshop.services.sync_store import StoreInactive, SyncBusy

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NuvemshopError as exc:
            fail(f"{exc.message}\nResolução: {exc.resolution}" if getattr(exc, "resolution", None) else exc.message)
        except (StoreNotFound, OrderNotFound, CustomerLinkError) as exc:
            fail(exc.message)
        except (StoreInactive, SyncBusy, ValueError) as exc:
            fail(str(exc))
        except ImportConflictError:
            fail("Outro processo gravava os mesmos pedidos ao mesmo tempo e o lote não pôde ser gravado. "
                 "Resolução: rode o comando de novo (nada foi perdido: a sincronização retoma de onde parou).")

    return wrapper
