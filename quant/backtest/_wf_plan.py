"""Walk-forward window plans: in-sample windows and the out-of-sample windows that follow them.

Lengths are bar counts (``250`` or ``"250_bars"``) or calendar spans (``"90D"``, ``"26W"``,
``"12M"``, ``"2Y"``). Out-of-sample window ``k`` holds the bars from boundary ``b_k`` up to,
not including, ``b_{k+1}``, where ``b_0`` is one in-sample length after the first bar and
each later boundary one out-of-sample length (the step) after the first:
``b_k = b_0 + k x out_of_sample``. Its in-sample window ends on the bar before ``b_k`` and
starts one in-sample length earlier (``rolling``) or at the first bar (``expanding``).
So no out-of-sample window overlaps its in-sample window, and the out-of-sample windows
tile the tested span ``[b_0, last bar]`` with neither gaps nor overlaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["Length", "Scheme", "Window", "parse_length", "plan_windows"]

Length = int | str
Scheme = Literal["rolling", "expanding"]
_CALENDAR = re.compile(r"^(\d+)([DWMY])$")
_BARS = re.compile(r"^(\d+)_bars?$")


def parse_length(value: Length) -> int | pd.DateOffset:
    """Return a window length as a bar count (int) or a calendar offset.

    Parameters
    ----------
    value : int or str
        ``250`` or ``"250_bars"`` (bars); ``"90D"``, ``"26W"``, ``"12M"``, ``"2Y"``
        (calendar days, weeks, months, years).

    Raises
    ------
    ValueError
        When the length is not positive or not in one of these forms.
    """
    if isinstance(value, bool):
        raise ValueError(f"a window length must be a bar count or like '12M', got {value!r}")
    if isinstance(value, int | np.integer):
        if value <= 0:
            raise ValueError(f"a window length must be positive, got {value}")
        return int(value)
    text = str(value).strip()
    bars = _BARS.match(text)
    cal = _CALENDAR.match(text.upper())
    if bars and int(bars.group(1)) > 0:
        return int(bars.group(1))
    if cal and int(cal.group(1)) > 0:
        n, unit = int(cal.group(1)), cal.group(2)
        kwargs = {"D": "days", "W": "weeks", "M": "months", "Y": "years"}
        return pd.DateOffset(**{kwargs[unit]: n})
    raise ValueError(
        f"window length {value!r}: use a bar count (250, '250_bars') or a calendar span "
        "('90D', '26W', '12M', '2Y')"
    )


@dataclass(frozen=True)
class Window:
    """One walk-forward step: an in-sample window and the out-of-sample window after it.

    Times are inclusive bar timestamps; ``*_pos`` are positions on the planned index,
    ``*_stop`` one past the last bar (Python slice ends).

    Attributes
    ----------
    index : int
        Position of the window in the plan, from 0.
    is_start, is_end, oos_start, oos_end : pandas.Timestamp
        First and last bar of the in-sample and out-of-sample windows.
    is_pos, is_stop, oos_pos, oos_stop : int
        The same windows as positions on the planned index.
    oos_times : pandas.DatetimeIndex
        The out-of-sample bars (to mark a window that stays in cash).
    """

    index: int
    is_start: pd.Timestamp
    is_end: pd.Timestamp
    oos_start: pd.Timestamp
    oos_end: pd.Timestamp
    is_pos: int
    is_stop: int
    oos_pos: int
    oos_stop: int
    oos_times: pd.DatetimeIndex = field(compare=False, repr=False)

    @property
    def is_bars(self) -> int:
        """Return the number of in-sample bars."""
        return self.is_stop - self.is_pos

    @property
    def oos_bars(self) -> int:
        """Return the number of out-of-sample bars."""
        return self.oos_stop - self.oos_pos


def _advance(index: pd.DatetimeIndex, pos: int, length: int | pd.DateOffset, k: int = 1) -> int:
    """Return the position ``k`` lengths after bar ``pos`` (may exceed the last bar)."""
    if isinstance(length, int):
        return pos + k * length
    if pos >= len(index):
        return len(index) + 1
    return int(index.searchsorted(index[pos] + length * k, side="left"))


def plan_windows(
    index: pd.DatetimeIndex,
    *,
    in_sample: Length,
    out_of_sample: Length,
    step: Length | None = None,
    scheme: Scheme = "rolling",
    partial: bool = True,
) -> list[Window]:
    """Plan walk-forward windows on a sorted index of bars or trading days.

    Parameters
    ----------
    index : pandas.DatetimeIndex
        The bars, strictly increasing.
    in_sample : int or str
        In-sample length (see :func:`parse_length`).
    out_of_sample : int or str
        Out-of-sample length: each window tests this span, then the plan steps by it.
    step : int or str, optional
        How far consecutive windows advance; it must equal ``out_of_sample`` (the default),
        since only then do the out-of-sample windows tile the tested span.
    scheme : {"rolling", "expanding"}, default "rolling"
        ``rolling`` keeps the in-sample length fixed; ``expanding`` starts every in-sample
        window at the first bar.
    partial : bool, default True
        Keep a last out-of-sample window shorter than ``out_of_sample``; when False the
        tested span ends with the last full window.

    Returns
    -------
    list of Window
        In time order; empty when the data is shorter than one in-sample window plus a bar.
    """
    if not isinstance(index, pd.DatetimeIndex):
        raise TypeError("index must be a DatetimeIndex")
    if len(index) > 1 and not (np.diff(index.asi8) > 0).all():
        raise ValueError("index must be strictly increasing")
    if scheme not in ("rolling", "expanding"):
        raise ValueError(f"scheme must be 'rolling' or 'expanding', got {scheme!r}")
    is_len, oos_len = parse_length(in_sample), parse_length(out_of_sample)
    if step is not None and parse_length(step) != oos_len:
        raise ValueError(
            f"step {step!r} differs from out_of_sample {out_of_sample!r}: the out-of-sample "
            "windows would overlap or leave gaps"
        )
    n = len(index)
    if n == 0:
        return []
    first = _advance(index, 0, is_len)
    windows: list[Window] = []
    k = 0
    while first < n:
        # Every boundary is measured from the first one, so calendar steps do not drift
        # (31 Jan + 1M + 1M would land on 28 Mar; 31 Jan + 2M is 31 Mar).
        start = first if k == 0 else _advance(index, first, oos_len, k)
        if start >= n:
            break
        stop = _advance(index, first, oos_len, k + 1)
        if stop > n and not partial:
            break
        stop = min(stop, n)
        if stop > start:  # a calendar step over a holiday span may hold no bar at all
            if scheme == "expanding":
                is_pos = 0
            elif isinstance(is_len, int):
                is_pos = start - is_len
            else:
                is_pos = int(index.searchsorted(index[start] - is_len, side="left"))
            windows.append(
                Window(
                    index=len(windows),
                    is_start=index[is_pos],
                    is_end=index[start - 1],
                    oos_start=index[start],
                    oos_end=index[stop - 1],
                    is_pos=is_pos,
                    is_stop=start,
                    oos_pos=start,
                    oos_stop=stop,
                    oos_times=index[start:stop],
                )
            )
        k += 1
    return windows
