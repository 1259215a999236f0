"""Run the event loop compiled (`_nb_loop`) when the configuration is one the twin models.

`run_compiled` packs the panel, the signals and the configuration into arrays, runs
`_nb_loop.run_loop` and builds the same `EngineResult` the Python loop (`core._Loop`) would.
It returns None, and `run_engine` runs the Python loop instead, when the configuration
holds something the twin does not model (a cost, latency, slippage or impact model other
than the presets, a signal direction outside -1, 0, +1) or when the run meets a case the
Python engine treats specially (an error it would raise, integers beyond int64).
"""

from __future__ import annotations

from collections.abc import Mapping
from numbers import Real

import numpy as np
import pandas as pd

from quant.backtest.engine import _inputs
from quant.backtest.engine import _nb_fills as nf
from quant.backtest.engine import _nb_trades as nt
from quant.backtest.engine._kernel_results import build_compiled_result
from quant.backtest.engine._nb_loop import SIG_FIELDS, run_loop
from quant.backtest.engine.config import EngineConfig, ExitRules, Instrument, Sizing
from quant.backtest.engine.results import EngineResult
from quant.backtest.fills import (
    FillConfig,
    ImpactModel,
    LatencyKind,
    LatencyModel,
    MoomooUS,
    NoCosts,
    PercentOfNotional,
    PerShare,
    SlippageModel,
)

_LATENCY = {LatencyKind.CONSTANT: nf.L_CONSTANT, LatencyKind.UNIFORM: nf.L_UNIFORM,
            LatencyKind.LOGNORMAL: nf.L_LOGNORMAL}
_METHODS = {"risk": nt.S_RISK, "fixed_fraction": nt.S_FIXED, "all_in": nt.S_ALL_IN,
            "shares": nt.S_SHARES}


def _real(*xs: object) -> bool:
    return all(isinstance(x, Real) and not isinstance(x, bool) for x in xs)


def _costs(c: object) -> tuple[int, list[float], bool] | None:
    """Return (kind, fields, cap is set) of a preset cost model, None for any other."""
    t = type(c)
    if t is NoCosts:
        return nf.C_NONE, [], False
    if t is PerShare:
        cap = c.max_pct  # type: ignore[attr-defined]
        vals = [c.rate, c.min_per_order, 0.0 if cap is None else cap]  # type: ignore[attr-defined]
        return (nf.C_PER_SHARE, vals, cap is not None) if _real(*vals) else None
    if t is PercentOfNotional:
        vals = [c.rate, c.min_per_order]  # type: ignore[attr-defined]
        return (nf.C_PERCENT, vals, False) if _real(*vals) else None
    if t is MoomooUS:
        cap = c.platform_max_pct  # type: ignore[attr-defined]
        vals = [c.commission_per_order, c.platform_per_share, c.platform_min,  # type: ignore[attr-defined]
                0.0 if cap is None else cap, c.sec_rate, c.sec_min, c.taf_per_share,  # type: ignore[attr-defined]
                c.taf_min, c.taf_max, c.cat_per_share]  # type: ignore[attr-defined]
        return (nf.C_MOOMOO, vals, cap is not None) if _real(*vals) else None
    return None


def _fill_params(fill: FillConfig) -> tuple[np.ndarray, np.ndarray] | None:
    costs = _costs(fill.costs)
    lat, slip, imp = fill.latency, fill.slippage, fill.impact
    if (costs is None or type(lat) is not LatencyModel or lat.kind not in _LATENCY
            or type(slip) is not SlippageModel or type(imp) is not ImpactModel
            or not _real(lat.low_ms, lat.high_ms, lat.sigma, slip.half_spread_bps,
                         slip.size_bps, imp.y, imp.threshold, fill.participation)
            or not (0.0 <= lat.low_ms < 1e9 and 0.0 <= lat.high_ms < 1e9)):
        return None
    kind, vals, cap = costs
    fp = np.zeros(nf.F_COST + nf.N_COST)
    fp[:nf.F_COST] = [fill.participation, slip.half_spread_bps, slip.size_bps, imp.y,
                      imp.threshold, lat.low_ms, lat.high_ms, lat.sigma]
    fp[nf.F_COST:nf.F_COST + len(vals)] = vals
    ip = np.array([kind, _LATENCY[lat.kind], int(bool(fill.allow_short)), int(cap)], np.int64)
    return fp, ip


def _rule_params(
    exits: ExitRules, sizing: Sizing, reenter: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    optional = (exits.take_profit_r, exits.trailing_activation_r, exits.stop_atr_offset,
                exits.max_risk_percent, exits.chandelier_atr)
    n = exits.time_stop_bars
    if (type(exits) is not ExitRules or type(sizing) is not Sizing
            or not all(v is None or _real(v) for v in optional)
            or not _real(exits.trailing_atr, sizing.risk_fraction, sizing.fraction)
            or not (n is None or (isinstance(n, int) and not isinstance(n, bool)))
            or not isinstance(sizing.shares, int) or sizing.method not in _METHODS
            or exits.risk_cap not in ("reduce_size", "tighten_stop")):
        return None
    xp = np.array([np.nan if v is None else float(v) for v in optional[:2]]
                  + [exits.trailing_atr]
                  + [np.nan if v is None else float(v) for v in optional[2:]]
                  + [sizing.risk_fraction, sizing.fraction], dtype=np.float64)
    xi = np.array([*(int(v is not None) for v in optional), int(n is not None),
                   0 if n is None else n, int(exits.risk_cap == "tighten_stop"),
                   _METHODS[sizing.method], sizing.shares, int(bool(reenter))], np.int64)
    return xp, xi


def _instruments(config: EngineConfig, symbols: list[str]) -> tuple[np.ndarray, ...] | None:
    inst = [config.instrument(s) for s in symbols]
    if not all(type(i) is Instrument and isinstance(i.lot_size, int) and i.lot_size >= 1
               and _real(i.margin_initial, i.margin_maintenance, i.borrow_rate) for i in inst):
        return None
    return (np.array([i.margin_initial for i in inst], dtype=np.float64),
            np.array([i.margin_maintenance for i in inst], dtype=np.float64),
            np.array([i.lot_size for i in inst], dtype=np.int64),
            np.array([i.borrow_rate for i in inst], dtype=np.float64))


def _minute_arrays(
    minute_bars: Mapping[str, pd.DataFrame] | None, symbols: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return every symbol's finer bars concatenated in symbol order, and their offsets."""
    given = {str(s): f for s, f in (minute_bars or {}).items()}
    ends, rows, off = [], [], [0]
    for s in symbols:
        if s in given:
            e, d = _inputs.minute_arrays(given[s])
            ends.append(e)
            rows.append(d)
        off.append(off[-1] + (len(ends[-1]) if s in given else 0))
    end = np.concatenate(ends) if ends else np.zeros(0, np.int64)
    data = np.ascontiguousarray(np.concatenate(rows)) if rows else np.zeros((0, 5))
    return end.astype(np.int64), data, np.array(off, dtype=np.int64)


def run_compiled(
    panel: _inputs.Panel,
    sig: _inputs.SignalArrays,
    config: EngineConfig,
    minute_bars: Mapping[str, pd.DataFrame] | None,
) -> EngineResult | None:
    """Return the run's result from the compiled loop, or None to run the Python loop."""
    fills = _fill_params(config.fill)
    rules = _rule_params(config.exits, config.sizing, config.reenter)
    inst = _instruments(config, panel.symbols)
    d = np.ascontiguousarray(sig.direction, dtype=np.float64)
    known = d[~np.isnan(d)]
    if (fills is None or rules is None or inst is None or not _real(config.cash)
            or not np.isin(known, (-1.0, 0.0, 1.0)).all()):
        return None
    n, k = d.shape
    g = np.full((len(SIG_FIELDS), n, k), np.nan)
    for i, name in enumerate(SIG_FIELDS):
        if name in sig.floats:
            g[i] = sig.floats[name]
    o = panel.ohlcv
    p = (o["open"], o["high"], o["low"], o["close"], o["volume"], panel.open_ns,
         panel.close_ns, panel.adv, panel.sigma, panel.atr, panel.swing_low, panel.swing_high)
    p = tuple(np.ascontiguousarray(a) for a in p)
    entries = int(np.count_nonzero(known))
    orders = np.zeros(3 * entries + 16, nf.ORDER_DTYPE)
    trades = np.zeros(entries + 1, nt.TRADE_DTYPE)
    fill_rows = np.zeros(2 * len(orders), nf.FILL_DTYPE)
    refusals = np.zeros((2 * entries + 1, 5), np.int64)
    rng = np.random.default_rng(config.seed)
    try:
        out = run_loop(p, g, d, _minute_arrays(minute_bars, panel.symbols), inst,
                       panel.session_end, panel.days_to_next.astype(np.int64), *fills, *rules,
                       float(config.cash), rng, orders, trades, fill_rows, refusals)
    except (ArithmeticError, ValueError):  # Python raises its own error, or copes
        return None
    if out[0] != nf.OK:
        return None
    try:
        return build_compiled_result(panel, sig, config, out)
    except ZeroDivisionError:  # a fill at a price of 0: Python raises its own error
        return None
