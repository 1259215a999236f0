"""Every data-quality check fails on a frame crafted to break it, and passes on clean data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from harvest import contracts as c
from pipelines.quality import checks_for, validate


def _bars(n: int = 12) -> pd.DataFrame:
    ts = pd.date_range("2026-11-02 21:00", periods=n, freq="D", tz="UTC")
    close = 100 + np.arange(n, dtype=float)
    frame = pd.DataFrame(
        {
            "symbol": "US.TEST",
            "ts": ts,
            "session_date": ts.date,
            "open": close - 0.5,
            "high": close + 1.0,
            "low": close - 1.0,
            "close": close,
            "volume": 1000.0,
            "source": "synthetic",
        }
    )
    return c.conform(c.DAILY_BARS, frame)


def _outcomes(table: c.Table, frame: pd.DataFrame) -> dict[str, object]:
    return {o.name: o for o in validate(table, frame)}


def test_clean_bars_pass_every_check():
    outcomes = _outcomes(c.DAILY_BARS, _bars())
    assert set(outcomes) == {c.name for c in checks_for(c.DAILY_BARS)}
    assert all(o.passed for o in outcomes.values()), [o.summary() for o in outcomes.values()]


def _break_nulls(f):
    f["close"] = f["close"].astype(object)
    f.loc[4, "close"] = None
    return f


def _break_key(f):
    f.loc[5, "ts"] = f.loc[4, "ts"]
    return f


def _break_high(f):
    f.loc[3, "high"] = f.loc[3, "close"] - 0.25
    return f


def _break_low(f):
    f.loc[6, "low"] = f.loc[6, "open"] + 0.1
    return f


def _break_price(f):
    f.loc[2, ["open", "high", "low", "close"]] = [0.0, 0.0, 0.0, 0.0]
    return f


def _break_volume(f):
    f.loc[7, "volume"] = -5.0
    return f


def _break_order(f):
    f.loc[[8, 9], "ts"] = f.loc[[9, 8], "ts"].to_numpy()
    return f


def _break_stale(f):
    f.loc[3:8, ["open", "high", "low", "close"]] = 150.0
    return f


@pytest.mark.parametrize(
    ("check", "breaker", "row_hint"),
    [
        ("not_null", _break_nulls, "ts=2026-11-06"),
        ("unique_key", _break_key, "ts=2026-11-06"),
        ("ohlc_consistent", _break_high, "ts=2026-11-05"),
        ("ohlc_consistent", _break_low, "ts=2026-11-08"),
        ("positive_prices", _break_price, "ts=2026-11-04"),
        ("volume_non_negative", _break_volume, "ts=2026-11-09"),
        ("monotonic_time", _break_order, "ts=2026-11-10"),
        ("no_stale_prices", _break_stale, "ts=2026-11-09"),
    ],
)
def test_each_check_fails_on_its_crafted_frame(check, breaker, row_hint):
    frame = breaker(_bars().copy())
    outcomes = _outcomes(c.DAILY_BARS, frame)
    assert not outcomes[check].passed
    assert row_hint in outcomes[check].summary(), outcomes[check].summary()
    assert "symbol=US.TEST" in outcomes[check].summary()


def test_unbalanced_statement_fails(small_source):
    st = small_source.fetch(c.FINANCIAL_STATEMENTS, symbols=["US.AAPL"])
    assert _outcomes(c.FINANCIAL_STATEMENTS, st)["statements_balance"].passed
    bad = st.copy()
    bad.loc[2, "total_equity"] += 1e6
    outcome = _outcomes(c.FINANCIAL_STATEMENTS, bad)["statements_balance"]
    assert not outcome.passed
    assert "_balance_gap" in outcome.summary()
    assert str(bad.loc[2, "fiscal_period_end"]) in outcome.summary()


def test_capital_flow_known_before_its_period_ends_fails(small_source):
    flow = small_source.fetch(c.CAPITAL_FLOW, symbols=["US.AAPL"], start=small_source.days[-1])
    assert all(o.passed for o in validate(c.CAPITAL_FLOW, flow))
    bad = flow.copy()
    bad.loc[7, "available_at"] = bad.loc[7, "ts"] - pd.Timedelta(seconds=30)
    outcome = _outcomes(c.CAPITAL_FLOW, bad)["flow_periods"]
    assert not outcome.passed
    assert "_known_after_period" in outcome.summary()
    assert str(bad.loc[7, "ts"].date()) in outcome.summary()
