"""The SEFAZ gateway over SEFAZ's SOAP 1.2 web services, on httpx: SEFAZ itself, or the simulator by URL.

One NF-e per batch, synchronous (indSinc 1). An authoriser that still answers 103 (received) is asked
again by receipt a few times; what is still in processing after that comes back as 105 with its receipt,
for the caller to ask later. A call that gets no answer raises `SefazUnreachable` (retryable): the caller
must then query by key before sending the same NF-e again, since SEFAZ may have authorised it.

A `deadline` (time.monotonic) bounds a whole transmission, whatever its calls: each call waits at most
what is left of it (its timeouts are the configured ones or the time left, the shorter), no call starts
once it has passed (`SefazUnreachable`, as if unanswered), and no receipt poll waits beyond it (the
batch comes back 105, in processing). httpx bounds each network operation (connecting, sending, reading),
not a request as a whole: a call started with L seconds left ends within a few times L.
"""

from __future__ import annotations

import functools
import re
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
from lxml import etree

from lojasync.fiscal.gateway import BATCH_PROCESSED, EVENT_BATCH_PROCESSED, Environment, SefazAnswer
from lojasync.fiscal.sefaz import answers, envelope, messages
from lojasync.fiscal.sefaz.connections import SefazConnections
from lojasync.fiscal.sefaz.endpoints import Service, service_url, uf_code
from lojasync.fiscal.sefaz.errors import (
    SefazConfigurationError,
    SefazInvalidAnswer,
    SefazReceiptRefused,
    SefazUnreachable,
    in_batch,
    maybe_delivered,
)
from lojasync.fiscal.sefaz.http_client import SoapHttpClient
from lojasync.fiscal.sefaz.tls import ClientCertificate, tls_context
from lojasync.fiscal.sefaz_outcomes import Outcome, outcome_of
from lojasync.shared.numbers import ascii_digits

# SEFAZ's own guidance is to wait up to a minute; the connection either opens fast or not at all.
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# The longest wait for a receipt that a tMed makes: an authoriser that says more is asked again later, not waited on.
MAX_RECEIPT_WAIT = 15.0
_RECEIPT = re.compile(r"[0-9]{15}")
_KEY = re.compile(r"[0-9]{6}[0-9A-Z]{12}[0-9]{26}")
# retConsReciNFe's cStat for a batch that was itself invalid (MOC, BR05): the NF-e's answer. Any other
# rejection outside a protNFe (248 another authoriser's receipt, 252, 215, 223...) refuses the poll alone.
_INVALID_BATCH = frozenset({"225", "565", "568"})


class SefazSoapClient:
    """`SefazGateway` for one UF and environment.

    `base_url` replaces the national URL table (each service at `{base_url}/{authoriser}/{Service}`): the
    simulator on 127.0.0.1, plain HTTP. Without it the real authoriser of `uf` is used, which requires `certificate`
    (the company's A1, presented as TLS client certificate). With `connections` (the process's kept
    connections, `fiscal.sefaz.connections`) the HTTP client is borrowed from them and `close` leaves it
    open for the next transmission; a `transport` (tests) always gets a client of its own.
    """

    def __init__(self, uf: str, environment: Environment = Environment.HOMOLOGATION, *,
                 certificate: ClientCertificate | None = None, base_url: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, polls: int = 3, poll_interval: float = 1.0,
                 verify: bool = True, ca_bundle: str | Path | None = None,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
                 connections: SefazConnections | None = None, deadline: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        try:
            self.uf_code = uf_code(uf)
        except ValueError as exc:
            raise SefazConfigurationError(reason=str(exc)) from None
        self.uf = uf
        self.environment = Environment(environment)
        self.base_url = base_url
        if base_url is None and certificate is None:
            raise SefazConfigurationError(reason="a SEFAZ exige o certificado digital A1 da empresa na conexão")
        self.polls = polls
        self.poll_interval = poll_interval
        self._sleep = sleep
        self.deadline = deadline
        self._clock = clock
        # A number is the wait for an answer (LOJASYNC_SEFAZ_TIMEOUT): the connection keeps its own short limit
        # (review: 60 s to find an authoriser unreachable, where 10 said "not sent" in time to go on).
        self._timeout = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(
            timeout, connect=min(timeout, DEFAULT_TIMEOUT.connect))
        timeout = self._timeout
        secure = base_url is None or base_url.lower().startswith("https:")
        self._owns_http = connections is None or transport is not None
        try:
            if self._owns_http:
                tls = tls_context(certificate, verify=verify, ca_bundle=ca_bundle) if secure else False
                self._http = SoapHttpClient(verify=tls, timeout=timeout, transport=transport,
                                          headers={"User-Agent": "lojasync"})
            else:
                self._http = connections.client(certificate, secure=secure, verify=verify, ca_bundle=ca_bundle,
                                                timeout=timeout)
        except (ssl.SSLError, OSError) as exc:
            raise SefazConfigurationError(reason=f"certificado ou cadeia TLS ilegível ({exc})") from None

    # SefazGateway
    def authorise(self, signed_nfe: bytes) -> SefazAnswer:
        body = messages.envi_nfe(signed_nfe, messages.batch_id(), synchronous=True)
        answer = self._ask(Service.AUTHORISATION, body, answers.from_authorisation)
        # The receipt is first asked for after the authoriser's average processing time (tMed), as the MOC tells
        # senders: asked sooner, it is 105 again, and asking too often is what SEFAZ answers 656 (consumo indevido)
        # to. Then every poll_interval, as before (review: tMed before every poll held a transmission 45 s), and
        # at poll_interval from the start when tMed does not fit before the deadline.
        first = max(self.poll_interval, min(answer.average_seconds or 0, MAX_RECEIPT_WAIT))
        wait = first if self._time_for(first) else self.poll_interval
        for _ in range(self.polls):
            if not (answer.in_processing and answer.receipt):
                break
            if not self._time_for(wait):  # still in processing: the caller asks again later
                break
            self._sleep(wait)
            wait = self.poll_interval
            receipt = answer.receipt
            try:
                answer = self.query_receipt(receipt)
            except SefazUnreachable as exc:   # SEFAZ holds the batch: whatever this poll met, it may be authorised
                raise in_batch(maybe_delivered(exc), receipt) from exc
            except SefazInvalidAnswer as exc:
                raise in_batch(exc, receipt) from exc
            except SefazConfigurationError as exc:
                # The poll's connection refused (the certificate, its chain: TLS review): SEFAZ holds the batch all the
                # same. Taken for "refused before SEFAZ read anything", the receipt was lost and the sending window
                # cleared while SEFAZ might authorise the NF-e.
                raise in_batch(SefazUnreachable(
                    service=Service.RECEIPT.value,
                    reason=f"{exc.params.get('reason', exc.message)}; a NF-e pode já estar na SEFAZ"), receipt) from exc
            if answer.xml is None and answer.status not in _INVALID_BATCH and outcome_of(answer) is Outcome.REJECTED:
                raise SefazReceiptRefused(receipt=receipt, status=answer.status, reason=answer.reason)
        return answer

    def query_receipt(self, receipt: str) -> SefazAnswer:
        if not _RECEIPT.fullmatch(receipt):
            raise ValueError(f"recibo inválido (15 dígitos): {receipt!r}")
        body = messages.cons_reci_nfe(self.environment.value, receipt)
        return self._ask(Service.RECEIPT, body, lambda message: answers.from_receipt(message, receipt))

    def query_nfe(self, access_key: str) -> SefazAnswer:
        if not _KEY.fullmatch(access_key):
            raise ValueError(f"chave de acesso inválida: {access_key!r}")
        body = messages.cons_sit_nfe(self.environment.value, access_key)
        return self._ask(Service.QUERY, body, answers.from_query)

    def cancel(self, signed_event: bytes) -> SefazAnswer:
        body = messages.env_evento(signed_event, messages.batch_id())
        return self._ask(Service.EVENTS, body, answers.from_events)

    def void_numbers(self, signed_request: bytes) -> SefazAnswer:
        if messages.root_name(signed_request) != "inutNFe":
            raise ValueError("void_numbers() recebe um pedido de inutilização assinado (elemento inutNFe)")
        return self._ask(Service.VOID, envelope.without_declaration(signed_request), answers.from_void)

    def service_status(self) -> SefazAnswer:
        body = messages.cons_stat_serv(self.environment.value, self.uf_code)
        return self._ask(Service.STATUS, body, answers.from_status)

    # transport
    def _ask(self, service: Service, content: bytes, read: Callable[[etree._Element], SefazAnswer]) -> SefazAnswer:
        answer = read(self._call(service, content))
        # Three or four digits (the layout's TStat since the Reforma: 1115 "IBS/CBS não informado" is four): a
        # four-digit rejection was taken for an answer without cStat, and its NF-e left awaiting SEFAZ.
        if not (ascii_digits(answer.status, 4) and len(answer.status) >= 3):
            raise SefazInvalidAnswer(service=service.value, reason="resposta sem cStat")
        # A processed batch always carries the document's own answer; one without it answered nothing.
        if answer.status in (BATCH_PROCESSED, EVENT_BATCH_PROCESSED):
            raise SefazInvalidAnswer(service=service.value, reason=f"lote processado ({answer.status}) sem o protocolo")
        return answer

    def _call(self, service: Service, content: bytes) -> etree._Element:
        url = _url(self.uf, self.environment, service, self.base_url)
        try:
            response = self._http.post(url, content=envelope.request(service, content),
                                       headers={"Content-Type": envelope.content_type(service)},
                                       timeout=self._timeout_now(service))
        except httpx.ConnectTimeout as exc:   # no connection was made: nothing was sent
            raise SefazUnreachable(service=service.value, reason="tempo esgotado ao conectar, nada foi enviado",
                                   not_sent=True) from exc
        except httpx.TimeoutException as exc:
            words = "enviando a nota" if isinstance(exc, httpx.WriteTimeout) else "esperando a resposta"
            raise SefazUnreachable(service=service.value, reason=f"tempo esgotado {words}") from exc
        except httpx.ConnectError as exc:
            if _server_not_trusted(exc):
                raise _untrusted_server(exc) from exc
            if _certificate_refused(exc):
                raise _refused_certificate(exc) from exc
            if (alert := _no_tls_agreement(exc)) is not None:
                raise _tls_not_agreed(alert) from exc
            raise SefazUnreachable(service=service.value, reason="conexão recusada ou servidor fora do alcance, nada "
                                   "foi enviado", not_sent=True) from exc
        except httpx.TransportError as exc:
            if _server_not_trusted(exc):
                raise _untrusted_server(exc) from exc
            if _certificate_refused(exc):   # TLS 1.3: the server's alert comes after the request was written
                raise _refused_certificate(exc) from exc
            raise SefazUnreachable(service=service.value, reason="a conexão caiu antes da resposta") from exc
        try:
            content_answer = envelope.answer(service, response.content)
        except envelope.NotAnAnswer as exc:
            if response.status_code == 403 and _about_the_certificate(response.content):
                # IIS's 403.7/403.16 pages: no client certificate, or not trusted. Any other 403 (a firewall, a rate
                # limit in front of SEFAZ) is no answer, tried again like one (review: it sent the operator to change
                # a good certificate, and the NF-e was taken for not sent).
                raise _refused_certificate(f"HTTP 403, {exc}") from None
            raise SefazInvalidAnswer(service=service.value, reason=f"HTTP {response.status_code}, {exc}") from None
        if response.status_code != 200 and content_answer.find("{*}cStat") is None:
            raise SefazInvalidAnswer(service=service.value, reason=f"HTTP {response.status_code}")
        # SEFAZ's own answer under another HTTP status (a 500 around a rejection) is still its decision: thrown
        # away, a rejection never reached the operator and the NF-e was sent again on every round (656).
        return content_answer

    def _time_for(self, seconds: float) -> bool:
        """Whether `seconds` of waiting still leave time before the deadline."""
        return self.deadline is None or self._clock() + seconds < self.deadline

    def _timeout_now(self, service: Service):
        """This call's timeouts: the configured ones, none longer than what is left before the deadline.
        Raises `SefazUnreachable` when nothing is left: the call is not made (nothing sent)."""
        if self.deadline is None:
            return httpx.USE_CLIENT_DEFAULT
        left = self.deadline - self._clock()
        if left <= 0:
            raise SefazUnreachable(service=service.value, reason="prazo da transmissão esgotado, nada foi enviado",
                                   not_sent=True)
        configured = self._timeout
        return httpx.Timeout(connect=_shorter(configured.connect, left), read=_shorter(configured.read, left),
                             write=_shorter(configured.write, left), pool=_shorter(configured.pool, left))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> SefazSoapClient:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


@functools.lru_cache(maxsize=256)
def _url(uf: str, environment: Environment, service: Service, base_url: str | None) -> httpx.URL:
    """The service's URL, parsed once: httpx parses a URL given as text on every request (~15 us)."""
    return httpx.URL(service_url(uf, environment, service, base_url))


def _shorter(configured: float | None, left: float) -> float:
    return left if configured is None else min(configured, left)


def _server_not_trusted(error: BaseException) -> bool:
    return _verification_error(error) is not None


def _causes(error: BaseException) -> Iterator[BaseException]:
    """`error`, then what caused it, down the chain httpx and httpcore wrap the ssl module's errors in."""
    seen: BaseException | None = error
    while seen is not None:
        yield seen
        seen = seen.__cause__ or seen.__context__


def _verification_error(error: BaseException) -> ssl.SSLCertVerificationError | None:
    return next((seen for seen in _causes(error) if isinstance(seen, ssl.SSLCertVerificationError)), None)


# The handshake failing for want of a common TLS version or cipher (a server of TLS 1.0/1.1 only, a proxy in front of
# SEFAZ set so), or a TLS client speaking to a port without TLS: retried as "servidor fora do alcance" for ever (TLS
# review). A bare handshake failure is left to the retries: one node of SEFAZ's set badly can say it for a while.
_NO_AGREEMENT = ("ALERT_PROTOCOL_VERSION", "UNSUPPORTED_PROTOCOL", "NO_PROTOCOLS_AVAILABLE", "NO_SHARED_CIPHER",
                 "WRONG_VERSION_NUMBER")


def _no_tls_agreement(error: BaseException) -> str | None:
    return next((alert for seen in _causes(error) for alert in _NO_AGREEMENT if alert in str(seen).upper()), None)


def _tls_not_agreed(alert: str) -> SefazConfigurationError:
    return SefazConfigurationError(
        reason=f"a conexão TLS com o servidor da SEFAZ não se estabeleceu ({alert}), nada foi enviado",
        resolution=("O lojasync usa TLS 1.2 ou mais novo, como a SEFAZ: confira o endereço chamado (um servidor sem "
                    "TLS, ou um proxy na frente da SEFAZ com TLS antigo); corrigido, transmita de novo."))


# The TLS alerts a server sends about the client's certificate (OpenSSL's names): SEFAZ refused the A1 before it
# read the request. Taken for a network failure, the NF-e waited and was sent again for good, and nobody was told.
_CERTIFICATE_ALERTS = ("ALERT_UNKNOWN_CA", "ALERT_BAD_CERTIFICATE", "ALERT_CERTIFICATE_UNKNOWN",
                       "ALERT_CERTIFICATE_REVOKED", "ALERT_CERTIFICATE_EXPIRED", "ALERT_CERTIFICATE_REQUIRED",
                       "ALERT_UNSUPPORTED_CERTIFICATE", "ALERT_ACCESS_DENIED")


def _certificate_refused(error: BaseException) -> bool:
    return any(alert in str(seen).upper() for seen in _causes(error) for alert in _CERTIFICATE_ALERTS)


# What IIS (the authorisers' servers) writes on a 403 about the client certificate: 403.7 none sent, 403.13 revoked,
# 403.16 untrusted; and the words of such pages.
_CERTIFICATE_PAGE = re.compile(rb"403\.(?:7|13|16)\b|certificate|certificado", re.IGNORECASE)


def _about_the_certificate(body: bytes) -> bool:
    """Whether a 403 without a SOAP answer is about the client certificate: it says so, or says nothing at all (a
    bare 403 to a TLS client is most often that). A page about something else (a firewall, a rate limit) is not."""
    return not body.strip() or _CERTIFICATE_PAGE.search(body[:20_000]) is not None


def _refused_certificate(detail: object) -> SefazConfigurationError:
    return SefazConfigurationError(
        reason=f"a SEFAZ recusou o certificado digital A1 da empresa ({str(detail)[:200]})",
        resolution=("Confira o certificado A1: precisa ser ICP-Brasil, e-CNPJ da empresa, dentro da validade e não "
                    "revogado. Instale o certificado certo (lojasync company certificate ARQUIVO) e "
                    "transmita de novo."))


# OpenSSL's verification codes that a CA bundle does not fix (TLS review: a hostname mismatch and an expired server
# certificate were both told to set LOJASYNC_SEFAZ_CA_BUNDLE).
_HOSTNAME_MISMATCH, _IP_MISMATCH, _CERTIFICATE_EXPIRED, _NOT_YET_VALID = 62, 64, 10, 9


def _untrusted_server(error: BaseException | None = None) -> SefazConfigurationError:
    verification = _verification_error(error) if error is not None else None
    code = getattr(verification, "verify_code", None)
    if code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
        return SefazConfigurationError(
            reason="o certificado TLS do servidor chamado não é do endereço da SEFAZ (nome ou IP diferente)",
            resolution=("Confira o endereço chamado: a UF e o ambiente da empresa, e LOJASYNC_SEFAZ_URL se estiver "
                        "definida. Uma cadeia de certificados não resolve isso."))
    if code in (_CERTIFICATE_EXPIRED, _NOT_YET_VALID):
        return SefazConfigurationError(
            reason="o certificado TLS do servidor da SEFAZ está fora da validade para esta máquina",
            resolution=("Confira a data e a hora desta máquina (o relógio errado faz um certificado válido parecer "
                        "vencido); se estiverem certas, o problema é do servidor: transmita mais tarde."))
    return SefazConfigurationError(
        reason="o certificado TLS do servidor da SEFAZ não foi reconhecido",
        resolution=("O servidor não encadeia às raízes do sistema nem à cadeia ICP-Brasil que acompanha o lojasync: "
                    "aponte em LOJASYNC_SEFAZ_CA_BUNDLE um PEM com a cadeia atual do ITI (acraiz.icpbrasil.gov.br) e "
                    "tente de novo."))
