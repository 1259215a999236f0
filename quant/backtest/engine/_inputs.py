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
from pandas._libs.window import aggregations as window_aggregations

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
_DAY_NS = 86_400_000_000_000


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
    block: np.ndarray  # (10, bars, symbols): every array above that is (bars, symbols)


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
    """Return ``index`` in UTC at nanosecond resolution: every time in the engine is int ns.

    pandas keeps the unit it was given (DuckDB returns microseconds), and ``asi8`` counts in
    that unit, so the unit is fixed here once for every caller.
    """
    utc = index.tz_convert("UTC") if index.tz is not None else index.tz_localize("UTC")
    return utc.as_unit("ns")


def _ffill(a: np.ndarray) -> np.ndarray:
    """Return ``a`` with each NaN replaced by the last value before it along the last axis.

    pandas' ``ffill``: a pure copy of earlier values, so the results are identical.
    """
    pos = np.where(np.isnan(a), -1, np.arange(a.shape[-1]))
    np.maximum.accumulate(pos, axis=-1, out=pos)
    return np.where(pos >= 0, np.take_along_axis(a, np.maximum(pos, 0), axis=-1), np.nan)


def last_swing(
    high: np.ndarray, low: np.ndarray, left: int, right: int
) -> tuple[np.ndarray, np.ndarray]:
    """Return the most recent *confirmed* swing low and high at each bar (NaN before any)."""
    sw = swing_points(high, low, left, right)
    return _ffill(sw.low), _ffill(sw.high)


def _wide(bars: pd.DataFrame) -> tuple[list[str], dict[str, np.ndarray]] | None:
    """Return the symbols and each field (bars x symbols, None-free) of a (field, symbol) frame.

    The same columns `_as_dict` and `_field` would pick (per symbol, the first field whose
    lower-cased name matches), read in one call per field. None when the frame is not plain
    enough for that (duplicate columns or symbols, a duplicated index): the general path
    then applies and raises what it raises.
    """
    cols = bars.columns
    if cols.nlevels != 2 or cols.has_duplicates:
        return None
    labels = list(dict.fromkeys(cols.get_level_values(1)))
    symbols = [str(s) for s in labels]
    if len(set(symbols)) != len(symbols):
        return None
    at = {s: j for j, s in enumerate(labels)}
    first: dict[tuple[int, str], int] = {}
    for p, (f, s) in enumerate(cols):
        first.setdefault((at[s], str(f).lower()), p)
    out = {}
    for name in (*FIELDS, "atr"):
        where = [(j, first[j, name]) for j in range(len(labels)) if (j, name) in first]
        if where:
            a = np.full((len(bars), len(labels)), np.nan)
            js, ps = zip(*where, strict=True)
            a[:, list(js)] = bars.iloc[:, list(ps)].to_numpy(dtype=float)
            out[name] = (a, np.isin(np.arange(len(labels)), js))
    return symbols, out  # type: ignore[return-value]


def _raw(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame], symbol: str
) -> tuple[pd.DatetimeIndex, list[str], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Return the union index, the symbols and, per field, (values, present per symbol)."""
    if isinstance(bars, pd.DataFrame) and not isinstance(bars.index, pd.DatetimeIndex):
        raise TypeError("bars must be on a DatetimeIndex")
    if isinstance(bars, pd.DataFrame) and isinstance(bars.columns, pd.MultiIndex):
        wide = _wide(bars)
        if wide is not None:
            return bars.index, wide[0], wide[1]
    frames = _as_dict(bars, symbol)
    index = frames[next(iter(frames))].index
    for f in frames.values():
        if not isinstance(f.index, pd.DatetimeIndex):
            raise TypeError("bars must be on a DatetimeIndex")
        index = index.union(f.index)
    symbols = list(frames)
    n, k = len(index), len(symbols)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for j, sym in enumerate(symbols):
        f = frames[sym]
        if not f.index.equals(index):  # reindex() onto an equal index changes nothing
            f = f.reindex(index)
        for name in (*FIELDS, "atr"):
            col = _field(f, name)
            if col is not None:
                if name not in out:
                    out[name] = (np.full((n, k), np.nan), np.zeros(k, dtype=bool))
                out[name][0][:, j] = col.to_numpy(dtype=float)
                out[name][1][j] = True
    return index, symbols, out


def build_panel(
    bars: pd.DataFrame | Mapping[str, pd.DataFrame], config: EngineConfig, symbol: str = "X"
) -> Panel:
    """Return the bars of all symbols aligned on the union of their indexes."""
    index, symbols, raw = _raw(bars, symbol)
    n, k = len(index), len(symbols)
    # One block, in the compiled loop's row order (`_nb_layout.M_*`); the fields are views.
    block = np.full((10, n, k), np.nan)
    ohlcv = {f: block[i] for i, f in enumerate(FIELDS)}
    adv_a, sig_a, atr_a, sl_a, sh_a = block[5], block[6], block[7], block[8], block[9]
    for name in FIELDS:
        values, present = raw.get(name, (None, np.zeros(k, dtype=bool)))
        if values is not None:
            ohlcv[name][:] = values
        if name == "volume":
            ohlcv[name][:, ~present] = _NO_VOLUME
    given, has_atr = raw.get("atr", (None, np.zeros(k, dtype=bool)))
    ex = config.exits
    valid = ~np.isnan(ohlcv["close"])
    full = valid.all(axis=0) & (n > 0)
    daily = config.bar_duration is None
    # Symbol by symbol, each column contiguous; columns with every bar skip the masking.
    h_t, l_t, c_t = (np.ascontiguousarray(ohlcv[x].T) for x in ("high", "low", "close"))
    swings = np.full((2, k, n), np.nan)  # confirmed swing lows and highs, not yet carried
    for j in range(k):
        v = valid[:, j]
        h, lo, c = (h_t[j], l_t[j], c_t[j]) if full[j] else (h_t[j][v], l_t[j][v], c_t[j][v])
        if has_atr[j]:  # an ATR the caller computed (e.g. the indicator assets)
            atr_a[:, j] = given[:, j]  # type: ignore[index]
        elif c.size:
            atr_a[v, j] = atr(h, lo, c, timeperiod=ex.atr_period)
        if not c.size:
            continue
        if full[j]:
            sw = swing_points(h, lo, ex.swing_left, ex.swing_right)
            swings[0, j], swings[1, j] = sw.low, sw.high
            continue
        sl_a[v, j], sh_a[v, j] = last_swing(h, lo, ex.swing_left, ex.swing_right)
        if daily:
            a, r = _impact_inputs(ohlcv["volume"][v, j][:, None], c[:, None])
            adv_a[v, j], sig_a[v, j] = a[:, 0], r[:, 0]
    if full.any():  # every column with all bars: at once
        cols = np.flatnonzero(full)
        sl_a[:, cols], sh_a[:, cols] = _ffill(swings[0, cols]).T, _ffill(swings[1, cols]).T
        if daily:
            adv_a[:, cols], sig_a[:, cols] = _impact_inputs(ohlcv["volume"][:, cols],
                                                            ohlcv["close"][:, cols])
    utc = _utc(index).asi8
    day = utc // _DAY_NS * _DAY_NS  # midnight UTC, as DatetimeIndex.normalize() in UTC
    if config.bar_duration is None:
        open_ns = day + pd.Timedelta(config.session_open).value
        close_ns = day + pd.Timedelta(config.session_close).value
        session_end = np.ones(n, dtype=bool)
    else:
        close_ns = utc
        open_ns = close_ns - pd.Timedelta(config.bar_duration).value
        session_end = np.r_[day[1:] != day[:-1], True]
    dates = day // _DAY_NS
    nxt = np.r_[dates[1:], dates[-1] + 1] if n else dates
    days_to_next = np.maximum(nxt - dates, 1)
    return Panel(index, symbols, ohlcv, open_ns, close_ns, session_end, days_to_next,
                 atr_a, sl_a, sh_a, adv_a, sig_a, block)


def _impact_inputs(volume: np.ndarray, close: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ADV and daily volatility over the `_IMPACT_WINDOW` bars *before* each bar.

    Per column, exactly ``Series(volume).rolling(20).mean().shift(1)`` and
    ``Series(close).pct_change().rolling(20).std().shift(1)``: pandas' own rolling kernels
    are called once per column, without its per-call frame machinery (a test checks the
    two agree bit for bit).
    """
    n, k = close.shape
    adv, vol = np.full((n, k), np.nan), np.full((n, k), np.nan)
    if n < 2:
        return adv, vol
    r = np.full((n, k), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        r[1:] = close[1:] / close[:-1] - 1  # pct_change: x / x.shift(1) - 1
    end = np.arange(1, n + 1, dtype=np.int64)
    start = np.maximum(end - _IMPACT_WINDOW, 0)
    for j in range(k):
        adv[1:, j] = _roll_mean(np.ascontiguousarray(volume[:, j]), start, end)[:-1]
        var = _roll_var(np.ascontiguousarray(r[:, j]), start, end)[:-1]
        with np.errstate(invalid="ignore"):
            vol[1:, j] = np.where(var < 0, 0.0, np.sqrt(var))  # pandas' zsqrt
    return adv, vol


def _roll_mean(x: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return window_aggregations.roll_mean(x, start, end, _IMPACT_WINDOW)


def _roll_var(x: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    return window_aggregations.roll_var(x, start, end, _IMPACT_WINDOW, ddof=1)


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
