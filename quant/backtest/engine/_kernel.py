"""Run the event loop compiled (`_nb_loop`) when the configuration is one the twin models.

`run_compiled` packs the panel, the signals and the configuration into arrays, runs
`_nb_run.run_bars` and builds the same `EngineResult` the Python loop (`core._Loop`) would.
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
from quant.backtest.engine import _nb_layout as lay
from quant.backtest.engine import _nb_trades as nt
from quant.backtest.engine._kernel_results import build_compiled_result
from quant.backtest.engine._nb_run import run_bars
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
    """Return (kind, fields, cap is set) of a preset cost model, None for any other.

    The optional cap (``max_pct``, ``platform_max_pct``) is passed as 0.0 when unset.
    """
    if type(c) is NoCosts:
        return nf.C_NONE, [], False
    if isinstance(c, PerShare) and type(c) is PerShare:
        kind, cap = nf.C_PER_SHARE, c.max_pct
        vals = [c.rate, c.min_per_order, 0.0 if cap is None else cap]
    elif isinstance(c, PercentOfNotional) and type(c) is PercentOfNotional:
        kind, cap, vals = nf.C_PERCENT, None, [c.rate, c.min_per_order]
    elif isinstance(c, MoomooUS) and type(c) is MoomooUS:
        kind, cap = nf.C_MOOMOO, c.platform_max_pct
        vals = [c.commission_per_order, c.platform_per_share, c.platform_min,
                0.0 if cap is None else cap, c.sec_rate, c.sec_min, c.taf_per_share,
                c.taf_min, c.taf_max, c.cat_per_share]
    else:
        return None
    return (kind, vals, cap is not None) if _real(*vals) else None


def _fill_params(fill: FillConfig, fv: np.ndarray, iv: np.ndarray) -> bool:
    """Write the fill model's knobs into ``fv``/``iv``; False for a model the twin lacks."""
    costs = _costs(fill.costs)
    lat, slip, imp = fill.latency, fill.slippage, fill.impact
    if (costs is None or type(lat) is not LatencyModel or lat.kind not in _LATENCY
            or type(slip) is not SlippageModel or type(imp) is not ImpactModel
            or not _real(lat.low_ms, lat.high_ms, lat.sigma, slip.half_spread_bps,
                         slip.size_bps, imp.y, imp.threshold, fill.participation)
            or not (0.0 <= lat.low_ms < 1e9 and 0.0 <= lat.high_ms < 1e9)):
        return False
    kind, vals, cap = costs
    fv[:lay.F_COST] = [fill.participation, slip.half_spread_bps, slip.size_bps, imp.y,
                       imp.threshold, lat.low_ms, lat.high_ms, lat.sigma]
    fv[lay.F_COST:lay.F_COST + len(vals)] = vals
    iv[lay.I_COST_KIND], iv[lay.I_LAT_KIND] = kind, _LATENCY[lat.kind]
    iv[lay.I_ALLOW_SHORT], iv[lay.I_COST_CAP] = bool(fill.allow_short), cap
    return True


def _rule_params(config: EngineConfig, fv: np.ndarray, iv: np.ndarray) -> bool:
    """Write exit rules and sizing into ``fv``/``iv``; False for values the twin lacks."""
    exits, sizing = config.exits, config.sizing
    optional = (exits.take_profit_r, exits.trailing_activation_r, exits.stop_atr_offset,
                exits.max_risk_percent, exits.chandelier_atr)
    n = exits.time_stop_bars
    if (type(exits) is not ExitRules or type(sizing) is not Sizing
            or not all(v is None or _real(v) for v in optional)
            or not _real(exits.trailing_atr, sizing.risk_fraction, sizing.fraction)
            or not (n is None or (isinstance(n, int) and not isinstance(n, bool)
                                  and abs(n) < 2**62))
            or not isinstance(sizing.shares, int) or not 0 <= sizing.shares < 2**53
            or sizing.method not in _METHODS
            or exits.risk_cap not in ("reduce_size", "tighten_stop")):
        return False
    tp, act, off, cap, chand = (np.nan if v is None else float(v) for v in optional)
    fv[lay.X_TP:lay.X_FRACTION + 1] = [tp, act, exits.trailing_atr, off, cap, chand,
                                       sizing.risk_fraction, sizing.fraction]
    iv[lay.XI_TP:lay.XI_CHAND + 1] = [v is not None for v in optional]
    iv[lay.XI_TIME], iv[lay.XI_TIME_BARS] = n is not None, 0 if n is None else n
    iv[lay.XI_TIGHTEN] = exits.risk_cap == "tighten_stop"
    iv[lay.XI_METHOD], iv[lay.XI_SHARES] = _METHODS[sizing.method], sizing.shares
    iv[lay.XI_REENTER] = bool(config.reenter)
    return True


def _instruments(config: EngineConfig, symbols: list[str], fv: np.ndarray,
                 iv: np.ndarray) -> bool:
    """Write margins, borrow rates and lots per column; False for an instrument it lacks."""
    inst = [config.instrument(s) for s in symbols]
    if not all(type(i) is Instrument and isinstance(i.lot_size, int) and 1 <= i.lot_size < 2**53
               and _real(i.margin_initial, i.margin_maintenance, i.borrow_rate) for i in inst):
        return False
    k = len(symbols)
    for row, values in ((lay.CF_MI, [i.margin_initial for i in inst]),
                        (lay.CF_MM, [i.margin_maintenance for i in inst]),
                        (lay.CF_BORROW, [i.borrow_rate for i in inst])):
        fv[lay.F_COLS + row * k:lay.F_COLS + (row + 1) * k] = values
    iv[lay.I_COLS + lay.CI_LOT * k:lay.I_COLS + (lay.CI_LOT + 1) * k] = [i.lot_size for i in inst]
    return True


def _minutes(
    minute_bars: Mapping[str, pd.DataFrame] | None, symbols: list[str], iv: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return every symbol's finer bars concatenated in symbol order; bounds go to ``iv``."""
    given = {str(s): f for s, f in (minute_bars or {}).items()}
    ends, rows = [np.zeros(0, np.int64)], [np.zeros((0, 5))]
    k, at = len(symbols), 0
    for j, s in enumerate(symbols):
        iv[lay.I_COLS + lay.CI_M0 * k + j] = at
        if s in given:
            e, d = _inputs.minute_arrays(given[s])
            ends.append(e)
            rows.append(d)
            at += len(e)
        iv[lay.I_COLS + lay.CI_M1 * k + j] = at
    return (np.concatenate(ends).astype(np.int64),
            np.ascontiguousarray(np.concatenate(rows), dtype=np.float64))


def _room(rows: np.ndarray, need: int) -> np.ndarray:
    """Return ``rows``, or a copy with room for ``need`` rows (at least twice as many)."""
    if need <= len(rows):
        return rows
    grown = np.zeros((max(2 * len(rows), int(need)), *rows.shape[1:]), dtype=rows.dtype)
    grown[:len(rows)] = rows
    return grown


def run_compiled(
    panel: _inputs.Panel,
    sig: _inputs.SignalArrays,
    config: EngineConfig,
    minute_bars: Mapping[str, pd.DataFrame] | None,
) -> EngineResult | None:
    """Return the run's result from the compiled loop, or None to run the Python loop."""
    d = sig.direction
    n, k = d.shape
    known = d[~np.isnan(d)]
    fv = np.full(lay.F_COLS + lay.N_CF * k, np.nan)
    iv = np.zeros(lay.I_COLS + lay.N_CI * k, np.int64)
    if (not _fill_params(config.fill, fv, iv) or not _rule_params(config, fv, iv)
            or not _instruments(config, panel.symbols, fv, iv) or not _real(config.cash)
            or not np.isin(known, (-1.0, 0.0, 1.0)).all()):
        return None
    fv[lay.A_CASH], fv[lay.A_EXPLICIT], fv[lay.A_BORROW] = float(config.cash), 0.0, 0.0
    iv[lay.I_K] = k
    for row in (lay.CI_OH, lay.CI_OT, lay.CI_TH, lay.CI_TT):
        iv[lay.I_COLS + row * k:lay.I_COLS + (row + 1) * k] = -1
    present = [name for name in lay.SIG_FIELDS if name in sig.floats]
    sg = np.empty((1 + len(present), n, k))
    sg[0] = d
    for f, name in enumerate(lay.SIG_FIELDS):
        iv[lay.G_FIELDS + f] = 1 + present.index(name) if name in present else -1
        if name in present:
            sg[1 + present.index(name)] = sig.floats[name]
    tim = np.stack([panel.open_ns, panel.close_ns, panel.days_to_next.astype(np.int64),
                    panel.session_end.astype(np.int64)])
    m_end, m_data = _minutes(minute_bars, panel.symbols, iv)
    entries = int(np.count_nonzero(known))
    # Room for every entry the signals can make, plus one bar's headroom (see run_bars).
    orders = np.zeros(3 * entries + 6 * k + 16, nf.ORDER_DTYPE)
    trades = np.zeros(entries + k + 1, nt.TRADE_DTYPE)
    fills = np.zeros(2 * len(orders), nf.FILL_DTYPE)
    refusals = np.zeros((2 * entries + 2 * k + 1, 5), np.int64)
    equity, positions = np.empty(n), np.zeros((n, k))
    rng = np.random.default_rng(config.seed)
    t = 0
    try:
        while t < n and not iv[lay.STATUS]:  # room for the next bar, then run until full
            live = int(iv[lay.N_LIVE])
            orders = _room(orders, iv[lay.N_ORDERS] + 4 * live + 2 * k)
            fills = _room(fills, iv[lay.N_FILLS] + 2 * live + 1)
            trades = _room(trades, iv[lay.N_TRADES] + k)
            refusals = _room(refusals, iv[lay.N_REFUSALS] + 2 * k)
            buf = np.empty((2, max(len(orders), len(trades))), np.int64)
            t = run_bars(t, panel.block, sg, tim, m_end, m_data, orders, trades, fills,
                         refusals, fv, iv, buf, rng, equity, positions)
    except (ArithmeticError, ValueError):  # Python raises its own error, or copes
        return None
    out = (equity, positions, orders, trades, fills, refusals)
    if iv[lay.STATUS] != lay.OK:
        return None
    try:
        return build_compiled_result(panel, sig, config, out, fv, iv)
    except ZeroDivisionError:  # a fill at a price of 0: Python raises its own error
        return None
