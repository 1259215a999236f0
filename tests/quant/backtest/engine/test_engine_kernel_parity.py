"""The compiled loop computes exactly what the Python loop computes.

`run_engine` runs the numba twin (`_nb_*`) when the configuration is one it models. These
tests run both on seeded random scenarios (`engine_scenarios`) and require identical
equity, positions, orders, fills, trades, trade log, refusals and fill-model records, bit
for bit, and that the scenarios between them reach every path the twin re-implements.
"""

from __future__ import annotations

import dataclasses
import math
import pickle
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from engine_scenarios import scenario

from quant.backtest.engine import _inputs, run_engine
from quant.backtest.engine._kernel import run_compiled
from quant.backtest.engine.core import _Loop
from quant.backtest.engine.results import EngineResult

SEEDS = range(160)
FRAMES = ("equity", "positions", "orders", "fills", "trades", "trade_log", "refusals")


def _same_records(xs: tuple[Any, ...], ys: tuple[Any, ...]) -> None:
    assert len(xs) == len(ys)
    for x, y in zip(xs, ys, strict=True):
        for f in dataclasses.fields(x):
            a, b = getattr(x, f.name), getattr(y, f.name)
            nan = isinstance(a, float) and math.isnan(a)
            assert (nan and math.isnan(b)) or (not nan and a == b), (x, f.name, a, b)


def _both(seed: int) -> tuple[EngineResult, EngineResult]:
    bars, signals, config, minutes = scenario(seed)
    panel = _inputs.build_panel(bars, config, "S0")
    sig = _inputs.build_signals(signals, panel)
    python = _Loop(panel, config, _inputs.build_minutes(minutes)).run(sig)
    compiled = run_compiled(panel, sig, config, minutes)
    assert compiled is not None, f"seed {seed}: the compiled loop declined the scenario"
    return python, compiled


def _coverage(res: EngineResult, config: Any) -> Counter[str]:
    """Count the paths a run took, from its results."""
    c: Counter[str] = Counter()
    o, f = res.orders, res.fills
    c.update(f"status:{s}" for s in o.status)
    c.update(f"reason:{r.split(' by ')[0]}" for r in o.reason if r)
    c.update(f"type:{t}/{p == 'entry'}" for t, p in zip(o.order_type, o.purpose, strict=True))
    c.update(f"exit:{r}" for r in res.trades.exit_reason)
    c.update(f"refusal:{r}" for r in res.refusals.reason)
    c.update(f"liquidity:{x}" for x in f.liquidity)
    c["partial"] += int(((o.filled_qty > 0) & (o.filled_qty < o.qty)).sum())
    c["impact"] += int((f.impact != 0).sum())
    c["short"] += int((res.positions < 0).to_numpy().sum())
    if len(f):
        c["minute fill"] += int((f.ts.dt.minute % 30 != 0).sum())
    c[f"costs:{type(config.fill.costs).__name__}"] += 1
    c[f"latency:{config.fill.latency.kind}"] += 1
    c[f"sizing:{config.sizing.method}"] += 1
    return c


def test_compiled_loop_matches_python_loop_on_random_scenarios():
    coverage: Counter[str] = Counter()
    for seed in SEEDS:
        python, compiled = _both(seed)
        for name in FRAMES:
            a, b = getattr(compiled, name), getattr(python, name)
            try:
                if isinstance(a, pd.Series):
                    pd.testing.assert_series_equal(a, b, check_exact=True)
                else:
                    pd.testing.assert_frame_equal(a, b, check_exact=True)
            except AssertionError as e:
                raise AssertionError(f"seed {seed}: {name} differs") from e
        _same_records(compiled.order_objects, python.order_objects)
        _same_records(compiled.fill_objects, python.fill_objects)
        assert compiled.cash == python.cash
        coverage += _coverage(python, scenario(seed)[2])
    required = [
        "status:filled", "status:cancelled", "status:expired", "status:rejected",
        "reason:cancelled", "reason:remainder sent as market",
        "reason:day order expired at the close",
        "reason:short selling is disabled", "reason:decision_price must be positive",
        "reason:limit needs a positive limit price",
        "type:market/True", "type:limit/True", "type:market/False", "type:stop/False",
        "type:limit/False", "exit:signal_exit", "exit:stop_loss", "exit:take_profit",
        "exit:trailing_stop", "exit:chandelier", "exit:time_stop", "exit:margin_call",
        "exit:end_of_data", "refusal:size reduced to max_risk_percent",
        "refusal:stop tightened to max_risk_percent", "refusal:size reduced to buying power",
        "refusal:no buying power", "liquidity:taker", "liquidity:maker", "partial", "impact",
        "short", "minute fill", "costs:NoCosts", "costs:PerShare", "costs:PercentOfNotional",
        "costs:MoomooUS", "latency:uniform", "latency:constant", "latency:lognormal",
        "sizing:risk", "sizing:fixed_fraction", "sizing:all_in", "sizing:shares",
    ]
    missing = [r for r in required if coverage[r] == 0]
    assert not missing, f"the scenarios never reached {missing}"


def test_run_engine_takes_the_compiled_path_and_returns_the_same():
    bars, signals, config, minutes = scenario(3)
    res = run_engine(bars, signals, config, minute_bars=minutes, symbol="S0")
    python, _ = _both(3)
    pd.testing.assert_frame_equal(res.trades, python.trades, check_exact=True)
    assert "_deferred" in res.__dict__  # the compiled path defers the record objects


def test_deferred_records_behave_like_fields():
    bars, signals, config, minutes = scenario(5)
    res = run_engine(bars, signals, config, minute_bars=minutes, symbol="S0")
    copy = pickle.loads(pickle.dumps(res))
    assert res.order_objects == res.order_objects and len(res.fill_objects) == len(res.fills)
    _same_records(copy.order_objects, res.order_objects)
    again = dataclasses.replace(res, cash=1.0)
    assert again.fill_objects == res.fill_objects and again.cash == 1.0
    pd.testing.assert_frame_equal(res.tca(), _both(5)[0].tca(), check_exact=True)
    with pytest.raises(AttributeError):
        _ = res.no_such_field


def test_a_custom_cost_model_runs_the_python_loop():
    @dataclasses.dataclass(frozen=True)
    class Flat:
        def order_costs(self, side: Any, qty: int, notional: float) -> tuple[float, float]:
            return 1.0, 0.0

    bars, signals, config, minutes = scenario(7)
    config = dataclasses.replace(config, fill=dataclasses.replace(config.fill, costs=Flat()))
    panel = _inputs.build_panel(bars, config, "S0")
    assert run_compiled(panel, _inputs.build_signals(signals, panel), config, minutes) is None
    res = run_engine(bars, signals, config, minute_bars=minutes, symbol="S0")
    assert "_deferred" not in res.__dict__
    assert (res.fills.commission[res.fills.purpose == "entry"].groupby(
        res.fills.order_id).sum() == 1.0).all()


def test_signal_values_outside_minus_one_to_one_run_the_python_loop():
    bars, signals, config, minutes = scenario(2)
    panel = _inputs.build_panel(bars, config, "S0")
    sig = _inputs.build_signals(signals, panel)
    odd = dataclasses.replace(sig, direction=np.where(np.isnan(sig.direction), np.nan, 0.5))
    assert run_compiled(panel, odd, config, minutes) is None
