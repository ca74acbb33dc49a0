"""The `lojasync` command against the test database, for the end-to-end tests that drive the CLI.

A module that wants the output otherwise (whitespace folded, say) defines its own `lojasync` fixture, which
takes precedence over this one.
"""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from lojasync.entrypoints.cli.app import app as cli
from lojasync.entrypoints.cli.context import reset_container


def forget_sefaz_state(settings) -> None:
    """Remove the embedded SEFAZ simulator's state file with its WAL companions: a -wal and -shm left by a process
    of an earlier test, beside a new file of the same name, make SQLite fail with "disk I/O error". The simulator
    this process embeds for that file (started by an earlier test's command) forgets what it holds too: its open
    database outlives the file, and a later test of this process met the NF-e numbers it kept (241 on a void)."""
    from lojasync.entrypoints import sefaz_access

    path = settings.sefaz_state_path
    running = sefaz_access._embedded.get(path)
    if running is not None:
        running.simulator.reset()
    for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        stale.unlink(missing_ok=True)


@pytest.fixture()
def lojasync(app, monkeypatch):
    """Run `lojasync ARGS` on the test database; returns the output as printed (exit code checked)."""
    monkeypatch.setenv("LOJASYNC_DATABASE_URL", app.settings.resolved_database_url)
    monkeypatch.setenv("LOJASYNC_DATA_DIR", str(app.settings.data_dir))
    # The database is emptied between tests (NF-e numbers start again at 1): so is the embedded SEFAZ.
    forget_sefaz_state(app.settings)
    reset_container()

    def run(*args: str, expect: int = 0) -> str:
        result = CliRunner().invoke(cli, list(args))
        assert result.exit_code == expect, result.output + str(result.exception or "")
        assert "Traceback" not in result.output
        return result.output

    yield run
    reset_container()
    forget_sefaz_state(app.settings)   # nothing left for the next test of this process (a web test, say)
