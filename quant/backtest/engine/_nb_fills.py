"""Numba twin of the fill model's bar mode, for the engine's compiled loop (`_nb_loop`).

It covers what the engine sends (market and limit entries, market exits, stop and limit
brackets; DAY and GTC) against OHLCV bars, with the preset cost models, latency, slippage,
impact and the participation cap. Every formula repeats `quant.backtest.fills` operation by
operation (same operands, same order, Python's ``min``/``max`` tie and NaN behaviour), so
results are bit-identical; `tests/quant/backtest/engine/test_engine_kernel_parity.py` runs
both on many seeded random scenarios and asserts it. Change the two together.

Orders live in a structured array (`ORDER_DTYPE`, one row per order, ``NaN`` for an absent
price); fills are appended to `FILL_DTYPE` rows. The account (`_nb_layout`) is cash and
costs in ``fv`` and, in ``iv``, the signed shares per column with the columns listed in the
order they first held a position (the fill model's dict order, which fixes the order of
sums). A case the twin does not model returns -1; the caller then runs the Python engine.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from quant.backtest.engine._nb_layout import (
    A_CASH,
    A_EXPLICIT,
    CI_POS,
    CI_RANK,
    F_COST,
    F_IMPACT_THR,
    F_IMPACT_Y,
    F_LAT_HIGH,
    F_LAT_LOW,
    F_LAT_SIGMA,
    F_PARTICIPATION,
    F_SLIP_HALF,
    F_SLIP_SIZE,
    I_ALLOW_SHORT,
    I_COST_CAP,
    I_COST_KIND,
    I_LAT_KIND,
    N_RANK,
    ic,
)

# Sides, order types, time in force, statuses (the codes of `_kernel`'s string tables).
BUY, SELL, SHORT = 0, 1, 2
MARKET, LIMIT, STOP = 0, 1, 2
DAY, GTC = 0, 1
SUBMITTED, PARTIAL, FILLED, CANCELLED, EXPIRED, REJECTED = 0, 1, 2, 3, 4, 5
# Order reasons; 10 + exit-reason code means "cancelled by <exit reason>".
R_NONE, R_LIMIT, R_DECISION, R_SHORT, R_NO_LONG, R_REMAINDER, R_EXPIRED = 0, 1, 2, 3, 4, 5, 6
R_CANCELLED_BY = 10
# Cost models and latency kinds.
C_NONE, C_PER_SHARE, C_PERCENT, C_MOOMOO = 0, 1, 2, 3
L_CONSTANT, L_UNIFORM, L_LOGNORMAL = 0, 1, 2

ORDER_DTYPE = np.dtype([
    ("trade", np.int64), ("purpose", np.int64), ("col", np.int64), ("side", np.int64),
    ("otype", np.int64), ("tif", np.int64), ("qty", np.int64), ("decision_time", np.int64),
    ("limit", np.float64), ("stop", np.float64), ("decision_price", np.float64),
    ("lot", np.int64), ("status", np.int64), ("active_at", np.int64), ("filled", np.int64),
    ("avg_price", np.float64), ("triggered", np.int64), ("day_qty", np.int64),
    ("day_notional", np.float64), ("day_commission", np.float64), ("day_fees", np.float64),
    ("reason", np.int64), ("listed", np.int64), ("next", np.int64), ("prev", np.int64),
])
FILL_DTYPE = np.dtype([
    ("order", np.int64), ("ts", np.int64), ("qty", np.int64), ("price", np.float64),
    ("reference", np.float64), ("taker", np.int64), ("commission", np.float64),
    ("fees", np.float64), ("slippage", np.float64), ("impact", np.float64),
    ("latency", np.float64),
])
_HALF_MICRO = 0.0000005  # the double below 5e-7: x > 5e-7 exactly iff x > _HALF_MICRO
_BIG = 2.0**31


@njit(cache=True, error_model="numpy", inline="always")
def pmax(a: float, b: float) -> float:
    """Return Python's ``max(a, b)``: ``b`` only when ``b > a`` (so NaN in ``b`` loses)."""
    return b if b > a else a


@njit(cache=True, error_model="numpy", inline="always")
def pmin(a: float, b: float) -> float:
    """Return Python's ``min(a, b)``: ``b`` only when ``b < a``."""
    return b if b < a else a


@njit(cache=True, error_model="numpy")
def ceil_cents(x: float) -> float:
    """Return ``costs.ceil_cents(x)``: ``ceil(round(100 x, 6)) / 100`` with exact rounding.

    ``round(y, 6)`` rounds to the nearest micro (ties to even), so its ceiling exceeds
    ``floor(y)`` exactly when ``y - floor(y)`` (an exact double) is above 5e-7. NaN is
    returned for inputs the caller must hand back to Python (NaN, inf, huge).
    """
    y = x * 100.0
    if not abs(y) < _BIG:
        return np.nan
    fl = math.floor(y)
    c = fl + 1.0 if y - fl > _HALF_MICRO else fl
    return c / 100.0


@njit(cache=True, error_model="numpy")
def order_costs(
    kind: int, fv: np.ndarray, has_cap: bool, side: int, qty: int, notional: float
) -> tuple[float, float]:
    """Return ``(commission, fees)`` of the preset cost model ``kind`` (fields from F_COST)."""
    b = F_COST
    if kind == C_NONE or qty <= 0:
        return 0.0, 0.0
    if kind == C_PER_SHARE:  # rate, min_per_order, max_pct
        c = pmax(fv[b + 0] * qty, fv[b + 1])
        if has_cap:
            c = pmin(c, fv[b + 2] * notional)
        return c, 0.0
    if kind == C_PERCENT:  # rate, min_per_order
        return pmax(fv[b + 0] * notional, fv[b + 1]), 0.0
    # moomoo: commission_per_order, platform_per_share, platform_min, platform_max_pct,
    # sec_rate, sec_min, taf_per_share, taf_min, taf_max, cat_per_share
    platform = 0.0
    if fv[b + 1] > 0.0 or fv[b + 2] > 0.0:
        platform = pmax(fv[b + 1] * qty, fv[b + 2])
        if has_cap:
            platform = pmin(platform, fv[b + 3] * notional)
    commission = fv[b + 0] + platform
    fees = fv[b + 9] * qty
    if side != BUY:
        if fv[b + 4] > 0.0:
            fees += pmax(ceil_cents(fv[b + 4] * notional), fv[b + 5])
        if fv[b + 6] > 0.0:
            fees += pmin(pmax(ceil_cents(fv[b + 6] * qty), fv[b + 7]), fv[b + 8])
    return commission, fees


@njit(cache=True, error_model="numpy")
def latency_ns(kind: int, low: float, high: float, sigma: float, rng: np.random.Generator) -> int:
    """Return one latency draw in ns, as ``LatencyModel.sample_ns`` (same draws, same order)."""
    if kind == L_CONSTANT:
        ms = low
    elif kind == L_UNIFORM:
        ms = low + (high - low) * rng.random()
    else:
        ms = pmin(low * np.exp(sigma * rng.standard_normal()), high)
    return round(ms * 1_000_000)


@njit(cache=True, error_model="numpy")
def submit(
    orders: np.ndarray, o: int, pos_col: int, fv: np.ndarray, iv: np.ndarray,
    rng: np.random.Generator, rest: bool,
) -> bool:
    """Validate order ``o`` as `fills.submit` does and open it; return whether it is open.

    Only the checks an engine order can fail are made (its quantity is always a positive
    multiple of its lot). ``rest``: a resting bracket, no latency. ``pos_col``: the
    position in the order's symbol.
    """
    r = orders[o]
    reason = R_NONE
    if r.otype == LIMIT and not (math.isfinite(r.limit) and r.limit > 0.0):
        reason = R_LIMIT
    elif r.otype == STOP and not (math.isfinite(r.stop) and r.stop > 0.0):
        reason = -1  # a bracket the Python engine fails on: let it say so
    elif not (math.isfinite(r.decision_price) and r.decision_price > 0.0):
        reason = R_DECISION
    elif r.side == SELL and r.qty > pos_col:
        reason = -1
    elif r.side == SHORT and iv[I_ALLOW_SHORT] == 0:
        reason = R_SHORT
    if reason != R_NONE:
        r.status = REJECTED
        r.active_at = r.decision_time
        r.reason = reason
        return False
    r.status = SUBMITTED
    if rest:
        r.active_at = r.decision_time
    else:
        r.active_at = r.decision_time + latency_ns(
            iv[I_LAT_KIND], fv[F_LAT_LOW], fv[F_LAT_HIGH], fv[F_LAT_SIGMA], rng
        )
    return True


@njit(cache=True, error_model="numpy")
def participation_cap(volume: float, participation: float, lot: int) -> int:
    """Return `bars.participation_cap`, or -1 when Python's ``int()`` would fail or overflow."""
    if volume <= 0.0 or participation <= 0.0:
        return 0
    x = participation * volume + 1e-9
    if not x < 9.0e18:
        return -1
    return int(x) // lot * lot


@njit(cache=True, error_model="numpy")
def execute_bar(
    orders: np.ndarray, o: int, fills: np.ndarray, nf: int, fv: np.ndarray, iv: np.ndarray,
    start: int, end: int, op: float, hi: float, lo: float, vol: float, adv: float,
    sig: float,
) -> int:
    """Match open order ``o`` against one bar as `fills.execute` does; return fills added.

    The bar (open, high, low, volume) covers ``(start, end]``; ``adv`` and ``sig`` are NaN
    when unknown. Returns -1 for a case the twin leaves to Python.
    """
    r = orders[o]
    if start < r.active_at:
        return 0
    col = r.col
    pc = ic(iv, CI_POS, col)
    max_qty = r.qty - r.filled
    if r.side == SELL:
        max_qty = min(max_qty, max(iv[pc], 0))
        if max_qty <= 0:
            r.status = CANCELLED
            r.reason = R_NO_LONG
            return 0
    if vol != vol:
        return -1  # int(NaN) raises in Python
    cap = participation_cap(vol, fv[F_PARTICIPATION], r.lot)
    if cap < 0:
        return -1
    max_qty = min(max_qty, cap)
    buy = r.side == BUY
    ref = np.nan
    has_ref = False
    taker = True
    if r.otype == MARKET or (r.triggered != 0 and r.otype == STOP):
        ref, has_ref = op, True
    elif r.otype == LIMIT:
        if buy:
            if lo < r.limit:
                ref, has_ref, taker = pmin(op, r.limit), True, op < r.limit
        elif hi > r.limit:
            ref, has_ref, taker = pmax(op, r.limit), True, op > r.limit
    elif (hi >= r.stop) if buy else (lo <= r.stop):
        r.triggered = 1
        ref, has_ref = (pmax(r.stop, op) if buy else pmin(r.stop, op)), True
    if not has_ref or max_qty <= 0:
        return 0
    raw = ref
    if taker:
        share = max_qty / vol if vol > 0 else 1.0
        slip = (fv[F_SLIP_HALF] + fv[F_SLIP_SIZE] * share) / 10_000.0
        raw = ref * (1.0 + slip) if buy else ref * (1.0 - slip)
    # _priced
    sign = 1 if buy else -1
    price = raw
    if taker:
        imp = 0.0
        if adv == adv and adv > 0 and sig == sig and sig > 0:
            part = r.qty / adv
            if part > fv[F_IMPACT_THR]:
                imp = fv[F_IMPACT_Y] * sig * math.sqrt(part)
        price += sign * imp * ref
        if r.otype == LIMIT and (price > r.limit if sign > 0 else price < r.limit):
            price = r.limit
    total = sign * (price - ref) * max_qty
    slippage = pmin(sign * (raw - ref) * max_qty, total)
    latency = sign * (ref - r.decision_price) * max_qty
    day_qty = r.day_qty + max_qty
    day_notional = r.day_notional + max_qty * price
    commission, fees = order_costs(iv[I_COST_KIND], fv, iv[I_COST_CAP] != 0, r.side, day_qty,
                                   day_notional)
    if commission != commission or fees != fees:
        return -1  # ceil_cents of NaN/inf raises in Python
    filled = r.filled + max_qty
    f = fills[nf]
    f.order = o
    f.ts = end
    f.qty = max_qty
    f.price = price
    f.reference = ref
    f.taker = 1 if taker else 0
    f.commission = commission - r.day_commission
    f.fees = fees - r.day_fees
    f.slippage = slippage
    f.impact = total - slippage
    f.latency = latency
    r.status = FILLED if filled == r.qty else PARTIAL
    r.avg_price = (r.avg_price * r.filled + price * max_qty) / filled
    r.filled = filled
    r.day_qty = day_qty
    r.day_notional = day_notional
    r.day_commission = commission
    r.day_fees = fees
    # _book_keep
    fv[A_CASH] -= sign * max_qty * price + f.commission + f.fees
    fv[A_EXPLICIT] += f.commission + f.fees
    if iv[pc] == 0 and not _ranked(iv, col):
        iv[ic(iv, CI_RANK, iv[N_RANK])] = col
        iv[N_RANK] += 1
    iv[pc] += sign * max_qty
    return 1


@njit(cache=True, error_model="numpy")
def _ranked(iv: np.ndarray, col: int) -> bool:
    """Return whether column ``col`` is in the account's positions (the dict's keys)."""
    for i in range(iv[N_RANK]):  # noqa: SIM110 (numba: no generator expressions)
        if iv[ic(iv, CI_RANK, i)] == col:
            return True
    return False
