"""`lojasync invoices void`, `voids` and `gaps`: voiding (inutilizar) NF-e numbers at SEFAZ, and the numbers still
to void."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import INTERRUPTED, console, container, friendly_errors, terminal_person
from lojasync.entrypoints.cli.output import Column, FormatOption, OutputFormat, print_json, table_or_lines
from lojasync.entrypoints.cli.to_the_end import run_to_the_end
from lojasync.entrypoints.sefaz_access import sefaz_for
from lojasync.entrypoints.worker_words import and_no_worker
from lojasync.fiscal.gateway import DUPLICATE_WITH_DIFFERENT_KEY, NUMBER_ALREADY_VOIDED
from lojasync.fiscal.services.number_gaps import (
    CHECK_NOTE,
    DEADLINE_NOTE,
    HOMOLOGATION_NOTE,
    NumberGapView,
    numbers_to_void,
    production_gaps_left,
    production_gaps_note,
)
from lojasync.fiscal.services.number_voids import NumberVoidView, list_number_voids, void_numbers


def words(void: NumberVoidView) -> str:
    """Its situation, with SEFAZ's code when it is not a plain authorisation."""
    text = void.status_label
    if void.simulated:
        text += " (simulador)"
    if void.rejection_code:
        text += f" ({void.rejection_code} - {escape(void.rejection_reason or '')})"
    if void.attention:
        text += f" - precisa de atenção: {escape(void.attention)}"
    return text


def print_number_void(invoice, voids: list[NumberVoidView], environment_now: str | None) -> None:
    """What became of a discarded NF-e's number: voided at SEFAZ, or the command that voids it (only in the
    environment it was used in: the company's `environment_now`, else what to do)."""
    voided = next((v for v in voids if v.status == "voided"), None)
    if voided is not None:
        protocol = f", protocolo {voided.protocol}" if voided.protocol else ""
        console.print(f"Número {invoice.number} inutilizado na SEFAZ em {formats.when(voided.voided_at)}{protocol}.",
                      highlight=False)
        return
    waiting = next((v for v in voids if v.status == "requested"), None)
    if waiting is not None:
        if waiting.attention:
            console.print(f"Inutilização {waiting.of_numbers} aguardando SEFAZ, precisa de atenção: "
                          f"{waiting.attention}", highlight=False)
        else:
            console.print(f"Inutilização {waiting.of_numbers} aguardando SEFAZ: o lojasync pede de novo sozinho.",
                          highlight=False)
        return
    if invoice.rejection_code == DUPLICATE_WITH_DIFFERENT_KEY:
        console.print(f"A SEFAZ já tem o número {invoice.number} com outra chave (rejeição 539): não há o que "
                      "inutilizar.", highlight=False)
    elif invoice.rejection_code == NUMBER_ALREADY_VOIDED:
        console.print(f"O número {invoice.number} já está inutilizado na SEFAZ (rejeição 206): não há o que "
                      "inutilizar.", highlight=False)
    elif invoice.environment != environment_now and invoice.environment == "2":
        console.print(f"Número {invoice.number} de homologação sem uso: números de homologação não têm valor fiscal e "
                      "não precisam ser inutilizados.", highlight=False)
    elif invoice.environment != environment_now:
        console.print(f"Número {invoice.number} de produção sem uso: só em produção ele pode ser inutilizado; volte a "
                      "emitir em produção (lojasync company set --environment producao) e inutilize-o com lojasync "
                      f"invoices void {invoice.number} --series {invoice.series} --reason TEXTO.", highlight=False)
    else:
        console.print(f"Número {invoice.number} sem uso: inutilize-o na SEFAZ com lojasync invoices void "
                      f"{invoice.number} --series {invoice.series} --reason TEXTO.", highlight=False)


@friendly_errors
def void(
    first: Annotated[int, typer.Argument(metavar="PRIMEIRO", help="Primeiro número a inutilizar.")],
    last: Annotated[int | None, typer.Argument(metavar="[ÚLTIMO]", help="Último número (sem ele: só o primeiro).",
                                               show_default=False)] = None,
    reason: Annotated[str, typer.Option("--reason", metavar="TEXTO",
                                        help="Justificativa (15 a 255 caracteres).")] = "",
    series: Annotated[int | None, typer.Option("--series", metavar="SÉRIE",
                                               help="Série dos números (sem ela: a série atual da empresa).")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Inutiliza na SEFAZ números de NF-e que ficaram sem uso (de NF-e descartadas, ou pulados na série)."""
    app_ = container()
    # Ctrl+C as in `invoices approve` (review: during SEFAZ's answer it said "Interrompido." and the numbers SEFAZ had
    # voided stayed "aguardando SEFAZ", the answer lost).
    (voided, changed), interrupted = run_to_the_end(
        lambda last_chance: void_numbers(app_.uow(), app_.cipher, sefaz_for(app_.settings), first, last, reason,
                                         series=series, actor=terminal_person(), last_chance=last_chance),
        "aguardando a resposta da SEFAZ à inutilização para registrá-la; Ctrl+C de novo deixa de esperar.",
        lambda: and_no_worker(app_, (
            "o pedido de inutilização fica aguardando a SEFAZ: o worker o envia de novo (se a SEFAZ já o tinha, ela "
            "responde que os números estão inutilizados, e isso é registrado). Veja em lojasync invoices voids.")),
        "nada foi enviado à SEFAZ.")
    _say_voided(voided, changed, fmt)
    if interrupted:
        raise typer.Exit(INTERRUPTED)


def _say_voided(voided: NumberVoidView, changed: bool, fmt: OutputFormat) -> None:
    if fmt is OutputFormat.JSON:
        print_json({**voided.to_dict(), "changed": changed})
    elif not changed:
        console.print(f"{voided.numbers_phrase} da série {voided.series} {voided.voided_before} "
                      f"(protocolo {voided.protocol or '—'}).", highlight=False)
    else:
        protocol = f"protocolo {voided.protocol}" if voided.protocol else "a SEFAZ já tinha esta faixa (563)"
        console.print(f"{voided.numbers_phrase} da série {voided.series} {voided.voided_word} na SEFAZ: {protocol}.",
                      highlight=False)


@friendly_errors
def voids(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista os pedidos de inutilização de números, do mais novo para o mais antigo."""
    found, _ = list_number_voids(container().read_uow())
    if fmt is OutputFormat.JSON:
        print_json([v.to_dict() for v in found])
    elif not found:
        console.print("Nenhum número inutilizado. Inutilize com: lojasync invoices void NÚMERO --reason TEXTO.",
                      highlight=False)
    else:
        table_or_lines("Números inutilizados", ["Id", "Série", "Números", Column("Situação"), "Protocolo",
                                       Column("Pedido em", no_wrap=True), Column("Justificativa")],
              [[v.id, v.series, v.numbers, words(v), v.protocol or "—", formats.when(v.requested_at), escape(v.reason)]
               for v in found])


def gap_deadline(gap: NumberGapView) -> str:
    """When the numbers must be voided by, in words."""
    if gap.homologation:
        return "sem prazo (homologação, sem valor fiscal)"
    if gap.deadline is None:
        return "ainda sem prazo (nenhuma NF-e numerada depois)"
    when = formats.day(gap.deadline)
    return f"prazo vencido em {when}" if gap.overdue else f"até {when}"


@friendly_errors
def gaps(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Lista os números de NF-e que a série pulou (de NF-e descartadas, ou pulados ao aumentar o próximo número) e
    que ainda precisam ser inutilizados na SEFAZ, com o prazo e o comando que os inutiliza."""
    found = numbers_to_void(container().read_uow())
    if fmt is OutputFormat.JSON:
        print_json([g.to_dict() for g in found])
        return
    # Production numbers left behind while the company tests in homologação: their deadline runs all the same.
    elsewhere = production_gaps_note(production_gaps_left(container().read_uow()))
    if not found:
        console.print("Nenhum número a inutilizar.", highlight=False)
        if elsewhere:
            console.print(elsewhere, highlight=False)
        return
    table_or_lines("Números a inutilizar", ["Série", "Números", "Quantidade", Column("Prazo")],
                   [[g.series, g.numbers, formats.number(g.count), gap_deadline(g)] for g in found])
    console.print(HOMOLOGATION_NOTE if found[0].homologation else DEADLINE_NOTE, highlight=False)
    console.print(f"{CHECK_NOTE} Inutilize com:", highlight=False)
    for gap in found:   # whole lines, to be copied (a table column would fold them)
        console.print(gap.command, soft_wrap=True, highlight=False, markup=False)
    if elsewhere:
        console.print(elsewhere, highlight=False)
