"""Opening the SQLite database: what is wrong with the folder or the file, said about the one at fault."""

from __future__ import annotations

import os

import pytest

from lojasync.db import opening
from lojasync.db.errors import DataFolderProblem


def _refused_access(monkeypatch, denied) -> None:
    """The user may not write `denied` (faked: root passes every access check)."""
    real_access = os.access
    monkeypatch.setattr(opening.os, "access",
                        lambda path, mode: False if os.fspath(path) == os.fspath(denied) else real_access(path, mode))


def test_a_database_file_the_user_cannot_write_is_said_of_the_file_not_the_folder(tmp_path, monkeypatch):
    """review (CLI): a root-owned lojasync.db in a folder anyone could write was reported as "A pasta de dados ... não
    pode ser escrita", sending the operator to the folder's permissions."""
    database = tmp_path / "lojasync.db"
    database.write_bytes(b"")
    _refused_access(monkeypatch, database)
    with pytest.raises(DataFolderProblem) as refused:
        opening.open_engine(f"sqlite:///{database}", data_dir=tmp_path)
    assert refused.value.message == f"O arquivo do banco {database} não pode ser lido e escrito pelo usuário do lojasync."
    assert "chown" in refused.value.resolution
    _refused_access(monkeypatch, tmp_path)   # the folder, then: said of the folder
    with pytest.raises(DataFolderProblem) as refused:
        opening.open_engine(f"sqlite:///{database}", data_dir=tmp_path)
    assert refused.value.message == f"A pasta de dados {tmp_path} não pode ser escrita pelo usuário do lojasync."


def test_a_database_locked_at_opening_is_said_as_another_process_not_as_permissions():
    """upgrade review: "database is locked" at opening was told to check the file's and folder's permissions."""
    import sqlite3

    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    error = OperationalError("BEGIN", {}, sqlite3.OperationalError("database is locked"))
    said = opening.translate_open_error(error, make_url("sqlite:////dados/lojasync.db"))
    assert "outro processo está usando o banco agora" in said.message and said.resolution == "Tente de novo em instantes."
    assert said.retryable
