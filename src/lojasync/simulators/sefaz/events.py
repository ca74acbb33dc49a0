"""NFeRecepcaoEvento4 (envEvento -> retEnvEvento): the cancellation event 110111.

Batch problems (namespace prefix 404, schema 215) are answered in retEnvEvento itself; otherwise the batch is
128 "Lote de Evento Processado" and each event has its own retEvento: 135 registered (the NF-e is cancelled)
or the rejection. The schema is the cancellation's, so the justification's 15 to 255 characters and the
event type are schema rules there too: another event type (CC-e, manifestação) is not simulated and fails
the schema.
"""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import TYPE_CHECKING

from lxml import etree

from lojasync.simulators.sefaz import answers
from lojasync.simulators.sefaz.codes import Rejection, reason
from lojasync.simulators.sefaz.event_checks import check_against, check_event, event_text
from lojasync.simulators.sefaz.message_checks import message_refusal
from lojasync.simulators.sefaz.records import CANCELLED, StoredEvent
from lojasync.simulators.sefaz.soap import NFE

if TYPE_CHECKING:
    from lojasync.simulators.sefaz.simulator import SefazSimulator

DESCRIPTION = "Cancelamento registrado"


def register_events(sim: SefazSimulator, content: etree._Element, authoriser: str | None = None) -> etree._Element:
    """`authoriser`: the one called (250/249 for another UF's event: event_checks), None for every UF."""
    env = sim.config.environment
    batch = (content.findtext(f"{{{NFE}}}idLote") or "").strip()
    batch = batch if batch.isdigit() and len(batch) <= 15 else "0"
    organ = (content.findtext(f"{{{NFE}}}evento/{{{NFE}}}infEvento/{{{NFE}}}cOrgao") or "").strip()
    organ = organ if len(organ) == 2 and organ.isdigit() else "35"
    refusal = message_refusal(sim, content, "envEvento")
    if refusal is not None:
        status, motive = refusal
        return answers.ret_env_evento(batch, env, organ, status, motive=motive)
    results = [_register(sim, event, authoriser) for event in content.findall(f"{{{NFE}}}evento")]
    return answers.ret_env_evento(batch, env, organ, "128", results)


def _register(sim: SefazSimulator, event: etree._Element, authoriser: str | None) -> etree._Element:
    now = sim.clock()
    env = sim.config.environment

    def rejected(rejection: Rejection) -> etree._Element:
        sim.count(rejection.status)
        return answers.ret_evento(env, event_text(event, "cOrgao"), rejection.status, rejection.reason, now,
                                  key=event_text(event, "chNFe"), event_type=event_text(event, "tpEvento"),
                                  sequence=event_text(event, "nSeqEvento"))

    try:
        checked = check_event(event, env, now, authoriser)
    except Rejection as rejection:
        return rejected(rejection)
    deadline = timedelta(hours=sim.config.cancel_deadline_hours)
    with sim.state.shared():
        record = sim.state.get_nfe(checked.key)
        if record is not None and sim.state.in_processing(checked.key, now):
            # Its batch is not processed yet: not in the base for a query (217), nor for an event (review: it was
            # cancelled, 135, while the query still answered that SEFAZ did not have it).
            record = None
        try:
            known_event = sim.state.key_for_event(checked.event_id) is not None
            check_against(checked, record, known_event, now, deadline)
            switches = sim.switches_now()
            if switches.reject_with:
                raise Rejection(switches.reject_with, words=switches.reject_reason)
        except Rejection as rejection:
            return rejected(rejection)
        protocol = sim.state.next_protocol(checked.key[:2], now)
        answer = answers.ret_evento(env, checked.organ, "135", reason("135"), now, key=checked.key,
                                    event_type=checked.event_type, sequence=checked.sequence,
                                    description=DESCRIPTION, recipient=record.recipient, protocol=protocol)
        proc = answers.proc_evento(copy.deepcopy(event), copy.deepcopy(answer))
        stored = StoredEvent(checked.event_id, checked.event_type, checked.sequence, protocol, now,
                             etree.tostring(proc))
        sim.state.add_event(record.key, stored, CANCELLED)
    sim.count("135")
    return answer
