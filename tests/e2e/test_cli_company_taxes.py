"""`lojasync company taxes`: shows the settings the NF-e apply, changes only what is given (rates typed with a
comma or a dot, a destination UF's rate per --difal), JSON for scripts, and a refusal listing every problem."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone

from lojasync.fiscal.services.company import CompanyData, set_company


def words(output: str) -> str:
    return re.sub(r"\s+", " ", output).strip()


def registered(app, crt: int = 3) -> None:
    set_company(app.uow(), CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11222333000181", ie="110042490114",
                                       crt=crt, street="Rua A", number="10", district="Centro", city="São Paulo",
                                       uf="SP", zipcode="01001000"))


def test_shows_changes_and_forgets_a_destination_uf(app, lojasync):
    registered(app)
    shown = words(lojasync("company", "taxes"))
    assert "ICMS (dentro da UF): 18%" in shown and "PIS: 0,65%" in shown
    assert "ICMS interno das UFs de destino (DIFAL): nenhuma" in shown and "--difal UF=ALÍQUOTA" in shown

    assert "IBS (município): 0%" in shown
    changed = words(lojasync("company", "taxes", "--icms-rate", "19,5", "--difal", "rj=20", "--difal", "MG=18",
                             "--cofins-rate", "7.6", "--ibs-municipal-rate", "0,05"))
    assert "Tributos gravados." in changed and "ICMS (dentro da UF): 19,5%" in changed
    assert "IBS (município): 0,05%" in changed
    assert "MG 18%, RJ 20%" in changed and "COFINS: 7,6%" in changed

    as_json = json.loads(lojasync("company", "taxes", "--difal", "MG=", "--format", "json"))
    assert as_json["destination_icms_rates"] == {"RJ": "20"} and as_json["icms_rate"] == "19.5"
    assert as_json["crt"] == 3 and isinstance(as_json["notes"], list)


def test_a_simples_company_is_told_what_does_not_apply_and_may_take_the_ibs_cbs_group(app, lojasync):
    registered(app, crt=1)
    shown = words(lojasync("company", "taxes", "--ibs-cbs-simples"))
    assert "Simples Nacional: ICMS, PIS e COFINS são recolhidos no DAS" in shown
    assert "IBS/CBS: CST 000, cClassTrib 000001, na NF-e" in shown


def test_every_problem_is_listed_and_the_exit_code_is_1(app, lojasync):
    registered(app)
    refused = words(lojasync("company", "taxes", "--icms-rate", "abc", "--difal", "XX=1", "--ibs-cbs-class", "12",
                             expect=1))
    assert "Erro: Dados da empresa não gravados:" in refused and "alíquota de ICMS inválida: abc" in refused
    assert '"XX" não é um estado brasileiro' in refused and "cClassTrib do IBS/CBS deve ter 6 dígitos" in refused
    malformed = words(lojasync("company", "taxes", "--difal", "RJ20", expect=2))
    assert "--difal RJ20: informe UF=ALÍQUOTA, como RJ=20" in malformed
    assert json.loads(lojasync("company", "taxes", "--format", "json"))["icms_rate"] == "18"   # nothing written


class _In2027(datetime):
    """The services' clock on 2 January 2027 (`company show` and `company taxes` read it)."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2027, 1, 2, 12, 0, tzinfo=timezone.utc)


def test_in_2027_the_2026_rates_are_said_with_the_command_that_confirms_them(app, lojasync, monkeypatch):
    registered(app, crt=1)
    monkeypatch.setattr("lojasync.fiscal.services.company.datetime", _In2027)
    monkeypatch.setattr("lojasync.fiscal.services.company_taxes.datetime", _In2027)
    shown = words(lojasync("company", "show"))
    assert "Atenção: as alíquotas de IBS/CBS da empresa são as de 2026" in shown and "rejeição 1115" in shown
    assert "No terminal: lojasync company taxes --confirm-ibs-cbs" in shown and "--ibs-cbs-simples" in shown
    assert "Alíquotas de IBS/CBS: de 2026" in words(lojasync("company", "taxes"))

    confirmed = words(lojasync("company", "taxes", "--confirm-ibs-cbs"))
    assert "Tributos gravados." in confirmed and "Alíquotas de IBS/CBS: de 2027" in confirmed
    assert "CBS: 0,9%" in confirmed   # nothing changed
    assert "alíquotas de IBS/CBS da empresa são as de" not in words(lojasync("company", "show"))
    assert json.loads(lojasync("company", "taxes", "--format", "json"))["ibs_cbs_rates_year"] == 2027
