"""The NF-e writer (`fiscal.nfe_writer`) against xsdata's serializer: byte for byte the same document, or it
leaves the document to xsdata. A signature covers the exact bytes, so "the same" means the same bytes."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from enum import Enum

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from nfelib.nfe.bindings.v4_0.xmldsig_core_schema_v1_01 import Signature

from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.nfe_build import build_nfe
from lojasync.fiscal.nfe_checks import draft_problems
from lojasync.fiscal.nfe_data import Carrier, Crt, Delivery, Intermediary, Payment, TaxSettings
from lojasync.fiscal.nfe_schema import schema_errors
from lojasync.fiscal.nfe_writer import plain_xml
from lojasync.fiscal.nfe_xml import NFE_NAMESPACE, build_nfe_xml, serializer, to_xml
from tests.unit.nfe_drafts import BELO_HORIZONTE, RIO, SAO_PAULO, company, draft, goods_total, issuer, person, shirts

D = Decimal


def _written(binding) -> bytes | None:
    return plain_xml(binding, serializer().context, NFE_NAMESPACE)


def _retained():
    items = shirts(2)
    return (replace(items[0], cfop="5405", cest="2806300"), items[1])


SCENARIOS = {
    "simples, consumer inside the UF": lambda: draft(),
    "regime normal, consumer in another UF (DIFAL)": lambda: draft(issuer_=issuer(Crt.REGIME_NORMAL),
                                                                   recipient=person(RIO)),
    "regime normal, contributor in another UF": lambda: draft(issuer_=issuer(Crt.REGIME_NORMAL),
                                                              recipient=company(RIO)),
    "regime normal with IBS/CBS, contributor inside the UF": lambda: draft(
        issuer_=issuer(Crt.REGIME_NORMAL), recipient=company(SAO_PAULO, ie="110.042.490.114")),
    "simples with the IBS/CBS group": lambda: draft(taxes=TaxSettings(ibs_cbs_for_simples=True)),
    "company exempt from IE": lambda: draft(recipient=company(RIO, ie=None)),
    "production, numeric CNPJ": lambda: draft(environment=Environment.PRODUCTION,
                                              issuer_=issuer(cnpj="11222333000181")),
    "card in installments": lambda: draft(method="credit_card"),
    "unknown method (xPag)": lambda: draft(method="Permuta com a loja"),
    "free order": lambda: draft(items=shirts(1), freight=D("0.00"), discount=goods_total(shirts(1))),
    "change given (vTroco)": lambda: draft(payments=(Payment("cash", goods_total(shirts()) + D("25.90")),)),
    "ICMS retained by substitution, simples": lambda: draft(items=_retained()),
    "ICMS retained by substitution, regime normal": lambda: draft(issuer_=issuer(Crt.REGIME_NORMAL),
                                                                  recipient=person(SAO_PAULO), items=_retained()),
    "marketplace": lambda: draft(intermediary=Intermediary("03007331000141", "LOJA_EXEMPLO")),
    "pickup": lambda: draft(pickup=True, carrier=Carrier("Transportadora Rápida")),
    "carrier with CNPJ and UF": lambda: draft(carrier=Carrier("Correios", "34.028.316/0001-03", uf="DF")),
    "delivery elsewhere (entrega)": lambda: draft(recipient=company(RIO), delivery=Delivery(
        "Filial Centro", company(RIO).tax_id, BELO_HORIZONTE)),
    "no technical responsible": lambda: draft(technical_responsible=None),
    "one item": lambda: draft(items=shirts(1)),
    "many items": lambda: draft(items=shirts(40)),
    "store text to escape": lambda: draft(items=(replace(shirts(1)[0], description='Caneca "Café" & <cia> > 1'),),
                                          recipient=replace(person(), name="José D’Ávila & Filhos")),
}


@pytest.mark.parametrize("make", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_the_writer_writes_what_the_serializer_writes(make):
    binding = build_nfe(make())
    written = _written(binding)
    assert written is not None, "an NF-e the writer should take was left to xsdata"
    assert written == to_xml(binding)
    assert schema_errors(written) == [] or all("Signature" in e for e in schema_errors(written))


# Two letters first: a text the layout's cleaning leaves shorter makes the draft incomplete (refused before any XML).
texts = st.text(max_size=120).map(lambda text: "Ab" + text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(description=texts, name=texts, street=texts, complement=texts, quantity=st.integers(1, 9999),
       cents_=st.integers(1, 10_000_000), freight=st.integers(0, 100_000), crt=st.sampled_from(list(Crt)))
def test_any_store_text_and_amount_is_written_as_the_serializer_writes_it(description, name, street, complement,
                                                                         quantity, cents_, freight, crt):
    item = replace(shirts(1)[0], description=description, quantity=D(quantity), unit_price=D(cents_) / 100)
    nfe = draft(items=(item,), freight=D(freight) / 100, discount=D(0), environment=Environment.PRODUCTION,
                issuer_=issuer(crt), recipient=replace(person(), name=name,
                                                       address=replace(RIO, street=street, complement=complement)))
    assume(draft_problems(nfe) == [])
    binding = build_nfe(nfe)
    written = _written(binding)
    assert written is not None and written == to_xml(binding)


def test_build_nfe_xml_is_the_writers_document():
    nfe = draft()
    assert build_nfe_xml(nfe) == _written(build_nfe(nfe)) == to_xml(build_nfe(nfe))


def test_a_shape_the_writer_was_not_made_for_is_left_to_the_serializer():
    # A signature is of another namespace (xmldsig): xsdata writes its prefix declarations, the writer does not.
    signed = build_nfe(draft())
    signed.signature = Signature(Id="x")
    assert _written(signed) is None
    # An attribute that xsdata writes with other quotes or entities.
    for odd in ('NFe"1', "NFe\n1", "NFe\t1", "{NFe}1"):
        binding = build_nfe(draft())
        binding.infNFe.Id = odd
        assert _written(binding) is None, odd
    # A value that is not text: xsdata's converter formats it.
    binding = build_nfe(draft())
    binding.infNFe.ide.nNF = 42
    assert _written(binding) is None
    assert to_xml(binding).count(b"<nNF>42</nNF>") == 1


class _OldStyle(str, Enum):  # noqa: UP042 - on purpose: in an f-string it writes its name, "_OldStyle.A"
    A = "Z"


class _Shouting(str):
    def __format__(self, spec: str) -> str:
        return self.upper()


def _changed(change):
    binding = build_nfe(draft())
    change(binding)
    return binding


@pytest.mark.parametrize("change", [
    # A None among a list's values: xsdata writes an empty element for it.
    lambda b: b.infNFe.det[0].prod.NVE.extend(["AB1234", None]),
    lambda b: b.infNFe.det.append(None),
    lambda b: b.infNFe.pag.detPag.append(None),
    # One value in a repeated field: xsdata writes it once (a walk over a string would write each character).
    lambda b: setattr(b.infNFe.det[0].prod, "NVE", "AB1234"),
    lambda b: setattr(b.infNFe, "det", b.infNFe.det[0]),
    # A str subclass that is no Enum: it may format itself otherwise.
    lambda b: setattr(b.infNFe.ide, "natOp", _Shouting("Venda")),
], ids=["none in text list", "none in det", "none in detPag", "string in repeated field", "one det, not a list",
        "str subclass"])
def test_a_value_the_writer_could_write_otherwise_is_left_to_the_serializer(change):
    binding = _changed(change)
    assert _written(binding) is None
    assert to_xml(binding).startswith(b"<NFe")   # xsdata still writes it: build_nfe_xml's document


@pytest.mark.parametrize("change", [
    lambda b: b.infNFe.det[0].prod.NVE.extend(["AB1234", "CD5678"]),
    lambda b: setattr(b.infNFe.ide, "natOp", _OldStyle.A),    # its value, not its name
    lambda b: setattr(b.infNFe, "versao", _OldStyle.A),
], ids=["text list", "str enum in text", "str enum in attribute"])
def test_lists_of_text_and_enums_of_text_are_written_as_the_serializer_writes_them(change):
    binding = _changed(change)
    assert _written(binding) is not None and _written(binding) == to_xml(binding)
    assert b"_OldStyle" not in _written(binding)


def test_a_root_of_another_namespace_is_left_to_the_serializer():
    binding = build_nfe(draft())
    assert plain_xml(binding, serializer().context, "http://example.com/other") is None
    # xsdata writes a root of another namespace with a prefix, the writer would declare it the default one.
    assert plain_xml(Signature(Id="x"), serializer().context, NFE_NAMESPACE) is None


def test_what_is_left_to_the_serializer_still_comes_out_of_build_nfe_xml(monkeypatch):
    import lojasync.fiscal.nfe_xml as nfe_xml

    monkeypatch.setattr(nfe_xml, "plain_xml", lambda binding, context, namespace: None)
    nfe = draft()
    assert build_nfe_xml(nfe) == to_xml(build_nfe(nfe))


def test_an_empty_element_and_an_empty_binding_are_written_short():
    binding = build_nfe(draft())
    binding.infNFe.ide.xJust = ""   # text present but empty: <xJust/>, as xsdata writes it
    binding.infNFe.infAdic = type(binding.infNFe.infAdic)()   # a binding with nothing in it: <infAdic/>
    written = _written(binding)
    assert b"<xJust/>" in written and b"<infAdic/>" in written and written == to_xml(binding)


def test_every_nfe_the_tests_build_is_compared_with_xsdatas(monkeypatch):
    """tests/conftest.py compares each NF-e built in the tests' process with xsdata's bytes: a writer that wrote
    other bytes fails whatever test built the NF-e."""
    import lojasync.fiscal.nfe_writer as nfe_writer

    monkeypatch.setattr(nfe_writer, "plain_xml", lambda binding, context, namespace: b"<NFe/>")
    with pytest.raises(AssertionError, match="other than xsdata"):
        build_nfe_xml(draft())
