"""TCA on a crafted fill set and PnL decomposition on planted loadings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.backtest.attribution import decompose_pnl, tca_summary, transaction_costs
from quant.backtest.fills import Fill, Order, OrderType, Side


def _fill(oid: str, side: Side, qty: int, price: float, ref: float, dp: float,
          commission: float, fees: float, impact: float = 0.0) -> Fill:
    s = side.sign
    pre = price - s * impact / qty
    return Fill(oid, "X", side, 0, qty, price, ref, "taker", commission, fees,
                slippage=s * (pre - ref) * qty, impact=impact, latency=s * (ref - dp) * qty)


def test_tca_splits_explicit_and_implicit_and_measures_shortfall():
    buy = Order("b", "X", Side.BUY, 100, 0, OrderType.MARKET, decision_price=50.0)
    sell = Order("s", "X", Side.SELL, 200, 0, OrderType.MARKET, decision_price=60.0)
    fills = [
        # 60 @ 50.10 (ref 50.05: 0.05 latency, 0.05 slippage), 40 @ 50.30 with 4.0 of impact.
        _fill("b", Side.BUY, 60, 50.10, 50.05, 50.0, 1.0, 0.0),
        _fill("b", Side.BUY, 40, 50.30, 50.10, 50.0, 0.0, 0.0, impact=4.0),
        # Half the sell fills at 59.90 against a reference 59.95: the rest is opportunity.
        _fill("s", Side.SELL, 100, 59.90, 59.95, 60.0, 0.5, 0.3),
    ]
    t = transaction_costs([buy, sell], fills, final_prices={"X": 58.0}).set_index("order_id")
    b, s = t.loc["b"], t.loc["s"]
    assert b.explicit == pytest.approx(1.0) and s.explicit == pytest.approx(0.8)
    assert b.latency == pytest.approx(60 * 0.05 + 40 * 0.10)
    assert b.slippage == pytest.approx(60 * 0.05 + 40 * 0.10)
    assert b.impact == pytest.approx(4.0)
    assert b.implicit == pytest.approx(b.execution) == pytest.approx(60 * 0.10 + 40 * 0.30)
    assert b.shortfall == pytest.approx(18.0 + 1.0)
    assert b.shortfall_bps == pytest.approx(19.0 / 5000.0 * 1e4)
    assert s.execution == pytest.approx(100 * 0.10) and s.opportunity == pytest.approx(200.0)
    assert s.shortfall == pytest.approx(10.0 + 0.8 + 200.0)
    total = tca_summary(t.reset_index())
    assert total["explicit"] == pytest.approx(1.8) and total["implicit"] == pytest.approx(28.0)


def test_decomposition_recovers_planted_loadings():
    rng = np.random.default_rng(11)
    n = 2000
    idx = pd.bdate_range("2015-01-01", periods=n)
    m = pd.Series(rng.normal(0.0004, 0.01, n), index=idx)
    own = rng.normal(0.0, 0.008, n)
    tech = pd.Series(0.9 * m.to_numpy() + own, index=idx)
    r = 0.0003 + 1.3 * m + 0.5 * own + rng.normal(0, 0.002, n)
    d = decompose_pnl(r, m, pd.DataFrame({"tech": tech}), equity=(1 + r).cumprod() * 1e5)
    assert d.market_beta == pytest.approx(1.3, abs=0.02)
    assert d.sector_betas["tech"] == pytest.approx(0.5, abs=0.02)
    assert d.alpha == pytest.approx(0.0003, abs=0.0001)
    parts = [d.contributions[k] for k in ("alpha", "market", "sector:tech", "residual")]
    assert sum(parts) == pytest.approx(d.contributions["total"])
    money = [d.contributions_money[k] for k in ("alpha", "market", "sector:tech", "residual")]
    assert sum(money) == pytest.approx(d.contributions_money["total"])
    assert d.r_squared > 0.9


def test_engine_result_tca_matches_its_fills(daily, config, signal):
    from quant.backtest.engine import run_engine
    from quant.backtest.fills import FillConfig, per_share

    bars = daily([(100, 100, 100, 100), (101, 102, 100, 101), (101, 101, 101, 101)])
    cfg = config(fill=FillConfig(costs=per_share(0.01, 1.0)))
    res = run_engine(bars, signal(bars, 0), cfg)
    t = res.tca()
    assert len(t) == 1 and t.explicit.iloc[0] == pytest.approx(1.0)
    assert t.implicit.iloc[0] == pytest.approx(t.execution.iloc[0])
    assert t.execution.iloc[0] == pytest.approx(10 * (res.fills.price.iloc[0] - 100.0))
