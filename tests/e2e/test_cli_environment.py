"""Broken environments as an operator meets them: one Portuguese line each, exit 1, the detail in the log."""

from __future__ import annotations

import os
import stat
import uuid

import pytest
from typer.testing import CliRunner

from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container

PG_URL = os.environ.get("LOJASYNC_TEST_DATABASE_URL")


@pytest.fixture()
def run(monkeypatch, tmp_path):
    """Run `lojasync` in an empty folder of its own, with no database or data folder configured."""
    for name in list(os.environ):
        if name.startswith("LOJASYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    reset_container()

    def invoke(*args: str, expect: int = 1, **env: str):
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        reset_container()
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == expect, result.output + str(result.exception or "")
        assert "Traceback" not in result.output
        return " ".join(result.output.split())  # the terminal wraps long lines

    yield invoke
    reset_container()


def test_the_test_certificate_first_on_a_new_data_dir_says_the_company_is_missing(run, tmp_path):
    """review: `company certificate --test` before `company set` on a new data dir answered "no database here, connect
    a store"; `company set` there creates it. Either order is a setup's first step: it says what is missing."""
    output = run("company", "certificate", "--test")
    assert "A empresa emitente ainda não foi cadastrada" in output and "Nenhum banco" not in output
    assert "lojasync company set" in output


def test_a_read_command_in_the_wrong_folder_says_there_is_no_database_and_creates_nothing(run, tmp_path):
    output = run("orders", "list")
    assert "Nenhum banco do lojasync em" in output and "LOJASYNC_DATA_DIR" in output
    assert not (tmp_path / "lojasync-data").exists()


def test_a_bad_database_url_is_named(run):
    assert "LOJASYNC_DATABASE_URL inválida" in run("store", "list", LOJASYNC_DATABASE_URL="foo://x/y")
    assert "LOJASYNC_DATABASE_URL inválida" in run("store", "list", LOJASYNC_DATABASE_URL="isto não é um endereço")
    assert "não é suportado" in run("store", "list", LOJASYNC_DATABASE_URL="mysql://u@h/db")


def test_postgresql_down_is_one_line_and_the_detail_goes_to_the_log(run, tmp_path):
    (tmp_path / "dados").mkdir()
    output = run("store", "list", LOJASYNC_DATABASE_URL="postgresql://postgres@127.0.0.1:1/lojasync",
                 LOJASYNC_DATA_DIR=str(tmp_path / "dados"))
    assert "não está no ar" in output and "Resolução: Inicie o PostgreSQL" in output
    log = (tmp_path / "dados" / "lojasync-erros.log").read_text(encoding="utf-8")
    assert "Connection refused" in log and "Traceback" in log  # the driver's words, for whoever maintains it


@pytest.fixture()
def own_schema():
    """A PostgreSQL schema of this test's own: the server's public schema may hold anyone's leftovers."""
    from sqlalchemy import create_engine, text

    schema = f"lojasync_urls_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield schema
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgresql
def test_postgres_urls_as_people_write_them_are_accepted(run, own_schema):
    from sqlalchemy.engine import make_url

    url = make_url(PG_URL)
    plain = (url.set(drivername="postgres").update_query_dict({"options": f"-csearch_path={own_schema}"})
             .render_as_string(hide_password=False))
    listed = run("store", "list", expect=0, LOJASYNC_DATABASE_URL=plain)
    assert "Nenhuma loja conectada" in listed
    missing = url.set(drivername="postgresql", database="lojasync_nao_existe").render_as_string(hide_password=False)
    assert "o banco não existe nesse servidor" in run("store", "list", LOJASYNC_DATABASE_URL=missing)


def test_a_database_migrated_by_a_newer_version_is_named_and_left_alone(run, tmp_path):
    import sqlite3

    from lojasync.bootstrap import bootstrap
    from lojasync.settings import Settings

    folder = tmp_path / "dados"
    bootstrap(Settings(data_dir=folder)).close()  # created and migrated by this version
    with sqlite3.connect(folder / "lojasync.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999_from_the_future'")
    output = run("store", "list", LOJASYNC_DATA_DIR=str(folder))
    assert "versão mais nova do lojasync (revisão 9999_from_the_future)" in output
    assert "Erro inesperado" not in output
    with sqlite3.connect(folder / "lojasync.db") as db:
        assert db.execute("SELECT version_num FROM alembic_version").fetchone() == ("9999_from_the_future",)


def test_a_corrupt_database_file_is_named_and_left_alone(run, tmp_path):
    folder = tmp_path / "dados"
    folder.mkdir()
    (folder / "lojasync.db").write_bytes(b"isto nao e um banco sqlite " * 100)
    output = run("store", "list", LOJASYNC_DATA_DIR=str(folder))
    assert "não é um banco de dados do lojasync" in output
    assert (folder / "lojasync.db").read_bytes().startswith(b"isto nao e")


def test_a_data_folder_that_is_a_file_or_cannot_be_created(run, tmp_path):
    (tmp_path / "arquivo").write_text("x")
    assert "é um arquivo, não uma pasta" in run("store", "list", LOJASYNC_DATA_DIR=str(tmp_path / "arquivo"))
    # Root may write anywhere it can reach; /proc refuses everyone.
    output = run("store", "install-link", LOJASYNC_DATA_DIR="/proc/lojasync-nao-pode")
    assert "não pode ser criada ou escrita" in output
    # review: the system's reason was in English ("Not a directory")
    below_a_file = run("company", "set", "--name", "X", LOJASYNC_DATA_DIR=str(tmp_path / "arquivo" / "sub"))
    assert "não pode ser criada ou escrita (uma parte do caminho não é uma pasta)" in " ".join(below_a_file.split())


def test_a_new_data_folder_and_its_files_are_private(run, tmp_path):
    folder = tmp_path / "novo"
    run("store", "install-link", expect=0, LOJASYNC_DATA_DIR=str(folder))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    database = folder / "lojasync.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    for companion in (folder / "lojasync.db-wal", folder / "lojasync.db-shm"):
        if companion.exists():  # SQLite gives them the database file's mode
            assert stat.S_IMODE(companion.stat().st_mode) == 0o600


def test_files_left_readable_by_an_earlier_version_are_made_private(run, tmp_path):
    folder = tmp_path / "antigo"
    run("store", "install-link", expect=0, LOJASYNC_DATA_DIR=str(folder))
    folder.chmod(0o755)
    (folder / "lojasync.db").chmod(0o644)
    run("store", "list", expect=0, LOJASYNC_DATA_DIR=str(folder))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "lojasync.db").stat().st_mode) == 0o600


def test_a_database_placed_in_a_shared_folder_leaves_that_folder_alone(run, tmp_path):
    """Only lojasync's data folder is tightened; a folder named in LOJASYNC_DATABASE_URL is the operator's."""
    shared = tmp_path / "compartilhada"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    url = f"sqlite:///{shared / 'loja.db'}"
    run("store", "install-link", expect=0, LOJASYNC_DATABASE_URL=url, LOJASYNC_DATA_DIR=str(tmp_path / "dados"))
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "loja.db").stat().st_mode) == 0o600


def test_the_sqlite_queue_is_private_even_when_an_earlier_version_left_it_readable(tmp_path):
    from lojasync.bootstrap import bootstrap
    from lojasync.entrypoints.tasks import build_huey
    from lojasync.settings import Settings

    app = bootstrap(Settings(data_dir=tmp_path / "fila"))
    build_huey(app)
    queue = tmp_path / "fila" / "queue.db"
    assert stat.S_IMODE(queue.stat().st_mode) == 0o600
    queue.chmod(0o644)
    build_huey(app)
    assert stat.S_IMODE(queue.stat().st_mode) == 0o600
    app.close()


def test_a_corrupt_sqlite_queue_is_named_with_what_to_do_and_left_alone(run, tmp_path):
    from lojasync.bootstrap import bootstrap
    from lojasync.settings import Settings

    folder = tmp_path / "dados"
    bootstrap(Settings(data_dir=folder)).close()
    garbage = b"isto nao e uma fila " * 300
    (folder / "queue.db").write_bytes(garbage)
    output = run("worker", LOJASYNC_DATA_DIR=str(folder), LOJASYNC_SECRET_KEY="chave de teste")
    assert f"A fila de tarefas {folder / 'queue.db'} está ilegível" in output
    assert "Mova o arquivo para outro lugar (ou apague-o) e rode de novo" in output
    assert "Erro inesperado" not in output
    assert (folder / "queue.db").read_bytes() == garbage


def test_an_error_log_left_readable_is_made_private(tmp_path):
    from lojasync.observability.logging import error_file_logger

    log = tmp_path / "lojasync-erros.log"
    log.write_text("antigo\n")
    log.chmod(0o644)
    logger = error_file_logger(log)
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    for handler in list(logger.handlers):
        if getattr(handler, "baseFilename", None) == str(log):
            logger.removeHandler(handler)
            handler.close()


def test_install_link_refuses_a_validity_that_never_works_and_warns_about_the_setup(run, tmp_path):
    folder = str(tmp_path / "dados")
    assert "Validade do convite inválida: -1 h" in run("store", "install-link", "--hours", "-1",
                                                       LOJASYNC_DATA_DIR=folder)
    output = run("store", "install-link", expect=0, LOJASYNC_DATA_DIR=folder)
    assert "LOJASYNC_NUVEMSHOP_CLIENT_ID e LOJASYNC_NUVEMSHOP_CLIENT_SECRET não definido(s)" in output
    assert "LOJASYNC_PUBLIC_URL aponta para 127.0.0.1" in output and "convite=" in output


def test_a_worker_without_its_queue_says_so_once_and_gives_up_after_a_bounded_wait(tmp_path):
    import subprocess
    import sys
    import time

    env = {k: v for k, v in os.environ.items() if not k.startswith("LOJASYNC_")}
    env.update(LOJASYNC_DATA_DIR=str(tmp_path / "dados"), LOJASYNC_REDIS_URL="redis://127.0.0.1:1/0",
               LOJASYNC_SECRET_KEY="chave de teste")
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "lojasync", "worker", "--queue-wait", "3"], env=env,
                          capture_output=True, text=True, timeout=60)
    output = " ".join((done.stdout + done.stderr).split())
    assert done.returncode == 1 and time.monotonic() - started < 30
    assert output.count("Fila inacessível em redis://127.0.0.1:1/0") == 1
    assert "o worker desistiu" in output and "Traceback" not in output


def test_db_upgrade_starts_a_new_installation(run, tmp_path):
    output = run("db", "upgrade", expect=0, LOJASYNC_DATA_DIR=str(tmp_path / "nova"))
    assert "Banco criado (revisão" in output and (tmp_path / "nova" / "lojasync.db").exists()
    # Run again: said as nothing applied (upgrade review: the same line whether 16 migrations ran or none).
    assert "Banco já estava atualizado, nada a aplicar (revisão" in run("db", "upgrade", expect=0,
                                                                         LOJASYNC_DATA_DIR=str(tmp_path / "nova"))


def test_db_upgrade_says_from_which_revision_it_migrated(run, tmp_path):
    from tests.integration.old_database import database_at

    engine, _, _ = database_at(tmp_path, "0049")
    engine.dispose()
    output = run("db", "upgrade", expect=0, LOJASYNC_DATABASE_URL=f"sqlite:///{tmp_path / 'old.db'}",
                 LOJASYNC_DATA_DIR=str(tmp_path / "dados"))
    assert "Banco atualizado a partir da revisão 0049 (revisão" in output


def test_serve_with_its_database_down_is_one_line(run, tmp_path):
    (tmp_path / "dados").mkdir()
    output = run("serve", "--port", "0", LOJASYNC_DATABASE_URL="postgresql://postgres@127.0.0.1:1/lojasync",
                 LOJASYNC_DATA_DIR=str(tmp_path / "dados"), LOJASYNC_SECRET_KEY="chave")
    assert "não está no ar" in output


def test_secrets_rotate_with_a_single_key_says_how_to_rotate(run, tmp_path):
    folder = str(tmp_path / "dados")
    run("store", "install-link", expect=0, LOJASYNC_DATA_DIR=folder)
    output = run("secrets", "rotate", LOJASYNC_DATA_DIR=folder)
    assert "Só há uma chave configurada" in output
    assert "LOJASYNC_OLD_SECRET_KEYS" in output


def test_a_variable_that_should_be_json_is_named_in_portuguese(run, tmp_path):
    output = run("store", "list", LOJASYNC_DATA_DIR=str(tmp_path), LOJASYNC_STATUS_BY_PAYMENT_STATUS="{paid")
    assert "LOJASYNC_STATUS_BY_PAYMENT_STATUS deveria ser JSON" in output


@pytest.fixture()
def taken_port():
    """A port another process is listening on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        yield sock.getsockname()[1]


def test_serve_on_a_port_in_use_is_one_line_before_anything_starts(run, tmp_path, taken_port):
    output = run("serve", "--port", str(taken_port), LOJASYNC_DATA_DIR=str(tmp_path / "dados"))
    assert f"Não foi possível abrir o lojasync em 127.0.0.1:{taken_port}: outro processo já usa a porta" in output
    assert "--port" in output
    assert not (tmp_path / "dados" / "queue.db").exists()  # refused before the queue and the worker


def test_a_simulator_on_a_port_in_use_is_one_line_not_a_traceback(run, taken_port):
    for command, what in (("simulator", "o simulador da loja"), ("sefaz-simulator", "o simulador da SEFAZ")):
        output = run(command, "--port", str(taken_port))
        assert f"Não foi possível abrir {what} em 127.0.0.1:{taken_port}: outro processo já usa a porta" in output
        assert "Traceback" not in output


def test_a_metrics_port_in_use_names_the_variable(run, tmp_path, taken_port):
    folder = str(tmp_path / "dados")
    output = run("serve", "--port", "0", LOJASYNC_DATA_DIR=folder, LOJASYNC_METRICS_PORT=str(taken_port))
    assert f"porta de métricas 127.0.0.1:{taken_port}" in output and "LOJASYNC_METRICS_PORT" in output
    output = run("worker", LOJASYNC_DATA_DIR=folder, LOJASYNC_METRICS_PORT=str(taken_port))
    assert f"porta de métricas 127.0.0.1:{taken_port}" in output and "LOJASYNC_METRICS_PORT" in output


def test_a_first_step_that_creates_the_database_says_so(run, tmp_path):
    """Review: `users add` in a shell without the server's environment made an empty database here and said "Usuário
    criado", as if it were the server's."""
    folder = str(tmp_path / "dados")
    output = run("users", "add", "ana@loja.com.br", "--password", "uma senha bem longa", expect=0,
                 LOJASYNC_DATA_DIR=folder)
    assert f"Banco novo criado em {tmp_path / 'dados' / 'lojasync.db'}" in output and "LOJASYNC_DATABASE_URL" in output
    again = run("users", "add", "beto@loja.com.br", "--password", "outra senha bem longa", expect=0,
                LOJASYNC_DATA_DIR=folder)
    assert "Banco novo" not in again
    # The import rules are a first step too (settings review: on a new folder it said to connect a store first).
    rules = run("import-rules", "set", "--payment-status", "authorized=Confirmado", expect=0,
                LOJASYNC_DATA_DIR=str(tmp_path / "outros"))
    assert "Banco novo criado em" in rules and "Regras de importação gravadas" in rules


def test_a_run_by_status_from_a_day_begins_that_day_where_the_merchant_is(run, tmp_path):
    """Review: `--placed-from` was read before the command set the merchant's time zone: the day began at Brasília's
    midnight, and a store in Manaus had the previous day's last hour (invoiced by its former ERP) taken again."""
    import json
    from pathlib import Path

    from lojasync.bootstrap import bootstrap
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from lojasync.settings import Settings
    from tests.factories import make_store, order_payload

    folder = tmp_path / "dados"
    app = bootstrap(Settings(data_dir=Path(folder), database_url=None, redis_url=None), create=True)
    store = make_store(app)
    late, early = (import_order(app.uow(), store, order_payload(id=1900000050 + i, payment_status="paid",
                                                                created_at=placed), ImportPolicy()).order_number
                   for i, placed in enumerate(("2026-11-01T03:30:00+0000", "2026-11-01T04:30:00+0000")))
    app.close()
    from lojasync.shared.local_zone import DEFAULT_ZONE, use_merchant_zone
    use_merchant_zone(DEFAULT_ZONE)   # a new process: no zone set before the command runs
    output = run("orders", "invoice", "--status", "confirmado", "--placed-from", "01/11/2026", "--no-approve",
                 "--format", "json", expect=1, LOJASYNC_DATA_DIR=str(folder), LOJASYNC_TIME_ZONE="America/Manaus")
    # 31/10 23:30 in Manaus is not of the 1st there (it is in Brasília); refused for want of a company, but not taken.
    assert [row["order_number"] for row in json.loads(output)] == [early] and late != early


def test_store_add_with_a_typo_creates_no_data_folder(run, tmp_path):
    output = run("store", "add", "--store", "12a", "--access-token", "x", LOJASYNC_DATA_DIR=str(tmp_path / "nova"))
    assert "Id de loja inválido" in output
    assert not (tmp_path / "nova").exists()


def test_data_dir_option_chooses_the_folder_like_the_variable(run, tmp_path, monkeypatch):
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(tmp_path / "da-variavel"))  # restored after the test
    run("--data-dir", str(tmp_path / "da-opcao"), "store", "install-link", expect=0)
    assert (tmp_path / "da-opcao" / "lojasync.db").exists()
    assert not (tmp_path / "da-variavel").exists()
    assert "Nenhuma loja conectada" in run("--data-dir", str(tmp_path / "da-opcao"), "store", "list", expect=0)
    assert "--data-dir PASTA" in run("--data-dir", str(tmp_path / "outra"), "store", "list")


def test_another_programs_database_is_named_and_nothing_is_written_in_it(run, tmp_path):
    import sqlite3

    database = tmp_path / "erp.db"
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE clientes (id INTEGER PRIMARY KEY, nome TEXT)")
        db.execute("CREATE TABLE orders (id INTEGER PRIMARY KEY)")  # a name lojasync also uses
    output = run("orders", "list", LOJASYNC_DATABASE_URL=f"sqlite:///{database}",
                 LOJASYNC_DATA_DIR=str(tmp_path / "dados"))
    assert "já tem tabelas de outro sistema (clientes)" in output and "nenhuma do lojasync" in output
    assert "Resolução: Aponte LOJASYNC_DATABASE_URL para um banco vazio" in output
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"clientes", "orders"}  # no alembic_version, none of lojasync's tables


@pytest.mark.postgresql
def test_another_programs_postgresql_schema_is_left_alone(run, own_schema):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE TABLE "{own_schema}".produtos_erp (id integer)'))
        conn.execute(text(f'CREATE TABLE "{own_schema}".spatial_ref_sys (srid integer)'))  # PostGIS's: not data
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={own_schema}"})
    output = run("store", "list", LOJASYNC_DATABASE_URL=url.render_as_string(hide_password=False))
    assert "já tem tabelas de outro sistema (produtos_erp)" in output and f"schema {own_schema}" in output
    with admin.connect() as conn:
        tables = set(conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = :s"),
                                  {"s": own_schema}).scalars())
    admin.dispose()
    assert tables == {"produtos_erp", "spatial_ref_sys"}


def test_a_database_url_to_a_missing_file_names_the_variable_not_the_data_folder(run, tmp_path):
    missing = tmp_path / "nao-existe" / "loja.db"
    output = run("orders", "list", LOJASYNC_DATABASE_URL=f"sqlite:///{missing}", LOJASYNC_DATA_DIR=str(tmp_path / "d"))
    assert f"Nenhum banco do lojasync em {missing} (LOJASYNC_DATABASE_URL)" in output
    assert "Confira o caminho em LOJASYNC_DATABASE_URL" in output and "quatro barras" in output
    assert not missing.parent.exists()


def test_an_unexpected_error_without_a_data_folder_keeps_its_detail_in_the_temporary_folder(run, tmp_path,
                                                                                              monkeypatch):
    """With PostgreSQL there is no data folder: the traceback of a bug went only to a debug log nobody had on."""
    import tempfile

    from lojasync.bootstrap import bootstrap
    from lojasync.entrypoints.cli import stores
    from lojasync.settings import Settings

    database = tmp_path / "banco" / "lojasync.db"
    bootstrap(Settings(data_dir=database.parent)).close()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()

    def broken(*_args, **_kwargs):
        raise RuntimeError("defeito de teste")

    monkeypatch.setattr(stores, "list_stores", broken)
    output = run("store", "list", expect=70, LOJASYNC_DATABASE_URL=f"sqlite:///{database}",
                 LOJASYNC_DATA_DIR=str(tmp_path / "sem-pasta"))
    (log,) = (tmp_path / "tmp").glob("lojasync-erros-*.log")
    assert f"gravado em {log}" in output and "defeito de teste" in log.read_text(encoding="utf-8")
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert not (tmp_path / "sem-pasta").exists()


@pytest.mark.postgresql
def test_a_new_postgresql_schema_with_only_postgis_table_is_lojasyncs_to_create(run, own_schema):
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE TABLE "{own_schema}".spatial_ref_sys (srid integer)'))
    admin.dispose()
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={own_schema}"})
    assert "Nenhuma loja conectada" in run("store", "list", expect=0,
                                           LOJASYNC_DATABASE_URL=url.render_as_string(hide_password=False))


def test_company_show_with_a_key_that_does_not_open_the_certificate_is_not_ready(run, tmp_path):
    """review: with secret.key replaced or gone, `company show` said "Pronta para emitir NF-e" (problems empty in
    JSON), and each NF-e was then refused for the certificate."""
    import json

    folder = tmp_path / "dados"
    company = ["company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
               "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
               "--zipcode", "01001-000", "--default-ncm", "61091000"]
    run(*company, expect=0, LOJASYNC_DATA_DIR=str(folder))
    run("company", "certificate", "--test", expect=0, LOJASYNC_DATA_DIR=str(folder))
    assert "Pronta para emitir NF-e." in run("company", "show", expect=0, LOJASYNC_DATA_DIR=str(folder))
    # A passphrase written by hand, with an accent: read as the variable's would be (it was "Erro inesperado").
    (folder / "secret.key").write_text("outra chave, não a que cifrou o certificado\n", encoding="utf-8")
    shown = run("company", "show", expect=0, LOJASYNC_DATA_DIR=str(folder))
    assert "Pronta para emitir" not in shown and "cifrado com outra chave" in shown
    as_json = json.loads(run("company", "show", "--format", "json", expect=0, LOJASYNC_DATA_DIR=str(folder)))
    assert any("cifrado com outra chave" in p for p in as_json["problems"])
    (folder / "secret.key").write_bytes(b"\xff\xfe\x00")
    assert "não é texto (UTF-8)" in run("company", "show", expect=0, LOJASYNC_DATA_DIR=str(folder))
    # Empty (a `touch`, a failed restore), it is no key: taken for the empty passphrase, it opened what it sealed for
    # anyone with the database (operations review).
    (folder / "secret.key").write_text("\n", encoding="utf-8")
    empty = run("company", "show", expect=0, LOJASYNC_DATA_DIR=str(folder))
    # The terminal may fold the long path anywhere: compared without the folds.
    assert "secret.keyestávazia:nãoéumachavedolojasync" in "".join(empty.split())
    assert "Pronta para emitir" not in empty
    (folder / "secret.key").unlink()
    gone = run("company", "show", expect=0, LOJASYNC_DATA_DIR=str(folder))
    assert "Pronta para emitir" not in gone and "não existe mais" in gone


def test_the_error_log_is_rotated_private_and_never_another_users_file(tmp_path, monkeypatch):
    """review: the error log grew without bound; and in a shared temporary folder a file another user planted (or a
    link) was written to, tracebacks and all."""
    import logging

    from lojasync.observability import logging as logs

    log = tmp_path / "lojasync-erros.log"
    monkeypatch.setattr(logs, "ERROR_LOG_BYTES", 2000)
    for run in range(5):   # five commands, each finding the log full: rotated as it opens it, three kept
        with log.open("a") as full:
            full.write("y" * 2500)
        logger = logs.error_file_logger(log)
        logger.error("erro da execução %s", run)
        for handler in list(logger.handlers):
            if getattr(handler, "baseFilename", None) == str(log):
                logger.removeHandler(handler)
                handler.close()
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == ["lojasync-erros.log", "lojasync-erros.log.1", "lojasync-erros.log.2", "lojasync-erros.log.3"]
    assert all(stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600 for name in kept)
    assert "erro da execução 4" in log.read_text() and "yyy" not in log.read_text()
    planted = tmp_path / "planted.log"
    (tmp_path / "elsewhere.log").write_text("")
    planted.symlink_to(tmp_path / "elsewhere.log")
    with pytest.raises(OSError):
        logs.error_file_logger(planted)
    someone_elses = tmp_path / "someone-elses.log"
    someone_elses.write_text("")
    monkeypatch.setattr(logs.os, "getuid", lambda: os.stat(someone_elses).st_uid + 1)
    with pytest.raises(OSError):
        logs.error_file_logger(someone_elses)
    assert logging.getLogger("lojasync.errors") is logger


def test_secrets_new_key_prints_only_a_key_and_a_short_key_is_warned_about_at_start(run, tmp_path):
    """review (operations): no way to make a key was shown, and a short LOJASYNC_SECRET_KEY went unsaid."""
    from cryptography.fernet import Fernet

    key = run("secrets", "new-key", expect=0).strip()
    assert len(key) == 44 and Fernet(key.encode())   # the whole output is the key: `$(lojasync secrets new-key)`
    folder = tmp_path / "dados"
    from lojasync.bootstrap import bootstrap
    from lojasync.settings import Settings

    bootstrap(Settings(data_dir=folder)).close()
    (folder / "queue.db").write_bytes(b"isto nao e uma fila " * 300)   # the worker stops right after its checks
    output = run("worker", LOJASYNC_DATA_DIR=str(folder), LOJASYNC_SECRET_KEY="chave de teste")
    assert "Atenção: LOJASYNC_SECRET_KEY tem só 14 caracteres" in output
    output = run("worker", LOJASYNC_DATA_DIR=str(folder), LOJASYNC_SECRET_KEY=key)
    assert "LOJASYNC_SECRET_KEY tem só" not in output and "está ilegível" in output


def test_a_sefaz_url_with_the_real_sefaz_is_warned_about_at_start(run, tmp_path):
    """TLS review: LOJASYNC_SEFAZ_URL was ignored in silence with LOJASYNC_SEFAZ=real."""
    folder = tmp_path / "dados"
    from lojasync.bootstrap import bootstrap
    from lojasync.settings import Settings

    bootstrap(Settings(data_dir=folder)).close()
    (folder / "queue.db").write_bytes(b"isto nao e uma fila " * 300)   # the worker stops right after its checks
    output = " ".join(run("worker", LOJASYNC_DATA_DIR=str(folder), LOJASYNC_SEFAZ="real",
                          LOJASYNC_SEFAZ_URL="http://127.0.0.1:8790").split())
    assert "Atenção: LOJASYNC_SEFAZ_URL não vale com LOJASYNC_SEFAZ=real" in output
    output = run("worker", LOJASYNC_DATA_DIR=str(folder), LOJASYNC_SEFAZ="simulator",
                 LOJASYNC_SEFAZ_URL="http://127.0.0.1:8790")
    assert "LOJASYNC_SEFAZ_URL não vale" not in output
