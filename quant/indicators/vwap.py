"""Session-anchored VWAP and its volume-weighted standard-deviation bands."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from quant.indicators._coerce import as_floats, session_starts


@njit(cache=True)
def _session_vwap_nb(
    typical: np.ndarray, volume: np.ndarray, starts: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    n = typical.size
    vwap = np.full(n, np.nan)
    std = np.full(n, np.nan)
    wsum = 0.0
    mean = 0.0
    m2 = 0.0
    for i in range(n):
        if starts[i]:
            wsum = 0.0
            mean = 0.0
            m2 = 0.0
        x = typical[i]
        w = volume[i]
        if np.isnan(x) or np.isnan(w):
            continue
        if w > 0.0 and wsum == 0.0:
            # Set exactly: the update below leaves rounding dust that sqrt magnifies.
            wsum = w
            mean = x
        elif w > 0.0:
            # West's weighted update: no cancellation between sum(w*x^2) and VWAP^2.
            wsum += w
            delta = x - mean
            mean += delta * w / wsum
            m2 += w * delta * (x - mean)
        if wsum > 0.0:
            vwap[i] = mean
            std[i] = np.sqrt(max(m2 / wsum, 0.0))
    return vwap, std


def _vwap_and_std(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    session: npt.ArrayLike,
) -> tuple[np.ndarray, np.ndarray]:
    h, lo, c, v = as_floats(high, low, close, volume)
    starts = session_starts(session, h.size)
    return _session_vwap_nb((h + lo + c) / 3.0, v, starts)


def vwap(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    session: npt.ArrayLike,
) -> np.ndarray:
    """Compute the volume-weighted average price, restarted at every session.

    With typical price ``tp = (high + low + close) / 3``, the VWAP at bar ``i`` of a session
    that opened at bar ``s`` is ``sum(volume[s:i+1] * tp[s:i+1]) / sum(volume[s:i+1])``.

    Parameters
    ----------
    high, low, close, volume : array_like
        Bar data, equally long.
    session : array_like
        Session id per bar (e.g. trading date as int64); the VWAP restarts where it changes.

    Returns
    -------
    numpy.ndarray
        VWAP per bar; NaN until the session has traded volume and at bars with a NaN input
        (such bars are left out of the sums).
    """
    return _vwap_and_std(high, low, close, volume, session)[0]


def vwap_bands(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    close: npt.ArrayLike,
    volume: npt.ArrayLike,
    session: npt.ArrayLike,
    nbdevup: float = 1.0,
    nbdevdn: float = 1.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Compute session VWAP with bands at multiples of the volume-weighted deviation.

    The deviation at bar ``i`` is the volume-weighted standard deviation of typical price
    about the current VWAP over the session so far,
    ``sigma_i = sqrt(sum(v * (tp - vwap_i)**2) / sum(v))`` (population form, like BBANDS).
    Call once per multiplier pair for several bands (e.g. 1, 2 and 3 sigma).

    Parameters
    ----------
    high, low, close, volume : array_like
        Bar data, equally long.
    session : array_like
        Session id per bar; everything restarts where it changes.
    nbdevup, nbdevdn : float, default 1.0
        Multipliers of ``sigma`` above and below the VWAP.

    Returns
    -------
    upper, middle, lower : numpy.ndarray
        ``vwap + nbdevup * sigma``, ``vwap`` and ``vwap - nbdevdn * sigma``.
    """
    mid, std = _vwap_and_std(high, low, close, volume, session)
    return mid + nbdevup * std, mid, mid - nbdevdn * std
