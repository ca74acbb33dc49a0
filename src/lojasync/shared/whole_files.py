"""A file written whole or not at all: beside it first, on disk, then put in its place. A full disk (or a process
killed) leaves the file that was there, never half of the new one: a 0-byte DANFE, half an XML, half an LGPD
export were what writing in place left."""

from __future__ import annotations

import errno
import os
from pathlib import Path


def replace_whole(target: Path, data: bytes, mode: int | None = None) -> None:
    """`data` in `target`, with `mode` from its first byte (the umask's when None). An existing file this user may
    not write is refused, as `cp` refuses it: put in its place, it was replaced all the same (its folder allowing
    it). root may write any file, as `cp` run by root does."""
    if os.path.exists(target) and not os.access(target, os.W_OK):
        # A read-only mount is said as such ("sistema de arquivos somente leitura"), not as a permission.
        read_only = bool(os.statvfs(target.parent).f_flag & os.ST_RDONLY)
        code = errno.EROFS if read_only else errno.EACCES
        raise OSError(code, os.strerror(code), str(target))
    # Its name cut: a name near the 255 bytes the file system takes was refused ("longo demais") for the temporary's
    # sake. Cut in bytes (an accented name is longer in them), at a whole character.
    short = target.name.encode("utf-8", "surrogateescape")[:200].decode("utf-8", "ignore")
    temporary = target.with_name(f".{short}.{os.getpid()}.tmp")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666 if mode is None else mode)
        with os.fdopen(descriptor, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        if mode is not None:
            os.chmod(temporary, mode)   # whatever the umask left
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
