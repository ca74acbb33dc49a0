"""What Configurações shows of the import rules: each rule's value, where it comes from, and the status table as
one select per store status (read by settings.py, written through settings_import.py)."""

from __future__ import annotations

from lojasync.nuvemshop.services.import_settings import (
    MAX_MINUTES,
    MIN_MINUTES,
    ORDER_STATUSES,
    PAYMENT_STATUSES,
    UNKNOWN_SKU_TEXT,
    VARIABLES,
    ImportSettingsView,
    show_import_settings,
    whole_minutes,
)
from lojasync.sales.status import OrderStatus

ORDER_FIELD, PAYMENT_FIELD, DEFAULT_FIELD = "pedido_", "pagamento_", "padrao"
STATUS_CHOICES = [(s.value, s.label) for s in OrderStatus]


def status_rows(view: ImportSettingsView) -> list[dict]:
    """One select per store status: the ones Nuvemshop sends, plus any other the variables mapped."""
    rules = view.current.rules
    rows = []
    for prefix, known, table, what in ((ORDER_FIELD, ORDER_STATUSES, rules.by_order_status, "situação do pedido"),
                                       (PAYMENT_FIELD, PAYMENT_STATUSES, rules.by_payment_status, "pagamento")):
        extra = {value: value for value in table if value not in known}
        for value, words in {**known, **extra}.items():
            status = table.get(value)
            rows.append({"field": prefix + value, "value": value, "words": words, "what": what,
                         "current": status.value if status else ""})
    return rows


def import_rules_context(container) -> dict:
    view = show_import_settings(container.read_uow(), container.import_defaults)
    return {"import_rules": view, "status_rows": status_rows(view), "status_choices": STATUS_CHOICES,
            "default_field": DEFAULT_FIELD, "unknown_sku_text": UNKNOWN_SKU_TEXT, "rule_variables": VARIABLES,
            "reconcile_minutes": whole_minutes(view.current.reconcile_minutes),
            "min_minutes": MIN_MINUTES, "max_minutes": MAX_MINUTES}
