"""LOJASYNC_SEFAZ_TIMEOUT is each call's timeout; a whole transmission ends within TRANSMISSION_TIME, so a
longer timeout would mean nothing and is refused with the variable's name, in Portuguese."""

from __future__ import annotations

from datetime import timedelta

import pytest

from lojasync.fiscal.services.invoices import SENDING_WINDOW, TRANSMISSION_TIME, Sefaz
from lojasync.settings import MAX_SEFAZ_TIMEOUT, SettingsError, load_settings


def test_a_sefaz_timeout_longer_than_a_whole_transmission_is_refused(monkeypatch) -> None:
    monkeypatch.setenv("LOJASYNC_SEFAZ_TIMEOUT", "300")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "LOJASYNC_SEFAZ_TIMEOUT acima do máximo (60 segundos): a transmissão inteira de uma NF-e termina em 60 " \
           "segundos" in refused.value.message
    monkeypatch.setenv("LOJASYNC_SEFAZ_TIMEOUT", "60")
    assert load_settings().sefaz_timeout == 60.0


def test_the_cap_and_the_transmission_time_keep_a_transmission_inside_the_sending_window() -> None:
    # Each network operation of the last call may take what was left (connect, send, read): 3 x the deadline.
    assert timedelta(seconds=MAX_SEFAZ_TIMEOUT) <= TRANSMISSION_TIME and 3 * TRANSMISSION_TIME < SENDING_WINDOW


def test_a_transmission_time_may_be_shortened_never_lengthened() -> None:
    def connect(uf, environment, certificate, *, deadline=None):  # pragma: no cover - never called
        raise AssertionError

    assert Sefaz(connect, simulated=True, transmission_time=timedelta(seconds=1)).transmission_time.seconds == 1
    with pytest.raises(ValueError, match="transmission_time"):
        Sefaz(connect, simulated=True, transmission_time=TRANSMISSION_TIME + timedelta(seconds=1))

