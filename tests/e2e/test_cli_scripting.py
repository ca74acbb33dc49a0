"""`lojasync ... --format json` as a script runs it, in a real process with its output piped: JSON and only JSON
on stdout, errors on stderr one line per line, and exit codes that tell "refused" from "try again later" from
"a defect"."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest

from lojasync.entrypoints.cli.order_processing import NO_WORKER_FOR_AWAITING
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.nuvemshop.services.maintenance import record_heartbeat
from tests.e2e.conftest import forget_sefaz_state
from tests.factories import make_store, order_payload

COMPANY = ("company", "set", "--name", "Loja Exemplo Ltda", "--cnpj", "11.222.333/0001-81", "--ie", "110042490114",
           "--street", "Rua A", "--number", "10", "--district", "Centro", "--city", "São Paulo", "--uf", "SP",
           "--zipcode", "01001-000", "--default-ncm", "61091000")


@pytest.fixture()
def lojasync(app):
    """`lojasync ARGS` in its own process on the test database, stdout and stderr piped apart (as a script reads
    them); returns (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LOJASYNC_", "COLUMNS"))}
    env.update(LOJASYNC_DATABASE_URL=app.settings.resolved_database_url, LOJASYNC_DATA_DIR=str(app.settings.data_dir))
    forget_sefaz_state(app.settings)   # the database starts again at NF-e 1: so does SEFAZ

    def run(*args: str, **more_env: str) -> tuple[int, str, str]:
        done = subprocess.run([sys.executable, "-m", "lojasync", *args], env={**env, **more_env},
                              capture_output=True, text=True, timeout=120)
        return done.returncode, done.stdout, done.stderr
    return run


@pytest.fixture()
def order_number(app) -> int:
    return import_order(app.uow(), make_store(app), order_payload(id=1950000001, payment_details={"method": "pix"}),
                        ImportPolicy()).order_number


def test_json_mode_answers_json_on_stdout_and_errors_on_stderr_unfolded(lojasync, order_number):
    # dogfood: with nothing to invoice, --format json printed the sentence "Nenhum pedido confirmado sem NF-e."
    assert lojasync("orders", "invoice", "--status", "cancelado", "--format", "json") == (0, "[]\n", "")

    # dogfood: the error came folded at rich's 80 columns ("...o pedido está\nCancelado.") into the script's log.
    code, out, err = lojasync("orders", "sale", "999999", "--format", "json")
    assert (code, out) == (1, "")
    assert err.splitlines() == ["Erro: Pedido 999999 não encontrado em Pedidos/Orçamentos.",
                                "Resolução: Confira o número do pedido na lista de Pedidos/Orçamentos."]
    assert "\x1b[" not in err   # no colours into a pipe


def test_a_batch_row_of_an_order_without_nfe_reads_like_the_others_with_a_stable_code(lojasync, app):
    """dogfood: an order the batch could not invoice came as {"order_number", "error"} only: no `status` to read
    and a sentence, not a code, to switch on."""
    assert lojasync(*COMPANY)[0] == 0
    assert lojasync("company", "certificate", "--test")[0] == 0
    # The company can issue (a batch for one that cannot is refused once, before any order): this order cannot.
    order_number = import_order(app.uow(), make_store(app), order_payload(id=1950000002, identification=None),
                                ImportPolicy()).order_number
    code, out, err = lojasync("orders", "invoice", str(order_number), "999999", "--no-approve", "--format", "json")
    assert (code, err) == (1, "")
    (refused, missing) = json.loads(out)
    for row in (refused, missing):
        assert row["id"] is None and row["status"] is None and row["error"]
    assert (refused["order_number"], refused["error_code"]) == (order_number, "fiscal.document_not_possible")
    assert (missing["order_number"], missing["error_code"]) == (999999, "sales.order_not_found")


def test_exit_codes_tell_refused_from_try_again_later(lojasync, order_number):
    """dogfood: SEFAZ unreachable and "NF-e not found" both exited 1; a script could not tell which to retry."""
    assert lojasync(*COMPANY)[0] == 0
    assert lojasync("company", "certificate", "--test")[0] == 0
    code, out, _ = lojasync("orders", "invoice", str(order_number), "--no-approve", "--format", "json")
    assert code == 0
    invoice_id = json.loads(out)[0]["id"]

    code, out, err = lojasync("invoices", "approve", str(invoice_id), "--format", "json",
                              LOJASYNC_SEFAZ_URL="http://127.0.0.1:9", LOJASYNC_SEFAZ_TIMEOUT="2")
    assert (code, out) == (75, ""), err
    assert "SEFAZ" in err
    assert lojasync("invoices", "approve", "424242", "--format", "json")[0] == 1


def test_receiving_from_a_script_says_whether_this_call_changed_it(lojasync, order_number):
    """`receivables receive` had no --format json: a script that repeats it after a timeout could not tell."""
    code, out, _ = lojasync("orders", "sale", str(order_number), "--format", "json")
    assert code == 0
    assert lojasync("sales", "confirm", str(json.loads(out)["id"]), "--format", "json")[0] == 0
    (receivable,) = json.loads(lojasync("receivables", "list", "--format", "json")[1])

    # A script filters by the words the JSON gives ("status": "open"), as by the screen's ("em-aberto").
    listed = json.loads(lojasync("receivables", "list", "--status", receivable["status"], "--format", "json")[1])
    assert (receivable["status"], [row["id"] for row in listed]) == ("open", [receivable["id"]])
    assert json.loads(lojasync("receivables", "list", "--status", "received", "--format", "json")[1]) == []

    first = json.loads(lojasync("receivables", "receive", str(receivable["id"]), "--format", "json")[1])
    again = json.loads(lojasync("receivables", "receive", str(receivable["id"]), "--format", "json")[1])
    assert (first["changed"], again["changed"]) == (True, False)
    for row in (first, again):
        assert (row["id"], row["status"], row["situation"], row["amount"], row["order_number"]) == (
            receivable["id"], "received", "recebida", receivable["amount"], order_number)
    listed = json.loads(lojasync("receivables", "list", "--status", "received", "--format", "json")[1])
    assert [row["id"] for row in listed] == [receivable["id"]]
    assert lojasync("receivables", "list", "--status", "paga")[0] == 2
    # Received by mistake: undone (review: nothing could take a receipt back).
    undone = json.loads(lojasync("receivables", "undo", str(receivable["id"]), "--reason", "marcada por engano",
                                 "--format", "json")[1])
    assert (undone["changed"], undone["status"]) == (True, "open")
    again = lojasync("receivables", "undo", str(receivable["id"]), "--reason", "marcada por engano")
    assert again[0] == 0 and "não está recebida: nada mudou" in again[1]


def test_a_deployment_script_creates_a_token_and_calls_the_api_with_it(lojasync, app):
    """`tokens add` printed the token between two sentences: a script had to cut the second line out."""
    from fastapi.testclient import TestClient

    from lojasync.entrypoints.web.app import create_app
    from tests.web.conftest import RecordingQueue

    code, out, err = lojasync("tokens", "add", "erp-integracao", "--format", "json")
    assert (code, err) == (0, "")
    created = json.loads(out)
    assert (created["name"], created["active"]) == ("erp-integracao", True) and created["token"].startswith("lsk_")
    client = TestClient(create_app(app, RecordingQueue()))
    answer = client.get("/api/v1/orders", headers={"Authorization": f"Bearer {created['token']}"})
    assert answer.status_code == 200, answer.text
    (listed,) = json.loads(lojasync("tokens", "list", "--format", "json")[1])
    assert listed["id"] == created["id"] and "token" not in listed


def test_repeating_a_change_from_a_script_says_it_changed_nothing(lojasync, app, order_number):
    """dogfood: `invoices approve|cancel` and `sales confirm|cancel --format json` gave the document only; the API's
    "changed" was missing, so a script repeating one after a timeout could not tell whether its first run did it."""
    def answer(*args: str):   # the JSON of a command that must succeed; if not, what it said on stderr
        code, out, err = lojasync(*args, "--format", "json")
        assert code == 0, err
        return json.loads(out)

    assert lojasync(*COMPANY)[0] == 0 and lojasync("company", "certificate", "--test")[0] == 0
    invoice = answer("orders", "invoice", str(order_number), "--no-approve")[0]
    runs = [answer("invoices", "approve", str(invoice["id"])) for _ in range(2)]
    assert [(r["status"], r["changed"]) for r in runs] == [("authorised", True), ("authorised", False)]
    reason = ("--reason", "Pedido devolvido pelo cliente na loja")
    runs = [answer("invoices", "cancel", str(invoice["id"]), *reason) for _ in range(2)]
    assert [(r["status"], r["changed"]) for r in runs] == [("cancelled", True), ("cancelled", False)]

    sale = answer("orders", "sale", str(order_number))
    for command, status in (("confirm", "confirmed"), ("cancel", "cancelled")):
        runs = [answer("sales", command, str(sale["id"])) for _ in range(2)]
        assert [(r["id"], r["status"], r["changed"]) for r in runs] == [(sale["id"], status, True),
                                                                         (sale["id"], status, False)]


def test_a_batch_by_status_lists_the_nfe_an_earlier_run_left_awaiting_sefaz_as_rows(lojasync, app):
    """dogfood: the table named the NF-e an earlier run left awaiting SEFAZ (their orders are not invoiced again),
    the JSON did not: a script took those orders as done while SEFAZ's answer was still to be recorded."""
    store = make_store(app)
    order_number, later = (import_order(app.uow(), store, order_payload(id=1950000003 + i), ImportPolicy()).order_number
                           for i in range(2))
    assert lojasync(*COMPANY)[0] == 0 and lojasync("company", "certificate", "--test")[0] == 0
    code, out, err = lojasync("orders", "invoice", str(order_number), "--format", "json",
                              LOJASYNC_SEFAZ_URL="http://127.0.0.1:9", LOJASYNC_SEFAZ_TIMEOUT="2")
    assert code == 75, err   # not authorised: SEFAZ unreachable (try again later), the NF-e stays awaiting it
    (earlier,) = json.loads(out)
    assert (earlier["status"], earlier["earlier_run"]) == ("awaiting_sefaz", False), earlier

    # Another process sends it now (the worker, `invoices approve`): a send in flight, which a run leaves alone.
    _sent_by_another_process(app, earlier["id"], datetime.now(timezone.utc))

    code, out, err = lojasync("orders", "invoice", "--status", "em-aberto", "--format", "json")
    # 75: SEFAZ's answer about the earlier one is still to come (review: 0, and a script running it until it exits 0
    # stopped with that NF-e undecided). On stderr, only that no worker runs to ask SEFAZ about it (none here).
    assert (code, " ".join(err.split())) == (75, f"Atenção: {NO_WORKER_FOR_AWAITING}")
    rows = json.loads(out)
    assert [(r["order_number"], r["status"], r["earlier_run"]) for r in rows] == [
        (later, "authorised", False), (order_number, "awaiting_sefaz", True)]
    assert rows[0].keys() == rows[1].keys() and rows[1]["id"] == earlier["id"]   # every row alike
    # Nothing left to invoice: the list is not empty, it still names the one awaiting SEFAZ.
    code, out, err = lojasync("orders", "invoice", "--status", "em-aberto", "--format", "json")
    assert (code, " ".join(err.split())) == (75, f"Atenção: {NO_WORKER_FOR_AWAITING}")
    (row,) = json.loads(out)
    # With why, as this run's rows (review: error and error_code were null, and a script took the order for done)
    assert (row["id"], row["status"], row["error_code"], row["earlier_run"]) == (
        earlier["id"], "awaiting_sefaz", "fiscal.still_awaiting_sefaz", True)
    assert row["error"].startswith("NF-e de uma emissão anterior aguardando a SEFAZ: consultada pela chave")
    # Only generating (--no-approve), running it again settles nothing: 0 (it was 75 for ever: integrator's review).
    code, out, err = lojasync("orders", "invoice", "--status", "em-aberto", "--no-approve", "--format", "json")
    assert code == 0, err
    assert f"lojasync invoices approve {earlier['id']}" in row["error"]
    # That send never answered and its window ran out: a run takes it, asks SEFAZ by key, then sends it.
    _sent_by_another_process(app, earlier["id"], datetime.now(timezone.utc) - timedelta(minutes=6))
    code, out, err = lojasync("orders", "invoice", "--status", "em-aberto", "--format", "json")
    assert (code, err) == (0, "")
    (row,) = json.loads(out)
    assert (row["id"], row["status"], row["earlier_run"]) == (earlier["id"], "authorised", False)


def _sent_by_another_process(app, invoice_id: int, when: datetime) -> None:
    with app.uow() as uow:
        invoice = uow.invoices.get(invoice_id)
        invoice.sending(when)
        uow.commit()


def test_a_batch_by_status_names_the_nfe_an_earlier_run_generated_and_left_unsent(lojasync, app):
    """A chaos run: a batch that found SEFAZ down only generated the rest (pending) and was killed before its
    summary; the next run by status skipped those orders (they have an NF-e) and named nothing, so 41 confirmed
    orders stayed uninvoiced, their numbers used, with nobody told. It names them now, with the command."""
    store = make_store(app)
    left, _ = (import_order(app.uow(), store, order_payload(id=1950000010 + i), ImportPolicy()).order_number
               for i in range(2))
    assert lojasync(*COMPANY)[0] == 0 and lojasync("company", "certificate", "--test")[0] == 0
    code, out, err = lojasync("orders", "invoice", str(left), "--no-approve", "--format", "json")
    assert code == 0, err
    (pending,) = json.loads(out)
    assert pending["status"] == "pending"

    # A run that only generates names it (it is not generated again), with the command that sends it.
    code, out, err = lojasync("orders", "invoice", "--status", "em-aberto", "--no-approve")
    assert code == 0, err
    words = " ".join(out.split())
    assert "1 NF-e gerada(s) de 1 pedido(s)." in words   # only the order without an NF-e
    assert "1 NF-e de uma emissão anterior gerada e não autorizada (não foi emitida de novo; ninguém a transmite" in words
    assert f"Pedido {left}, NF-e nº {pending['number']} pendente: lojasync invoices approve {pending['id']}" in words
    code, out, err = lojasync("orders", "invoice", "--status", "em-aberto", "--no-approve", "--format", "json")
    rows = json.loads(out)
    assert [(r["order_number"], r["status"], r["earlier_run"]) for r in rows] == [
        (left, "pending", True), (left + 1, "pending", True)]
    assert rows[0]["error_code"] == "fiscal.earlier_not_sent"
    assert rows[0]["error"] == ("NF-e de uma emissão anterior gerada e não transmitida: lojasync invoices approve "
                                f"{pending['id']}")
    # A run that transmits sends them all, the earlier run's with its own number (review: "run it again"
    # transmitted nothing, the NF-e left to be sent one by one).
    code, out, err = lojasync("orders", "invoice", "--status", "em-aberto", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert [(r["order_number"], r["status"], r["earlier_run"]) for r in rows] == [
        (left, "authorised", False), (left + 1, "authorised", False)]
    assert rows[0]["id"] == pending["id"] and rows[0]["number"] == pending["number"]
    # Given twice, an order is one row; refused for its NF-e, the row says which (as the API's existing_document).
    code, out, err = lojasync("orders", "invoice", str(left), str(left), "--format", "json")
    assert code == 1, err   # refused: the order has its NF-e already
    (row,) = json.loads(out)
    assert (row["error_code"], row["existing_document"]) == ("fiscal.order_has_document",
                                                             {"kind": "nfe", "id": pending["id"], "stands": True})


def test_a_certificate_file_and_test_together_is_a_usage_error(lojasync, tmp_path):
    """review: `company certificate c.pfx --password P --test` installed a test certificate over the company's,
    ignoring the file, with exit 0."""
    assert lojasync(*COMPANY)[0] == 0
    code, _, err = lojasync("company", "certificate", str(tmp_path / "c.pfx"), "--password", "segredo", "--test")
    assert code == 2 and "não os dois" in err
    # --password alone beside --test: said as what it is (review: "ARQUIVO ou --test", with no ARQUIVO given)
    code, _, err = lojasync("company", "certificate", "--password", "segredo", "--test")
    assert code == 2 and "o certificado de teste (--test) não tem" in " ".join(err.split()), err


def test_an_nfe_left_to_the_worker_with_no_worker_running_says_so_in_the_terminal(lojasync, app):
    """The resolution of an NF-e SEFAZ could not be reached for ends "o worker tenta sozinho": with no worker running
    (none here), the terminal says it and how to start one (review: only the pages' banner said it, 3 minutes later).
    With a worker's heartbeat fresh (a worker in another process), nothing is added."""
    store = make_store(app)
    order_number = import_order(app.uow(), store, order_payload(id=1950000011), ImportPolicy()).order_number
    assert lojasync(*COMPANY)[0] == 0 and lojasync("company", "certificate", "--test")[0] == 0
    (invoice,) = json.loads(lojasync("orders", "invoice", str(order_number), "--no-approve", "--format", "json")[1])
    nowhere = {"LOJASYNC_SEFAZ_URL": "http://127.0.0.1:9", "LOJASYNC_SEFAZ_TIMEOUT": "2"}
    code, _, err = lojasync("invoices", "approve", str(invoice["id"]), **nowhere)
    said = " ".join(err.split())
    assert code == 75 and "o worker tenta sozinho" in said, err
    assert ("Mas nenhum worker do lojasync está no ar agora, e o que ele faria sozinho espera até um entrar no ar: "
            "inicie-o (lojasync worker, ou o serviço do lojasync sem --no-worker).") in said

    record_heartbeat(app.uow(), datetime.now(timezone.utc))
    code, _, err = lojasync("invoices", "approve", str(invoice["id"]), **nowhere)
    assert code == 75 and "nenhuma conexão foi feita" in " ".join(err.split()) and "nenhum worker" not in err, err
