"""Numba kernels behind the TA-Lib-compatible functions.

Every kernel takes the valid part of its inputs (after the leading NaN run that
``talib`` skips) and an output view of the same length, and writes NaN over its
lookback and values after it. Kernels follow TA-Lib's C arithmetic step by step,
including where its build fuses a multiply and an add, so results match it bit
for bit in most places and within rounding elsewhere.
"""
