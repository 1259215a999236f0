"""Numba twin of the engine's per-trade bookkeeping: `_trade.Trade`, `exits`, `sizing`.

Trades are rows of a structured array (`TRADE_DTYPE`); a trade's optional levels are NaN
when unset, as in the Python `Trade`. Each function mirrors one Python function operation by
operation so the compiled loop (`_nb_loop`) stays bit-identical to `core._Loop`.
Intrusive linked lists keep each column's live trades and open orders in insertion order.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from quant.backtest.engine._nb_fills import pmax, pmin
from quant.backtest.engine._nb_layout import (
    X_CHAND,
    X_FRACTION,
    X_MAX_RISK,
    X_RISK_FRACTION,
    X_TP,
    X_TRAIL_ACT,
    X_TRAIL_ATR,
    XI_CHAND,
    XI_MAX_RISK,
    XI_METHOD,
    XI_SHARES,
    XI_TIGHTEN,
    XI_TIME,
    XI_TIME_BARS,
    XI_TP,
    XI_TRAIL,
    ic,
)

# Exit reasons: 1 + the index in `exits.EXIT_REASONS`; 0 is "none yet".
TAKE_PROFIT, TRAILING_STOP, STOP_LOSS, TIME_STOP = 1, 2, 3, 4
CHANDELIER, SIGNAL_EXIT, END_OF_DATA, MARGIN_CALL = 5, 6, 7, 8
# Refusal notes of `sizing.size_entry` (the rejection reasons of orders are 100 + reason).
N_NONE, N_REDUCED, N_TIGHTENED, N_BUYING_POWER, N_BELOW_LOT, N_NO_BP = 0, 1, 2, 3, 4, 5
S_RISK, S_FIXED, S_ALL_IN, S_SHARES = 0, 1, 2, 3  # sizing methods

TRADE_DTYPE = np.dtype([
    ("col", np.int64), ("direction", np.int64), ("decision_price", np.float64),
    ("planned_stop", np.float64), ("planned_qty", np.int64), ("is_limit", np.int64),
    ("equity_at_entry", np.float64), ("sig_t", np.int64), ("entry_order", np.int64),
    ("exit_order", np.int64), ("exit_reason", np.int64), ("qty", np.int64),
    ("entry_qty", np.int64), ("entry_notional", np.float64), ("exit_qty", np.int64),
    ("exit_notional", np.float64), ("costs", np.float64), ("entry_bar", np.int64),
    ("exit_bar", np.int64), ("entry_ns", np.int64), ("exit_ns", np.int64),
    ("stop", np.float64), ("risk", np.float64), ("target", np.float64),
    ("trail", np.float64), ("chandelier", np.float64), ("extreme", np.float64),
    ("adverse", np.float64), ("live", np.int64), ("next", np.int64), ("prev", np.int64),
])

# -- intrusive lists: head, tail, count in per-column rows ``h, h+1, h+2`` of ``iv`` --------
@njit(cache=True, error_model="numpy")
def push(rows: np.ndarray, i: int, col: int, iv: np.ndarray, h: int) -> None:
    """Append row ``i`` to column ``col``'s list (``h``: `CI_OH` or `CI_TH`)."""
    hi, ti, ci = ic(iv, h, col), ic(iv, h + 1, col), ic(iv, h + 2, col)
    rows[i].prev = iv[ti]
    rows[i].next = -1
    if iv[ti] >= 0:
        rows[iv[ti]].next = i
    else:
        iv[hi] = i
    iv[ti] = i
    iv[ci] += 1


@njit(cache=True, error_model="numpy")
def unlink(rows: np.ndarray, i: int, col: int, iv: np.ndarray, h: int) -> None:
    """Remove row ``i`` from column ``col``'s list."""
    hi, ti, ci = ic(iv, h, col), ic(iv, h + 1, col), ic(iv, h + 2, col)
    p, n = rows[i].prev, rows[i].next
    if p >= 0:
        rows[p].next = n
    else:
        iv[hi] = n
    if n >= 0:
        rows[n].prev = p
    else:
        iv[ti] = p
    rows[i].next = rows[i].prev = -1
    iv[ci] -= 1


@njit(cache=True, error_model="numpy")
def snapshot(rows: np.ndarray, col: int, iv: np.ndarray, h: int, buf: np.ndarray) -> int:
    """Copy column ``col``'s list into ``buf`` and return its length.

    Python iterates over a copy of the list; a scratch buffer avoids an allocation per bar.
    """
    i, k = iv[ic(iv, h, col)], 0
    while i >= 0:
        buf[k] = i
        k += 1
        i = rows[i].next
    return k


# -- trade levels (`exits`, `_trade.Trade`) ----------------------------------------------------
@njit(cache=True, error_model="numpy", inline="always")
def entry_price(tr: np.ndarray, i: int) -> float:
    """Return `Trade.entry_price`."""
    q = tr[i].entry_qty
    return tr[i].entry_notional / q if q else np.nan


@njit(cache=True, error_model="numpy", inline="always")
def stop_level(tr: np.ndarray, i: int) -> tuple[float, int]:
    """Return `Trade.stop_level` (`exits.binding_stop` over initial, trailing, chandelier)."""
    d = tr[i].direction
    best, why = np.nan, 0
    for k in range(3):
        level = tr[i].stop if k == 0 else (tr[i].trail if k == 1 else tr[i].chandelier)
        if level != level:
            continue
        if best != best or d * (level - best) > 0.0:
            best = level
            why = STOP_LOSS if k == 0 else (TRAILING_STOP if k == 1 else CHANDELIER)
    return best, why


@njit(cache=True, error_model="numpy")
def on_entry_fill(tr: np.ndarray, i: int, qty: int, price: float, cost: float, ts: int,
                  bar: int, fv: np.ndarray, iv: np.ndarray) -> None:
    """Book an entry fill as `Trade.on_entry_fill` (``cost`` = commission + fees)."""
    r = tr[i]
    if not r.entry_qty:
        r.entry_bar = bar
        r.entry_ns = ts
    r.entry_qty += qty
    r.entry_notional += qty * price
    r.qty += qty
    r.costs += cost
    d = r.direction
    entry = r.entry_notional / r.entry_qty
    r.stop = r.planned_stop
    risk = d * (entry - r.stop)
    r.risk = risk if risk > 0.0 else d * (r.decision_price - r.stop)
    if iv[XI_TP]:
        r.target = entry + d * fv[X_TP] * r.risk if r.risk > 0.0 else np.nan
    if r.extreme != r.extreme:
        r.extreme = entry
        r.adverse = entry


@njit(cache=True, error_model="numpy")
def on_exit_fill(tr: np.ndarray, i: int, qty: int, price: float, cost: float, ts: int,
                 bar: int) -> None:
    """Book an exit fill as `Trade.on_exit_fill`."""
    r = tr[i]
    r.exit_qty += qty
    r.exit_notional += qty * price
    r.qty -= qty
    r.costs += cost
    if r.qty == 0:
        r.exit_bar = bar
        r.exit_ns = ts


@njit(cache=True, error_model="numpy")
def after_close(tr: np.ndarray, i: int, high: float, low: float, close: float, atr: float,
                bar: int, fv: np.ndarray, iv: np.ndarray) -> bool:
    """Update extremes and levels as `Trade.after_close`; return whether to time-stop."""
    r = tr[i]
    d = r.direction
    if d > 0:
        r.extreme, r.adverse = pmax(r.extreme, high), pmin(r.adverse, low)
    else:
        r.extreme, r.adverse = pmin(r.extreme, low), pmax(r.adverse, high)
    entry = entry_price(tr, i)
    if iv[XI_TRAIL]:  # exits.trailing_stop_level
        prev = r.trail
        act = fv[X_TRAIL_ACT]
        if prev != prev and (not r.risk > 0.0 or d * (r.extreme - entry) < act * r.risk):
            r.trail = np.nan
        elif atr == atr:
            level = r.extreme - d * fv[X_TRAIL_ATR] * atr
            if prev != prev:
                r.trail = level
            else:
                r.trail = pmax(prev, level) if d > 0 else pmin(prev, level)
    if iv[XI_CHAND] and atr == atr:  # exits.chandelier_level
        level = r.extreme - d * fv[X_CHAND] * atr
        prev = r.chandelier
        if prev != prev:
            r.chandelier = level
        else:
            r.chandelier = pmax(prev, level) if d > 0 else pmin(prev, level)
    return iv[XI_TIME] != 0 and (bar - r.entry_bar >= iv[XI_TIME_BARS]
                                 and d * (close - entry) <= 0.0)


@njit(cache=True, error_model="numpy", inline="always")
def bar_hit(d: int, o: float, h: float, lo: float, stop: float, target: float) -> int:
    """Return `intrabar.bar_hit`: 0 none, 1 stop, 2 target, 3 both (order unknown)."""
    if d > 0:
        s = lo <= stop
        t = h > target
        if s and o <= stop:
            return 1
        if t and o > target:
            return 2
    else:
        s = h >= stop
        t = lo < target
        if s and o >= stop:
            return 1
        if t and o < target:
            return 2
    if s and t:
        return 3
    return 1 if s else (2 if t else 0)


# -- sizing (`sizing.size_entry`) --------------------------------------------------------------
@njit(cache=True, error_model="numpy")
def lots(x: float, lot: int) -> int:
    """Return `sizing._lots`; -1 when Python's big integers would be needed."""
    if not x > 0.0:
        return 0
    if math.isinf(x):
        return 10**12
    y = x + 1e-9
    if not y < 9.0e18:
        return -1
    return int(y) // lot * lot


@njit(cache=True, error_model="numpy")
def size_entry(d: int, price: float, stop: float, equity: float, bp: float, mi: float,
               lot: int, fv: np.ndarray, iv: np.ndarray) -> tuple[int, float, int]:
    """Return ``(qty, stop, note)`` as `sizing.size_entry`; qty -1: leave it to Python."""
    if price * mi == 0.0:
        return -1, stop, N_NONE  # Python raises ZeroDivisionError
    risk = d * (price - stop) if stop == stop else np.nan
    if not risk > 0.0:
        stop, risk = np.nan, np.nan
    m = iv[XI_METHOD]
    if m == S_SHARES:
        qty = lots(float(iv[XI_SHARES]), lot)
    elif m == S_ALL_IN:
        qty = lots(bp / (price * mi), lot)
    elif m == S_RISK and risk > 0.0:
        qty = lots(fv[X_RISK_FRACTION] * equity / risk, lot)
    else:
        qty = lots(fv[X_FRACTION] * equity / price, lot)
    if qty < 0:
        return -1, stop, N_NONE
    note = N_NONE
    cap = fv[X_MAX_RISK]
    if iv[XI_MAX_RISK] and risk > 0.0 and qty > 0 and qty * risk > cap * equity * (1 + 1e-12):
        if iv[XI_TIGHTEN]:
            mlps = cap * equity / qty
            if not d * (price - stop) <= mlps:
                stop = price - d * mlps
            note = N_TIGHTENED
        else:
            qty = lots(cap * equity / risk, lot)
            note = N_REDUCED
    affordable = lots(bp / (price * mi), lot)
    if qty < 0 or affordable < 0:
        return -1, stop, N_NONE
    if qty > affordable:
        qty = affordable
        note = N_BUYING_POWER
    if qty <= 0:
        if note == N_NONE:
            note = N_BELOW_LOT
        if affordable <= 0:
            note = N_NO_BP
    return qty, stop, note
