"""What can go wrong talking to SEFAZ before it gives an answer with a cStat.

No answer (network down, timeout) and an answer that is not SEFAZ's (a proxy's error page, a SOAP Fault)
are retryable: the NF-e stays "aguardando SEFAZ" and the next attempt first asks SEFAZ by key, because
SEFAZ may have authorised it even though the answer never arrived. A configuration error is not.
"""

from __future__ import annotations

from lojasync.shared.errors import Action, LojasyncError

WAITING = "A NF-e fica aguardando SEFAZ e é consultada de novo automaticamente."


class SefazUnreachable(LojasyncError):
    code = "sefaz.unreachable"
    left_to_worker = True
    message_template = "SEFAZ não respondeu ({service}: {reason})."
    resolution_template = WAITING
    action = Action.TRY_AGAIN
    retryable = True


def maybe_delivered(exc: SefazUnreachable) -> SefazUnreachable:
    """`exc` for a call made after SEFAZ got the NF-e (a receipt's poll, a query by key after 204, or after an
    earlier send without an answer): no connection made for it says nothing of the NF-e, which SEFAZ may hold.
    Left "not sent", the NF-e was taken as never delivered: its sending window cleared, the operator told it never
    reached SEFAZ, and an order changed meanwhile set it back to pending, to be discarded while SEFAZ authorised it."""
    if not exc.params.get("not_sent"):
        return exc
    # Its words said "nada foi enviado", beside a resolution saying the NF-e may be authorised.
    reason = str(exc.params.get("reason", "")).replace(", nada foi enviado", "").replace(" nada foi enviado", "")
    params = {name: value for name, value in exc.params.items() if name != "not_sent"}
    # Kept apart: this call itself reached nobody. When it was the question asked before sending again, nothing of
    # this attempt is in flight (`services.invoices._transmit`).
    return SefazUnreachable(**{**params, "reason": f"{reason}; a NF-e pode já estar na SEFAZ",
                               NO_CONNECTION: exc.params.get("reason", "")})


# The parameter of `maybe_delivered`'s error that says its own call made no connection (its words then).
NO_CONNECTION = "no_connection"


# The error's parameter naming the asynchronous batch (its receipt) SEFAZ took the NF-e in, when polling it failed.
IN_BATCH = "receipt"


def in_batch(exc: LojasyncError, receipt: str) -> LojasyncError:
    """`exc` saying the batch (`receipt`) SEFAZ holds the NF-e in: kept on the NF-e, the next attempt asks by it first.
    Asked by key instead, SEFAZ answers 217 (not in its base) while it still processes the batch, and an order changed
    meanwhile would have the NF-e made pending, to be discarded, while SEFAZ authorises it (worker review)."""
    exc.params[IN_BATCH] = receipt
    return exc


class SefazInvalidAnswer(LojasyncError):
    code = "sefaz.invalid_answer"
    left_to_worker = True
    message_template = "SEFAZ respondeu algo que não é uma resposta do serviço ({service}: {reason})."
    resolution_template = WAITING
    action = Action.TRY_AGAIN
    retryable = True


class SefazConfigurationError(LojasyncError):
    code = "sefaz.configuration"
    message_template = "Não é possível falar com a SEFAZ: {reason}."
    resolution_template = "Confira a UF, o ambiente e o certificado digital da empresa."
    action = Action.CONFIGURE


class SefazReceiptRefused(LojasyncError):
    """SEFAZ refused the poll of a batch's receipt itself (248: a receipt of another authoriser; 252, 215...):
    it said nothing about the NF-e, which is in a batch SEFAZ received and may be authorised there. Recording
    the refusal as the NF-e's rejection would rebuild it with a new key and orphan that authorisation, so it
    stays "aguardando SEFAZ" and is settled by a query by key at its UF's authoriser."""

    code = "sefaz.receipt_refused"
    left_to_worker = True
    message_template = ("A SEFAZ recusou a consulta do recibo {receipt} ({status} - {reason}): a recusa é da "
                        "consulta, não da NF-e.")
    resolution_template = ("A NF-e fica aguardando SEFAZ (ela pode já estar autorizada lá) e é consultada de novo "
                           "automaticamente pela chave de acesso, no autorizador da UF dela.")
    action = Action.TRY_AGAIN
    retryable = True
