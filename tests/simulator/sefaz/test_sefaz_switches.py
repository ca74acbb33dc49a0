"""The simulator's switches seen through the client (out of service, slow, dropped answers, asynchronous
batches, forced rejections), its admin routes, its state file, and concurrent senders."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from lojasync.fiscal.sefaz import SefazSoapClient, SefazUnreachable
from lojasync.simulators.sefaz import BackgroundSefaz, SefazConfig, SefazSimulator

from .documents import cancellation, digest_of, key_of, signed_nfe


def test_service_status_is_107_then_108_and_109_when_switched_off(client: SefazSoapClient,
                                                                   sefaz: BackgroundSefaz) -> None:
    up = client.service_status()
    assert (up.status, up.reason) == ("107", "Servico em Operacao") and not up.unavailable
    sefaz.simulator.set_switches(out_of_service="108")
    down = client.service_status()
    assert (down.status, down.reason) == ("108", "Servico Paralisado Momentaneamente (curto prazo)")
    assert down.unavailable
    sefaz.simulator.set_switches(out_of_service="109")
    assert (client.service_status().status, client.service_status().reason) == ("109", "Servico Paralisado sem Previsao")


def test_out_of_service_refuses_every_service_and_keeps_nothing(client: SefazSoapClient,
                                                                sefaz: BackgroundSefaz) -> None:
    document = signed_nfe()
    sefaz.simulator.set_switches(out_of_service="108")
    answer = client.authorise(document)
    assert answer.status == "108" and answer.unavailable
    assert client.query_nfe(key_of(document)).status == "108"
    sefaz.simulator.reset_switches()
    assert client.query_nfe(key_of(document)).status == "217"
    assert client.authorise(document).status == "100"


def test_a_slow_answer_hits_the_client_timeout_as_a_retryable_error(sefaz: BackgroundSefaz) -> None:
    sefaz.simulator.set_switches(delay=3.0)
    document = signed_nfe()
    started = time.monotonic()
    with SefazSoapClient("PR", base_url=sefaz.url, timeout=0.3) as impatient, \
            pytest.raises(SefazUnreachable) as caught:
        impatient.authorise(document)
    assert time.monotonic() - started < 2.0
    error = caught.value
    assert error.retryable and error.code == "sefaz.unreachable"
    assert str(error).startswith("SEFAZ não respondeu (NFeAutorizacao4: tempo esgotado")
    assert error.resolution == "A NF-e fica aguardando SEFAZ e é consultada de novo automaticamente."
    # SEFAZ was only slow to answer: the NF-e is authorised, and a query (once it is fast again) says so.
    sefaz.simulator.reset_switches()
    with SefazSoapClient("PR", base_url=sefaz.url, timeout=5) as gateway:
        assert gateway.query_nfe(key_of(document)).status == "100"


def test_a_dropped_answer_is_found_by_querying_the_key_instead_of_resending(sefaz: BackgroundSefaz) -> None:
    sefaz.simulator.set_switches(drop_answers=1)
    document = signed_nfe(number=40)
    with SefazSoapClient("PR", base_url=sefaz.url, timeout=0.5) as gateway:   # gives up on the held answer soon
        with pytest.raises(SefazUnreachable) as caught:
            gateway.authorise(document)
        assert caught.value.retryable
    # The query by another client, patient: a busy machine may take longer than 0.5 s to answer it.
    with SefazSoapClient("PR", base_url=sefaz.url, timeout=10) as gateway:
        found = gateway.query_nfe(key_of(document))
    assert (found.status, found.reason) == ("100", "Autorizado o uso da NF-e")
    record = sefaz.simulator.nfe(key_of(document))
    assert found.protocol == record["nProt"] and found.digest == digest_of(document)
    assert found.xml.decode() == record["protNFe"]  # the protNFe the lost answer carried
    assert sefaz.simulator.stats()["chamadas"]["NFeAutorizacao4"] == 1
    assert sefaz.simulator.switches_now().drop_answers == 0  # one answer dropped, the next ones arrive


def test_a_closed_port_is_unreachable() -> None:
    with BackgroundSefaz() as gone:
        url = gone.url
    with SefazSoapClient("PR", base_url=url, timeout=2) as gateway, pytest.raises(SefazUnreachable) as caught:
        gateway.service_status()
    assert caught.value.retryable and "NFeStatusServico4" in str(caught.value)


def test_forced_rejection_with_sefaz_words_or_given_ones(client: SefazSoapClient, sefaz: BackgroundSefaz) -> None:
    sefaz.simulator.set_switches(reject_with="999")
    assert (client.authorise(signed_nfe(number=1)).reason) == "Rejeicao: Erro nao catalogado"
    sefaz.simulator.set_switches(reject_with="539", reject_reason="Rejeicao: teste de rejeicao forcada")
    answer = client.authorise(signed_nfe(number=2))
    assert (answer.status, answer.reason) == ("539", "Rejeicao: teste de rejeicao forcada")
    assert sefaz.simulator.stats()["nfe_conhecidas"] == 0


@pytest.mark.parametrize("changes", [
    {"reject_with": "100"}, {"reject_with": "abc"}, {"out_of_service": "107"}, {"delay": -1},
    {"drop_answers": 1.5}, {"sync": "no"}, {"colour": "blue"},
])
def test_wrong_switches_change_nothing(sefaz: BackgroundSefaz, changes: dict) -> None:
    before = sefaz.simulator.switches_now()
    with pytest.raises(ValueError):
        sefaz.simulator.set_switches(processing_polls=3, **changes)
    assert sefaz.simulator.switches_now() == before  # the right one in the same call was not applied either


def test_an_asynchronous_authoriser_is_polled_by_receipt(client: SefazSoapClient, sefaz: BackgroundSefaz) -> None:
    sefaz.simulator.set_switches(sync=False, processing_polls=1)
    answer = client.authorise(signed_nfe(number=1))
    assert answer.status == "100"  # 103, then 105 once, then 104 with the protNFe
    assert sefaz.simulator.stats()["chamadas"]["NFeRetAutorizacao4"] == 2


def test_still_processing_after_the_polls_returns_the_receipt(client: SefazSoapClient, sefaz: BackgroundSefaz) -> None:
    sefaz.simulator.set_switches(sync=False, processing_polls=5)
    pending = client.authorise(signed_nfe(number=1))
    assert (pending.status, pending.reason) == ("105", "Lote em processamento")
    assert pending.in_processing and len(pending.receipt) == 15
    answers = [client.query_receipt(pending.receipt) for _ in range(3)]
    assert [a.status for a in answers] == ["105", "105", "100"]
    assert answers[-1].protocol and answers[-1].receipt is None
    unknown = client.query_receipt("410000000000001")
    assert (unknown.status, unknown.reason) == ("106", "Lote nao localizado")


def test_an_nfe_of_a_batch_in_processing_is_not_found_by_key_until_processed(client: SefazSoapClient,
                                                                             sefaz: BackgroundSefaz) -> None:
    """SEFAZ's base has an NF-e once its batch is processed: asked by key before, it answers 217 (which a sender must
    not take for "never got it": only the receipt says what became of the batch)."""
    sefaz.simulator.set_switches(sync=False, processing_polls=4)
    document = signed_nfe(number=1)
    pending = client.authorise(document)   # 103, then 105 three times (the client's polls)
    assert pending.status == "105"
    assert client.query_nfe(key_of(document)).status == "217"
    # Nor can it be cancelled (review: 135, the query still saying 217 after).
    early = client.cancel(cancellation(key_of(document), "135260000000001"))
    assert early.status == "494" and client.query_nfe(key_of(document)).status == "217"
    assert [client.query_receipt(pending.receipt).status for _ in range(2)] == ["105", "100"]
    found = client.query_nfe(key_of(document))
    assert found.status == "100" and found.protocol
    assert client.cancel(cancellation(key_of(document), found.protocol)).status == "135"


def test_a_batch_nobody_asks_about_is_processed_all_the_same(client: SefazSoapClient, sefaz: BackgroundSefaz) -> None:
    """review (chaos run): a batch was processed only when its receipt was asked for; its receipt lost (a process
    killed, an answer dropped), its NF-e answered 217 to every query for a day, "aguardando SEFAZ" in lojasync and
    authorised here. SEFAZ processes a batch whether or not anyone asks."""
    from lojasync.simulators.sefaz.records import BATCH_PROCESSED_AFTER

    sefaz.simulator.set_switches(sync=False, processing_polls=50)
    document = signed_nfe(number=1)
    assert client.authorise(document).status == "105"
    assert client.query_nfe(key_of(document)).status == "217"
    sefaz.simulator.advance_clock(BATCH_PROCESSED_AFTER.total_seconds())
    found = client.query_nfe(key_of(document))
    assert found.status == "100" and found.protocol


def test_an_nfe_already_in_the_base_sent_again_to_a_busy_authoriser_is_still_found_by_key(
        client: SefazSoapClient, sefaz: BackgroundSefaz) -> None:
    """review: a batch in processing hid every key it carried from the query by key (217), also those it rejected as
    already in the base (204, 218): an authorised or cancelled NF-e sent again vanished, its protocol with it."""
    authorised, cancelled = signed_nfe(number=7), signed_nfe(number=8)
    client.authorise(authorised)
    protocol = client.authorise(cancelled).protocol
    assert client.cancel(cancellation(key_of(cancelled), protocol)).status == "135"
    sefaz.simulator.set_switches(sync=False, processing_polls=5)
    assert [client.authorise(d).status for d in (authorised, cancelled)] == ["105", "105"]   # in processing
    assert client.query_nfe(key_of(authorised)).status == "100"
    assert client.query_nfe(key_of(cancelled)).status == "101"
    new = signed_nfe(number=9)
    client.authorise(new)
    assert client.query_nfe(key_of(new)).status == "217"   # the one the busy batch adds is not in the base yet


def test_receipts_are_forgotten_past_the_count_or_the_age_kept(monkeypatch) -> None:
    """review: every asynchronous batch's receipt stayed in memory for the simulator's life."""
    from datetime import datetime, timedelta, timezone

    from lojasync.simulators.sefaz import state as state_module
    from lojasync.simulators.sefaz.records import Receipt

    monkeypatch.setattr(state_module, "RECEIPTS_KEPT", 3)
    state = SefazSimulator().state
    start = datetime(2026, 12, 1, tzinfo=timezone.utc)
    for index in range(5):
        state.add_receipt(Receipt(f"41000000000000{index}", "41", start + timedelta(minutes=index), [b"<p/>"], 1,
                                  (f"key{index}",)))
    assert list(state.receipts) == [f"41000000000000{i}" for i in (2, 3, 4)]
    assert not state.in_processing("key0", start) and state.in_processing("key4", start + timedelta(minutes=4))
    state.add_receipt(Receipt("410000000000009", "41", start + state_module.RECEIPT_LIFETIME + timedelta(minutes=3),
                              [b"<p/>"], 1, ("key9",)))
    assert list(state.receipts) == ["410000000000004", "410000000000009"]   # a day old: forgotten (106 if asked)
    assert set(state._batch_of) == {"key4", "key9"}


def test_admin_routes(sefaz: BackgroundSefaz, client: SefazSoapClient) -> None:
    admin = f"{sefaz.url}/_simulator"
    with httpx.Client(timeout=5) as http:
        assert http.post(f"{admin}/switches", json={"out_of_service": "109"}).json()["out_of_service"] == "109"
        assert client.service_status().status == "109"
        assert http.post(f"{admin}/switches", json={"reset": True}).json()["out_of_service"] is None
        refused = http.post(f"{admin}/switches", json={"out_of_service": "500"})
        assert refused.status_code == 422 and "108 ou 109" in refused.json()["erro"]
        assert http.post(f"{admin}/switches", content=b"[1]").status_code == 422

        document = signed_nfe()
        authorisation = client.authorise(document)
        record = http.get(f"{admin}/nfe/{key_of(document)}").json()
        assert (record["cStat"], record["nProt"]) == ("100", authorisation.protocol)
        assert http.get(f"{admin}/nfe/{'4' * 44}").status_code == 404

        assert http.post(f"{admin}/clock", json={"advance": 25 * 3600}).status_code == 200
        assert client.cancel(cancellation(key_of(document), authorisation.protocol)).status == "501"
        assert http.post(f"{admin}/clock", json={"advance": -5}).status_code == 422

        stats = http.get(f"{admin}/stats").json()
        assert stats["respostas"] == {"100": 1, "501": 1} and stats["nfe_conhecidas"] == 1
        assert http.post(f"{admin}/reset").json() == {"ok": True}
        assert client.query_nfe(key_of(document)).status == "217"


def test_the_state_file_survives_a_restart(tmp_path) -> None:
    config = SefazConfig(state_file=tmp_path / "sefaz.json")
    document = signed_nfe(number=50)
    with BackgroundSefaz(config=config) as first, SefazSoapClient("PR", base_url=first.url, timeout=5) as gateway:
        authorisation = gateway.authorise(document)
        assert gateway.cancel(cancellation(key_of(document), authorisation.protocol)).status == "135"
    with BackgroundSefaz(SefazSimulator(config)) as second, \
            SefazSoapClient("PR", base_url=second.url, timeout=5) as gateway:
        situation = gateway.query_nfe(key_of(document))
        assert (situation.status, situation.protocol) == ("101", authorisation.protocol)
        assert len(situation.events) == 1
        assert gateway.authorise(document).status == "218"   # known, and known cancelled
        assert gateway.authorise(signed_nfe(number=51)).protocol > authorisation.protocol


def test_concurrent_senders_of_one_number_get_one_authorisation(client: SefazSoapClient) -> None:
    same_number = [signed_nfe(number=60, code=f"{10000000 + i}") for i in range(8)]
    others = [signed_nfe(number=61 + i) for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(client.authorise, same_number + others))
    first_eight = sorted(a.status for a in results[:8])
    assert first_eight == ["100"] + ["539"] * 7
    assert [a.status for a in results[8:]] == ["100"] * 8
    assert len({a.protocol for a in results if a.protocol}) == 9
