"""Turn array-likes (numpy arrays, pandas Series, lists) into what the numba kernels take."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def as_float(x: npt.ArrayLike) -> np.ndarray:
    """Return `x` as a contiguous one-dimensional float64 array.

    Parameters
    ----------
    x : array_like
        Values; a pandas Series gives up its index here.

    Returns
    -------
    numpy.ndarray
        The values as float64.
    """
    arr = np.ascontiguousarray(np.asarray(x, dtype=np.float64))
    if arr.ndim != 1:
        raise ValueError(f"expected a one-dimensional array, got shape {arr.shape}")
    return arr


def as_floats(*xs: npt.ArrayLike) -> tuple[np.ndarray, ...]:
    """Return every input as float64 (see `as_float`) after checking they have one length.

    Parameters
    ----------
    *xs : array_like
        Equally long series.

    Returns
    -------
    tuple of numpy.ndarray
        The inputs as float64, in order.
    """
    arrays = tuple(as_float(x) for x in xs)
    if len({a.size for a in arrays}) > 1:
        raise ValueError(f"inputs differ in length: {[a.size for a in arrays]}")
    return arrays


def session_starts(session: npt.ArrayLike, n: int) -> np.ndarray:
    """Mark the bars that open a new session: the first bar and each change of session id.

    Parameters
    ----------
    session : array_like
        Session id per bar (e.g. the trading date as int64 or datetime64); any dtype that
        supports ``!=``. Only changes matter, so ids need not be sorted or unique over time.
    n : int
        Expected length.

    Returns
    -------
    numpy.ndarray
        Boolean array, True at each session's first bar.
    """
    ids = np.asarray(session)
    if ids.shape != (n,):
        raise ValueError(f"session has shape {ids.shape}, expected ({n},)")
    starts = np.ones(n, dtype=np.bool_)
    if n > 1:
        starts[1:] = ids[1:] != ids[:-1]
    return starts


def check_period(name: str, value: int, minimum: int = 1) -> int:
    """Return `value` as int after checking it is at least `minimum`.

    Parameters
    ----------
    name : str
        Parameter name, for the error message.
    value : int
        The period.
    minimum : int, default 1
        Smallest allowed value.

    Returns
    -------
    int
        The period.
    """
    if int(value) != value or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)
