"""Backtest statistics as pure functions of an equity curve and a trades table.

The definitions follow backtesting.py 0.6.6 (annualised from calendar-day returns, with
compounding) so that results can be compared with it number for number; where one
differs on purpose, the docstring of `compute_stats` and docs/backtest.md say how.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["compute_stats", "drawdown", "drawdown_periods", "geometric_mean"]


def drawdown(equity: pd.Series) -> pd.Series:
    """Return the underwater curve: ``equity / running peak - 1`` (0 at a peak, else < 0).

    Parameters
    ----------
    equity : pandas.Series
        Account value per bar.

    Returns
    -------
    pandas.Series
        Drawdown as a fraction of the running peak, on ``equity``'s index.
    """
    values = equity.to_numpy(dtype=np.float64)
    return pd.Series(
        values / np.maximum.accumulate(values) - 1.0, index=equity.index, name="drawdown"
    )


def drawdown_periods(equity: pd.Series) -> pd.DataFrame:
    """Return every drawdown: from a peak to the next bar back at the peak, or to the end.

    Parameters
    ----------
    equity : pandas.Series
        Account value per bar on a DatetimeIndex.

    Returns
    -------
    pandas.DataFrame
        One row per period, in time order: ``peak_time`` (last bar at the old peak),
        ``end_time`` (bar of recovery, or the last bar), ``depth_pct`` (deepest drawdown,
        negative), ``duration`` (``end_time - peak_time``) and ``recovered``.
    """
    dd = drawdown(equity).to_numpy()
    n = dd.size
    peaks = np.flatnonzero(dd == 0.0)
    gap = np.diff(peaks) > 1
    starts, ends = peaks[:-1][gap], peaks[1:][gap]
    if peaks.size and peaks[-1] < n - 1:
        # Still under water at the end: the period runs to the last bar. (backtesting.py
        # drops it when only the last bar is under water; a drawdown is a drawdown.)
        starts, ends = np.r_[starts, peaks[-1]], np.r_[ends, n - 1]
    # The bars from one peak up to the next form a segment; its minimum is the depth.
    depth = np.minimum.reduceat(dd, peaks) if peaks.size else dd[:0]
    index = equity.index
    return pd.DataFrame(
        {
            "peak_time": index[starts],
            "end_time": index[ends],
            "depth_pct": depth[np.searchsorted(peaks, starts)] * 100.0,
            "duration": index[ends] - index[starts],
            "recovered": dd[ends] == 0.0,
        }
    )


def geometric_mean(returns: npt.ArrayLike) -> float:
    """Return the per-period return that compounds to the same total as ``returns``.

    NaN counts as 0; an empty input gives NaN; any return at or below -100 % gives 0, as
    in backtesting.py.
    """
    r = np.nan_to_num(np.asarray(returns, dtype=np.float64), nan=0.0) + 1.0
    if r.size == 0:
        return float("nan")
    if np.any(r <= 0.0):
        return 0.0
    return float(np.exp(np.log(r).sum() / r.size) - 1.0)


def compute_stats(
    equity: pd.Series,
    trades: pd.DataFrame,
    close: pd.Series | None = None,
    *,
    first_bar: int = 0,
    cash: float | None = None,
) -> Mapping[str, Any]:
    """Return the statistics of one backtest.

    Trade statistics (``n_trades``, win rate, best/worst/average trade, profit factor,
    expectancy, SQN, Kelly, ``commissions``) cover closed trades only, like
    backtesting.py's "# Trades"; ``exposure_pct`` also counts the bars of a trade still
    open at the end (backtesting.py leaves it out). Annualised figures compound the
    returns of calendar periods (days, or weeks/months/years for such bars) over 252
    periods a year (365 when a fair share of bars fall on weekends); the formulas are in
    docs/backtest.md. Durations are rounded up to the bars' time resolution.

    Parameters
    ----------
    equity : pandas.Series
        Account value at each bar's close, on a DatetimeIndex.
    trades : pandas.DataFrame
        `quant.backtest.BacktestResult.trades`-shaped table (``pnl``, ``return_pct``,
        ``entry_bar``, ``exit_bar``, ``duration``, ``commission``, ``is_open``).
    close : pandas.Series, optional
        Close prices on ``equity``'s index, for ``buy_and_hold_return_pct``.
    first_bar : int, default 0
        Bar where buy and hold starts (the first bar the strategy could act on).
    cash : float, optional
        Starting cash, the base of ``return_pct`` and CAGR; ``equity``'s first value when
        omitted.

    Returns
    -------
    Mapping
        Read-only mapping from statistic name to value.
    """
    if not isinstance(equity.index, pd.DatetimeIndex):
        raise TypeError("equity must be on a DatetimeIndex")
    index = equity.index
    eq = equity.to_numpy(dtype=np.float64)
    base = float(eq[0] if cash is None else cash)
    closed = trades[~trades["is_open"].to_numpy(dtype=bool)] if "is_open" in trades else trades
    s: dict[str, Any] = {"start": index[0], "end": index[-1], "duration": index[-1] - index[0]}
    s["exposure_pct"] = _exposure(trades, eq.size) * 100.0
    s["equity_final"] = float(eq[-1])
    s["equity_peak"] = float(eq.max())
    s["return_pct"] = float((eq[-1] - base) / base * 100.0)
    if close is not None:
        c = close.to_numpy(dtype=np.float64)
        s["buy_and_hold_return_pct"] = float((c[-1] - c[first_bar]) / c[first_bar] * 100.0)
    period = _bar_period(index)
    resolution = None if pd.isna(period) else period.resolution_string
    ann, risk = _risk(equity, base, period)
    s.update(risk)
    deepest = float(min(drawdown(equity).min(), 0.0))
    periods = drawdown_periods(equity)
    s["calmar"] = float(np.float64(ann) / (-deepest or np.nan))
    s["max_drawdown_pct"] = deepest * 100.0
    s["avg_drawdown_pct"] = float(periods["depth_pct"].mean()) if len(periods) else np.nan
    s["max_drawdown_duration"] = _ceil(periods["duration"].max(), resolution)
    s["avg_drawdown_duration"] = _ceil(periods["duration"].mean(), resolution)
    s.update(_trade_stats(closed, resolution))
    return MappingProxyType(s)


def _exposure(trades: pd.DataFrame, n: int) -> float:
    """Return the fraction of bars from some trade's entry bar to its exit bar."""
    held = np.zeros(n + 1, dtype=np.int64)
    np.add.at(held, trades["entry_bar"].to_numpy(dtype=np.int64), 1)
    np.add.at(held, trades["exit_bar"].to_numpy(dtype=np.int64) + 1, -1)
    return float((np.cumsum(held[:n]) > 0).mean())


def _annual_periods(index: pd.DatetimeIndex, period: pd.Timedelta) -> tuple[int, str]:
    """Return (periods per year, resampling rule) for bars ``period`` apart on ``index``."""
    days = 0 if pd.isna(period) else period.days
    # "Trades at weekends" when well over 60 % of the weekend share of a 7-day week does.
    weekends = (index.dayofweek >= 5).mean() > 2 / 7 * 0.6
    per_year = {7: 52, 31: 12, 365: 1}.get(days, 365 if weekends else 252)
    return per_year, {7: "W", 31: "ME", 365: "YE"}.get(days, "D")


def _risk(equity: pd.Series, base: float, period: pd.Timedelta) -> tuple[float, dict[str, float]]:
    """Return the annualised return (fraction) and the return/risk statistics."""
    per_year, rule = _annual_periods(equity.index, period)
    v = equity.resample(rule).last().dropna().to_numpy()
    r = v[1:] / v[:-1] - 1.0
    g = geometric_mean(r)
    ann = (1.0 + g) ** per_year - 1.0
    var = r.var(ddof=1) if r.size > 1 else np.nan
    # Volatility of the compounded annual return of i.i.d. period returns.
    vol = np.sqrt((var + (1.0 + g) ** 2) ** per_year - (1.0 + g) ** (2 * per_year))
    span = equity.index[-1] - equity.index[0]
    years = (span.days + span.seconds / 86400) / 365.25
    with np.errstate(divide="ignore", invalid="ignore"):
        downside = np.sqrt(np.mean(np.minimum(r, 0.0) ** 2)) * np.sqrt(per_year)
        sortino = np.float64(ann) / downside
        cagr = (equity.iloc[-1] / base) ** (1.0 / years) - 1.0 if years else np.nan
    return ann, {
        "return_ann_pct": ann * 100.0,
        "volatility_ann_pct": float(vol * 100.0),
        "cagr_pct": float(cagr * 100.0),
        "sharpe": float(ann * 100.0 / (vol * 100.0 or np.nan)),
        "sortino": float(sortino),
    }


def _trade_stats(closed: pd.DataFrame, resolution: str | None) -> dict[str, Any]:
    """Return the statistics of the closed trades."""
    pl = closed["pnl"].to_numpy(dtype=np.float64)
    r = closed["return_pct"].to_numpy(dtype=np.float64) / 100.0
    n = pl.size
    win = float((pl > 0).mean()) if n else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        sd = pl.std(ddof=1) if n > 1 else np.nan
        payoff = (
            pl[pl > 0].mean() / -pl[pl < 0].mean() if (pl > 0).any() and (pl < 0).any() else np.nan
        )
        losses = abs(r[r < 0].sum())
        return {
            "n_trades": n,
            "win_rate_pct": win * 100.0,
            "best_trade_pct": float(r.max() * 100.0) if n else np.nan,
            "worst_trade_pct": float(r.min() * 100.0) if n else np.nan,
            "avg_trade_pct": geometric_mean(r) * 100.0,
            "max_trade_duration": _ceil(closed["duration"].max(), resolution),
            "avg_trade_duration": _ceil(closed["duration"].mean(), resolution),
            "profit_factor": r[r > 0].sum() / losses if losses else np.nan,
            "expectancy_pct": float(r.mean() * 100.0) if n else np.nan,
            "sqn": float(np.sqrt(n) * pl.mean() / sd) if n > 1 and sd else np.nan,
            "kelly": win - (1.0 - win) / payoff,
            "commissions": float(sum(closed["commission"].tolist())),
        }


def _bar_period(index: pd.DatetimeIndex) -> pd.Timedelta:
    """Return the median spacing of the last 100 bars (NaT for a single bar)."""
    gaps = np.diff(index[-100:].asi8)
    return pd.Timedelta(int(np.median(gaps))) if gaps.size else pd.NaT


def _ceil(value: Any, resolution: str | None) -> Any:
    """Round a duration up to the bars' time resolution (e.g. whole days for daily bars)."""
    if not isinstance(value, pd.Timedelta) or resolution is None:
        return value
    return value.ceil(resolution)
