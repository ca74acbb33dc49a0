"""Ctrl+C typed in a terminal, as a person stops the demo: the terminal sends SIGINT to the whole foreground
process group, not to one pid. The first, during the live store, cuts the live part short and the demo goes on;
the second, in the back office part, ends it cleanly."""

from __future__ import annotations

import os
import pty
import re
import select
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a pseudo-terminal")

CTRL_C = b"\x03"
_STYLES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")   # colours and cursor moves: the words are what is checked


class Terminal:
    """`lojasync demo` on a pseudo-terminal of its own; `text` is everything it printed so far."""

    def __init__(self, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:   # the child: becomes the demo, with the pty as its controlling terminal
            os.environ["COLUMNS"] = "300"   # one line per sentence, to find it whole
            os.execv(sys.executable, [sys.executable, "-m", "lojasync", "demo", *args])
        self.output = b""
        self.exit_code: int | None = None

    @property
    def text(self) -> str:
        return _STYLES.sub("", self.output.decode("utf-8", errors="replace"))

    def wait_for(self, words: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while words not in self.text:
            assert time.monotonic() < deadline, f"{words!r} never shown:\n{self.text[-3000:]}"
            assert self._read(0.2), f"the demo ended before showing {words!r}:\n{self.text[-3000:]}"

    def type(self, keys: bytes) -> None:
        os.write(self.fd, keys)

    def wait_exit(self, timeout: float = 30) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._read(0.2)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._read(0.2)
                self.exit_code = os.waitstatus_to_exitcode(status)
                return self.exit_code
        raise AssertionError(f"still running {timeout} s after Ctrl+C:\n{self.text[-3000:]}")

    def close(self) -> None:
        if self.exit_code is None:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self.fd)

    def _read(self, seconds: float) -> bool:
        """False once the terminal is closed (the demo ended)."""
        ready, _, _ = select.select([self.fd], [], [], seconds)
        if not ready:
            return True
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:   # EIO: no process holds the terminal any more
            return False
        self.output += chunk
        return bool(chunk)


def test_ctrl_c_in_a_terminal_skips_the_live_store_then_ends_the_demo(tmp_path):
    demo = Terminal("--orders", "20", "--live-seconds", "600", "--invoices", "1", "--port", "0",
                    "--data-dir", str(tmp_path / "demo"))
    try:
        demo.wait_for("Loja vendendo ao vivo por 600 s (Ctrl+C pula para a parte seguinte)")
        demo.wait_for("pedido nº")   # selling: the loop that the Ctrl+C interrupts is running
        demo.type(CTRL_C)
        demo.wait_for("Loja ao vivo interrompida (Ctrl+C)", timeout=60)   # of the 600 s it would sell
        demo.wait_for("NF-e autorizadas: 1 de 1")
        demo.wait_for("Ctrl+C encerra a demonstração.")
        demo.type(CTRL_C)
        assert demo.wait_exit() == 0, demo.text[-3000:]
        assert "Demonstração encerrada (Ctrl+C)." in demo.text
        assert "Traceback" not in demo.text
    finally:
        demo.close()
