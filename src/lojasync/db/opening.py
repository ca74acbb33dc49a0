"""Opening the database as an operator meets it: URLs as people write them, a data folder that may be
missing, a file, unwritable or private, a server that may be down. Every failure becomes one error in
Portuguese (see `db.errors`); the driver's traceback stays on the exception's cause, for the log."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, NoSuchModuleError, OperationalError

from lojasync.db.engine import build_engine
from lojasync.db.errors import (
    DatabaseCorrupt,
    DatabaseUnavailable,
    DatabaseUrlInvalid,
    DataFolderProblem,
    NoDataFolder,
)
from lojasync.db.unit_of_work import sqlite_failure_words
from lojasync.shared.os_words import in_portuguese
from lojasync.shared.private_files import PRIVATE_DIR, PRIVATE_FILE, make_private, tighten

# Written as people write them (and as Heroku-style platforms hand them out); the driver lojasync ships.
_POSTGRES_SCHEMES = {"postgres", "postgresql", "postgresql+psycopg2", "postgres+psycopg"}


def normalize_database_url(database_url: str) -> URL:
    try:
        url = make_url(database_url.strip())
    except ArgumentError:
        raise DatabaseUrlInvalid(reason="não é um endereço de banco (ex.: postgresql://usuario@servidor/banco)") \
            from None
    if url.drivername in _POSTGRES_SCHEMES:
        url = url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise DatabaseUrlInvalid(reason=f"o tipo de banco '{url.get_backend_name()}' não é suportado")
    return url


def open_engine(database_url: str, *, create: bool = True, data_dir: Path | None = None) -> Engine:
    """An engine whose database answered; `create=False` refuses to start an empty SQLite database.

    `data_dir` is lojasync's own folder: the only folder it tightens to 0700 (a database placed by hand in
    some shared folder leaves that folder's mode alone)."""
    url = normalize_database_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        _prepare_sqlite_file(Path(url.database), create, data_dir)
    try:
        engine = build_engine(url.render_as_string(hide_password=False))
    except NoSuchModuleError as exc:
        raise DatabaseUrlInvalid(reason=f"driver não disponível ({url.drivername})") from exc
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:
        engine.dispose()
        raise translate_open_error(exc, url) from exc
    return engine


def translate_open_error(exc: Exception, url: URL) -> Exception:
    """The driver's failure as an operator's error (or the exception itself when it is something else)."""
    if url.get_backend_name() == "sqlite":
        said = str(getattr(exc, "orig", None) or exc)
        if isinstance(exc, DatabaseError) and ("not a database" in said or "malformed" in said):
            return DatabaseCorrupt(path=url.database)
        if isinstance(exc, OperationalError):
            # The file's own trouble in Portuguese, with its remedy (operations review: a full disk read "database or
            # disk is full", and "confira as permissões").
            words = sqlite_failure_words(said)
            if words is not None:
                return DatabaseUnavailable(where=url.database, reason=words[0], resolution=words[1])
            if "locked" in said:   # another process held it past the busy timeout: no permission to check
                return DatabaseUnavailable(where=url.database, reason="outro processo está usando o banco agora",
                                           resolution="Tente de novo em instantes.")
            return DatabaseUnavailable(where=url.database, reason=said[:120],
                                       resolution="Confira as permissões do arquivo e da pasta de dados.")
        return exc
    if not isinstance(exc, OperationalError):
        return exc
    detail = str(exc.orig or exc)
    where = f"em {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"
    for words, reason, resolution in _POSTGRES_PROBLEMS:
        if any(w in detail for w in words):
            return DatabaseUnavailable(where=where, reason=reason, resolution=resolution)
    return DatabaseUnavailable(where=where, reason="o servidor recusou a conexão",
                               resolution="Confira LOJASYNC_DATABASE_URL e se o PostgreSQL está no ar.")


# The driver's words (English, from libpq) to what an operator reads; checked in this order.
_POSTGRES_PROBLEMS = (
    (("Connection refused", "No such file or directory"), "o servidor PostgreSQL não está no ar (conexão recusada)",
     "Inicie o PostgreSQL ou confira servidor e porta em LOJASYNC_DATABASE_URL; depois rode o comando de novo."),
    (("failed to resolve host", "could not translate host name"), "o nome do servidor não foi encontrado",
     "Confira o servidor em LOJASYNC_DATABASE_URL."),
    (("role \"", "password authentication failed", "no password supplied"), "usuário ou senha recusados",
     "Confira usuário e senha em LOJASYNC_DATABASE_URL."),
    (("database \"",), "o banco não existe nesse servidor",
     "Crie o banco (createdb) ou confira o nome em LOJASYNC_DATABASE_URL."),
    (("timeout expired", "timed out"), "o servidor não respondeu a tempo",
     "Confira a rede até o PostgreSQL e rode o comando de novo."),
)


def _prepare_sqlite_file(database: Path, create: bool, data_dir: Path | None) -> None:
    folder = database.parent
    # A database given by LOJASYNC_DATABASE_URL outside the data folder: its problems are that variable's.
    elsewhere = data_dir is not None and not _same_folder(folder, data_dir)
    setting = "o caminho em LOJASYNC_DATABASE_URL" if elsewhere else "LOJASYNC_DATA_DIR"
    if folder.exists() and not folder.is_dir():
        raise DataFolderProblem(path=folder, reason="é um arquivo, não uma pasta",
                                resolution=f"Aponte {setting} para uma pasta (ou remova o arquivo).")
    if not database.exists():
        if not create:
            if elsewhere:
                raise NoDataFolder(f"Nenhum banco do lojasync em {database} (LOJASYNC_DATABASE_URL).", path=folder,
                                   resolution=ELSEWHERE_MISSING)
            raise NoDataFolder(path=folder)
        try:
            # Private from the start: the database holds CPFs, addresses and the store's orders.
            folder.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
            os.close(os.open(database, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
        except OSError as exc:
            raise DataFolderProblem(path=folder, reason=f"não pode ser criada ou escrita ({in_portuguese(exc)})",
                                    resolution="Dê permissão de escrita ao usuário do lojasync ou use outra "
                                               f"pasta em {setting}.") from exc
    if not os.access(folder, os.W_OK):
        raise DataFolderProblem(path=folder, reason="não pode ser escrita pelo usuário do lojasync",
                                resolution="Dê permissão de escrita ao usuário do lojasync ou use outra pasta em "
                                           f"{setting}.")
    if not os.access(database, os.R_OK | os.W_OK):
        # The file, not the folder (review: a root-owned lojasync.db in a writable folder blamed the folder).
        raise DataFolderProblem(
            f"O arquivo do banco {database} não pode ser lido e escrito pelo usuário do lojasync.", path=database,
            reason="", resolution="Dê ao usuário que roda o lojasync permissão de leitura e escrita no arquivo do "
                                  "banco (e nos seus -wal e -shm, se houver), por exemplo com chown, ou rode o "
                                  "lojasync com o usuário dono dele.")
    if data_dir is not None and _same_folder(folder, data_dir):
        tighten(folder, PRIVATE_DIR)
    make_private(database)


ELSEWHERE_MISSING = ("Confira o caminho em LOJASYNC_DATABASE_URL (sqlite:////caminho/absoluto/lojasync.db, com quatro "
                     "barras; sqlite:///relativo.db parte da pasta onde o comando roda); para começar do zero ali, "
                     "conecte uma loja.")


def _same_folder(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False
