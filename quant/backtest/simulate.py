"""Signal-mode backtest: a target position per bar in, equity, trades and statistics out.

``simulate`` is the pandas layer over the numba kernel in `_nb_signal`. In this mode it
reproduces backtesting.py 0.6.6 exactly for a strategy that, whenever its target changes,
calls ``position.close()`` and then ``buy()`` or ``sell()`` with the default size: market
orders decided at a bar's close fill at the next bar's open, in whole shares, paying the
commission on entry and again on exit. See docs/backtest.md.
"""

from __future__ import annotations

import sys
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from quant.backtest import _nb_signal as nb
from quant.backtest.stats import compute_stats

__all__ = ["BacktestResult", "simulate"]

Fill = Literal["next_open", "close"]

# backtesting.py's default order size: "all of the equity" as a fraction just below 1, so
# that it takes the fraction-of-equity branch. Using the same double keeps sizes identical.
ALL_IN = 1.0 - sys.float_info.epsilon

TRADE_COLUMNS = (
    "size",
    "entry_bar",
    "exit_bar",
    "entry_price",
    "exit_price",
    "pnl",
    "return_pct",
    "entry_time",
    "exit_time",
    "duration",
    "commission",
    "is_open",
)


@dataclass(frozen=True, eq=False)
class BacktestResult:
    """Outcome of `simulate`; immutable, with statistics computed on first access.

    Attributes
    ----------
    equity : pandas.Series or pandas.DataFrame
        Cash plus the open position marked at each bar's close (one column per portfolio
        when the target is two-dimensional).
    position : pandas.Series or pandas.DataFrame
        Signed shares held at each bar's close.
    trades : pandas.DataFrame
        One row per trade in time order: ``size`` (signed shares), ``entry_bar``,
        ``exit_bar``, ``entry_price``, ``exit_price``, ``pnl`` (net of both commissions),
        ``return_pct`` (net, relative to the entry value), ``entry_time``, ``exit_time``,
        ``duration``, ``commission`` (entry plus exit) and ``is_open``. A trade still open
        at the end is the column's last row, marked to the last close (``exit_*`` are the
        last bar's) and net of its entry commission only. Multi-column results lead with
        a ``symbol`` column naming the portfolio.
    close : pandas.Series or pandas.DataFrame
        Close prices per portfolio, for the buy-and-hold benchmark.
    first_bar : numpy.ndarray
        Per portfolio, the first bar with a known (non-NaN) target, where buy and hold
        starts.
    cash : float
        Starting cash.
    """

    equity: pd.Series | pd.DataFrame
    position: pd.Series | pd.DataFrame
    trades: pd.DataFrame
    close: pd.Series | pd.DataFrame = field(repr=False)
    first_bar: np.ndarray = field(repr=False)
    cash: float = 10_000.0

    @cached_property
    def stats(self) -> Mapping[str, Any] | Mapping[Hashable, Mapping[str, Any]]:
        """Return the statistics (see `quant.backtest.stats.compute_stats`).

        One mapping for a single portfolio; for several, a mapping from each column
        label to its own statistics.
        """
        if isinstance(self.equity, pd.Series):
            return compute_stats(
                self.equity,
                self.trades,
                self.close,
                first_bar=int(self.first_bar[0]),
                cash=self.cash,
            )
        groups = dict(tuple(self.trades.groupby("symbol", sort=False)))
        empty = self.trades.iloc[:0]
        out = {}
        for k, label in enumerate(self.equity.columns):
            close = self.close if isinstance(self.close, pd.Series) else self.close[label]
            out[label] = compute_stats(
                self.equity[label],
                groups.get(label, empty),
                close,
                first_bar=int(self.first_bar[k]),
                cash=self.cash,
            )
        return MappingProxyType(out)


def simulate(
    ohlcv: pd.DataFrame,
    target: npt.ArrayLike | pd.Series | pd.DataFrame,
    *,
    cash: float = 10_000.0,
    commission: float = 0.0,
    fill: Fill = "next_open",
    size: Literal["all_in"] | float | int = "all_in",
) -> BacktestResult:
    """Backtest a target position decided at each bar's close.

    Whenever the target's direction differs from the position held, close the position
    and, unless the target is 0, open one in the target's direction (stop and reverse).
    Each column is an independent portfolio holding at most one trade.

    Parameters
    ----------
    ohlcv : pandas.DataFrame
        Bars on a DatetimeIndex with ``Open`` and ``Close`` columns in any letter case
        (High, Low and Volume are not used in this mode). For several instruments, use
        two column levels: field, then symbol (``ohlcv["Close"]`` is bars x symbols).
    target : array_like, pandas.Series or pandas.DataFrame
        Desired direction per bar: -1 short, 0 flat, +1 long, NaN no order. A Series or
        DataFrame must share ``ohlcv``'s index. Two-dimensional targets run one portfolio
        per column: on their own symbol (columns named like ``ohlcv``'s symbols) or, with
        single-instrument ``ohlcv``, all on the same prices (a parameter sweep).
    cash : float, default 10_000
        Starting cash of each portfolio.
    commission : float, default 0
        Fraction of traded value paid on every fill, entry and exit alike.
    fill : {"next_open", "close"}, default "next_open"
        ``"next_open"`` fills at the next bar's open (backtesting.py's default);
        ``"close"`` fills at the deciding bar's close, booked in that bar's equity.
    size : "all_in", float or int, default "all_in"
        Shares per entry: ``"all_in"`` spends all the equity (backtesting.py's default),
        a float in (0, 1) that fraction of equity, an int a fixed number of shares.
        Shares are whole; an entry that the cash cannot pay for is skipped.

    Returns
    -------
    BacktestResult
        Equity, position, trades and (lazily) statistics.
    """
    if not isinstance(ohlcv, pd.DataFrame) or not isinstance(ohlcv.index, pd.DatetimeIndex):
        raise TypeError("ohlcv must be a DataFrame on a DatetimeIndex")
    if not cash > 0:
        raise ValueError(f"cash must be positive, got {cash}")
    if not 0.0 <= commission < 1.0:
        raise ValueError(f"commission must be a fraction in [0, 1), got {commission}")
    if fill not in ("next_open", "close"):
        raise ValueError(f"fill must be 'next_open' or 'close', got {fill!r}")
    size_value = _size_value(size)
    open_, close, tgt, labels = _align(ohlcv, target)

    equity, position, records = nb.simulate_signals(
        open_, close, tgt, float(cash), float(commission), fill == "close", size_value
    )
    # Back to bars x columns: transposed views, no copies.
    equity, position, close, tgt = equity.T, position.T, close.T, tgt.T
    index = ohlcv.index
    trades = _trades_frame(records, index, labels)
    known = ~np.isnan(tgt)
    first_bar = np.where(known.any(axis=0), known.argmax(axis=0), 0)
    if labels is None:
        return BacktestResult(
            equity=pd.Series(equity[:, 0], index=index, name="equity"),
            position=pd.Series(position[:, 0], index=index, name="position"),
            trades=trades,
            close=pd.Series(close[:, 0], index=index, name="close"),
            first_bar=first_bar,
            cash=float(cash),
        )
    shared = close.shape[1] == 1
    return BacktestResult(
        equity=pd.DataFrame(equity, index=index, columns=labels),
        position=pd.DataFrame(position, index=index, columns=labels),
        trades=trades,
        close=(
            pd.Series(close[:, 0], index=index, name="close")
            if shared
            else pd.DataFrame(close, index=index, columns=labels)
        ),
        first_bar=first_bar,
        cash=float(cash),
    )


def _size_value(size: object) -> float:
    """Return the kernel's size code: a fraction below 1, whole shares from 1 up."""
    if isinstance(size, str):
        if size != "all_in":
            raise ValueError(f"size must be 'all_in', a fraction or a share count, got {size!r}")
        return ALL_IN
    if isinstance(size, bool) or not isinstance(size, int | float | np.integer | np.floating):
        raise TypeError(f"size must be 'all_in', a float or an int, got {type(size).__name__}")
    if isinstance(size, int | np.integer):
        if size < 1:
            raise ValueError(f"a share count must be at least 1, got {size}")
        return float(size)
    if not 0.0 < size < 1.0:
        # 1.0 would read as one share in backtesting.py; ask for the meaning explicitly.
        raise ValueError(
            f"a fractional size must lie in (0, 1); use 'all_in' or an int, got {size}"
        )
    return float(size)


def _price_field(ohlcv: pd.DataFrame, name: str) -> pd.DataFrame | pd.Series:
    """Return the ``name`` column(s) of ``ohlcv``, matching the field in any letter case."""
    fields = ohlcv.columns.get_level_values(0)
    matches = [f for f in dict.fromkeys(fields) if str(f).lower() == name]
    if len(matches) != 1:
        raise KeyError(f"ohlcv needs exactly one {name!r} column (any case), found {matches}")
    return ohlcv[matches[0]]


def _align(
    ohlcv: pd.DataFrame, target: npt.ArrayLike | pd.Series | pd.DataFrame
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Hashable] | None]:
    """Return open, close and target as C-ordered (columns, bars) float64 arrays.

    The kernel wants each portfolio's bars contiguous. The column labels are None for a
    single portfolio. Prices keep one row when one instrument is shared by every target
    column.
    """
    n = len(ohlcv)
    open_, close = _price_field(ohlcv, "open"), _price_field(ohlcv, "close")
    multi = isinstance(close, pd.DataFrame)
    if isinstance(target, pd.Series | pd.DataFrame) and not target.index.equals(ohlcv.index):
        raise ValueError("target's index differs from ohlcv's; align it first")
    labels: list[Hashable] | None = None
    if isinstance(target, pd.DataFrame):
        labels = list(target.columns)
        if multi:
            if set(labels) != set(close.columns) or len(labels) != close.shape[1]:
                raise ValueError("target's columns must name ohlcv's symbols, once each")
            if list(close.columns) != labels:  # reorder only when needed: it copies
                open_, close = open_[labels], close[labels]
        tgt = target.to_numpy(dtype=np.float64)
    else:
        tgt = np.asarray(target, dtype=np.float64)
        if tgt.ndim == 2:
            labels = list(close.columns) if multi else list(range(tgt.shape[1]))
        elif tgt.ndim == 1 and not multi:
            tgt = tgt[:, None]
        else:
            raise ValueError(f"target must be 1-D or 2-D (bars x symbols), got shape {tgt.shape}")
    if tgt.shape[0] != n or (multi and tgt.shape[1] != close.shape[1]):
        raise ValueError(f"target has shape {tgt.shape}, ohlcv has {n} bars")
    # A DataFrame's values are usually F-ordered already, so these transposes are free.
    o = np.ascontiguousarray(np.asarray(open_, dtype=np.float64).reshape(n, -1).T)
    c = np.ascontiguousarray(np.asarray(close, dtype=np.float64).reshape(n, -1).T)
    return o, c, np.ascontiguousarray(tgt.T), labels


def _trades_frame(
    records: np.ndarray, index: pd.DatetimeIndex, labels: list[Hashable] | None
) -> pd.DataFrame:
    """Return the kernel's trade records as the public trades table."""
    entry_bar = records[nb.ENTRY_BAR].astype(np.int64)
    exit_bar = records[nb.EXIT_BAR].astype(np.int64)
    entry_time = index[entry_bar]
    exit_time = index[exit_bar]
    data: dict[str, Any] = {
        "size": records[nb.SIZE].astype(np.int64),
        "entry_bar": entry_bar,
        "exit_bar": exit_bar,
        "entry_price": records[nb.ENTRY_PRICE],
        "exit_price": records[nb.EXIT_PRICE],
        "pnl": records[nb.PNL],
        "return_pct": records[nb.RETURN] * 100.0,
        "entry_time": entry_time,
        "exit_time": exit_time,
        "duration": exit_time - entry_time,
        "commission": records[nb.COMMISSION],
        "is_open": records[nb.IS_OPEN] == 1.0,
    }
    frame = pd.DataFrame(data, columns=list(TRADE_COLUMNS))
    if labels is not None:
        col = records[nb.COL].astype(np.int64)
        names = np.empty(len(labels), dtype=object)
        names[:] = labels  # element-wise, so tuple labels stay tuples
        frame.insert(0, "symbol", names[col])
    return frame
