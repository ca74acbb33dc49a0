"""`lojasync company ...`: the company that issues the NF-e (emitente) and its A1 certificate."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.cli.context import ask_secret, console, container, fail, friendly_errors, usage_error
from lojasync.entrypoints.cli.output import FormatOption, OutputFormat, print_json
from lojasync.fiscal.services.company import (
    CompanyData,
    install_certificate,
    install_test_certificate,
    set_company,
    show_company,
)
from lojasync.fiscal.services.company_taxes import CompanyTaxes, TaxesView, set_company_taxes, show_company_taxes
from lojasync.shared.errors import terminal_commands
from lojasync.shared.os_words import in_portuguese

app = typer.Typer(help="Empresa emitente (NF-e) e certificado A1.", no_args_is_help=True)
_ENVIRONMENTS = {"homologacao": "homologação", "producao": "produção"}   # the JSON keeps the option's spelling


def _opt(flag: str, help_: str, metavar: str | None = None):
    return typer.Option(flag, help=help_, metavar=metavar)


@app.command("set")
@friendly_errors
def set_(
    name: Annotated[str | None, _opt("--name", "Razão social.")] = None,
    trade_name: Annotated[str | None, _opt("--trade-name", "Nome fantasia.")] = None,
    cnpj: Annotated[str | None, _opt("--cnpj", "CNPJ (numérico ou alfanumérico).")] = None,
    ie: Annotated[str | None, _opt("--ie", "Inscrição estadual: os números (quem emite NF-e não é ISENTO).")] = None,
    crt: Annotated[int | None, _opt("--crt", "1 Simples Nacional, 3 regime normal.")] = None,
    street: Annotated[str | None, _opt("--street", "Logradouro.")] = None,
    number: Annotated[str | None, _opt("--number", "Número.")] = None,
    complement: Annotated[str | None, _opt("--complement", "Complemento.")] = None,
    district: Annotated[str | None, _opt("--district", "Bairro.")] = None,
    city: Annotated[str | None, _opt("--city", "Cidade (o código IBGE é encontrado pelo nome e UF).")] = None,
    city_code: Annotated[str | None, _opt("--city-code", "Código IBGE do município (7 dígitos).")] = None,
    uf: Annotated[str | None, _opt("--uf", "UF (SP, RJ...).")] = None,
    zipcode: Annotated[str | None, _opt("--zipcode", "CEP.")] = None,
    phone: Annotated[str | None, _opt("--phone", "Telefone.")] = None,
    default_ncm: Annotated[str | None, _opt("--default-ncm",
                                            'NCM para produtos sem NCM próprio ("" remove o padrão).')] = None,
    default_origin: Annotated[str | None, _opt("--default-origin", "Origem (0 a 8) para produtos sem origem própria.",
                                               "N")] = None,
    default_unit: Annotated[str | None, _opt("--default-unit", "Unidade (UN, PC...) para produtos sem unidade "
                                             "própria.", "UNIDADE")] = None,
    tech_cnpj: Annotated[str | None, _opt("--tech-cnpj", "Responsável técnico (infRespTec): CNPJ; \"\" apaga.",
                                          "CNPJ")] = None,
    tech_contact: Annotated[str | None, _opt("--tech-contact", "Responsável técnico: nome do contato.",
                                             "NOME")] = None,
    tech_email: Annotated[str | None, _opt("--tech-email", "Responsável técnico: e-mail.", "E-MAIL")] = None,
    tech_phone: Annotated[str | None, _opt("--tech-phone", "Responsável técnico: telefone.", "TELEFONE")] = None,
    mercado_livre_seller: Annotated[str | None, _opt(
        "--mercado-livre-seller", "Identificação da empresa como vendedora no Mercado Livre (nome de usuário): a NF-e "
        "de um pedido vendido lá o leva (intermediador); \"\" apaga.", "APELIDO")] = None,
    series: Annotated[int | None, _opt("--series", "Série da NF-e (0 a 889).")] = None,
    next_number: Annotated[int | None, _opt("--next-number", "Próximo número de NF-e.")] = None,
    environment: Annotated[str | None, _opt("--environment", "homologacao (padrão) ou producao.")] = None,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Cadastra ou altera a empresa; só muda o que for informado."""
    # Given empty, what every NF-e needs was erased, "Empresa gravada." said, and every NF-e refused after (review):
    # the page empties a field on purpose; a command given --name "" is more likely a script's empty variable.
    required = (("--name", name), ("--cnpj", cnpj), ("--ie", ie), ("--street", street), ("--number", number),
                ("--district", district), ("--city", city), ("--uf", uf), ("--zipcode", zipcode))
    blank = [option for option, value in required if value is not None and not value.strip()]
    if blank:
        usage_error(f"{', '.join(blank)} em branco: toda NF-e precisa disso. Nada foi gravado; informe o valor ou "
                    "deixe a opção de fora para manter o que está.")
    data = CompanyData(legal_name=name, trade_name=trade_name, cnpj=cnpj, ie=ie, crt=crt, street=street,
                       number=number, complement=complement, district=district, city=city, city_code=city_code,
                       uf=uf, zipcode=zipcode, phone=phone, series=series, next_number=next_number,
                       environment=environment, default_ncm=default_ncm, default_origin=default_origin,
                       default_unit=default_unit, tech_cnpj=tech_cnpj, tech_contact=tech_contact,
                       tech_email=tech_email, tech_phone=tech_phone, mercado_livre_seller=mercado_livre_seller)
    set_company(container(create=True).uow(), data)
    _print(fmt, "Empresa gravada.")


@app.command("show")
@friendly_errors
def show(fmt: FormatOption = OutputFormat.TABLE) -> None:
    """Mostra a empresa, o certificado e o que falta para emitir NF-e."""
    _print(fmt)


@app.command("certificate")
@friendly_errors
def certificate(
    file: Annotated[Path | None, typer.Argument(metavar="ARQUIVO", help="Certificado A1 (.pfx ou .p12).")] = None,
    password: Annotated[str | None, typer.Option(
        "--password", metavar="SENHA", help="Senha do certificado (sem ela, é pedida sem aparecer na tela: fora do "
        "histórico do terminal e da lista de processos).")] = None,
    test: Annotated[bool, typer.Option("--test", help="Gera um certificado de teste (só homologação).")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Instala o certificado A1 da empresa (guardado cifrado com LOJASYNC_SECRET_KEY)."""
    app_ = container(create=True)   # the first command on a new data dir, as `company set` may be
    if test and file is not None:   # installed a test certificate over the file given
        usage_error("Use ARQUIVO (o certificado A1 da empresa) ou --test (um certificado de teste), não os dois.")
    if test and password is not None:   # review: it was told "ARQUIVO ou --test, não os dois" with no ARQUIVO given
        usage_error("--password é a senha de um ARQUIVO de certificado: o certificado de teste (--test) não tem.")
    if test:
        install_test_certificate(app_.uow(), app_.cipher)
        _print(fmt, "Certificado de TESTE instalado: vale só para homologação no simulador da SEFAZ.")
        return
    if file is None:
        usage_error("Informe o arquivo do certificado (lojasync company certificate ARQUIVO) ou --test.")
    try:   # before the password is asked for: a wrong path is said at once (review)
        data = file.read_bytes()
    except OSError as exc:
        fail(f"Não foi possível ler {file}: {in_portuguese(exc)}. Resolução: confira o caminho do arquivo .pfx (ou "
             ".p12) do certificado A1 e se este usuário pode lê-lo.")
    if password is None:
        password = _certificate_password()
    install_certificate(app_.uow(), app_.cipher, data, password, ca_bundle=app_.settings.sefaz_ca_bundle)
    _print(fmt, "Certificado instalado.")


def _certificate_password() -> str:
    """Asked for, not typed on the command line (company review: only --password took it, which leaves it in the
    shell's history and, while the command runs, in the process list any local user reads; with the .pfx beside it,
    anyone could sign NF-e as the company). An empty line is an empty password (a .pfx may have none)."""
    (password,) = ask_secret(("Senha do certificado",), "Nenhuma senha recebida: informe-a quando pedida, mande-a "
                             "pela entrada (uma linha) ou use --password SENHA.", default="")
    return password


def _city(view) -> str | None:
    """"São Paulo/SP (3550308)"; what is known of it; None (shown "—") when nothing is."""
    if not (view.city or view.uf or view.city_code):
        return None
    place = "/".join(part for part in (view.city, view.uf) if part)
    return f"{place} ({view.city_code})" if view.city_code else place


@app.command("taxes")
@friendly_errors
def taxes(
    icms_rate: Annotated[str | None, _opt("--icms-rate", "Regime normal: alíquota de ICMS nas vendas dentro da UF (%).",
                                          "ALÍQUOTA")] = None,
    difal: Annotated[list[str] | None, _opt("--difal", "Regime normal: alíquota interna de ICMS de uma UF de destino, "
                                            "para o DIFAL de vendas a consumidor com entrega em outra UF (RJ=20; "
                                            "RJ= esquece a UF). Repita para várias UFs.", "UF=ALÍQUOTA")] = None,
    pis_rate: Annotated[str | None, _opt("--pis-rate", "Regime normal: alíquota de PIS (%).", "ALÍQUOTA")] = None,
    cofins_rate: Annotated[str | None, _opt("--cofins-rate", "Regime normal: alíquota de COFINS (%).",
                                            "ALÍQUOTA")] = None,
    cbs_rate: Annotated[str | None, _opt("--cbs-rate", "Alíquota de CBS (%).", "ALÍQUOTA")] = None,
    ibs_rate: Annotated[str | None, _opt("--ibs-rate", "Alíquota de IBS da UF (%).", "ALÍQUOTA")] = None,
    ibs_municipal_rate: Annotated[str | None, _opt("--ibs-municipal-rate", "Alíquota de IBS do município (%).",
                                                   "ALÍQUOTA")] = None,
    ibs_cbs_cst: Annotated[str | None, _opt("--ibs-cbs-cst", "CST do IBS/CBS (3 dígitos).", "CST")] = None,
    ibs_cbs_class: Annotated[str | None, _opt("--ibs-cbs-class", "cClassTrib do IBS/CBS (6 dígitos).",
                                              "CÓDIGO")] = None,
    ibs_cbs_simples: Annotated[bool | None, typer.Option(
        "--ibs-cbs-simples/--no-ibs-cbs-simples",
        help="Simples Nacional: inclui o grupo IBS/CBS na NF-e (opcional em 2026).")] = None,
    confirm_ibs_cbs: Annotated[bool, typer.Option(
        "--confirm-ibs-cbs",
        help="Confirma as alíquotas de IBS/CBS atuais para o ano corrente, sem mudá-las (na virada do ano, depois de "
             "conferi-las com o contador). Mudar uma delas já as registra como do ano.")] = False,
    fmt: FormatOption = OutputFormat.TABLE,
) -> None:
    """Mostra ou altera os tributos que as NF-e aplicam; só muda o que for informado."""
    rates: dict[str, str] | None = None
    if difal:
        rates = {}
        for item in difal:
            uf, equals, rate = item.partition("=")
            if not equals:
                usage_error(f"--difal {item}: informe UF=ALÍQUOTA, como RJ=20 (ou RJ= para esquecer a UF).")
            rates[uf.strip()] = rate
    given = CompanyTaxes(icms_rate=icms_rate, pis_rate=pis_rate, cofins_rate=cofins_rate, cbs_rate=cbs_rate,
                         ibs_rate=ibs_rate, ibs_municipal_rate=ibs_municipal_rate, ibs_cbs_cst=ibs_cbs_cst,
                         ibs_cbs_class=ibs_cbs_class,
                         ibs_cbs_for_simples=ibs_cbs_simples, destination_icms_rates=rates,
                         confirm_ibs_cbs_year=confirm_ibs_cbs)
    if given == CompanyTaxes():
        _print_taxes(show_company_taxes(container().read_uow()), fmt)
        return
    _print_taxes(set_company_taxes(container().uow(), given), fmt, "Tributos gravados.")


def _print_taxes(view: TaxesView, fmt: OutputFormat, done: str | None = None) -> None:
    if fmt is OutputFormat.JSON:
        print_json(asdict(view))
        return
    if done:
        console.print(done, highlight=False)
    regime = {1: "Simples Nacional", 3: "regime normal"}.get(view.crt, str(view.crt))
    destinations = ", ".join(f"{uf} {formats.percent(rate)}" for uf, rate in view.destination_icms_rates.items())
    rows = [("Regime", regime), ("ICMS (dentro da UF)", formats.percent(view.icms_rate)),
            ("ICMS interno das UFs de destino (DIFAL)", destinations or "nenhuma"),
            ("PIS", formats.percent(view.pis_rate)), ("COFINS", formats.percent(view.cofins_rate)),
            ("CBS", formats.percent(view.cbs_rate)), ("IBS (UF)", formats.percent(view.ibs_rate)),
            ("IBS (município)", formats.percent(view.ibs_municipal_rate)),
            ("Alíquotas de IBS/CBS", f"de {view.ibs_cbs_rates_year}"),
            ("IBS/CBS", f"CST {view.ibs_cbs_cst}, cClassTrib {view.ibs_cbs_class}"
                        + ("" if view.crt == 3 else ", na NF-e" if view.ibs_cbs_for_simples else ", fora da NF-e"))]
    for label, value in rows:
        console.print(f"[bold]{label}:[/] {value}", highlight=False)
    for note in view.notes:
        console.print(f"Obs.: {note}", highlight=False)
    for command in terminal_commands(view.notes):
        console.print(f"No terminal: {escape(command)}", highlight=False)


def _print(fmt: OutputFormat, done: str | None = None) -> None:
    """The company as it stands (after `done`, the change just made), with what keeps this process from issuing for
    it: the simulator while in production, a key that does not open its certificate."""
    app_ = container()
    view = show_company(app_.read_uow(), simulated=app_.settings.sefaz != "real", box=app_.cipher)
    if fmt is OutputFormat.JSON:
        print_json(view.to_dict())
        return
    if done:
        console.print(done, highlight=False)
    regime = {1: "Simples Nacional", 3: "regime normal"}.get(view.crt, str(view.crt))
    rows = [("Razão social", view.legal_name), ("Nome fantasia", view.trade_name),
            ("CNPJ", formats.tax_id(view.cnpj) if view.cnpj else None),
            ("IE", formats.ie(view.ie, view.uf) if view.ie else None), ("Regime", regime),
            ("Endereço", view.address), ("Cidade", _city(view)),
            ("CEP", formats.cep(view.zipcode) if view.zipcode else None),
            ("Telefone", formats.phone(view.phone) if view.phone else None),
            ("NF-e", f"série {view.series}, próximo número {view.next_number}"),
            ("Ambiente", _ENVIRONMENTS.get(view.environment, view.environment)), ("NCM padrão", view.default_ncm),
            ("Produtos sem dados próprios", f"origem {view.default_origin}, unidade {view.default_unit}"),
            ("Responsável técnico", ", ".join(x for x in (
                formats.tax_id(view.tech_cnpj) if view.tech_cnpj else None, view.tech_contact, view.tech_email,
                formats.phone(view.tech_phone) if view.tech_phone else None) if x) or None),
            ("Vendedor no Mercado Livre", view.mercado_livre_seller),
            ("Certificado", f"{view.certificate_subject} ({formats.tax_id(view.certificate_cnpj)}), válido até "
                            f"{formats.day(view.certificate_not_after)}" if view.certificate_subject else "nenhum")]
    for label, value in rows:
        console.print(f"[bold]{label}:[/] {value if value not in (None, '') else '—'}", highlight=False)
    for warning in view.warnings:
        console.print(f"[yellow]Atenção:[/] {warning}", highlight=False)
    for command in terminal_commands(view.warnings):
        console.print(f"No terminal: {escape(command)}", highlight=False)
    if view.problems:
        console.print("[yellow]Para emitir NF-e falta:[/] " + "; ".join(view.problems), highlight=False)
        for command in terminal_commands(view.problems):
            console.print(f"No terminal: {escape(command)}", highlight=False)
    else:
        console.print("Pronta para emitir NF-e.", highlight=False)
