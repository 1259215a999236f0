"""Order and trade plumbing of the compiled loop: `core._Loop`'s small methods, in numba.

Each function repeats the `_Loop` method it is named after (see `_nb_loop`). ``L`` holds the
heads, tails and counts of each column's open orders and live trades; ``cnt`` the counters
(`C_*`) and the status a twin sets when it meets a case it leaves to the Python engine.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.backtest.engine import _nb_fills as nf
from quant.backtest.engine import _nb_trades as nt

ENTRY = 0  # order purpose; exits carry their exit-reason code
# Counters in ``cnt``: orders, trades, fills, refusals, live trades, status.
C_ORDERS, C_TRADES, C_FILLS, C_REFUSALS, C_LIVE, C_STATUS = range(6)


@njit(cache=True, error_model="numpy")
def grow(arr: np.ndarray, need: int) -> np.ndarray:
    if need <= arr.shape[0]:
        return arr
    new = np.empty((max(2 * arr.shape[0], need),) + arr.shape[1:], dtype=arr.dtype)
    for i in range(arr.shape[0]):
        new[i] = arr[i]
    return new


@njit(cache=True, error_model="numpy", inline="always")
def new_order(orders: np.ndarray, cnt: np.ndarray, trade: int, purpose: int, col: int,
               side: int, otype: int, tif: int, qty: int, decision_time: int, limit: float,
               stop: float, decision_price: float, lot: int) -> int:
    o = cnt[C_ORDERS]
    cnt[C_ORDERS] += 1
    r = orders[o]
    r.trade, r.purpose, r.col, r.side, r.otype, r.tif = trade, purpose, col, side, otype, tif
    r.qty, r.decision_time, r.limit, r.stop = qty, decision_time, limit, stop
    r.decision_price, r.lot = decision_price, lot
    r.status, r.active_at, r.filled, r.avg_price, r.triggered = nf.SUBMITTED, 0, 0, 0.0, 0
    r.day_qty, r.day_notional, r.day_commission, r.day_fees = 0, 0.0, 0.0, 0.0
    r.reason, r.listed, r.next, r.prev = nf.R_NONE, 0, -1, -1
    return o


@njit(cache=True, error_model="numpy", inline="always")
def closed_order(orders: np.ndarray, o: int, tr: np.ndarray, L: tuple, cnt: np.ndarray) -> None:
    """`_Loop.closed_order`: drop ``o`` from its column; forget a trade that never filled."""
    oh, ot, oc, th, tt, tc = L[0], L[1], L[2], L[3], L[4], L[5]
    r = orders[o]
    if r.listed:
        nt.unlink(orders, o, r.col, oh, ot, oc)
        r.listed = 0
    i = r.trade
    t = tr[i]
    if r.purpose == ENTRY and t.entry_qty == 0 and t.live:
        nt.unlink(tr, i, t.col, th, tt, tc)
        t.live = 0
        cnt[C_LIVE] -= 1
    elif r.purpose != ENTRY and t.qty != 0 and t.exit_order == o:
        t.exit_order = -1


@njit(cache=True, error_model="numpy", inline="always")
def cancel(orders: np.ndarray, o: int, reason: int, tr: np.ndarray, L: tuple,
            cnt: np.ndarray) -> None:
    orders[o].status = nf.CANCELLED
    orders[o].reason = reason
    closed_order(orders, o, tr, L, cnt)


@njit(cache=True, error_model="numpy", inline="always")
def is_open(orders: np.ndarray, o: int) -> bool:
    return o >= 0 and orders[o].status <= nf.PARTIAL


@njit(cache=True, error_model="numpy", inline="always")
def cancel_entry(orders: np.ndarray, tr: np.ndarray, i: int, why: int, L: tuple,
                  cnt: np.ndarray) -> None:
    """`_Loop.cancel_entry`."""
    if is_open(orders, tr[i].entry_order):
        cancel(orders, tr[i].entry_order, nf.R_CANCELLED_BY + why, tr, L, cnt)


@njit(cache=True, error_model="numpy", inline="always")
def submit_order(orders: np.ndarray, o: int, pos: np.ndarray, fp: np.ndarray, ip: np.ndarray,
            rng: np.random.Generator, rest: bool, L: tuple, cnt: np.ndarray) -> bool:
    """`_Loop.submit_order`; a rejection Python would crash on sets the status."""
    r = orders[o]
    ok = nf.submit(orders, o, pos[r.col], fp, ip, rng, rest)
    if r.reason < 0:
        cnt[C_STATUS] = nf.ERR_UNMODELLED
    if ok:
        nt.push(orders, o, r.col, L[0], L[1], L[2])
        r.listed = 1
    return ok


@njit(cache=True, error_model="numpy", inline="always")
def exit_trade(orders, tr, i, reason, t, close, close_ns, lot, pos, fp, ip, rng, L, cnt):
    """`_Loop.exit_trade`: queue a market exit of the whole trade, decided at bar ``t``'s close."""
    cancel_entry(orders, tr, i, reason, L, cnt)
    r = tr[i]
    r.exit_reason = reason
    if r.qty == 0:
        return
    j = r.col
    side = nf.SELL if r.direction > 0 else nf.BUY
    o = new_order(orders, cnt, i, reason, j, side, nf.MARKET, nf.GTC, abs(r.qty),
                   close_ns[t], np.nan, np.nan, close[t, j], lot[j])
    r.exit_order = o
    submit_order(orders, o, pos, fp, ip, rng, False, L, cnt)


@njit(cache=True, error_model="numpy", inline="always")
def apply_fill(orders, o, n_new, fills, tr, t, xp, xi, L, cnt):
    """`_Loop.apply_fill`: book the fill (if any) on the trade; close what is finished."""
    r = orders[o]
    i = r.trade
    if n_new:
        f = fills[cnt[C_FILLS]]
        cnt[C_FILLS] += 1
        if r.purpose == ENTRY:
            nt.on_entry_fill(tr, i, f.qty, f.price, f.commission + f.fees, f.ts, t, xp, xi)
        else:
            nt.on_exit_fill(tr, i, f.qty, f.price, f.commission + f.fees, f.ts, t)
    if r.status > nf.PARTIAL:
        closed_order(orders, o, tr, L, cnt)
    x = tr[i]
    if x.exit_reason and x.qty == 0 and x.entry_qty and x.live:
        nt.unlink(tr, i, x.col, L[3], L[4], L[5])
        x.live = 0
        cnt[C_LIVE] -= 1


@njit(cache=True, error_model="numpy", inline="always")
def execute(orders, o, fills, acct, pos, rank, nrank, start, end, op, hi, lo, vol, adv,
             sig, fp, ip, tr, t, xp, xi, L, cnt):
    n_new = nf.execute_bar(orders, o, fills, cnt[C_FILLS], acct, pos, rank, nrank, start,
                           end, op, hi, lo, vol, adv, sig, fp, ip)
    if n_new < 0:
        cnt[C_STATUS] = nf.ERR_UNMODELLED
        return
    apply_fill(orders, o, n_new, fills, tr, t, xp, xi, L, cnt)
