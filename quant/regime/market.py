"""The market regime indicator (seed 8.2): regime, strategy types, correlation breakdown."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import pandas as pd

from quant.regime.metrics import REGIMES
from quant.regime.model import PROBABILITY_COLUMNS

__all__ = [
    "RECOMMENDED_STRATEGIES",
    "correlation_breakdown",
    "market_regime",
]

RECOMMENDED_STRATEGIES: Mapping[str, Mapping[str, object]] = {
    "trending_up": {
        "favour": ["trend_following", "momentum_breakout"],
        "avoid": ["mean_reversion"],
        "bias": "long",
        "size_multiplier": 1.0,
    },
    "trending_down": {
        "favour": ["trend_following", "momentum_breakout"],
        "avoid": ["mean_reversion", "carry_trade"],
        "bias": "short",
        "size_multiplier": 0.75,
    },
    "mean_reverting": {
        "favour": ["mean_reversion", "earnings_play"],
        "avoid": ["momentum_breakout", "trend_following"],
        "bias": "neutral",
        "size_multiplier": 1.0,
    },
    "high_volatility": {
        # Carry unwinds and stops get run in volatility spikes: trade less and smaller.
        "favour": ["mean_reversion"],
        "avoid": ["carry_trade", "momentum_breakout"],
        "bias": "neutral",
        "size_multiplier": 0.5,
    },
}
"""Strategy types (the template archetypes) to favour and avoid in each regime."""

_TOGETHER = 0.10  # correlation rise over its long level that counts as "moving together"


def market_regime(predictions: pd.DataFrame, benchmark: str | None = "US.SPY") -> pd.DataFrame:
    """Return the market's regime per session, with recommended strategy types.

    Parameters
    ----------
    predictions : pandas.DataFrame
        Output of :meth:`RegimeModel.predict` for any instruments.
    benchmark : str, optional
        The market benchmark: its probabilities are the market's. Sessions without it (or
        ``benchmark=None``) average the probabilities of the whole cross-section.

    Returns
    -------
    pandas.DataFrame
        ``session_date, regime, p_<regime>..., recommended_strategies`` (JSON),
        ``model_version, available_at``.
    """
    cols = ["session_date", *PROBABILITY_COLUMNS]
    bench = predictions[predictions["symbol"] == benchmark] if benchmark else predictions.iloc[:0]
    cross = predictions.groupby("session_date", as_index=False).agg(
        **{c: (c, "mean") for c in PROBABILITY_COLUMNS},
        model_version=("model_version", "first"),
        available_at=("ts", "max"),
    )
    bench = bench.rename(columns={"ts": "available_at"})[[*cols, "model_version", "available_at"]]
    rest = cross[~cross["session_date"].isin(bench["session_date"])]
    out = pd.concat([bench, rest], ignore_index=True).sort_values("session_date")
    probs = out[list(PROBABILITY_COLUMNS)].to_numpy()
    out["regime"] = np.asarray(REGIMES)[probs.argmax(axis=1)] if len(out) else []
    out["recommended_strategies"] = [
        json.dumps(RECOMMENDED_STRATEGIES[r], sort_keys=True) for r in out["regime"]
    ]
    order = ["session_date", "regime", *PROBABILITY_COLUMNS, "recommended_strategies"]
    return out[[*order, "model_version", "available_at"]].reset_index(drop=True)


def _avg_offdiag(window: np.ndarray) -> float:
    """Return the mean pairwise correlation of the columns of ``window`` (complete only)."""
    window = window[:, ~np.isnan(window).any(axis=0)]
    window = window[:, window.std(axis=0) > 0]
    k = window.shape[1]
    if k < 2:
        return np.nan
    c = np.corrcoef(window, rowvar=False)
    return float((c.sum() - k) / (k * (k - 1)))


def _corr(a: np.ndarray, b: np.ndarray) -> float:
    ok = ~(np.isnan(a) | np.isnan(b))
    if ok.sum() < 3 or a[ok].std() == 0 or b[ok].std() == 0:
        return np.nan
    return float(np.corrcoef(a[ok], b[ok])[0, 1])


def correlation_breakdown(
    closes: pd.DataFrame,
    sectors: Mapping[str, str],
    dates: Sequence[date],
    *,
    market: pd.Series | None = None,
    short: int = 20,
    long: int = 120,
) -> pd.DataFrame:
    """Return, per session, how much assets move together now against their usual level.

    Parameters
    ----------
    closes : pandas.DataFrame
        Daily closes, sessions x symbols, ascending, including enough sessions before
        ``dates`` for the long window (``short + long`` sessions).
    sectors : mapping of str to str
        Sector of each symbol to include; others are ignored.
    dates : sequence of datetime.date
        Sessions to report.
    market : pandas.Series, optional
        The market's closes (benchmark); defaults to the equal-weight cross-section.
    short, long : int
        Sessions of the "now" window and of the long average.

    Returns
    -------
    pandas.DataFrame
        ``session_date, avg_correlation`` (mean pairwise correlation of daily returns over
        ``short`` sessions), ``avg_correlation_long`` (its mean over the last ``long``
        sessions), ``correlation_change`` and ``sector_breakdown`` (JSON per sector: its
        correlation with the market now and over ``long`` sessions, its within-sector
        correlation now, and ``together``/``diverging``/``stable``).
    """
    names = [s for s in closes.columns if s in sectors]
    idx = pd.DatetimeIndex(pd.to_datetime(closes.index))
    rets = np.log(closes[names].astype(float)).diff().to_numpy()
    mkt = (
        np.log(market.astype(float)).diff().reindex(closes.index).to_numpy()
        if market is not None
        else np.nanmean(rets, axis=1)
        if rets.size
        else np.full(len(idx), np.nan)
    )
    wanted = idx.get_indexer(pd.to_datetime(list(dates)))
    wanted = wanted[wanted >= 0]
    first = max(int(wanted.min()) - long + 1, 0) if len(wanted) else 0
    avg = np.full(len(idx), np.nan)
    for t in range(max(first, short), len(idx)):
        avg[t] = _avg_offdiag(rets[t - short + 1 : t + 1])
    avg_long = pd.Series(avg).rolling(long, min_periods=long // 2).mean().to_numpy()
    groups: dict[str, list[int]] = {}
    for j, name in enumerate(names):
        groups.setdefault(sectors[name], []).append(j)
    rows = []
    for t in wanted:
        breakdown = {}
        for sector, cols in sorted(groups.items()):
            sector_ret = _row_mean(rets[:, cols])
            lo_s, lo_l = max(t - short + 1, 1), max(t - long + 1, 1)
            now = _corr(sector_ret[lo_s : t + 1], mkt[lo_s : t + 1])
            usual = _corr(sector_ret[lo_l : t + 1], mkt[lo_l : t + 1])
            within = _avg_offdiag(rets[lo_s : t + 1][:, cols]) if t >= short else np.nan
            change = now - usual
            state = (
                "together"
                if change > _TOGETHER
                else "diverging"
                if change < -_TOGETHER
                else "stable"
            )
            breakdown[sector] = {
                "corr_market": _round(now),
                "corr_market_long": _round(usual),
                "within_sector": _round(within),
                "state": state if np.isfinite(change) else "unknown",
            }
        rows.append(
            {
                "session_date": idx[t].date(),
                "avg_correlation": avg[t],
                "avg_correlation_long": avg_long[t],
                "correlation_change": avg[t] - avg_long[t],
                "sector_breakdown": json.dumps(breakdown, sort_keys=True),
            }
        )
    columns = [
        "session_date",
        "avg_correlation",
        "avg_correlation_long",
        "correlation_change",
        "sector_breakdown",
    ]
    return pd.DataFrame(rows, columns=columns)


def _row_mean(x: np.ndarray) -> np.ndarray:
    """Return the mean of each row over its known values (NaN where none is known)."""
    known = ~np.isnan(x)
    count = known.sum(axis=1)
    total = np.where(known, x, 0.0).sum(axis=1)
    return np.divide(total, count, out=np.full(len(x), np.nan), where=count > 0)


def _round(x: float) -> float | None:
    return round(float(x), 4) if np.isfinite(x) else None
