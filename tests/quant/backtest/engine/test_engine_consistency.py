"""With costs, latency and exits switched off the engine agrees with `simulate`.

The one difference is when the size is chosen: `simulate` (like backtesting.py) sizes an
all-in order on the next bar's open, the price it fills at; the engine sizes it when it is
decided, on the deciding bar's close, because a real order's quantity is fixed before the
open prints. Trades therefore enter and exit on the same bars at the same prices, sizes
differ by the close-to-open gap (at most 9 of 169 shares here), the final equity by
0.47 % and the equity curve by at most 1.48 % on any bar.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.backtest import simulate
from quant.backtest.engine import EngineConfig, ExitRules, Sizing, run_engine
from quant.backtest.fills import FillConfig, ImpactModel, NoCosts, SlippageModel, constant_latency

GOOG = pytest.importorskip("backtesting.test").GOOG


def test_engine_matches_simulate_on_goog_sma_cross():
    c = GOOG.Close
    fast, slow = c.rolling(10).mean(), c.rolling(20).mean()
    target = pd.Series(np.where(fast > slow, 1.0, -1.0), index=GOOG.index)
    target[slow.isna()] = np.nan
    ref = simulate(GOOG, target, cash=10_000.0)
    plain = FillConfig(costs=NoCosts(), latency=constant_latency(0),
                       slippage=SlippageModel(0.0, 0.0), impact=ImpactModel(threshold=1e9),
                       participation=1.0)
    cfg = EngineConfig(cash=10_000.0, fill=plain, sizing=Sizing("all_in"), exits=ExitRules.none())
    res = run_engine(GOOG, target, cfg, symbol="GOOG")
    ours, theirs = res.trades, ref.trades
    assert len(ours) == len(theirs) == 95
    for col in ("entry_bar", "exit_bar", "is_open"):
        np.testing.assert_array_equal(ours[col].to_numpy(), theirs[col].to_numpy())
    for col in ("entry_price", "exit_price"):  # ours is notional / qty: rounding only
        np.testing.assert_allclose(ours[col].to_numpy(), theirs[col].to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(np.sign(ours["size"]), np.sign(theirs["size"]))
    # Sizes differ by the close-to-open gap and the equity drift (worst: 9 of 169 shares).
    np.testing.assert_allclose(ours["size"].to_numpy(), theirs["size"].to_numpy(), rtol=0.06)
    assert res.stats["n_trades"] == ref.stats["n_trades"] == 94
    final = res.stats["equity_final"] / ref.stats["equity_final"] - 1.0
    assert abs(final) < 0.005
    # Measured: at most 1.48 % apart on any bar.
    np.testing.assert_allclose(res.equity.to_numpy(), ref.equity.to_numpy(), rtol=0.015)
    assert set(ours.exit_reason) == {"signal_exit", "end_of_data"}
