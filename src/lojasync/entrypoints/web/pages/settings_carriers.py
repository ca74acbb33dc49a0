"""Configurações → Transportadoras: the carriers named in the NF-e of the orders they ship, registered under the
store's code of each; the services of `lojasync company carriers`. The form is the whole record: a field left
blank is cleared (the list's "Alterar" fills the form with what is kept)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.web.auth import csrf_protect, page_user
from lojasync.entrypoints.web.pages.settings import form_text, settings_view
from lojasync.entrypoints.web.templating import flash, redirect
from lojasync.fiscal.services.carriers import CarrierData, remove_carrier, set_carrier
from lojasync.shared.errors import LojasyncError

router = APIRouter(dependencies=[Depends(page_user)])
SECTION = "/configuracoes#transportadoras"
# The form's fields: named apart from the company form's on the same page (each field's id comes from its name).
FIELDS = ("transportadora_codigo", "transportadora_nome", "transportadora_documento", "transportadora_ie",
          "transportadora_endereco", "transportadora_cidade", "transportadora_uf")


def _data(typed: dict[str, str]) -> CarrierData:
    document = typed["transportadora_documento"].strip()
    # One field for either document: a CPF has 11 digits, a CNPJ 14 characters (letters in the new one). Blank
    # clears the one kept.
    if not document:
        cnpj, cpf = "", None
    elif sum(c.isalnum() for c in document) <= 11:
        cnpj, cpf = None, document
    else:
        cnpj, cpf = document, None
    return CarrierData(name=typed["transportadora_nome"], cnpj=cnpj, cpf=cpf, ie=typed["transportadora_ie"],
                       address=typed["transportadora_endereco"], city=typed["transportadora_cidade"],
                       uf=typed["transportadora_uf"])


@router.post("/configuracoes/transportadoras", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def carrier_set(request: Request, form: Annotated[dict[str, str], Depends(form_text)]) -> Response:
    """Register or change one carrier; every problem is listed at once and nothing is written if any."""
    typed = {name: form.get(name, "") for name in FIELDS}
    try:
        view, created = set_carrier(request.app.state.container.uow(), typed["transportadora_codigo"], _data(typed))
    except LojasyncError as exc:
        return settings_view(request, 422, errors={"carriers": exc}, carrier_typed=typed)
    flash(request, f"Transportadora {view.code} {'cadastrada' if created else 'alterada'}: {view.name}.", "success")
    return redirect(request, SECTION)


@router.post("/configuracoes/transportadoras/remover", include_in_schema=False,
             dependencies=[Depends(csrf_protect)])
def carrier_remove(request: Request, codigo: Annotated[str, Form()] = "") -> Response:
    try:
        view = remove_carrier(request.app.state.container.uow(), codigo)
    except LojasyncError as exc:
        return settings_view(request, 422, errors={"carrier_remove": exc})
    flash(request, f"Transportadora {view.code} apagada ({view.name}).", "success")
    return redirect(request, SECTION)
