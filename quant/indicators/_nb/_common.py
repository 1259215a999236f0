"""Shared kernel helpers: fused multiply-add and the leading-NaN scan."""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

NAN = np.nan


@intrinsic
def fma(typingctx, a, b, c):  # type: ignore[no-untyped-def]
    """Return ``a * b + c`` rounded once, as TA-Lib's FMA build computes it."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):  # type: ignore[no-untyped-def]
        d = ir.DoubleType()
        fnty = ir.FunctionType(d, [d, d, d])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.fma.f64")
        return builder.call(fn, args)

    return sig, codegen


@njit(cache=True, nogil=True)
def first_valid(a: np.ndarray, b: np.ndarray, c: np.ndarray, d: np.ndarray) -> int:
    """Return the first index where all four inputs are non-NaN.

    Mirror talib's wrapper: when no such index exists, return the last index so
    that one bar is still handed to the function (an empty input returns 0).
    """
    n = a.shape[0]
    for i in range(n):
        if a[i] == a[i] and b[i] == b[i] and c[i] == c[i] and d[i] == d[i]:
            return i
    return max(n - 1, 0)


@njit(cache=True, nogil=True)
def fill_nan(out: np.ndarray, stop: int) -> None:
    """Write NaN over ``out[:stop]`` (clamped to the array)."""
    m = min(stop, out.shape[0])
    for i in range(m):
        out[i] = NAN


@njit(cache=True, nogil=True)
def true_range(high: float, low: float, prev_close: float) -> float:
    """Return Wilder's true range with TA-Lib's comparison order."""
    rng = high - low
    tmp = abs(high - prev_close)
    if tmp > rng:
        rng = tmp
    tmp = abs(low - prev_close)
    if tmp > rng:
        rng = tmp
    return rng
