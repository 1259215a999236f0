"""Reconciliation: every kind of difference, none when the records agree."""

from __future__ import annotations

from execution.broker import BrokerOrder, Position
from execution.reconcile import Difference, reconcile


def ours(
    key: str, status: str = "submitted", filled: float = 0.0, order_id: str | None = "1"
) -> dict:
    """Return our ``trading.orders`` row (only the fields reconciliation reads)."""
    return {"key": key, "order_id": order_id, "status": status, "filled_qty": filled}


def theirs(
    key: str | None, status: str = "submitted", filled: float = 0.0, symbol: str = "US.AAA"
) -> BrokerOrder:
    """Return the broker's report of an order."""
    return BrokerOrder(
        order_id="1",
        symbol=symbol,
        side="buy",
        qty=100.0,
        order_type="limit",
        limit_price=10.0,
        status=status,
        filled_qty=filled,
        avg_price=10.0 if filled else None,
        key=key,
        created_at="2026-11-20T16:00:00+00:00",
        updated_at="2026-11-20T16:00:00+00:00",
    )


def held(symbol: str, qty: float) -> Position:
    """Return a broker position."""
    return Position(symbol, qty, 10.0, 10.0, qty * 10.0, 0.0)


def book(**qty: float) -> dict[str, dict]:
    """Return our positions by symbol (``US_AAA=100`` is ``US.AAA``)."""
    return {s.replace("_", "."): {"symbol": s.replace("_", "."), "qty": q} for s, q in qty.items()}


def test_no_difference_when_records_agree():
    diffs = reconcile(
        [ours("dd-a", "filled", 100), ours("dd-b", "partially_filled", 40)],
        [theirs("dd-a", "filled", 100), theirs("dd-b", "partially_filled", 40)],
        book(US_AAA=140),
        [held("US.AAA", 140)],
    )
    assert diffs == []


def test_order_missing_at_the_broker():
    diffs = reconcile([ours("dd-a")], [], {}, [])
    assert diffs == [Difference("order_missing", "dd-a", "submitted", None)]
    assert diffs[0].message() == "order_missing dd-a: ours submitted, broker None"


def test_order_refused_at_once_is_not_missing():
    # Refused when sent: the broker gave no order id, so it never existed there.
    assert reconcile([ours("dd-a", "rejected", order_id=None)], [], {}, []) == []


def test_unknown_order_under_our_prefix_only():
    diffs = reconcile(
        [],
        [theirs("dd-stray", "submitted"), theirs("manual-1"), theirs(None)],
        {},
        [],
    )
    # A key of ours (dd-) we never recorded is reported; other tools' orders are not.
    assert diffs == [Difference("unknown_order", "dd-stray", None, "submitted US.AAA")]


def test_order_status_differs():
    diffs = reconcile([ours("dd-a", "submitted", 0)], [theirs("dd-a", "filled", 100)], {}, [])
    assert diffs == [Difference("order_status", "dd-a", "submitted 0", "filled 100")]


def test_filled_quantity_differs_with_the_same_status():
    diffs = reconcile(
        [ours("dd-a", "partially_filled", 40)], [theirs("dd-a", "partially_filled", 60)], {}, []
    )
    assert diffs == [
        Difference("order_status", "dd-a", "partially_filled 40", "partially_filled 60")
    ]


def test_position_differences_both_ways():
    diffs = reconcile(
        [],
        [],
        book(US_AAA=100, US_BBB=50, US_FLAT=0),
        [held("US.AAA", 60), held("US.CCC", -20), held("US.FLAT", 0)],
    )
    assert diffs == [
        Difference("position", "US.AAA", "100", "60"),  # quantities disagree
        Difference("position", "US.BBB", "50", "0"),  # we hold it, the broker does not
        Difference("position", "US.CCC", "0", "-20"),  # the broker holds it, we do not
    ]


def test_position_check_limited_to_symbols_and_tolerant_of_rounding():
    diffs = reconcile(
        [],
        [],
        book(US_AAA=100.0000000001),
        [held("US.AAA", 100), held("US.OTHER", 5)],
        symbols={"US.AAA"},
    )
    assert diffs == []
