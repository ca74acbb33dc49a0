"""Voiding ("inutilizar") NF-e numbers the series skipped: the numbers of NF-e discarded before SEFAZ authorised
them, or never used at all. The issuer must close such gaps at SEFAZ (NFeInutilizacao4); afterwards no NF-e can
be authorised with those numbers.

Only numbers already passed are voided (below the series' next number: a number ahead would later be given to
an NF-e that SEFAZ then refuses, 206), and only numbers no NF-e holds (discard it first: a pending or rejected
NF-e can still be sent with its number).

The request is committed before it is sent, as an NF-e is committed "aguardando SEFAZ": should the answer be
lost, asking again for the same range sends it again, which is safe: SEFAZ answers 563 for a range it voided
already, and that is recorded as voided. The worker does that by itself for a request left awaiting SEFAZ
longer than the sending window (`claim_voids_to_resend`, `resend_number_void`), and says on the request when a
person must look at it (`flag_stuck_void`): SEFAZ still silent after a few resends, or a resend impossible (the
company moved to another environment, its certificate expired).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from math import ceil
from typing import Any

from lojasync.fiscal.company import issuing_problems
from lojasync.fiscal.errors import SimulatorInProduction
from lojasync.fiscal.gateway import (
    NUMBER_ALREADY_VOIDED,
    NUMBERS_VOIDED,
    RANGE_ALREADY_VOIDED,
    Environment,
    SefazAnswer,
)
from lojasync.fiscal.invoices import InvoiceStatus
from lojasync.fiscal.local_time import BRASILIA
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.nfe_proc import nfe_proc, void_proc
from lojasync.fiscal.nfe_schema import void_schema_errors
from lojasync.fiscal.nfe_voids import (
    LAST_NUMBER,
    build_void_request_xml,
    check_void_reason,
    issuer_of_request,
    year_of_request,
)
from lojasync.fiscal.number_voids import NumberVoid, VoidStatus, numbers_text, of_numbers
from lojasync.fiscal.ports import ProcessingUnitOfWork
from lojasync.fiscal.sefaz.errors import SefazInvalidAnswer, SefazUnreachable
from lojasync.fiscal.sefaz_outcomes import OVERUSE, UNDECIDED, Outcome, outcome_of
from lojasync.fiscal.services.company import CompanyMissing, CompanyNotReady, SecretBox
from lojasync.fiscal.services.invoices import (
    MINUTE,
    SENDING_WINDOW,
    TRANSMISSION_TIME,
    Sefaz,
    certificate_for,
    environment_name,
    paused_for_overuse,
)
from lojasync.fiscal.signing import sign
from lojasync.sales.history import Actor, Who, actor_name
from lojasync.shared.conflicts import through_conflicts
from lojasync.shared.errors import Action, LojasyncError
from lojasync.shared.tax_id import format_cnpj

Clock = Callable[[], datetime]
# SEFAZ takes a range of any size in one request; a range this long is a typo (a missing dash, a year typed).
MAX_NUMBERS = 10_000
NUMBER_IN_USE = "241"   # a void refused: a number of the range is used at SEFAZ, the key in its reason
_KEY_IN_REASON = re.compile(r"chNFe:\s*([0-9A-Z]{44})")
# Resends by the worker without an answer before a person is told (with the 5-minute window: about 20 minutes).
SILENT_RESENDS = 3


def _now() -> datetime:
    return datetime.now(timezone.utc)


class VoidRangeInvalid(LojasyncError):
    code = "fiscal.void_range_invalid"
    message_template = "Faixa de numeração inválida para inutilizar: {why}."
    resolution_template = "Informe o primeiro e o último número a inutilizar (de 1 a 999.999.999, o primeiro antes)."


class VoidAheadOfSeries(LojasyncError):
    code = "fiscal.void_ahead_of_series"
    message_template = ("O número {number} ainda não foi usado na série {series}: a próxima NF-e desta série recebe o "
                        "nº {next_number}.")
    # The pages show resolutions as they are: the terminal's commands go apart (`terminal_commands`).
    resolution_template = ("Inutilize só números que ficaram para trás (menores que {next_number}). Para pular "
                           "números, mude o próximo número da série nos dados da empresa (Configurações → Série e "
                           "numeração da NF-e) e inutilize os pulados.")
    terminal_commands = ("lojasync company set --next-number N",)


class VoidSeriesUnused(VoidAheadOfSeries):
    """The same refusal, for a series no NF-e ever took a number in: "menores que 1" said nothing."""

    message_template = "A série {series} ainda não tem NF-e: nenhum número dela ficou para trás."
    resolution_template = ("Só se inutilizam números que a série pulou. Confira a série (a atual da empresa é a "
                           "{current_series}; NF-e → Inutilização de números lista os números a inutilizar).")
    terminal_commands = ("lojasync invoices gaps",)


class VoidNumbersInUse(LojasyncError):
    code = "fiscal.void_numbers_in_use"
    message_template = "A NF-e nº {number} (série {series}, {status}) usa um número da faixa: nada foi inutilizado."
    resolution_template = ("Só números sem NF-e, ou de NF-e descartadas, podem ser inutilizados. Uma NF-e pendente ou "
                           "rejeitada ainda pode ser transmitida com o número dela: descarte-a antes, se ela não vai "
                           "ser usada.")


class VoidNumberHeldAtSefaz(LojasyncError):
    """A number in the range whose NF-e SEFAZ refused as taken (539) or voided (206): not a gap (review: refused as
    "in use" by a discarded NF-e, with a resolution saying discarded ones can be voided). `held`: the sentence saying
    how SEFAZ holds it."""

    code = "fiscal.void_number_held_at_sefaz"
    message_template = "{held}: não há o que inutilizar; nada foi inutilizado."
    resolution_template = ("Deixe esse número fora da faixa (NF-e → Inutilização de números lista os números que "
                           "faltam inutilizar).")
    terminal_commands = ("lojasync invoices gaps",)


class VoidOfSeveralIssuers(LojasyncError):
    """`numbers`: each issuer's numbers in the range, "1 do CNPJ 11.222.333/0001-81; 2 a 5 da empresa"."""

    code = "fiscal.void_of_several_issuers"
    message_template = ("A faixa da série {series} mistura números de emitentes diferentes ({numbers}): nada foi "
                        "inutilizado.")
    resolution_template = ("Inutilize os números de cada emitente numa faixa própria: os de NF-e descartadas de outro "
                           "CNPJ saem com o CNPJ e a UF da chave delas.")


class VoidOverlaps(LojasyncError):
    code = "fiscal.void_overlaps"
    message_template = ("Os números {numbers} da série {series} já têm um pedido de inutilização (situação "
                        "\"{status}\"): a faixa pedida se sobrepõe a ele.")
    resolution_template = ("Peça só os números que faltam. Um pedido aguardando SEFAZ se repete pedindo exatamente "
                           "a mesma faixa.")


class VoidEnvironmentChanged(LojasyncError):
    code = "fiscal.void_environment_changed"
    message_template = ("O número {number} foi usado em {was}, e a empresa emite agora em {now}: a inutilização iria "
                        "para {now}, onde o número é outro.")
    resolution_template = "{note}Para inutilizá-lo, volte a empresa para {was} e peça de novo."


class VoidRequestOfOtherEnvironment(LojasyncError):
    code = "fiscal.void_request_other_environment"
    message_template = ("O pedido foi feito em {was}, e a empresa emite agora em {now}: reenviado agora, iria para "
                        "{now}, onde os números são outros.")
    resolution_template = ("Volte a empresa para {was} para que o lojasync o reenvie sozinho (ou peça de novo a mesma "
                           "faixa lá).")


class NumberVoidNotFound(LojasyncError):
    code = "fiscal.number_void_not_found"
    message_template = "Pedido de inutilização {void_id} não encontrado."
    resolution_template = "Veja os pedidos em NF-e → Inutilização de números."
    terminal_commands = ("lojasync invoices voids",)


class VoidNotPossible(LojasyncError):
    code = "fiscal.void_not_possible"
    message_template = "O pedido de inutilização não pôde ser montado: {problems}."
    resolution_template = "Corrija os dados da empresa e tente de novo."
    action = Action.SET_COMPANY


class VoidRejected(LojasyncError):
    code = "fiscal.void_rejected"
    message_template = "A SEFAZ rejeitou a inutilização {of_numbers} (série {series}): {status} - {reason}."
    resolution_template = ("Nada foi inutilizado. Corrija o que a SEFAZ apontou e peça de novo; um número já "
                           "usado (241) ou já inutilizado (256) não entra em outra faixa.")


class VoidOfAnAuthorisedNfe(LojasyncError):
    code = "fiscal.void_of_an_authorised_nfe"
    message_template = ("A SEFAZ recusou a inutilização porque a NF-e nº {number} (série {series}), descartada aqui, "
                        "foi autorizada lá (chave {key}): ela foi registrada agora como autorizada, com a baixa do "
                        "estoque e as contas a receber; nada foi inutilizado.")
    resolution_template = ("Confira o pedido da NF-e (na página da NF-e): se a venda não existe, cancele a NF-e, "
                           "dentro do prazo de cancelamento da SEFAZ.")
    terminal_commands = ("lojasync invoices show {invoice_id}", "lojasync invoices cancel {invoice_id} --reason MOTIVO")


class VoidBeingSent(LojasyncError):
    """A person asked again for a range whose request went to SEFAZ moments ago and may still be waiting for its
    answer (a double click, two tabs, the API and a page at once). `seconds`: until the first send has surely ended."""

    code = "fiscal.void_being_sent"
    left_to_worker = True
    message_template = ("O pedido de inutilização {of_numbers} (série {series}) foi enviado à SEFAZ há instantes e "
                        "ainda aguarda a resposta: nada foi enviado de novo.")
    resolution_template = ("A resposta aparece no pedido em até {seconds} segundos. Se ele continuar aguardando SEFAZ, "
                           "peça de novo a mesma faixa (ou deixe: o worker do lojasync o repete sozinho).")


class VoidUnanswered(LojasyncError):
    code = "fiscal.void_unanswered"
    left_to_worker = True
    message_template = ("A SEFAZ não respondeu ao pedido de inutilização {of_numbers} (série {series}): "
                        "{reason}.")
    resolution_template = ("O pedido fica aguardando SEFAZ, e o worker do lojasync o repete sozinho 5 minutos depois "
                           "(ou peça de novo a mesma faixa daqui a um minuto): se a SEFAZ já a tinha inutilizado, ela "
                           "responde 563 e o lojasync registra a inutilização.")
    action = Action.TRY_AGAIN
    retryable = True


class VoidNotDecided(VoidUnanswered):
    """SEFAZ answered and decided nothing (out of service, 656, 999): the same code for scripts, but not said to be
    silent, nor perhaps already voided (it took nothing). Journey review: 108 read "A SEFAZ não respondeu"."""

    message_template = ("A SEFAZ respondeu sem decidir o pedido de inutilização {of_numbers} (série {series}): "
                        "{reason}. Ela não inutilizou nada agora.")
    resolution_template = "O pedido fica aguardando SEFAZ, e o worker do lojasync o envia de novo sozinho {when}."

    def __init__(self, *, status: str, **params) -> None:
        # After a 656 SEFAZ keeps the block for an hour, and a request sent again within it only renews it: a person
        # is not invited to ask again (review: "quando a SEFAZ voltar" read as any time now).
        overuse = status == OVERUSE
        when = ("depois de uma hora (a SEFAZ pausou os pedidos por consumo indevido); não peça a mesma faixa de "
                "novo antes disso: pedida dentro da hora, a SEFAZ mantém o bloqueio" if overuse
                else "5 minutos depois (ou peça de novo a mesma faixa quando a SEFAZ voltar)")
        super().__init__(status=status, when=when, **params)

    @property
    def overuse(self) -> bool:
        return self.params["status"] == OVERUSE


@dataclass(frozen=True)
class NumberVoidView:
    """A request to void numbers, as the pages, the API and the CLI show it."""

    id: int
    series: int
    first: int
    last: int
    numbers: str
    environment: str
    status: str
    status_label: str
    reason: str
    requested_at: datetime
    requested_by: str | None
    protocol: str | None
    voided_at: datetime | None
    rejection_code: str | None
    rejection_reason: str | None
    simulated: bool
    resends: int
    attention: str | None   # why a person must look at the request (None: nothing to do)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def of_numbers(self) -> str:
        return of_numbers(self.first, self.last)

    @property
    def numbers_phrase(self) -> str:
        """"Número 6" or "Números 3 a 5", to start a sentence."""
        return f"Número {self.numbers}" if self.first == self.last else f"Números {self.numbers}"

    @property
    def voided_word(self) -> str:
        """"inutilizado" or "inutilizados", agreeing with `numbers_phrase`."""
        return "inutilizado" if self.first == self.last else "inutilizados"

    @property
    def voided_before(self) -> str:
        """"já estava inutilizado" or "já estavam inutilizados", agreeing with `numbers_phrase`."""
        return f"já {'estava' if self.first == self.last else 'estavam'} {self.voided_word}"

    def file_name(self, data: bytes) -> str:
        """The name of its XML (`data`, from `void_xml`) as the page and the API hand it over: the environment, the
        series and the range, and "-pedido" when it is the signed request, not SEFAZ's procInutNFe (review: a
        homologação void and a produção one of the same range, or a request and the procInutNFe, came under one
        name)."""
        environment = "producao" if self.environment == "1" else "homologacao"
        request = "" if b"<ProcInutNFe" in data[:400] else "-pedido"
        return f"inutilizacao-{environment}-serie{self.series}-{self.first}-{self.last}{request}.xml"


def void_view(void: NumberVoid) -> NumberVoidView:
    return NumberVoidView(void.id, void.series, void.first, void.last, void.numbers, void.environment,
                          void.status.value, void.status.label, void.reason, void.requested_at, void.requested_by,
                          void.protocol, void.voided_at, void.rejection_code, void.rejection_reason, void.simulated,
                          void.resends, void.attention)


def void_numbers(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, first: int, last: int | None = None,
                 reason: str = "", *, series: int | None = None, environment: str | None = None,
                 actor: Who = Actor.OPERATOR, now: Clock = _now,
                 last_chance: Callable[[], None] | None = None) -> tuple[NumberVoidView, bool]:
    """Void numbers `first`..`last` (one number when `last` is None) of `series` (the company's by default) at
    SEFAZ, in the company's environment; `environment`: the one the numbers belong to (an NF-e's), refused when
    the company now issues in another. Returns the request and whether this call voided them (False: voided
    before, nothing sent). `last_chance`: called just before the request is kept to be sent (the commit after which
    it goes); what it raises leaves everything as it was (the terminal's Ctrl+C)."""
    last = first if last is None else last
    _check_range(first, last)
    justification = check_void_reason(reason)
    with uow:
        company = uow.company.get(for_update=True)   # numbers are taken under this lock: none is taken meanwhile
        if company is None:
            raise CompanyMissing()
        if environment is not None and environment != company.environment:
            raise VoidEnvironmentChanged(number=first, was=environment_name(environment),
                                         now=environment_name(company.environment),
                                         note="Números de homologação não têm valor fiscal e não precisam ser "
                                              "inutilizados. " if environment == "2" else "")
        moment = now()
        problems = issuing_problems(company, moment)
        if problems:
            raise CompanyNotReady(problems, resolution="Nada foi enviado à SEFAZ. Complete o que falta "
                                                       "(Configurações) e peça a inutilização de novo.")
        if sefaz.simulated and company.environment == "1":
            raise SimulatorInProduction()
        series = company.series if series is None else series
        if not 0 <= series <= 999:
            raise VoidRangeInvalid(why=f"série {series} (vai de 0 a 999)")
        environment = company.environment
        # Only numbers the series has passed: the current one up to its next number, another up to the highest
        # number an NF-e took in it (numbers beyond were never reached, and a voided one would be refused to the
        # NF-e that takes it when the company numbers in that series again).
        # A series the company left with a next number set by hand: up to where it stopped (number_sequences).
        next_number = company.next_number if series == company.series \
            else max(uow.invoices.highest_number(environment, series) + 1,
                     company.next_number_of(environment, series) or 1)
        if last >= next_number:
            if next_number == 1:
                raise VoidSeriesUnused(number=first, series=series, next_number=1, current_series=company.series)
            raise VoidAheadOfSeries(number=max(first, next_number), series=series, next_number=next_number)
        in_use = uow.invoices.numbers_in_use(environment, series, first, last)
        if in_use:
            number, _, status, code = in_use[0]
            if status is InvoiceStatus.DISCARDED:   # SEFAZ holds its number (539, 206): no gap, nothing to void
                raise VoidNumberHeldAtSefaz(number=number, series=series, held=(
                    f"O número {number} (série {series}) já está inutilizado na SEFAZ (rejeição 206)"
                    if code == NUMBER_ALREADY_VOIDED else
                    f"A SEFAZ já tem o número {number} (série {series}) com outra chave (rejeição 539)"))
            raise VoidNumbersInUse(number=number, series=series, status=status.label.lower())
        earlier = uow.number_voids.overlapping(environment, series, first, last)
        same = next((v for v in earlier if (v.first, v.last) == (first, last)), None)
        if same is not None and same.status is VoidStatus.VOIDED:
            return void_view(same), False
        if same is not None and actor is not Actor.SYSTEM and _in_flight(same, moment):
            raise VoidBeingSent(of_numbers=same.of_numbers, series=series,
                                seconds=ceil((same.sent_at + VOID_IN_FLIGHT - moment).total_seconds()))
        blocking = [v for v in earlier if v is not same and v.status is not VoidStatus.REJECTED]
        if blocking:
            raise VoidOverlaps(numbers=blocking[0].numbers, series=series, status=blocking[0].status.label)
        certificate = certificate_for(company, box)
        # The year as SEFAZ reads it (Brasília): on 31 December after 21:00 the UTC year is already the next (453).
        # A request still unanswered is sent again as it was, in its own year: SEFAZ took the first, the same request
        # (its Id has the year) gets 563 and is recorded voided; another year's would be 256, recorded rejected.
        year = moment.astimezone(BRASILIA).year
        if same is not None and same.status is VoidStatus.REQUESTED:
            year = year_of_request(same.request_xml) or year
            # For the CNPJ and UF it was made for, too: the company moved to a branch (or another UF) since, and
            # the resend voided the numbers of the new CNPJ as well, replacing the request SEFAZ may hold voided.
            uf_code, issuer = issuer_of_request(same.request_xml) or _issuer_of_range(
                uow, company, environment, series, first, last)
        else:
            uf_code, issuer = _issuer_of_range(uow, company, environment, series, first, last)
        certificate.ensure_issuer(issuer)
        xml = build_void_request_xml(issuer, uf_code, year, series, first, last, reason,
                                     environment=Environment(environment))
        signed = sign(xml, certificate, element="infInut")
        errors = void_schema_errors(signed, signed=True)
        if errors:
            raise VoidNotPossible(problems="; ".join(errors[:3]))
        request = NumberVoid(0, environment, series, first, last, justification, VoidStatus.REQUESTED,
                             moment, actor_name(actor) or actor.value, request_xml=signed.decode(),
                             simulated=sefaz.simulated, sent_at=moment)
        if same is not None:   # asked before, unanswered or rejected: the same request again, signed anew
            # The worker's resend keeps who asked and when; a person's request starts the count over.
            asked = {} if actor is Actor.SYSTEM else {"requested_at": moment, "requested_by": request.requested_by,
                                                       "resends": 0, "attention": None}
            uow.number_voids.update(same.id, moment, status=VoidStatus.REQUESTED, reason=request.reason,
                                    request_xml=request.request_xml, sent_at=moment, rejection_code=None,
                                    rejection_reason=None, simulated=sefaz.simulated, **asked)
            void_id = same.id
        else:
            void_id = uow.number_voids.add(request)
        if last_chance is not None:
            last_chance()
        uow.commit()
    request = replace(request, id=void_id)
    try:
        with sefaz.gateway(uf_code, environment, certificate) as gateway:
            answer = gateway.void_numbers(signed)
    except (SefazUnreachable, SefazInvalidAnswer) as exc:
        if isinstance(exc, SefazUnreachable) and exc.params.get("not_sent"):
            _not_in_flight(uow, request, now())   # SEFAZ never got it: asking again may go at once
        raise VoidUnanswered(of_numbers=request.of_numbers, series=series,
                             reason=str(exc.params.get("reason", exc.message))) from exc
    try:
        return _record(uow, request, signed, answer, actor, now)
    except VoidRejected as exc:
        if answer.status == NUMBER_IN_USE:
            _authorised_after_all(uow, sefaz, (uf_code, environment, certificate), request, answer.reason, exc)
        raise


def _authorised_after_all(uow: ProcessingUnitOfWork, sefaz: Sefaz, where: tuple, request: NumberVoid, reason: str,
                          rejected: VoidRejected) -> None:
    """SEFAZ refused the void with 241 naming the key of an NF-e discarded here (a backup restored from before it was
    sent, a send whose answer came after the discard): SEFAZ holds it. Asked by key, an authorisation is recorded as
    any late one (the effects, the order flagged), and `VoidOfAnAuthorisedNfe` says so (review: the number stayed
    in the gap list for good, every void refused again with 241, the NF-e authorised at SEFAZ unknown here)."""
    found = _KEY_IN_REASON.search(reason)
    if found is None:
        return
    with uow:
        discarded = next((i for i in uow.invoices.discarded_in(request.environment, request.series, request.first,
                                                               request.last) if i.access_key == found[1]), None)
        if discarded is None:
            return   # another program's NF-e: SEFAZ's reason names it, for a person to look up
        invoice_id, key = discarded.id, discarded.access_key
    try:
        with sefaz.gateway(*where) as gateway:
            answer = gateway.query_nfe(key)
    except (SefazUnreachable, SefazInvalidAnswer):
        return   # the rejection stands; asked again, the next void finds it the same way
    if outcome_of(answer) is not Outcome.AUTHORISED:
        return
    with uow:
        invoice, order = uow.invoices.get_with_order(invoice_id)
        xml = invoice.xml.encode("utf-8") if invoice.xml else None
        proc = nfe_proc(xml, answer.xml).decode("utf-8") if xml and answer.xml else (invoice.xml or "")
        invoice.authorise(order, Actor.SYSTEM, answer.protocol or "", proc, answer.received_at or _now(),
                          sefaz.simulated, recorded_at=_now())
        uow.flush()   # the history's handler, run at commit, reads the events the NF-e recorded
        uow.commit()
        number = invoice.number
    raise VoidOfAnAuthorisedNfe(number=number, series=request.series, key=key, invoice_id=invoice_id) from rejected


def issuers_by_number(uow: ProcessingUnitOfWork, company, environment: str, series: int, first: int, last: int
                      ) -> tuple[dict[int, tuple[str, str]], tuple[str, str]]:
    """The issuer (cUF, CNPJ) in the key of each discarded NF-e numbered in the range, by number, and the company's
    own: that of the numbers no NF-e took. What a void goes out under (`_issuer_of_range`), and where the gap list
    cuts a gap (`number_gaps`)."""
    held = {i.number: i.issuer for i in uow.invoices.discarded_in(environment, series, first, last) if i.issuer}
    return held, (UF_CODES.get(company.uf or ""), company.cnpj)


def _issuer_of_range(uow: ProcessingUnitOfWork, company, environment: str, series: int, first: int, last: int
                     ) -> tuple[str, str]:
    """(cUF, CNPJ) the range's numbers are of: the issuer in the keys of its discarded NF-e (review: after the company
    moved to a branch, a gap the old CNPJ left was voided under the new one, and recorded as closed while it stayed
    open at SEFAZ), the company's own for numbers no NF-e took. A range of several issuers is refused."""
    held, own = issuers_by_number(uow, company, environment, series, first, last)
    issuers = set(held.values())
    if not issuers or issuers == {own}:
        return own
    if len(issuers) > 1 or len(held) < last - first + 1:
        # The other issuer's numbers and numbers of the company as it is now (or of two issuers): void them apart.
        runs: list[tuple[str, int, int]] = []   # (whose, first, last), in the range's order
        for number in range(first, last + 1):
            cnpj = held.get(number, own)[1]
            whose = "da empresa" if cnpj == own[1] else f"do CNPJ {format_cnpj(cnpj)}"
            if runs and runs[-1][0] == whose and runs[-1][2] == number - 1:
                runs[-1] = (whose, runs[-1][1], number)
            else:
                runs.append((whose, number, number))
        raise VoidOfSeveralIssuers(series=series, numbers="; ".join(
            f"{numbers_text(a, b)} {whose}" for whose, a, b in runs))
    return issuers.pop()


def _record(uow: ProcessingUnitOfWork, request: NumberVoid, signed: bytes, answer: SefazAnswer, actor: Who,
            now: Clock) -> tuple[NumberVoidView, bool]:
    """SEFAZ's answer, tried again on a write conflict: a voiding SEFAZ holds must not be lost here (asking again
    would only get 563, without the protocol)."""
    return through_conflicts(lambda: _record_once(uow, request, signed, answer, actor, now))


def _record_once(uow: ProcessingUnitOfWork, request: NumberVoid, signed: bytes, answer: SefazAnswer, actor: Who,
                 now: Clock) -> tuple[NumberVoidView, bool]:
    with uow:
        moment = now()
        current = uow.number_voids.get(request.id, for_update=True)   # two answers to two sends: one at a time
        if current is not None and current.status is VoidStatus.VOIDED:
            # Another send of the same range was answered first (a person and the worker): what SEFAZ said to
            # this one (563, a late rejection) adds nothing to the voiding already recorded; but its 102, after the
            # other's 563 was recorded, brings the protocol and SEFAZ's answer, which no query can give later.
            if answer.status == NUMBERS_VOIDED and current.protocol is None and answer.protocol:
                proc = void_proc(signed, answer.xml).decode("utf-8") if answer.xml else None
                uow.number_voids.update(request.id, moment, protocol=answer.protocol, proc_xml=proc,
                                        voided_at=answer.received_at or current.voided_at, rejection_code=None,
                                        rejection_reason=None)
                uow.commit()
                return void_view(uow.number_voids.get(request.id)), False
            return void_view(current), False
        if answer.status == NUMBERS_VOIDED:
            proc = void_proc(signed, answer.xml).decode("utf-8") if answer.xml else None
            values = dict(status=VoidStatus.VOIDED, protocol=answer.protocol, voided_at=answer.received_at or moment,
                          proc_xml=proc, rejection_code=None, rejection_reason=None, attention=None)
        elif answer.status == RANGE_ALREADY_VOIDED:
            # A repeat of a request SEFAZ had voided already (its answer lost): voided, its protocol unknown here.
            values = dict(status=VoidStatus.VOIDED, voided_at=answer.received_at or moment,
                          rejection_code=answer.status, rejection_reason=answer.reason[:500], attention=None)
        elif answer.status in UNDECIDED:   # out of service (108/109) among them
            # Out of service, "consumo indevido" (656), "erro não catalogado" (999)...: SEFAZ decided nothing, so the
            # request stays to be sent again, as an NF-e's would (review: they were recorded as rejections). After a
            # 656 the worker leaves it out of its rounds for an hour, as for a cancellation: asked again every five
            # minutes, SEFAZ would keep refusing it.
            if answer.status == OVERUSE:
                uow.number_voids.update(request.id, moment, sent_at=paused_for_overuse(moment))
                uow.commit()
            elif current is not None and current.sent_at == request.sent_at:
                # Answered: this send is over, and SEFAZ took nothing (asking again may go at once).
                uow.number_voids.update(request.id, moment, sent_at=moment - VOID_IN_FLIGHT)
                uow.commit()
            raise VoidNotDecided(of_numbers=request.of_numbers, series=request.series, status=answer.status,
                                 reason=f"{answer.status} - {answer.reason}")
        else:
            uow.number_voids.update(request.id, moment, status=VoidStatus.REJECTED, rejection_code=answer.status,
                                    rejection_reason=answer.reason[:500], attention=None)
            uow.commit()
            raise VoidRejected(of_numbers=request.of_numbers, series=request.series, status=answer.status,
                               reason=answer.reason)
        uow.number_voids.update(request.id, moment, **values)
        # The orders of the discarded NF-e whose numbers these were: their history says the gap is closed.
        for invoice in uow.invoices.discarded_in(request.environment, request.series, request.first, request.last):
            invoice.number_voided(uow.orders.get(invoice.order_id, lines=False), actor,
                                  values.get("protocol"), request.simulated)
        uow.flush()   # the history's handler, run at commit, reads the events the NF-e recorded
        uow.commit()
        return void_view(uow.number_voids.get(request.id)), True


# A request sent this long ago may still be on its way to SEFAZ (each call of a send is bounded by the transmission
# time): a person's second request for the same range within it is refused (review: three clicks made three calls,
# one 102 and two 563). Only within it: afterwards the first send has ended, answered or not, and asking again is
# how a lost answer is settled (SEFAZ answers 563 for a range it voided). The worker's resends wait the whole
# sending window.
VOID_IN_FLIGHT = TRANSMISSION_TIME


def _in_flight(void: NumberVoid, moment: datetime) -> bool:
    # A send dated ahead of now is SEFAZ's pause after a 656, not a send: a person may still ask (as before).
    return void.status is VoidStatus.REQUESTED and void.sent_at is not None \
        and timedelta(0) <= moment - void.sent_at < VOID_IN_FLIGHT


def _not_in_flight(uow: ProcessingUnitOfWork, request: NumberVoid, moment: datetime) -> None:
    """The send of `request` ended without SEFAZ getting it (no connection made): no longer in flight, so that a
    person's next request goes at once. Only if no other send marked it since. Best effort: the error the caller
    raises is what matters."""
    try:
        with uow:
            current = uow.number_voids.get(request.id, for_update=True)
            if current is not None and current.status is VoidStatus.REQUESTED and current.sent_at == request.sent_at:
                uow.number_voids.update(request.id, moment, sent_at=moment - VOID_IN_FLIGHT)
                uow.commit()
    except LojasyncError:
        pass


def _check_range(first: int, last: int) -> None:
    if not (1 <= first <= LAST_NUMBER and 1 <= last <= LAST_NUMBER):
        raise VoidRangeInvalid(why=f"{first} a {last}")
    if first > last:
        raise VoidRangeInvalid(why=f"o primeiro número ({first}) vem depois do último ({last})")
    if last - first + 1 > MAX_NUMBERS:
        raise VoidRangeInvalid(why=f"{last - first + 1} números de uma vez (até {MAX_NUMBERS})")


def list_number_voids(uow: ProcessingUnitOfWork, limit: int | None = None, offset: int = 0
                      ) -> tuple[list[NumberVoidView], int]:
    """The requests, newest first, and how many there are."""
    with uow:
        return [void_view(v) for v in uow.number_voids.list(limit, offset)], uow.number_voids.count()


def company_numbering(uow: ProcessingUnitOfWork) -> tuple[int | None, str | None]:
    """The series and environment the company numbers NF-e in now ((None, None): no company yet): a request's
    defaults, and whether an NF-e's number can still be voided (its environment must be the company's)."""
    with uow:
        company = uow.company.get()
        return (company.series, company.environment) if company is not None else (None, None)


def voids_covering(uow: ProcessingUnitOfWork, environment: str, series: int, number: int) -> list[NumberVoidView]:
    """The requests whose range holds this number (an NF-e's page says its number was voided)."""
    with uow:
        return [void_view(v) for v in uow.number_voids.overlapping(environment, series, number, number)]


def claim_voids_to_resend(uow: ProcessingUnitOfWork, now: Clock = _now) -> list[int]:
    """Requests left awaiting SEFAZ (no answer, a process killed) longer than the sending window, each marked as
    asked now: the worker resends them, and the next rounds leave them out for the window, so that a resend still
    waiting in the queue, or for SEFAZ, is not enqueued again."""
    moment = now()
    with uow:
        due = uow.number_voids.sent_before(moment - SENDING_WINDOW)
        for void in due:
            uow.number_voids.update(void.id, moment, sent_at=moment, resends=void.resends + 1)
        uow.commit()
        return [void.id for void in due]


def resend_number_void(uow: ProcessingUnitOfWork, box: SecretBox, sefaz: Sefaz, void_id: int,
                       now: Clock = _now) -> NumberVoidView | None:
    """The same request again (102, or 563 when SEFAZ had voided it already: both recorded as voided). None when
    there is nothing to resend: settled meanwhile, or it cannot be resent now (no company; the company issues
    in another environment, and the request belongs to the one it was made in): then the request says so to a
    person, and the next rounds try again (the company may be set back)."""
    with uow:
        void = uow.number_voids.get(void_id)
        if void is None or void.status is not VoidStatus.REQUESTED:
            return None
        company = uow.company.get()
        if company is None:
            problem: LojasyncError | None = CompanyMissing()
        elif company.environment != void.environment:
            problem = VoidRequestOfOtherEnvironment(was=environment_name(void.environment),
                                                    now=environment_name(company.environment))
        else:
            problem = None
    if problem is not None:
        flag_stuck_void(uow, void_id, problem)
        return None
    resent, _ = void_numbers(uow, box, sefaz, void.first, void.last, void.reason, series=void.series,
                             environment=void.environment, actor=Actor.SYSTEM, now=now)
    return resent


def void_xml(uow: ProcessingUnitOfWork, void_id: int) -> tuple[NumberVoidView, bytes]:
    """What the issuer archives of a request: the procInutNFe once SEFAZ voided it with a protocol, else the signed
    request as sent."""
    with uow:
        void = uow.number_voids.get(void_id)
        if void is None:
            raise NumberVoidNotFound(void_id=void_id)
        if not (void.proc_xml or void.request_xml):   # a row of an older version: an empty download said nothing
            raise NumberVoidXmlMissing(void_id=void_id)
        return void_view(void), (void.proc_xml or void.request_xml).encode("utf-8")


class NumberVoidXmlMissing(LojasyncError):
    """A request recorded by an older version without its XML: an empty download said nothing (documents review)."""

    code = "fiscal.number_void_xml_missing"
    message_template = ("O pedido de inutilização {void_id} não tem XML guardado (nem o pedido assinado, nem a "
                        "resposta da SEFAZ).")
    resolution_template = ("Foi registrado por uma versão anterior do lojasync. A situação e o protocolo dele estão "
                           "na lista de inutilizações; o XML, se preciso, só a SEFAZ da sua UF pode dar.")


def flag_stuck_void(uow: ProcessingUnitOfWork, void_id: int, problem: LojasyncError) -> bool:
    """Why the worker's resend of a request left awaiting SEFAZ did not settle it, kept on the request for a
    person (the lists show it): at once when resending cannot work as things are (no certificate, another
    environment), after `SILENT_RESENDS` resends when SEFAZ is only silent (it may answer the next one). Returns
    True when the request now says something new."""
    with uow:
        void = uow.number_voids.get(void_id, for_update=True)
        if void is None or void.status is not VoidStatus.REQUESTED:
            return False
        if problem.retryable and void.resends < SILENT_RESENDS:
            return False
        attention = stuck_void_reason(void, problem)
        if attention == void.attention:
            return False
        uow.number_voids.update(void_id, _now(), attention=attention)
        uow.commit()
        return True


def stuck_void_reason(void: NumberVoid, problem: LojasyncError) -> str:
    """A request's attention text: what happened, why, and what to do (500 characters kept)."""
    if isinstance(problem, VoidNotDecided):
        # SEFAZ answered every time, without deciding: not "sem resposta" (review: the attention said both at once).
        what = f"A SEFAZ ainda não decidiu o pedido depois de {void.resends} reenvios automáticos. {problem.message} "
        if problem.overuse:
            what += ("O lojasync o reenvia uma vez por hora (consumo indevido, 656): não peça a mesma faixa de novo "
                     "antes disso, pedida dentro da hora, a SEFAZ mantém o bloqueio.")
        else:
            what += (f"O lojasync continua reenviando a cada {SENDING_WINDOW // MINUTE} minutos. Confira se o serviço "
                     "de inutilização da SEFAZ do seu estado está no ar, ou peça a mesma faixa de novo.")
    elif problem.retryable:
        what = (f"Sem resposta da SEFAZ depois de {void.resends} reenvios automáticos ({problem.message}). O "
                f"lojasync continua reenviando a cada {SENDING_WINDOW // MINUTE} minutos. Confira se o serviço de "
                "inutilização da SEFAZ do seu estado está no ar, ou peça a mesma faixa de novo.")
    else:
        what = f"O lojasync não consegue reenviar este pedido sozinho. {problem.message}"
        if problem.resolution:
            what += f" Resolução: {problem.resolution}"
    return what[:500]
