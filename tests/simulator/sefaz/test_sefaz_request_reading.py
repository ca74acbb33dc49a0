"""How the simulator reads an authorisation request, called in-process: a namespace prefix anywhere in the
batch is 404, a signed element is canonicalised with exactly the namespaces in scope where it was signed,
and the answer's envelope is the same bytes as the tree it stands for."""

from __future__ import annotations

import copy
import re

import pytest
from lxml import etree

from lojasync.fiscal.sefaz import Service, envelope, messages
from lojasync.fiscal.signing import sign
from lojasync.simulators.sefaz import answers, soap
from lojasync.simulators.sefaz.signature import canonical
from lojasync.simulators.sefaz.simulator import SefazSimulator

from .documents import DS, NFE, cancellation, certificate, now, q, signed_nfe, unsigned_nfe


def _authorise(simulator: SefazSimulator, batch: bytes) -> list[bytes]:
    """The cStat values of the answer: the batch's, then the NF-e's when there is one."""
    body = envelope.request(Service.AUTHORISATION, batch)
    reply = simulator.handle("NFeAutorizacao4", envelope.content_type(Service.AUTHORISATION), body)
    assert reply.status == 200, reply.body
    return re.findall(rb"<cStat>([0-9]+)</cStat>", reply.body)


def _batch(document: bytes) -> bytes:
    return messages.envi_nfe(document, "1")


@pytest.mark.parametrize("prefixed", [
    # the Signature in a ds: prefix
    lambda doc: re.sub(rb"<(/?)(Signature|SignedInfo|CanonicalizationMethod|SignatureMethod|Reference|Transforms|"
                       rb"Transform|DigestMethod|DigestValue|SignatureValue|KeyInfo|X509Data|X509Certificate)\b",
                       rb"<\1ds:\2", doc).replace(b'<ds:Signature xmlns="', b'<ds:Signature xmlns:ds="'),
    # one element deep inside infNFe, in the NF-e namespace under a prefix
    lambda doc: doc.replace(b"<xNome>", b'<nfe:xNome xmlns:nfe="' + NFE.encode() + b'">', 1)
                   .replace(b"</xNome>", b"</nfe:xNome>", 1),
    # the NFe element itself
    lambda doc: doc.replace(b'<NFe xmlns="', b'<n:NFe xmlns:n="', 1).replace(b"</NFe>", b"</n:NFe>"),
], ids=["ds-signature", "deep-element", "nfe-root"])
def test_a_namespace_prefix_anywhere_in_the_batch_is_404(prefixed) -> None:
    document = prefixed(signed_nfe())
    assert document != signed_nfe()
    assert _authorise(SefazSimulator(), _batch(document)) == [b"404"]


def test_a_declared_but_unused_prefix_is_no_prefixed_element() -> None:
    """404 is about elements written with a prefix; a declaration alone (here on NFe) is not one."""
    document = sign(unsigned_nfe().replace(b'<NFe xmlns="', b'<NFe xmlns:x="urn:x" xmlns="', 1), certificate(),
                    element="infNFe")
    assert _authorise(SefazSimulator(), _batch(document)) == [b"104", b"100"]


def _with_processing_instruction(info: etree._Element) -> None:
    info.find(q("ide")).append(etree.ProcessingInstruction("lojasync", "teste"))


def _with_namespace_on_a_descendant(info: etree._Element) -> None:
    total = info.find(q("total"))
    replacement = etree.Element(q("total"), nsmap={None: NFE, "x": "urn:x"})
    replacement.extend(list(total))
    total.getparent().replace(total, replacement)


# Each document as its signer wrote it: the simulator must find the digest the signer computed.
VARIANTS = {
    "as-lojasync-signs": lambda: signed_nfe(),
    # inclusive C14N keeps a namespace declared on NFe even though infNFe never uses it
    "unused-namespace-on-nfe": lambda: sign(unsigned_nfe().replace(b'<NFe xmlns="', b'<NFe xmlns:x="urn:x" xmlns="', 1),
                                            certificate(), element="infNFe"),
    "namespace-on-a-descendant": lambda: signed_nfe(change=_with_namespace_on_a_descendant),
    "processing-instruction": lambda: signed_nfe(change=_with_processing_instruction),
}


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_a_document_signed_with_any_namespaces_in_scope_is_authorised(variant) -> None:
    assert _authorise(SefazSimulator(), _batch(variant())) == [b"104", b"100"]


def test_line_breaks_between_the_tags_are_588_as_at_sefaz() -> None:
    """review: a pretty-printed NF-e (line breaks and indentation between its tags) was authorised; SEFAZ refuses
    it with 588 before reading it, whatever its signature."""
    pretty = sign(etree.tostring(etree.fromstring(unsigned_nfe()), pretty_print=True), certificate(), element="infNFe")
    assert _authorise(SefazSimulator(), _batch(pretty)) == [b"588"]


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_a_change_after_signing_is_297_whatever_the_namespaces(variant) -> None:
    document = variant()
    changed = document.replace(b"<natOp>", b"<natOp>X", 1)
    assert changed != document
    assert _authorise(SefazSimulator(), _batch(changed)) == [b"104", b"297"]


def _batch_declaring(declaration: str, document: bytes) -> bytes:
    return (f'<enviNFe xmlns="{NFE}" {declaration} versao="4.00"><idLote>1</idLote><indSinc>1</indSinc>'.encode()
            + document + b"</enviNFe>")


def test_what_the_batch_declares_is_not_signed_but_the_same_declared_on_nfe_is() -> None:
    """The NF-e is checked as its sender signed it alone: a namespace the batch declares is out of its
    canonical form, the same namespace declared (again) on NFe is in it."""
    plain = signed_nfe()
    redeclared = sign(unsigned_nfe().replace(b'<NFe xmlns="', b'<NFe xmlns:x="urn:x" xmlns="', 1), certificate(),
                      element="infNFe")
    for document in (plain, redeclared):
        assert _authorise(SefazSimulator(), _batch_declaring('xmlns:x="urn:x"', document)) == [b"104", b"100"]
    # The converse: had the simulator kept (or dropped) the batch's declaration, one of them would be 297.
    assert _authorise(SefazSimulator(), _batch_declaring('xmlns:x="urn:x"',
                                                         redeclared.replace(b'xmlns:x="urn:x" ', b"", 1))) \
        == [b"104", b"297"]


def _element_by_element(element: etree._Element) -> bytes:
    """C14N the slow, obvious way: a detached copy declaring every namespace in scope, child by child."""
    detached = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=element.nsmap)
    detached.text = element.text
    detached.extend(copy.deepcopy(child) for child in element)
    return etree.tostring(detached, method="c14n", exclusive=False, with_comments=False)


@pytest.mark.parametrize("variant", VARIANTS.values(), ids=VARIANTS.keys())
def test_canonical_form_is_the_same_as_the_element_by_element_copy(variant) -> None:
    # Inside a SOAP envelope and a batch, as the simulator reads it, then taken out (a copy, or the NF-e
    # itself removed from the batch): the same canonical form either way.
    body = envelope.request(Service.AUTHORISATION, _batch(variant()))
    copied = copy.deepcopy(etree.fromstring(body).find(f".//{q('NFe')}"))
    removed = etree.fromstring(body).find(f".//{q('NFe')}")
    removed.getparent().remove(removed)
    for nfe in (copied, removed):
        signed, signed_info = nfe.find(q("infNFe")), nfe.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
        assert canonical(signed) == _element_by_element(signed) == _element_by_element(copied.find(q("infNFe")))
        assert canonical(signed_info) == _element_by_element(signed_info)


def test_the_answer_envelope_is_the_answer_tree_serialised() -> None:
    """The envelope is written as text around the answer: the same bytes as building it as elements."""
    event = etree.fromstring(cancellation("41" + "0" * 42, "141260000000001"))[1]  # evento, with its Signature
    registered = answers.ret_evento("2", "41", "135", "Evento registrado", now(), key="41" + "0" * 42,
                                    protocol="141260000000002")
    content = answers.ret_cons_sit_nfe("2", "41", now(), "41" + "0" * 42, "101",
                                       events=[answers.proc_evento(event, registered)])
    service = soap.SERVICES["NFeConsultaProtocolo4"]

    tree = etree.Element(f"{{{soap.SOAP12}}}Envelope", nsmap={"soap": soap.SOAP12})
    body = etree.SubElement(tree, f"{{{soap.SOAP12}}}Body")
    result = etree.SubElement(body, f"{{{service.namespace}}}nfeResultMsg", nsmap={None: service.namespace})
    result.append(copy.deepcopy(content))
    assert soap.response(service, content) == etree.tostring(tree, xml_declaration=True, encoding="utf-8")


def test_a_series_of_the_avulsa_or_contingency_is_266_at_the_normal_service() -> None:
    """review: series 890-999 (NF-e avulsa, SCAN) was authorised; SEFAZ refuses it at the normal service."""
    assert _authorise(SefazSimulator(), _batch(signed_nfe(series=890))) == [b"104", b"266"]
    assert _authorise(SefazSimulator(), _batch(signed_nfe(series=889))) == [b"104", b"100"]


def test_a_denied_nfe_sent_again_is_205_not_204() -> None:
    """review: SEFAZ keeps a denied NF-e; sent again it answers 205 "denegada", on which lojasync asks SEFAZ by key
    for the denial and its protocol (the simulator answered 204, and that path was never exercised)."""
    simulator = SefazSimulator()
    document = signed_nfe(number=7)
    simulator.set_switches(reject_with="302")
    assert _authorise(simulator, _batch(document)) == [b"104", b"302"]
    simulator.set_switches(reject_with=None)
    assert _authorise(simulator, _batch(document)) == [b"104", b"205"]


def _changing(path: str, value: str):
    def change(info: etree._Element) -> None:
        info.find("/".join(f"{{{NFE}}}{step}" for step in path.split("/"))).text = value
    return change


@pytest.mark.parametrize(("path", "value", "status"), [
    ("det/prod/vProd", "80.00", b"629"),             # not 1 x 84.90
    ("total/ICMSTot/vProd", "80.00", b"564"),         # not the items' sum
    ("total/ICMSTot/vDesc", "4.90", b"537"),          # no item has that discount
    ("total/ICMSTot/vNF", "999.99", b"610"),          # not what makes it up
    ("pag/detPag/vPag", "1.00", b"865"),              # the payments do not cover it
])
def test_values_that_do_not_add_up_are_refused_with_sefazs_code(path: str, value: str, status: bytes) -> None:
    """review: vNF 999.99 on goods of 84.90, an item's value not its quantity times its price, payments of 1.00:
    all authorised. SEFAZ checks the arithmetic (lojasync spreads freight and discounts so that it holds)."""
    assert _authorise(SefazSimulator(), _batch(signed_nfe(change=_changing(path, value)))) == [b"104", status]


def _recipient_cpf(cpf: str):
    def change(info: etree._Element) -> None:
        dest = info.find(f"{{{NFE}}}dest")
        cnpj = dest.find(f"{{{NFE}}}CNPJ")
        cnpj.tag = f"{{{NFE}}}CPF"
        cnpj.text = cpf
    return change


@pytest.mark.parametrize(("change", "status"), [
    (_changing("emit/CNPJ", "11222333000199"), b"207"),      # the emitter's check digits
    (_changing("dest/CNPJ", "27373722000149"), b"208"),      # the recipient's
    (_recipient_cpf("12345678900"), b"237"),
    (_changing("ide/cMunFG", "3550308"), b"271"),             # São Paulo on a PR NF-e
])
def test_documents_and_places_that_do_not_check_are_refused(change, status: bytes) -> None:
    """review: an emitter CNPJ, a recipient CNPJ or CPF with wrong check digits, the taxable event's place in another
    UF: all authorised. The simulator checks them by its own rules (lojasync's are not used here)."""
    assert _authorise(SefazSimulator(), _batch(signed_nfe(change=change))) == [b"104", status]
    assert _authorise(SefazSimulator(), _batch(signed_nfe(change=_recipient_cpf("52998224725")))) == [b"104", b"100"]
