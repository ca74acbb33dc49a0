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
from lojasync.fiscal.local_time import BRASILIA
from lojasync.fiscal.sefaz.envelope import NFE
from lojasync.shared.numbers import ascii_digits

_ANY_NFE = f"{{{NFE}}}*"
_NAME_START = len(NFE) + 2


def _child(element: etree._Element, name: str) -> etree._Element | None:
    """The first child `name` in the NF-e namespace (what `find` answers, without parsing a path)."""
    return next(element.iterchildren(f"{{{NFE}}}{name}"), None)


def _texts(element: etree._Element | None) -> dict[str, str]:
    """The text of each NF-e child of `element` by local name (the first of a name), stripped, only when
    not empty: one pass over the children instead of a `find` for each field."""
    texts: dict[str, str] = {}
    if element is None:
        return texts
    for child in element.iterchildren(_ANY_NFE):
        name = child.tag[_NAME_START:]
        if name not in texts:
            texts[name] = (child.text or "").strip()
    return {name: text for name, text in texts.items() if text}


def _moment(text: str | None) -> datetime | None:
    """SEFAZ's times carry their offset (its schema asks for it); one without is Brasília's, SEFAZ's clock, not this
    server's zone nor UTC (dates review: a naive one was stored as UTC and its day read in the server's zone)."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment.replace(tzinfo=BRASILIA) if moment is not None and moment.tzinfo is None else moment


def _xml(element: etree._Element) -> bytes:
    return etree.tostring(copy.deepcopy(element), encoding="utf-8")


def _outer(message: etree._Element, **more) -> SefazAnswer:
    texts = _texts(message)
    return SefazAnswer(status=texts.get("cStat", ""), reason=texts.get("xMotivo", ""),
                       received_at=_moment(texts.get("dhRecbto")), **more)


def _from_protocol(prot: etree._Element, **more) -> SefazAnswer:
    info = _texts(_child(prot, "infProt"))
    return SefazAnswer(status=info.get("cStat", ""), reason=info.get("xMotivo", ""),
                       received_at=_moment(info.get("dhRecbto")), protocol=info.get("nProt"),
                       access_key=info.get("chNFe"), digest=info.get("digVal"), xml=_xml(prot), **more)


def from_authorisation(message: etree._Element) -> SefazAnswer:
    """retEnviNFe: protNFe (indSinc 1), a receipt (103), or the batch's rejection."""
    prot = _child(message, "protNFe")
    if prot is not None:
        return _from_protocol(prot)
    received = _texts(_child(message, "infRec"))
    average = received.get("tMed", "")
    return _outer(message, receipt=received.get("nRec"),
                  average_seconds=int(average) if ascii_digits(average, 4) else None)


def from_receipt(message: etree._Element, receipt: str) -> SefazAnswer:
    """retConsReciNFe: the batch's protNFe (104; one NF-e per batch here), or 105 / 106 / a rejection."""
    prot = _child(message, "protNFe")
    if prot is not None:
        return _from_protocol(prot)
    return _outer(message, receipt=_texts(message).get("nRec") or receipt)


def from_query(message: etree._Element) -> SefazAnswer:
    """retConsSitNFe: the NF-e's situation (100, 101 cancelled, 217 unknown, ...), with its protocol and
    events when SEFAZ has them."""
    prot = _child(message, "protNFe")
    events = tuple(_xml(e) for e in message.iterchildren(f"{{{NFE}}}procEventoNFe"))
    answer = _outer(message, access_key=_texts(message).get("chNFe"), events=events)
    if prot is None:
        return answer
    from_prot = _from_protocol(prot)
    return SefazAnswer(status=answer.status, reason=answer.reason, received_at=from_prot.received_at,
                       protocol=from_prot.protocol, access_key=from_prot.access_key or answer.access_key,
                       xml=from_prot.xml, digest=from_prot.digest, events=events)


def from_events(message: etree._Element) -> SefazAnswer:
    """retEnvEvento: the first retEvento (135 registered, or its rejection), or the batch's rejection."""
    result = _child(message, "retEvento")
    if result is None:
        texts = _texts(message)
        return SefazAnswer(status=texts.get("cStat", ""), reason=texts.get("xMotivo", ""))
    info = _texts(_child(result, "infEvento"))
    return SefazAnswer(status=info.get("cStat", ""), reason=info.get("xMotivo", ""),
                       received_at=_moment(info.get("dhRegEvento")), protocol=info.get("nProt"),
                       access_key=info.get("chNFe"), xml=_xml(result))


def from_void(message: etree._Element) -> SefazAnswer:
    """retInutNFe: 102 voided (with nProt), or the rejection; `xml` is the whole answer, which the procInutNFe
    keeps beside the request."""
    info = _texts(_child(message, "infInut"))
    return SefazAnswer(status=info.get("cStat", ""), reason=info.get("xMotivo", ""),
                       received_at=_moment(info.get("dhRecbto")), protocol=info.get("nProt"), xml=_xml(message))


def from_status(message: etree._Element) -> SefazAnswer:
    return _outer(message)
