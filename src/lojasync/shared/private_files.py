"""Files that hold personal data (the database, the queue, the error log) are readable by their owner
only; files left readable by earlier versions are tightened when lojasync meets them."""

from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
_SQLITE_COMPANIONS = ("", "-wal", "-shm")


def make_private(file: Path) -> None:
    """Files of earlier versions were created readable by everyone: tighten them and their SQLite
    companions (-wal, -shm), when they are ours."""
    for suffix in _SQLITE_COMPANIONS:
        tighten(file.with_name(file.name + suffix), PRIVATE_FILE)


def tighten(path: Path, private: int) -> None:
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if stat.S_IMODE(info.st_mode) & 0o077 and info.st_uid == os.getuid():
        path.chmod(private)
