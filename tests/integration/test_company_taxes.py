"""The company's tax settings (`lojasync company taxes`): defaults until changed, every problem listed at once,
and the NF-e applying what was set: the ICMS rate inside the UF, the destination UF's internal rate for the
DIFAL (without it a regime-normal sale to a consumer in another UF cannot be invoiced), the IBS/CBS group."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from lxml import etree

from lojasync.fiscal.errors import DocumentNotPossible
from lojasync.fiscal.services.company import (
    CompanyData,
    CompanyDataInvalid,
    CompanyMissing,
    install_test_certificate,
    set_company,
    show_company,
)
from lojasync.fiscal.services.company_taxes import CompanyTaxes, set_company_taxes, show_company_taxes
from lojasync.fiscal.services.invoice_files import invoice_xml
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.shared.errors import terminal_commands
from tests.factories import make_store, order_payload

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
NS = {"n": "http://www.portalfiscal.inf.br/nfe"}
COMPANY = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11222333000181", ie="110042490114", crt=3,
                      street="Rua A", number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001000",
                      default_ncm="61091000")
RIO = {"address": "Rua do Ouvidor", "number": "50", "floor": "", "locality": "Centro", "zipcode": "20040-030",
       "city": "Rio de Janeiro", "province": "Rio de Janeiro", "country": "BR"}


def company(app, **changes) -> None:
    set_company(app.uow(), replace(COMPANY, **changes), NOW)
    install_test_certificate(app.uow(), app.cipher)


def order_from_rio(app, order_id: int) -> int:
    payload = order_payload(id=order_id)
    payload["customer"]["default_address"] = RIO
    payload["shipping_address"] = {"name": "João da Silva Araújo", **RIO}
    payload.update(billing_address=RIO["address"], billing_number=RIO["number"], billing_floor="",
                   billing_locality=RIO["locality"], billing_zipcode=RIO["zipcode"], billing_city=RIO["city"],
                   billing_province=RIO["province"])
    return import_order(app.uow(), make_store(app), payload, ImportPolicy()).order_number


def nfe(app, invoice_id: int) -> etree._Element:
    return etree.fromstring(invoice_xml(app.uow(), invoice_id))


def test_the_defaults_until_changed_and_only_what_is_given_changes(app):
    with pytest.raises(CompanyMissing):
        show_company_taxes(app.read_uow())
    company(app)
    shown = show_company_taxes(app.read_uow())
    assert (shown.icms_rate, shown.pis_rate, shown.cofins_rate) == (Decimal("18"), Decimal("0.65"), Decimal("3.00"))
    assert (shown.cbs_rate, shown.ibs_rate, shown.ibs_cbs_cst, shown.ibs_cbs_class) == (
        Decimal("0.90"), Decimal("0.10"), "000", "000001")
    assert shown.destination_icms_rates == {}
    assert any("vendas a consumidor com entrega em outra UF não geram NF-e" in note for note in shown.notes)
    # review: CRT 3 with lojasync's rates, never set, issued with the wrong tax silently (RJ is not 18%).
    warned = "alíquota(s) padrão do lojasync, nunca informada(s): ICMS 18%, PIS 0,65%, COFINS 3,00%"
    assert any(warned in note for note in shown.notes)
    assert any(warned in w for w in show_company(app.uow()).warnings)

    changed = set_company_taxes(app.uow(), CompanyTaxes(icms_rate="19,5", pis_rate="1.65", cofins_rate="7,60",
                                                        destination_icms_rates={"rj": "20", "Minas Gerais": "18"}))
    assert (changed.icms_rate, changed.pis_rate, changed.cofins_rate) == (
        Decimal("19.5"), Decimal("1.65"), Decimal("7.6"))
    assert changed.destination_icms_rates == {"MG": Decimal("18"), "RJ": Decimal("20")}
    assert changed.cbs_rate == Decimal("0.90")   # not given: as it was
    # A UF given empty is forgotten; the others stay.
    after = set_company_taxes(app.uow(), CompanyTaxes(destination_icms_rates={"MG": ""}, cbs_rate="0.9"))
    assert after.destination_icms_rates == {"RJ": Decimal("20")} and after.icms_rate == Decimal("19.5")
    assert show_company_taxes(app.read_uow()) == after
    assert not any("padrão do lojasync" in w for w in show_company(app.uow()).warnings)   # all three set now


def test_every_problem_is_listed_and_nothing_is_written(app):
    company(app)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company_taxes(app.uow(), CompanyTaxes(icms_rate="dezoito", pis_rate="101", cofins_rate="3.12345",
                                                  ibs_cbs_cst="0", ibs_cbs_class="abcdef", ibs_rate="0.5",
                                                  destination_icms_rates={"XX": "18", "RJ": "-1"}))
    assert refused.value.problems == [
        "alíquota de ICMS inválida: dezoito (informe um percentual, como 18 ou 7,6)",
        "alíquota de PIS deve estar entre 0 e 100: 101",
        "alíquota de COFINS com mais de 4 casas decimais: 3.12345",
        "CST do IBS/CBS deve ter 3 dígitos: 0",
        "cClassTrib do IBS/CBS deve ter 6 dígitos: abcdef",
        'Estado (UF) "XX" não é um estado brasileiro',
        "alíquota interna de ICMS de RJ deve estar entre 0 e 100: -1",
    ]
    assert show_company_taxes(app.read_uow()).ibs_rate == Decimal("0.10")   # the valid one was not written either


def test_a_rate_is_digits_and_one_decimal_separator_and_a_thousands_look_is_not_guessed(app):
    """review (back office): "1.000" was saved as 1% while the other fields read it as mil, and "1.5e1" as 15%."""
    company(app)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company_taxes(app.uow(), CompanyTaxes(icms_rate="1.000", pis_rate="1.5e1", cofins_rate="1_0",
                                                  cbs_rate="NaN"))
    assert refused.value.problems == [
        "alíquota de ICMS ambígua: 1.000 (use a vírgula para as casas decimais, como 1,5 ou 7,6)",
        "alíquota de PIS inválida: 1.5e1 (informe um percentual, como 18 ou 7,6)",
        "alíquota de COFINS inválida: 1_0 (informe um percentual, como 18 ou 7,6)",
        "alíquota de CBS inválida: NaN (informe um percentual, como 18 ou 7,6)",
    ]
    set_company_taxes(app.uow(), CompanyTaxes(icms_rate="7,6", pis_rate="0.65", cofins_rate="3%"))
    shown = show_company_taxes(app.read_uow())
    assert (shown.icms_rate, shown.pis_rate, shown.cofins_rate) == (Decimal("7.6"), Decimal("0.65"), Decimal("3"))


def test_a_sale_to_a_consumer_in_another_uf_needs_that_ufs_rate_then_carries_the_difal(app, sefaz):
    company(app)
    number = order_from_rio(app, 2500000001)
    with pytest.raises(DocumentNotPossible) as refused:
        generate_invoice(app.uow(), app.cipher, number)
    assert "alíquota interna de ICMS de RJ não configurada" in refused.value.message
    assert terminal_commands(refused.value.problems) == ("lojasync company taxes --difal RJ=ALÍQUOTA",)

    set_company_taxes(app.uow(), CompanyTaxes(destination_icms_rates={"RJ": "20"}))
    invoice = generate_invoice(app.uow(), app.cipher, number)
    xml = nfe(app, invoice.id)
    assert xml.findtext(".//n:det/n:prod/n:CFOP", namespaces=NS) == "6108"
    assert Decimal(xml.findtext(".//n:ICMS00/n:pICMS", namespaces=NS)) == Decimal("12")   # SP to RJ: interstate
    assert {Decimal(x) for x in xml.xpath(".//n:ICMSUFDest/n:pICMSUFDest/text()", namespaces=NS)} == {Decimal("20")}
    # DIFAL: (20% - 12%) of what the consumer pays, goods and freight: R$ 160,00.
    assert Decimal(xml.findtext(".//n:ICMSTot/n:vICMSUFDest", namespaces=NS)) == Decimal("12.80")
    # SEFAZ's rules 694/695 (the simulator's): the group where it is due, so it is authorised.
    assert approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)[0].status == "authorised"


def test_the_rates_set_are_the_ones_the_nfe_applies(app):
    company(app)
    set_company_taxes(app.uow(), CompanyTaxes(icms_rate="19,5", pis_rate="1,65", cofins_rate="7,6", cbs_rate="1",
                                              ibs_cbs_class="000001"))
    number = import_order(app.uow(), make_store(app), order_payload(id=2500000002), ImportPolicy()).order_number
    xml = nfe(app, generate_invoice(app.uow(), app.cipher, number).id)
    rates = {tag: {Decimal(x) for x in xml.xpath(f".//n:det/n:imposto//n:{tag}/text()", namespaces=NS)}
             for tag in ("pICMS", "pPIS", "pCOFINS", "pCBS")}
    assert rates == {"pICMS": {Decimal("19.5")}, "pPIS": {Decimal("1.65")}, "pCOFINS": {Decimal("7.6")},
                     "pCBS": {Decimal("1")}}


def test_the_municipal_ibs_rate_is_set_as_the_ufs_and_the_nfe_carries_it(app):
    """Review: the municipal IBS rate was fixed at 0 (2026's), and 2027's is not: every NF-e with the group would be
    rejected then, with no way to change it."""
    company(app)
    assert show_company_taxes(app.uow()).ibs_municipal_rate == Decimal("0")
    assert "ibs_municipal_rate" in show_company_taxes(app.uow()).unset
    view = set_company_taxes(app.uow(), CompanyTaxes(ibs_rate="0,05", ibs_municipal_rate="0,05"))
    assert (view.ibs_rate, view.ibs_municipal_rate) == (Decimal("0.05"), Decimal("0.05"))
    number = import_order(app.uow(), make_store(app), order_payload(id=2500000005), ImportPolicy()).order_number
    xml = nfe(app, generate_invoice(app.uow(), app.cipher, number).id)
    assert {Decimal(x) for x in xml.xpath(".//n:det//n:gIBSMun/n:pIBSMun/text()", namespaces=NS)} == {Decimal("0.05")}
    assert Decimal(xml.findtext(".//n:IBSCBSTot/n:gIBS/n:gIBSMun/n:vIBSMun", namespaces=NS)) > 0
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company_taxes(app.uow(), CompanyTaxes(ibs_municipal_rate="101"))
    assert refused.value.problems == ["alíquota de IBS do município deve estar entre 0 e 100: 101"]


def test_a_simples_nacional_company_may_put_the_ibs_cbs_group_in_its_nfe(app):
    company(app, crt=1)
    store = make_store(app)
    first = import_order(app.uow(), store, order_payload(id=2500000003), ImportPolicy()).order_number
    assert nfe(app, generate_invoice(app.uow(), app.cipher, first).id).find(".//n:IBSCBS", NS) is None
    assert set_company_taxes(app.uow(), CompanyTaxes(ibs_cbs_for_simples=True)).ibs_cbs_for_simples
    second = import_order(app.uow(), store, order_payload(id=2500000004), ImportPolicy()).order_number
    assert nfe(app, generate_invoice(app.uow(), app.cipher, second).id).find(".//n:IBSCBS", NS) is not None


def test_an_ibs_cbs_situation_lojasync_does_not_write_is_refused_not_written_as_full_taxation(app):
    """review: any 3-digit CST and 6-digit cClassTrib were taken, and the NF-e still carried CST 000's gIBSCBS
    under them: taxed values under CST 410 (immunity, where NT 2025.002 wants no group), no gRed under 200, and
    class 200003 under CST 000."""
    company(app)
    for given, problem in (
            (CompanyTaxes(ibs_cbs_cst="410", ibs_cbs_class="410001"), "CST do IBS/CBS 410 não é emitido"),
            (CompanyTaxes(ibs_cbs_cst="200"), "CST do IBS/CBS 200 não é emitido"),
            (CompanyTaxes(ibs_cbs_class="200003"), "cClassTrib do IBS/CBS 200003 não é do CST 000")):
        with pytest.raises(CompanyDataInvalid) as refused:
            set_company_taxes(app.uow(), given)
        (said,) = refused.value.problems
        assert said.startswith(problem), said
    shown = show_company_taxes(app.read_uow())
    assert (shown.ibs_cbs_cst, shown.ibs_cbs_class) == ("000", "000001")   # nothing written
    assert set_company_taxes(app.uow(), CompanyTaxes(ibs_cbs_cst="000", ibs_cbs_class="000001")).ibs_cbs_cst == "000"

    # Kept by an earlier version, which took them: the company is not ready, and generation says why.
    with app.uow() as uow:
        uow.company.get().ibs_cbs_cst = "410"
        uow.commit()
    number = import_order(app.uow(), make_store(app), order_payload(id=2500000009), ImportPolicy()).order_number
    with pytest.raises(DocumentNotPossible) as refused:
        generate_invoice(app.uow(), app.cipher, number)
    assert any("CST do IBS/CBS 410 não é emitido" in p for p in refused.value.problems), refused.value.problems


def test_a_simples_company_without_the_group_is_not_stopped_by_a_pair_it_never_writes(app):
    """review: a CST kept from an earlier version stopped every NF-e of a Simples Nacional company whose NF-e carry
    no IBS/CBS group at all; and another problem in the same change hid the pair's (every problem at once)."""
    company(app)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company_taxes(app.uow(), CompanyTaxes(icms_rate="abc", ibs_cbs_cst="410"))
    assert [p.split(":")[0] for p in refused.value.problems] == ["alíquota de ICMS inválida",
                                                                 "CST do IBS/CBS 410 não é emitido pelo lojasync"]

    company(app, crt=1)
    with app.uow() as uow:
        uow.company.get().ibs_cbs_cst = "410"   # kept by an earlier version
        uow.commit()
    assert set_company_taxes(app.uow(), CompanyTaxes(pis_rate="0,65")).pis_rate == Decimal("0.65")
    number = import_order(app.uow(), make_store(app), order_payload(id=2500000010), ImportPolicy()).order_number
    xml = nfe(app, generate_invoice(app.uow(), app.cipher, number).id)
    assert xml.find(".//n:IBSCBS", NS) is None
    # Asking for the group makes the pair matter: refused until it is one lojasync writes.
    with pytest.raises(CompanyDataInvalid):
        set_company_taxes(app.uow(), CompanyTaxes(ibs_cbs_for_simples=True))
