"""Ichimoku Kinko Hyo with every line aligned to the bar whose data it uses (no forward shift)."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from quant.indicators._coerce import as_floats, check_period
from quant.indicators.channels import rolling_max_nb, rolling_min_nb


class Ichimoku(NamedTuple):
    """Ichimoku lines as known at each bar (see `ichimoku`)."""

    tenkan: np.ndarray
    kijun: np.ndarray
    senkou_a: np.ndarray
    senkou_b: np.ndarray
    chikou: np.ndarray


def _midpoint(high: np.ndarray, low: np.ndarray, n: int) -> np.ndarray:
    return (rolling_max_nb(high, n) + rolling_min_nb(low, n)) / 2.0


def _lag(x: np.ndarray, k: int) -> np.ndarray:
    out = np.full(x.size, np.nan)
    if k < x.size:
        out[k:] = x[: x.size - k]
    return out


def ichimoku(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    tenkan_period: int = 9,
    kijun_period: int = 26,
    senkou_b_period: int = 52,
    displacement: int = 26,
) -> Ichimoku:
    """Compute the Ichimoku cloud lines for signal use, each from data up to its own bar.

    With ``mid(n)[i] = (max(high[i-n+1:i+1]) + min(low[i-n+1:i+1])) / 2`` and
    ``d = displacement``:

    - ``tenkan[i] = mid(tenkan_period)[i]`` (conversion line);
    - ``kijun[i] = mid(kijun_period)[i]`` (base line);
    - ``senkou_a[i] = (tenkan[i-d] + kijun[i-d]) / 2`` and
      ``senkou_b[i] = mid(senkou_b_period)[i-d]``: the cloud *as plotted at bar i*, i.e.
      computed ``d`` bars earlier. Compare the close at ``i`` with these for "price above the
      cloud";
    - ``chikou[i] = close[i] - close[i-d]``: the lagging span's signal. The plotted chikou is
      ``close[i]`` drawn ``d`` bars back, so it is above the price there exactly when this is
      positive; nothing ever reads a later close.

    Plotting: charts draw the leading spans ``d`` bars *ahead* of the bar that computed them,
    so the cloud of the next ``d`` bars is already visible. To draw it, shift the raw spans
    forward: the value drawn at ``i + d`` is ``senkou_a[i + d]`` of this function, that is
    ``(tenkan[i] + kijun[i]) / 2`` (extend the index by ``d`` bars). Charting packages that
    count the current bar as the first of the 26 (TradingView) shift by ``d - 1``: pass
    ``displacement=25`` to match them.

    Parameters
    ----------
    high, low, close : array_like
        Bar data.
    tenkan_period, kijun_period, senkou_b_period : int, default 9, 26, 52
        Window lengths of the three midpoints.
    displacement : int, default 26
        Forward shift of the cloud and backward shift of the lagging span.

    Returns
    -------
    Ichimoku
        Named tuple ``(tenkan, kijun, senkou_a, senkou_b, chikou)`` of arrays, NaN until each
        line has enough history.
    """
    t = check_period("tenkan_period", tenkan_period)
    k = check_period("kijun_period", kijun_period)
    b = check_period("senkou_b_period", senkou_b_period)
    d = check_period("displacement", displacement, minimum=0)
    h, lo, c = as_floats(high, low, close)
    tenkan = _midpoint(h, lo, t)
    kijun = _midpoint(h, lo, k)
    senkou_a = _lag((tenkan + kijun) / 2.0, d)
    senkou_b = _lag(_midpoint(h, lo, b), d)
    return Ichimoku(tenkan, kijun, senkou_a, senkou_b, c - _lag(c, d))
