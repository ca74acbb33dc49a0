"""Real processes for the crash tests: a `lojasync sefaz-simulator` driven through its admin routes, and
`lojasync` commands and workers started on the test database (to be killed with SIGKILL mid-way)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.e2e.live import wait_until

_URL = re.compile(r"no ar em (http://\S+?)\.?$")


class SefazProcess:
    """`lojasync sefaz-simulator --port 0` in a process of its own; `switches`, `stats` and `nfe` read and set
    it over HTTP (/_simulator/...), as an integrator would."""

    def __init__(self, log: Path) -> None:
        self._log = log
        self.process: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> SefazProcess:
        self.process = subprocess.Popen([sys.executable, "-m", "lojasync", "sefaz-simulator", "--port", "0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        seen = []
        for line in self.process.stdout:   # the startup text names the address it listens on
            seen.append(line)
            found = _URL.search(line.strip())
            if found:
                self.url = found.group(1)
                break
        else:
            raise AssertionError("sefaz-simulator did not start: " + "".join(seen))
        # What it prints from now on goes nowhere (a full pipe would block it).
        _copy_in_background(self.process.stdout, self._log)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def switches(self, **changes) -> dict:
        return self._admin("POST", "/switches", json=changes)

    def stats(self) -> dict:
        return self._admin("GET", "/stats")

    def calls(self, service: str) -> int:
        return self.stats()["chamadas"].get(service, 0)

    def nfe(self, key: str) -> dict | None:
        answer = httpx.get(f"{self.url}/_simulator/nfe/{key}", timeout=10)
        return None if answer.status_code == 404 else answer.raise_for_status().json()

    def _admin(self, method: str, path: str, **kwargs) -> dict:
        return httpx.request(method, f"{self.url}/_simulator{path}", timeout=10, **kwargs).raise_for_status().json()


def _copy_in_background(stream, log: Path) -> None:
    def copy() -> None:
        with open(log, "a", encoding="utf-8") as out:
            for line in stream:
                out.write(line)
                out.flush()
    threading.Thread(target=copy, daemon=True, name="sefaz-simulator-output").start()


class Lojasync:
    """`lojasync ...` as separate processes with one environment (database, data folder, key, SEFAZ, queue)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = {**os.environ, **env, "COLUMNS": "200"}   # one line per sentence, to read it whole
        self.logs = logs
        self.started: list[subprocess.Popen] = []

    def start(self, *args: str) -> subprocess.Popen:
        """Started, not waited for; its output in `output_of(process)`."""
        log = self.logs / f"{len(self.started):02d}-{'-'.join(args[:2])}.log"
        with open(log, "wb") as out:
            process = subprocess.Popen([sys.executable, "-m", "lojasync", *args], env=self.env, stdout=out,
                                       stderr=subprocess.STDOUT)
        process.log = log
        self.started.append(process)
        return process

    def run(self, *args: str, expect: int = 0, timeout: float = 120) -> str:
        """Run to the end; the output with its whitespace folded (exit code checked)."""
        process = self.start(*args)
        process.wait(timeout=timeout)
        said = output_of(process)
        assert process.returncode == expect, said
        assert "Traceback" not in said, said
        return said

    def stop_all(self) -> None:
        for process in self.started:
            stop(process)


def stop(process: subprocess.Popen, timeout: float = 10) -> None:
    """Ctrl+C for a process still running, as a person stops it; killed if it does not end within `timeout` s."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def output_of(process: subprocess.Popen) -> str:
    return " ".join(process.log.read_text(encoding="utf-8", errors="replace").split())


def kill(process: subprocess.Popen) -> None:
    """kill -9: no handler, no cleanup, no commit of what was in flight."""
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL


__all__ = ["Lojasync", "SefazProcess", "kill", "output_of", "wait_until"]
