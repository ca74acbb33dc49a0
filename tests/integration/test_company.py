"""The company that issues: data checked all at once, the IBGE code found from the city, the A1 certificate
sealed with the secret key and read back, expiry warned ahead, the test certificate only in homologação."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from lojasync.fiscal.certificate import make_test_certificate
from lojasync.fiscal.certificate_errors import CertificateCnpjMismatch, CertificateExpired, CertificatePasswordWrong
from lojasync.fiscal.services.company import (
    CertificateForTestsOnly,
    CompanyData,
    CompanyDataInvalid,
    CompanyMissing,
    install_certificate,
    install_test_certificate,
    load_certificate,
    set_company,
    show_company,
)
from lojasync.fiscal.services.company_form import changed_only, company_fields
from lojasync.fiscal.services.invoice_files import invoice_xml
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from lojasync.nuvemshop.services.import_orders import import_order
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from tests.factories import make_store, order_payload

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
COMPANY = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81", ie="110042490114", street="Rua A",
                      number="10", district="Centro", city="sao paulo", uf="São Paulo", zipcode="01001-000")


def test_a_complete_company_has_its_city_code_and_needs_only_a_certificate(app):
    view = set_company(app.uow(), COMPANY, NOW)
    assert (view.cnpj, view.uf, view.city_code, view.zipcode) == ("11222333000181", "SP", "3550308", "01001000")
    assert view.environment == "homologacao" and view.crt == 1
    assert len(view.problems) == 1 and "certificado A1" in view.problems[0]


def test_every_problem_is_listed_and_nothing_is_written(app):
    set_company(app.uow(), COMPANY, NOW)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(cnpj="123", crt=2, ie="999", default_ncm="12", city="Atlântida",
                                           zipcode="1"), NOW)
    words = " | ".join(refused.value.problems)
    for expected in ("CNPJ inválido", "CRT", "Inscrição estadual 999", "NCM padrão", "Atlântida", "CEP"):
        assert expected in words
    assert show_company(app.uow(), NOW).cnpj == "11222333000181"  # unchanged


def test_a_name_street_or_district_too_short_for_the_nfe_is_refused_and_a_blank_one_is_missing(app):
    """review: `company set --name X --district " "` said "Pronta para emitir NF-e", then every NF-e was refused
    for a razão social "não informada" (the layout needs 2 characters, as the NF-e writes them: emoji dropped)."""
    set_company(app.uow(), COMPANY, NOW)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(legal_name="X", street="😀", district="B"), NOW)
    assert refused.value.problems == ["razão social precisa de pelo menos 2 letras ou números (recebido 'X')",
                                      "logradouro precisa de pelo menos 2 letras ou números (recebido '😀')",
                                      "bairro precisa de pelo menos 2 letras ou números (recebido 'B')"]
    assert show_company(app.uow(), NOW).legal_name == "Loja Exemplo Ltda"   # nothing written
    blank = set_company(app.uow(), CompanyData(district="  "), NOW)
    assert any("empresa sem bairro" in str(p) for p in blank.problems), blank.problems
    assert "Sé" in set_company(app.uow(), CompanyData(district="Sé"), NOW).address   # two letters are enough


def test_an_emptied_city_takes_its_code_along_and_a_phone_the_nfe_cannot_carry_is_refused(app):
    """review: `company set --city ""` kept the code (the page showed "São Paulo/SP (3550308)" beside "empresa sem
    cidade"); `--phone abc` was kept and left out of every NF-e in silence."""
    set_company(app.uow(), COMPANY, NOW)
    emptied = set_company(app.uow(), CompanyData(city=""), NOW)
    assert (emptied.city, emptied.city_code) == ("", None)
    assert any("cidade" in str(p) for p in emptied.problems), emptied.problems
    for phone in ("abc", "12", "9" * 40):
        with pytest.raises(CompanyDataInvalid) as refused:
            set_company(app.uow(), CompanyData(phone=phone), NOW)
        assert refused.value.problems == [f"telefone da empresa deve ter de 6 a 14 dígitos, com o DDD: {phone[:40]}"]
    set_company(app.uow(), CompanyData(phone="+55 (11) 98765-4321"), NOW)
    with app.uow() as uow:   # kept as the NF-e writes it (as typed it did not fit the column on PostgreSQL)
        assert uow.company.get().phone == "11987654321"


def test_moving_to_another_uf_checks_the_ie_kept_and_one_kept_invalid_is_a_listed_problem(app):
    """CLI walkthrough: `company set --uf RJ --city "Rio de Janeiro"` kept the SP registration, said "gravada" and
    "Pronta para emitir", and only the next NF-e was refused."""
    set_company(app.uow(), COMPANY, NOW)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(uf="RJ", city="Rio de Janeiro", zipcode="20010-000"), NOW)
    assert "Inscrição estadual 110042490114 inválida para RJ: cada UF tem a sua inscrição estadual; informe a da empresa em RJ" \
        in refused.value.problems
    moved = set_company(app.uow(), CompanyData(uf="RJ", city="Rio de Janeiro", zipcode="20010-000", ie="10000009"),
                        NOW)
    assert moved.uf == "RJ" and not any("inscrição estadual" in p for p in moved.problems)
    with app.uow() as uow:   # an IE kept from an earlier version, invalid for its UF
        uow.company.get().ie = "110042490114"
        uow.commit()
    assert "Empresa: inscrição estadual 110042490114 inválida para RJ" in show_company(app.uow(), NOW).problems


def test_an_issuer_is_never_isento_its_nfe_carries_its_registration(app):
    """Review: ISENTO was kept as the company's IE (RJ, and SP too), its NF-e went out with <IE>ISENTO</IE>, the
    simulator authorised it, and a real SEFAZ rejects every one (209): the word is a recipient's."""
    set_company(app.uow(), COMPANY, NOW)
    for uf, city, zipcode in (("RJ", "Rio de Janeiro", "20010-000"), ("SP", "São Paulo", "01001-000")):
        with pytest.raises(CompanyDataInvalid) as refused:
            set_company(app.uow(), CompanyData(uf=uf, city=city, zipcode=zipcode, ie="isento"), NOW)
        (problem,) = [p for p in refused.value.problems if "ISENTO" in p]
        assert "ISENTO só vale para o cliente" in problem and "209" in problem
    assert show_company(app.uow(), NOW).ie == COMPANY.ie   # unchanged
    with app.uow() as uow:   # kept so by an older version: a listed problem, no NF-e generated
        uow.company.get().ie = "ISENTO"
        uow.commit()
    assert any("inscrição estadual ISENTO não vale para quem emite" in p for p in show_company(app.uow(), NOW).problems)


@pytest.mark.parametrize(("changes", "said"), [
    ({"city_code": "3304557"}, "3304557 é de Rio de Janeiro/RJ, não de um município de SP"),  # another UF
    ({"city": "Campinas", "city_code": "3550308"}, "3550308 é de São Paulo/SP, não de Campinas"),  # another city
])
def test_a_city_code_of_another_municipality_is_refused(app, changes, said):
    set_company(app.uow(), COMPANY, NOW)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(**changes), NOW)
    assert any(said in problem for problem in refused.value.problems), refused.value.problems
    assert show_company(app.uow(), NOW).city_code == "3550308"  # unchanged


def test_a_city_the_table_does_not_know_is_refused_with_the_way_out_that_works(app):
    """company review: "Moji Guaçu" was refused without a word of the code; with the code added, the refusal said to
    give the city alone, which had just failed. The code alone sets both; the Mogis' old spelling names them too."""
    set_company(app.uow(), COMPANY, NOW)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(city="Mogy Guassu"), NOW)
    # In words for the page too (first-day walk: the page showed "--city-code sem --city"); the option, to the terminal.
    assert any("informe só o código IBGE do município, sem a cidade (ela vem do código)" in problem
               for problem in refused.value.problems), refused.value.problems
    assert not any("--city" in problem for problem in refused.value.problems)
    assert refused.value.terminal_commands == ("lojasync company set --city-code CÓDIGO (sem --city)",)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(city="Mogy Guassu", city_code="3530706"), NOW)
    assert any("informe só o código IBGE (a cidade vem dele)" in problem for problem in refused.value.problems)
    assert set_company(app.uow(), CompanyData(city_code="3530706"), NOW).city == "Mogi Guaçu"
    for old, code in (("Moji Guaçu", "3530706"), ("moji das cruzes", "3530607"), ("Moji-Mirim", "3530805")):
        assert set_company(app.uow(), CompanyData(city=old), NOW).city_code == code


def test_a_city_code_agrees_with_the_city_as_typed_or_formerly_named(app):
    set_company(app.uow(), COMPANY, NOW)
    assert set_company(app.uow(), CompanyData(city="CAMPINAS", city_code="3509502"), NOW).city_code == "3509502"
    # Embu (the former name of Embu das Artes) still names it; the code given with it is accepted.
    assert set_company(app.uow(), CompanyData(city="Embu", city_code="3515004"), NOW).city_code == "3515004"


def test_the_city_is_kept_as_ibge_spells_it_and_the_nfe_names_it_so(app, sefaz):
    # Typed without accents (or by a former name): the company, its page and the emitente of the NF-e show
    # IBGE's name of the municipality found, not the words typed.
    assert set_company(app.uow(), replace(COMPANY, default_ncm="61091000"), NOW).city == "São Paulo"
    assert set_company(app.uow(), CompanyData(city="Embu", city_code="3515004"), NOW).city == "Embu das Artes"
    set_company(app.uow(), CompanyData(city="SAO PAULO", uf="SP"), NOW)
    install_test_certificate(app.uow(), app.cipher)
    with app.uow() as uow:  # kept as typed by an earlier version: the NF-e still names it by its code
        uow.company.get(for_update=True).city = "sao paulo"
        uow.commit()
    number = import_order(app.uow(), make_store(app), order_payload(id=2100000002), ImportPolicy()).order_number
    invoice = generate_invoice(app.uow(), app.cipher, number)
    xml = invoice_xml(app.uow(), invoice.id).decode("utf-8")
    assert "<cMun>3550308</cMun><xMun>São Paulo</xMun>" in xml.split("<enderEmit>")[1].split("</enderEmit>")[0]


def test_a_city_kept_as_typed_by_an_earlier_version_is_shown_as_ibge_spells_it(app):
    set_company(app.uow(), COMPANY, NOW)
    with app.uow() as uow:
        uow.company.get(for_update=True).city = "sao paulo"
        uow.commit()
    assert show_company(app.uow(), NOW).city == "São Paulo"
    # The form shows it so too, and saving it unchanged changes nothing.
    assert company_fields(app.uow())["city"] == "São Paulo"
    assert changed_only(company_fields(app.uow()), {"city": "São Paulo", "uf": "SP"}) == CompanyData()


def test_the_default_ncm_is_taken_with_its_dots_as_a_product_ncm_is(app):
    # "6109.10.00" is how the NCM is written on tables and invoices; products set accepts it that way too.
    assert set_company(app.uow(), replace(COMPANY, default_ncm="6109.10.00"), NOW).default_ncm == "61091000"
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(default_ncm="6109.10"), NOW)
    assert refused.value.problems == ["NCM padrão deve ter 8 dígitos: 6109.10"]


def test_the_default_ncm_can_be_taken_away_from_the_cli_and_the_page(app):
    """review: once set, "" was refused ("deve ter 8 dígitos: .") and the page's emptied field ignored: products of
    other goods kept going out with it."""
    set_company(app.uow(), replace(COMPANY, default_ncm="61091000"), NOW)
    assert set_company(app.uow(), CompanyData(default_ncm=""), NOW).default_ncm is None
    set_company(app.uow(), CompanyData(default_ncm="61091000"), NOW)
    emptied = changed_only(company_fields(app.read_uow()), {**company_fields(app.read_uow()), "default_ncm": ""})
    assert set_company(app.uow(), emptied, NOW).default_ncm is None


@pytest.mark.parametrize("unit", ["шт", "😀", "Ω"])
def test_a_default_unit_the_nfe_cannot_carry_is_refused(app, unit):
    """review: kept ("Pronta para emitir NF-e"), then every NF-e refused for a unit "não informada"."""
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), replace(COMPANY, default_unit=unit), NOW)
    assert refused.value.problems[0].startswith("unidade padrão deve ter de 1 a 6 caracteres, sem emoji")
    assert set_company(app.uow(), replace(COMPANY, default_unit="m²"), NOW).default_unit == "M²"   # Latin-1


def test_in_production_a_process_that_sends_to_the_simulator_says_so_once_not_ready(app, sefaz):
    """review: "Pronta para emitir NF-e" was said in production with LOJASYNC_SEFAZ left to the simulator, and a
    batch then refused every order one by one with the same sentence."""
    from lojasync.fiscal.services.batch import invoice_orders
    from lojasync.fiscal.services.company import CompanyNotReady
    from tests.integration.test_invoices import imported

    set_company(app.uow(), replace(COMPANY, default_ncm="61091000"), NOW)
    install_test_certificate(app.uow(), app.cipher, NOW)
    set_company(app.uow(), CompanyData(environment="producao"), NOW)
    with app.uow() as uow:   # as a real A1 would be
        uow.company.get().certificate_is_test = False
        uow.commit()
    assert show_company(app.uow(), NOW).problems == []
    assert show_company(app.uow(), NOW, simulated=False, box=app.cipher).problems == []
    assert show_company(app.uow(), NOW, simulated=True).problems == [
        "em produção, mas as NF-e iriam para o simulador da SEFAZ: defina LOJASYNC_SEFAZ=real (com o certificado A1 "
        "da empresa) ou volte a empresa para homologação"]
    numbers = [imported(app, id=2000000046 + i) for i in range(2)]
    with pytest.raises(CompanyNotReady) as refused:   # said once, before any order is touched
        invoice_orders(app.uow, app.cipher, sefaz, numbers, approve=False)
    assert "simulador da SEFAZ" in refused.value.message


def test_the_certificate_is_sealed_and_read_back(app):
    set_company(app.uow(), COMPANY, NOW)
    pfx = make_test_certificate("11222333000181", "Loja Exemplo Ltda", password="senha", now=NOW)
    with pytest.raises(CertificatePasswordWrong):
        install_certificate(app.uow(), app.cipher, pfx, "errada", NOW)
    view = install_certificate(app.uow(), app.cipher, pfx, "senha", NOW)
    assert view.problems == [] and view.certificate_cnpj == "11222333000181"
    with app.read_uow() as uow:
        company = uow.company.get()
        assert b"senha" not in company.certificate_password.encode()
        assert load_certificate(company, app.cipher).cnpj == "11222333000181"


def test_expiry_is_warned_30_days_ahead_and_an_expired_certificate_refused(app):
    set_company(app.uow(), COMPANY, NOW)
    soon = make_test_certificate("11222333000181", "Loja Exemplo Ltda", days=20, password="s", now=NOW)
    view = install_certificate(app.uow(), app.cipher, soon, "s", NOW)
    assert any("vence em 20 dias" in w for w in view.warnings), view.warnings   # calendar days, as the date
    with pytest.raises(CertificateExpired):
        install_certificate(app.uow(), app.cipher, soon, "s", NOW + timedelta(days=30))
    assert any("vencido" in p for p in show_company(app.uow(), NOW + timedelta(days=30)).problems)


def test_a_certificate_of_another_cnpj_is_refused_and_the_one_in_use_stays(app):
    set_company(app.uow(), COMPANY, NOW)
    own = make_test_certificate("11222333000181", "Loja Exemplo Ltda", password="s", now=NOW)
    install_certificate(app.uow(), app.cipher, own, "s", NOW)
    other = make_test_certificate("11444777000161", "Outra Empresa", password="s", now=NOW)
    with pytest.raises(CertificateCnpjMismatch) as refused:   # it would stop every NF-e (213): not installed
        install_certificate(app.uow(), app.cipher, other, "s", NOW)
    assert refused.value.resolution.startswith("Nada foi trocado: o certificado em uso continua.")
    kept = show_company(app.uow(), NOW)
    assert kept.certificate_cnpj == "11222333000181" and kept.problems == []
    # The company's CNPJ changed after its certificate was installed: warned, and what keeps it from issuing.
    view = set_company(app.uow(), CompanyData(cnpj="11444777000161"), NOW)
    # Both CNPJs as a person reads them (review: the warning and the problem printed the bare digits).
    assert any("do CNPJ 11.222.333/0001-81, não da empresa (11.444.777/0001-61)" in w and "(213)" in w
               for w in view.warnings), view.warnings
    assert [p for p in view.problems if "outro CNPJ (11.222.333/0001-81)" in p] != []


def test_a_certificate_without_a_cnpj_keeps_the_company_from_issuing(app):
    """Hostile-environment review: a certificate with no CNPJ (an e-CPF, CN "Fulano") was shown "Pronta para
    emitir NF-e", and every NF-e was then refused when signing."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
    from cryptography.x509.oid import NameOID

    set_company(app.uow(), CompanyData(legal_name="Loja Exemplo Ltda"), NOW)   # no CNPJ yet
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fulano de Tal")])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(NOW - timedelta(days=1))
                   .not_valid_after(NOW + timedelta(days=300)).sign(key, hashes.SHA256()))
    pfx = pkcs12.serialize_key_and_certificates(b"fulano", key, certificate, None, BestAvailableEncryption(b"s"))
    view = install_certificate(app.uow(), app.cipher, pfx, "s", NOW)   # nothing to compare it with yet
    assert [p for p in view.problems if "não traz CNPJ (não é um e-CNPJ)" in p] != []
    set_company(app.uow(), COMPANY, NOW)
    with pytest.raises(CertificateCnpjMismatch) as refused:   # once the CNPJ is known: refused before installing
        install_certificate(app.uow(), app.cipher, pfx, "s", NOW)
    assert "não traz CNPJ (é um e-CPF?)" in refused.value.message


def test_the_test_certificate_is_for_homologation_only(app):
    with pytest.raises(CompanyMissing):
        install_test_certificate(app.uow(), app.cipher, NOW)
    set_company(app.uow(), COMPANY, NOW)
    view = install_test_certificate(app.uow(), app.cipher, NOW)
    assert view.certificate_is_test and view.problems == []
    set_company(app.uow(), CompanyData(environment="producao"), NOW)
    assert any("teste não vale em produção" in p for p in show_company(app.uow(), NOW).problems)
    with pytest.raises(CertificateForTestsOnly):
        install_test_certificate(app.uow(), app.cipher, NOW)


def test_serie_zero_is_the_serie_unica_and_1000_is_refused(app, sefaz):
    set_company(app.uow(), replace(COMPANY, default_ncm="61091000"), NOW)
    assert set_company(app.uow(), CompanyData(series=0), NOW).series == 0
    install_test_certificate(app.uow(), app.cipher)
    number = import_order(app.uow(), make_store(app), order_payload(id=2100000001), ImportPolicy()).order_number
    invoice = generate_invoice(app.uow(), app.cipher, number)     # valid against the schema, série 0 in the key
    assert invoice.series == 0 and invoice.access_key[22:25] == "000"
    assert approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)[0].status == "authorised"
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(series=1000, next_number=0), NOW)
    assert refused.value.problems == ["série fora do intervalo permitido (0 a 889; de 890 a 999 são as séries da "
                                      "NF-e avulsa e da contingência)",
                                      "próximo número fora do intervalo permitido (1 a 999.999.999)"]
    with pytest.raises(CompanyDataInvalid):   # the NF-e avulsa's series: SEFAZ refuses a company's own NF-e (266)
        set_company(app.uow(), CompanyData(series=890), NOW)
    assert set_company(app.uow(), CompanyData(series=889), NOW).problems == []


def test_the_technical_responsible_set_goes_in_the_nfe_and_an_incomplete_one_is_a_problem(app):
    set_company(app.uow(), replace(COMPANY, default_ncm="61091000", tech_cnpj="11.222.333/0001-81",
                                   tech_contact="Suporte Lojasync"), NOW)
    install_test_certificate(app.uow(), app.cipher)
    problems = show_company(app.uow(), NOW).problems
    assert any("responsável técnico incompleto" in p for p in problems)
    with pytest.raises(CompanyDataInvalid) as refused:
        set_company(app.uow(), CompanyData(tech_email="sem-arroba", tech_phone="12"), NOW)
    assert refused.value.problems == ["e-mail do responsável técnico inválido: sem-arroba",
                                      "telefone do responsável técnico deve ter de 6 a 14 dígitos: 12"]
    shown = set_company(app.uow(), CompanyData(tech_email="suporte@exemplo.com.br", tech_phone="(11) 3333-4444"), NOW)
    assert shown.problems == [] and (shown.tech_cnpj, shown.tech_phone) == ("11222333000181", "1133334444")

    number = import_order(app.uow(), make_store(app), order_payload(id=2100000010), ImportPolicy()).order_number
    xml = invoice_xml(app.uow(), generate_invoice(app.uow(), app.cipher, number).id).decode("utf-8")
    assert ("<infRespTec><CNPJ>11222333000181</CNPJ><xContato>Suporte Lojasync</xContato>"
            "<email>suporte@exemplo.com.br</email><fone>1133334444</fone></infRespTec>") in xml
    # Cleared field by field ("" in `company set`): none left, none in the NF-e, nothing missing.
    cleared = set_company(app.uow(), CompanyData(tech_cnpj="", tech_contact="", tech_email="", tech_phone=""), NOW)
    assert cleared.problems == [] and cleared.tech_cnpj is None


def test_products_without_their_own_origin_and_unit_take_the_companys(app):
    set_company(app.uow(), replace(COMPANY, default_ncm="61091000", default_origin="2", default_unit="pc"), NOW)
    install_test_certificate(app.uow(), app.cipher)
    with pytest.raises(CompanyDataInvalid, match="origem padrão deve ser de 0 a 8"):
        set_company(app.uow(), CompanyData(default_origin="9"), NOW)
    number = import_order(app.uow(), make_store(app), order_payload(id=2100000011), ImportPolicy()).order_number
    xml = invoice_xml(app.uow(), generate_invoice(app.uow(), app.cipher, number).id).decode("utf-8")
    assert xml.count("<uCom>PC</uCom>") == 2 and xml.count("<orig>2</orig>") == 2


def test_the_expiry_is_said_on_brasilias_calendar_and_today_as_today(app):
    """review: an expiry at 01:00 UTC (22:00 the day before in Brasília) was "vencido em" the UTC day, one after
    the warning's; on the last day the warning read "vence em 0 dia(s)"."""
    set_company(app.uow(), COMPANY, NOW)
    pfx = make_test_certificate("11222333000181", "Loja Exemplo Ltda", days=20, password="s", now=NOW)
    view = install_certificate(app.uow(), app.cipher, pfx, "s", NOW)
    ends = view.certificate_not_after
    last_day = ends - timedelta(hours=1)
    assert any("vence hoje" in w for w in show_company(app.uow(), last_day).warnings)
    shown = ends.astimezone(timezone(timedelta(hours=-3))).strftime("%d/%m/%Y")
    assert any(f"vencido em {shown}" in p for p in show_company(app.uow(), ends + timedelta(hours=1)).problems)


def test_a_sao_paulo_rural_producers_ie_is_checked_by_its_own_rule(app):
    """review: the "P" was dropped before the check, and the producer's IE refused with digits nobody typed."""
    view = set_company(app.uow(), replace(COMPANY, ie="P-01100424.3/002", default_ncm="61091000"))
    assert view.ie == "P011004243002"   # its "P" kept: checked again, it is still the producer's rule
    # review (regression): kept as digits, it was read by the commercial rule and blocked every NF-e.
    assert not any("inscrição estadual" in str(p) for p in view.problems), view.problems
    assert set_company(app.uow(), CompanyData(uf="SP")).ie == "P011004243002"
    # ...and its NF-e are generated, the digits alone in the XML (review: the NF-e's own check read the digits by
    # the commercial rule and refused every one).
    install_test_certificate(app.uow(), app.cipher)
    store = make_store(app)
    number = import_order(app.uow(), store, order_payload(id=2300000501), ImportPolicy()).order_number
    invoice = generate_invoice(app.uow(), app.cipher, number)
    assert "<IE>011004243002</IE>" in invoice_xml(app.uow(), invoice.id).decode()


def _self_signed_pfx(cnpj: str, password: str) -> bytes:
    """A certificate that is no lojasync test certificate and no ICP-Brasil one (as anyone can make with openssl)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"EMPRESA TESTE:{cnpj}")])
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(NOW - timedelta(days=1))
                   .not_valid_after(NOW + timedelta(days=365)).sign(key, hashes.SHA256()))
    return pkcs12.serialize_key_and_certificates(b"a1", key, certificate, None,
                                                 serialization.BestAvailableEncryption(password.encode()))


def test_a_certificate_outside_icp_brasil_is_warned_as_sefaz_would_refuse_it(app):
    """review: any self-signed or foreign certificate was installed as "pronta para emitir"; SEFAZ accepts only
    ICP-Brasil A1. Warned (a real A1 whose file lacks an AC lojasync does not ship must not be refused)."""
    set_company(app.uow(), COMPANY, NOW)
    view = install_certificate(app.uow(), app.cipher, _self_signed_pfx("11222333000181", "abc"), "abc", NOW)
    assert any("não foi possível confirmar que o certificado é da cadeia ICP-Brasil" in w for w in view.warnings)
    test = install_test_certificate(app.uow(), app.cipher, NOW)   # a test one says it is for the simulator only
    assert not any("ICP-Brasil" in w for w in test.warnings)


def test_a_certificate_under_a_root_of_the_operators_bundle_is_not_warned(app, tmp_path):
    """A root ITI issued after this version of lojasync: the operator adds it to LOJASYNC_SEFAZ_CA_BUNDLE, as the
    README says, and the A1 issued under it is no longer warned as outside ICP-Brasil (the bundle was ignored)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    root_key, key = (rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(2))

    def chain(root_name: x509.Name) -> tuple[bytes, bytes]:
        """A root named `root_name` (PEM) and the company's A1 issued under it (.pfx, password "abc")."""
        root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
                .public_key(root_key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=3650))
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(root_key, hashes.SHA256()))
        leaf = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EMPRESA TESTE:11222333000181")]))
                .issuer_name(root_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
                .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=365))
                .sign(root_key, hashes.SHA256()))
        return (root.public_bytes(serialization.Encoding.PEM),
                pkcs12.serialize_key_and_certificates(b"a1", key, leaf, None,
                                                      serialization.BestAvailableEncryption(b"abc")))

    root, pfx = chain(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ICP-Brasil"),
                                 x509.NameAttribute(NameOID.COMMON_NAME, "Autoridade Certificadora Raiz Brasileira v99")]))
    bundle = tmp_path / "iti.pem"
    bundle.write_bytes(root)
    set_company(app.uow(), COMPANY, NOW)

    def warned(pfx: bytes, **options) -> bool:
        view = install_certificate(app.uow(), app.cipher, pfx, "abc", NOW, **options)
        return any("cadeia ICP-Brasil" in w for w in view.warnings)

    assert warned(pfx)                                              # without the bundle: not confirmed
    assert not warned(pfx, ca_bundle=str(bundle))                   # the operator's root vouches for it
    assert warned(pfx, ca_bundle=str(tmp_path / "missing.pem"))     # a bundle that cannot be read vouches for nothing
    # A root that does not say it is ICP-Brasil's (a bundle of every commercial CA) vouches for nothing either.
    other_root, other_pfx = chain(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Autoridade Comercial Qualquer")]))
    bundle.write_bytes(other_root)
    assert warned(other_pfx, ca_bundle=str(bundle))


def test_a_default_unit_an_earlier_version_kept_that_the_nfe_cannot_carry_is_listed_as_a_problem(app):
    """review: refused when typed now, but one kept before still said "Pronta para emitir NF-e"."""
    set_company(app.uow(), COMPANY, NOW)
    install_test_certificate(app.uow(), app.cipher, NOW)
    with app.uow() as uow:
        uow.company.get().default_unit = "ШТ"
        uow.commit()
    assert show_company(app.uow(), NOW).problems == [
        "unidade padrão ШТ não cabe na NF-e (sem emoji nem letras de outros alfabetos): informe outra (Configurações "
        "→ Empresa)"]


def test_a_certificate_this_processs_key_cannot_open_is_among_the_problems(app, sefaz, tmp_path):
    """review: with secret.key replaced (or gone), `company show` said "Pronta para emitir NF-e" and a batch refused
    every order one by one with the certificate's error, not once with the company's."""
    from lojasync.crypto import TokenCipher
    from lojasync.fiscal.services.batch import invoice_orders
    from lojasync.fiscal.services.company import SEALED_WITH_ANOTHER_KEY, CompanyNotReady
    from tests.integration.test_invoices import imported

    set_company(app.uow(), replace(COMPANY, default_ncm="61091000"), NOW)
    install_test_certificate(app.uow(), app.cipher, NOW)
    assert show_company(app.uow(), NOW, box=app.cipher).problems == []
    another = TokenCipher("outra chave secreta, não a que cifrou o certificado")
    assert show_company(app.uow(), NOW, box=another).problems == [SEALED_WITH_ANOTHER_KEY]
    numbers = [imported(app, id=2000000056 + i) for i in range(2)]
    with pytest.raises(CompanyNotReady) as refused:   # said once, before any order is touched
        invoice_orders(app.uow, another, sefaz, numbers, approve=False)
    assert refused.value.problems == [SEALED_WITH_ANOTHER_KEY]
    with app.read_uow() as uow:
        assert uow.invoices.for_order(numbers[0]) == []
