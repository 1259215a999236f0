"""Regime features of each instrument from its daily bars, using only bars up to each day.

Every feature is a trailing-window statistic of one instrument's own bars, scaled so that it
means the same for a stock, an FX pair or a future: returns in units of the instrument's calm
volatility, volatility relative to that calm level, autocorrelations, variance ratios, a
rescaled range and trend t-statistics. Windows are finite (ADX's Wilder smoothing aside,
which forgets its start within :data:`WARMUP_BARS`), so a feature on day t depends on the
last :data:`WARMUP_BARS` bars up to t and on nothing after t.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from quant.indicators import adx

__all__ = ["FEATURES", "WARMUP_BARS", "regime_features", "symbol_features"]

RETURN_HORIZONS = (5, 10, 20, 60)
BASE_WINDOW = 250  # sessions over which an instrument's calm volatility is measured
BASE_QUANTILE = 0.3  # a low quantile: high-volatility spells must not raise the yardstick
WARMUP_BARS = 320  # bars before a day that make its features equal a full-history computation
_KEYS = ["symbol", "session_date", "ts"]

FEATURES: tuple[str, ...] = (
    *(f"ret_{h}_z" for h in RETURN_HORIZONS),
    "vol_ratio_5",
    "vol_ratio_10",
    "vol_ratio_20",
    "range_ratio_3",
    "range_ratio_5",
    "range_ratio_10",
    "range_ratio_20",
    "adx_14",
    "variance_ratio_5",
    "variance_ratio_10",
    "autocorr_20",
    "autocorr_60",
    "trend_t_20",
    "trend_t_60",
    "drawdown_60_z",
    "rescaled_range_40",
    "ma_gap_20_z",
)
"""Feature names in model order."""


def _trend_t(log_close: pd.Series, n: int) -> pd.Series:
    """Return the t-statistic of the OLS slope of ``log_close`` on time over ``n`` bars."""
    t = pd.Series(np.arange(len(log_close), dtype=float), index=log_close.index)
    # Correlation with time is shift-invariant, so a global clock serves every window.
    r = log_close.rolling(n).corr(t).clip(-0.999999, 0.999999)
    return r * np.sqrt((n - 2) / (1.0 - r**2))


def _calm(x: pd.Series) -> pd.Series:
    """Return the instrument's calm level of ``x``: a low trailing quantile."""
    return x.rolling(BASE_WINDOW, min_periods=60).quantile(BASE_QUANTILE)


def symbol_features(bars: pd.DataFrame) -> pd.DataFrame:
    """Return the regime features of one instrument, one row per bar.

    Parameters
    ----------
    bars : pandas.DataFrame
        Daily bars of one symbol in time order with ``high, low, close``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FEATURES` on ``bars``' index; NaN until enough bars exist.
    """
    close = bars["close"].astype(float)
    high = bars["high"].astype(float)
    low = bars["low"].astype(float)
    log_c = np.log(close)
    r = log_c.diff()
    vol = {n: r.rolling(n).std() for n in (5, 10, 20, 60)}
    # Parkinson's range estimator: four times as efficient as close-to-close volatility,
    # which matters when a regime lasts a few weeks.
    park = np.sqrt(np.log(high / low) ** 2 / (4.0 * np.log(2.0)))
    prange = {n: park.rolling(n).mean() for n in (3, 5, 10, 20)}
    # Volatility in units of the instrument's own calm volatility, so an FX pair (a third of
    # equity volatility) and a stock read the same.
    base = _calm(vol[20])
    range_base = _calm(prange[20])
    out: dict[str, pd.Series] = {}
    for h in RETURN_HORIZONS:
        out[f"ret_{h}_z"] = (log_c - log_c.shift(h)) / (base * np.sqrt(h))
    for n in (5, 10, 20):
        out[f"vol_ratio_{n}"] = vol[n] / base
    for n in (3, 5, 10, 20):
        out[f"range_ratio_{n}"] = prange[n] / range_base
    out["adx_14"] = pd.Series(adx(high, low, close, 14), index=bars.index)
    # Variance ratios: below 1 when moves revert, above 1 when they persist.
    for k in (5, 10):
        rk = log_c - log_c.shift(k)
        out[f"variance_ratio_{k}"] = rk.rolling(60).var() / (k * r.rolling(60).var())
    for n in (20, 60):
        out[f"autocorr_{n}"] = r.rolling(n).corr(r.shift(1))
        out[f"trend_t_{n}"] = _trend_t(log_c, n)
    out["drawdown_60_z"] = (log_c - log_c.rolling(60).max()) / (base * np.sqrt(60))
    # Rescaled range (Hurst's R/S idea): a mean-reverting price stays in a narrow band.
    width = log_c.rolling(40).max() - log_c.rolling(40).min()
    out["rescaled_range_40"] = width / (vol[20] * np.sqrt(40))
    out["ma_gap_20_z"] = (log_c - log_c.rolling(20).mean()) / base
    frame = pd.DataFrame(out, index=bars.index)[list(FEATURES)]
    return frame.replace([np.inf, -np.inf], np.nan)


def regime_features(bars: pd.DataFrame, *, dropna: bool = True) -> pd.DataFrame:
    """Return regime features of every instrument in ``bars``.

    Parameters
    ----------
    bars : pandas.DataFrame
        Daily bars: ``symbol, session_date, ts, high, low, close`` (any order of rows).
    dropna : bool
        Drop rows whose features are not all known yet (the warm-up of each symbol).

    Returns
    -------
    pandas.DataFrame
        ``symbol, session_date, ts`` and the columns :data:`FEATURES`, sorted by symbol and
        date, with ``session_date`` as ``datetime64``.
    """
    bars = bars.assign(session_date=pd.to_datetime(bars["session_date"]))
    bars = bars.sort_values(["symbol", "session_date"], kind="stable").reset_index(drop=True)
    frames = [
        pd.concat([group[_KEYS], symbol_features(group)], axis=1)
        for _, group in bars.groupby("symbol", sort=True)
    ]
    if not frames:
        return pd.DataFrame(columns=[*_KEYS, *FEATURES])
    out = pd.concat(frames, ignore_index=True)
    if dropna:
        out = out.dropna(subset=list(FEATURES)).reset_index(drop=True)
    return out
