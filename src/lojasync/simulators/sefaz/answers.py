"""The answer messages, element by element in the order SEFAZ's return XSDs (ret*_v4.00, retEnvEvento) fix.

Every answer says verAplic "SIMULADOR-LOJASYNC": whatever this simulator authorised is recognisably not
SEFAZ's, in the stored protocol, on screen and on the DANFE.
"""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from lojasync.simulators.sefaz.clock import sefaz_time
from lojasync.simulators.sefaz.codes import reason
from lojasync.simulators.sefaz.soap import NFE

APPLICATION = "SIMULADOR-LOJASYNC"
NFE_VERSION = "4.00"
EVENT_VERSION = "1.00"


def _element(name: str, attributes: dict[str, str] | None = None, *children: tuple[str, str | None]
             ) -> etree._Element:
    element = etree.Element(f"{{{NFE}}}{name}", attributes or {}, nsmap={None: NFE})
    for child, text in children:
        if text is not None:
            etree.SubElement(element, f"{{{NFE}}}{child}").text = text
    return element


def _add(parent: etree._Element, name: str, text: str | None) -> None:
    if text is not None:
        etree.SubElement(parent, f"{{{NFE}}}{name}").text = text


def prot_nfe(environment: str, key: str, received_at: datetime, status: str, motive: str,
             protocol: str | None = None, digest: str | None = None) -> etree._Element:
    """protNFe: the protocol of one NF-e, authorised (with nProt and digVal) or not."""
    prot = _element("protNFe", {"versao": NFE_VERSION})
    info = etree.SubElement(prot, f"{{{NFE}}}infProt")
    if protocol:
        info.set("Id", f"ID{protocol}")
    for name, text in (("tpAmb", environment), ("verAplic", APPLICATION), ("chNFe", key),
                       ("dhRecbto", sefaz_time(received_at)), ("nProt", protocol), ("digVal", digest),
                       ("cStat", status), ("xMotivo", motive)):
        _add(info, name, text)
    return prot


def ret_envi_nfe(environment: str, uf: str, received_at: datetime, status: str, motive: str | None = None, *,
                 receipt: str | None = None, average_seconds: int = 1,
                 protocol: etree._Element | None = None) -> etree._Element:
    answer = _element("retEnviNFe", {"versao": NFE_VERSION},
                      ("tpAmb", environment), ("verAplic", APPLICATION), ("cStat", status),
                      ("xMotivo", motive or reason(status)), ("cUF", uf), ("dhRecbto", sefaz_time(received_at)))
    if receipt is not None:
        info = etree.SubElement(answer, f"{{{NFE}}}infRec")
        _add(info, "nRec", receipt)
        _add(info, "tMed", str(average_seconds))
    elif protocol is not None:
        answer.append(protocol)
    return answer


def ret_cons_reci_nfe(environment: str, receipt: str, uf: str, received_at: datetime, status: str,
                      protocols: list[etree._Element] = (), motive: str | None = None) -> etree._Element:
    answer = _element("retConsReciNFe", {"versao": NFE_VERSION},
                      ("tpAmb", environment), ("verAplic", APPLICATION), ("nRec", receipt), ("cStat", status),
                      ("xMotivo", motive or reason(status)), ("cUF", uf), ("dhRecbto", sefaz_time(received_at)))
    answer.extend(protocols)
    return answer


def ret_cons_sit_nfe(environment: str, uf: str, received_at: datetime, key: str, status: str,
                     motive: str | None = None, protocol: etree._Element | None = None,
                     events: list[etree._Element] = ()) -> etree._Element:
    answer = _element("retConsSitNFe", {"versao": NFE_VERSION},
                      ("tpAmb", environment), ("verAplic", APPLICATION), ("cStat", status),
                      ("xMotivo", motive or reason(status)), ("cUF", uf), ("dhRecbto", sefaz_time(received_at)),
                      ("chNFe", key))
    if protocol is not None:
        answer.append(protocol)
    answer.extend(events)
    return answer


def ret_cons_stat_serv(environment: str, uf: str, received_at: datetime, status: str) -> etree._Element:
    return _element("retConsStatServ", {"versao": NFE_VERSION},
                    ("tpAmb", environment), ("verAplic", APPLICATION), ("cStat", status),
                    ("xMotivo", reason(status)), ("cUF", uf), ("dhRecbto", sefaz_time(received_at)),
                    ("tMed", "1" if status == "107" else None))


def ret_evento(environment: str, organ: str, status: str, motive: str, registered_at: datetime, *,
               key: str | None = None, event_type: str | None = None, sequence: str | None = None,
               description: str | None = None, recipient: tuple[str, str] | None = None,
               protocol: str | None = None) -> etree._Element:
    """retEvento: the answer to one event; `recipient` is the NF-e's dest ("CNPJ" or "CPF", number)."""
    answer = _element("retEvento", {"versao": EVENT_VERSION})
    info = etree.SubElement(answer, f"{{{NFE}}}infEvento")
    if protocol:
        info.set("Id", f"ID{protocol}")
    for name, text in (("tpAmb", environment), ("verAplic", APPLICATION), ("cOrgao", organ), ("cStat", status),
                       ("xMotivo", motive), ("chNFe", key), ("tpEvento", event_type), ("xEvento", description),
                       ("nSeqEvento", sequence)):
        _add(info, name, text)
    if recipient is not None:
        _add(info, f"{recipient[0]}Dest", recipient[1])
    _add(info, "dhRegEvento", sefaz_time(registered_at))
    _add(info, "nProt", protocol)
    return answer


def ret_env_evento(batch: str, environment: str, organ: str, status: str, results: list[etree._Element] = (),
                   motive: str | None = None) -> etree._Element:
    answer = _element("retEnvEvento", {"versao": EVENT_VERSION},
                      ("idLote", batch), ("tpAmb", environment), ("verAplic", APPLICATION), ("cOrgao", organ),
                      ("cStat", status), ("xMotivo", motive or reason(status)))
    answer.extend(results)
    return answer


def proc_evento(event: etree._Element, answer: etree._Element) -> etree._Element:
    """procEventoNFe: the event as sent and SEFAZ's registration, kept together."""
    proc = _element("procEventoNFe", {"versao": EVENT_VERSION})
    proc.append(event)
    proc.append(answer)
    return proc


def ret_inut_nfe(environment: str, uf: str, status: str, motive: str, received_at: datetime, *,
                 request: dict[str, str] | None = None, protocol: str | None = None) -> etree._Element:
    """retInutNFe: the answer to a voiding request; `request` (ano, CNPJ, mod, serie, nNFIni, nNFFin) echoes the
    range when the request could be read."""
    answer = _element("retInutNFe", {"versao": NFE_VERSION})
    info = etree.SubElement(answer, f"{{{NFE}}}infInut")
    if protocol:
        info.set("Id", f"ID{protocol}")
    for name, text in (("tpAmb", environment), ("verAplic", APPLICATION), ("cStat", status), ("xMotivo", motive),
                       ("cUF", uf)):
        _add(info, name, text)
    for name in ("ano", "CNPJ", "mod", "serie", "nNFIni", "nNFFin"):
        _add(info, name, (request or {}).get(name) or None)
    _add(info, "dhRecbto", sefaz_time(received_at))
    _add(info, "nProt", protocol)
    return answer
