"""Order and trade plumbing of the compiled loop: `core._Loop`'s small methods, in numba.

Each function repeats the `_Loop` method named in its docstring. State is laid out as in
`_nb_layout` (``fv``, ``iv``); ``mkt`` and ``tim`` are the bars. A case the twin leaves to
the Python engine sets ``iv[STATUS]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.backtest.engine import _nb_fills as nf
from quant.backtest.engine import _nb_trades as nt
from quant.backtest.engine._nb_layout import (
    CI_LOT,
    CI_OH,
    CI_POS,
    CI_TH,
    ERR_UNMODELLED,
    M_CLOSE,
    N_FILLS,
    N_LIVE,
    N_ORDERS,
    STATUS,
    T_CLOSE,
    ic,
)

ENTRY = 0  # order purpose; exits carry their exit-reason code


@njit(cache=True, error_model="numpy")
def new_order(orders: np.ndarray, iv: np.ndarray, trade: int, purpose: int, col: int,
              side: int, otype: int, tif: int, qty: int, decision_time: int, limit: float,
              stop: float, decision_price: float) -> int:
    """Append an order (not yet submitted) and return its index, the order id's number."""
    o = iv[N_ORDERS]
    iv[N_ORDERS] += 1
    r = orders[o]
    r.trade, r.purpose, r.col, r.side, r.otype, r.tif = trade, purpose, col, side, otype, tif
    r.qty, r.decision_time, r.limit, r.stop = qty, decision_time, limit, stop
    r.decision_price, r.lot = decision_price, iv[ic(iv, CI_LOT, col)]
    r.status, r.active_at, r.filled, r.avg_price, r.triggered = nf.SUBMITTED, 0, 0, 0.0, 0
    r.day_qty, r.day_notional, r.day_commission, r.day_fees = 0, 0.0, 0.0, 0.0
    r.reason, r.listed, r.next, r.prev = nf.R_NONE, 0, -1, -1
    return o


@njit(cache=True, error_model="numpy")
def closed_order(orders: np.ndarray, o: int, tr: np.ndarray, iv: np.ndarray) -> None:
    """`_Loop._closed_order`: drop ``o`` from its column; forget a trade that never filled."""
    r = orders[o]
    if r.listed:
        nt.unlink(orders, o, r.col, iv, CI_OH)
        r.listed = 0
    i = r.trade
    t = tr[i]
    if r.purpose == ENTRY and t.entry_qty == 0 and t.live:
        nt.unlink(tr, i, t.col, iv, CI_TH)
        t.live = 0
        iv[N_LIVE] -= 1
    elif r.purpose != ENTRY and t.qty != 0 and t.exit_order == o:
        t.exit_order = -1


@njit(cache=True, error_model="numpy")
def cancel(orders: np.ndarray, o: int, reason: int, tr: np.ndarray, iv: np.ndarray) -> None:
    """`fills.cancel` followed by `_Loop._closed_order`."""
    orders[o].status = nf.CANCELLED
    orders[o].reason = reason
    closed_order(orders, o, tr, iv)


@njit(cache=True, error_model="numpy", inline="always")
def is_open(orders: np.ndarray, o: int) -> bool:
    """Return whether order ``o`` exists and can still fill."""
    return o >= 0 and orders[o].status <= nf.PARTIAL


@njit(cache=True, error_model="numpy")
def cancel_entry(orders: np.ndarray, tr: np.ndarray, i: int, why: int, iv: np.ndarray) -> None:
    """`_Loop._cancel_entry`: an exiting trade never grows."""
    if is_open(orders, tr[i].entry_order):
        cancel(orders, tr[i].entry_order, nf.R_CANCELLED_BY + why, tr, iv)


@njit(cache=True, error_model="numpy")
def submit_order(orders: np.ndarray, o: int, fv: np.ndarray, iv: np.ndarray,
                 rng: np.random.Generator, rest: bool) -> bool:
    """`_Loop._submit`; a rejection the Python engine would fail on sets the status."""
    r = orders[o]
    ok = nf.submit(orders, o, iv[ic(iv, CI_POS, r.col)], fv, iv, rng, rest)
    if r.reason < 0:
        iv[STATUS] = ERR_UNMODELLED
    if ok:
        nt.push(orders, o, r.col, iv, CI_OH)
        r.listed = 1
    return ok


@njit(cache=True, error_model="numpy")
def exit_trade(orders: np.ndarray, tr: np.ndarray, i: int, reason: int, t: int,
               mkt: np.ndarray, tim: np.ndarray, fv: np.ndarray, iv: np.ndarray,
               rng: np.random.Generator) -> None:
    """`_Loop._exit`: queue a market exit of the whole trade, decided at bar ``t``'s close."""
    cancel_entry(orders, tr, i, reason, iv)
    r = tr[i]
    r.exit_reason = reason
    if r.qty == 0:
        return
    j = r.col
    side = nf.SELL if r.direction > 0 else nf.BUY
    o = new_order(orders, iv, i, reason, j, side, nf.MARKET, nf.GTC, abs(r.qty),
                  tim[T_CLOSE, t], np.nan, np.nan, mkt[M_CLOSE, t, j])
    r.exit_order = o
    submit_order(orders, o, fv, iv, rng, False)


@njit(cache=True, error_model="numpy")
def execute(orders: np.ndarray, o: int, fills: np.ndarray, tr: np.ndarray, t: int,
            fv: np.ndarray, iv: np.ndarray, start: int, end: int, op: float, hi: float,
            lo: float, vol: float, adv: float, sig: float) -> None:
    """`fills.execute` on one bar, then `_Loop._apply`: book the fill, close what is done."""
    n_new = nf.execute_bar(orders, o, fills, iv[N_FILLS], fv, iv, start, end, op, hi, lo, vol,
                           adv, sig)
    if n_new < 0:
        iv[STATUS] = ERR_UNMODELLED
        return
    r = orders[o]
    i = r.trade
    if n_new:
        f = fills[iv[N_FILLS]]
        iv[N_FILLS] += 1
        if r.purpose == ENTRY:
            nt.on_entry_fill(tr, i, f.qty, f.price, f.commission + f.fees, f.ts, t, fv, iv)
        else:
            nt.on_exit_fill(tr, i, f.qty, f.price, f.commission + f.fees, f.ts, t)
    if r.status > nf.PARTIAL:
        closed_order(orders, o, tr, iv)
    x = tr[i]
    if x.exit_reason and x.qty == 0 and x.entry_qty and x.live:
        nt.unlink(tr, i, x.col, iv, CI_TH)
        x.live = 0
        iv[N_LIVE] -= 1
