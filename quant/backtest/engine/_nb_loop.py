"""Numba twin of the event loop `core._Loop`: the same bar steps, in the same order.

`run_loop` walks the bars once, matching orders with `_nb_fills`, keeping trades with
`_nb_trades` and orders with `_nb_orders`; each helper is named after the `_Loop` method it
repeats. Arrays are (bars, symbols) in C order; ``G`` stacks the signal's optional float
fields (`SIG_FIELDS`, NaN where absent). Orders, trades, fills and refusals are appended to
arrays that grow at the top of a bar when that bar could fill them. `_kernel` packs the
inputs, calls `run_loop` and builds the results.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.backtest.engine import _nb_fills as nf
from quant.backtest.engine import _nb_trades as nt
from quant.backtest.engine._nb_orders import (
    C_FILLS,
    C_LIVE,
    C_ORDERS,
    C_REFUSALS,
    C_STATUS,
    C_TRADES,
    ENTRY,
    cancel,
    closed_order,
    cancel_entry,
    execute,
    exit_trade,
    grow,
    is_open,
    new_order,
    submit_order,
)

SIG_FIELDS = ("decision_price", "stop", "atr", "swing_low", "swing_high", "limit_price")
G_DECISION, G_STOP, G_ATR, G_SWING_LOW, G_SWING_HIGH, G_LIMIT = range(6)
_MINUTE_NS = 60 * 10**9


@njit(cache=True, error_model="numpy", inline="always")
def _match(t, j, P, orders, fills, tr, acct, pos, rank, nrank, fp, ip, xp, xi, L, cnt):
    """`_Loop._match`: open orders of column ``j`` against bar ``t``, oldest first."""
    open_, high, low, volume, open_ns, close_ns, adv, sigma = P[0], P[1], P[2], P[4], P[5], \
        P[6], P[7], P[8]
    buf = L[6]
    for q in range(nt.snapshot(orders, j, L[0], buf)):
        o = buf[q]
        if not is_open(orders, o):
            continue
        if orders[o].purpose == ENTRY:
            d = tr[orders[o].trade].direction
            i, waits = L[3][j], False
            while i >= 0:
                if tr[i].qty and tr[i].direction != d:
                    waits = True
                    break
                i = tr[i].next
            if waits:
                continue  # the account nets one position: a flip's entry waits for its exit
        execute(orders, o, fills, acct, pos, rank, nrank, open_ns[t], close_ns[t],
                 open_[t, j], high[t, j], low[t, j], volume[t, j], adv[t, j], sigma[t, j],
                 fp, ip, tr, t, xp, xi, L, cnt)
        if cnt[C_STATUS]:
            return


@njit(cache=True, error_model="numpy", inline="always")
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


@njit(cache=True, error_model="numpy", inline="always")
def _brackets(t, j, P, M, lot, orders, fills, tr, acct, pos, rank, nrank, fp, ip, xp, xi,
              rng, L, cnt):
    """`_Loop._brackets`: stops and targets of column ``j``'s trades inside bar ``t``."""
    open_, high, low, close, volume, open_ns, close_ns, adv, sigma = P[0], P[1], P[2], P[3], \
        P[4], P[5], P[6], P[7], P[8]
    m_end, m_data, m_off = M
    o_, h_, l_ = open_[t, j], high[t, j], low[t, j]
    buf = L[7]
    for q in range(nt.snapshot(tr, j, L[3], buf)):
        i = buf[q]
        x = tr[i]
        if x.qty == 0 or x.exit_order >= 0:
            continue
        stop, why = nt.stop_level(tr, i)
        d = x.direction
        kind = nt.bar_hit(d, o_, h_, l_, stop, x.target)
        if kind == 0:
            continue
        start, end = open_ns[t], close_ns[t]
        a0, a1 = m_off[j], m_off[j + 1]
        mi = -1
        if a1 > a0:
            span = m_end[a0:a1]
            a = a0 + np.searchsorted(span, start, side="right")
            b = a0 + np.searchsorted(span, end, side="right")
            for m in range(a, b):
                k = nt.bar_hit(d, m_data[m, 0], m_data[m, 1], m_data[m, 2], stop, x.target)
                if k != 0:
                    kind, mi = k, m
                    break
        if kind == 3:
            kind = 1
        bo, bh, bl, bv = o_, h_, l_, volume[t, j]
        if mi >= 0:
            end = m_end[mi]
            start = end - _MINUTE_NS
            bo, bh, bl, bv = m_data[mi, 0], m_data[mi, 1], m_data[mi, 2], m_data[mi, 4]
        side = nf.SELL if d > 0 else nf.BUY
        if kind == 1:
            o = new_order(orders, cnt, i, why, j, side, nf.STOP, nf.GTC, abs(x.qty), start,
                           np.nan, stop, stop, lot[j])
        else:
            why = nt.TAKE_PROFIT
            o = new_order(orders, cnt, i, why, j, side, nf.LIMIT, nf.GTC, abs(x.qty), start,
                           x.target, np.nan, x.target, lot[j])
        cancel_entry(orders, tr, i, why, L, cnt)
        x.exit_reason, x.exit_order = why, o
        if not submit_order(orders, o, pos, fp, ip, rng, True, L, cnt):
            cnt[C_STATUS] = nf.ERR_UNMODELLED  # Python fails on executing a rejected bracket
            return
        execute(orders, o, fills, acct, pos, rank, nrank, start, end, bo, bh, bl, bv,
                 adv[t, j], sigma[t, j], fp, ip, tr, t, xp, xi, L, cnt)
        if cnt[C_STATUS]:
            return
        if is_open(orders, o):  # cut by the participation cap: the rest leaves at the next open
            cancel(orders, o, nf.R_REMAINDER, tr, L, cnt)
            exit_trade(orders, tr, i, why, t, close, close_ns, lot, pos, fp, ip, rng, L, cnt)


@njit(cache=True, error_model="numpy", inline="always")
def _expire(orders: np.ndarray, tr: np.ndarray, L: tuple, cnt: np.ndarray) -> None:
    """`fills.end_session` for the orders: DAY orders expire, GTC orders start a new day."""
    k = L[0].shape[0]
    for j in range(k):
        if L[2][j] == 0:
            continue
        buf = L[6]
        for q in range(nt.snapshot(orders, j, L[0], buf)):
            r = orders[buf[q]]
            if r.tif == nf.GTC:
                r.day_qty, r.day_notional, r.day_commission, r.day_fees = 0, 0.0, 0.0, 0.0
            else:
                r.status = nf.EXPIRED
                r.reason = nf.R_EXPIRED
                closed_order(orders, buf[q], tr, L, cnt)


@njit(cache=True, error_model="numpy", inline="always")
def _enter(t, j, d, equity, bp, P, G, inst, orders, tr, refusals, pos, fp, ip, xp, xi, rng,
           L, cnt):
    """`_Loop._enter`: size and submit one entry; return the margin it reserves."""
    close, close_ns, atr, swing_low, swing_high = P[3], P[6], P[9], P[10], P[11]
    mi_, lot = inst[0], inst[2]
    v = G[G_DECISION, t, j]
    price = close[t, j] if v != v else v
    stop = G[G_STOP, t, j]
    if stop != stop and xi[nt.XI_STOP_OFF]:
        if d > 0:
            swing = G[G_SWING_LOW, t, j]
            swing = swing_low[t, j] if swing != swing else swing
        else:
            swing = G[G_SWING_HIGH, t, j]
            swing = swing_high[t, j] if swing != swing else swing
        a = G[G_ATR, t, j]
        stop = swing - d * xp[nt.X_STOP_OFF] * (atr[t, j] if a != a else a)
    qty, stop, note = nt.size_entry(d, price, stop, equity, bp, mi_[j], lot[j], xp, xi)
    if qty < 0:
        cnt[C_STATUS] = nf.ERR_UNMODELLED
        return 0.0
    if qty <= 0:
        _refuse(refusals, cnt, t, j, d, note, 0)
        return 0.0
    limit = G[G_LIMIT, t, j]
    i = cnt[C_TRADES]
    cnt[C_TRADES] += 1
    x = tr[i]
    x.col, x.direction, x.decision_price, x.planned_stop, x.planned_qty = j, d, price, stop, qty
    x.is_limit, x.equity_at_entry, x.sig_t = 0 if limit != limit else 1, equity, t
    x.exit_order, x.exit_reason, x.qty, x.entry_qty, x.exit_qty = -1, 0, 0, 0, 0
    x.entry_notional, x.exit_notional, x.costs = 0.0, 0.0, 0.0
    x.entry_bar, x.exit_bar, x.entry_ns, x.exit_ns = -1, -1, 0, 0
    x.stop = x.risk = x.target = x.trail = x.chandelier = x.extreme = x.adverse = np.nan
    x.live, x.next, x.prev = 0, -1, -1
    o = new_order(orders, cnt, i, ENTRY, j, nf.BUY if d > 0 else nf.SHORT,
                   nf.MARKET if limit != limit else nf.LIMIT, nf.DAY, qty, close_ns[t], limit,
                   np.nan, price, lot[j])
    x.entry_order = o
    if not submit_order(orders, o, pos, fp, ip, rng, False, L, cnt):
        _refuse(refusals, cnt, t, j, d, 100 + orders[o].reason, 0)
        return 0.0
    nt.push(tr, i, j, L[3], L[4], L[5])
    x.live = 1
    cnt[C_LIVE] += 1
    if note:
        _refuse(refusals, cnt, t, j, d, note, qty)
    return qty * price * mi_[j]


@njit(cache=True, error_model="numpy", inline="always")
def _refuse(refusals: np.ndarray, cnt: np.ndarray, t: int, j: int, d: int, code: int,
            qty: int) -> None:
    n = cnt[C_REFUSALS]
    cnt[C_REFUSALS] += 1
    refusals[n, 0], refusals[n, 1], refusals[n, 2] = t, j, d
    refusals[n, 3], refusals[n, 4] = code, qty


@njit(cache=True, error_model="numpy", inline="always")
def _signals(t, equity, prev, last_close, ent_j, ent_d, P, G, D, inst, orders, tr, refusals,
             pos, fp, ip, xp, xi, rng, L, cnt):
    """`_Loop._signals`: exits against this close's signals, then entries."""
    close, close_ns = P[3], P[6]
    mi_, lot = inst[0], inst[2]
    th, tt = L[3], L[4]
    k = th.shape[0]
    n_ent = 0
    for j in range(k):
        d = D[t, j]
        before = prev[j]
        prev[j] = d
        if d != d:
            continue
        cur_i, i = -1, tt[j]
        while i >= 0:
            if not tr[i].exit_reason:
                cur_i = i
                break
            i = tr[i].prev
        cur = tr[cur_i].direction if cur_i >= 0 else 0
        if cur and d != cur:
            exit_trade(orders, tr, cur_i, nt.SIGNAL_EXIT, t, close, close_ns, lot, pos, fp, ip, rng,
                  L, cnt)
        if d != 0 and d != cur and (d != before or xi[nt.XI_REENTER]):
            ent_j[n_ent] = j
            ent_d[n_ent] = int(d)
            n_ent += 1
    if n_ent == 0:
        return
    used = 0.0
    for j in range(k):
        m = mi_[j]
        i = th[j]
        while i >= 0:
            x = tr[i]
            if not x.exit_reason:
                used += abs(x.qty) * last_close[j] * m
                eo = x.entry_order
                if is_open(orders, eo):
                    used += (orders[eo].qty - orders[eo].filled) * x.decision_price * m
            i = x.next
    for n in range(n_ent):
        used += _enter(t, ent_j[n], ent_d[n], equity, equity - used, P, G, inst, orders, tr,
                       refusals, pos, fp, ip, xp, xi, rng, L, cnt)


@njit(cache=True, error_model="numpy")
def _bars(t0, P, G, D, M, inst, session_end, days, fp, ip, xp, xi, rng, orders, tr, fills,
          refusals, L, cnt, acct, pos, rank, nrank, equity, positions, last_close, prev, ent_j,
          ent_d):
    """Run bars from ``t0`` until the end, a status, or arrays too small; return the next bar.

    The arrays are never rebound here (the caller grows them between calls), which keeps
    numba from reference-counting them on every bar.
    """
    open_, high, low, close = P[0], P[1], P[2], P[3]
    atr = P[9]
    mm, borrow = inst[1], inst[3]
    oh, ot, oc, th, tt, tc = L[0], L[1], L[2], L[3], L[4], L[5]
    n, k = close.shape
    for t in range(t0, n):
        live = cnt[C_LIVE]
        if (cnt[C_ORDERS] + 4 * live + 2 * k > orders.shape[0]
                or cnt[C_FILLS] + 2 * live + 1 > fills.shape[0]  # one per open order, bracket
                or cnt[C_TRADES] + k > tr.shape[0]
                or cnt[C_REFUSALS] + 2 * k > refusals.shape[0]):
            return t
        for j in range(k):
            c = close[t, j]
            if c != c:
                continue
            last_close[j] = c
            if tc[j] == 0:
                continue
            if oc[j]:
                _match(t, j, P, orders, fills, tr, acct, pos, rank, nrank, fp, ip, xp, xi, L,
                       cnt)
                if cnt[C_STATUS]:
                    break
            if _any_hit(tr, th[j], open_[t, j], high[t, j], low[t, j]):
                _brackets(t, j, P, M, inst[2], orders, fills, tr, acct, pos, rank, nrank, fp,
                          ip, xp, xi, rng, L, cnt)
                if cnt[C_STATUS]:
                    break
        if cnt[C_STATUS]:
            break
        if session_end[t]:
            if oc.sum():
                _expire(orders, tr, L, cnt)
            fee = 0.0
            for r in range(nrank[0]):
                j = rank[r]
                q = pos[j]
                if q < 0:
                    fee += -q * last_close[j] * borrow[j] * days[t] / 360
            if fee != 0.0:
                acct[0] = acct[0] - fee
                acct[2] += fee
        eq = acct[0]
        req = 0.0
        for r in range(nrank[0]):
            j = rank[r]
            q = pos[j]
            if q:
                v = q * last_close[j]
                eq += v
                req += abs(v) * mm[j]
                positions[t, j] = q
        equity[t] = eq
        if req and eq < req:
            for j in range(k):
                i = th[j]
                while i >= 0:
                    nxt = tr[i].next
                    if tr[i].qty and tr[i].exit_order < 0:
                        exit_trade(orders, tr, i, nt.MARGIN_CALL, t, close, P[6], inst[2], pos, fp,
                              ip, rng, L, cnt)
                    i = nxt
        for j in range(k):
            c = close[t, j]
            if c != c:
                continue
            i = th[j]
            while i >= 0:
                nxt = tr[i].next
                if tr[i].qty and nt.after_close(tr, i, high[t, j], low[t, j], c, atr[t, j], t,
                                                xp, xi) and not tr[i].exit_reason:
                    exit_trade(orders, tr, i, nt.TIME_STOP, t, close, P[6], inst[2], pos, fp, ip,
                          rng, L, cnt)
                i = nxt
        for j in range(k):
            if D[t, j] == D[t, j]:
                _signals(t, eq, prev, last_close, ent_j, ent_d, P, G, D, inst, orders, tr,
                         refusals, pos, fp, ip, xp, xi, rng, L, cnt)
                break
            prev[j] = D[t, j]
        if cnt[C_STATUS]:
            break
    return n


@njit(cache=True, error_model="numpy")
def run_loop(P, G, D, M, inst, session_end, days, fp, ip, xp, xi, cash, rng, orders, tr,
             fills, refusals):
    """Run the event loop over all bars; see `core._Loop.run` for the steps.

    Returns ``(status, counts, equity, positions, orders, trades, fills, refusals,
    last_close, acct)``; ``counts`` holds the numbers of orders, trades, fills, refusals.
    """
    n, k = P[3].shape
    oh, ot, oc = np.full(k, -1), np.full(k, -1), np.zeros(k, np.int64)
    th, tt, tc = np.full(k, -1), np.full(k, -1), np.zeros(k, np.int64)
    cnt = np.zeros(6, np.int64)
    acct = np.array([cash, 0.0, 0.0])
    pos = np.zeros(k, np.int64)
    rank = np.zeros(k, np.int64)
    nrank = np.zeros(1, np.int64)
    equity = np.empty(n)
    positions = np.zeros((n, k))
    last_close = np.full(k, np.nan)
    prev = np.full(k, np.nan)
    ent_j, ent_d = np.zeros(k, np.int64), np.zeros(k, np.int64)
    t = 0
    while t < n and not cnt[C_STATUS]:
        live = cnt[C_LIVE]
        orders = grow(orders, cnt[C_ORDERS] + 4 * live + 2 * k)
        fills = grow(fills, cnt[C_FILLS] + 2 * live + 1)
        tr = grow(tr, cnt[C_TRADES] + k)
        refusals = grow(refusals, cnt[C_REFUSALS] + 2 * k)
        L = (oh, ot, oc, th, tt, tc, np.empty(orders.shape[0], np.int64),
             np.empty(tr.shape[0], np.int64))
        t = _bars(t, P, G, D, M, inst, session_end, days, fp, ip, xp, xi, rng, orders, tr,
                  fills, refusals, L, cnt, acct, pos, rank, nrank, equity, positions,
                  last_close, prev, ent_j, ent_d)
    return (cnt[C_STATUS], cnt[:4].copy(), equity, positions, orders, tr, fills, refusals,
            last_close, acct)
