"""A sync's lease names itself as a sync; the others (drain, push) do not: the Integração page tells them apart."""

from __future__ import annotations

import os

from lojasync.nuvemshop.services.leases import _dead_local_holder, holder_name, sync_holder_name, syncing


def test_a_syncs_holder_says_so_and_the_others_do_not():
    assert syncing(sync_holder_name()) and not syncing(holder_name()) and not syncing(None)
    assert len(sync_holder_name()) <= 100   # the column's width


def test_a_syncs_holder_keeps_the_process_a_dead_one_is_recognised_by():
    holder = sync_holder_name()
    assert holder.split(":")[1] == str(os.getpid())
    assert not _dead_local_holder(holder)   # this process: alive
    dead = holder.replace(f":{os.getpid()}:", ":999999999:", 1)
    assert _dead_local_holder(dead)
