"""Market inputs built from bars: ATR (TA-Lib), its baseline, ADV; returns; utilization."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.indicators.talib_api import atr as talib_atr
from quant.risk import (
    MarketContext,
    PortfolioState,
    Position,
    RiskLimits,
    SymbolData,
    returns_from_closes,
    symbol_data_from_bars,
)
from quant.risk.limits import book_of, utilization


def bars(n=120, seed=9) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    close = 50 * np.exp(np.cumsum(rng.normal(0, 0.015, n)))
    high = close * (1 + rng.uniform(0, 0.02, n))
    low = close * (1 - rng.uniform(0, 0.02, n))
    volume = rng.integers(100_000, 900_000, n).astype(float)
    return pd.DataFrame({"high": high, "low": low, "close": close, "volume": volume})


def test_symbol_data_from_bars_worked():
    b = bars()
    data = symbol_data_from_bars(b, sector="tech", beta=1.2, lot_size=10)
    expected_atr = talib_atr(b["high"], b["low"], b["close"], timeperiod=14)
    assert data.atr == pytest.approx(expected_atr[-1])
    # Baseline: the 50 ATR values before the last one (a spike does not lift its own mean).
    baseline = expected_atr[-51:-1]
    assert data.atr_mean == pytest.approx(baseline.mean())
    assert data.atr_std == pytest.approx(baseline.std(ddof=1))
    assert data.adv == pytest.approx(b["volume"].tail(20).mean())
    assert data.price == b["close"].iloc[-1]
    assert (data.sector, data.beta, data.lot_size) == ("tech", 1.2, 10)
    assert data.problems() == []


def test_a_spike_on_the_last_bar_is_seen_against_the_earlier_baseline():
    b = bars()
    b.loc[b.index[-1], "high"] = b["close"].iloc[-2] * 1.25  # a 25 % range on the last bar
    data = symbol_data_from_bars(b)
    assert data.atr_zscore() > 2


def test_short_history_has_no_baseline():
    data = symbol_data_from_bars(bars(n=15))
    assert data.atr_mean is None and data.atr_zscore() is None
    assert symbol_data_from_bars(bars(n=10)).problems() == ["atr is nan"]


def test_returns_from_closes():
    closes = pd.DataFrame({"A": [10.0, 11.0, 9.9], "B": [5.0, 5.0, 5.5]})
    r = returns_from_closes(closes)
    assert r["A"].tolist() == pytest.approx([0.1, -0.1])
    assert r["B"].tolist() == pytest.approx([0.0, 0.1])


def test_utilization_of_a_book():
    market = MarketContext({
        "A": SymbolData(50.0, 1.0, 1e6, "tech", beta=1.5),
        "B": SymbolData(20.0, 1.0, 1e6, "energy", beta=0.5),
    })
    state = PortfolioState.of(100_000.0, [Position("A", 200, 49.0), Position("B", -500, 20.0),
                                          Position("C", 100, 10.0)])
    book, warnings = book_of(state, market)
    # A at the market price 50: 10,000; B: -10,000; C (no market data) at its own 10: 1,000.
    assert dict(book.notional) == {"A": 10_000.0, "B": -10_000.0, "C": 1_000.0}
    assert len(warnings) == 1 and "C" in warnings[0]
    u = utilization(book, state.risk, RiskLimits())
    assert u.sector_exposure == {"": 0.01, "energy": 0.10, "tech": 0.10}
    # Net beta: (10,000 x 1.5 - 10,000 x 0.5 + 1,000 x 1) / 100,000 = 0.11.
    assert u.net_beta == pytest.approx(0.11)
    assert u.gross_exposure == pytest.approx(0.21)
    assert u.positions == 3
