"""Numba twin of the event loop `core._Loop`: the same bar steps, in the same order.

`_nb_run.run_bars` walks the bars, matching orders with `_nb_fills`, keeping trades with
`_nb_trades` and orders with `_nb_orders`; each helper here names the `_Loop` method it
repeats. The state is laid out as `_nb_layout` describes. Orders, trades, fills and
refusals are appended to arrays the caller grows between calls of `run_bars`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.backtest.engine import _nb_fills as nf
from quant.backtest.engine import _nb_trades as nt
from quant.backtest.engine._nb_layout import (
    CF_LAST,
    CF_MI,
    CF_PREV,
    CI_ENT_D,
    CI_ENT_J,
    CI_LOT,
    CI_M0,
    CI_M1,
    CI_OC,
    CI_OH,
    CI_TH,
    CI_TT,
    ERR_UNMODELLED,
    G_ATR,
    G_DECISION,
    G_FIELDS,
    G_LIMIT,
    G_STOP,
    G_SWING_HIGH,
    G_SWING_LOW,
    I_K,
    M_ADV,
    M_ATR,
    M_CLOSE,
    M_HIGH,
    M_LOW,
    M_OPEN,
    M_SIGMA,
    M_SWING_HIGH,
    M_SWING_LOW,
    M_VOLUME,
    N_LIVE,
    N_REFUSALS,
    N_TRADES,
    STATUS,
    T_CLOSE,
    T_OPEN,
    X_STOP_OFF,
    XI_REENTER,
    XI_STOP_OFF,
    fc,
    ic,
)
from quant.backtest.engine._nb_orders import (
    ENTRY,
    cancel,
    cancel_entry,
    closed_order,
    execute,
    exit_trade,
    is_open,
    new_order,
    submit_order,
)

_MINUTE_NS = 60 * 10**9


@njit(cache=True, error_model="numpy", inline="always")
def _g(sg: np.ndarray, iv: np.ndarray, field: int, t: int, j: int) -> float:
    """Return signal field ``field`` at (t, j), NaN when the signal does not carry it."""
    row = iv[G_FIELDS + field]
    return sg[row, t, j] if row >= 0 else np.nan


@njit(cache=True, error_model="numpy")
def _match(t: int, j: int, mkt: np.ndarray, tim: np.ndarray, orders: np.ndarray,
           fills: np.ndarray, tr: np.ndarray, fv: np.ndarray, iv: np.ndarray,
           buf: np.ndarray) -> None:
    """`_Loop._match`: open orders of column ``j`` against bar ``t``, oldest first."""
    for q in range(nt.snapshot(orders, j, iv, CI_OH, buf[0])):
        o = buf[0, q]
        if not is_open(orders, o):
            continue
        if orders[o].purpose == ENTRY:
            d = tr[orders[o].trade].direction
            i, waits = iv[ic(iv, CI_TH, j)], False
            while i >= 0:
                if tr[i].qty and tr[i].direction != d:
                    waits = True
                    break
                i = tr[i].next
            if waits:
                continue  # the account nets one position: a flip's entry waits for its exit
        execute(orders, o, fills, tr, t, fv, iv, tim[T_OPEN, t], tim[T_CLOSE, t],
                mkt[M_OPEN, t, j], mkt[M_HIGH, t, j], mkt[M_LOW, t, j], mkt[M_VOLUME, t, j],
                mkt[M_ADV, t, j], mkt[M_SIGMA, t, j])
        if iv[STATUS]:
            return


@njit(cache=True, error_model="numpy")
def _any_hit(tr: np.ndarray, i: int, o: float, h: float, lo: float) -> bool:
    """Return whether bar (o, h, lo) reaches a level of a live trade (list head ``i``)."""
    while i >= 0:
        x = tr[i]
        if x.qty != 0 and x.exit_order < 0:
            stop, _ = nt.stop_level(tr, i)
            if nt.bar_hit(x.direction, o, h, lo, stop, x.target):
                return True
        i = x.next
    return False


@njit(cache=True, error_model="numpy")
def _brackets(t: int, j: int, mkt: np.ndarray, tim: np.ndarray, m_end: np.ndarray,
              m_data: np.ndarray, orders: np.ndarray, fills: np.ndarray, tr: np.ndarray,
              fv: np.ndarray, iv: np.ndarray, buf: np.ndarray,
              rng: np.random.Generator) -> None:
    """`_Loop._brackets`: stops and targets of column ``j``'s trades inside bar ``t``."""
    o_, h_, l_ = mkt[M_OPEN, t, j], mkt[M_HIGH, t, j], mkt[M_LOW, t, j]
    for q in range(nt.snapshot(tr, j, iv, CI_TH, buf[1])):
        i = buf[1, q]
        x = tr[i]
        if x.qty == 0 or x.exit_order >= 0:
            continue
        stop, why = nt.stop_level(tr, i)
        d = x.direction
        kind = nt.bar_hit(d, o_, h_, l_, stop, x.target)
        if kind == 0:
            continue
        start, end = tim[T_OPEN, t], tim[T_CLOSE, t]
        a0, a1 = iv[ic(iv, CI_M0, j)], iv[ic(iv, CI_M1, j)]
        mi = -1
        if a1 > a0:  # the first finer bar that reaches a level decides
            a = a0 + np.searchsorted(m_end[a0:a1], start, side="right")
            b = a0 + np.searchsorted(m_end[a0:a1], end, side="right")
            for m in range(a, b):
                k = nt.bar_hit(d, m_data[m, 0], m_data[m, 1], m_data[m, 2], stop, x.target)
                if k != 0:
                    kind, mi = k, m
                    break
        if kind == 3:
            kind = 1  # both levels, order unknown: the stop
        bo, bh, bl, bv = o_, h_, l_, mkt[M_VOLUME, t, j]
        if mi >= 0:
            end = m_end[mi]
            start = end - _MINUTE_NS
            bo, bh, bl, bv = m_data[mi, 0], m_data[mi, 1], m_data[mi, 2], m_data[mi, 4]
        side = nf.SELL if d > 0 else nf.BUY
        if kind == 1:
            o = new_order(orders, iv, i, why, j, side, nf.STOP, nf.GTC, abs(x.qty), start,
                          np.nan, stop, stop)
        else:
            why = nt.TAKE_PROFIT
            o = new_order(orders, iv, i, why, j, side, nf.LIMIT, nf.GTC, abs(x.qty), start,
                          x.target, np.nan, x.target)
        cancel_entry(orders, tr, i, why, iv)
        x.exit_reason, x.exit_order = why, o
        if not submit_order(orders, o, fv, iv, rng, True):
            iv[STATUS] = ERR_UNMODELLED  # the Python engine fails on a rejected bracket
            return
        execute(orders, o, fills, tr, t, fv, iv, start, end, bo, bh, bl, bv, mkt[M_ADV, t, j],
                mkt[M_SIGMA, t, j])
        if iv[STATUS]:
            return
        if is_open(orders, o):  # cut by the participation cap: the rest leaves at the next open
            cancel(orders, o, nf.R_REMAINDER, tr, iv)
            exit_trade(orders, tr, i, why, t, mkt, tim, fv, iv, rng)


@njit(cache=True, error_model="numpy")
def _expire(orders: np.ndarray, tr: np.ndarray, iv: np.ndarray, buf: np.ndarray) -> None:
    """`fills.end_session` for the orders: DAY orders expire, GTC orders start a new day."""
    for j in range(iv[I_K]):
        if iv[ic(iv, CI_OC, j)] == 0:
            continue
        for q in range(nt.snapshot(orders, j, iv, CI_OH, buf[0])):
            r = orders[buf[0, q]]
            if r.tif == nf.GTC:
                r.day_qty, r.day_notional, r.day_commission, r.day_fees = 0, 0.0, 0.0, 0.0
            else:
                r.status = nf.EXPIRED
                r.reason = nf.R_EXPIRED
                closed_order(orders, buf[0, q], tr, iv)


@njit(cache=True, error_model="numpy")
def _refuse(refusals: np.ndarray, iv: np.ndarray, t: int, j: int, d: int, code: int,
            qty: int) -> None:
    n = iv[N_REFUSALS]
    iv[N_REFUSALS] += 1
    refusals[n, 0], refusals[n, 1], refusals[n, 2] = t, j, d
    refusals[n, 3], refusals[n, 4] = code, qty


@njit(cache=True, error_model="numpy")
def _enter(t: int, j: int, d: int, equity: float, bp: float, mkt: np.ndarray,
           sg: np.ndarray, tim: np.ndarray, orders: np.ndarray, tr: np.ndarray,
           refusals: np.ndarray, fv: np.ndarray, iv: np.ndarray,
           rng: np.random.Generator) -> float:
    """`_Loop._enter`: size and submit one entry; return the margin it reserves."""
    v = _g(sg, iv, G_DECISION, t, j)
    price = mkt[M_CLOSE, t, j] if v != v else v
    stop = _g(sg, iv, G_STOP, t, j)
    if stop != stop and iv[XI_STOP_OFF]:
        if d > 0:
            swing = _g(sg, iv, G_SWING_LOW, t, j)
            swing = mkt[M_SWING_LOW, t, j] if swing != swing else swing
        else:
            swing = _g(sg, iv, G_SWING_HIGH, t, j)
            swing = mkt[M_SWING_HIGH, t, j] if swing != swing else swing
        a = _g(sg, iv, G_ATR, t, j)
        stop = swing - d * fv[X_STOP_OFF] * (mkt[M_ATR, t, j] if a != a else a)
    mi = fv[fc(fv, iv, CF_MI, j)]
    qty, stop, note = nt.size_entry(d, price, stop, equity, bp, mi, iv[ic(iv, CI_LOT, j)], fv, iv)
    if qty < 0:
        iv[STATUS] = ERR_UNMODELLED  # Python raises, or needs integers beyond int64
        return 0.0
    if qty <= 0:
        _refuse(refusals, iv, t, j, d, note, 0)
        return 0.0
    limit = _g(sg, iv, G_LIMIT, t, j)
    i = iv[N_TRADES]
    iv[N_TRADES] += 1
    x = tr[i]
    x.col, x.direction, x.decision_price, x.planned_stop, x.planned_qty = j, d, price, stop, qty
    x.is_limit, x.equity_at_entry, x.sig_t = 0 if limit != limit else 1, equity, t
    x.exit_order, x.exit_reason, x.qty, x.entry_qty, x.exit_qty = -1, 0, 0, 0, 0
    x.entry_notional, x.exit_notional, x.costs = 0.0, 0.0, 0.0
    x.entry_bar, x.exit_bar, x.entry_ns, x.exit_ns = -1, -1, 0, 0
    x.stop = x.risk = x.target = x.trail = x.chandelier = x.extreme = x.adverse = np.nan
    x.live, x.next, x.prev = 0, -1, -1
    o = new_order(orders, iv, i, ENTRY, j, nf.BUY if d > 0 else nf.SHORT,
                  nf.MARKET if limit != limit else nf.LIMIT, nf.DAY, qty, tim[T_CLOSE, t],
                  limit, np.nan, price)
    x.entry_order = o
    if not submit_order(orders, o, fv, iv, rng, False):
        _refuse(refusals, iv, t, j, d, 100 + orders[o].reason, 0)
        return 0.0
    nt.push(tr, i, j, iv, CI_TH)
    x.live = 1
    iv[N_LIVE] += 1
    if note:
        _refuse(refusals, iv, t, j, d, note, qty)
    return qty * price * mi


@njit(cache=True, error_model="numpy")
def _signals(t: int, equity: float, mkt: np.ndarray, sg: np.ndarray, tim: np.ndarray,
             orders: np.ndarray, tr: np.ndarray, refusals: np.ndarray, fv: np.ndarray,
             iv: np.ndarray, rng: np.random.Generator) -> None:
    """`_Loop._signals`: exits against this close's signals, then entries."""
    k = iv[I_K]
    n_ent = 0
    for j in range(k):
        d = sg[0, t, j]
        p = fc(fv, iv, CF_PREV, j)
        before = fv[p]
        fv[p] = d
        if d != d:
            continue
        cur_i, i = -1, iv[ic(iv, CI_TT, j)]
        while i >= 0:
            if not tr[i].exit_reason:
                cur_i = i
                break
            i = tr[i].prev
        cur = tr[cur_i].direction if cur_i >= 0 else 0
        if cur and d != cur:
            exit_trade(orders, tr, cur_i, nt.SIGNAL_EXIT, t, mkt, tim, fv, iv, rng)
        if d != 0 and d != cur and (d != before or iv[XI_REENTER]):
            iv[ic(iv, CI_ENT_J, n_ent)] = j
            iv[ic(iv, CI_ENT_D, n_ent)] = int(d)
            n_ent += 1
    if n_ent == 0:
        return
    used = 0.0
    for j in range(k):
        m = fv[fc(fv, iv, CF_MI, j)]
        last = fv[fc(fv, iv, CF_LAST, j)]
        i = iv[ic(iv, CI_TH, j)]
        while i >= 0:
            x = tr[i]
            if not x.exit_reason:
                used += abs(x.qty) * last * m
                eo = x.entry_order
                if is_open(orders, eo):
                    used += (orders[eo].qty - orders[eo].filled) * x.decision_price * m
            i = x.next
    for n in range(n_ent):
        used += _enter(t, iv[ic(iv, CI_ENT_J, n)], iv[ic(iv, CI_ENT_D, n)], equity,
                       equity - used, mkt, sg, tim, orders, tr, refusals, fv, iv, rng)
