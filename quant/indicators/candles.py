"""TA-Lib-compatible candlestick patterns (TA-Lib's names in lower case).

Each function takes open, high, low and close (numpy arrays or pandas Series of
one length) and returns an ``int32`` array: 100 (bullish), -100 (bearish), 80 or
-80 where TA-Lib grades a weaker match (engulfing, harami), 0 otherwise and over
the lookback. Candle sizes are judged against TA-Lib's default candle settings
(for example "long body" = longer than the average body of the 10 previous
candles), with TA-Lib's exact running-total bookkeeping, so outputs equal
``talib`` 0.8.2's.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from quant.indicators._nb import candles_multi as _cm
from quant.indicators._nb import candles_single as _cs
from quant.indicators._nb._common import first_valid

IntArray = npt.NDArray[np.int32]
Series = Any  # a numpy array, a pandas Series or a sequence of floats

__all__ = [
    "cdl3blackcrows",
    "cdl3whitesoldiers",
    "cdlbelthold",
    "cdldarkcloudcover",
    "cdldoji",
    "cdldojistar",
    "cdldragonflydoji",
    "cdlengulfing",
    "cdleveningstar",
    "cdlgravestonedoji",
    "cdlhammer",
    "cdlhangingman",
    "cdlharami",
    "cdlharamicross",
    "cdlinvertedhammer",
    "cdlmarubozu",
    "cdlmorningstar",
    "cdlpiercing",
    "cdlshootingstar",
    "cdlspinningtop",
]


def _ohlc(open_: Series, high: Series, low: Series, close: Series) -> list[np.ndarray]:
    """Convert the four price inputs to float64 and check their lengths agree."""
    arrays = []
    for name, values in (("open", open_), ("high", high), ("low", low), ("close", close)):
        arr = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
        if arr.ndim != 1:
            raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
        arrays.append(arr)
    lengths = {a.shape[0] for a in arrays}
    if len(lengths) > 1:
        raise ValueError(f"input lengths differ: {[a.shape[0] for a in arrays]}")
    return arrays


def _pattern(kernel: Callable[..., None], prices: Sequence[Series],
             params: Sequence[Any] = ()) -> IntArray:
    """Run a pattern kernel from the first bar where all four prices are non-NaN."""
    o, h, lo, c = _ohlc(*prices)
    out = np.zeros(o.shape[0], dtype=np.int32)
    if o.shape[0] == 0:
        return out
    beg = first_valid(o, h, lo, c)
    kernel(o[beg:], h[beg:], lo[beg:], c[beg:], *params, out[beg:])
    return out


def _penetration(value: float) -> float:
    """Check TA-Lib's penetration range ``[0, 3e37]``."""
    if not 0.0 <= value <= 3e37:
        raise ValueError(f"penetration must be in [0, 3e37], got {value!r}")
    return float(value)


def cdldoji(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLDOJI: 100 where the body is under 10% of the average range."""
    return _pattern(_cs.doji, (open, high, low, close))


def cdldragonflydoji(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLDRAGONFLYDOJI: 100 for a doji with a long lower shadow only."""
    return _pattern(_cs.dragonfly_or_gravestone, (open, high, low, close), (False,))


def cdlgravestonedoji(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLGRAVESTONEDOJI: 100 for a doji with a long upper shadow only."""
    return _pattern(_cs.dragonfly_or_gravestone, (open, high, low, close), (True,))


def cdlmarubozu(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLMARUBOZU: +-100 for a long body without shadows."""
    return _pattern(_cs.marubozu, (open, high, low, close))


def cdlspinningtop(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLSPINNINGTOP: +-100 for a small body with longer shadows."""
    return _pattern(_cs.spinning_top, (open, high, low, close))


def cdlbelthold(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLBELTHOLD: +-100 for a long body opening at its extreme."""
    return _pattern(_cs.belt_hold, (open, high, low, close))


def cdlhammer(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLHAMMER: 100 for a small body on a long lower shadow near the prior low."""
    return _pattern(_cs.hammer_like, (open, high, low, close), (False,))


def cdlhangingman(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLHANGINGMAN: -100 for a hammer shape near the prior high."""
    return _pattern(_cs.hammer_like, (open, high, low, close), (True,))


def cdlshootingstar(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLSHOOTINGSTAR: -100 for a small body gapping up on a long upper shadow."""
    return _pattern(_cs.star_like, (open, high, low, close), (True,))


def cdlinvertedhammer(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLINVERTEDHAMMER: 100 for a small body gapping down on a long upper shadow."""
    return _pattern(_cs.star_like, (open, high, low, close), (False,))


def cdlengulfing(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLENGULFING: +-100 (+-80 when one body end matches)."""
    return _pattern(_cm.engulfing, (open, high, low, close))


def cdlharami(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLHARAMI: +-100 (+-80 if one end matches), a short body in a long one."""
    return _pattern(_cm.harami, (open, high, low, close), (False,))


def cdlharamicross(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLHARAMICROSS: as CDLHARAMI with a doji as the second candle."""
    return _pattern(_cm.harami, (open, high, low, close), (True,))


def cdldojistar(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLDOJISTAR: -+100 for a doji gapping away from a long body."""
    return _pattern(_cm.doji_star, (open, high, low, close))


def cdlpiercing(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDLPIERCING: 100 for a long white candle closing above the prior midpoint."""
    return _pattern(_cm.piercing_or_dark_cloud, (open, high, low, close), (False, 0.5))


def cdldarkcloudcover(open: Series, high: Series, low: Series, close: Series,
                      penetration: float = 0.5) -> IntArray:
    """Return TA-Lib CDLDARKCLOUDCOVER: -100, a black candle closing deep into a long white."""
    return _pattern(_cm.piercing_or_dark_cloud, (open, high, low, close),
                    (True, _penetration(penetration)))


def cdlmorningstar(open: Series, high: Series, low: Series, close: Series,
                   penetration: float = 0.3) -> IntArray:
    """Return TA-Lib CDLMORNINGSTAR: 100 for the three-candle bullish star reversal."""
    return _pattern(_cm.star, (open, high, low, close), (False, _penetration(penetration)))


def cdleveningstar(open: Series, high: Series, low: Series, close: Series,
                   penetration: float = 0.3) -> IntArray:
    """Return TA-Lib CDLEVENINGSTAR: -100 for the three-candle bearish star reversal."""
    return _pattern(_cm.star, (open, high, low, close), (True, _penetration(penetration)))


def cdl3whitesoldiers(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDL3WHITESOLDIERS: 100 for three advancing white candles."""
    return _pattern(_cm.three_white_soldiers, (open, high, low, close))


def cdl3blackcrows(open: Series, high: Series, low: Series, close: Series) -> IntArray:
    """Return TA-Lib CDL3BLACKCROWS: -100 for three declining black candles after a white one."""
    return _pattern(_cm.three_black_crows, (open, high, low, close))
