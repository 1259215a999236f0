"""A small harvested warehouse for research tests: synthetic instruments and daily bars."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from harvest import contracts as c
from harvest.synthetic.source import SyntheticSource
from warehouse import Warehouse

AS_OF = date(2026, 11, 20)
START = date(2025, 6, 2)
SYMBOLS = ["US.SPY", "US.AAPL", "US.MSFT", "US.NVDA", "US.JPM", "US.XOM", "FX.EURUSD",
           "FX.USDJPY"]


def build_warehouse(path: Path, long_history: tuple[str, ...] = ()) -> Warehouse:
    """Write the instrument master and daily bars of ``SYMBOLS`` to a new warehouse.

    Bars start at ``START``, those of ``long_history`` at the synthetic market's epoch.
    """
    src = SyntheticSource(seed=11, as_of=AS_OF, intraday_days=0, depth_days=0)
    wh = Warehouse(path)
    wh.ensure()
    wh.replace(c.INSTRUMENTS, src.fetch(c.INSTRUMENTS, symbols=SYMBOLS))
    short = [s for s in SYMBOLS if s not in long_history]
    frames = [src.fetch(c.DAILY_BARS, symbols=short, start=START, end=AS_OF)]
    if long_history:
        frames.append(src.fetch(c.DAILY_BARS, symbols=list(long_history), end=AS_OF))
    wh.replace(c.DAILY_BARS, pd.concat(frames, ignore_index=True))
    return wh
