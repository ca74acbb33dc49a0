"""lojasync's own NF-e and cancellation event (builder + signer) through the client to the simulator: what the
product will send is what the simulator authorises and cancels."""

from __future__ import annotations

from datetime import datetime

from lojasync.fiscal.access_key import build_access_key
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.nfe_events import build_cancellation_event_xml
from lojasync.fiscal.nfe_xml import build_nfe_xml
from lojasync.fiscal.sefaz import SefazSoapClient
from lojasync.fiscal.signing import sign
from tests.unit.nfe_drafts import NUMERIC_CNPJ, draft, issuer

from .documents import ALPHANUMERIC_COMPANY, certificate, digest_of, now


def lojasync_nfe(cnpj: str, number: int, issued_at: datetime) -> tuple[str, bytes]:
    issuing = issuer(cnpj=cnpj)
    key = build_access_key(UF_CODES[issuing.address.uf], issued_at, cnpj, 1, number)
    document = build_nfe_xml(draft(issuer_=issuing, number=number, issued_at=issued_at, access_key=key,
                                   random_code=key[35:43]))
    return key, sign(document, certificate(cnpj), element="infNFe")


def test_lojasync_documents_are_authorised_and_cancelled(sefaz) -> None:
    # The issuer is in SP: its client calls SP's authoriser, which receives SP's NF-e only (else 226).
    client = SefazSoapClient("SP", base_url=sefaz.url, timeout=5.0, poll_interval=0.01)
    for cnpj in (NUMERIC_CNPJ, ALPHANUMERIC_COMPANY):
        key, signed = lojasync_nfe(cnpj, 77, now())
        answer = client.authorise(signed)
        assert (answer.status, answer.access_key, answer.digest) == ("100", key, digest_of(signed)), answer.reason
        event = build_cancellation_event_xml(key, cnpj, answer.protocol, "Pedido cancelado na loja pelo cliente",
                                             when=now(), environment=Environment.HOMOLOGATION, uf_code=key[:2])
        cancelled = client.cancel(sign(event, certificate(cnpj), element="infEvento"))
        assert cancelled.status == "135", cancelled.reason
        assert client.query_nfe(key).status == "101"
