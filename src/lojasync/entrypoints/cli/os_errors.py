"""The operating system's errors in words a merchant reads: `strerror` is in English ("No such file or
directory") whatever the machine's language."""

from __future__ import annotations

import errno
import socket

_WORDS = {
    errno.ENOENT: "o arquivo ou a pasta não existe",
    errno.EISDIR: "é uma pasta, não um arquivo",
    errno.ENOTDIR: "uma parte do caminho não é uma pasta",
    errno.EACCES: "sem permissão de acesso",
    errno.EPERM: "operação não permitida",
    errno.EROFS: "o disco é somente leitura",
    errno.ENOSPC: "o disco está cheio",
    errno.EEXIST: "já existe",
    errno.ENAMETOOLONG: "o nome é longo demais",
    errno.EADDRINUSE: "o endereço já está em uso",
    errno.EADDRNOTAVAIL: "o endereço não existe nesta máquina",
}


def in_portuguese(exc: OSError) -> str:
    """What went wrong, in Portuguese; an error without a translation keeps its number to be looked up."""
    words = _WORDS.get(exc.errno or -1)
    if words:
        return words
    name = errno.errorcode.get(exc.errno or -1)
    return f"erro do sistema {name} ({exc.strerror})" if name else f"erro do sistema ({exc})"


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
