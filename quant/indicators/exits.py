"""ATR-based exit levels."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from quant.indicators._coerce import as_floats, check_period
from quant.indicators.channels import rolling_max_nb, rolling_min_nb
from quant.indicators.talib_api import atr


class ChandelierExit(NamedTuple):
    """Stop levels for long and short positions."""

    long_stop: np.ndarray
    short_stop: np.ndarray


def chandelier_exit(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    timeperiod: int = 22,
    multiplier: float = 3.0,
    atr_period: int | None = None,
) -> ChandelierExit:
    """Compute the chandelier exit: an ATR multiple hung from the recent extreme.

    ``long_stop = max(high[i-n+1:i+1]) - multiplier * ATR(atr_period)[i]`` and
    ``short_stop = min(low[i-n+1:i+1]) + multiplier * ATR(atr_period)[i]``, with Wilder's ATR
    as in TA-Lib. LeBeau's defaults are n = 22 and 3 ATRs over the same 22 bars; the seed
    design's "3 x ATR(14)" is ``atr_period=14``. The levels are not ratcheted: a trailing
    stop that never loosens is ``numpy.maximum.accumulate`` of ``long_stop`` from entry.

    Parameters
    ----------
    high, low, close : array_like
        Bar data.
    timeperiod : int, default 22
        Look-back of the highest high and lowest low.
    multiplier : float, default 3.0
        Distance from the extreme in ATRs.
    atr_period : int, optional
        ATR length; `timeperiod` when omitted.

    Returns
    -------
    ChandelierExit
        ``(long_stop, short_stop)``; NaN until both the extreme and the ATR exist.
    """
    n = check_period("timeperiod", timeperiod)
    m = n if atr_period is None else check_period("atr_period", atr_period)
    h, lo, c = as_floats(high, low, close)
    width = multiplier * atr(h, lo, c, timeperiod=m)
    return ChandelierExit(rolling_max_nb(h, n) - width, rolling_min_nb(lo, n) + width)
