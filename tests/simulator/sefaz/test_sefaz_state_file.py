"""The simulator's state file: shared by simulators running at once, migrated from the earlier JSON format,
and read by key (a request touches the rows it needs, however many NF-e the file holds)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, replace

import pytest

from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.simulators.sefaz import BackgroundSefaz, SefazConfig, SefazSimulator
from lojasync.simulators.sefaz.records import StoredNFe
from lojasync.simulators.sefaz.state_file import adopt_state_file

from .documents import cancellation, key_of, signed_nfe


@contextmanager
def _served(config: SefazConfig) -> Iterator[tuple[BackgroundSefaz, SefazSoapClient]]:
    """A simulator serving over HTTP, as in a process of its own: its state file is closed at the end, as the
    process's end would."""
    with BackgroundSefaz(config=config) as server, \
            SefazSoapClient("PR", base_url=server.url, timeout=10, poll_interval=0.01) as gateway:
        yield server, gateway
    server.simulator.state.db.close()


def test_two_simulators_on_one_state_file_see_each_others_nfe_and_events(tmp_path) -> None:
    config = SefazConfig(state_file=tmp_path / "sefaz.db")
    document = signed_nfe(number=80)
    with _served(config) as (first, one), _served(config) as (second, other):
        authorisation = one.authorise(document)
        assert authorisation.status == "100"
        assert other.authorise(document).status == "204"
        assert other.authorise(signed_nfe(number=80, code="99887766")).status == "539"
        assert other.cancel(cancellation(key_of(document), authorisation.protocol)).status == "135"
        situation = one.query_nfe(key_of(document))
        assert (situation.status, situation.protocol, len(situation.events)) == ("101", authorisation.protocol, 1)
        assert one.cancel(cancellation(key_of(document), authorisation.protocol)).status == "573"
        assert first.simulator.nfe(key_of(document)) == second.simulator.nfe(key_of(document))
        assert first.simulator.stats()["nfe_canceladas"] == second.simulator.stats()["nfe_canceladas"] == 1

        # Both at once: one authorisation per number, and no protocol handed out twice.
        same_number = [signed_nfe(number=81, code=f"{20000000 + i}") for i in range(6)]
        distinct = [signed_nfe(number=82 + i) for i in range(12)]
        gateways = [one, other]
        with ThreadPoolExecutor(6) as pool:
            results = list(pool.map(lambda pair: gateways[pair[0] % 2].authorise(pair[1]),
                                    enumerate(same_number + distinct)))
    assert sorted(a.status for a in results[:6]) == ["100"] + ["539"] * 5
    assert [a.status for a in results[6:]] == ["100"] * 12
    protocols = [a.protocol for a in results if a.status == "100"] + [authorisation.protocol]
    assert len(set(protocols)) == len(protocols) == 14


def _earlier_version_file(path, records: list[StoredNFe], numbers: list[list[str]], sequence: int) -> None:
    """What the JSON state of earlier versions held (SefazState.save before SQLite)."""
    def dumped(record: StoredNFe) -> dict:
        item = asdict(record)
        item["received_at"] = record.received_at.isoformat()
        item["prot_xml"] = record.prot_xml.decode("utf-8")
        for event, source in zip(item["events"], record.events, strict=True):
            event["registered_at"] = source.registered_at.isoformat()
            event["proc_xml"] = source.proc_xml.decode("utf-8")
        return item

    data = {"sequence": sequence, "nfe": [dumped(r) for r in records], "numbers": numbers}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_json_state_file_of_an_earlier_version_is_migrated_and_kept_as_backup(tmp_path) -> None:
    cancelled, kept = signed_nfe(number=90), signed_nfe(number=91)
    with _served(SefazConfig()) as (earlier, gateway):   # the records an earlier version would have saved
        authorisation = gateway.authorise(cancelled)
        assert gateway.cancel(cancellation(key_of(cancelled), authorisation.protocol)).status == "135"
        assert gateway.authorise(kept).status == "100"
        records = [earlier.simulator.state.get_nfe(key_of(d)) for d in (cancelled, kept)]
        before = {key_of(d): earlier.simulator.nfe(key_of(d)) for d in (cancelled, kept)}
        numbers = [list(row) for row in earlier.simulator.state.db.execute(
            "SELECT issuer, model, series, number, key FROM nfe_numbers")]
    assert len(numbers) == 2
    state_file = tmp_path / "sefaz-simulador.json"
    _earlier_version_file(state_file, records, numbers, sequence=5_000_000_000)
    original = state_file.read_bytes()

    with _served(SefazConfig(state_file=state_file)) as (migrated, gateway):
        assert {key: migrated.simulator.nfe(key) for key in before} == before
        situation = gateway.query_nfe(key_of(cancelled))
        assert (situation.status, len(situation.events)) == ("101", 1)
        assert gateway.authorise(kept).status == "204"
        assert gateway.authorise(signed_nfe(number=91, code="55667788")).status == "539"
        assert gateway.authorise(signed_nfe(number=92)).protocol[-10:] == "5000000001"
    assert state_file.read_bytes().startswith(b"SQLite format 3\x00")
    assert (tmp_path / "sefaz-simulador.json.json-backup").read_bytes() == original
    with _served(SefazConfig(state_file=state_file)) as (reopened, _):   # once: the SQLite file is kept
        assert reopened.simulator.stats()["nfe_conhecidas"] == 3


def test_a_state_file_neither_sqlite_nor_earlier_json_is_refused_and_left_alone(tmp_path) -> None:
    state_file = tmp_path / "sefaz.json"
    state_file.write_text("isto não é um estado", encoding="utf-8")
    with pytest.raises(ValueError, match="não é SQLite nem o JSON"):
        SefazSimulator(SefazConfig(state_file=state_file))
    assert state_file.read_text(encoding="utf-8") == "isto não é um estado"


def _work_of(simulator: SefazSimulator, request) -> int:
    """SQLite virtual-machine steps a request takes: grows with the rows it reads, not with time."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    simulator.state.db.set_progress_handler(count, 1)
    try:
        request()
    finally:
        simulator.state.db.set_progress_handler(None, 1)
    return steps[0]


def test_a_request_reads_the_rows_it_needs_whatever_the_number_of_nfe_stored(tmp_path) -> None:
    with _served(SefazConfig(state_file=tmp_path / "sefaz.db")) as (server, gateway):
        simulator = server.simulator

        def rounds(number: int) -> tuple[int, int, int]:
            document = signed_nfe(number=number)
            authorised = [None]

            def authorise() -> None:
                authorised[0] = gateway.authorise(document)

            work = _work_of(simulator, authorise)
            assert authorised[0].status == "100"
            query = _work_of(simulator, lambda: gateway.query_nfe(key_of(document)))
            event = cancellation(key_of(document), authorised[0].protocol)
            cancel = _work_of(simulator, lambda: gateway.cancel(event))
            return work, query, cancel

        rounds(100)   # the first request of a connection prepares its statements
        few = rounds(101)
        model = simulator.state.get_nfe(key_of(signed_nfe(number=101)))
        with simulator.state.shared():
            for n in range(500):
                key = f"{n:044d}"
                record = replace(model, key=key, events=[replace(e, event_id=f"ID110111{key}01")
                                                         for e in model.events])
                simulator.state.add_nfe(record, "11222333000181", "55", "7", str(n))
        assert simulator.stats()["nfe_conhecidas"] == 502
        many = rounds(102)
    # The same requests with 500 more NF-e stored: the same work (a B-tree seek is one step).
    assert many == few


def test_the_data_folders_state_moves_from_its_earlier_json_name_once(tmp_path) -> None:
    """audit: the data folder's state is SQLite but was still named `.json`. The earlier file (SQLite under that
    name, as the last version left it, with its -wal) moves to the new name once, nothing lost."""
    earlier, path = tmp_path / "sefaz-simulador.json", tmp_path / "sefaz-simulador.sqlite3"
    document = signed_nfe(number=95)
    with _served(SefazConfig(state_file=earlier)) as (_, gateway):
        authorisation = gateway.authorise(document)
        assert authorisation.status == "100"
        assert (tmp_path / "sefaz-simulador.json-wal").exists()   # what it wrote may still be there only
    assert adopt_state_file(path, earlier) == path
    assert not earlier.exists() and not (tmp_path / "sefaz-simulador.json-wal").exists()
    with _served(SefazConfig(state_file=path)) as (moved, gateway):
        assert gateway.query_nfe(key_of(document)).protocol == authorisation.protocol
        assert gateway.authorise(signed_nfe(number=95, code="55667788")).status == "539"
        assert moved.simulator.stats()["nfe_conhecidas"] == 1
    earlier.write_text("uma versão anterior ainda rodando recriou o arquivo", encoding="utf-8")
    assert adopt_state_file(path, earlier) == path      # once: the new file is never overwritten
    assert earlier.read_text(encoding="utf-8").startswith("uma versão anterior")


def test_a_json_state_under_the_earlier_name_is_migrated_then_moved(tmp_path) -> None:
    with _served(SefazConfig()) as (earlier_simulator, gateway):
        document = signed_nfe(number=96)
        assert gateway.authorise(document).status == "100"
        records = [earlier_simulator.simulator.state.get_nfe(key_of(document))]
        numbers = [list(row) for row in earlier_simulator.simulator.state.db.execute(
            "SELECT issuer, model, series, number, key FROM nfe_numbers")]
    earlier, path = tmp_path / "sefaz-simulador.json", tmp_path / "sefaz-simulador.sqlite3"
    _earlier_version_file(earlier, records, numbers, sequence=7_000_000_000)
    original = earlier.read_bytes()
    assert adopt_state_file(path, earlier) == path
    assert not earlier.exists() and (tmp_path / "sefaz-simulador.json.json-backup").read_bytes() == original
    with _served(SefazConfig(state_file=path)) as (_, gateway):
        assert gateway.authorise(document).status == "204"
        assert gateway.authorise(signed_nfe(number=97)).protocol[-10:] == "7000000001"


def test_a_state_file_still_open_under_the_earlier_name_is_kept_there(tmp_path) -> None:
    """A process of the earlier version running on keeps its connection: moving the file under it would leave it
    starting an empty state at the old name. The new process uses the earlier file until a later start."""
    earlier, path = tmp_path / "sefaz-simulador.json", tmp_path / "sefaz-simulador.sqlite3"
    with _served(SefazConfig(state_file=earlier)) as (_, gateway):
        document = signed_nfe(number=98)
        assert gateway.authorise(document).status == "100"
        assert adopt_state_file(path, earlier) == earlier
        assert earlier.exists() and not path.exists()
        with _served(SefazConfig(state_file=earlier)) as (_, other):
            assert other.authorise(document).status == "204"
    assert adopt_state_file(path, earlier) == path       # no one has it open any more
    with _served(SefazConfig(state_file=path)) as (_, gateway):
        assert gateway.authorise(document).status == "204"


def test_lojasyncs_embedded_simulator_keeps_its_state_under_the_new_name(tmp_path) -> None:
    from lojasync.entrypoints import sefaz_access
    from lojasync.settings import Settings

    fresh = Settings(data_dir=tmp_path / "nova", database_url=None, redis_url=None)
    sefaz_access.embedded_simulator_url(fresh)
    try:
        names = {p.name for p in fresh.data_dir.iterdir()}   # a new data folder: nothing of the earlier name
        assert "sefaz-simulador.sqlite3" in names and not [name for name in names if ".json" in name]
    finally:
        sefaz_access._embedded.pop(fresh.sefaz_state_path).stop()
    settings = Settings(data_dir=tmp_path, database_url=None, redis_url=None)
    assert settings.sefaz_state_path == (tmp_path / "sefaz-simulador.sqlite3").resolve()
    earlier = settings.sefaz_state_path.with_name(sefaz_access.EARLIER_STATE_NAME)
    document = signed_nfe(number=99)
    with _served(SefazConfig(state_file=earlier)) as (_, gateway):
        assert gateway.authorise(document).status == "100"
    url = sefaz_access.embedded_simulator_url(settings)
    try:
        with SefazSoapClient("PR", base_url=url, timeout=10) as gateway:
            assert gateway.authorise(document).status == "204"
        assert settings.sefaz_state_path.exists() and not earlier.exists()
    finally:
        sefaz_access._embedded.pop(settings.sefaz_state_path).stop()
