"""The import rules the operator changes without restarting: the status table, the unknown-SKU rule, the
reconciliation interval and the day the store's orders are imported from (Configurações, `lojasync import-rules`).

Precedence, per rule: a value set in the lojasync (table import_settings) wins over the LOJASYNC_* variable,
which wins over the built-in default. "Voltar ao padrão" deletes the lojasync's value, so the variable (if the
service has one) or the default applies again. The status table set here replaces the variables' table as a
whole (the form shows every status of the store, so nothing is merged behind the operator's back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from lojasync.nuvemshop.ports import ConnectorUnitOfWork
from lojasync.nuvemshop.services.import_policy import ImportPolicy
from lojasync.sales.status import OrderStatus, StatusRules, default_status_rules
from lojasync.shared.errors import LojasyncError
from lojasync.shared.local_zone import day_start, local_day
from lojasync.shared.numbers import ascii_digits
from lojasync.shared.typed_day import DAY_SHAPE, EARLIEST, means_all, shown, typed_day
from lojasync.stock.products import UnknownSkuPolicy

STATUS_RULES = "status_rules"
UNKNOWN_SKU = "unknown_sku"
RECONCILE_MINUTES = "reconcile_minutes"
ORDERS_FROM = "orders_from"
KEYS = (STATUS_RULES, UNKNOWN_SKU, RECONCILE_MINUTES, ORDERS_FROM)
LABELS = {STATUS_RULES: "tabela de situações", UNKNOWN_SKU: "SKU desconhecido",
          RECONCILE_MINUTES: "intervalo da conferência periódica", ORDERS_FROM: "data inicial dos pedidos"}
# The variables that set each rule when the lojasync has no value of its own.
VARIABLES = {
    STATUS_RULES: ("LOJASYNC_STATUS_BY_ORDER_STATUS", "LOJASYNC_STATUS_BY_PAYMENT_STATUS", "LOJASYNC_DEFAULT_STATUS"),
    UNKNOWN_SKU: ("LOJASYNC_UNKNOWN_SKU",),
    RECONCILE_MINUTES: ("LOJASYNC_RECONCILE_MINUTES",),
    ORDERS_FROM: ("LOJASYNC_ORDERS_FROM",),
}
# Stored for "every order, whatever the variable says" (the variable's date set aside by the operator).
ALL_ORDERS = "all"

# What Nuvemshop sends in `status` and `payment_status` (the values the table may map), as a person reads them.
ORDER_STATUSES = {"open": "aberto", "closed": "concluído (closed)", "cancelled": "cancelado"}
PAYMENT_STATUSES = {
    "pending": "pendente", "authorized": "autorizado", "paid": "pago", "abandoned": "abandonado",
    "refunded": "devolvido", "voided": "anulado", "partially_paid": "pago em parte",
    "partially_refunded": "devolvido em parte",
}
UNKNOWN_SKU_TEXT = {
    UnknownSkuPolicy.CREATE: "cria o produto (marcado \"criado pela loja\") a partir do item do pedido",
    UnknownSkuPolicy.UNLINKED: "deixa o item sem produto vinculado e registra no histórico do pedido",
}
# A reconciliation more often than every minute only spends the store's rate limit; less than daily lets a lost
# webhook go unnoticed for too long.
MIN_MINUTES, MAX_MINUTES = 1, 1440

SOURCE_DEFAULT, SOURCE_VARIABLE, SOURCE_LOJASYNC = "default", "variable", "lojasync"
_NO_RULE = ("", "-", "—", "nenhuma", "sem regra", "none")
_STATUS_WORDS = {"aberto": OrderStatus.OPEN, "em aberto": OrderStatus.OPEN, "confirmado": OrderStatus.CONFIRMED,
                 "cancelado": OrderStatus.CANCELLED}


class ImportSettingsInvalid(LojasyncError):
    code = "import_settings.invalid"
    message_template = "Regras de importação não gravadas: {problems}."
    resolution_template = ("Corrija o que foi indicado e grave de novo (nada foi gravado): a situação no ERP é Em "
                           "Aberto, Confirmado ou Cancelado; o SKU desconhecido é create ou unlinked; a conferência "
                           f"periódica vai de {MIN_MINUTES} a {MAX_MINUTES} minutos; a data inicial dos pedidos é um "
                           "dia até hoje (AAAA-MM-DD ou DD/MM/AAAA), ou todos.")

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems="; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class ImportDefaults:
    """The rules this process started with: the LOJASYNC_* variables, else the built-in defaults."""

    rules: StatusRules = field(default_factory=default_status_rules)
    unknown_sku: UnknownSkuPolicy = UnknownSkuPolicy.CREATE
    reconcile_minutes: float = 10.0
    orders_from: date | None = None
    # Per rule, the variables that were set (none: the built-in default).
    variables: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportSettings:
    """The rules in force now."""

    rules: StatusRules
    unknown_sku: UnknownSkuPolicy
    reconcile_minutes: float
    # Orders the store created before this day (where the merchant is) are not brought in; those already in the ERP
    # keep being updated. None: every order.
    orders_from: date | None = None

    def policy(self) -> ImportPolicy:
        return ImportPolicy(rules=self.rules, unknown_sku=self.unknown_sku,
                            orders_from=day_start(self.orders_from) if self.orders_from else None)

    @property
    def reconcile_every(self) -> timedelta:
        return timedelta(minutes=self.reconcile_minutes)


@dataclass(frozen=True)
class SettingSource:
    key: str
    source: str                 # default | variable | lojasync
    label: str                  # "padrão", "variável LOJASYNC_…", "configurado no lojasync"
    updated_at: datetime | None = None
    updated_by: str | None = None


@dataclass(frozen=True)
class ImportSettingsView:
    current: ImportSettings
    sources: dict[str, SettingSource]

    def to_dict(self) -> dict[str, Any]:
        rules = self.current.rules
        values = {
            STATUS_RULES: {"by_order_status": {k: v.value for k, v in rules.by_order_status.items()},
                           "by_payment_status": {k: v.value for k, v in rules.by_payment_status.items()},
                           "default": rules.default.value},
            UNKNOWN_SKU: self.current.unknown_sku.value,
            RECONCILE_MINUTES: whole_minutes(self.current.reconcile_minutes),
            ORDERS_FROM: self.current.orders_from.isoformat() if self.current.orders_from else None,
        }
        return {key: {"value": values[key], "source": s.source, "source_label": s.label,
                      "updated_at": s.updated_at.isoformat() if s.updated_at else None, "updated_by": s.updated_by}
                for key, s in self.sources.items()}


@dataclass(frozen=True)
class ImportSettingsChange:
    """What to change; what is left out stays. A status given as "" (or "nenhuma") removes that rule."""

    by_order_status: dict[str, str | None] = field(default_factory=dict)
    by_payment_status: dict[str, str | None] = field(default_factory=dict)
    default_status: str | None = None
    unknown_sku: str | None = None
    reconcile_minutes: str | int | float | None = None
    orders_from: str | None = None          # a day (AAAA-MM-DD or DD/MM/AAAA), or "todos"
    reset: frozenset[str] = frozenset()     # rules going back to the variable or the default

    def touches_status_rules(self) -> bool:
        return bool(self.by_order_status or self.by_payment_status or self.default_status is not None)


def current_import_settings(uow: ConnectorUnitOfWork, defaults: ImportDefaults) -> ImportSettings:
    """The rules in force: one read of the table (an import batch asks once, not per order)."""
    with uow:
        stored = {key: row.value for key, row in uow.import_settings.all().items()}
    return _resolve(stored, defaults)


def show_import_settings(uow: ConnectorUnitOfWork, defaults: ImportDefaults) -> ImportSettingsView:
    with uow:
        rows = uow.import_settings.all()
    current = _resolve({key: row.value for key, row in rows.items()}, defaults)
    return ImportSettingsView(current, _sources(rows, defaults))


def set_import_settings(uow: ConnectorUnitOfWork, defaults: ImportDefaults, change: ImportSettingsChange,
                        updated_by: str | None, now: datetime | None = None) -> ImportSettingsView:
    """Check everything, then write the rules that changed (or delete the ones reset) in one transaction.
    Every problem is listed at once and nothing is written if there is any."""
    now = now or datetime.now(timezone.utc)
    problems = [f"regra desconhecida: {key}" for key in sorted(change.reset - set(KEYS))]
    with uow:
        stored = {key: row.value for key, row in uow.import_settings.all().items()}
        current = _resolve(stored, defaults)
        writes: dict[str, object] = {}
        if change.touches_status_rules():
            rules = _changed_rules(current.rules, change, problems)
            writes[STATUS_RULES] = _rules_json(rules)
        if change.unknown_sku is not None:
            try:
                writes[UNKNOWN_SKU] = UnknownSkuPolicy(str(change.unknown_sku).strip().lower()).value
            except ValueError:
                problems.append(f"SKU desconhecido deve ser create ou unlinked (recebido: {change.unknown_sku!r})")
        if change.reconcile_minutes is not None:
            minutes = _minutes(change.reconcile_minutes)
            if minutes is None:
                problems.append(f"a conferência periódica deve ser um número inteiro de minutos entre {MIN_MINUTES} e "
                                f"{MAX_MINUTES} (recebido: {change.reconcile_minutes!r})")
            else:
                writes[RECONCILE_MINUTES] = minutes
        if change.orders_from is not None:
            typed = str(change.orders_from).strip()
            day = parse_orders_from(typed)
            if day is None and DAY_SHAPE.fullmatch(typed):
                problems.append(f"a data inicial dos pedidos {typed} não existe no calendário")
            elif day is None:
                problems.append(f"a data inicial dos pedidos deve ser um dia (AAAA-MM-DD ou DD/MM/AAAA) ou todos "
                                f"(recebido: {typed or 'vazio'})")
            elif day != ALL_ORDERS and day < EARLIEST:
                # Year 1 was taken (review): a typo, and every order would be brought in with nothing said.
                problems.append(f"a data inicial dos pedidos ({shown(day)}) é antes de "
                                f"{EARLIEST.year}: confira o ano")
            elif day != ALL_ORDERS and day > local_day(now):
                problems.append(f"a data inicial dos pedidos ({shown(day)}) é depois de hoje: os "
                                "pedidos feitos até lá não seriam importados")
            else:
                writes[ORDERS_FROM] = day if day == ALL_ORDERS else day.isoformat()
        for key in change.reset & set(writes):
            problems.append(f"{LABELS[key]}: escolha entre mudar e voltar ao padrão")
        if problems:
            raise ImportSettingsInvalid(problems)
        for key in change.reset:
            uow.import_settings.remove(key)
        for key, value in writes.items():
            uow.import_settings.put(key, value, updated_by, now)
        uow.commit()
        rows = uow.import_settings.all()
    current = _resolve({key: row.value for key, row in rows.items()}, defaults)
    return ImportSettingsView(current, _sources(rows, defaults))


def whole_minutes(minutes: float) -> int | float:
    """10.0 (a variable read as a number) shown as 10; 0.5 stays."""
    return int(minutes) if float(minutes).is_integer() else minutes


def parse_orders_from(text: str) -> date | str | None:
    """The day typed (2026-12-01, 01/12/2026), or ALL_ORDERS for "todos"; None when it is neither."""
    return ALL_ORDERS if means_all(text or "") else typed_day(text or "")


def parse_status(text: str | None) -> OrderStatus | None:
    """"Confirmado", "confirmed", "em aberto"... as the ERP status; "" or "nenhuma": no rule. ValueError otherwise."""
    words = (text or "").strip().replace("_", " ").replace("-", " ").casefold()
    if words in _NO_RULE or (text or "").strip() in _NO_RULE:
        return None
    if words in _STATUS_WORDS:
        return _STATUS_WORDS[words]
    return OrderStatus(words)


def _changed_rules(rules: StatusRules, change: ImportSettingsChange, problems: list[str]) -> StatusRules:
    by_order, by_payment, default = dict(rules.by_order_status), dict(rules.by_payment_status), rules.default
    for table, given, known, what in ((by_order, change.by_order_status, ORDER_STATUSES, "situação do pedido"),
                                      (by_payment, change.by_payment_status, PAYMENT_STATUSES, "pagamento")):
        for store_value, text in given.items():
            # A value the variables mapped may stay or go; a new one must be one the store really sends.
            if store_value not in known and store_value not in table:
                problems.append(f"{what} {store_value!r} não existe na loja (aceitas: {', '.join(known)})")
                continue
            try:
                status = parse_status(text)
            except ValueError:
                problems.append(f"{what} {store_value}: {text!r} não é Em Aberto, Confirmado nem Cancelado")
                continue
            if status is None:
                table.pop(store_value, None)
            else:
                table[store_value] = status
    if change.default_status is not None:
        try:
            status = parse_status(change.default_status)
        except ValueError:
            status = None
        if status is None:
            problems.append(f"a situação padrão deve ser Em Aberto, Confirmado ou Cancelado "
                            f"(recebido: {change.default_status!r})")
        else:
            default = status
    return StatusRules(by_order_status=by_order, by_payment_status=by_payment, default=default)


def _minutes(value: str | int | float) -> int | None:
    if isinstance(value, float) and not value.is_integer():
        return None
    text = str(int(value) if isinstance(value, float) else value).strip()
    if not ascii_digits(text, 9):
        return None
    minutes = int(text)
    return minutes if MIN_MINUTES <= minutes <= MAX_MINUTES else None


def _rules_json(rules: StatusRules) -> dict[str, Any]:
    return {"by_order_status": {k: v.value for k, v in sorted(rules.by_order_status.items())},
            "by_payment_status": {k: v.value for k, v in sorted(rules.by_payment_status.items())},
            "default": rules.default.value}


def _stored_rules(value: Any) -> StatusRules | None:
    try:
        return StatusRules(
            by_order_status={k: OrderStatus(v) for k, v in value["by_order_status"].items()},
            by_payment_status={k: OrderStatus(v) for k, v in value["by_payment_status"].items()},
            default=OrderStatus(value["default"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        return None   # a row edited by hand into nonsense: the variable or the default applies


def _stored(stored: dict[str, Any], key: str):
    value = stored.get(key)
    if value is None:
        return None
    if key == STATUS_RULES:
        return _stored_rules(value)
    if key == UNKNOWN_SKU:
        try:
            return UnknownSkuPolicy(value)
        except ValueError:
            return None
    if key == ORDERS_FROM:
        # ALL_ORDERS, or a day; anything else (a row edited by hand into nonsense): the variable or the default.
        return parse_orders_from(value) if isinstance(value, str) and "/" not in value else None
    return _minutes(value) if isinstance(value, (int, float, str)) and not isinstance(value, bool) else None


def _resolve(stored: dict[str, Any], defaults: ImportDefaults) -> ImportSettings:
    rules, sku, minutes, orders_from = (_stored(stored, key) for key in KEYS)
    return ImportSettings(rules=rules if rules is not None else defaults.rules,
                          unknown_sku=sku if sku is not None else defaults.unknown_sku,
                          reconcile_minutes=minutes if minutes is not None else defaults.reconcile_minutes,
                          orders_from=(defaults.orders_from if orders_from is None else
                                       None if orders_from == ALL_ORDERS else orders_from))


def _sources(rows: dict, defaults: ImportDefaults) -> dict[str, SettingSource]:
    sources = {}
    for key in KEYS:
        row = rows.get(key)
        if row is not None and _stored({key: row.value}, key) is not None:
            sources[key] = SettingSource(key, SOURCE_LOJASYNC, "configurado no lojasync", row.updated_at,
                                         row.updated_by)
        elif defaults.variables.get(key):
            sources[key] = SettingSource(key, SOURCE_VARIABLE, "variável " + ", ".join(defaults.variables[key]))
        else:
            sources[key] = SettingSource(key, SOURCE_DEFAULT, "padrão")
    return sources
