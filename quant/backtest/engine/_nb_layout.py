"""Where the compiled loop keeps its state: a few flat arrays and the offsets into them.

Numba reference-counts every array argument of a call with atomic operations, about 20 ns
per array on the development machine; with thirty arrays per call that cost more than the
work. So the loop's state lives in few arrays, and `borrowed` hands the callees views that
numba does not count (the owner keeps them alive for the whole run):

- ``mkt`` (`M_*`, bars, symbols): prices, volume, ADV, volatility, ATR, swings;
- ``sg`` (1 + fields, bars, symbols): the signal's direction and its optional float fields
  (row ``iv[G_FIELDS + f]``, -1 when absent);
- ``tim`` (`T_*`, bars): bar open and close (ns), days to the next bar, session end;
- ``fv``: float parameters (`F_*`, `X_*`), the account (`A_*`), then per-column rows
  (`CF_*`, one row of ``k`` values each, from `F_COLS`);
- ``iv``: counters (`N_*`), int parameters (`I_*`, `XI_*`), then per-column rows (`CI_*`,
  from `I_COLS`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

M_OPEN, M_HIGH, M_LOW, M_CLOSE, M_VOLUME, M_ADV, M_SIGMA, M_ATR, M_SWING_LOW, M_SWING_HIGH = (
    range(10)
)
N_MKT = 10
T_OPEN, T_CLOSE, T_DAYS, T_SESSION_END = range(4)
SIG_FIELDS = ("decision_price", "stop", "atr", "swing_low", "swing_high", "limit_price")
G_DECISION, G_STOP, G_ATR, G_SWING_LOW, G_SWING_HIGH, G_LIMIT = range(6)

# fv: fill model, cost model (10 fields), exit rules and sizing, account, per-column rows.
F_PARTICIPATION, F_SLIP_HALF, F_SLIP_SIZE, F_IMPACT_Y, F_IMPACT_THR = 0, 1, 2, 3, 4
F_LAT_LOW, F_LAT_HIGH, F_LAT_SIGMA, F_COST = 5, 6, 7, 8
N_COST = 10
X_TP, X_TRAIL_ACT, X_TRAIL_ATR, X_STOP_OFF, X_MAX_RISK, X_CHAND = 18, 19, 20, 21, 22, 23
X_RISK_FRACTION, X_FRACTION = 24, 25
A_CASH, A_EXPLICIT, A_BORROW = 26, 27, 28
F_COLS = 29
CF_MI, CF_MM, CF_BORROW, CF_LAST, CF_PREV = range(5)
N_CF = 5

# iv: counters, int parameters, per-column rows.
N_ORDERS, N_TRADES, N_FILLS, N_REFUSALS, N_LIVE, STATUS, N_RANK, I_K = range(8)
I_COST_KIND, I_LAT_KIND, I_ALLOW_SHORT, I_COST_CAP = 8, 9, 10, 11
XI_TP, XI_TRAIL, XI_STOP_OFF, XI_MAX_RISK, XI_CHAND, XI_TIME, XI_TIME_BARS = range(12, 19)
XI_TIGHTEN, XI_METHOD, XI_SHARES, XI_REENTER = 19, 20, 21, 22
G_FIELDS = 23  # 6 rows of ``sg`` (or -1)
I_COLS = 29
CI_LOT, CI_POS, CI_RANK, CI_OH, CI_OT, CI_OC, CI_TH, CI_TT, CI_TC = range(9)
CI_ENT_J, CI_ENT_D, CI_M0, CI_M1 = 9, 10, 11, 12
N_CI = 13
# Statuses: 0 fine, else the Python engine decides (and raises if it must).
OK, ERR_UNMODELLED = 0, 2


@njit(cache=True, inline="always")
def fc(fv: np.ndarray, iv: np.ndarray, row: int, j: int) -> int:
    """Return the index in ``fv`` of per-column float ``row`` of column ``j``."""
    return F_COLS + row * iv[I_K] + j


@njit(cache=True, inline="always")
def ic(iv: np.ndarray, row: int, j: int) -> int:
    """Return the index in ``iv`` of per-column int ``row`` of column ``j``."""
    return I_COLS + row * iv[I_K] + j


@intrinsic
def borrowed(typingctx, arr):  # type: ignore[no-untyped-def]
    """Return a view of ``arr`` that numba does not reference-count (no meminfo).

    The caller must keep ``arr`` alive while the view is used.
    """
    if not isinstance(arr, types.Array):
        return None

    def codegen(context, builder, signature, args):
        src = context.make_array(arr)(context, builder, value=args[0])
        out = context.make_array(arr)(context, builder)
        for name in ("nitems", "itemsize", "data", "shape", "strides"):
            setattr(out, name, getattr(src, name))
        out.meminfo = cgutils.get_null_value(out.meminfo.type)
        out.parent = cgutils.get_null_value(out.parent.type)
        return out._getvalue()

    return arr(arr), codegen


@intrinsic
def borrowed_rng(typingctx, rng):  # type: ignore[no-untyped-def]
    """Return ``rng`` (a numpy Generator) without numba's reference count, as `borrowed`."""
    if not isinstance(rng, types.NumPyRandomGeneratorType):
        return None

    def codegen(context, builder, signature, args):
        src = cgutils.create_struct_proxy(rng)(context, builder, value=args[0])
        out = cgutils.create_struct_proxy(rng)(context, builder)
        out.bit_generator = src.bit_generator
        out.meminfo = cgutils.get_null_value(out.meminfo.type)
        out.parent = src.parent
        return out._getvalue()

    return rng(rng), codegen
