"""Configurações → Situação dos pedidos and Importação: the status table, the unknown-SKU rule, the
reconciliation interval and the first day of the orders brought in, changed here (the services of `lojasync
import-rules`) and in force from the next import or housekeeping round, without a restart. Each can go back to the
LOJASYNC_* variable or the default."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from lojasync.entrypoints.web.auth import PageUser, csrf_protect, page_user
from lojasync.entrypoints.web.pages.import_rules_view import DEFAULT_FIELD, ORDER_FIELD, PAYMENT_FIELD
from lojasync.entrypoints.web.pages.settings import form_text, settings_view
from lojasync.entrypoints.web.templating import flash, redirect
from lojasync.nuvemshop.services.import_settings import (
    KEYS,
    LABELS,
    ORDERS_FROM,
    RECONCILE_MINUTES,
    STATUS_RULES,
    UNKNOWN_SKU,
    ImportSettingsChange,
    set_import_settings,
)
from lojasync.shared.errors import LojasyncError

router = APIRouter(dependencies=[Depends(page_user)])

ANCHORS = {STATUS_RULES: "situacoes", UNKNOWN_SKU: "sku-desconhecido", RECONCILE_MINUTES: "conferencia",
           ORDERS_FROM: "data-inicial"}
ERROR_KEYS = {STATUS_RULES: "import_status", UNKNOWN_SKU: "import_sku", RECONCILE_MINUTES: "import_reconcile",
              ORDERS_FROM: "import_orders_from"}


def _save(request: Request, key: str, change: ImportSettingsChange, email: str, done: str,
          typed: dict | None = None) -> Response:
    container = request.app.state.container
    try:
        set_import_settings(container.uow(), container.import_defaults, change, email)
    except LojasyncError as exc:
        return settings_view(request, 422, errors={ERROR_KEYS[key]: exc}, import_typed=typed or {})
    flash(request, done, "success")
    return redirect(request, f"/configuracoes#{ANCHORS[key]}")


@router.post("/configuracoes/situacoes", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_status_rules(request: Request, user: PageUser,
                     form: Annotated[dict[str, str], Depends(form_text)]) -> Response:
    """The whole table as the form shows it: every store status with its ERP status (or none), and the default."""
    change = ImportSettingsChange(
        by_order_status={k.removeprefix(ORDER_FIELD): v for k, v in form.items() if k.startswith(ORDER_FIELD)},
        by_payment_status={k.removeprefix(PAYMENT_FIELD): v for k, v in form.items() if k.startswith(PAYMENT_FIELD)},
        default_status=form.get(DEFAULT_FIELD, ""))
    return _save(request, STATUS_RULES, change, user.email,
                 "Tabela de situações gravada: vale a partir da próxima importação (uma sincronização completa a "
                 "reaplica aos pedidos já importados).", typed=form)


@router.post("/configuracoes/sku-desconhecido", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_unknown_sku(request: Request, user: PageUser, unknown_sku: Annotated[str, Form()] = "") -> Response:
    return _save(request, UNKNOWN_SKU, ImportSettingsChange(unknown_sku=unknown_sku), user.email,
                 "Regra do SKU desconhecido gravada: vale a partir da próxima importação.")


@router.post("/configuracoes/conferencia", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_reconcile_minutes(request: Request, user: PageUser,
                          reconcile_minutes: Annotated[str, Form()] = "") -> Response:
    return _save(request, RECONCILE_MINUTES, ImportSettingsChange(reconcile_minutes=reconcile_minutes), user.email,
                 "Intervalo da conferência periódica gravado: vale a partir da próxima rodada do worker.",
                 typed={"reconcile_minutes": reconcile_minutes})


@router.post("/configuracoes/data-inicial", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def set_orders_from(request: Request, user: PageUser, orders_from: Annotated[str, Form()] = "") -> Response:
    """The date field left empty: every order (the store's whole history)."""
    return _save(request, ORDERS_FROM, ImportSettingsChange(orders_from=orders_from.strip() or "todos"), user.email,
                 "Data inicial dos pedidos gravada: vale a partir da próxima importação (com uma data mais antiga, uma "
                 "sincronização completa traz os pedidos anteriores que faltam).",
                 typed={"orders_from": orders_from})


@router.post("/configuracoes/importacao/padrao", include_in_schema=False, dependencies=[Depends(csrf_protect)])
def reset_rule(request: Request, user: PageUser, regra: Annotated[str, Form()] = "") -> Response:
    """"Voltar ao padrão": the lojasync's value is deleted; the LOJASYNC_* variable, else the default, applies."""
    key = regra if regra in KEYS else STATUS_RULES
    return _save(request, key, ImportSettingsChange(reset=frozenset({regra})), user.email,
                 f"{LABELS.get(regra, regra).capitalize()}: de volta ao padrão (a variável de ambiente, se houver).")
