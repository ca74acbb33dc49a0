"""The NF-e's transport group (transp) from the store's shipping, on a real database (SQLite, or PostgreSQL with
LOJASYNC_TEST_DATABASE_URL) and the SEFAZ simulator over HTTP: a pickup at the store says "sem ocorrência de
transporte" (modFrete 9) and moves the freight the store charged to vOutro; a registered carrier is named
(transporta); an unknown carrier is no refusal (modFrete 0, no transporta, as before). Each NF-e valid against the
XSD, authorised, and its DANFE printed."""

from __future__ import annotations

import pytest
from lxml import etree
from sqlalchemy import event

from lojasync.fiscal.nfe_schema import validate_signed
from lojasync.fiscal.services.carriers import CarrierData, remove_carrier, set_carrier
from lojasync.fiscal.services.company import CompanyData, install_test_certificate, set_company
from lojasync.fiscal.services.invoice_files import invoice_danfe, invoice_xml
from lojasync.fiscal.services.invoices import approve_invoice, generate_invoice
from lojasync.nuvemshop.services.import_orders import import_orders
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.views import show_order
from tests.factories import make_store, order_payload
from tests.integration.test_customer_state_registration import imported, pdf_text

NS = {"n": "http://www.portalfiscal.inf.br/nfe"}
SELLER = CompanyData(legal_name="Loja Exemplo Ltda", cnpj="11.222.333/0001-81", ie="110042490114", street="Rua A",
                     number="10", district="Centro", city="São Paulo", uf="SP", zipcode="01001-000",
                     default_ncm="61091000")
CORREIOS = CarrierData(name="Empresa Brasileira de Correios e Telégrafos", cnpj="34.028.316/0001-03",
                       ie="07.300.001.001-09", address="SBN Quadra 1, Bloco A", city="Brasília", uf="DF")
SHIPPED = {"shipping": "Correios", "shipping_option": "Correios - PAC", "shipping_option_code": "pac",
           "shipping_pickup_type": "ship", "shipping_store_branch_name": None}
PICKUP = {"shipping": "pickup", "shipping_option": "Retirada na loja", "shipping_option_code": "branch",
          "shipping_pickup_type": "pickup", "shipping_store_branch_name": "Loja Centro"}
JADLOG = {**SHIPPED, "shipping": "jadlog", "shipping_option": "Jadlog .Package"}


@pytest.fixture()
def company(app):
    set_company(app.uow(), SELLER)
    install_test_certificate(app.uow(), app.cipher)
    set_carrier(app.uow(), "correios", CORREIOS)


def issued(app, sefaz, **payload) -> tuple[int, etree._Element]:
    """Import the store order, generate and transmit its NF-e: (the NF-e's id, its nfeProc), checked valid."""
    (number,) = imported(app, order_payload(**payload))
    invoice = generate_invoice(app.uow(), app.cipher, number)
    signed = invoice_xml(app.uow(), invoice.id)
    assert validate_signed(signed) == []
    authorised, _ = approve_invoice(app.uow(), app.cipher, sefaz, invoice.id)
    assert authorised.status == "authorised", authorised.rejection_reason
    return invoice.id, etree.fromstring(invoice_xml(app.uow(), invoice.id))


def one(root, path: str) -> str | None:
    found = root.xpath(path, namespaces=NS)
    return found[0].text if found else None


def test_a_pickup_at_the_store_has_no_transport_and_keeps_the_freight_charged_in_the_total(app, company, sefaz):
    # The store charged R$ 20,00 of "freight" on a pickup (order_payload's): the NF-e still adds up to its total.
    invoice_id, proc = issued(app, sefaz, id=2600000001, **PICKUP)
    assert one(proc, "//n:transp/n:modFrete") == "9" and not proc.xpath("//n:transporta", namespaces=NS)
    assert (one(proc, "//n:ICMSTot/n:vFrete"), one(proc, "//n:ICMSTot/n:vOutro"), one(proc, "//n:ICMSTot/n:vNF")) \
        == ("0.00", "20.00", "160.00")
    assert not proc.xpath("//n:det/n:prod/n:vFrete", namespaces=NS)
    assert sum(float(e.text) for e in proc.xpath("//n:det/n:prod/n:vOutro", namespaces=NS)) == 20.0
    printed = pdf_text(invoice_danfe(app.uow(), app.uow, invoice_id))
    assert "9 - Sem Frete" in printed   # the DANFE's "frete por conta" box


def test_an_out_of_state_consumers_pickup_at_the_store_is_an_internal_sale(app, company, sefaz):
    """fiscal review: a consumer billed in RJ who picks the goods up at the store in SP got an interstate NF-e (idDest
    2, CFOP 6108, the interstate rate and the DIFAL to RJ) while the goods never left SP (modFrete 9). An internal
    sale: idDest 1, CFOP 5102, no ICMSUFDest (SEFAZ's 773 does not apply to a final consumer)."""
    rio = {"billing_address": "Avenida Atlântica", "billing_number": "500", "billing_locality": "Copacabana",
           "billing_zipcode": "22010-000", "billing_city": "Rio de Janeiro", "billing_province": "Rio de Janeiro"}
    _, proc = issued(app, sefaz, id=2600000003, **PICKUP, **rio)
    assert one(proc, "//n:dest/n:enderDest/n:UF") == "RJ"   # the buyer stays who and where they are
    assert (one(proc, "//n:ide/n:idDest"), one(proc, "//n:prod/n:CFOP")) == ("1", "5102")
    assert not proc.xpath("//n:ICMSUFDest", namespaces=NS) and not proc.xpath("//n:entrega", namespaces=NS)


def test_a_registered_carriers_order_names_it_in_transporta(app, company, sefaz):
    # The store writes the code in any case ("Correios"); the carrier was registered as "correios".
    invoice_id, proc = issued(app, sefaz, id=2600000002, **SHIPPED)
    assert one(proc, "//n:transp/n:modFrete") == "0"
    carrier = [(e.tag.split("}")[1], e.text) for e in proc.xpath("//n:transporta/*", namespaces=NS)]
    assert carrier == [("CNPJ", "34028316000103"), ("xNome", "Empresa Brasileira de Correios e Telégrafos"),
                       ("IE", "0730000100109"), ("xEnder", "SBN Quadra 1, Bloco A"), ("xMun", "Brasília"),
                       ("UF", "DF")]
    assert (one(proc, "//n:ICMSTot/n:vFrete"), one(proc, "//n:ICMSTot/n:vNF")) == ("20.00", "160.00")
    printed = pdf_text(invoice_danfe(app.uow(), app.uow, invoice_id))
    assert {"Empresa Brasileira de Correios e Telégrafos", "34.028.316/0001-03", "DF", "0 - Remetente"} <= set(printed)
    assert "0730000100109" in printed   # DF writes its IEs without punctuation


def test_the_danfe_prints_the_carriers_ie_as_its_uf_writes_it_and_the_xml_keeps_digits(app, company, sefaz):
    set_carrier(app.uow(), "loggi", CarrierData(name="Loggi Tecnologia Ltda", cnpj="11.444.777/0001-61",
                                                ie="205123450100", city="São Paulo", uf="SP"))
    invoice_id, proc = issued(app, sefaz, id=2600000008, **{**SHIPPED, "shipping": "loggi"})
    assert one(proc, "//n:transporta/n:IE") == "205123450100"
    printed = pdf_text(invoice_danfe(app.uow(), app.uow, invoice_id))
    assert "205.123.450.100" in printed and "205123450100" not in printed


def test_an_unknown_carrier_is_no_refusal_and_names_no_carrier(app, company, sefaz):
    invoice_id, proc = issued(app, sefaz, id=2600000003, **JADLOG)
    assert one(proc, "//n:transp/n:modFrete") == "0" and not proc.xpath("//n:transporta", namespaces=NS)
    assert invoice_danfe(app.uow(), app.uow, invoice_id).startswith(b"%PDF")


def test_an_order_without_shipping_and_a_removed_carrier_are_as_before(app, company, sefaz):
    _, proc = issued(app, sefaz, id=2600000004)   # the store said nothing of the shipping
    assert one(proc, "//n:transp/n:modFrete") == "0" and not proc.xpath("//n:transporta", namespaces=NS)
    remove_carrier(app.uow(), "CORREIOS")
    _, proc = issued(app, sefaz, id=2600000005, **SHIPPED)
    assert one(proc, "//n:transp/n:modFrete") == "0" and not proc.xpath("//n:transporta", namespaces=NS)


def test_the_order_says_how_it_ships(app):
    report = import_orders(app.uow(), make_store(app), [order_payload(id=2600000006, **SHIPPED),
                                                        order_payload(id=2600000007, **PICKUP)], ImportPolicy())
    shipped, pickup = (show_order(app.uow(), r.order_number)["shipping"] for r in report.results)
    assert shipped == {"carrier": "correios", "option": "Correios - PAC", "pickup": False, "branch": None,
                       "how": "Correios - PAC", "words": "Envio: Correios - PAC"}
    assert pickup == {"carrier": "pickup", "option": "Retirada na loja", "pickup": True, "branch": "Loja Centro",
                      "how": "Retirada na loja (Loja Centro)", "words": "Retirada na loja (Loja Centro)"}


@pytest.fixture()
def carrier_queries(app):
    """The statements that read the carriers table, as the database receives them."""
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if "FROM carriers" in statement:
            seen.append(statement)

    event.listen(app.engine, "before_cursor_execute", record)
    yield seen
    event.remove(app.engine, "before_cursor_execute", record)


def test_generating_an_nfe_reads_the_carriers_at_most_once_and_not_without_a_carrier_code(app, company,
                                                                                           carrier_queries):
    # Generation is the NF-e's hot path (benchmarks/invoice_throughput.py): one indexed lookup by the order's code.
    shipped, pickup, silent = imported(app, order_payload(id=2600000011, **SHIPPED),
                                       order_payload(id=2600000012, **PICKUP), order_payload(id=2600000013))
    generate_invoice(app.uow(), app.cipher, shipped)
    assert len(carrier_queries) == 1 and "WHERE carriers.code = " in carrier_queries[0]
    for number in (pickup, silent):   # a pickup names no carrier; no code, nothing to look up
        generate_invoice(app.uow(), app.cipher, number)
    assert len(carrier_queries) == 1


def test_a_carriers_ie_missing_its_leading_zeros_is_kept_at_its_ufs_length(app):
    """review: the company's and the customers' IE were padded, the carrier's (written in transporta/IE) not."""
    view, _ = set_carrier(app.uow(), "ce", CarrierData(name="Transportes CE Ltda", cnpj="11.444.777/0001-61",
                                                      ie="60000015", city="Fortaleza", uf="CE"))
    assert view.ie == "060000015"


def test_a_carriers_ie_typed_as_words_is_refused_not_kept_as_none(app):
    """review: "abc" (or "isent" for ISENTO) was read as no registration and the carrier "alterada"."""
    from lojasync.fiscal.services.carriers import CarrierDataInvalid

    data = dict(name="Transportes DF Ltda", cnpj="11.444.777/0001-61", city="Brasília", uf="DF")
    with pytest.raises(CarrierDataInvalid) as refused:
        set_carrier(app.uow(), "df", CarrierData(**data, ie="isent"))
    assert "inscrição estadual isent não reconhecida" in str(refused.value.problems)
    assert set_carrier(app.uow(), "df", CarrierData(**data, ie="ISENTO"))[0].ie == "ISENTO"
    assert set_carrier(app.uow(), "df", CarrierData(**data, ie=""))[0].ie is None   # blank: none


def test_a_carriers_city_without_its_uf_is_refused_not_kept_unchecked(app):
    """review: `company carriers set x --city "Cidade Inventada"` (no --uf) was kept without the IBGE check."""
    from lojasync.fiscal.services.carriers import CarrierDataInvalid

    with pytest.raises(CarrierDataInvalid) as refused:
        set_carrier(app.uow(), "x", CarrierData(name="Transp Teste", city="Cidade Inventada"))
    assert "informe a UF da transportadora (--uf) para conferir o município" in refused.value.problems
    view, _ = set_carrier(app.uow(), "x", CarrierData(name="Transp Teste", city="sao paulo", uf="SP"))
    assert (view.city, view.uf) == ("São Paulo", "SP")
