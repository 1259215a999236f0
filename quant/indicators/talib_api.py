"""TA-Lib-compatible indicators: same names (lower case), parameters and defaults.

Every function accepts numpy arrays or pandas Series (anything ``np.asarray`` turns
into a 1-D float64 array) and returns numpy ``float64`` arrays of the input's
length (a tuple in TA-Lib's order for several outputs): a Series in gives an
ndarray out. Values match ``talib`` 0.8.2 (TA-Lib C 0.8.1), including where it
has none (NaN), how it skips a leading run of NaN inputs, and how a NaN inside
the data travels. Wrong lengths or out-of-range parameters raise ``ValueError``;
MA type 7 (MAMA) and TA-Lib's types 9-12 raise ``NotImplementedError``.

The upper-case names (``RSI``, ``ATR``, ...) are aliases kept for callers that
mirror the ``talib`` module's spelling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from quant.indicators._nb import directional as _dir
from quant.indicators._nb import momentum as _mom
from quant.indicators._nb import oscillators as _osc
from quant.indicators._nb import overlap as _ovl
from quant.indicators._nb import statistic as _stat
from quant.indicators._nb import volatility as _vol
from quant.indicators._nb import volume as _vlm
from quant.indicators._nb._common import first_valid

FloatArray = npt.NDArray[np.float64]
Series = Any  # a numpy array, a pandas Series or a sequence of floats

_MAX_PERIOD = 100_000
_MAX_REAL = 3e37


def _as_float(name: str, values: Series) -> FloatArray:
    """Return ``values`` as a contiguous 1-D float64 array."""
    arr = np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    return arr


def _inputs(**named: Series) -> list[FloatArray]:
    """Convert the named inputs and check that their lengths agree."""
    arrays = [_as_float(name, values) for name, values in named.items()]
    lengths = {name: a.shape[0] for name, a in zip(named, arrays, strict=True)}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"input lengths differ: {lengths}")
    return arrays


def _period(name: str, value: int, low: int = 2) -> int:
    """Check an integer period against TA-Lib's range ``[low, 100000]``."""
    if isinstance(value, bool) or int(value) != value or not low <= value <= _MAX_PERIOD:
        raise ValueError(f"{name} must be an integer in [{low}, {_MAX_PERIOD}], got {value!r}")
    return int(value)


def _real(name: str, value: float, low: float = -_MAX_REAL, high: float = _MAX_REAL) -> float:
    """Check a real parameter against TA-Lib's range."""
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")
    return float(value)


def _matype(name: str, value: int) -> int:
    """Check an MA type code (0 SMA .. 8 T3); MAMA and TA-Lib's newer types are not ported."""
    if isinstance(value, bool) or int(value) != value or not 0 <= value <= 12:
        raise ValueError(f"{name} must be an MA type code in [0, 8], got {value!r}")
    if value == _ovl.MAMA or value > _ovl.T3:
        raise NotImplementedError(f"{name}={value}: only MA types 0-6 and 8 are implemented")
    return int(value)


def _run(kernel: Callable[..., None], ins: Sequence[FloatArray], params: Sequence[Any],
         n_out: int = 1) -> list[FloatArray]:
    """Run ``kernel`` on the inputs after their leading NaN run, as talib does.

    talib hands TA-Lib only the bars from the first one where every input is
    non-NaN (the last bar if there is none); outputs are NaN before that.
    """
    n = ins[0].shape[0]
    outs = [np.empty(n) for _ in range(n_out)]
    if n == 0:
        return outs
    padded = [*ins, *[ins[0]] * (4 - len(ins))]
    beg = first_valid(padded[0], padded[1], padded[2], padded[3])
    for out in outs:
        out[:beg] = np.nan
    kernel(*[a[beg:] for a in ins], *params, *[o[beg:] for o in outs])
    return outs


# --- overlap studies -----------------------------------------------------------------


def sma(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return the simple moving average (TA-Lib SMA)."""
    (x,) = _inputs(real=real)
    return _run(_ovl.sma, [x], [_period("timeperiod", timeperiod, 1)])[0]


def ema(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return the exponential moving average seeded by an SMA (TA-Lib EMA)."""
    (x,) = _inputs(real=real)
    return _run(_ovl.ema, [x], [_period("timeperiod", timeperiod, 1)])[0]


def wma(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return the linearly weighted moving average (TA-Lib WMA)."""
    (x,) = _inputs(real=real)
    return _run(_ovl.wma, [x], [_period("timeperiod", timeperiod, 1)])[0]


def dema(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return the double exponential moving average (TA-Lib DEMA)."""
    (x,) = _inputs(real=real)
    return _run(_ovl.dema, [x], [_period("timeperiod", timeperiod, 1)])[0]


def tema(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return the triple exponential moving average (TA-Lib TEMA)."""
    (x,) = _inputs(real=real)
    return _run(_ovl.tema, [x], [_period("timeperiod", timeperiod, 1)])[0]


def trima(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return the triangular moving average (TA-Lib TRIMA)."""
    (x,) = _inputs(real=real)
    return _run(_ovl.trima, [x], [_period("timeperiod", timeperiod, 1)])[0]


def kama(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return Kaufman's adaptive moving average (TA-Lib KAMA)."""
    (x,) = _inputs(real=real)
    return _run(_ovl.kama, [x], [_period("timeperiod", timeperiod, 1)])[0]


def t3(real: Series, timeperiod: int = 5, vfactor: float = 0.7) -> FloatArray:
    """Return Tillson's T3 moving average (TA-Lib T3)."""
    (x,) = _inputs(real=real)
    params = [_period("timeperiod", timeperiod, 1), _real("vfactor", vfactor, 0.0, 1.0)]
    return _run(_ovl.t3, [x], params)[0]


def ma(real: Series, timeperiod: int = 30, matype: int = 0) -> FloatArray:
    """Return the moving average of type ``matype`` (TA-Lib MA)."""
    (x,) = _inputs(real=real)
    params = [_period("timeperiod", timeperiod, 1), _matype("matype", matype)]
    return _run(_ovl.ma, [x], params)[0]


def bbands(real: Series, timeperiod: int = 20, nbdevup: float = 2.0, nbdevdn: float = 2.0,
           matype: int = 0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return Bollinger Bands (upper, middle, lower) (TA-Lib BBANDS).

    ``timeperiod`` defaults to 20 as in talib 0.8.2 (classic TA-Lib used 5).
    """
    (x,) = _inputs(real=real)
    params = [_period("timeperiod", timeperiod), _real("nbdevup", nbdevup),
              _real("nbdevdn", nbdevdn), _matype("matype", matype)]
    upper, middle, lower = _run(_vol.bbands, [x], params, 3)
    return upper, middle, lower


def midpoint(real: Series, timeperiod: int = 14) -> FloatArray:
    """Return ``(highest + lowest) / 2`` over the period (TA-Lib MIDPOINT)."""
    (x,) = _inputs(real=real)
    return _run(_osc.midpoint, [x], [_period("timeperiod", timeperiod)])[0]


def midprice(high: Series, low: Series, timeperiod: int = 14) -> FloatArray:
    """Return ``(highest high + lowest low) / 2`` over the period (TA-Lib MIDPRICE)."""
    h, lo = _inputs(high=high, low=low)
    return _run(_osc.midprice, [h, lo], [_period("timeperiod", timeperiod)])[0]


def sar(high: Series, low: Series, acceleration: float = 0.02,
        maximum: float = 0.2) -> FloatArray:
    """Return the parabolic stop-and-reverse (TA-Lib SAR)."""
    h, lo = _inputs(high=high, low=low)
    params = [_real("acceleration", acceleration, 0.0), _real("maximum", maximum, 0.0)]
    return _run(_dir.sar, [h, lo], params)[0]


# --- momentum --------------------------------------------------------------------------


def macd(real: Series, fastperiod: int = 12, slowperiod: int = 26,
         signalperiod: int = 9) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return MACD, its signal line and histogram (TA-Lib MACD)."""
    (x,) = _inputs(real=real)
    params = [_period("fastperiod", fastperiod), _period("slowperiod", slowperiod),
              _period("signalperiod", signalperiod, 1)]
    line, signal, hist = _run(_mom.macd, [x], params, 3)
    return line, signal, hist


def macdext(real: Series, fastperiod: int = 12, fastmatype: int = 0, slowperiod: int = 26,
            slowmatype: int = 0, signalperiod: int = 9,
            signalmatype: int = 0) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Return MACD with a chosen MA type per average (TA-Lib MACDEXT)."""
    (x,) = _inputs(real=real)
    params = [_period("fastperiod", fastperiod), _matype("fastmatype", fastmatype),
              _period("slowperiod", slowperiod), _matype("slowmatype", slowmatype),
              _period("signalperiod", signalperiod, 1), _matype("signalmatype", signalmatype)]
    line, signal, hist = _run(_mom.macdext, [x], params, 3)
    return line, signal, hist


def apo(real: Series, fastperiod: int = 12, slowperiod: int = 26, matype: int = 1) -> FloatArray:
    """Return the absolute price oscillator, fast MA minus slow MA (TA-Lib APO).

    ``matype`` defaults to 1 (EMA) as in talib 0.8.2; classic TA-Lib used 0.
    """
    (x,) = _inputs(real=real)
    params = [_period("fastperiod", fastperiod), _period("slowperiod", slowperiod),
              _matype("matype", matype), False]
    return _run(_mom.price_oscillator, [x], params)[0]


def ppo(real: Series, fastperiod: int = 12, slowperiod: int = 26, matype: int = 1) -> FloatArray:
    """Return the percentage price oscillator (TA-Lib PPO); ``matype`` as in ``apo``."""
    (x,) = _inputs(real=real)
    params = [_period("fastperiod", fastperiod), _period("slowperiod", slowperiod),
              _matype("matype", matype), True]
    return _run(_mom.price_oscillator, [x], params)[0]


def mom(real: Series, timeperiod: int = 10) -> FloatArray:
    """Return the momentum ``x[t] - x[t - timeperiod]`` (TA-Lib MOM)."""
    (x,) = _inputs(real=real)
    return _run(_mom.mom, [x], [_period("timeperiod", timeperiod, 1)])[0]


def roc(real: Series, timeperiod: int = 10) -> FloatArray:
    """Return the rate of change in percent (TA-Lib ROC)."""
    (x,) = _inputs(real=real)
    return _run(_mom.roc, [x], [_period("timeperiod", timeperiod, 1), 0])[0]


def rocp(real: Series, timeperiod: int = 10) -> FloatArray:
    """Return the rate of change as a fraction (TA-Lib ROCP)."""
    (x,) = _inputs(real=real)
    return _run(_mom.roc, [x], [_period("timeperiod", timeperiod, 1), 1])[0]


def rsi(real: Series, timeperiod: int = 14) -> FloatArray:
    """Return Wilder's relative strength index (TA-Lib RSI)."""
    (x,) = _inputs(real=real)
    return _run(_mom.rsi, [x], [_period("timeperiod", timeperiod)])[0]


def cmo(real: Series, timeperiod: int = 14) -> FloatArray:
    """Return Chande's momentum oscillator (TA-Lib CMO)."""
    (x,) = _inputs(real=real)
    return _run(_mom.cmo, [x], [_period("timeperiod", timeperiod)])[0]


def trix(real: Series, timeperiod: int = 30) -> FloatArray:
    """Return the 1-bar rate of change of a triple EMA, in percent (TA-Lib TRIX)."""
    (x,) = _inputs(real=real)
    return _run(_mom.trix, [x], [_period("timeperiod", timeperiod, 1)])[0]


def bop(open: Series, high: Series, low: Series, close: Series) -> FloatArray:
    """Return the balance of power (TA-Lib BOP)."""
    o, h, lo, c = _inputs(open=open, high=high, low=low, close=close)
    return _run(_mom.bop, [o, h, lo, c], [])[0]


def cci(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the commodity channel index (TA-Lib CCI)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_mom.cci, [h, lo, c], [_period("timeperiod", timeperiod)])[0]


def willr(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return Williams' %R (TA-Lib WILLR)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_osc.willr, [h, lo, c], [_period("timeperiod", timeperiod)])[0]


def ultosc(high: Series, low: Series, close: Series, timeperiod1: int = 7, timeperiod2: int = 14,
           timeperiod3: int = 28) -> FloatArray:
    """Return Williams' ultimate oscillator (TA-Lib ULTOSC)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    params = [_period("timeperiod1", timeperiod1, 1), _period("timeperiod2", timeperiod2, 1),
              _period("timeperiod3", timeperiod3, 1)]
    return _run(_mom.ultosc, [h, lo, c], params)[0]


def aroon(high: Series, low: Series, timeperiod: int = 14) -> tuple[FloatArray, FloatArray]:
    """Return Aroon (down, up) (TA-Lib AROON)."""
    h, lo = _inputs(high=high, low=low)
    down, up = _run(_osc.aroon, [h, lo], [_period("timeperiod", timeperiod)], 2)
    return down, up


def aroonosc(high: Series, low: Series, timeperiod: int = 14) -> FloatArray:
    """Return Aroon up minus Aroon down (TA-Lib AROONOSC)."""
    h, lo = _inputs(high=high, low=low)
    return _run(_osc.aroonosc, [h, lo], [_period("timeperiod", timeperiod)])[0]


def stoch(high: Series, low: Series, close: Series, fastk_period: int = 5, slowk_period: int = 3,
          slowk_matype: int = 0, slowd_period: int = 3,
          slowd_matype: int = 0) -> tuple[FloatArray, FloatArray]:
    """Return the slow stochastic (slowk, slowd) (TA-Lib STOCH)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    params = [_period("fastk_period", fastk_period, 1), _period("slowk_period", slowk_period, 1),
              _matype("slowk_matype", slowk_matype), _period("slowd_period", slowd_period, 1),
              _matype("slowd_matype", slowd_matype)]
    k, d = _run(_osc.stoch, [h, lo, c], params, 2)
    return k, d


def stochf(high: Series, low: Series, close: Series, fastk_period: int = 5, fastd_period: int = 3,
           fastd_matype: int = 0) -> tuple[FloatArray, FloatArray]:
    """Return the fast stochastic (fastk, fastd) (TA-Lib STOCHF)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    params = [_period("fastk_period", fastk_period, 1), _period("fastd_period", fastd_period, 1),
              _matype("fastd_matype", fastd_matype)]
    k, d = _run(_osc.stochf, [h, lo, c], params, 2)
    return k, d


def stochrsi(real: Series, timeperiod: int = 14, fastk_period: int = 5, fastd_period: int = 3,
             fastd_matype: int = 0) -> tuple[FloatArray, FloatArray]:
    """Return the fast stochastic of the RSI (fastk, fastd) (TA-Lib STOCHRSI)."""
    (x,) = _inputs(real=real)
    params = [_period("timeperiod", timeperiod), _period("fastk_period", fastk_period, 1),
              _period("fastd_period", fastd_period, 1), _matype("fastd_matype", fastd_matype)]
    k, d = _run(_osc.stochrsi, [x], params, 2)
    return k, d


# --- directional movement ------------------------------------------------------------


def plus_dm(high: Series, low: Series, timeperiod: int = 14) -> FloatArray:
    """Return Wilder-smoothed plus directional movement (TA-Lib PLUS_DM)."""
    h, lo = _inputs(high=high, low=low)
    return _run(_dir.dm, [h, lo], [_period("timeperiod", timeperiod, 1), _dir.PLUS])[0]


def minus_dm(high: Series, low: Series, timeperiod: int = 14) -> FloatArray:
    """Return Wilder-smoothed minus directional movement (TA-Lib MINUS_DM)."""
    h, lo = _inputs(high=high, low=low)
    return _run(_dir.dm, [h, lo], [_period("timeperiod", timeperiod, 1), _dir.MINUS])[0]


def plus_di(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the plus directional indicator (TA-Lib PLUS_DI)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_dir.di, [h, lo, c], [_period("timeperiod", timeperiod, 1), _dir.PLUS])[0]


def minus_di(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the minus directional indicator (TA-Lib MINUS_DI)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_dir.di, [h, lo, c], [_period("timeperiod", timeperiod, 1), _dir.MINUS])[0]


def dx(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the directional movement index (TA-Lib DX)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_dir.dx, [h, lo, c], [_period("timeperiod", timeperiod)])[0]


def adx(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the average directional index (TA-Lib ADX)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_dir.adx, [h, lo, c], [_period("timeperiod", timeperiod)])[0]


def adxr(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the average directional index rating (TA-Lib ADXR)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_dir.adxr, [h, lo, c], [_period("timeperiod", timeperiod)])[0]


# --- volatility, volume, statistics ----------------------------------------------------


def trange(high: Series, low: Series, close: Series) -> FloatArray:
    """Return the true range (TA-Lib TRANGE)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_vol.trange, [h, lo, c], [])[0]


def atr(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the average true range (TA-Lib ATR)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_vol.atr, [h, lo, c], [_period("timeperiod", timeperiod, 1)])[0]


def natr(high: Series, low: Series, close: Series, timeperiod: int = 14) -> FloatArray:
    """Return the ATR in percent of the close (TA-Lib NATR)."""
    h, lo, c = _inputs(high=high, low=low, close=close)
    return _run(_vol.natr, [h, lo, c], [_period("timeperiod", timeperiod, 1)])[0]


def obv(real: Series, volume: Series) -> FloatArray:
    """Return on-balance volume (TA-Lib OBV)."""
    x, v = _inputs(real=real, volume=volume)
    return _run(_vlm.obv, [x, v], [])[0]


def ad(high: Series, low: Series, close: Series, volume: Series) -> FloatArray:
    """Return the Chaikin accumulation/distribution line (TA-Lib AD)."""
    h, lo, c, v = _inputs(high=high, low=low, close=close, volume=volume)
    return _run(_vlm.ad, [h, lo, c, v], [])[0]


def adosc(high: Series, low: Series, close: Series, volume: Series, fastperiod: int = 3,
          slowperiod: int = 10) -> FloatArray:
    """Return the Chaikin A/D oscillator (TA-Lib ADOSC)."""
    h, lo, c, v = _inputs(high=high, low=low, close=close, volume=volume)
    params = [_period("fastperiod", fastperiod), _period("slowperiod", slowperiod)]
    return _run(_vlm.adosc, [h, lo, c, v], params)[0]


def mfi(high: Series, low: Series, close: Series, volume: Series,
        timeperiod: int = 14) -> FloatArray:
    """Return the money flow index (TA-Lib MFI)."""
    h, lo, c, v = _inputs(high=high, low=low, close=close, volume=volume)
    return _run(_vlm.mfi, [h, lo, c, v], [_period("timeperiod", timeperiod)])[0]


def linearreg(real: Series, timeperiod: int = 14) -> FloatArray:
    """Return the least-squares line's value at each window's last bar (TA-Lib LINEARREG)."""
    (x,) = _inputs(real=real)
    return _run(_stat.linearreg, [x], [_period("timeperiod", timeperiod)])[0]


def linearreg_slope(real: Series, timeperiod: int = 14) -> FloatArray:
    """Return the least-squares slope per bar (TA-Lib LINEARREG_SLOPE)."""
    (x,) = _inputs(real=real)
    return _run(_stat.linearreg_slope, [x], [_period("timeperiod", timeperiod)])[0]


def stddev(real: Series, timeperiod: int = 5, nbdev: float = 1.0) -> FloatArray:
    """Return ``nbdev`` population standard deviations (TA-Lib STDDEV)."""
    (x,) = _inputs(real=real)
    return _run(_stat.stddev, [x], [_period("timeperiod", timeperiod), _real("nbdev", nbdev)])[0]


def var(real: Series, timeperiod: int = 5, nbdev: float = 1.0) -> FloatArray:
    """Return the population variance (TA-Lib VAR; ``nbdev`` is accepted and unused)."""
    (x,) = _inputs(real=real)
    _real("nbdev", nbdev)
    return _run(_stat.var, [x], [_period("timeperiod", timeperiod, 1)])[0]


_FUNCTIONS = [
    sma, ema, wma, dema, tema, trima, kama, t3, ma, bbands, midpoint, midprice, sar,
    macd, macdext, apo, ppo, mom, roc, rocp, rsi, cmo, trix, bop, cci, willr, ultosc,
    aroon, aroonosc, stoch, stochf, stochrsi, plus_dm, minus_dm, plus_di, minus_di, dx,
    adx, adxr, trange, atr, natr, obv, ad, adosc, mfi, linearreg, linearreg_slope, stddev, var,
]

# Upper-case aliases (talib's spelling); importable by name, not star-exported.
for _f in _FUNCTIONS:
    globals()[_f.__name__.upper()] = _f

from quant.indicators.candles import *  # noqa: E402, F403
from quant.indicators.candles import __all__ as _candle_all  # noqa: E402

for _name in _candle_all:
    globals()[_name.upper()] = globals()[_name]

__all__ = [f.__name__ for f in _FUNCTIONS] + list(_candle_all)
