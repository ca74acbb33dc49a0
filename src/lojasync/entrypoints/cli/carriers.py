"""`lojasync company carriers ...`: the carriers (transportadoras) named in the NF-e of the orders they ship."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import console, container, friendly_errors
from lojasync.entrypoints.cli.output import Column, FormatOption, OutputFormat, print_json, table
from lojasync.fiscal.services.carriers import CarrierData, CarrierView, list_carriers, remove_carrier, set_carrier

app = typer.Typer(help="Transportadoras: a NF-e de um pedido enviado por uma delas leva os dados dela.",
                  no_args_is_help=True)
CodeArgument = Annotated[str, typer.Argument(metavar="CODIGO", help=(
    "Código da transportadora na loja (o campo shipping do pedido: correios, jadlog...), em maiúsculas ou "
    "minúsculas."))]


def _opt(flag: str, help_: str, metavar: str):
    return typer.Option(flag, help=help_, metavar=metavar)


@app.command("list")
@friendly_errors
def list_(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """As transportadoras cadastradas, pelo código da loja."""
    carriers = list_carriers(container().read_uow())
    if fmt is OutputFormat.JSON:
        print_json([c.to_dict() for c in carriers])
    elif not carriers:
        console.print("Nenhuma transportadora cadastrada: as NF-e saem sem transportadora (modFrete 0). Cadastre com "
                      "lojasync company carriers set CODIGO --name RAZÃO --cnpj CNPJ.", highlight=False)
    else:
        table("Transportadoras", [Column("Código", no_wrap=True), Column("Razão social", ratio=1),
                                  Column("CNPJ/CPF", no_wrap=True), Column("IE", no_wrap=True),
                                  Column("Endereço", ratio=1)],
              [[escape(c.code), escape(c.name), formats.tax_id(c.tax_id), formats.ie(c.ie, c.uf),
                escape(c.place) or formats.EMPTY]
               for c in carriers])


@app.command("set")
@friendly_errors
def set_(
    code: CodeArgument,
    name: Annotated[str | None, _opt("--name", "Razão social (obrigatória ao cadastrar).", "RAZÃO")] = None,
    cnpj: Annotated[str | None, _opt("--cnpj", "CNPJ (numérico ou alfanumérico); \"\" apaga.", "CNPJ")] = None,
    cpf: Annotated[str | None, _opt("--cpf", "CPF, para um transportador pessoa física; \"\" apaga.", "CPF")] = None,
    ie: Annotated[str | None, _opt("--ie", "Inscrição estadual (conferida pela regra da UF) ou ISENTO; \"\" apaga.",
                                   "IE")] = None,
    address: Annotated[str | None, _opt("--address", "Endereço (logradouro, número, bairro).", "ENDEREÇO")] = None,
    city: Annotated[str | None, _opt("--city", "Município.", "CIDADE")] = None,
    uf: Annotated[str | None, _opt("--uf", "UF (SP, RJ...).", "UF")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Cadastra ou altera uma transportadora; só muda o que for informado."""
    view, created = set_carrier(container().uow(), code,
                                CarrierData(name=name, cnpj=cnpj, cpf=cpf, ie=ie, address=address, city=city, uf=uf))
    if fmt is OutputFormat.JSON:
        print_json({**view.to_dict(), "created": created})
        return
    console.print(f"Transportadora {escape(view.code)} {'cadastrada' if created else 'alterada'}: "
                  f"{escape(_describe(view))}.", highlight=False)


@app.command("remove")
@friendly_errors
def remove(code: CodeArgument, fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Apaga a transportadora: as NF-e geradas daqui em diante para os pedidos dela saem sem transportadora."""
    view = remove_carrier(container().uow(), code)
    if fmt is OutputFormat.JSON:
        print_json(view.to_dict())
        return
    console.print(f"Transportadora {escape(view.code)} apagada ({escape(view.name)}).", highlight=False)


def _describe(view: CarrierView) -> str:
    parts = [view.name]
    if view.tax_id:
        parts.append(f"{view.tax_id_kind} {formats.tax_id(view.tax_id)}")
    if view.ie:
        parts.append(f"IE {formats.ie(view.ie, view.uf)}")
    if view.place:
        parts.append(view.place)
    return ", ".join(parts)
