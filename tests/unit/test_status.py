"""Rule 2: store status x payment status -> Em Aberto / Confirmado / Cancelado, via a changeable table."""

from __future__ import annotations

import itertools

import pytest

from lojasync.sales.status import OrderStatus, StatusRules, default_status_rules

STORE_STATUSES = ["open", "closed", "cancelled", "archived", "", None]
PAYMENT_STATUSES = [
    "pending", "authorized", "paid", "abandoned", "refunded", "voided",
    "partially_paid", "partially_refunded", "chargeback", "", None,
]


def _expected(store_status, payment_status) -> OrderStatus:
    if store_status == "cancelled":
        return OrderStatus.CANCELLED
    if payment_status == "paid":
        return OrderStatus.CONFIRMED
    return OrderStatus.OPEN


@pytest.mark.parametrize(
    ("store_status", "payment_status"), list(itertools.product(STORE_STATUSES, PAYMENT_STATUSES))
)
def test_default_mapping_full_cartesian_product(store_status, payment_status):
    assert default_status_rules().map(store_status, payment_status) is _expected(store_status, payment_status)


def test_cancelled_wins_over_paid():
    assert default_status_rules().map("cancelled", "paid") is OrderStatus.CANCELLED


def test_paid_closed_order_is_confirmed():
    assert default_status_rules().map("closed", "paid") is OrderStatus.CONFIRMED


def test_the_three_outcomes_are_the_screen_labels():
    rules = default_status_rules()
    assert rules.map("cancelled", "pending").label == "Cancelado"
    assert rules.map("open", "paid").label == "Confirmado"
    assert rules.map("open", "pending").label == "Em Aberto"


# --- custom tables -----------------------------------------------------------------------------------------


def _custom() -> StatusRules:
    return StatusRules(
        by_order_status={"cancelled": OrderStatus.CANCELLED},
        by_payment_status={
            "paid": OrderStatus.CONFIRMED,
            "authorized": OrderStatus("Confirmado"),
            "voided": OrderStatus("cancelado"),
        },
    )


@pytest.mark.parametrize(
    ("store_status", "payment_status"), list(itertools.product(STORE_STATUSES, PAYMENT_STATUSES))
)
def test_custom_table_is_honoured(store_status, payment_status):
    custom = {"paid": OrderStatus.CONFIRMED, "authorized": OrderStatus.CONFIRMED, "voided": OrderStatus.CANCELLED}
    if store_status == "cancelled":
        expected = OrderStatus.CANCELLED
    else:
        expected = custom.get(payment_status, OrderStatus.OPEN)
    assert _custom().map(store_status, payment_status) is expected


def test_custom_default_and_order_status_entries():
    rules = StatusRules(
        by_order_status={"closed": OrderStatus.CONFIRMED},
        by_payment_status={},
        default=OrderStatus.CANCELLED,
    )
    assert rules.map("closed", "pending") is OrderStatus.CONFIRMED
    assert rules.map("open", "paid") is OrderStatus.CANCELLED
    assert rules.map(None, None) is OrderStatus.CANCELLED


def test_codes_match_in_any_case_and_spacing_as_the_tables_keys():
    """review: "Cancelled" with a paid payment was Confirmado, "PAID" Em Aberto (a platform or an integrator's other
    casing; a key typed "Paid" in the table)."""
    rules = default_status_rules()
    assert rules.map("Cancelled", "paid") is OrderStatus.CANCELLED
    assert rules.map("open", " PAID ") is OrderStatus.CONFIRMED
    typed = StatusRules(by_payment_status={"Authorized": OrderStatus.CONFIRMED})
    assert typed.map("open", "authorized") is OrderStatus.CONFIRMED


def test_empty_table_maps_everything_to_open():
    rules = StatusRules()
    assert rules.map("cancelled", "paid") is OrderStatus.OPEN


# --- fingerprint -----------------------------------------------------------------------------------------


def test_fingerprint_is_stable_and_ignores_insertion_order():
    a = StatusRules({"cancelled": OrderStatus.CANCELLED}, {"paid": OrderStatus.CONFIRMED, "voided": OrderStatus.CANCELLED})
    b = StatusRules({"cancelled": OrderStatus.CANCELLED}, {"voided": OrderStatus.CANCELLED, "paid": OrderStatus.CONFIRMED})
    assert a.fingerprint() == b.fingerprint()
    assert default_status_rules().fingerprint() == default_status_rules().fingerprint()


@pytest.mark.parametrize(
    "changed",
    [
        StatusRules({"cancelled": OrderStatus.CANCELLED}, {"paid": OrderStatus.CONFIRMED, "authorized": OrderStatus.CONFIRMED}),
        StatusRules({"cancelled": OrderStatus.CANCELLED}, {"paid": OrderStatus.OPEN}),
        StatusRules({"cancelled": OrderStatus.OPEN}, {"paid": OrderStatus.CONFIRMED}),
        StatusRules({}, {"paid": OrderStatus.CONFIRMED}),
        StatusRules({"cancelled": OrderStatus.CANCELLED}, {"paid": OrderStatus.CONFIRMED}, OrderStatus.CANCELLED),
        # the same key in the other table is a different rule
        StatusRules({"cancelled": OrderStatus.CANCELLED, "paid": OrderStatus.CONFIRMED}, {}),
    ],
)
def test_fingerprint_changes_when_the_table_changes(changed):
    assert changed.fingerprint() != default_status_rules().fingerprint()


# --- OrderStatus -----------------------------------------------------------------------------------------


def test_labels_and_values():
    assert [(s.value, s.label) for s in OrderStatus] == [
        ("open", "Em Aberto"), ("confirmed", "Confirmado"), ("cancelled", "Cancelado"),
    ]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("open", OrderStatus.OPEN),
        ("confirmed", OrderStatus.CONFIRMED),
        ("cancelled", OrderStatus.CANCELLED),
        ("Em Aberto", OrderStatus.OPEN),
        ("em aberto", OrderStatus.OPEN),
        ("em-aberto", OrderStatus.OPEN),
        ("EM_ABERTO", OrderStatus.OPEN),
        ("  Em Aberto  ", OrderStatus.OPEN),
        ("Confirmado", OrderStatus.CONFIRMED),
        ("CONFIRMADO", OrderStatus.CONFIRMED),
        ("Cancelado", OrderStatus.CANCELLED),
        ("OPEN", OrderStatus.OPEN),
        ("Confirmed", OrderStatus.CONFIRMED),
        ("CANCELLED", OrderStatus.CANCELLED),
    ],
)
def test_status_accepts_values_names_and_labels(text, status):
    assert OrderStatus(text) is status


@pytest.mark.parametrize("text", ["pago", "", "aberto", "canceled", None, 1])
def test_status_refuses_unknown_text(text):
    with pytest.raises(ValueError):
        OrderStatus(text)


def test_settings_tables_add_to_the_defaults_instead_of_replacing_them(monkeypatch):
    from lojasync.settings import Settings

    monkeypatch.setenv("LOJASYNC_STATUS_BY_PAYMENT_STATUS", '{"authorized": "Confirmado"}')
    rules = Settings().status_rules()
    assert rules.map("open", "authorized") is OrderStatus.CONFIRMED
    assert rules.map("open", "paid") is OrderStatus.CONFIRMED
    assert rules.map("cancelled", "paid") is OrderStatus.CANCELLED

    monkeypatch.setenv("LOJASYNC_STATUS_BY_PAYMENT_STATUS", '{"paid": "em-aberto"}')
    assert Settings().status_rules().map("open", "paid") is OrderStatus.OPEN
