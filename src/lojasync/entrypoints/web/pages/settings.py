"""Configurações: the company and its fiscal data (as `company set`, with the same checks), its tax settings (as
`company taxes`), its carriers (as `company carriers`: their forms are in settings_carriers.py), the A1 certificate
(upload, or a test one in homologação), NF-e series and numbering, the environment, the import rules (status
mapping, unknown SKU, reconciliation: their forms are in settings_import.py) and the users (their forms are in
settings_users.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from lojasync.accounts.services.users import list_users
from lojasync.entrypoints.cli import formats
from lojasync.entrypoints.web.auth import csrf_protect, now, page_user
from lojasync.entrypoints.web.company_notices import company_notices
from lojasync.entrypoints.web.company_notices import forget as forget_company_notices
from lojasync.entrypoints.web.errors import error_status
from lojasync.entrypoints.web.pages.carriers_view import carriers_context
from lojasync.entrypoints.web.pages.import_rules_view import import_rules_context
from lojasync.entrypoints.web.pages.inputs import whole_number
from lojasync.entrypoints.web.pages.stock import ORIGINS
from lojasync.entrypoints.web.templating import flash, redirect, render
from lojasync.fiscal.company import REGIME_NORMAL, SIMPLES_NACIONAL, IbsCbsYearNotice
from lojasync.fiscal.municipalities import UF_CODES
from lojasync.fiscal.services.company import (
    CompanyDataInvalid,
    CompanyMissing,
    DefaultRatesWarning,
    install_certificate,
    install_test_certificate,
    show_company,
)
from lojasync.fiscal.services.company import set_company as save_company
from lojasync.fiscal.services.company_form import changed_only, company_fields
from lojasync.fiscal.services.company_taxes import (
    CompanyTaxes,
    TaxesView,
    set_company_taxes,
    show_company_taxes,
)
from lojasync.shared.errors import LojasyncError
from lojasync.shared.numbers import ascii_digits

router = APIRouter(dependencies=[Depends(page_user)])

# A real A1 file is a few kilobytes; anything far larger is not a certificate.
MAX_CERTIFICATE_BYTES = 512 * 1024
COMPANY_FIELDS = ("legal_name", "trade_name", "cnpj", "ie", "crt", "street", "number", "complement", "district",
                  "city", "uf", "city_code", "zipcode", "phone", "default_ncm", "default_origin", "default_unit",
                  "tech_cnpj", "tech_contact", "tech_email", "tech_phone", "mercado_livre_seller")
REGIMES = [(str(SIMPLES_NACIONAL), "1 - Simples Nacional"), (str(REGIME_NORMAL), "3 - Regime normal")]
ENVIRONMENTS = [("homologacao", "Homologação (testes, sem valor fiscal)"),
                ("producao", "Produção (NF-e com valor fiscal)")]


class NumberInvalid(LojasyncError):
    code = "web.number_invalid"
    message_template = "{field} deve ser um número inteiro: {given}."
    resolution_template = "Informe só dígitos."


def _int(value: str, field: str) -> int | None:
    if not value.strip():
        return None
    try:
        number = whole_number(value)
    except ValueError:
        number = None
    if number is None or not 0 <= number < 10**12:   # "1.5" is no NF-e number (it was read as 15)
        raise NumberInvalid(field=field, given=value.strip())
    return number


def settings_view(request: Request, status_code: int = 200, **context) -> Response:
    """The whole Configurações page; `context` adds a form's errors and what was typed (`errors={...}`)."""
    container = request.app.state.container
    settings = container.settings
    try:
        company = show_company(container.read_uow(), now(request), simulated=settings.sefaz != "real",
                               box=container.cipher)
    except CompanyMissing:
        company = None
    fields = company_fields(container.read_uow()) or {}
    values = context.pop("values", None) or _shown(fields)
    taxes = show_company_taxes(container.read_uow(), now(request)) if company is not None else None
    # IBS/CBS rates of an earlier year are said once here, in Tributos, beside the button that confirms them: the
    # banner and the company's warnings said the same paragraph twice more (every other page keeps the banner). So
    # are lojasync's default rates of a regime normal company, beside the rates they stand for.
    notices = [(text, then) for text, then in company_notices(request) if not isinstance(text, IbsCbsYearNotice)]
    if company is not None:
        company = replace(company, warnings=[w for w in company.warnings
                                             if not isinstance(w, (IbsCbsYearNotice, DefaultRatesWarning))])
    taxes_typed = context.pop("taxes_typed", None) or (_taxes_shown(taxes) if taxes else {})
    # A refused carrier form brings what was typed in `context`, which wins over the carrier kept.
    carriers = carriers_context(container, request.query_params.get("transportadora"))
    return render(request, "settings/index.html", {
        "company": company, "fields": fields, "values": values, "regimes": REGIMES, "taxes": taxes,
        "origins": ORIGINS[1:],
        "taxes_typed": taxes_typed,
        "ufs": [("", "—")] + [(uf, uf) for uf in sorted(UF_CODES)], "environments": ENVIRONMENTS,
        **import_rules_context(container), "import_typed": {}, "sefaz": settings.sefaz, **carriers,
        "users": list_users(container.accounts_uow(), now(request), settings.session_idle_timeout),
        "company_notices": notices, "errors": {}, **context}, status_code=status_code)


def _shown(fields: dict) -> dict[str, object]:
    """The company's fields as the form shows them: the IE and the phone punctuated as people read them (saving
    them so is no change: `changed_only`)."""
    values = {k: ("" if fields.get(k) is None else fields[k]) for k in COMPANY_FIELDS}
    values["ie"] = formats.ie(values["ie"], fields.get("uf")) if values["ie"] else ""
    values["phone"] = formats.phone(values["phone"]) if values["phone"] else ""
    values["tech_phone"] = formats.phone(values["tech_phone"]) if values["tech_phone"] else ""
    return values


TAX_RATES = ("icms_rate", "pis_rate", "cofins_rate", "cbs_rate", "ibs_rate", "ibs_municipal_rate")


def _taxes_shown(view: TaxesView) -> dict[str, object]:
    """The tax settings as the form shows them: rates as Brazilians write them ("7,6"), a UF per line."""
    shown: dict[str, object] = {name: formats.percent(getattr(view, name)).removesuffix("%") for name in TAX_RATES}
    shown["destination"] = "\n".join(f"{uf}={formats.percent(rate).removesuffix('%')}"
                                     for uf, rate in view.destination_icms_rates.items())
    shown.update(ibs_cbs_cst=view.ibs_cbs_cst, ibs_cbs_class=view.ibs_cbs_class,
                 ibs_cbs_for_simples=view.ibs_cbs_for_simples)
    # A rate never set is a hint, not a value: the form saved for a destination UF stored the defaults unseen, and
    # the warning that they were never confirmed went with them.
    shown["hints"] = {name: f"{shown[name]} (padrão)" for name in view.unset}   # also kept when a save is refused
    for name in view.unset:
        shown[name] = ""
    return shown


@router.get("/configuracoes", include_in_schema=False)
def settings_page(request: Request) -> Response:
    return settings_view(request)


async def form_text(request: Request) -> dict[str, str]:
    """The submitted form's text fields (files aside), each as typed."""
    return {key: value for key, value in (await request.form()).items() if isinstance(value, str)}


@router.post("/configuracoes/empresa", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_company(request: Request, form: Annotated[dict[str, str], Depends(form_text)]) -> Response:
    """The company's identity, address and tax regime (`company set`): only what changed is sent, every
    problem is listed at once, and nothing is written if there is any."""
    typed = {name: form.get(name, "") for name in COMPANY_FIELDS}
    container = request.app.state.container
    crt = typed["crt"].strip()
    # A field the form did not send (a page from before it existed, a script) is left as it is, not cleared.
    given = {**{name: value for name, value in typed.items() if name in form},
             "crt": int(crt) if ascii_digits(crt, 2) else (crt or None)}
    try:
        if given["crt"] is not None and not isinstance(given["crt"], int):
            raise CompanyDataInvalid(["CRT deve ser 1 (Simples Nacional) ou 3 (regime normal)"])
        data = changed_only(company_fields(container.read_uow()), given)
        save_company(container.uow(), data)
    except LojasyncError as exc:
        return settings_view(request, 422, values=typed, errors={"company": exc})
    flash(request, "Dados da empresa gravados.", "success")
    return redirect(request, "/configuracoes#empresa")


@router.post("/configuracoes/tributos", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_taxes(request: Request, form: Annotated[dict[str, str], Depends(form_text)]) -> Response:
    """The rates and classes the NF-e apply (`company taxes`); the destination UFs' rates are the list typed,
    a UF taken off the list is forgotten. Every problem is listed at once and nothing is written if any."""
    container = request.app.state.container
    typed = {name: form.get(name, "") for name in (*TAX_RATES, "ibs_cbs_cst", "ibs_cbs_class", "destination")}
    typed["ibs_cbs_for_simples"] = form.get("ibs_cbs_for_simples") == "1"
    try:
        rates = {name: typed[name].strip() or None for name in TAX_RATES}
        given = CompanyTaxes(**rates, ibs_cbs_cst=typed["ibs_cbs_cst"].strip() or None,
                             ibs_cbs_class=typed["ibs_cbs_class"].strip() or None,
                             ibs_cbs_for_simples=typed["ibs_cbs_for_simples"], destination_lines=typed["destination"])
        set_company_taxes(container.uow(), given, now(request))
    except LojasyncError as exc:
        # What was typed, with the hints of the settings never set (the refused form lost its "18 (padrão)").
        typed["hints"] = _taxes_shown(show_company_taxes(container.read_uow()))["hints"]
        return settings_view(request, 422, taxes_typed=typed, errors={"taxes": exc})
    forget_company_notices(request)   # an IBS/CBS rate changed is this year's: the banner may go
    flash(request, "Tributos gravados.", "success")
    return redirect(request, "/configuracoes#tributos")


@router.post("/configuracoes/tributos/confirmar-ibs-cbs", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def confirm_ibs_cbs(request: Request) -> Response:
    """The IBS/CBS rates kept are this year's, unchanged (`company taxes --confirm-ibs-cbs`): the turn of the year's
    check, once the accountant said they still hold."""
    container = request.app.state.container
    try:
        view = set_company_taxes(container.uow(), CompanyTaxes(confirm_ibs_cbs_year=True), now(request))
    except LojasyncError as exc:
        return settings_view(request, error_status(exc), errors={"taxes": exc})
    forget_company_notices(request)   # the banner said they were last year's
    flash(request, f"Alíquotas de IBS/CBS confirmadas para {view.ibs_cbs_rates_year}.", "success")
    return redirect(request, "/configuracoes#tributos")


@router.post("/configuracoes/numeracao", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_numbering(request: Request, series: Annotated[str, Form()] = "",
                  next_number: Annotated[str, Form()] = "") -> Response:
    """NF-e series and next number; a number already used in this environment and series is refused."""
    container = request.app.state.container
    try:
        given = {"series": _int(series, "Série"), "next_number": _int(next_number, "Próximo número")}
        data = changed_only(company_fields(container.read_uow()), given)
        save_company(container.uow(), data)
    except LojasyncError as exc:
        return settings_view(request, 422, errors={"numbering": exc},
                             numbering={"series": series, "next_number": next_number})
    now = company_fields(container.read_uow()) or {}
    # Another series with the number shown left as it was resumes that series where it stopped (a number carried over
    # would skip numbers, to be voided at SEFAZ): said, with how to choose another (review: the new series started at
    # 1, unsaid, for a merchant continuing another ERP's numbering).
    resumed = data.series is not None and data.next_number is None and now.get("next_number") != given["next_number"]
    flash(request, f"Numeração da NF-e gravada: série {now.get('series')}, próximo número {now.get('next_number')}"
                   + (f" (a série {now.get('series')} continua de onde parou; para começar de outro número, informe-o "
                      "e grave de novo)." if resumed else "."), "success")
    return redirect(request, "/configuracoes#numeracao")


@router.post("/configuracoes/ambiente", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_environment(request: Request, environment: Annotated[str, Form()] = "") -> Response:
    """Homologação or produção: each keeps its own numbering; refused while an NF-e is unresolved."""
    container = request.app.state.container
    try:
        current = company_fields(container.read_uow())
        save_company(container.uow(), changed_only(current, {"environment": environment}))
    except LojasyncError as exc:
        return settings_view(request, 422, errors={"environment": exc})
    flash(request, f"Ambiente: {dict(ENVIRONMENTS).get(environment, environment)}.", "success")
    return redirect(request, "/configuracoes#ambiente")


@router.post("/configuracoes/certificado", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def upload_certificate(request: Request, arquivo: Annotated[UploadFile | None, File()] = None,
                       senha: Annotated[str, Form()] = "") -> Response:
    """The company's A1 certificate (.pfx/.p12 and its password), checked and kept sealed with the secret key."""
    container = request.app.state.container
    try:
        content = arquivo.file.read(MAX_CERTIFICATE_BYTES + 1) if arquivo is not None else b""
        if not content:
            raise CertificateFileMissing()
        if len(content) > MAX_CERTIFICATE_BYTES:
            raise CertificateFileTooLarge()
        if not senha:
            raise CertificatePasswordMissing()
        view = install_certificate(container.uow(), container.cipher, content, senha,
                                   ca_bundle=container.settings.sefaz_ca_bundle)
    except LojasyncError as exc:
        return settings_view(request, 422, errors={"certificate": exc})
    forget_company_notices(request)   # the banner of an expiring certificate goes now, not a minute later
    flash(request, f"Certificado instalado: {view.certificate_subject}.", "success")
    return redirect(request, "/configuracoes#certificado")


@router.post("/configuracoes/certificado-teste", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def test_certificate(request: Request) -> Response:
    """A self-signed certificate with the company's CNPJ, for homologação against the SEFAZ simulator only."""
    container = request.app.state.container
    try:
        install_test_certificate(container.uow(), container.cipher)
    except LojasyncError as exc:
        return settings_view(request, 422, errors={"certificate": exc})
    forget_company_notices(request)
    flash(request, "Certificado de TESTE instalado: vale só para homologação no simulador da SEFAZ.", "warning")
    return redirect(request, "/configuracoes#certificado")


class CertificateFileMissing(LojasyncError):
    code = "web.certificate_file_missing"
    message_template = "Nenhum arquivo de certificado foi enviado."
    resolution_template = "Escolha o arquivo .pfx (ou .p12) do certificado A1 da empresa e envie de novo."


class CertificateFileTooLarge(LojasyncError):
    code = "web.certificate_file_too_large"
    message_template = "O arquivo enviado é grande demais para um certificado A1."
    resolution_template = "Confira se escolheu o arquivo .pfx (ou .p12) certo: um A1 tem poucos kilobytes."


class CertificatePasswordMissing(LojasyncError):
    code = "web.certificate_password_missing"
    message_template = "Informe a senha do certificado."
    resolution_template = "A senha é a que a certificadora forneceu com o arquivo .pfx."
