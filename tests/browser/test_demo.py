"""`lojasync demo` opens the whole product: after its scripted part it prints the address and a login, and
the back office answers in the browser while the store goes on selling, until Ctrl+C."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

from playwright.sync_api import expect

DEMO_START_TIMEOUT = 240  # the scripted opening: sync, the back office's NF-e, on two busy cores


class DemoProcess:
    """`lojasync demo` in a process of its own; its output read line by line as it comes."""

    def __init__(self, *args: str) -> None:
        env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONUNBUFFERED": "1"}
        for name in [n for n in env if n.startswith("LOJASYNC_")]:
            del env[name]  # the demo's own folder and database, never the tests'
        self.process = subprocess.Popen([sys.executable, "-m", "lojasync", "demo", *args], env=env, text=True,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, pattern: str, timeout: float) -> re.Match:
        """The first line (from now on or already read) that matches `pattern`."""
        for line in self.lines:
            if found := re.search(pattern, line):
                return found
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if line is None:
                raise AssertionError(f"a demonstração terminou antes de '{pattern}':\n" + "\n".join(self.lines))
            self.lines.append(line)
            if found := re.search(pattern, line):
                return found
        raise AssertionError(f"'{pattern}' não apareceu em {timeout} s:\n" + "\n".join(self.lines))

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            return self.process.wait(timeout=60)
        finally:
            if self.process.poll() is None:
                self.process.kill()


def test_the_demo_prints_a_login_that_opens_the_back_office_until_ctrl_c(browser, page, shots, tmp_path):
    demo = DemoProcess("--orders", "20", "--live-seconds", "0", "--invoices", "1", "--port", "0",
                       "--data-dir", str(tmp_path / "demo"))
    try:
        url = demo.wait_for(r"Abra (http://127\.0\.0\.1:\d+)/pedidos", DEMO_START_TIMEOUT).group(1)
        email = demo.wait_for(r"e-mail: (\S+)", 30).group(1)
        password = demo.wait_for(r"senha:\s+(\S+)", 30).group(1)
        demo.wait_for(r"Ctrl\+C encerra a demonstração", 30)

        page.goto(f"{url}/pedidos")
        expect(page).to_have_url(re.compile(r"/login"))
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Senha").fill(password)
        page.get_by_role("button", name="Entrar").click()
        expect(page).to_have_url(re.compile(r"/pedidos"))
        # The history imported by the scripted part is there, marked as coming from the store.
        expect(page.locator("#tabela-pedidos").get_by_text(re.compile(r"^Loja virtual #\d+$")).first).to_be_visible()
        shots(page, "demo-pedidos")
        # The store goes on selling: its next order is announced on the terminal as it reaches the ERP.
        demo.wait_for(r"ERP: pedido \d+ \(loja nº \d+\)", 60)
    finally:
        code = demo.stop()
    assert code == 0, "\n".join(demo.lines)
    demo.wait_for(r"Demonstração encerrada \(Ctrl\+C\)", 30)
    assert not any("Traceback" in line for line in demo.lines), "\n".join(demo.lines)
