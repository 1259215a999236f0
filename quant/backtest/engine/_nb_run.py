"""The compiled event loop: one bar after another, as `core._Loop.run`.

`run_bars` walks bars until the end, a status, or a bar that could overflow one of the
growing arrays (orders, trades, fills, refusals); the caller (`_kernel.run_compiled`) then
grows them and calls it again from that bar. Inside, every array is a `borrowed` view:
nothing is reference-counted on the hot path.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from quant.backtest.engine import _nb_trades as nt
from quant.backtest.engine._nb_layout import (
    A_BORROW,
    A_CASH,
    CF_BORROW,
    CF_LAST,
    CF_MM,
    CF_PREV,
    CI_OC,
    CI_POS,
    CI_RANK,
    CI_TC,
    CI_TH,
    I_K,
    M_ATR,
    M_CLOSE,
    M_HIGH,
    M_LOW,
    M_OPEN,
    N_FILLS,
    N_LIVE,
    N_ORDERS,
    N_RANK,
    N_REFUSALS,
    N_TRADES,
    STATUS,
    T_DAYS,
    T_SESSION_END,
    borrowed,
    borrowed_rng,
    fc,
    ic,
)
from quant.backtest.engine._nb_loop import _any_hit, _brackets, _expire, _match, _signals
from quant.backtest.engine._nb_orders import exit_trade

# numba's cache checks only this file's stamp, yet `run_bars` compiles in the code of the
# modules below: editing them must edit this file too, or a stale `run_bars` is loaded. A test
# recomputes the digest (test_engine_kernel_fills.py) and says what to set it to.
KERNEL_SOURCES = ("_nb_layout.py", "_nb_fills.py", "_nb_trades.py", "_nb_orders.py", "_nb_loop.py")
SOURCES_DIGEST = "58a6691d387a4ef4"


@njit(cache=True, error_model="numpy")
def run_bars(t0: int, mkt: np.ndarray, sg: np.ndarray, tim: np.ndarray, m_end: np.ndarray,
             m_data: np.ndarray, orders: np.ndarray, tr: np.ndarray, fills: np.ndarray,
             refusals: np.ndarray, fv: np.ndarray, iv: np.ndarray, buf: np.ndarray,
             rng: np.random.Generator, equity: np.ndarray, positions: np.ndarray) -> int:
    """Run bars from ``t0`` until the end, a status, or arrays too small; return the next bar."""
    mkt, sg, tim, m_end, m_data = (borrowed(mkt), borrowed(sg), borrowed(tim),
                                   borrowed(m_end), borrowed(m_data))
    orders, tr, fills, refusals = borrowed(orders), borrowed(tr), borrowed(fills), \
        borrowed(refusals)
    fv, iv, buf, rng = borrowed(fv), borrowed(iv), borrowed(buf), borrowed_rng(rng)
    equity, positions = borrowed(equity), borrowed(positions)
    n, k = mkt.shape[1], iv[I_K]
    for t in range(t0, n):
        live = iv[N_LIVE]
        if (iv[N_ORDERS] + 4 * live + 2 * k > orders.shape[0]
                or iv[N_FILLS] + 2 * live + 1 > fills.shape[0]  # one per open order, bracket
                or iv[N_TRADES] + k > tr.shape[0]
                or iv[N_REFUSALS] + 2 * k > refusals.shape[0]):
            return t
        for j in range(k):  # 1-2: open orders, then brackets
            c = mkt[M_CLOSE, t, j]
            if c != c:
                continue
            fv[fc(fv, iv, CF_LAST, j)] = c
            if iv[ic(iv, CI_TC, j)] == 0:
                continue
            if iv[ic(iv, CI_OC, j)]:
                _match(t, j, mkt, tim, orders, fills, tr, fv, iv, buf)
                if iv[STATUS]:
                    return n
            if _any_hit(tr, iv[ic(iv, CI_TH, j)], mkt[M_OPEN, t, j], mkt[M_HIGH, t, j],
                        mkt[M_LOW, t, j]):
                _brackets(t, j, mkt, tim, m_end, m_data, orders, fills, tr, fv, iv, buf, rng)
                if iv[STATUS]:
                    return n
        if tim[T_SESSION_END, t]:  # 3: end_session (expiry, borrow), then the mark
            open_orders = 0
            for j in range(k):
                open_orders += iv[ic(iv, CI_OC, j)]
            if open_orders:
                _expire(orders, tr, iv, buf)
            fee = 0.0
            for r in range(iv[N_RANK]):
                j = iv[ic(iv, CI_RANK, r)]
                q = iv[ic(iv, CI_POS, j)]
                if q < 0:
                    fee += (-q * fv[fc(fv, iv, CF_LAST, j)] * fv[fc(fv, iv, CF_BORROW, j)]
                            * tim[T_DAYS, t] / 360)
            if fee != 0.0:
                fv[A_CASH] = fv[A_CASH] - fee
                fv[A_BORROW] += fee
        eq = fv[A_CASH]
        req = 0.0
        for r in range(iv[N_RANK]):
            j = iv[ic(iv, CI_RANK, r)]
            q = iv[ic(iv, CI_POS, j)]
            if q:
                v = q * fv[fc(fv, iv, CF_LAST, j)]
                eq += v
                req += abs(v) * fv[fc(fv, iv, CF_MM, j)]
                positions[t, j] = q
        equity[t] = eq
        if req and eq < req:  # a margin breach liquidates everything at the next open
            for j in range(k):
                i = iv[ic(iv, CI_TH, j)]
                while i >= 0:
                    nxt = tr[i].next
                    if tr[i].qty and tr[i].exit_order < 0:
                        exit_trade(orders, tr, i, nt.MARGIN_CALL, t, mkt, tim, fv, iv, rng)
                    i = nxt
        for j in range(k):  # 4: extremes, levels, time stop
            c = mkt[M_CLOSE, t, j]
            if c != c:
                continue
            i = iv[ic(iv, CI_TH, j)]
            while i >= 0:
                nxt = tr[i].next
                if tr[i].qty and nt.after_close(tr, i, mkt[M_HIGH, t, j], mkt[M_LOW, t, j], c,
                                                mkt[M_ATR, t, j], t, fv, iv) \
                        and not tr[i].exit_reason:
                    exit_trade(orders, tr, i, nt.TIME_STOP, t, mkt, tim, fv, iv, rng)
                i = nxt
        for j in range(k):  # 5: the signals of this close
            d = sg[0, t, j]
            if d == d:
                _signals(t, eq, mkt, sg, tim, orders, tr, refusals, fv, iv, rng)
                break
            fv[fc(fv, iv, CF_PREV, j)] = d
        if iv[STATUS]:
            return n
    return n
