"""Volume profile: volume by price over a fixed range or per session, with POC and value area.

Binning rule. With ``tick_size`` set, bin ``k`` is centred on the price ``k * tick_size`` and
covers ``[(k - 1/2) * tick_size, (k + 1/2) * tick_size)``. Otherwise ``n_bins`` equal bins
span ``[min(low), max(high)]`` of the profiled bars (the last bin is closed on the right).
Each bar's volume is spread uniformly over its ``[low, high]`` range, so a bin receives the
share of the bar's range it overlaps; a bar with ``high == low`` puts all its volume in the
bin holding that price. Bars with a NaN price or a NaN or non-positive volume are left out.

Levels. The point of control (POC) is the bin with the most volume; ties go to the bin
nearest the middle of the profile, then to the lower one. The value area grows from the POC
by the CBOT rule: compare the summed volume of the next two bins above with that of the next
two bins below (fewer where the profile ends) and add the larger pair, both on a tie, until
the area holds at least ``value_area`` of the total volume. POC, VAH and VAL are reported as
bin centres (VAH the highest bin in the area, VAL the lowest).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import numpy.typing as npt
from numba import njit

from quant.indicators._coerce import as_floats, check_period, session_starts


class ProfileLevels(NamedTuple):
    """Point of control and value-area high and low per bar."""

    poc: np.ndarray
    vah: np.ndarray
    val: np.ndarray


class VolumeProfile(NamedTuple):
    """A volume profile: bin centres, volume per bin and its levels."""

    prices: np.ndarray
    volume: np.ndarray
    poc: float
    vah: float
    val: float


@njit(cache=True)
def _grid_nb(
    high: np.ndarray, low: np.ndarray, start: int, stop: int, n_bins: int, tick: float
) -> tuple[float, float, int]:
    lo = np.inf
    hi = -np.inf
    for j in range(start, stop):
        if not (np.isnan(high[j]) or np.isnan(low[j])):
            lo = min(lo, low[j])
            hi = max(hi, high[j])
    if lo > hi:
        return np.nan, np.nan, 0
    if tick > 0.0:
        k_lo = np.floor(lo / tick + 0.5)
        k_hi = np.floor(hi / tick + 0.5)
        return (k_lo - 0.5) * tick, tick, int(k_hi - k_lo) + 1
    if hi == lo:
        return lo - 0.5, 1.0, 1
    return lo, (hi - lo) / n_bins, n_bins


@njit(cache=True)
def _histogram_nb(
    high: np.ndarray,
    low: np.ndarray,
    volume: np.ndarray,
    start: int,
    stop: int,
    origin: float,
    width: float,
    nb: int,
) -> np.ndarray:
    hist = np.zeros(nb)
    for j in range(start, stop):
        h, lo, v = high[j], low[j], volume[j]
        if np.isnan(h) or np.isnan(lo) or not v > 0.0:
            continue
        k0 = min(max(int(np.floor((lo - origin) / width)), 0), nb - 1)
        k1 = min(max(int(np.floor((h - origin) / width)), 0), nb - 1)
        if h <= lo or k0 == k1:
            hist[k0] += v
            continue
        # The last overlapping bin takes what the others left, so the bar's volume is kept
        # exactly: shares of a tiny (subnormal) volume would otherwise round to nothing.
        given = 0.0
        last = -1
        for k in range(k0, k1 + 1):
            overlap = min(h, origin + (k + 1) * width) - max(lo, origin + k * width)
            if overlap > 0.0:
                part = v * overlap / (h - lo)
                hist[k] += part
                given += part
                last = k
        hist[last if last >= 0 else k0] += v - given
    return hist


@njit(cache=True)
def _value_area_nb(hist: np.ndarray, share: float) -> tuple[int, int, int]:
    nb = hist.size
    total = hist.sum()
    if total <= 0.0:
        return -1, -1, -1
    poc = 0
    centre = (nb - 1) / 2.0
    for k in range(1, nb):
        if hist[k] > hist[poc] or (
            hist[k] == hist[poc] and abs(k - centre) < abs(poc - centre)
        ):
            poc = k
    lo = poc
    hi = poc
    acc = hist[poc]
    target = share * total * (1.0 - 1e-12)
    while acc < target and (lo > 0 or hi < nb - 1):
        up = -1.0
        if hi < nb - 1:
            up = hist[hi + 1] + (hist[hi + 2] if hi + 2 < nb else 0.0)
        dn = -1.0
        if lo > 0:
            dn = hist[lo - 1] + (hist[lo - 2] if lo - 2 >= 0 else 0.0)
        if up >= dn:
            step = min(2, nb - 1 - hi)
            acc += up
            hi += step
        if dn >= up:
            step = min(2, lo)
            acc += dn
            lo -= step
    return poc, lo, hi


@njit(cache=True)
def _developing_nb(
    high: np.ndarray,
    low: np.ndarray,
    volume: np.ndarray,
    starts: np.ndarray,
    n_bins: int,
    tick: float,
    share: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = high.size
    poc = np.full(n, np.nan)
    vah = np.full(n, np.nan)
    val = np.full(n, np.nan)
    first = -1
    for i in range(n):
        if starts[i]:
            first = i
        if first < 0:
            continue
        # The n_bins grid depends on the range so far, so the profile is rebuilt each bar.
        origin, width, nb = _grid_nb(high, low, first, i + 1, n_bins, tick)
        if nb == 0:
            continue
        hist = _histogram_nb(high, low, volume, first, i + 1, origin, width, nb)
        k, k_lo, k_hi = _value_area_nb(hist, share)
        if k < 0:
            continue
        poc[i] = origin + (k + 0.5) * width
        vah[i] = origin + (k_hi + 0.5) * width
        val[i] = origin + (k_lo + 0.5) * width
    return poc, vah, val


def _check_grid(n_bins: int, tick_size: float | None, value_area: float) -> float:
    check_period("n_bins", n_bins)
    if not 0.0 < value_area <= 1.0:
        raise ValueError(f"value_area must be in (0, 1], got {value_area!r}")
    if tick_size is None:
        return 0.0
    if not tick_size > 0.0:
        raise ValueError(f"tick_size must be positive, got {tick_size!r}")
    return float(tick_size)


def volume_profile(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    volume: npt.ArrayLike,
    n_bins: int = 24,
    tick_size: float | None = None,
    value_area: float = 0.70,
) -> VolumeProfile:
    """Build the volume profile of a fixed range: all the bars passed in.

    Slice the inputs to the range wanted. Binning, POC and value-area rules are in the
    module docstring.

    Parameters
    ----------
    high, low, volume : array_like
        Bar data of the range.
    n_bins : int, default 24
        Number of equal bins over the range's price span (ignored when `tick_size` is set).
    tick_size : float, optional
        Bin width, with bins centred on multiples of it.
    value_area : float, default 0.70
        Share of the volume the value area must hold.

    Returns
    -------
    VolumeProfile
        Bin centres, volume per bin, and POC, VAH, VAL (NaN when nothing traded).
    """
    tick = _check_grid(n_bins, tick_size, value_area)
    h, lo, v = as_floats(high, low, volume)
    origin, width, nb = _grid_nb(h, lo, 0, h.size, n_bins, tick)
    if nb == 0:
        return VolumeProfile(np.empty(0), np.empty(0), np.nan, np.nan, np.nan)
    hist = _histogram_nb(h, lo, v, 0, h.size, origin, width, nb)
    prices = origin + (np.arange(nb) + 0.5) * width
    k, k_lo, k_hi = _value_area_nb(hist, value_area)
    if k < 0:
        return VolumeProfile(prices, hist, np.nan, np.nan, np.nan)
    return VolumeProfile(prices, hist, prices[k], prices[k_hi], prices[k_lo])


def anchored_volume_profile(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    volume: npt.ArrayLike,
    anchor: int = 0,
    n_bins: int = 24,
    tick_size: float | None = None,
    value_area: float = 0.70,
) -> ProfileLevels:
    """Compute the developing POC and value area of the range that starts at bar `anchor`.

    The levels at bar ``i`` are those of `volume_profile` over bars ``anchor..i``, so the
    row at a range's last bar is that fixed range's profile. Cost grows with the square of
    the range length.

    Parameters
    ----------
    high, low, volume : array_like
        Bar data.
    anchor : int, default 0
        First bar of the range.
    n_bins, tick_size, value_area
        As in `volume_profile`.

    Returns
    -------
    ProfileLevels
        ``(poc, vah, val)`` arrays, NaN before the anchor and until volume trades.
    """
    tick = _check_grid(n_bins, tick_size, value_area)
    anchor = check_period("anchor", anchor, minimum=0)
    h, lo, v = as_floats(high, low, volume)
    starts = np.zeros(h.size, dtype=np.bool_)
    if anchor < h.size:
        starts[anchor] = True
    return ProfileLevels(*_developing_nb(h, lo, v, starts, n_bins, tick, value_area))


def session_volume_profile(
    high: npt.ArrayLike,
    low: npt.ArrayLike,
    volume: npt.ArrayLike,
    session: npt.ArrayLike,
    n_bins: int = 24,
    tick_size: float | None = None,
    value_area: float = 0.70,
) -> ProfileLevels:
    """Compute each session's developing POC and value area.

    The levels at bar ``i`` are those of `volume_profile` over the bars of ``i``'s session up
    to ``i``; the session's last bar carries the completed session profile.

    Parameters
    ----------
    high, low, volume : array_like
        Bar data.
    session : array_like
        Session id per bar (e.g. trading date as int64); the profile restarts where it changes.
    n_bins, tick_size, value_area
        As in `volume_profile`.

    Returns
    -------
    ProfileLevels
        ``(poc, vah, val)`` arrays, NaN until the session trades.
    """
    tick = _check_grid(n_bins, tick_size, value_area)
    h, lo, v = as_floats(high, low, volume)
    starts = session_starts(session, h.size)
    return ProfileLevels(*_developing_nb(h, lo, v, starts, n_bins, tick, value_area))
