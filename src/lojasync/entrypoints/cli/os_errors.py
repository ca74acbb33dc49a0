"""The operating system's errors in words a merchant reads, for the CLI: what a port that cannot be listened on
means (the other errors' words: `lojasync.shared.os_words`)."""

from __future__ import annotations

import errno
import socket

from lojasync.shared.os_words import in_portuguese


def cannot_listen(what: str, host: str, port: int, exc: OSError, option: str = "--port") -> str:
    """Why `what` cannot listen on host:port, and what to change: the port taken, an address that is not this
    machine's, a name that resolves to nothing, a privileged port."""
    where = f"{host}:{port}"
    # "Não foi possível abrir a porta de métricas 127.0.0.1:9100: ..." / "... abrir o lojasync em 0.0.0.0:8000"
    where = where if what.startswith("a porta") else f"em {where}"
    if isinstance(exc, socket.gaierror):
        return (f"Não foi possível abrir {what} {where}: o nome {host} não foi encontrado. Use um endereço IP "
                "desta máquina (127.0.0.1, ou 0.0.0.0 para todos).")
    if exc.errno == errno.EADDRINUSE:
        return (f"Não foi possível abrir {what} {where}: outro processo já usa a porta. Pare-o ou escolha outra "
                f"com {option}.")
    if exc.errno == errno.EADDRNOTAVAIL:
        return (f"Não foi possível abrir {what} {where}: o endereço {host} não é desta máquina. Use 127.0.0.1, "
                "0.0.0.0 (todos) ou um endereço dela.")
    if exc.errno == errno.EACCES:
        return (f"Não foi possível abrir {what} {where}: portas abaixo de 1024 exigem privilégio de "
                f"administrador. Escolha uma porta a partir de 1024 com {option}.")
    return f"Não foi possível abrir {what} {where} ({in_portuguese(exc)})."


def is_listen_error(exc: OSError) -> bool:
    """Whether opening a listening socket is what failed (as opposed to, say, a file the server writes)."""
    return isinstance(exc, socket.gaierror) or exc.errno in (errno.EADDRINUSE, errno.EADDRNOTAVAIL, errno.EACCES)
