"""The checks of one cancellation event (110111), each failing with the code SEFAZ answers.

First what the event says of itself (signature, environment, its Id, the organ it is addressed to, the
key's check digit and UF, author, date); then, in the state's transaction, what it says of the NF-e
(`check_against`): it must exist (494), be authorised (580), not be cancelled already (218), and the event
must not repeat (573), quote the right authorisation protocol (222), come after the authorisation (579) and
within the deadline (501).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from lojasync.simulators.sefaz.access_key import AccessKey
from lojasync.simulators.sefaz.authorisers import serves
from lojasync.simulators.sefaz.clock import parse_sefaz_time, sefaz_time
from lojasync.simulators.sefaz.codes import Rejection
from lojasync.simulators.sefaz.records import StoredNFe
from lojasync.simulators.sefaz.signature import check_signature, check_signer
from lojasync.simulators.sefaz.soap import NFE

CANCELLATION = "110111"


@dataclass(frozen=True)
class CheckedEvent:
    event_id: str
    organ: str
    key: str
    event_type: str
    sequence: str
    happened_at: datetime
    protocol: str            # detEvento/nProt: the authorisation being cancelled


def event_text(event: etree._Element, path: str) -> str:
    steps = ["infEvento", *path.split("/")]
    return (event.findtext("/".join(f"{{{NFE}}}{step}" for step in steps)) or "").strip()


def check_event(event: etree._Element, environment: str, now: datetime, authoriser: str | None = None) -> CheckedEvent:
    """`authoriser`: the one called (None: the simulator of every UF, which checks only that cOrgao and the
    key's UF agree)."""
    info = event.find(f"{{{NFE}}}infEvento")
    signature = check_signature(event, "infEvento", now)
    author = event_text(event, "CNPJ") or event_text(event, "CPF").zfill(14)
    if event_text(event, "CNPJ"):
        check_signer(signature, author)
    if event_text(event, "tpAmb") != environment:
        raise Rejection("252")
    key, event_type = event_text(event, "chNFe"), event_text(event, "tpEvento")
    sequence = event_text(event, "nSeqEvento")
    event_id = f"ID{event_type}{key}{sequence.zfill(2)}"
    if info.get("Id") != event_id:
        raise Rejection("572")
    organ = event_text(event, "cOrgao")
    if not serves(authoriser, organ):   # P08-10: addressed to an organ this authoriser is not
        raise Rejection("250")
    access_key = AccessKey(key)
    if not access_key.digit_ok:
        raise Rejection("236")
    if not serves(authoriser, access_key.uf):   # P12-40: an NF-e this authoriser does not hold
        raise Rejection("249")
    # P08-10 again, read for the cancellation: its organ is the NF-e's UF. Checked after the key's own rules
    # so that a key of another authoriser's UF is 249, as SEFAZ names it, rather than 250 for the organ.
    if organ != access_key.uf:
        raise Rejection("250")
    if access_key.issuer != author:
        raise Rejection("574")
    happened_at = parse_sefaz_time(event_text(event, "dhEvento"), "dhEvento", "215")
    if happened_at > now:
        raise Rejection("578")
    return CheckedEvent(event_id, organ, key, event_type, sequence, happened_at,
                        event_text(event, "detEvento/nProt"))


def already_cancelled(record: StoredNFe) -> Rejection:
    """218 for an NF-e SEFAZ holds cancelled (an event for it, or the NF-e itself sent again), with the
    cancellation's protocol and time."""
    cancellation = next((e for e in record.events if e.event_type == CANCELLATION), None)
    detail = f"[nProt:{cancellation.protocol}][dhCanc:{sefaz_time(cancellation.registered_at)}]" if cancellation else ""
    return Rejection("218", detail)


def check_against(checked: CheckedEvent, record: StoredNFe | None, known_event: bool, now: datetime,
                  deadline: timedelta) -> None:
    """The rules that read the NF-e's record; call inside the state's transaction (`shared()`)."""
    if record is None:
        raise Rejection("494")
    if not (record.authorised or record.cancelled):
        raise Rejection("580")
    if known_event:
        raise Rejection("573")
    if record.cancelled:
        raise already_cancelled(record)
    if checked.protocol != record.protocol:
        raise Rejection("222")
    if checked.happened_at < record.received_at:
        raise Rejection("579")
    if now > record.received_at + deadline:
        raise Rejection("501")
