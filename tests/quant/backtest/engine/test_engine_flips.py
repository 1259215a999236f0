"""Partial fills around exits: an exiting trade never grows, a flip's entry waits its turn.

Both used to corrupt the trade records (a stopped-out trade kept buying its entry remainder;
a short sale filled against a long still being sold, so the long's exit could never finish)
and, a few bars later, crash the run with a KeyError. Each case runs both loops.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from quant.backtest.engine import EngineConfig, ExitRules, Sizing, _inputs
from quant.backtest.engine._kernel import run_compiled
from quant.backtest.engine.core import _Loop
from quant.backtest.engine.results import EngineResult
from quant.backtest.fills import FillConfig, ImpactModel, NoCosts, SlippageModel, constant_latency

HOURS = pd.Timedelta(hours=1)
CAPPED = FillConfig(costs=NoCosts(), latency=constant_latency(0),
                    slippage=SlippageModel(0.0, 0.0), impact=ImpactModel(threshold=1e9),
                    participation=0.1)


def _hourly(rows: list[tuple[float, float, float, float, float]]) -> pd.DataFrame:
    idx = pd.date_range("2024-01-02 10:30", periods=len(rows), freq="h")
    return pd.DataFrame(rows, index=idx, columns=["open", "high", "low", "close", "volume"])


def _runs(bars: pd.DataFrame, signals: pd.DataFrame, config: EngineConfig) -> list[EngineResult]:
    panel = _inputs.build_panel(bars, config)
    sig = _inputs.build_signals(signals, panel)
    compiled = run_compiled(panel, sig, config, None)
    assert compiled is not None
    return [_Loop(panel, config, {}).run(sig), compiled]


@pytest.mark.parametrize("which", [0, 1], ids=["python", "compiled"])
def test_a_stopped_trade_cancels_the_rest_of_its_entry(which):
    # 500 shares wanted, 100 fill in bar 1 (10 % of 1,000), whose low takes the stop at 95.
    # A short decided at bar 1's close then keeps the symbol's orders matched in bar 2: the
    # 400 the long never got must not be bought there for a trade that is already closed.
    bars = _hourly([(100, 100, 100, 100, 1e6), (100, 101, 94, 96, 1_000),
                    (96, 97, 95.5, 96, 1e6), (96, 97, 95.5, 96, 1e6)])
    sig = pd.DataFrame([{"ts": bars.index[0], "symbol": "X", "direction": 1.0, "stop": 95.0},
                        {"ts": bars.index[1], "symbol": "X", "direction": -1.0, "stop": 105.0}])
    cfg = EngineConfig(fill=CAPPED, sizing=Sizing("shares", shares=500),
                       exits=ExitRules(None, None, 1.0, None, None, "reduce_size", None, None),
                       bar_duration=HOURS)
    res = _runs(bars, sig, cfg)[which]
    entry = res.orders.iloc[0]
    assert (entry.status, entry.filled_qty, entry.reason) == ("cancelled", 100,
                                                             "cancelled by stop_loss")
    long, short = res.trades.iloc[0], res.trades.iloc[1]
    assert (long["size"], long.exit_bar, long.exit_reason, long.is_open) == (100, 1, "stop_loss",
                                                                            False)
    assert (short["size"], short.entry_bar) == (-500, 2)
    assert res.positions["X"].tolist() == [0, 0, -500, -500]


@pytest.mark.parametrize("which", [0, 1], ids=["python", "compiled"])
def test_a_flip_enters_only_once_its_exit_is_done(which):
    # Long 300 shares; the flip's exit sells 100 a bar (10 % of 1,000), so the short waits.
    thin, deep = 1_000.0, 1e6
    bars = _hourly([(100, 100, 100, 100, deep), (100, 100, 100, 100, deep),
                    (100, 100, 100, 100, thin), (100, 100, 100, 100, thin),
                    (100, 100, 100, 100, thin), (100, 100, 100, 100, deep),
                    (100, 100, 100, 100, deep)])
    sig = pd.Series([1.0, np.nan, -1.0, np.nan, np.nan, np.nan, np.nan], index=bars.index)
    cfg = EngineConfig(fill=CAPPED, sizing=Sizing("shares", shares=300),
                       exits=ExitRules.none(), bar_duration=HOURS)
    res = _runs(bars, sig, cfg)[which]
    assert res.positions["X"].tolist() == [0, 300, 300, 200, 100, -300, -300]
    long, short = res.trades.iloc[0], res.trades.iloc[1]
    assert (long["size"], long.exit_bar, long.exit_reason) == (300, 5, "signal_exit")
    assert (short["size"], short.entry_bar, short.is_open) == (-300, 5, True)
    python, compiled = _runs(bars, sig, cfg)
    pd.testing.assert_frame_equal(python.fills, compiled.fills, check_exact=True)
