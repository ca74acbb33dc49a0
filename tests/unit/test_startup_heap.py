"""`lojasync serve` takes its startup heap out of the garbage collector's full collections."""

from __future__ import annotations

import gc

from lojasync.serving import settle_startup_heap


class Node:
    def __init__(self) -> None:
        self.me = self      # a cycle: only the collector frees it


def test_the_startup_heap_is_frozen_and_later_garbage_still_collected():
    # No automatic collection meanwhile: run after other suites, their servers' threads allocate, and a
    # collection they trigger could free the cycle before the one asked for here counts it.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        settle_startup_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 1000        # the modules, classes and objects loaded so far
        Node()
        assert gc.collect() >= 1    # what is made afterwards is still collected
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()               # the test process goes on as before
        if was_enabled:
            gc.enable()
