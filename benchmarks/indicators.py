"""Benchmark the TA-Lib-compatible indicators against talib in one process.

Run ``python benchmarks/indicators.py`` (1,000,000 bars) or ``--bars 100000`` for a
quick pass. Prints a markdown table (ours ms | talib ms | ratio, flagging ratios
above 1.5), the first-call JIT/cache-load cost measured in fresh processes, and
the time of a seed indicator set over 500 symbols x 2,000 daily bars.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import talib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import quant.indicators as qi  # noqa: E402
from quant.indicators import candles  # noqa: E402

SLOW_RATIO = 1.5

# name -> (input columns, keyword parameters)
R, HL, HLC, OHLC, CV, HLCV = (
    ("close",), ("high", "low"), ("high", "low", "close"), ("open", "high", "low", "close"),
    ("close", "volume"), ("high", "low", "close", "volume"),
)
CASES: dict[str, tuple[tuple[str, ...], dict[str, Any]]] = {
    "sma": (R, {}), "ema": (R, {}), "wma": (R, {}), "dema": (R, {}), "tema": (R, {}),
    "trima": (R, {}), "kama": (R, {}), "t3": (R, {}), "macd": (R, {}), "macdext": (R, {}),
    "rsi": (R, {}), "stoch": (HLC, {}), "stochf": (HLC, {}), "stochrsi": (R, {}),
    "roc": (R, {}), "rocp": (R, {}), "mom": (R, {}), "willr": (HLC, {}), "cci": (HLC, {}),
    "cmo": (R, {}), "ppo": (R, {}), "apo": (R, {}), "trix": (R, {}), "ultosc": (HLC, {}),
    "bop": (OHLC, {}), "aroon": (HL, {}), "aroonosc": (HL, {}), "adx": (HLC, {}),
    "adxr": (HLC, {}), "dx": (HLC, {}), "plus_di": (HLC, {}), "minus_di": (HLC, {}),
    "plus_dm": (HL, {}), "minus_dm": (HL, {}), "sar": (HL, {}), "bbands": (R, {}),
    "atr": (HLC, {}), "natr": (HLC, {}), "trange": (HLC, {}), "obv": (CV, {}),
    "ad": (HLCV, {}), "adosc": (HLCV, {}), "mfi": (HLCV, {}), "midpoint": (R, {}),
    "midprice": (HL, {}), "linearreg": (R, {}), "linearreg_slope": (R, {}),
    "stddev": (R, {}), "var": (R, {}),
}
CASES.update({name: (OHLC, {}) for name in candles.__all__})

SEED_SET: list[tuple[str, tuple[str, ...]]] = [
    ("sma", R), ("ema", R), ("rsi", R), ("macd", R), ("bbands", R), ("atr", HLC),
    ("adx", HLC), ("stoch", HLC), ("obv", CV), ("mfi", HLCV), ("cci", HLC), ("willr", HLC),
    ("sar", HL),
]


def make_bars(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    """Return seeded random-walk OHLCV bars."""
    rng = np.random.default_rng(seed)
    close = 100 + np.cumsum(rng.normal(0, 1, n))
    open_ = close + rng.normal(0, 0.5, n)
    high = np.maximum(open_, close) + np.abs(rng.normal(0, 0.5, n))
    low = np.minimum(open_, close) - np.abs(rng.normal(0, 0.5, n))
    volume = rng.integers(100, 10_000, n).astype(np.float64)
    return {"open": open_, "high": high, "low": low, "close": close, "volume": volume}


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    """Return the median wall time of ``fn`` in ms after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times)


def compare(bars: dict[str, np.ndarray], repeats: int) -> list[tuple[str, float, float]]:
    """Time every function against its talib twin on the same inputs."""
    rows = []
    for name, (cols, params) in CASES.items():
        args = [bars[c] for c in cols]
        ours = getattr(qi, name)
        ref = getattr(talib, name.upper())
        rows.append((name, median_ms(lambda o=ours, a=args, p=params: o(*a, **p), repeats),
                     median_ms(lambda r=ref, a=args, p=params: r(*a, **p), repeats)))
    return rows


_FIRST_CALL = """
import time, numpy as np
t0 = time.perf_counter()
import quant.indicators as qi
from quant.indicators import candles
t1 = time.perf_counter()
n = 300
c = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, n)); h = c + 1; lo = c - 1
v = np.full(n, 1e3)
cols = {{"open": c, "high": h, "low": lo, "close": c, "volume": v}}
cases = {cases!r}
for name, (inputs, params) in cases.items():
    getattr(qi, name)(*[cols[k] for k in inputs], **params)
t2 = time.perf_counter()
print(f"{{t1 - t0:.3f}} {{t2 - t1:.3f}}")
"""


def first_call_cost(cold: bool) -> tuple[float, float]:
    """Return (import s, first call of every function s) in a fresh process.

    ``cold`` points numba at an empty cache directory, so every kernel compiles;
    otherwise the on-disk cache (warmed by a previous run) is loaded.
    """
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if cold:
            env["NUMBA_CACHE_DIR"] = tmp
        code = _FIRST_CALL.format(cases=CASES)
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True,
                             capture_output=True, text=True).stdout.split()
    return float(out[0]), float(out[1])


def seed_set(symbols: int, bars: int, workers: int) -> tuple[float, float]:
    """Return (ours s, talib s) for the seed set over ``symbols`` series on ``workers`` threads."""
    universe = [make_bars(bars, seed) for seed in range(symbols)]

    def run(module: Any, upper: bool) -> float:
        def one(data: dict[str, np.ndarray]) -> None:
            for name, cols in SEED_SET:
                getattr(module, name.upper() if upper else name)(*[data[c] for c in cols])

        one(universe[0])
        t0 = time.perf_counter()
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(one, universe))
        return time.perf_counter() - t0

    return run(qi, False), run(talib, True)


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--symbol-bars", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold-compile probe")
    args = parser.parse_args()

    bars = make_bars(args.bars)
    print(f"## TA-Lib-compatible functions vs talib {talib.__version__}, {args.bars:,} bars "
          f"(median of {args.repeats} after a warm-up)\n")
    print("| function | ours ms | talib ms | ratio |")
    print("|---|---:|---:|---:|")
    slow = []
    for name, ours, ref in compare(bars, args.repeats):
        ratio = ours / ref if ref > 0 else float("inf")
        flag = " **> 1.5**" if ratio > SLOW_RATIO else ""
        if flag:
            slow.append(name)
        print(f"| {name} | {ours:.2f} | {ref:.2f} | {ratio:.2f}{flag} |")
    print(f"\nover {SLOW_RATIO}x: {', '.join(slow) if slow else 'none'}\n")

    print("## First call (fresh process)\n")
    warm = first_call_cost(cold=False)
    print(f"- cache load: import {warm[0]:.2f} s, first call of all {len(CASES)} functions "
          f"{warm[1]:.2f} s")
    if not args.skip_cold:
        cold = first_call_cost(cold=True)
        print(f"- cold compile (empty numba cache): import {cold[0]:.2f} s, first call of all "
              f"functions {cold[1]:.2f} s")

    ours_s, ref_s = seed_set(args.symbols, args.symbol_bars, args.workers)
    names = "/".join(n for n, _ in SEED_SET)
    print(f"\n## Seed set ({names}), {args.symbols} symbols x {args.symbol_bars:,} bars, "
          f"{args.workers} threads\n")
    print(f"- ours {ours_s:.3f} s, talib {ref_s:.3f} s (target < 1 s)")


if __name__ == "__main__":
    main()
