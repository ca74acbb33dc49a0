"""What the benchmarks share: free loopback ports and `lojasync` subprocesses waited on until healthy."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_lojasync(args: list[str], health_url: str, env: dict | None = None,
                   timeout: float = 300.0) -> subprocess.Popen:
    """Run `lojasync ARGS` in its own process (it must not share our GIL) until `health_url` answers."""
    # A file, not a pipe: nobody reads a long-running server's stderr, and a full pipe would block it.
    errors = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the process it collects
    process = subprocess.Popen([sys.executable, "-m", "lojasync", *args], env=env,
                               stdout=subprocess.DEVNULL, stderr=errors)
    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(health_url, timeout=1).raise_for_status()
            return process
        except httpx.HTTPError as exc:
            if process.poll() is not None:
                errors.seek(0)
                raise RuntimeError(f"lojasync {args[0]} did not start: {errors.read().decode()[-2000:]}") from exc
            if time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"lojasync {args[0]} did not start within {timeout:.0f} s") from exc
            time.sleep(0.2)
