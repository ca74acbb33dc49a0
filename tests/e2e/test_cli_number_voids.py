"""`lojasync invoices void` / `voids`: the numbers skipped in a series voided at SEFAZ (the embedded simulator),
scriptable with --format json, refusals in Portuguese with exit 1."""

from __future__ import annotations

import json

import pytest


@pytest.fixture()
def lojasync(lojasync):
    """The e2e `lojasync` runner, its output with rich's line folding undone (long messages are asserted whole)."""
    return lambda *args, expect=0: " ".join(lojasync(*args, expect=expect).split())


@pytest.fixture()
def company(lojasync) -> None:
    lojasync("company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
             "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
             "--zipcode", "01001-000", "--default-ncm", "61091000", "--next-number", "8")
    lojasync("company", "certificate", "--test")


def test_skipped_numbers_are_voided_listed_and_a_repeat_sends_nothing(lojasync, company):
    assert "Nenhum número inutilizado" in lojasync("invoices", "voids")
    out = lojasync("invoices", "void", "3", "5", "--reason", "Numeros pulados por erro de configuracao")
    assert "Números 3 a 5 da série 1 inutilizados na SEFAZ: protocolo 1" in out
    one = lojasync("invoices", "void", "6", "--reason", "Numero pulado por erro de configuracao")
    assert "Número 6 da série 1 inutilizado na SEFAZ: protocolo 1" in one   # one number: said in the singular
    assert "Número 6 da série 1 já estava inutilizado" in lojasync("invoices", "void", "6", "--reason",
                                                                   "Numero pulado por erro de configuracao")
    voided = json.loads(lojasync("invoices", "void", "3", "5", "--reason", "Numeros pulados por erro de configuracao",
                                 "--format", "json"))
    assert (voided["changed"], voided["status"], voided["first"], voided["last"]) == (False, "voided", 3, 5)
    assert voided["simulated"] is True and len(voided["protocol"]) == 15
    single, listed = json.loads(lojasync("invoices", "voids", "--format", "json"))   # newest first
    assert (single["first"], single["last"]) == (6, 6)
    assert listed["id"] == voided["id"] and listed["requested_at"].endswith("Z")
    assert (listed["resends"], listed["attention"]) == (0, None)
    assert "Inutilizada (simulador)" in lojasync("invoices", "voids")
    assert "<ProcInutNFe" in lojasync("invoices", "void-xml", str(voided["id"]))
    assert "Pedido de inutilização 99 não encontrado" in lojasync("invoices", "void-xml", "99", expect=1)


def test_refusals_say_why_and_what_to_do(lojasync, company):
    assert "15 e 255 caracteres" in lojasync("invoices", "void", "2", "--reason", "curta", expect=1)
    ahead = lojasync("invoices", "void", "8", "--reason", "Numeros pulados por erro de configuracao", expect=1)
    assert "O número 8 ainda não foi usado na série 1" in ahead and "menores que 8" in ahead
    assert "lojasync company set --next-number N" in ahead and "--name" not in ahead
    backwards = lojasync("invoices", "void", "5", "3", "--reason", "Numeros pulados por erro de configuracao",
                         expect=1)
    assert "o primeiro número (5) vem depois do último (3)" in backwards
    lojasync("invoices", "void", "1", "4", "--reason", "Numeros pulados por erro de configuracao")
    overlap = lojasync("invoices", "void", "4", "6", "--reason", "Numeros pulados por erro de configuracao", expect=1)
    assert "Os números 1 a 4 da série 1 já têm um pedido de inutilização (situação \"Inutilizada\")" in overlap


def test_a_discarded_nfe_says_what_became_of_its_number(lojasync, company, app):
    from lojasync.fiscal.services.invoices import generate_invoice
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from tests.factories import make_store, order_payload

    order = import_order(app.uow(), make_store(app), order_payload(id=1900000077), ImportPolicy()).order_number
    created = generate_invoice(app.uow(), app.cipher, order).to_dict()   # generated, not transmitted
    lojasync("invoices", "cancel", str(created["id"]), "--reason", "Cliente desistiu da compra antes do envio")
    shown = lojasync("invoices", "show", str(created["id"]))
    assert f"Número {created['number']} sem uso: inutilize-o na SEFAZ com lojasync invoices void {created['number']}" \
        in shown
    lojasync("invoices", "void", str(created["number"]), "--reason", "NF-e descartada antes da autorizacao")
    assert f"Número {created['number']} inutilizado na SEFAZ em" in lojasync("invoices", "show", str(created["id"]))


def test_a_void_request_left_to_the_worker_says_when_none_runs(lojasync, company, app, monkeypatch):
    """The last notes: `invoices show` of a discarded NF-e whose void request awaits SEFAZ says "o lojasync pede de
    novo sozinho", which holds only with a worker running; said when none is (as for an NF-e awaiting SEFAZ)."""
    from datetime import datetime, timezone

    from lojasync.entrypoints.cli import number_voids
    from lojasync.fiscal.gateway import Environment
    from lojasync.fiscal.sefaz import SefazSoapClient
    from lojasync.fiscal.services.invoices import Sefaz, generate_invoice
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from lojasync.nuvemshop.services.maintenance import record_heartbeat
    from lojasync.simulators.sefaz.server import BackgroundSefaz
    from tests.factories import make_store, order_payload

    order = import_order(app.uow(), make_store(app), order_payload(id=1900000078), ImportPolicy()).order_number
    created = generate_invoice(app.uow(), app.cipher, order).to_dict()   # generated, not transmitted
    lojasync("invoices", "cancel", str(created["id"]), "--reason", "Cliente desistiu da compra antes do envio")
    with BackgroundSefaz() as server:
        monkeypatch.setattr(number_voids, "sefaz_for", lambda settings: Sefaz(
            lambda uf, env, cert, deadline=None: SefazSoapClient(uf, Environment(env), certificate=cert,
                                                                 deadline=deadline, base_url=server.url, timeout=2),
            simulated=True))
        server.simulator.set_switches(out_of_service="108")   # SEFAZ took nothing: the request is kept
        lojasync("invoices", "void", str(created["number"]), "--reason", "NF-e descartada antes da autorizacao",
                 expect=75)
    shown = lojasync("invoices", "show", str(created["id"]))
    assert "aguardando SEFAZ: o lojasync pede de novo sozinho." in shown, shown
    assert "Nenhum worker do lojasync está no ar agora" in shown
    record_heartbeat(app.uow(), datetime.now(timezone.utc))   # a worker beats (in another process)
    assert "Nenhum worker" not in lojasync("invoices", "show", str(created["id"]))


def test_a_request_for_a_person_says_so_in_the_list():
    from datetime import datetime, timezone

    from lojasync.entrypoints.cli.number_voids import words
    from lojasync.fiscal.number_voids import NumberVoid, VoidStatus
    from lojasync.fiscal.services.number_voids import void_view

    waiting = NumberVoid(1, "2", 1, 3, 5, "Numeros pulados por erro de configuracao", VoidStatus.REQUESTED,
                         datetime(2026, 12, 1, tzinfo=timezone.utc), resends=3, attention="Sem resposta da SEFAZ.")
    assert words(void_view(waiting)) == "Aguardando SEFAZ - precisa de atenção: Sem resposta da SEFAZ."


def test_gaps_lists_the_numbers_still_to_void_with_the_command_that_voids_them(lojasync, company, app):
    from lojasync.fiscal.services.invoices import generate_invoice
    from lojasync.nuvemshop.services.import_orders import import_order
    from lojasync.nuvemshop.services.import_policy import ImportPolicy
    from tests.factories import make_store, order_payload

    assert "Nenhum número a inutilizar" in lojasync("invoices", "gaps")   # 1-7 are the earlier system's
    store = make_store(app)
    first, second = (import_order(app.uow(), store, order_payload(id=n), ImportPolicy()).order_number
                     for n in (1900000078, 1900000079))
    discarded = generate_invoice(app.uow(), app.cipher, first).to_dict()   # nº 8
    lojasync("invoices", "cancel", str(discarded["id"]), "--reason", "Cliente desistiu da compra antes do envio")
    generate_invoice(app.uow(), app.cipher, second)                          # nº 9: the sequence broke
    out = lojasync("invoices", "gaps")
    assert 'lojasync invoices void 8 --series 1 --reason "JUSTIFICATIVA"' in out
    assert "sem prazo (homologação, sem valor fiscal)" in out and "inutilizá-los é opcional" in out
    assert "Antes de inutilizar, confira se os números não foram usados fora do lojasync" in out
    (gap,) = json.loads(lojasync("invoices", "gaps", "--format", "json"))
    assert (gap["first"], gap["last"], gap["count"], gap["overdue"]) == (8, 8, 1, False)
    lojasync("invoices", "void", "8", "--reason", "NF-e descartada antes da autorizacao")
    assert json.loads(lojasync("invoices", "gaps", "--format", "json")) == []


def test_a_discarded_nfe_of_the_other_environment_says_where_its_number_can_be_voided(capsys):
    """CLI walkthrough: a production NF-e discarded, the company back in homologação: its hint voided the test
    environment's number of the same value (refused: an authorised NF-e used it)."""
    from types import SimpleNamespace

    from lojasync.entrypoints.cli.number_voids import print_number_void

    production = SimpleNamespace(number=1, series=1, environment="1", rejection_code=None)
    print_number_void(production, [], "2")
    said = " ".join(capsys.readouterr().out.split())
    assert "Número 1 de produção sem uso: só em produção ele pode ser inutilizado" in said
    assert "lojasync company set --environment producao" in said
    print_number_void(SimpleNamespace(number=3, series=1, environment="2", rejection_code=None), [], "1")
    assert "não precisam ser inutilizados" in capsys.readouterr().out
    print_number_void(SimpleNamespace(number=3, series=1, environment="2", rejection_code=None), [], "2")
    assert "lojasync invoices void 3 --series 1 --reason TEXTO" in " ".join(capsys.readouterr().out.split())
    # Rejected with 539 (SEFAZ holds the number under another key): nothing to void.
    print_number_void(SimpleNamespace(number=4, series=1, environment="2", rejection_code="539"), [], "2")
    said = " ".join(capsys.readouterr().out.split())
    assert "A SEFAZ já tem o número 4 com outra chave (rejeição 539): não há o que inutilizar." in said


def test_a_justification_with_brackets_is_listed_as_typed(lojasync, company):
    """review: the list printed the justification as rich markup; "[/x]" crashed `invoices voids` (MarkupError) for
    as long as the request was kept, and "[a]" vanished from it."""
    lojasync("invoices", "void", "3", "--reason", "Numero pulado [a] por erro [/x] de configuracao")
    assert "Numero pulado [a] por erro [/x] de configuracao" in lojasync("invoices", "voids")


def test_ctrl_c_before_a_void_is_sent_stops_it_and_nothing_goes(lojasync, company, monkeypatch):
    """As `invoices approve` (tests/e2e/test_cli_processing_refusals.py): a Ctrl+C before the request is kept to be
    sent stops the command, nothing kept nor sent."""
    import _thread
    import threading

    from lojasync.entrypoints.cli import to_the_end
    from lojasync.fiscal.services import number_voids

    taken = threading.Event()
    stop, opened = to_the_end._Gate.stop, number_voids.certificate_for
    monkeypatch.setattr(to_the_end._Gate, "stop", lambda gate: (stop(gate), taken.set())[0])

    def pressed(company, box):
        _thread.interrupt_main()
        assert taken.wait(10)
        return opened(company, box)

    monkeypatch.setattr(number_voids, "certificate_for", pressed)
    out = lojasync("invoices", "void", "3", "--reason", "Numero pulado por erro de configuracao", expect=130)
    for thread in threading.enumerate():
        if thread.name == "lojasync-sefaz-exchange":
            thread.join(30)
    assert "Interrompido: nada foi enviado à SEFAZ." in out
    assert json.loads(lojasync("invoices", "voids", "--format", "json")) == []
