"""Rolling relationships between assets: correlations, betas and relative strength.

Every value at day t uses returns up to and including t only (trailing windows).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd


def log_returns(levels: pd.DataFrame) -> pd.DataFrame:
    """Return daily log returns of a wide frame of price levels."""
    return np.log(levels).diff()


def rolling_pair_stats(
    returns: pd.DataFrame,
    pairs: list[tuple[str, str]] | None = None,
    window: int = 60,
) -> pd.DataFrame:
    """Return trailing correlation and beta (of a on b) for pairs of return columns.

    Parameters
    ----------
    returns
        Wide frame of returns indexed by date.
    pairs
        (a, b) column pairs; all unordered pairs when None.
    window
        Trailing observations; a value needs a full window.

    Returns
    -------
    pandas.DataFrame
        Long frame: ``session_date, asset_a, asset_b, window, correlation, beta``.
    """
    pairs = pairs or list(combinations(returns.columns, 2))
    frames = []
    for a, b in pairs:
        x, y = returns[b], returns[a]
        corr = y.rolling(window, min_periods=window).corr(x)
        beta = (
            y.rolling(window, min_periods=window).cov(x)
            / x.rolling(window, min_periods=window).var()
        )
        frames.append(
            pd.DataFrame(
                {
                    "session_date": returns.index,
                    "asset_a": a,
                    "asset_b": b,
                    "window_sessions": window,
                    "correlation": corr.to_numpy(),
                    "beta": beta.to_numpy(),
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.dropna(subset=["correlation"]).reset_index(drop=True)


def relative_strength(
    closes: pd.DataFrame, benchmark: str, windows: tuple[int, ...] = (21, 63, 126)
) -> pd.DataFrame:
    """Return trailing returns of each column and their excess over ``benchmark``.

    Returns a long frame ``session_date, symbol, return_<w>d, excess_<w>d`` for each window,
    plus ``rank_<w>d`` of the excess among the non-benchmark columns on each day (1 = best).
    """
    out = []
    others = [c for c in closes.columns if c != benchmark]
    for w in windows:
        ret = closes / closes.shift(w) - 1.0
        excess = ret[others].sub(ret[benchmark], axis=0)
        rank = excess.rank(axis=1, ascending=False)
        out.append(
            pd.concat(
                {
                    f"return_{w}d": ret[others].stack(future_stack=True),
                    f"excess_{w}d": excess.stack(future_stack=True),
                    f"rank_{w}d": rank.stack(future_stack=True),
                },
                axis=1,
            )
        )
    frame = pd.concat(out, axis=1)
    frame.index.names = ["session_date", "symbol"]
    return frame.reset_index().dropna(subset=[f"return_{windows[0]}d"])
