"""Numba kernel of the signal-mode backtest: one pass over the bars of each column.

Every column is an independent portfolio that holds at most one trade. Each bar the
pending order (decided at the previous close) fills at the open, the equity is marked at
the close, and the bar's target is compared with the position held. The arithmetic
follows backtesting.py 0.6.6 operation by operation (same operands, same order) so that
sizes, cash and equity agree with it to the last bit, not just to rounding.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Trade record fields: one row per field and one column per trade, so that each field is
# contiguous for the pandas layer; float64 holds bars and sizes exactly.
N_FIELDS = 10
COL, SIZE, ENTRY_BAR, EXIT_BAR, ENTRY_PRICE, EXIT_PRICE, COMMISSION, PNL, RETURN, IS_OPEN = range(
    N_FIELDS
)
# Above 2**53 a share count is no longer exact in float64 (and int64 overflows later).
MAX_SHARES = 2.0**53


@njit(cache=True, nogil=True)
def _grow(records: np.ndarray, count: int) -> np.ndarray:
    """Return ``records`` with room for one more row, doubling the buffer when full."""
    if count < records.shape[1]:
        return records
    bigger = np.empty((N_FIELDS, 2 * records.shape[1]))
    # Element loops: numba compiles 2-D slice assignment very slowly (seconds).
    for k in range(count):
        for f in range(N_FIELDS):
            bigger[f, k] = records[f, k]
    return bigger


@njit(cache=True, nogil=True)
def _trade_return(size: int, entry: float, price: float, commissions: float) -> float:
    """Return the trade's return as a fraction of its entry value, net of ``commissions``."""
    direction = 1.0 if size > 0 else -1.0
    return direction * (price / entry - 1.0) - commissions / (abs(size) * entry)


@njit(cache=True, nogil=True)
def _record(
    records: np.ndarray,
    count: int,
    col: int,
    size: int,
    entry_bar: int,
    exit_bar: int,
    entry_price: float,
    exit_price: float,
    commissions: float,
    is_open: float,
) -> tuple[np.ndarray, int]:
    """Append one trade (P&L and return net of ``commissions``); return records and count."""
    records = _grow(records, count)
    k = count
    records[COL, k] = col
    records[SIZE, k] = size
    records[ENTRY_BAR, k] = entry_bar
    records[EXIT_BAR, k] = exit_bar
    records[ENTRY_PRICE, k] = entry_price
    records[EXIT_PRICE, k] = exit_price
    records[COMMISSION, k] = commissions
    records[PNL, k] = size * (exit_price - entry_price) - commissions
    records[RETURN, k] = _trade_return(size, entry_price, exit_price, commissions)
    records[IS_OPEN, k] = is_open  # 1.0 or 0.0: a bool literal would compile twice
    return records, count + 1


@njit(cache=True, nogil=True)
def _order_size(cash: float, price: float, commission: float, size_value: float) -> int:
    """Return the whole shares an entry buys at ``price``, or 0 when the broker refuses it.

    ``size_value`` below 1 is a fraction of equity: shares = floor(equity * fraction /
    (price + commission per share)), with the commission per share computed as
    ``fraction * price * commission / fraction``, since backtesting.py divides the
    commission on the order's nominal size by that size and the rounding differs from
    ``price * commission`` in the last bit. From 1 up it is a number of shares. Either
    way the order is refused when its cost exceeds the cash, as backtesting.py's margin
    check does (with no trade open the margin available is the cash).
    """
    margin = max(0.0, cash)
    per_share = price + (size_value * price * commission) / size_value
    if size_value < 1.0:
        # Python-style float floor division, as backtesting.py computes it.
        whole = (margin * 1.0 * size_value) // per_share
        if whole > MAX_SHARES:
            raise ValueError("order size exceeds 2**53 shares: equity has run away")
        shares = int(whole)
        if shares == 0:
            return 0
    else:
        shares = int(size_value)
    if shares * per_share > margin * 1.0:
        return 0
    return shares


@njit(cache=True, nogil=True)
def _simulate_column(
    open_: np.ndarray,
    close: np.ndarray,
    target: np.ndarray,
    col: int,
    cash: float,
    commission: float,
    on_close: bool,
    size_value: float,
    equity_out: np.ndarray,
    position_out: np.ndarray,
    records: np.ndarray,
    count: int,
) -> tuple[np.ndarray, int]:
    """Run one column; write its equity and position, append its trades to ``records``."""
    n = close.shape[0]
    # Integers start as np.int64(0), not 0: a literal 0 makes numba compile every helper
    # once more for Literal[int](0) arguments, which doubles the cold compile time.
    pos = np.int64(0)  # signed shares held
    entry_price = 0.0
    entry_bar = np.int64(0)
    entry_comm = 0.0
    pending = False  # an order decided at the previous close waits for this bar's open
    pending_dir = np.int64(0)
    for i in range(n):
        t = target[i]
        if not np.isnan(t) and t != 1.0 and t != -1.0 and t != 0.0:
            raise ValueError("target values must be -1, 0, +1 or NaN")
        if np.isnan(close[i]):
            raise ValueError("Close has NaN")
        # Two passes at most: the pending fill at the open, then (fill="close") the fill
        # decided at this close. Both share the stop-and-reverse logic below.
        for step in range(2):
            if step == 0:
                if not pending:
                    continue
                price = open_[i]
                if np.isnan(price):
                    raise ValueError("Open has NaN where an order fills")
                want = pending_dir
                pending = False
            else:
                if not on_close or np.isnan(t):
                    continue
                want = int(t)
                held = 1 if pos > 0 else (-1 if pos < 0 else 0)
                if want == held:
                    continue
                price = close[i]
            if pos != 0:
                # Exit commission first, then cash += (P&L - exit commission), in that order.
                exit_comm = abs(pos) * price * commission
                cash = cash + (pos * (price - entry_price) - exit_comm)
                records, count = _record(
                    records,
                    count,
                    col,
                    pos,
                    entry_bar,
                    i,
                    entry_price,
                    price,
                    exit_comm + entry_comm,
                    0.0,
                )
                pos = np.int64(0)
            if want != 0:
                shares = _order_size(cash, price, commission, size_value)
                if shares > 0:
                    pos = shares * want
                    entry_price = price
                    entry_bar = i
                    entry_comm = abs(pos) * price * commission
                    cash -= entry_comm
        equity = cash if pos == 0 else cash + (close[i] * pos - pos * entry_price)
        if equity <= 0.0:
            # Out of money: close at this close, book zero equity from here on, stop.
            if pos != 0:
                both = abs(pos) * close[i] * commission + entry_comm
                records, count = _record(
                    records, count, col, pos, entry_bar, i, entry_price, close[i], both, 0.0
                )
            for j in range(i, n):
                equity_out[j] = 0.0
                position_out[j] = 0
            return records, count
        equity_out[i] = equity
        position_out[i] = pos
        if not on_close and not np.isnan(t):
            held = 1 if pos > 0 else (-1 if pos < 0 else 0)
            if int(t) != held:
                pending = True
                pending_dir = int(t)
    if pos != 0:
        # The trade still open is marked to the last close, net of its entry commission.
        records, count = _record(
            records,
            count,
            col,
            pos,
            entry_bar,
            n - 1,
            entry_price,
            close[n - 1],
            entry_comm,
            1.0,
        )
    return records, count


@njit(cache=True, nogil=True)
def simulate_signals(
    open_: np.ndarray,
    close: np.ndarray,
    target: np.ndarray,
    cash: float,
    commission: float,
    on_close: bool,
    size_value: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate every row of ``target`` as an independent portfolio.

    Arrays are laid out one row per portfolio (columns x bars, C order), so that each
    portfolio's bars are contiguous and every call shares one compiled signature.

    Parameters
    ----------
    open_, close : numpy.ndarray
        Prices, shape (columns, bars), or (1, bars) to share one instrument among all
        target rows.
    target : numpy.ndarray
        Desired direction (-1, 0, +1; NaN = no order) decided at each bar's close,
        shape (columns, bars).
    cash : float
        Starting cash of each portfolio.
    commission : float
        Fraction of traded value charged on every fill (entry and exit).
    on_close : bool
        Fill at the deciding bar's close instead of the next bar's open.
    size_value : float
        Below 1: fraction of equity per entry; from 1 up: whole shares per entry.

    Returns
    -------
    equity : numpy.ndarray
        Equity at each bar's close, shape (columns, bars).
    position : numpy.ndarray
        Signed shares held after each bar, int64, shape (columns, bars).
    records : numpy.ndarray
        Trades, shape (fields, trades): one row per field (this module's constants), one
        column per trade, portfolios in order and trades in time order within one; a
        portfolio's open trade comes last.
    """
    m, n = target.shape
    shared = close.shape[0] == 1
    equity = np.empty((m, n))
    position = np.empty((m, n), dtype=np.int64)
    records = np.empty((N_FIELDS, max(64, n * m // 8)))
    count = np.int64(0)
    for c in range(m):
        p = 0 if shared else c
        records, count = _simulate_column(
            open_[p],
            close[p],
            target[c],
            c,
            cash,
            commission,
            on_close,
            size_value,
            equity[c],
            position[c],
            records,
            count,
        )
    out = np.empty((N_FIELDS, count))
    for k in range(count):
        for f in range(N_FIELDS):
            out[f, k] = records[f, k]
    return equity, position, out
