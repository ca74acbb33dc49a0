"""Each SEFAZ web service belongs to one authoriser, which receives the documents of its own UFs only: another
UF's NF-e, or a query by another UF's key, is rejection 226 ("Código da UF do Emitente diverge da UF
autorizadora"); another UF's receipt 248, cancellation 249/250, status request 289; and an NF-e whose emitter
address is in another UF than its cUF 247. lojasync's client calls its UF's authoriser, so its own
documents never meet them."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from lojasync.fiscal.access_key import build_access_key
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.nfe_xml import build_nfe_xml
from lojasync.fiscal.sefaz import SefazSoapClient, answers, messages
from lojasync.fiscal.sefaz import envelope as soap
from lojasync.fiscal.sefaz.endpoints import Service
from lojasync.fiscal.signing import sign
from lojasync.simulators.sefaz.authorisers import AUTHORISERS
from tests.unit.nfe_drafts import NUMERIC_CNPJ, draft, issuer

from .documents import cancellation, certificate, key_digit, key_of, now, q, signed_nfe

UF_MISMATCH = ("226", "Rejeicao: Codigo da UF do Emitente diverge da UF autorizadora")
ADDRESS_MISMATCH = ("247", "Rejeicao: Sigla da UF do Emitente diverge da UF autorizadora")
RECEIPT_MISMATCH = ("248", "Rejeicao: UF do Recibo diverge da UF autorizadora")
KEY_MISMATCH = ("249", "Rejeicao: UF da Chave de Acesso diverge da UF autorizadora")
ORGAN_MISMATCH = ("250", "Rejeicao: UF diverge da UF autorizadora")
STATUS_MISMATCH = ("289", "Rejeicao: Codigo da UF informada diverge da UF solicitada")


def lojasync_nfe(number: int, *, forged_uf: str | None = None, address_uf: str | None = None) -> bytes:
    """lojasync's NF-e of a company in SP, signed; `forged_uf`: its cUF and the key's UF digits replaced
    (the key's check digit recomputed) before signing, and the emitter's address UF with them, so that
    nothing but the UF is wrong; `address_uf`: the address's UF instead (to make it disagree with cUF)."""
    issued_at = now()
    key = build_access_key(UF_CODES["SP"], issued_at, NUMERIC_CNPJ, 1, number)
    document = build_nfe_xml(draft(issuer_=issuer(cnpj=NUMERIC_CNPJ), number=number, issued_at=issued_at,
                                   access_key=key, random_code=key[35:43]))
    if forged_uf is not None or address_uf is not None:
        forged_uf = forged_uf or "SP"
        root = etree.fromstring(document)
        info = root.find(q("infNFe"))
        first43 = UF_CODES[forged_uf] + key[2:43]
        info.find(f"{q('ide')}/{q('cUF')}").text = UF_CODES[forged_uf]
        info.find(f"{q('ide')}/{q('cMunFG')}").text = f"{UF_CODES[forged_uf]}00000"   # a place of that UF (271)
        info.find(f"{q('ide')}/{q('cDV')}").text = key_digit(first43)
        info.set("Id", f"NFe{first43}{key_digit(first43)}")
        info.find(f"{q('emit')}/{q('enderEmit')}/{q('UF')}").text = address_uf or forged_uf
        document = etree.tostring(root, encoding="utf-8")
    return sign(document, certificate(NUMERIC_CNPJ), element="infNFe")


def client_for(sefaz, uf: str, polls: int = 3) -> SefazSoapClient:
    """lojasync's client for a company in `uf`; `polls` 0: an asynchronous answer (103) comes back as it is."""
    return SefazSoapClient(uf, base_url=sefaz.url, timeout=5.0, poll_interval=0.01, polls=polls)


def test_lojasync_nfe_of_a_company_in_sp_is_authorised_and_a_forged_uf_is_226(sefaz) -> None:
    with client_for(sefaz, "SP") as sp:
        authorised = sp.authorise(lojasync_nfe(81))
        assert authorised.status == "100", authorised.reason
        forged = lojasync_nfe(82, forged_uf="PR")
        refused = sp.authorise(forged)
        assert (refused.status, refused.reason) == UF_MISMATCH and refused.access_key == key_of(forged)
        assert sefaz.simulator.nfe(key_of(forged)) is None   # refused, not recorded
    # 226 was about where it went: PR's authoriser takes it.
    with client_for(sefaz, "PR") as pr:
        assert pr.authorise(forged).status == "100"


def test_an_emitter_address_in_another_uf_than_the_nfes_is_247_even_where_both_are_served(sefaz) -> None:
    """Rule C12-10: enderEmit/UF must be the UF the NF-e is for; an authoriser that serves the cUF but gets an
    address elsewhere refuses it, SVRS too when it serves both UFs. 226 (where it went) comes first."""
    with client_for(sefaz, "PR") as pr, client_for(sefaz, "SC") as svrs, client_for(sefaz, "SP") as sp:
        moved = lojasync_nfe(86, forged_uf="PR", address_uf="SP")
        refused = pr.authorise(moved)
        assert (refused.status, refused.reason) == ADDRESS_MISMATCH and sefaz.simulator.nfe(key_of(moved)) is None
        assert sp.authorise(moved).status == "226"
        assert svrs.authorise(lojasync_nfe(87, forged_uf="SC", address_uf="RJ")).status == "247"
        assert svrs.authorise(lojasync_nfe(88, forged_uf="SC")).status == "100"


def test_an_svrs_authoriser_receives_each_of_its_ufs_and_no_other(sefaz) -> None:
    with client_for(sefaz, "RJ") as svrs:   # RJ's NF-e go to SVRS, which serves SC too
        assert svrs.authorise(lojasync_nfe(83, forged_uf="SC")).status == "100"
        assert svrs.authorise(lojasync_nfe(84, forged_uf="RJ")).status == "100"
        assert svrs.authorise(lojasync_nfe(85)).status == "226"   # SP has its own


def test_a_query_by_a_key_of_another_uf_is_226(sefaz) -> None:
    signed = signed_nfe(number=90)   # the sample's UF: PR
    key = key_of(signed)
    with client_for(sefaz, "PR") as pr, client_for(sefaz, "SP") as sp:
        assert pr.authorise(signed).status == "100"
        assert pr.query_nfe(key).status == "100"
        answer = sp.query_nfe(key)
        assert (answer.status, answer.reason) == UF_MISMATCH and answer.protocol is None


@pytest.mark.parametrize("uf", sorted(UF_CODES))
def test_the_clients_authoriser_for_each_uf_is_the_one_that_serves_it(sefaz, uf: str) -> None:
    """lojasync's UF -> authoriser table (fiscal.sefaz.endpoints) against the simulator's own: a key of the UF
    is known to be unknown (217) where the client asks, and a key of another authoriser's UF is refused."""
    first43 = UF_CODES[uf] + "2612" + NUMERIC_CNPJ + "55001000000001" + "1" + "10203040"
    foreign_uf = "SP" if uf != "SP" else "PR"
    foreign43 = UF_CODES[foreign_uf] + first43[2:]
    with client_for(sefaz, uf) as gateway:
        assert gateway.query_nfe(first43 + key_digit(first43)).status == "217"
        assert gateway.query_nfe(foreign43 + key_digit(foreign43)).status == "226"


def test_every_uf_has_one_authoriser_and_an_unknown_one_is_no_service(sefaz) -> None:
    served = [code for codes in AUTHORISERS.values() for code in codes]
    assert sorted(served) == sorted(UF_CODES.values())
    response = httpx.post(f"{sefaz.url}/XX/{Service.STATUS.value}", content=b"<x/>",
                          headers={"Content-Type": "application/soap+xml"})
    assert response.status_code == 404


def in_santa_catarina(info: etree._Element) -> None:
    """The sample NF-e (PR) made an SC company's: cUF and the emitter's address; SC's authoriser is SVRS."""
    info.find(f"{q('ide')}/{q('cUF')}").text = UF_CODES["SC"]
    info.find(f"{q('ide')}/{q('cMunFG')}").text = "4205407"   # Florianópolis: the taxable event's place is SC (271)
    info.find(f"{q('emit')}/{q('enderEmit')}/{q('UF')}").text = "SC"


def organ(code: str):
    def change(info: etree._Element) -> None:
        info.find(q("cOrgao")).text = code
    return change


def test_a_cancellation_is_registered_only_where_its_nfe_is_and_addressed_to_its_uf(sefaz) -> None:
    """P08-10: cOrgao not a UF of the authoriser called is 250; P12-40: a key of a UF it does not serve is 249;
    and a cancellation's organ is its NF-e's UF, so an SVRS organ on another SVRS UF's key is 250 too."""
    in_pr, in_sc = signed_nfe(number=91), signed_nfe(number=92, change=in_santa_catarina)
    with client_for(sefaz, "PR") as pr, client_for(sefaz, "SP") as sp, client_for(sefaz, "SC") as svrs:
        pr_protocol, sc_protocol = pr.authorise(in_pr).protocol, svrs.authorise(in_sc).protocol
        assert pr_protocol and sc_protocol
        pr_key, sc_key = key_of(in_pr), key_of(in_sc)
        refusals = [
            sp.cancel(cancellation(pr_key, pr_protocol)),                     # cOrgao 41 at SP
            sp.cancel(cancellation(pr_key, pr_protocol, change=organ("35"))),  # SP's organ, PR's key
            pr.cancel(cancellation(pr_key, pr_protocol, change=organ("35"))),  # PR's key, SP's organ
            svrs.cancel(cancellation(sc_key, sc_protocol, change=organ("33"))),  # RJ (SVRS) organ, SC key
            svrs.cancel(cancellation(pr_key, pr_protocol, change=organ("42"))),  # SC organ, PR key at SVRS
        ]
        assert [(a.status, a.reason) for a in refusals] == [ORGAN_MISMATCH, KEY_MISMATCH, ORGAN_MISMATCH,
                                                            ORGAN_MISMATCH, KEY_MISMATCH]
        assert not sefaz.simulator.nfe(pr_key)["eventos"] and not sefaz.simulator.nfe(sc_key)["eventos"]
        assert pr.cancel(cancellation(pr_key, pr_protocol)).status == "135"
        assert svrs.cancel(cancellation(sc_key, sc_protocol)).status == "135"   # cOrgao 42: SC's own


def test_a_receipt_is_answered_by_the_authoriser_that_gave_it_and_248_elsewhere(sefaz) -> None:
    sefaz.simulator.set_switches(sync=False)   # 103 and a receipt, as an asynchronous UF answers
    in_pr, in_sc = signed_nfe(number=93), signed_nfe(number=94, change=in_santa_catarina)
    with client_for(sefaz, "PR", polls=0) as pr, client_for(sefaz, "SC", polls=0) as svrs, \
            client_for(sefaz, "SP", polls=0) as sp:
        pr_receipt, sc_receipt = pr.authorise(in_pr).receipt, svrs.authorise(in_sc).receipt
        assert pr_receipt.startswith("41") and sc_receipt.startswith("42")   # the batch's UF
        for receipt in (pr_receipt, sc_receipt):
            refused = sp.query_receipt(receipt)
            assert (refused.status, refused.reason) == RECEIPT_MISMATCH and refused.protocol is None
        assert svrs.query_receipt(pr_receipt).status == "248"
        assert pr.query_receipt(pr_receipt).status == "100" and svrs.query_receipt(sc_receipt).status == "100"
        # A batch of another UF is refused (226) behind a receipt of the authoriser's own, which it answers.
        misrouted = sp.authorise(signed_nfe(number=95))
        assert misrouted.receipt.startswith("35")
        assert sp.query_receipt(misrouted.receipt).status == "226"


def status_of(http: httpx.Client, sefaz, authoriser: str, uf: str) -> tuple[str, str]:
    """consStatServ for `uf` (as lojasync's client writes it) posted to `authoriser`'s NFeStatusServico4."""
    response = http.post(f"{sefaz.url}/{authoriser}/{Service.STATUS.value}",
                         content=soap.request(Service.STATUS, messages.cons_stat_serv("2", UF_CODES[uf])),
                         headers={"Content-Type": soap.content_type(Service.STATUS)})
    answer = answers.from_status(soap.answer(Service.STATUS, response.content))
    return answer.status, answer.reason


def test_the_status_of_a_uf_is_asked_of_its_authoriser_and_289_elsewhere(sefaz) -> None:
    with httpx.Client(timeout=5) as http:
        assert status_of(http, sefaz, "SP", "PR") == STATUS_MISMATCH
        assert status_of(http, sefaz, "SVRS", "SP") == STATUS_MISMATCH
        assert status_of(http, sefaz, "SP", "SP")[0] == "107" and status_of(http, sefaz, "SVRS", "SC")[0] == "107"
    for uf in ("SP", "SC", "MA"):   # lojasync's client asks the right one
        with client_for(sefaz, uf) as gateway:
            assert gateway.service_status().status == "107"
