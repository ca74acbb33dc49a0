"""The SOAP client's own behaviour against canned answers (httpx's MockTransport): what it sends, how it
reads SEFAZ's messages, polling by receipt, and what is not an answer."""

from __future__ import annotations

import httpx
import pytest
from lxml import etree

from lojasync.fiscal.sefaz import (
    SefazConfigurationError,
    SefazInvalidAnswer,
    SefazReceiptRefused,
    SefazSoapClient,
    SefazUnreachable,
)
from lojasync.fiscal.sefaz.errors import IN_BATCH

SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
NFE = "http://www.portalfiscal.inf.br/nfe"
KEY = "35200159594315000157550010000000012062777161"


def soap_answer(service: str, content: str) -> bytes:
    return (f'<soap:Envelope xmlns:soap="{SOAP12}"><soap:Body>'
            f'<nfeResultMsg xmlns="http://www.portalfiscal.inf.br/nfe/wsdl/{service}">{content}</nfeResultMsg>'
            "</soap:Body></soap:Envelope>").encode()


def prot(status: str, reason: str, protocol: str | None = "135200000000001") -> str:
    number = f"<nProt>{protocol}</nProt><digVal>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</digVal>" if protocol else ""
    return (f'<protNFe versao="4.00"><infProt><tpAmb>2</tpAmb><verAplic>SP_NFE_PL009_V4</verAplic><chNFe>{KEY}</chNFe>'
            f"<dhRecbto>2026-12-01T10:00:00-03:00</dhRecbto>{number}<cStat>{status}</cStat>"
            f"<xMotivo>{reason}</xMotivo></infProt></protNFe>")


def ret_envi(status: str, inner: str = "") -> str:
    return (f'<retEnviNFe xmlns="{NFE}" versao="4.00"><tpAmb>2</tpAmb><verAplic>SP</verAplic><cStat>{status}</cStat>'
            f"<xMotivo>x</xMotivo><cUF>35</cUF><dhRecbto>2026-12-01T10:00:00-03:00</dhRecbto>{inner}</retEnviNFe>")


def ret_reci(status: str, inner: str = "", reason: str = "x") -> str:
    return (f'<retConsReciNFe xmlns="{NFE}" versao="4.00"><tpAmb>2</tpAmb><verAplic>SP</verAplic>'
            f"<nRec>351000000000001</nRec><cStat>{status}</cStat><xMotivo>{reason}</xMotivo><cUF>35</cUF>"
            f"<dhRecbto>2026-12-01T10:00:00-03:00</dhRecbto>{inner}</retConsReciNFe>")


class Canned:
    """Answers in order, and what the client sent."""

    def __init__(self, *replies: tuple[int, bytes] | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return httpx.Response(reply[0], content=reply[1])


def client(canned: Canned, **options) -> SefazSoapClient:
    return SefazSoapClient("SP", base_url="http://sefaz.invalid", transport=httpx.MockTransport(canned), **options)


def test_the_request_is_a_soap_12_call_of_the_service() -> None:
    canned = Canned((200, soap_answer("NFeStatusServico4", f'<retConsStatServ xmlns="{NFE}" versao="4.00"><tpAmb>2</tpAmb>'
                                      "<verAplic>SP</verAplic><cStat>107</cStat><xMotivo>Servico em Operacao</xMotivo>"
                                      "<cUF>35</cUF><dhRecbto>2026-12-01T10:00:00-03:00</dhRecbto></retConsStatServ>")))
    answer = client(canned).service_status()
    assert (answer.status, answer.reason) == ("107", "Servico em Operacao")
    (request,) = canned.requests
    assert str(request.url) == "http://sefaz.invalid/SP/NFeStatusServico4"
    assert request.headers["content-type"] == ('application/soap+xml; charset=utf-8; '
                                               'action="http://www.portalfiscal.inf.br/nfe/wsdl/NFeStatusServico4/nfeStatusServicoNF"')
    sent = etree.fromstring(request.content)
    message = sent.find(f"{{{SOAP12}}}Body/{{http://www.portalfiscal.inf.br/nfe/wsdl/NFeStatusServico4}}nfeDadosMsg")
    (content,) = list(message)
    assert content.tag == f"{{{NFE}}}consStatServ" and content.get("versao") == "4.00"
    assert [(c.tag.split("}")[1], c.text) for c in content] == [("tpAmb", "2"), ("cUF", "35"), ("xServ", "STATUS")]


def test_each_client_posts_to_its_own_address() -> None:
    """The parsed URLs are kept per UF, environment, service and base URL: never one client's for another."""
    status = soap_answer("NFeStatusServico4", f'<retConsStatServ xmlns="{NFE}" versao="4.00"><cStat>107</cStat>'
                                              "</retConsStatServ>")
    sent = []
    for base_url in ("http://a.invalid", "http://b.invalid/simulador/", "http://a.invalid"):
        canned = Canned((200, status))
        gateway = SefazSoapClient("SP", base_url=base_url, transport=httpx.MockTransport(canned))
        gateway.service_status()
        sent += [str(request.url) for request in canned.requests]
    assert sent == ["http://a.invalid/SP/NFeStatusServico4", "http://b.invalid/simulador/SP/NFeStatusServico4",
                    "http://a.invalid/SP/NFeStatusServico4"]


def test_a_cookie_the_server_sets_is_sent_back_and_an_answer_without_one_leaves_none(monkeypatch) -> None:
    """The jar is skipped for answers that set no cookie (the usual SEFAZ answer), and still used
    for one that does: a load balancer's stickiness cookie goes back with the next call, as with plain httpx."""
    status = soap_answer("NFeStatusServico4", f'<retConsStatServ xmlns="{NFE}" versao="4.00"><cStat>107</cStat>'
                                              "</retConsStatServ>")
    jar_reads = []
    real = httpx.Cookies.extract_cookies
    monkeypatch.setattr(httpx.Cookies, "extract_cookies", lambda self, response: (jar_reads.append(1),
                                                                                   real(self, response)))
    sent = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.headers.get("cookie"))
        headers = {"set-cookie": "BIGipServer=abc; Path=/"} if len(sent) == 2 else {}
        return httpx.Response(200, content=status, headers=headers)

    gateway = SefazSoapClient("SP", base_url="http://sefaz.invalid", transport=httpx.MockTransport(answer))
    for _ in range(3):
        assert gateway.service_status().status == "107"
    assert sent == [None, None, "BIGipServer=abc"]
    assert len(jar_reads) == 1


def test_the_documents_answer_not_the_batchs_is_what_counts() -> None:
    canned = Canned((200, soap_answer("NFeAutorizacao4", ret_envi("104", prot("204", "Rejeicao: Duplicidade de NF-e", None)))))
    answer = client(canned).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert (answer.status, answer.access_key, answer.protocol) == ("204", KEY, None)


@pytest.mark.parametrize(("average", "waits"), [("4", [4.0, 1.5]), ("1", [1.5, 1.5]), ("600", [15.0, 1.5]),
                                               ("x", [1.5, 1.5])])
def test_the_receipt_is_asked_for_after_the_authorisers_average_time(fake, average, waits) -> None:
    """review: the client polled every poll_interval whatever tMed said; asked sooner than the authoriser's average
    processing time, a receipt is 105 again, and asking too often is what SEFAZ answers 656 to."""
    receipt = ret_envi("103", f"<infRec><nRec>351000000000001</nRec><tMed>{average}</tMed></infRec>")
    canned = Canned((200, soap_answer("NFeAutorizacao4", receipt)),
                    *[(200, soap_answer("NFeRetAutorizacao4", ret_reci("105")))] * 2)
    client(canned, polls=2, poll_interval=1.5, sleep=fake.sleep).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert fake.sleeps == waits   # tMed before the first poll only (review: before every one, 45 s a transmission)


def test_a_received_batch_is_polled_then_handed_back_with_its_receipt(fake) -> None:
    receipt = ret_envi("103", "<infRec><nRec>351000000000001</nRec><tMed>1</tMed></infRec>")
    canned = Canned((200, soap_answer("NFeAutorizacao4", receipt)),
                    *[(200, soap_answer("NFeRetAutorizacao4", ret_reci("105")))] * 2)
    answer = client(canned, polls=2, poll_interval=1.5, sleep=fake.sleep).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert (answer.status, answer.receipt, answer.in_processing) == ("105", "351000000000001", True)
    assert fake.sleeps == [1.5, 1.5]
    polled = etree.fromstring(canned.requests[1].content)
    assert polled.findtext(f".//{{{NFE}}}nRec") == "351000000000001"


def test_a_refused_receipt_poll_is_no_answer_about_the_nfe(fake) -> None:
    """248 (a receipt of another authoriser), 252...: SEFAZ refused the poll, not the NF-e, which it received
    (103) and may authorise: never handed back as the NF-e's rejection (that would rebuild it with a new key)."""
    received = ret_envi("103", "<infRec><nRec>351000000000001</nRec><tMed>1</tMed></infRec>")
    reason = "Rejeicao: UF do Recibo diverge da UF autorizadora"
    canned = Canned((200, soap_answer("NFeAutorizacao4", received)),
                    (200, soap_answer("NFeRetAutorizacao4", ret_reci("248", reason=reason))))
    with pytest.raises(SefazReceiptRefused) as refused:
        client(canned, polls=2, sleep=fake.sleep).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert refused.value.retryable and len(canned.requests) == 2   # not polled again: the same refusal
    assert f"248 - {reason}" in refused.value.message and "351000000000001" in refused.value.message
    assert "pela chave de acesso" in refused.value.resolution


def test_an_invalid_batch_at_the_poll_is_the_nfes_answer(fake) -> None:
    """225 (and 565, 568) outside a protNFe: the batch itself was refused, which is the NF-e's rejection."""
    received = ret_envi("103", "<infRec><nRec>351000000000001</nRec><tMed>1</tMed></infRec>")
    canned = Canned((200, soap_answer("NFeAutorizacao4", received)),
                    (200, soap_answer("NFeRetAutorizacao4", ret_reci("225"))))
    answer = client(canned, polls=2, sleep=fake.sleep).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert answer.status == "225"


def test_a_processed_batch_without_the_protocol_is_not_an_answer() -> None:
    canned = Canned((200, soap_answer("NFeRetAutorizacao4", ret_reci("104"))))
    with pytest.raises(SefazInvalidAnswer, match="lote processado"):
        client(canned).query_receipt("351000000000001")


@pytest.mark.parametrize(("reply", "words"), [
    ((200, b"<html>Service Unavailable</html>"), "sem nfeResultMsg"),
    ((502, b"Bad Gateway"), "HTTP 502, não é XML: 'Bad Gateway'"),
    ((200, b""), "resposta vazia"),
    ((500, f'<soap:Envelope xmlns:soap="{SOAP12}"><soap:Body><soap:Fault><soap:Code><soap:Value>soap:Receiver'
           "</soap:Value></soap:Code><soap:Reason><soap:Text>Server was unable to process request</soap:Text>"
           "</soap:Reason></soap:Fault></soap:Body></soap:Envelope>".encode()),
     "HTTP 500, SOAP Fault: soap:Receiver Server was unable to process request"),
    ((500, b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault>'
           b"<faultcode>soap:Server</faultcode><faultstring>Server was unable to process request.</faultstring>"
           b"</soap:Fault></soap:Body></soap:Envelope>"),
     "HTTP 500, SOAP Fault: soap:Server Server was unable to process request."),   # review: SOAP 1.1's, lost
    ((200, soap_answer("NFeStatusServico4", f'<retConsStatServ xmlns="{NFE}"/>')), "resposta sem cStat"),
])
def test_what_is_not_an_answer_is_a_retryable_error(reply: tuple[int, bytes], words: str) -> None:
    with pytest.raises(SefazInvalidAnswer) as caught:
        client(Canned(reply)).service_status()
    assert caught.value.retryable and words in str(caught.value)


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("slow"), httpx.ConnectError("refused"),
                                     httpx.RemoteProtocolError("closed")])
def test_no_answer_is_unreachable_and_retryable(failure: Exception) -> None:
    with pytest.raises(SefazUnreachable) as caught:
        client(Canned(failure)).query_nfe(KEY)
    assert caught.value.retryable and caught.value.params["service"] == "NFeConsultaProtocolo4"


# A transmission's deadline (fiscal.services.invoices.TRANSMISSION_TIME): every call waits at most what is left.
RECEIVED = soap_answer("NFeAutorizacao4", ret_envi("103", "<infRec><nRec>351000000000001</nRec><tMed>1</tMed></infRec>"))
IN_PROCESSING = soap_answer("NFeRetAutorizacao4", ret_reci("105"))


def test_each_call_waits_at_most_what_is_left_before_the_deadline(fake) -> None:
    canned = Canned((200, RECEIVED), (200, IN_PROCESSING))
    gateway = client(canned, timeout=httpx.Timeout(30.0, connect=10.0), polls=1, poll_interval=1.0,
                     sleep=fake.sleep, clock=fake.clock, deadline=fake.now + 12.0)
    gateway.authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    sent, polled = (request.extensions["timeout"] for request in canned.requests)
    assert sent == {"connect": 10.0, "read": 12.0, "write": 12.0, "pool": 12.0}
    assert polled == {"connect": 10.0, "read": 11.0, "write": 11.0, "pool": 11.0}   # 1 s of it went in waiting


def test_without_a_deadline_each_call_has_the_configured_timeouts(fake) -> None:
    canned = Canned((200, RECEIVED))
    client(canned, timeout=httpx.Timeout(30.0, connect=10.0), polls=0, clock=fake.clock).authorise(b"<NFe/>")
    assert canned.requests[0].extensions["timeout"] == {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}


def test_no_call_starts_once_the_deadline_has_passed(fake) -> None:
    canned = Canned((200, RECEIVED))
    gateway = client(canned, clock=fake.clock, deadline=fake.now)
    with pytest.raises(SefazUnreachable) as caught:
        gateway.authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert canned.requests == [] and caught.value.retryable   # nothing sent: it stays awaiting SEFAZ
    assert "prazo da transmissão esgotado" in caught.value.message


def test_receipt_polls_stop_before_waiting_past_the_deadline(fake) -> None:
    canned = Canned((200, RECEIVED), *[(200, IN_PROCESSING)] * 5)
    gateway = client(canned, polls=5, poll_interval=1.5, sleep=fake.sleep, clock=fake.clock, deadline=fake.now + 4.0)
    answer = gateway.authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert (answer.status, answer.receipt) == ("105", "351000000000001")   # in processing: asked again later
    assert fake.sleeps == [1.5, 1.5] and len(canned.requests) == 3   # a third wait would end at 4.5 s


def test_a_tmed_that_does_not_fit_before_the_deadline_leaves_the_polls_at_their_interval(fake) -> None:
    """review: with tMed 5 and 4 s left it polled no more (103 handed back), where polls of 1.5 s still fitted."""
    received = soap_answer("NFeAutorizacao4", ret_envi("103", "<infRec><nRec>351000000000001</nRec><tMed>5</tMed>"
                                                             "</infRec>"))
    canned = Canned((200, received), *[(200, IN_PROCESSING)] * 5)
    gateway = client(canned, polls=5, poll_interval=1.5, sleep=fake.sleep, clock=fake.clock, deadline=fake.now + 4.0)
    assert gateway.authorise(f'<NFe xmlns="{NFE}"/>'.encode()).status == "105"
    assert fake.sleeps == [1.5, 1.5]


@pytest.mark.parametrize("failure", [httpx.ConnectError("refused"), httpx.ConnectTimeout("slow to connect")])
def test_a_poll_that_cannot_connect_leaves_the_received_batch_maybe_authorised(fake, failure: Exception) -> None:
    """review: SEFAZ answered 103 (it holds the NF-e); the poll's failed connection was reported "nothing sent",
    so the NF-e was taken as never delivered (its sending window cleared, "não chegou à SEFAZ")."""
    canned = Canned((200, RECEIVED), failure)
    with pytest.raises(SefazUnreachable) as caught:
        client(canned, polls=1, poll_interval=1.0, sleep=fake.sleep).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert caught.value.retryable and not caught.value.params.get("not_sent")
    assert caught.value.params["service"] == "NFeRetAutorizacao4"
    assert "nada foi enviado" not in caught.value.message and "pode já estar na SEFAZ" in caught.value.message


def test_sefazs_answer_under_another_http_status_is_still_its_answer() -> None:
    """review: a rejection wrapped in an HTTP 500 was thrown away (no answer): the NF-e stayed awaiting SEFAZ and
    was sent again on every round, its rejection never shown."""
    canned = Canned((500, soap_answer("NFeAutorizacao4", ret_envi("104", prot("225", "Rejeicao: Falha no Schema XML",
                                                                             None)))))
    answer = client(canned).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert (answer.status, answer.reason) == ("225", "Rejeicao: Falha no Schema XML")
    with pytest.raises(SefazInvalidAnswer) as caught:   # with no cStat, the status is what it said
        client(Canned((500, soap_answer("NFeStatusServico4", f'<retConsStatServ xmlns="{NFE}"/>')))).service_status()
    assert "HTTP 500" in str(caught.value)


@pytest.mark.parametrize("before", [b"\r\n", b"\xef\xbb\xbf\r\n"])   # review: a byte order mark before it too
def test_a_line_break_before_the_answers_declaration_is_read(before) -> None:
    declared = before + b"<?xml version='1.0' encoding='utf-8'?>"
    body = declared + soap_answer("NFeAutorizacao4", ret_envi("104", prot("100", "Autorizado o uso da NF-e")))
    assert client(Canned((200, body))).authorise(f'<NFe xmlns="{NFE}"/>'.encode()).status == "100"


@pytest.mark.parametrize("refusal", [
    (httpx.ConnectError("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:2580)")),         # TLS 1.2
    (httpx.ReadError("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca (_ssl.c:2580)")),            # TLS 1.3
    (httpx.ConnectError("[SSL: SSLV3_ALERT_CERTIFICATE_REVOKED] sslv3 alert certificate revoked")),
    ((403, b"<html><body>403.16 - Client certificate is untrusted or invalid.</body></html>")),
])
def test_sefaz_refusing_the_certificate_says_so_and_is_not_retried(refusal) -> None:
    """review: SEFAZ refusing the A1 (not ICP-Brasil, revoked...) read as a network failure: retried for good,
    the NF-e waiting, nobody told the certificate was the problem."""
    from lojasync.fiscal.sefaz.errors import SefazConfigurationError

    with pytest.raises(SefazConfigurationError) as caught:
        client(Canned(refusal)).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert not caught.value.retryable and "recusou o certificado digital A1" in caught.value.message
    assert "ICP-Brasil" in caught.value.resolution


def test_a_403_about_something_else_is_no_answer_not_a_certificate_refusal() -> None:
    """review: any 403 without SOAP (a firewall's or a rate limit's page in front of SEFAZ) was taken for SEFAZ refusing
    the certificate: the operator told to change a good one, the NF-e taken for not sent. It is no answer, retried."""
    page = b"<html><body>Access denied: too many requests from your IP</body></html>"
    with pytest.raises(SefazInvalidAnswer) as caught:
        client(Canned((403, page))).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert caught.value.retryable and "HTTP 403" in str(caught.value)
    from lojasync.fiscal.sefaz.errors import SefazConfigurationError

    for about_it in (b"", b"<html><body>HTTP Error 403.7 - Forbidden</body></html>"):
        with pytest.raises(SefazConfigurationError):
            client(Canned((403, about_it))).authorise(f'<NFe xmlns="{NFE}"/>'.encode())


def test_a_timeout_given_as_a_number_is_the_wait_for_the_answer_and_the_connection_keeps_its_own() -> None:
    """review: LOJASYNC_SEFAZ_TIMEOUT (60 s) became every limit, the connection's too: an unreachable authoriser held
    a transmission a minute before it was said "not sent"."""
    limits = client(Canned((200, b"")), timeout=60.0)._timeout
    assert (limits.connect, limits.read, limits.write) == (10.0, 60.0, 60.0)
    assert client(Canned((200, b"")), timeout=3.0)._timeout.connect == 3.0


@pytest.mark.parametrize("refusal", [(403, b""), httpx.ReadError("[SSL: TLSV1_ALERT_UNKNOWN_CA] tlsv1 alert unknown ca")])
def test_a_poll_whose_connection_refuses_the_certificate_keeps_the_batch(fake, refusal) -> None:
    """TLS review: after SEFAZ's 103 (it holds the NF-e), a poll refused for the certificate was a configuration error
    without the receipt: taken for "refused before SEFAZ read anything", the sending window was cleared and the
    receipt lost while SEFAZ might authorise the NF-e."""
    canned = Canned((200, RECEIVED), refusal)
    with pytest.raises(SefazUnreachable) as caught:
        client(canned, polls=1, poll_interval=1.0, sleep=fake.sleep).authorise(f'<NFe xmlns="{NFE}"/>'.encode())
    assert caught.value.params[IN_BATCH] == "351000000000001" and not caught.value.params.get("not_sent")
    assert "certificado digital A1" in caught.value.message and "pode já estar na SEFAZ" in caught.value.message


def _verification_failure(code: int, message: str) -> httpx.ConnectError:
    import ssl

    failure = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: {message}")
    failure.verify_code, failure.verify_message = code, message
    error = httpx.ConnectError(str(failure))
    error.__cause__ = failure
    return error


@pytest.mark.parametrize(("failure", "said", "advice"), [
    (_verification_failure(62, "Hostname mismatch, certificate is not valid for 'x'."),
     "não é do endereço da SEFAZ", "Confira o endereço chamado"),
    (_verification_failure(10, "certificate has expired"), "fora da validade", "Confira a data e a hora"),
    (_verification_failure(20, "unable to get local issuer certificate"), "não foi reconhecido",
     "LOJASYNC_SEFAZ_CA_BUNDLE"),
    (httpx.ConnectError("[SSL: TLSV1_ALERT_PROTOCOL_VERSION] tlsv1 alert protocol version (_ssl.c:1006)"),
     "(ALERT_PROTOCOL_VERSION), nada foi enviado", "TLS 1.2 ou mais novo"),
    (httpx.ConnectError("[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)"),
     "(WRONG_VERSION_NUMBER), nada foi enviado", "um servidor sem TLS"),
])
def test_a_server_certificate_or_tls_failure_says_what_fixes_it(failure, said, advice) -> None:
    """TLS review: a hostname mismatch and an expired server certificate were told to set LOJASYNC_SEFAZ_CA_BUNDLE,
    which fixes neither; a server of TLS 1.0/1.1 only was "fora do alcance", retried for ever."""
    with pytest.raises(SefazConfigurationError) as caught:
        client(Canned(failure)).service_status()
    assert said in caught.value.message and advice in caught.value.resolution and not caught.value.retryable
