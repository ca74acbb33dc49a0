"""A command's output piped into a reader that stops early (`lojasync invoices xml 7 | head`): no error."""

from __future__ import annotations

import os
import subprocess
import sys


def _lojasync(data_dir, *args: str, buffered: bool = True, reader: bool = True) -> tuple[int, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOJASYNC_", "PYTHONUNBUFFERED"))}
    env.update(LOJASYNC_DATA_DIR=str(data_dir))
    if not buffered:  # each print() written at once (as under some supervisors) rather than at exit
        env.update(PYTHONUNBUFFERED="1")
    process = subprocess.Popen([sys.executable, "-m", "lojasync", *args], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    if not reader:
        process.stdout.close()   # the reader is gone before the command writes anything, as head's is after a line
    _, errors = process.communicate(timeout=60)
    return process.returncode, errors


def test_a_reader_that_stops_early_is_not_reported_as_a_bug(tmp_path):
    data_dir = tmp_path / "dados"
    assert _lojasync(data_dir, "db", "upgrade") == (0, "")
    for args, buffered in [
        (("company", "set", "--name", "Loja Exemplo Ltda", "--format", "json"), True),   # print(): for scripts
        (("company", "set", "--name", "Loja Exemplo Ltda", "--format", "json"), False),
        (("company", "show"), True),                                                     # rich: for people
        (("orders", "invoice", "999", "--format", "json"), True),                        # exit 1 after printing
    ]:
        code, errors = _lojasync(data_dir, *args, buffered=buffered, reader=False)
        assert errors == "" and code == 1, (args, buffered, errors)  # whoever piped it chose to read less
    assert not (data_dir / "lojasync-erros.log").exists()


def test_an_output_closed_from_the_start_is_no_error_either(tmp_path):
    # `lojasync company show >&-`: Python starts with no stdout at all; the command runs, nothing is shown.
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOJASYNC_")}
    env.update(LOJASYNC_DATA_DIR=str(tmp_path / "dados"))
    assert _lojasync(tmp_path / "dados", "db", "upgrade") == (0, "")   # a database made first says so on stderr
    done = subprocess.run(["sh", "-c", f'exec "{sys.executable}" -m lojasync company set --name "Loja Exemplo" >&-'],
                          env=env, capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stderr) == (0, "")


def _run(data_dir, shell: str, **env_extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOJASYNC_")}
    env.update(LOJASYNC_DATA_DIR=str(data_dir), **env_extra)
    return subprocess.run(["sh", "-c", shell.replace("LOJASYNC", f'"{sys.executable}" -m lojasync')], env=env,
                          capture_output=True, text=True, timeout=60)


def test_machine_conditions_are_said_as_such_not_as_bugs(tmp_path):
    """Hostile-environment review: output into a full device, a terminal without UTF-8, a password asked with no
    terminal. Each was "Erro inesperado" (exit 70) or English warnings."""
    data_dir = tmp_path / "dados"
    assert _run(data_dir, "LOJASYNC db upgrade").returncode == 0
    full = _run(data_dir, "LOJASYNC company set --name 'Loja Exemplo' --format json > /dev/full")
    assert full.returncode == 1 and "Não foi possível gravar (o disco está cheio)" in full.stderr
    assert "inesperado" not in full.stderr

    latin = _run(data_dir, "LOJASYNC company show", PYTHONIOENCODING="ascii")
    assert latin.returncode == 0 and "Loja Exemplo" in latin.stdout, latin.stderr

    asked = _run(data_dir, "LOJASYNC users add ana@loja.com.br < /dev/null")
    assert asked.returncode == 1 and "--password SENHA, gere uma com --generate" in asked.stderr
    assert "Warning" not in asked.stderr
    assert not (data_dir / "lojasync-erros.log").exists()
