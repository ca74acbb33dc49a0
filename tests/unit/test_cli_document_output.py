"""What the CLI writes of a fiscal document: its own bytes on any terminal, a file whole or not at all."""

from __future__ import annotations

import errno
import io
import json
import os
import sys
from pathlib import Path

import pytest
from lxml import etree

from lojasync.entrypoints.cli import output

XML = '<?xml version="1.0" encoding="UTF-8"?><nfeProc><xMun>São Paulo</xMun></nfeProc>'.encode()


@pytest.mark.parametrize("encoding", ["latin-1", "ascii"])
def test_an_xml_on_a_terminal_that_is_not_utf8_keeps_its_bytes(monkeypatch, encoding: str) -> None:
    """review: `invoices xml` on a Latin-1 terminal wrote Latin-1 bytes under a UTF-8 declaration (no parser took
    the file), on ASCII "S?o Paulo" (no longer what the signature covers); exit 0 both times."""
    raw = io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(raw, encoding=encoding, errors="replace"))
    output.write_document(XML)
    assert raw.getvalue() == XML + b"\n"
    assert etree.fromstring(raw.getvalue()).findtext("xMun") == "São Paulo"


def test_json_on_a_terminal_that_is_not_utf8_is_escaped_not_replaced(monkeypatch) -> None:
    raw = io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(raw, encoding="ascii", errors="replace"))
    output.print_json({"name": "Sandália"})
    sys.stdout.flush()
    assert json.loads(raw.getvalue()) == {"name": "Sandália"}


def test_a_file_that_cannot_be_written_whole_leaves_the_one_that_was_there(tmp_path, monkeypatch) -> None:
    """review: a full disk left a 0-byte DANFE, or half an XML over the file that was there."""
    target = tmp_path / "nota.xml"
    target.write_bytes(b"the earlier file")

    def full(_fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError):
        output.write_whole(target, XML)
    assert target.read_bytes() == b"the earlier file"
    assert [p.name for p in tmp_path.iterdir()] == ["nota.xml"]   # nothing left beside it
    monkeypatch.undo()
    output.write_whole(target, XML)
    assert target.read_bytes() == XML


def test_a_file_the_user_may_not_write_is_not_replaced(tmp_path, monkeypatch) -> None:
    """review: `invoices danfe --output` over a read-only file replaced it (the folder allowed it), where `cp`
    refuses. Asked through os.access: root may write any file, and the tests run as root in CI."""
    import typer

    from lojasync.entrypoints.cli import invoices

    target = tmp_path / "nota.pdf"
    target.write_bytes(b"the earlier file")
    target.chmod(0o444)
    monkeypatch.setattr(os, "access", lambda path, how: not (Path(path) == target and how == os.W_OK))
    with pytest.raises(typer.Exit) as stopped:
        invoices._write(target, b"%PDF")
    assert stopped.value.exit_code == 1
    assert target.read_bytes() == b"the earlier file"
    assert [p.name for p in tmp_path.iterdir()] == ["nota.pdf"]


def test_a_link_is_written_through_and_a_fifo_as_it_is(tmp_path) -> None:
    """review: os.replace swapped a symlinked --output for a regular file (its target untouched) and a FIFO for a
    file; the file's mode was lost."""
    target = tmp_path / "real.xml"
    target.write_bytes(b"old")
    target.chmod(0o640)
    link = tmp_path / "link.xml"
    link.symlink_to(target)
    output.write_whole(link, XML)
    assert link.is_symlink() and target.read_bytes() == XML and (target.stat().st_mode & 0o777) == 0o640
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    read: list[bytes] = []
    import threading

    reader = threading.Thread(target=lambda: read.append(fifo.read_bytes()))
    reader.start()
    output.write_whole(fifo, XML)
    reader.join(5)
    assert read == [XML] and not fifo.is_file()


def test_dev_stdout_into_a_pipe_is_written_where_it_is_named() -> None:
    """review: /dev/stdout (or /dev/fd/N) resolved to /proc/<pid>/fd/pipe:[N], no path: "Não foi possível gravar"."""
    read_end, write_end = os.pipe()
    try:
        output.write_whole(Path(f"/proc/self/fd/{write_end}"), XML)
        assert os.read(read_end, len(XML) + 10) == XML
    finally:
        os.close(read_end)
        os.close(write_end)


def test_output_to_standard_output_goes_through_it(monkeypatch) -> None:
    """review: `--output /dev/stdout` into a pipe got the XML and then "Gravado em /dev/stdout ... (substituiu o
    arquivo que havia)" in the same pipe; appended to a file (`>> x.xml`), it replaced the file."""
    read_end, write_end = os.pipe()
    saved = os.dup(1)
    try:
        os.dup2(write_end, 1)
        assert output.is_standard_output(Path("/dev/stdout")) and not output.is_standard_output(Path("/tmp"))
        assert output.is_standard_output(Path("-"))   # review: `--output -` wrote a file named "-"
    finally:
        os.dup2(saved, 1)
        for fd in (saved, read_end, write_end):
            os.close(fd)


def test_a_name_near_the_file_systems_limit_is_written(tmp_path) -> None:
    """review: a legal 252-character name was refused as "longo demais": the temporary beside it, named after it,
    went over the 255 the file system takes."""
    for name in ("b" * 248 + ".pdf", "ç" * 50 + "a" * 150 + ".pdf"):   # 252 bytes; 254 bytes in 204 characters
        target = tmp_path / name
        output.write_whole(target, XML)
        assert target.read_bytes() == XML and target.name in [p.name for p in tmp_path.iterdir()]
    assert len(list(tmp_path.iterdir())) == 2   # no temporary left beside them


def test_an_output_the_command_cannot_look_at_is_said_in_portuguese_not_as_a_bug(tmp_path, monkeypatch) -> None:
    """review: --output in a folder without search permission (or a name too long) raised from Path.exists() before
    the write's own message: "Erro inesperado (PermissionError)", exit 70, logged as a bug."""
    import typer

    from lojasync.entrypoints.cli import invoices

    target = tmp_path / "x.pdf"

    def denied(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(target))

    monkeypatch.setattr(Path, "exists", denied)   # as a folder without search permission answers, even for root
    monkeypatch.setattr(os, "stat", denied)
    with pytest.raises(typer.Exit) as stopped:
        invoices._write(target, b"%PDF")
    assert stopped.value.exit_code == 1


def test_every_whole_file_refuses_a_file_it_may_not_write_and_says_a_read_only_mount_as_such(tmp_path, monkeypatch):
    """review: the LGPD export (`lgpd export --output`) still replaced a read-only file; and on a read-only mount
    the refusal said "sem permissão de acesso" where the disk is read-only."""
    from lojasync.shared.whole_files import replace_whole

    target = tmp_path / "4242.json"
    target.write_bytes(b"the earlier export")
    monkeypatch.setattr(os, "access", lambda path, how: not (Path(path) == target and how == os.W_OK))
    with pytest.raises(PermissionError):
        replace_whole(target, b"{}", 0o600)
    assert target.read_bytes() == b"the earlier export"

    class ReadOnlyMount:
        f_flag = os.ST_RDONLY

    monkeypatch.setattr(os, "statvfs", lambda path: ReadOnlyMount())
    with pytest.raises(OSError) as refused:
        replace_whole(target, b"{}", 0o600)
    assert refused.value.errno == errno.EROFS
    replace_whole(tmp_path / "nova.json", b"{}", 0o600)   # a new file: nothing to refuse
    assert (tmp_path / "nova.json").read_bytes() == b"{}"
