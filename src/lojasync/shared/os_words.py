"""The operating system's errors in words a merchant reads: `strerror` is in English ("No such file or
directory") whatever the machine's language."""

from __future__ import annotations

import errno

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
    errno.ECONNREFUSED: "conexão recusada (nada escuta nessa porta)",
    errno.ECONNRESET: "a conexão foi encerrada pelo outro lado",
    errno.ETIMEDOUT: "tempo esgotado",
    errno.EHOSTUNREACH: "máquina fora do alcance",
    errno.ENETUNREACH: "rede fora do alcance",
}


def in_portuguese(exc: OSError) -> str:
    """What went wrong, in Portuguese; an error without a translation keeps its number to be looked up."""
    words = _WORDS.get(exc.errno or -1)
    if words:
        return words
    name = errno.errorcode.get(exc.errno or -1)
    return f"erro do sistema {name} ({exc.strerror})" if name else f"erro do sistema ({exc})"
