"""SEFAZ's registration of an NF-e's cancellation, read from its answer to a query by key: what a lost
cancellation answer (`invoice_cancellation`) and an NF-e awaiting SEFAZ that someone cancelled elsewhere
(`invoices`) both record."""

from __future__ import annotations

from lxml import etree

from lojasync.fiscal.gateway import EVENT_REGISTERED, SefazAnswer
from lojasync.fiscal.nfe_events import CANCELLATION
from lojasync.fiscal.nfe_proc import NFE_NS
from lojasync.fiscal.sefaz import answers

EVENT_REGISTERED_LATE = "155"   # registered outside the deadline: still a cancellation
REGISTERED = (EVENT_REGISTERED, EVENT_REGISTERED_LATE)


def ask_by_key(sefaz, certificate, uf: str, environment: str, key: str) -> SefazAnswer:
    """SEFAZ's record of the NF-e (NFeConsultaProtocolo4): authorised, cancelled with its events, unknown. Raises
    a `LojasyncError` when SEFAZ cannot be asked now (unreachable, no time left)."""
    with sefaz.gateway(uf, environment, certificate) as gateway:
        return gateway.query_nfe(key)


def cancellation_in(answer: SefazAnswer) -> tuple[SefazAnswer, str | None] | None:
    """From a query's answer: SEFAZ's registration of the cancellation and its procEventoNFe; None when SEFAZ
    does not hold the NF-e cancelled."""
    if not answer.cancelled:
        return None
    for proc in answer.events:
        registered = _registration(proc)
        if registered is not None:
            return registered, proc.decode("utf-8")
    # Cancelled there, but the query brought no event: the cancellation's protocol and time are unknown here
    # (the query's nProt and dhRecbto are the authorisation's, never to be recorded as the cancellation's).
    return SefazAnswer(status=answer.status, reason=answer.reason, access_key=answer.access_key), None


def justification_in(event_xml: str | None) -> str | None:
    """The xJust of a procEventoNFe of cancellation (the reason its sender gave), None when there is none."""
    if not event_xml:
        return None
    try:
        root = etree.fromstring(event_xml.encode("utf-8"))
    except etree.XMLSyntaxError:
        return None
    found = " ".join((root.findtext(f".//{{{NFE_NS}}}detEvento/{{{NFE_NS}}}xJust") or "").split())
    return found or None


def _registration(proc: bytes) -> SefazAnswer | None:
    """The retEvento of a procEventoNFe when it registers a cancellation (110111, 135 or 155), else None."""
    try:
        root = etree.fromstring(proc)
    except etree.XMLSyntaxError:
        return None
    # A procEventoNFe holds the retEvento the events service answered: read it as that answer.
    answer = answers.from_events(root)
    # The event's type is required in the evento, optional in SEFAZ's retEvento.
    kind = (root.findtext(f"{{{NFE_NS}}}evento/{{{NFE_NS}}}infEvento/{{{NFE_NS}}}tpEvento")
            or root.findtext(f"{{{NFE_NS}}}retEvento/{{{NFE_NS}}}infEvento/{{{NFE_NS}}}tpEvento") or "").strip()
    return answer if kind == CANCELLATION and answer.status in REGISTERED else None
