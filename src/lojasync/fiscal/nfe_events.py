"""The cancellation event (110111) of an authorised NF-e, as the envEvento batch SEFAZ's NFeRecepcaoEvento4
receives: one `evento` (versão 1.00) whose `infEvento` the signer signs by its Id."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from nfelib.nfe_evento_cancel.bindings.v1_0 import leiaute_evento_canc_nfe_v1_00 as event
from nfelib.nfe_evento_cancel.bindings.v1_0 import tipos_basico_v1_03 as basic
from nfelib.nfe_evento_cancel.bindings.v1_0.env_evento_canc_nfe_v1_00 import EnvEvento

from lojasync.fiscal import nfe_format as fmt
from lojasync.fiscal.gateway import Environment
from lojasync.fiscal.nfe_xml import to_xml
from lojasync.shared.errors import LojasyncError

CANCELLATION = "110111"
# SEFAZ's deadline for the cancellation event, from the authorisation (past it: 501, though some UFs take it late,
# 155). lojasync leaves the decision to SEFAZ; the NF-e's page says when it runs out.
CANCELLATION_DEADLINE = timedelta(hours=24)
_KEY = re.compile(r"[0-9]{6}[0-9A-Z]{12}[0-9]{26}")
_PROTOCOL = re.compile(r"[0-9]{15}")
REASON_MIN, REASON_MAX = 15, 255


class CancellationReasonInvalid(LojasyncError):
    """SEFAZ takes a cancellation justification of 15 to 255 characters."""

    code = "nfe.cancellation_reason"
    message_template = "A justificativa do cancelamento deve ter de 15 a 255 caracteres (tem {length}{note})."
    # Said for a text too long as well as too short: "pelo menos 15" would mislead the one over 255.
    resolution_template = "Escreva um motivo do cancelamento que tenha entre 15 e 255 caracteres."


class CancellationNeedsReason(CancellationReasonInvalid):
    """No justification at all for an authorised NF-e: the page's "Descartar" of an NF-e authorised since it was
    opened, or `invoices cancel ID` without --reason. Said as such, not as a text of 0 characters."""

    message_template = ("A NF-e nº {number} está autorizada: para cancelá-la, informe a justificativa (de 15 a 255 "
                        "caracteres); descartar vale só para uma NF-e que não foi autorizada.")
    resolution_template = "Escreva o motivo do cancelamento e peça o cancelamento de novo."
    # The terminal's reader needs the option's name: the words above are the pages' (a field beside the button).
    terminal_commands = ("lojasync invoices cancel {invoice_id} --reason MOTIVO",)


def cancellation_event_id(access_key: str, sequence: int = 1) -> str:
    """infEvento/@Id: "ID" + tpEvento + access key + nSeqEvento in two digits."""
    return f"ID{CANCELLATION}{access_key}{sequence:02d}"


def justification_sent(reason: str) -> str:
    """The justification as the event carries it (xJust): the NF-e's character range, one line. What the NF-e
    keeps and shows, so the page and the XML say the same ("desistiu — ação" goes as "desistiu - ação")."""
    return fmt.text(reason, REASON_MAX)


def build_cancellation_event_xml(access_key: str, cnpj: str, protocol: str, reason: str, *, when: datetime,
                                 environment: Environment, uf_code: str, sequence: int = 1,
                                 batch_id: str | None = None) -> bytes:
    """The unsigned envEvento of the cancellation of NF-e `access_key`, authorised under `protocol`.

    `uf_code` is the IBGE code of the authorising UF (cOrgao); `when` is timezone-aware (dhEvento).
    Raises `CancellationReasonInvalid` for a justification outside 15-255 characters (after the text is
    cleaned for the XML), ValueError for a malformed key or protocol.
    """
    # Measured whole: cut at 256 first, a space there trimmed to 255 and passed, and the rest of what was typed
    # was dropped unsaid (review: 282 characters went as 255).
    length, note = fmt.justification_length(reason, REASON_MAX)
    if not REASON_MIN <= length <= REASON_MAX:
        raise CancellationReasonInvalid(length=length, note=note)
    if not _KEY.fullmatch(access_key):
        raise ValueError(f"chave de acesso inválida: {access_key!r}")
    if not _PROTOCOL.fullmatch(protocol):
        raise ValueError(f"protocolo de autorização inválido (15 dígitos): {protocol!r}")
    if not 1 <= sequence <= 20:
        raise ValueError(f"nSeqEvento fora de 1..20: {sequence}")
    dhevento = fmt.date_time(when)
    info = event.Tevento.InfEvento(
        cOrgao=basic.TcorgaoIbge(uf_code), tpAmb=basic.Tamb(environment.value), CNPJ=fmt.document(cnpj),
        chNFe=access_key, dhEvento=dhevento, tpEvento=event.InfEventoTpEvento(CANCELLATION),
        nSeqEvento=str(sequence), verEvento=event.InfEventoVerEvento("1.00"),
        detEvento=event.Tevento.InfEvento.DetEvento(
            descEvento=event.DetEventoDescEvento.CANCELAMENTO, nProt=protocol, xJust=justification_sent(reason),
            versao=event.DetEventoVersao("1.00")),
        Id=cancellation_event_id(access_key, sequence))
    batch = EnvEvento(idLote=batch_id or when.strftime("%y%m%d%H%M%S"),
                      evento=[event.Tevento(infEvento=info, versao="1.00")], versao="1.00")
    return to_xml(batch)
