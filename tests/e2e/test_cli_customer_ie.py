"""`lojasync customers ie`: the same service as the order page and the API, its words in Portuguese, the IE
shown by `customers list` and `orders show`, and a refusal that says what to do (exit code 1)."""

from __future__ import annotations

import json
import re

from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import cnpj, make_store, order_payload

BUYER = cnpj("998887770001")


def words(output: str) -> str:
    return re.sub(r"\s+", " ", output).strip()


def test_sets_shows_and_clears_the_ie(app, lojasync):
    number = import_order(app.uow(), make_store(app), order_payload(id=2400000001, identification=BUYER),
                          ImportPolicy()).order_number
    done = words(lojasync("customers", "ie", "99.888.777/0001-" + BUYER[-2:], "110.042.490.114"))
    assert "Cliente João da Silva Araújo (99.888.777/0001-" in done
    # Shown as São Paulo writes it; stored, and in JSON, as digits.
    assert "IE 110.042.490.114, contribuinte do ICMS." in done and "descarte-a e gere de novo" in done
    assert "Nada mudou." in words(lojasync("customers", "ie", BUYER, "110042490114"))

    (listed,) = json.loads(lojasync("customers", "list", "--format", "json"))
    assert (listed["state_registration"], listed["contributor"]) == ("110042490114", "contributor")
    assert "110.042.490.114" in lojasync("customers", "list")
    shown = json.loads(lojasync("orders", "show", str(number), "--format", "json"))
    assert shown["customer"]["state_registration"] == "110042490114"

    cleared = json.loads(lojasync("customers", "ie", BUYER, "--clear", "--format", "json"))
    assert (cleared["state_registration"], cleared["contributor"], cleared["changed"]) == (
        None, "non_contributor", True)


def test_refusals_say_what_to_do(app, lojasync):
    import_order(app.uow(), make_store(app), order_payload(id=2400000002, identification=BUYER), ImportPolicy())
    invalid = words(lojasync("customers", "ie", BUYER, "110042490115", expect=1))
    assert "Erro: Inscrição estadual 110042490115 inválida para SP." in invalid and "Resolução:" in invalid
    exempt = words(lojasync("customers", "ie", BUYER, "ISENTO", expect=1))
    assert "SP não admite contribuinte isento" in exempt
    both = words(lojasync("customers", "ie", BUYER, "110042490114", "--clear", expect=2))
    assert "Informe a inscrição estadual (ou ISENTO) ou --clear" in both
    neither = words(lojasync("customers", "ie", BUYER, expect=2))
    assert "Informe a inscrição estadual (ou ISENTO) ou --clear" in neither
    unknown = words(lojasync("customers", "ie", cnpj("445556660001"), "110042490114", expect=1))
    assert "Nenhum cliente com CNPJ 44.555.666/0001-" in unknown
