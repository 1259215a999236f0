"""Market inputs of the gate: per-symbol price, ATR, ADV, sector, beta; returns for correlation.

The caller computes these from bars (:func:`symbol_data_from_bars` does it with
``quant.indicators.talib_api.atr``) as of the decision time; the gate only reads them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from quant.indicators.talib_api import atr as talib_atr


@dataclass(frozen=True, slots=True)
class SymbolData:
    """What the gate needs to know of one symbol.

    Parameters
    ----------
    price
        Last price (values held positions).
    atr
        Current ATR in price units (``measure`` of the strategy, ATR(14) by default).
    adv
        Average daily volume in shares (the liquidity check's base).
    sector
        Sector label; an empty label is a sector of its own (all unlabelled symbols share
        one cap, which errs on the safe side).
    beta
        Beta to the market index (beta neutrality); 1.0 when unknown.
    atr_mean, atr_std
        Mean and standard deviation of the ATR over a recent window that ends before the
        current value (the ATR-expansion cut); None skips the cut.
    lot_size
        Orders are whole multiples of it.
    """

    price: float
    atr: float
    adv: float
    sector: str = ""
    beta: float = 1.0
    atr_mean: float | None = None
    atr_std: float | None = None
    lot_size: int = 1

    def problems(self) -> list[str]:
        """Return what makes this record unusable for an entry (empty when it is fine)."""
        out = [
            f"{name} is {value!r}"
            for name, value in (("price", self.price), ("atr", self.atr), ("adv", self.adv))
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0)
        ]
        if not math.isfinite(self.beta):
            out.append(f"beta is {self.beta!r}")
        if not (isinstance(self.lot_size, int) and self.lot_size >= 1):
            out.append(f"lot_size is {self.lot_size!r}")
        return out

    def atr_zscore(self) -> float | None:
        """Return how many standard deviations the ATR sits above its recent mean, if known."""
        if self.atr_mean is None or self.atr_std is None:
            return None
        if not (math.isfinite(self.atr_mean) and math.isfinite(self.atr_std)):
            return None
        if self.atr_std <= 0:
            return None
        return (self.atr - self.atr_mean) / self.atr_std


@dataclass(frozen=True, slots=True)
class MarketContext:
    """Market data for one gate call.

    Parameters
    ----------
    symbols
        Symbol -> :class:`SymbolData`; a proposal for a symbol missing here is rejected as
        unknown. Held positions should be listed too (sector, beta, price).
    returns
        Periodic returns, dates (ascending) x symbols, for the correlation limit; None when
        unavailable. A pair without a correlation counts as correlated (``docs/risk.md``).
    """

    symbols: Mapping[str, SymbolData]
    returns: pd.DataFrame | None = field(default=None)

    def correlations(self, window: int, min_periods: int) -> pd.DataFrame:
        """Return the correlation matrix of the last ``window`` rows of returns.

        Pairs with fewer than ``min_periods`` common observations are NaN.
        """
        if self.returns is None or self.returns.empty:
            return pd.DataFrame(dtype=float)
        tail = self.returns.tail(window).astype(float)
        tail = tail.replace([np.inf, -np.inf], np.nan)
        return tail.corr(min_periods=min_periods)


def returns_from_closes(closes: pd.DataFrame) -> pd.DataFrame:
    """Return simple returns of a dates x symbols frame of closes (first row dropped)."""
    return closes.sort_index().pct_change(fill_method=None).iloc[1:]


def symbol_data_from_bars(
    bars: pd.DataFrame,
    *,
    sector: str = "",
    beta: float = 1.0,
    atr_period: int = 14,
    adv_window: int = 20,
    atr_baseline: int = 50,
    lot_size: int = 1,
) -> SymbolData:
    """Return a symbol's :class:`SymbolData` from its daily bars up to the decision.

    Parameters
    ----------
    bars
        Columns ``high``, ``low``, ``close``, ``volume``, oldest first; the last row is the
        last closed bar.
    sector, beta, lot_size
        Passed through.
    atr_period
        ATR length (TA-Lib ATR, Wilder smoothing).
    adv_window
        Bars averaged for the ADV.
    atr_baseline
        Bars of ATR before the last one whose mean and standard deviation are the baseline
        of the ATR-expansion cut (the last value is left out so a spike does not lift its
        own baseline).
    """
    values = talib_atr(bars["high"], bars["low"], bars["close"], timeperiod=atr_period)
    last = float(values[-1]) if len(values) else math.nan
    history = values[:-1][-atr_baseline:]
    history = history[np.isfinite(history)]
    mean = float(history.mean()) if len(history) >= 2 else None
    std = float(history.std(ddof=1)) if len(history) >= 2 else None
    adv = float(pd.to_numeric(bars["volume"]).tail(adv_window).mean())
    return SymbolData(
        price=float(bars["close"].iloc[-1]),
        atr=last,
        adv=adv,
        sector=sector,
        beta=beta,
        atr_mean=mean,
        atr_std=std,
        lot_size=lot_size,
    )
