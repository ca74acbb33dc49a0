"""The worker's queue in tests: the tasks a round enqueued, run in this thread."""

from __future__ import annotations

from huey import MemoryHuey


def run_queued(huey: MemoryHuey, name: str) -> None:
    """Take every task waiting in `huey` and run those named `name` (the others are dropped)."""
    while (task := huey.dequeue()) is not None:
        if task.name == name:
            huey.execute(task)
