"""Market states for splitting walk-forward results: bull, bear and high volatility.

A day's state uses closes up to that day only:

* ``high_volatility`` when the realized volatility of the last ``vol_bars`` daily log
  returns is at least ``vol_ratio`` times its median over the last ``vol_history`` days
  (today included);
* otherwise ``bull`` when the close is above the close ``trend_bars`` days earlier, else
  ``bear``;
* ``unknown`` while either measure lacks history.

The states are exclusive, so a split by state adds up to the whole.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "BEAR",
    "BULL",
    "HIGH_VOLATILITY",
    "STATES",
    "UNKNOWN",
    "market_states",
    "regime_split",
    "states_at",
]

BULL, BEAR, HIGH_VOLATILITY, UNKNOWN = "bull", "bear", "high_volatility", "unknown"
STATES = (BULL, BEAR, HIGH_VOLATILITY, UNKNOWN)


def market_states(
    close: pd.Series,
    *,
    trend_bars: int = 60,
    vol_bars: int = 20,
    vol_history: int = 252,
    vol_ratio: float = 1.5,
    min_history: int = 60,
) -> pd.Series:
    """Label each day of a market series bull, bear, high_volatility or unknown.

    Parameters
    ----------
    close : pandas.Series
        Daily closes of the market (a benchmark index or ETF), on a DatetimeIndex.
    trend_bars : int, default 60
        Days of the trailing return whose sign tells bull from bear.
    vol_bars : int, default 20
        Days of log returns in the realized volatility.
    vol_history : int, default 252
        Days of volatility history whose median is the usual level.
    vol_ratio : float, default 1.5
        Multiple of the usual level at or above which the day is ``high_volatility``.
        A ratio rather than a percentile: the top fifth of days by volatility is a fifth
        of any market, calm or not, while 1.5 times the median is rare in calm markets
        (the 20-day estimate's own noise is about 16 %).
    min_history : int, default 60
        Volatility values needed before the median counts.

    Returns
    -------
    pandas.Series
        The state per day, on ``close``'s index.
    """
    if not vol_ratio > 0:
        raise ValueError(f"vol_ratio must be positive, got {vol_ratio}")
    close = close.astype(float)
    trend = close / close.shift(trend_bars) - 1.0
    vol = np.log(close).diff().rolling(vol_bars).std()
    usual = vol.rolling(vol_history, min_periods=min_history).median()
    direction = np.where(trend.to_numpy() > 0.0, BULL, BEAR)
    labels = np.where((vol >= vol_ratio * usual).to_numpy(), HIGH_VOLATILITY, direction)
    known = trend.notna().to_numpy() & usual.notna().to_numpy()
    return pd.Series(np.where(known, labels, UNKNOWN), index=close.index, name="market_state")


def regime_split(
    equity: pd.Series, states: pd.Series, trades: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Split an equity curve's results by the market state.

    The change of equity from bar ``t-1`` to bar ``t`` counts under the state known at the
    close of ``t-1`` (the last state the strategy could have seen when the bar began);
    a bar whose date precedes every state counts as ``unknown``. Trades count under the
    state at their entry bar's previous close, likewise.

    Parameters
    ----------
    equity : pandas.Series
        Account value per bar.
    states : pandas.Series
        Output of :func:`market_states` (any later index is matched as of each bar).
    trades : pandas.DataFrame, optional
        Trades with ``entry_time`` (closed ones are counted: ``is_open`` False).

    Returns
    -------
    pandas.DataFrame
        One row per state present: ``bars``, ``share_pct`` of bars, ``pnl`` (currency; the
        rows add up to the total P&L), ``log_return`` (adds up to the total log return),
        ``return_pct`` (``exp(log_return) - 1``, compounded within the state),
        ``sharpe`` (mean / std of the bar returns x sqrt(252)) and ``n_trades``.
    """
    asof = states_at(equity.index, states).to_numpy()
    values = equity.to_numpy(dtype=np.float64)
    pnl = np.diff(values)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_r = np.log(values[1:] / values[:-1])
        ret = values[1:] / values[:-1] - 1.0
    bar_state = asof[:-1]
    trade_state = np.array([], dtype=object)
    if trades is not None and len(trades):
        closed = trades[~trades["is_open"].astype(bool)] if "is_open" in trades else trades
        entry = equity.index.searchsorted(pd.DatetimeIndex(closed["entry_time"]), side="right")
        # entry - 1 is the entry bar; the state in force is the one of the bar before it.
        trade_state = asof[np.clip(entry - 2, 0, len(asof) - 1)]
    seen = set(bar_state) | set(trade_state)
    # Labels of another scheme (a regime model's) are split the same way, after ours.
    order = [s for s in STATES if s in seen] + sorted(str(s) for s in seen - set(STATES))
    rows = {}
    for state in order:
        mask = bar_state == state
        n_trades = int((trade_state == state).sum())
        if not mask.any() and not n_trades:
            continue
        r = ret[mask]
        sd = r.std(ddof=1) if r.size > 1 else np.nan
        rows[state] = {
            "bars": int(mask.sum()),
            "share_pct": 100.0 * mask.mean() if mask.size else np.nan,
            "pnl": float(pnl[mask].sum()),
            "log_return": float(log_r[mask].sum()),
            "return_pct": float(np.expm1(log_r[mask].sum()) * 100.0),
            "sharpe": float(r.mean() / sd * np.sqrt(252.0)) if sd and np.isfinite(sd) else np.nan,
            "n_trades": n_trades,
        }
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "state"
    return frame


def states_at(index: pd.DatetimeIndex, states: pd.Series) -> pd.Series:
    """Return the state known at each time of ``index``: the latest at or before it."""
    pos = states.index.searchsorted(index, side="right") - 1
    known = states.to_numpy(dtype=object)
    out = np.full(len(index), UNKNOWN, dtype=object)
    if len(known):
        out[pos >= 0] = known[pos[pos >= 0]]
    return pd.Series(out, index=index, name="market_state")
