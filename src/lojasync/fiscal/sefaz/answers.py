"""SEFAZ's answer messages read into `SefazAnswer`: the code that decides, and what identifies it.

A batch's own code (104 "Lote processado", 128 "Lote de Evento Processado") only says the batch was read;
the answer about the document is in its protNFe / retEvento, so that is what an answer carries when there
is one. The protocol elements are kept as standalone XML (NF-e namespace declared) for the nfeProc and the
procEventoNFe.
"""

from __future__ import annotations

import copy
from datetime import datetime

from lxml import etree

from lojasync.fiscal.gateway import SefazAnswer
from lojasync.fiscal.sefaz.envelope import NFE


def _find(element: etree._Element, path: str) -> etree._Element | None:
    return element.find("/".join(f"{{{NFE}}}{step}" for step in path.split("/")))


def _text(element: etree._Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = _find(element, path)
    value = found.text.strip() if found is not None and found.text else None
    return value or None


def _moment(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(copy.deepcopy(element), encoding="utf-8")


def _outer(message: etree._Element, **more) -> SefazAnswer:
    return SefazAnswer(status=_text(message, "cStat") or "", reason=_text(message, "xMotivo") or "",
                       received_at=_moment(_text(message, "dhRecbto")), **more)


def _from_protocol(prot: etree._Element, **more) -> SefazAnswer:
    return SefazAnswer(status=_text(prot, "infProt/cStat") or "", reason=_text(prot, "infProt/xMotivo") or "",
                       received_at=_moment(_text(prot, "infProt/dhRecbto")), protocol=_text(prot, "infProt/nProt"),
                       access_key=_text(prot, "infProt/chNFe"), digest=_text(prot, "infProt/digVal"),
                       xml=_xml(prot), **more)


def from_authorisation(message: etree._Element) -> SefazAnswer:
    """retEnviNFe: protNFe (indSinc 1), a receipt (103), or the batch's rejection."""
    prot = _find(message, "protNFe")
    if prot is not None:
        return _from_protocol(prot)
    return _outer(message, receipt=_text(message, "infRec/nRec"))


def from_receipt(message: etree._Element, receipt: str) -> SefazAnswer:
    """retConsReciNFe: the batch's protNFe (104; one NF-e per batch here), or 105 / 106 / a rejection."""
    prot = _find(message, "protNFe")
    if prot is not None:
        return _from_protocol(prot)
    return _outer(message, receipt=_text(message, "nRec") or receipt)


def from_query(message: etree._Element) -> SefazAnswer:
    """retConsSitNFe: the NF-e's situation (100, 101 cancelled, 217 unknown, ...), with its protocol and
    events when SEFAZ has them."""
    prot = _find(message, "protNFe")
    events = tuple(_xml(e) for e in message.findall(f"{{{NFE}}}procEventoNFe"))
    answer = _outer(message, access_key=_text(message, "chNFe"), events=events)
    if prot is None:
        return answer
    from_prot = _from_protocol(prot)
    return SefazAnswer(status=answer.status, reason=answer.reason, received_at=from_prot.received_at,
                       protocol=from_prot.protocol, access_key=from_prot.access_key or answer.access_key,
                       xml=from_prot.xml, digest=from_prot.digest, events=events)


def from_events(message: etree._Element) -> SefazAnswer:
    """retEnvEvento: the first retEvento (135 registered, or its rejection), or the batch's rejection."""
    result = _find(message, "retEvento")
    if result is None:
        return SefazAnswer(status=_text(message, "cStat") or "", reason=_text(message, "xMotivo") or "")
    return SefazAnswer(status=_text(result, "infEvento/cStat") or "", reason=_text(result, "infEvento/xMotivo") or "",
                       received_at=_moment(_text(result, "infEvento/dhRegEvento")),
                       protocol=_text(result, "infEvento/nProt"), access_key=_text(result, "infEvento/chNFe"),
                       xml=_xml(result))


def from_status(message: etree._Element) -> SefazAnswer:
    return _outer(message)
