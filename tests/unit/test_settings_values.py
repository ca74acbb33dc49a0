"""LOJASYNC_* values that could not work are refused when the settings are read, saying what each one takes."""

from __future__ import annotations

import pytest

from lojasync.settings import SettingsError, load_settings


@pytest.mark.parametrize(("variable", "value", "said"), [
    ("LOJASYNC_LOG_LEVEL", "LOUD", "LOJASYNC_LOG_LEVEL nível desconhecido 'LOUD': use DEBUG, INFO"),
    ("LOJASYNC_REDIS_URL", "notaurl", "LOJASYNC_REDIS_URL 'notaurl' não é um endereço do Redis"),
    ("LOJASYNC_SEFAZ_URL", "notaurl", "LOJASYNC_SEFAZ_URL 'notaurl' não é um endereço http:// ou https://"),
    ("LOJASYNC_PUBLIC_URL", "ftp://x y", "LOJASYNC_PUBLIC_URL 'ftp://x y' não é um endereço http:// ou https://"),
    ("LOJASYNC_SEFAZ", "fake", "LOJASYNC_SEFAZ valor não aceito (use 'simulator' ou 'real')"),
    ("LOJASYNC_HTTP_HEADER_TIMEOUT", "-1", "LOJASYNC_HTTP_HEADER_TIMEOUT deveria ser maior que 0"),
    # Review: a negative overlap made each reconciliation skip changes; -1 retries failed every drain later.
    ("LOJASYNC_SYNC_OVERLAP_SECONDS", "-3600", "LOJASYNC_SYNC_OVERLAP_SECONDS"),
    ("LOJASYNC_HTTP_MAX_RETRIES", "-1", "LOJASYNC_HTTP_MAX_RETRIES"),
    ("LOJASYNC_HTTP_TIMEOUT", "0", "LOJASYNC_HTTP_TIMEOUT deveria ser maior que 0"),
])
def test_a_setting_that_cannot_work_is_refused_at_start_saying_what_it_takes(monkeypatch, variable, value, said):
    """Hostile-environment review: a log level, a Redis or SEFAZ address that could not work ended as "Erro
    inesperado" (exit 70), or numbered an NF-e and left it awaiting SEFAZ; lists of values were not named."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert said in refused.value.message


def test_a_log_level_is_taken_in_any_case(monkeypatch):
    monkeypatch.setenv("LOJASYNC_LOG_LEVEL", "info")
    assert load_settings().log_level == "INFO"


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_a_blank_secret_key_is_no_key(monkeypatch, blank):
    """Operations review: "   " passed the check that serve and worker on PostgreSQL or Redis share a key, while the
    cipher took it for none and each machine sealed with a secret.key of its own."""
    monkeypatch.setenv("LOJASYNC_SECRET_KEY", blank)
    assert load_settings().secret_key is None
    monkeypatch.setenv("LOJASYNC_SECRET_KEY", "  uma frase secreta  ")
    assert load_settings().secret_key == "uma frase secreta"


@pytest.mark.parametrize(("typed", "day"), [("2026-12-01", "2026-12-01"), ("01/12/2026", "2026-12-01"),
                                            ("1/2/2026", "2026-02-01"), ("  ", None), ("todos", None)])
def test_the_first_day_of_the_orders_is_taken_as_the_pages_take_it(monkeypatch, typed, day):
    monkeypatch.setenv("LOJASYNC_ORDERS_FROM", typed)
    found = load_settings().orders_from
    assert (found.isoformat() if found else None) == day


@pytest.mark.parametrize(("typed", "words"), [
    ("2099-01-01", "LOJASYNC_ORDERS_FROM é depois de hoje (01/01/2099): nenhum pedido novo seria importado até lá"),
    ("ontem", "LOJASYNC_ORDERS_FROM deveria ser uma data (AAAA-MM-DD ou DD/MM/AAAA)"),
])
def test_a_first_day_after_today_or_not_a_day_is_refused_naming_the_variable(monkeypatch, typed, words):
    """review: a typo (2099 for 2026) in the variable left out every new order, with nothing said; the page refuses it."""
    from lojasync.settings import SettingsError

    monkeypatch.setenv("LOJASYNC_ORDERS_FROM", typed)
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert words in refused.value.message


def test_the_sefaz_ca_bundle_is_checked_when_the_settings_are_read(monkeypatch, tmp_path):
    """TLS review: a missing or non-PEM LOJASYNC_SEFAZ_CA_BUNDLE was found at the first transmission, which numbered
    an NF-e and said "certificado ou cadeia TLS ilegível ([Errno 2] ...)" without the path or the variable."""
    missing = tmp_path / "cadeia.pem"
    monkeypatch.setenv("LOJASYNC_SEFAZ_CA_BUNDLE", str(missing))
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "LOJASYNC_SEFAZ_CA_BUNDLE" in refused.value.message and str(missing) in refused.value.message
    missing.write_text("não é um certificado\n")
    with pytest.raises(SettingsError) as refused:
        load_settings()
    assert "não é um arquivo PEM com certificados" in refused.value.message
    missing.write_text("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
    assert load_settings().sefaz_ca_bundle == str(missing)
