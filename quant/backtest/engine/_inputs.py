"""Turn the caller's frames into the dense arrays the event loop reads.

Everything computed here at bar ``t`` uses bars up to ``t`` only (ATR, confirmed swings) or
up to ``t - 1`` (ADV and volatility for the impact model), so that cutting the data after any
bar cannot change what the loop saw before it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.backtest.engine.config import EngineConfig
from quant.indicators.swings import swing_points
from quant.indicators.talib_api import atr

FIELDS = ("open", "high", "low", "close", "volume")
SIGNAL_FLOATS = (
    "decision_price",
    "stop",
    "atr",
    "swing_low",
    "swing_high",
    "limit_price",
    "fundamental_score",
    "technical_confluence",
)
SIGNAL_TEXTS = ("market_regime", "strategy_instance_id")
_NO_VOLUME = 1e15  # bars without volume: the participation cap never binds
_IMPACT_WINDOW = 20


@dataclass(frozen=True)
class Panel:
    """Bars of every symbol on one index, as (bars, symbols) arrays."""

    index: pd.DatetimeIndex
    symbols: list[str]
    ohlcv: dict[str, np.ndarray]
    open_ns: np.ndarray
    close_ns: np.ndarray
    session_end: np.ndarray
    days_to_next: np.ndarray
    atr: np.ndarray
    swing_low: np.ndarray
    swing_high: np.ndarray
    adv: np.ndarray
    sigma: np.ndarray


def _field(frame: pd.DataFrame, name: str) -> pd.Series | None:
    for c in frame.columns:
        if str(c).lower() == name:
            return frame[c]
    return None


def _as_dict(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame], symbol: str
) -> dict[str, pd.DataFrame]:
    if isinstance(bars, pd.DataFrame):
        if isinstance(bars.columns, pd.MultiIndex):
            syms = list(dict.fromkeys(bars.columns.get_level_values(1)))
            return {str(s): bars.xs(s, axis=1, level=1) for s in syms}
        return {symbol: bars}
    return {str(k): v for k, v in bars.items()}


def _utc(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    return index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")


def last_swing(
    high: np.ndarray, low: np.ndarray, left: int, right: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the most recent *confirmed* swing low and high at each bar (NaN before any)."""
    sw = swing_points(high, low, left, right)
    return (
        pd.Series(sw.low).ffill().to_numpy(),
        pd.Series(sw.high).ffill().to_numpy(),
    )


def build_panel(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame], config: EngineConfig, symbol: str = "X"
) -> Panel:
    """Return the bars of all symbols aligned on the union of their indexes."""
    frames = _as_dict(bars, symbol)
    index = frames[next(iter(frames))].index
    for f in frames.values():
        if not isinstance(f.index, pd.DatetimeIndex):
            raise TypeError("bars must be on a DatetimeIndex")
        index = index.union(f.index)
    symbols = list(frames)
    n, k = len(index), len(symbols)
    ohlcv = {f: np.full((n, k), np.nan) for f in FIELDS}
    atr_a, sl_a, sh_a, adv_a, sig_a = (np.full((n, k), np.nan) for _ in range(5))
    ex = config.exits
    for j, sym in enumerate(symbols):
        f = frames[sym].reindex(index)
        for name in FIELDS:
            col = _field(f, name)
            if col is not None:
                ohlcv[name][:, j] = col.to_numpy(dtype=float)
            elif name == "volume":
                ohlcv[name][:, j] = _NO_VOLUME
        valid = ~np.isnan(ohlcv["close"][:, j])
        h, lo, c = (ohlcv[x][valid, j] for x in ("high", "low", "close"))
        given = _field(f, "atr")
        if given is not None:  # an ATR the caller computed (e.g. the indicator assets)
            atr_a[:, j] = given.to_numpy(dtype=float)
        elif c.size:
            atr_a[valid, j] = atr(h, lo, c, timeperiod=ex.atr_period)
        if c.size:
            sl_a[valid, j], sh_a[valid, j] = last_swing(h, lo, ex.swing_left, ex.swing_right)
            if config.bar_duration is None:
                v = pd.Series(ohlcv["volume"][valid, j])
                r = pd.Series(c).pct_change()
                # shift(1): the impact of a fill in bar t is sized on bars before t only.
                adv_a[valid, j] = v.rolling(_IMPACT_WINDOW).mean().shift(1).to_numpy()
                sig_a[valid, j] = r.rolling(_IMPACT_WINDOW).std().shift(1).to_numpy()
    utc = _utc(index)
    if config.bar_duration is None:
        day = utc.normalize()
        open_ns = (day + config.session_open).asi8
        close_ns = (day + config.session_close).asi8
        session_end = np.ones(n, dtype=bool)
    else:
        close_ns = utc.asi8
        open_ns = close_ns - pd.Timedelta(config.bar_duration).value
        day = utc.normalize()
        session_end = np.r_[day.asi8[1:] != day.asi8[:-1], True]
    dates = day.asi8 // 86_400_000_000_000
    nxt = np.r_[dates[1:], dates[-1] + 1] if n else dates
    days_to_next = np.maximum(nxt - dates, 1)
    return Panel(index, symbols, ohlcv, open_ns, close_ns, session_end, days_to_next,
                 atr_a, sl_a, sh_a, adv_a, sig_a)


@dataclass(frozen=True)
class SignalArrays:
    """Signals as (bars, symbols) arrays: direction (NaN: no signal) and optional fields."""

    direction: np.ndarray
    floats: dict[str, np.ndarray]
    texts: dict[str, np.ndarray]


def build_signals(signals: pd.DataFrame | pd.Series, panel: Panel) -> SignalArrays:
    """Return dense signal arrays from a long frame, a wide frame or a Series.

    A long frame has one row per (``ts``, ``symbol``) with ``direction`` and any of
    ``SIGNAL_FLOATS`` and ``SIGNAL_TEXTS``; a wide frame is bars x symbols of directions; a
    Series is the directions of a single symbol. Timestamps must be on the bars' index.
    """
    n, k = len(panel.index), len(panel.symbols)
    direction = np.full((n, k), np.nan)
    floats: dict[str, np.ndarray] = {}
    texts: dict[str, np.ndarray] = {}
    if isinstance(signals, pd.Series):
        if k != 1:
            raise ValueError("a Series of signals needs bars of exactly one symbol")
        direction[:, 0] = signals.reindex(panel.index).to_numpy(dtype=float)
        return SignalArrays(direction, floats, texts)
    if "direction" not in signals.columns:
        wide = signals.reindex(index=panel.index, columns=panel.symbols)
        return SignalArrays(wide.to_numpy(dtype=float), floats, texts)
    ts = pd.DatetimeIndex(signals["ts"])
    rows = panel.index.get_indexer(ts)
    cols = pd.Index(panel.symbols).get_indexer(signals["symbol"].astype(str))
    if (rows < 0).any() or (cols < 0).any():
        raise ValueError("every signal must name a bar timestamp and a symbol of the bars")
    direction[rows, cols] = signals["direction"].to_numpy(dtype=float)
    for name in SIGNAL_FLOATS:
        if name in signals.columns:
            a = np.full((n, k), np.nan)
            a[rows, cols] = signals[name].to_numpy(dtype=float)
            floats[name] = a
    for name in SIGNAL_TEXTS:
        if name in signals.columns:
            a = np.full((n, k), None, dtype=object)
            a[rows, cols] = signals[name].to_numpy(dtype=object)
            texts[name] = a
    return SignalArrays(direction, floats, texts)


@dataclass(frozen=True)
class Minutes:
    """Finer bars of one symbol: their close times and (open, high, low, close, volume)."""

    end_ns: np.ndarray
    rows: list[tuple[float, float, float, float, float]]

    def within(self, start: int, end: int) -> tuple[int, int]:
        """Return the slice bounds of the finer bars that close in ``(start, end]``."""
        lo = int(np.searchsorted(self.end_ns, start, side="right"))
        hi = int(np.searchsorted(self.end_ns, end, side="right"))
        return lo, hi


def minute_arrays(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return one symbol's finer bars in time order: close times (ns) and OHLCV rows."""
    ts = pd.DatetimeIndex(frame["ts"]) if "ts" in frame.columns else pd.DatetimeIndex(frame.index)
    end = _utc(ts).asi8
    order = np.argsort(end, kind="stable")
    cols = []
    for name in FIELDS:
        col = _field(frame, name)
        cols.append(np.full(len(frame), _NO_VOLUME) if col is None else col.to_numpy(dtype=float))
    return end[order], np.column_stack(cols)[order]


def build_minutes(minute_bars: Mapping[str, pd.DataFrame] | None) -> dict[str, Minutes]:
    """Return finer bars per symbol; a frame has ``ts`` (bar close) or a DatetimeIndex."""
    out: dict[str, Minutes] = {}
    for sym, f in (minute_bars or {}).items():
        end, data = minute_arrays(f)
        out[str(sym)] = Minutes(end, [tuple(r) for r in data.tolist()])
    return out
