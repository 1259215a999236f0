"""Seeded random engine scenarios for the compiled-loop parity tests.

Each seed draws bars (gaps, flat bars, zero-volume bars, missing bars, thin volume so the
participation cap cuts fills), signals (wide, or long with stops, limit prices, decision
prices, ATRs, swings and context), finer bars, and a configuration drawn over every cost
preset, latency model, slippage, impact, participation, short selling, sizing method, exit
rule, margin and lot size the engine supports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from quant.backtest.engine import EngineConfig, ExitRules, Instrument, Sizing
from quant.backtest.fills import (
    CostModel,
    FillConfig,
    ImpactModel,
    LatencyKind,
    LatencyModel,
    MoomooUS,
    NoCosts,
    PercentOfNotional,
    PerShare,
    SlippageModel,
    constant_latency,
)

Scenario = tuple[Any, pd.DataFrame, EngineConfig, Mapping[str, pd.DataFrame] | None]


def _bars(rng: np.random.Generator, index: pd.DatetimeIndex) -> pd.DataFrame:
    n = len(index)
    vol = rng.uniform(0.005, 0.04)
    close = rng.uniform(5, 300) * np.exp(np.cumsum(rng.normal(0, vol, n)))
    gap = np.where(rng.random(n) < 0.1, rng.normal(0, 4 * vol, n), rng.normal(0, vol / 4, n))
    open_ = np.r_[close[0], close[:-1]] * np.exp(gap)
    hi = np.maximum(open_, close) * np.exp(np.abs(rng.normal(0, vol, n)))
    lo = np.minimum(open_, close) * np.exp(-np.abs(rng.normal(0, vol, n)))
    flat = rng.random(n) < 0.05
    hi[flat] = lo[flat] = close[flat] = open_[flat]
    volume = np.round(rng.uniform(0.1, 1.0, n) * 10 ** rng.uniform(2, 6))
    volume[rng.random(n) < 0.05] = 0.0
    names = ["Open", "High", "Low", "Close", "Volume"] if rng.random() < 0.5 else [
        "open", "high", "low", "close", "volume"]
    f = pd.DataFrame(dict(zip(names, [open_, hi, lo, close, volume], strict=True)), index=index)
    if rng.random() < 0.2:
        f["atr"] = np.where(rng.random(n) < 0.1, np.nan, close * rng.uniform(0.01, 0.05))
    if rng.random() < 0.1:
        f = f.drop(columns=[names[4]])
    if rng.random() < 0.3:  # missing bars
        f = f[rng.random(n) > 0.15]
    return f


def _minutes(rng: np.random.Generator, frame: pd.DataFrame, width: pd.Timedelta | None
             ) -> pd.DataFrame:
    rows = []
    for t in range(len(frame)):
        if rng.random() < 0.5:
            continue
        ts = frame.index[t]
        start = ts.normalize() + pd.Timedelta(hours=9, minutes=30) if width is None else ts - width
        o, h, lo, c = (float(frame.iloc[t, i]) for i in range(4))
        m = int(rng.integers(1, 8))
        path = np.r_[o, rng.uniform(lo, h, m - 1), c]
        for i in range(m):
            mo, mc = path[i], path[i + 1]
            rows.append({"ts": start + pd.Timedelta(minutes=1 + 3 * i), "open": mo,
                         "high": max(mo, mc) + rng.uniform(0, 0.5) * (h - max(mo, mc)),
                         "low": min(mo, mc) - rng.uniform(0, 0.5) * (min(mo, mc) - lo),
                         "close": mc, "volume": float(rng.integers(0, 5000))})
    return pd.DataFrame(rows, columns=["ts", "open", "high", "low", "close", "volume"])


def _costs(rng: np.random.Generator) -> CostModel:
    r = int(rng.integers(0, 5))
    if r == 0:
        return NoCosts()
    if r == 1:
        return PerShare(rate=rng.uniform(0.001, 0.01), min_per_order=rng.uniform(0, 2),
                        max_pct=None if rng.random() < 0.5 else rng.uniform(0.001, 0.01))
    if r == 2:
        return PercentOfNotional(rate=rng.uniform(0, 0.003), min_per_order=rng.uniform(0, 3))
    if r == 3:
        return MoomooUS()
    return MoomooUS(commission_per_order=rng.uniform(0, 1), platform_per_share=0.005,
                    platform_min=1.0, platform_max_pct=0.01 if rng.random() < 0.5 else None)


def _latency(rng: np.random.Generator, intraday: bool) -> LatencyModel:
    r = int(rng.integers(0, 5))
    if r == 0:
        return LatencyModel()
    if r == 1:
        return constant_latency(0)
    if r == 2:
        return constant_latency(float(rng.uniform(0, 50)))
    if r == 3:
        return LatencyModel(LatencyKind.LOGNORMAL, low_ms=50.0, high_ms=400.0, sigma=1.0)
    # Intraday: up to an hour, so an order often misses the next bar's open.
    return LatencyModel(LatencyKind.UNIFORM, low_ms=0.0,
                        high_ms=3_600_000.0 if intraday else 200.0)


def _exits(rng: np.random.Generator) -> ExitRules:
    def maybe(v: float) -> float | None:
        return None if rng.random() < 0.3 else v

    steps = rng.integers(1, 15)
    return ExitRules(
        take_profit_r=maybe(float(rng.uniform(0.5, 3))),
        trailing_activation_r=maybe(float(rng.uniform(0.2, 2))),
        trailing_atr=float(rng.uniform(0.3, 2)),
        stop_atr_offset=maybe(float(rng.uniform(0, 2))),
        max_risk_percent=maybe(float(rng.uniform(0.002, 0.05))),
        risk_cap="reduce_size" if rng.random() < 0.5 else "tighten_stop",
        time_stop_bars=None if rng.random() < 0.3 else int(steps),
        chandelier_atr=maybe(float(rng.uniform(1, 4))),
        atr_period=int(rng.integers(2, 15)),
        swing_left=int(rng.integers(1, 4)),
        swing_right=int(rng.integers(1, 4)),
    )


def _signal_rows(rng: np.random.Generator, dirs: np.ndarray, full: pd.DatetimeIndex,
                 frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    rows = []
    closes = {s: f.iloc[:, 3].reindex(full).to_numpy() for s, f in frames.items()}
    for t in range(len(full)):
        for j, s in enumerate(frames):
            if np.isnan(dirs[t, j]) and rng.random() < 0.8:
                continue
            c = closes[s][t]
            base = c if c == c else 100.0
            row: dict[str, Any] = {"ts": full[t], "symbol": s, "direction": dirs[t, j]}
            if rng.random() < 0.3:
                row["stop"] = base * (1 - rng.normal(0, 0.05))
            if rng.random() < 0.3:  # now and then a limit price that is rejected
                row["limit_price"] = base * (1 + rng.normal(0, 0.02)) * (
                    -1 if rng.random() < 0.05 else 1)
            if rng.random() < 0.2:
                row["decision_price"] = base * (1 + rng.normal(0, 0.01))
            if rng.random() < 0.2:
                row["atr"] = base * rng.uniform(0.005, 0.05)
            if rng.random() < 0.2:
                row["swing_low"], row["swing_high"] = base * 0.95, base * 1.05
            if rng.random() < 0.3:
                row["market_regime"] = ["bull", "bear"][int(rng.integers(0, 2))]
                row["fundamental_score"] = float(rng.uniform(0, 100))
                row["technical_confluence"] = float(rng.uniform(0, 1))
            if rng.random() < 0.2:
                row["strategy_instance_id"] = f"si{int(rng.integers(0, 3))}"
            rows.append(row)
    return pd.DataFrame(rows)


def scenario(seed: int) -> Scenario:
    """Return ``(bars, signals, config, minute_bars)`` drawn from ``seed``."""
    rng = np.random.default_rng(seed)
    k, n = int(rng.integers(1, 5)), int(rng.integers(20, 90))
    intraday = rng.random() < 0.4
    width = None
    if intraday:
        width = pd.Timedelta(minutes=[30, 60][int(rng.integers(0, 2))])
        per_day = int(pd.Timedelta(hours=6) / width)
        days = pd.bdate_range("2024-03-01", periods=n // per_day + 2)
        first = pd.Timedelta(hours=10) + width - pd.Timedelta(minutes=30)
        index = pd.DatetimeIndex([d + first + i * width for d in days for i in range(per_day)])
        index = index[:n]
    else:
        index = pd.bdate_range("2024-03-01", periods=n)
    if rng.random() < 0.3:
        index = index.tz_localize("America/New_York")
    syms = [f"S{i}" for i in range(k)]
    frames = {s: _bars(rng, index) for s in syms}
    full = frames[syms[0]].index
    for f in frames.values():
        full = full.union(f.index)
    dirs = rng.choice([-1.0, 0.0, 1.0, np.nan], size=(len(full), k), p=[0.15, 0.1, 0.15, 0.6])
    signals = pd.DataFrame(dirs, index=full, columns=syms)
    if rng.random() < 0.5:
        rows = _signal_rows(rng, dirs, full, frames)
        signals = rows if len(rows) else signals
    instruments = {}
    for s in syms:
        if rng.random() < 0.6:
            mi = float(rng.uniform(0.1, 1.0))
            instruments[s] = Instrument(
                margin_initial=mi, margin_maintenance=float(rng.uniform(0, mi)),
                lot_size=int(rng.choice([1, 1, 10, 100])),
                borrow_rate=float(rng.choice([0.0, 0.03, 0.5])))
    fill = FillConfig(
        costs=_costs(rng), latency=_latency(rng, intraday),
        slippage=SlippageModel(float(rng.uniform(0, 10)), float(rng.uniform(0, 100))),
        impact=ImpactModel(float(rng.uniform(0.1, 2)), float(rng.choice([1e-4, 0.01, 1e9]))),
        participation=float(rng.choice([0.01, 0.05, 0.1, 0.5, 1.0])),
        allow_short=bool(rng.random() < 0.8),
    )
    method = ["risk", "fixed_fraction", "all_in", "shares"][int(rng.integers(0, 4))]
    config = EngineConfig(
        cash=float(10 ** rng.uniform(3.5, 6.5)), fill=fill,
        sizing=Sizing(method, risk_fraction=float(rng.uniform(0.002, 0.05)),
                      fraction=float(rng.uniform(0.05, 0.8)), shares=int(rng.integers(1, 5000))),
        exits=_exits(rng), instruments=instruments, bar_duration=width,
        reenter=bool(rng.random() < 0.3), seed=int(rng.integers(0, 2**31)),
        strategy_instance_id="default" if rng.random() < 0.5 else "",
    )
    minutes = None
    if rng.random() < 0.4:
        minutes = {}
        for s in syms:
            if rng.random() < 0.7:
                m = _minutes(rng, frames[s].iloc[:, :4], width)
                if len(m):
                    minutes[s] = m
    bars: Any = frames if k > 1 or rng.random() < 0.5 else frames[syms[0]]
    if k > 1 and rng.random() < 0.3:  # the (field, symbol) column layout
        bars = pd.concat({s: f.iloc[:, :4] for s, f in frames.items()}, axis=1).swaplevel(
            axis=1)
    return bars, signals, config, minutes
