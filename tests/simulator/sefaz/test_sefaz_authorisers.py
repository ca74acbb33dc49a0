"""Each SEFAZ web service belongs to one authoriser, which receives the NF-e of its own UFs only: another UF's
NF-e, or a query by another UF's key, is rejection 226 ("Código da UF do Emitente diverge da UF
autorizadora"). lojasync's client calls its UF's authoriser, so its own NF-e never meet it."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from lojasync.fiscal.access_key import build_access_key
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.nfe_xml import build_nfe_xml
from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.fiscal.sefaz.endpoints import Service
from lojasync.fiscal.signing import sign
from lojasync.simulators.sefaz.authorisers import AUTHORISERS
from tests.unit.nfe_drafts import NUMERIC_CNPJ, draft, issuer

from .documents import certificate, key_digit, key_of, now, q, signed_nfe

UF_MISMATCH = ("226", "Rejeicao: Codigo da UF do Emitente diverge da UF autorizadora")


def lojasync_nfe(number: int, *, forged_uf: str | None = None) -> bytes:
    """lojasync's NF-e of a company in SP, signed; `forged_uf`: its cUF and the key's UF digits replaced
    (the key's check digit recomputed) before signing, so that nothing but the UF is wrong."""
    issued_at = now()
    key = build_access_key(UF_CODES["SP"], issued_at, NUMERIC_CNPJ, 1, number)
    document = build_nfe_xml(draft(issuer_=issuer(cnpj=NUMERIC_CNPJ), number=number, issued_at=issued_at,
                                   access_key=key, random_code=key[35:43]))
    if forged_uf is not None:
        root = etree.fromstring(document)
        info = root.find(q("infNFe"))
        first43 = UF_CODES[forged_uf] + key[2:43]
        info.find(f"{q('ide')}/{q('cUF')}").text = UF_CODES[forged_uf]
        info.find(f"{q('ide')}/{q('cDV')}").text = key_digit(first43)
        info.set("Id", f"NFe{first43}{key_digit(first43)}")
        document = etree.tostring(root, encoding="utf-8")
    return sign(document, certificate(NUMERIC_CNPJ), element="infNFe")


def client_for(sefaz, uf: str) -> SefazSoapClient:
    return SefazSoapClient(uf, base_url=sefaz.url, timeout=5.0, poll_interval=0.01)


def test_lojasync_nfe_of_a_company_in_sp_is_authorised_and_a_forged_uf_is_226(sefaz) -> None:
    with client_for(sefaz, "SP") as sp:
        authorised = sp.authorise(lojasync_nfe(81))
        assert authorised.status == "100", authorised.reason
        forged = lojasync_nfe(82, forged_uf="PR")
        refused = sp.authorise(forged)
        assert (refused.status, refused.reason) == UF_MISMATCH and refused.access_key == key_of(forged)
        assert sefaz.simulator.nfe(key_of(forged)) is None   # refused, not recorded
    # 226 was about where it went: PR's authoriser takes it (the simulator does not check the emitter's
    # address against cUF).
    with client_for(sefaz, "PR") as pr:
        assert pr.authorise(forged).status == "100"


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
