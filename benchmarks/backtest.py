"""Benchmark the signal-mode backtester against backtesting.py and vectorbt in one process.

Run ``python benchmarks/backtest.py`` (1,000,000 bars; 500 symbols x 2,000 bars; 100,000
bars for backtesting.py) or smaller sizes for a quick pass. Every engine runs the same
SMA(10)/SMA(20) stop-and-reverse crossover with 0.2 % commission on the same bars, 10
shares per entry (all-in sizing would compound a profitable crossover past 2**53 shares
over a million bars); the signals are computed before timing. Prints a markdown table
(median ms, bars/s, how many times faster ours is than each anchor), a check that the
engines agree, and the JIT cost measured in fresh processes. vectorbt is optional
(benchmark-only, not a project dependency): when it is missing, the script says so and
goes on.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from quant.backtest import simulate  # noqa: E402

FAST, SLOW, COMMISSION, CASH, SHARES = 10, 20, 0.002, 10_000.0, 10
TARGET_BARS_PER_S = 10e6
TARGET_UNIVERSE_MS = 200.0

def _import_vectorbt():
    try:
        import plotly.graph_objs as go
    except ImportError:
        go = None
    orig = go.layout.Template.__init__ if go else None
    if go:
        def init(self, arg=None, layout=None, data=None, **kw):
            kw.setdefault("skip_invalid", True)
            orig(self, arg, layout, data, **kw)
        go.layout.Template.__init__ = init
    try:
        import vectorbt
        return vectorbt
    except ImportError:
        return None
    finally:
        if go:
            go.layout.Template.__init__ = orig

vbt = _import_vectorbt()


def goog_tiled(n: int) -> pd.DataFrame:
    """Return ``n`` hourly bars of GOOG played forward, then backward, and so on.

    Mirroring (a reversed pass swaps each bar's open and close) keeps the price path
    continuous and within GOOG's range however long the series gets.
    """
    from backtesting.test import GOOG

    fwd = GOOG[["Open", "High", "Low", "Close", "Volume"]].to_numpy()
    back = fwd[::-1][:, [3, 1, 2, 0, 4]]
    reps = -(-n // len(fwd))
    bars = np.concatenate([fwd if k % 2 == 0 else back for k in range(reps)])[:n]
    index = pd.date_range("2000-01-03", periods=n, freq="h")
    return pd.DataFrame(bars, index=index, columns=["Open", "High", "Low", "Close", "Volume"])


def universe(symbols: int, bars: int, seed: int = 0) -> pd.DataFrame:
    """Return seeded random-walk daily bars, columns (field, symbol)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.015, (bars, symbols)), axis=0))
    open_ = np.vstack([np.full((1, symbols), 100.0), close[:-1]]) * np.exp(
        rng.normal(0.0, 0.003, (bars, symbols))
    )
    index = pd.bdate_range("2015-01-01", periods=bars)
    names = [f"S{k:03d}" for k in range(symbols)]
    return pd.concat(
        {"Open": pd.DataFrame(open_, index, names), "Close": pd.DataFrame(close, index, names)},
        axis=1,
    )


def crosses(close: pd.DataFrame | pd.Series) -> tuple[Any, Any]:
    """Return boolean (cross up, cross down) of SMA(FAST) over SMA(SLOW), decided at close."""
    f, s = close.rolling(FAST).mean(), close.rolling(SLOW).mean()
    up = (f.shift(1) < s.shift(1)) & (f > s)
    down = (s.shift(1) < f.shift(1)) & (s > f)
    return up, down


def target_of(up: Any, down: Any) -> Any:
    """Return the stop-and-reverse target: +1 at a cross up, -1 at a cross down, else NaN."""
    return up * 1.0 - down * 1.0 + np.where(up | down, 0.0, np.nan)


def median_s(fn: Callable[[], Any], repeats: int) -> float:
    """Return the median wall time of ``fn`` in seconds after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_ours(ohlcv: pd.DataFrame, target: Any) -> Any:
    """Run our engine (statistics are lazy and not part of this time)."""
    return simulate(ohlcv, target, cash=CASH, commission=COMMISSION, size=SHARES)


def run_vectorbt(ohlcv: pd.DataFrame, up: Any, down: Any) -> Any:
    """Run vectorbt's from_signals: orders decided at a close fill at the next open."""
    close, open_ = ohlcv["Close"], ohlcv["Open"]
    return vbt.Portfolio.from_signals(
        close,
        entries=up.shift(1, fill_value=False),
        short_entries=down.shift(1, fill_value=False),
        price=open_,
        fees=COMMISSION,
        size=SHARES,
        init_cash=CASH,
        upon_opposite_entry="reverse",
    )


def run_backtesting(ohlcv: pd.DataFrame) -> pd.Series:
    """Run the same crossover in backtesting.py (its run() also computes its statistics)."""
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class SmaCross(Strategy):
        def init(self) -> None:
            self.fast = self.I(SMA, self.data.Close, FAST)
            self.slow = self.I(SMA, self.data.Close, SLOW)

        def next(self) -> None:
            if crossover(self.fast, self.slow):
                self.position.close()
                self.buy(size=SHARES)
            elif crossover(self.slow, self.fast):
                self.position.close()
                self.sell(size=SHARES)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Backtest(ohlcv, SmaCross, cash=CASH, commission=COMMISSION).run()


_FIRST_CALL = """
import time, numpy as np, pandas as pd
t0 = time.perf_counter()
from quant.backtest import simulate
t1 = time.perf_counter()
idx = pd.bdate_range("2020-01-01", periods=300)
c = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, 300))
df = pd.DataFrame({"Open": c, "Close": c}, index=idx)
t = np.where(np.arange(300) % 20 == 0, np.where(np.arange(300) % 40 == 0, 1.0, -1.0), np.nan)
simulate(df, t, commission=0.002)
t2 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f}")
"""


def first_call_cost(cold: bool) -> tuple[float, float]:
    """Return (import s, first simulate s) in a fresh process; cold = empty numba cache."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if cold:
            env["NUMBA_CACHE_DIR"] = tmp
        out = subprocess.run(
            [sys.executable, "-c", _FIRST_CALL],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    return float(out[0]), float(out[1])


def main() -> None:
    """Run the benchmark and print its report."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bars", type=int, default=1_000_000)
    parser.add_argument("--bt-bars", type=int, default=100_000, help="bars for backtesting.py")
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--symbol-bars", type=int, default=2_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--skip-cold", action="store_true", help="skip the cold-compile probe")
    args = parser.parse_args()

    rows: list[tuple[str, str, int, float, float | None]] = []  # case, engine, bars, s, anchor
    notes: list[str] = []

    def add(case: str, engine: str, bars: int, seconds: float, ours: float | None) -> None:
        rows.append((case, engine, bars, seconds, ours))

    # 1. One long series: ours and vectorbt.
    long = goog_tiled(args.bars)
    up, down = crosses(long["Close"])
    target = target_of(up, down)
    case = f"1 x {args.bars:,} bars"
    ours_long = median_s(lambda: run_ours(long, target), args.repeats)
    add(case, "ours", args.bars, ours_long, None)
    res = run_ours(long, target)
    if vbt is not None:
        t0 = time.perf_counter()
        pf = run_vectorbt(long, up, down)
        vbt_first = time.perf_counter() - t0
        add(
            case,
            f"vectorbt {vbt.__version__}",
            args.bars,
            median_s(lambda: run_vectorbt(long, up, down), args.repeats),
            ours_long,
        )
        notes.append(f"vectorbt first call (JIT compile or cache load) {vbt_first:.1f} s")
        notes.append(
            f"{case}: final equity ours {res.equity.iloc[-1]:,.2f}, vectorbt "
            f"{pf.final_value():,.2f}; trades ours {len(res.trades)}, vectorbt "
            f"{pf.trades.count()} (both count the open one)"
        )

    # 2. A universe: independent portfolios per column.
    uni = universe(args.symbols, args.symbol_bars)
    up2, down2 = crosses(uni["Close"])
    target2 = target_of(up2, down2)
    cells = args.symbols * args.symbol_bars
    case2 = f"{args.symbols} x {args.symbol_bars:,} bars"
    ours_uni = median_s(lambda: run_ours(uni, target2), args.repeats)
    add(case2, "ours", cells, ours_uni, None)
    if vbt is not None:
        add(
            case2,
            f"vectorbt {vbt.__version__}",
            cells,
            median_s(lambda: run_vectorbt(uni, up2, down2), args.repeats),
            ours_uni,
        )

    # 3. backtesting.py on a size it can do in seconds; it computes statistics in run().
    short = goog_tiled(args.bt_bars)
    up3, down3 = crosses(short["Close"])
    target3 = target_of(up3, down3)
    target3.iloc[SLOW - 1] = 0.0  # flat until the first cross; buy and hold starts here
    case3 = f"1 x {args.bt_bars:,} bars"
    ours_short = median_s(lambda: run_ours(short, target3), args.repeats)
    with_stats = median_s(lambda: run_ours(short, target3).stats, args.repeats)
    t0 = time.perf_counter()
    ref = run_backtesting(short)
    bt_s = time.perf_counter() - t0
    import backtesting

    add(case3, "ours", args.bt_bars, ours_short, None)
    add(case3, "ours + stats", args.bt_bars, with_stats, None)
    add(
        case3, f"backtesting.py {backtesting.__version__} (+ stats)", args.bt_bars, bt_s, with_stats
    )
    mine = run_ours(short, target3)
    notes.append(
        f"{case3}: closed trades ours {mine.stats['n_trades']}, backtesting.py "
        f"{ref['# Trades']}; equity final ours {mine.stats['equity_final']:,.2f}, "
        f"backtesting.py {ref['Equity Final [$]']:,.2f}"
    )

    print(
        f"## Signal-mode backtest, SMA({FAST})/SMA({SLOW}) stop-and-reverse, commission "
        f"{COMMISSION:.1%} (median of {args.repeats} after a warm-up; backtesting.py: one "
        "run)\n"
    )
    print("| case | engine | ms | bars/s | ours x faster |")
    print("|---|---|---:|---:|---:|")
    for case_name, engine, bars, seconds, anchor in rows:
        ratio = f"{seconds / anchor:.1f}" if anchor else ""
        print(f"| {case_name} | {engine} | {seconds * 1e3:.1f} | {bars / seconds:,.0f} | {ratio} |")
    if vbt is None:
        print("\nvectorbt: not installed")
    print()
    for note in notes:
        print(f"- {note}")
    rate = args.bars / ours_long
    print(
        f"- target >= {TARGET_BARS_PER_S / 1e6:.0f} M bars/s: {rate / 1e6:.1f} M bars/s "
        f"({'met' if rate >= TARGET_BARS_PER_S else 'MISSED'})"
    )
    print(
        f"- target {case2} < {TARGET_UNIVERSE_MS:.0f} ms: {ours_uni * 1e3:.1f} ms "
        f"({'met' if ours_uni * 1e3 < TARGET_UNIVERSE_MS else 'MISSED'})"
    )

    print("\n## First call (fresh process; excluded from the timings above)\n")
    warm = first_call_cost(cold=False)
    print(f"- cache load: import {warm[0]:.2f} s, first simulate {warm[1]:.2f} s")
    if not args.skip_cold:
        cold = first_call_cost(cold=True)
        print(
            f"- cold compile (empty numba cache): import {cold[0]:.2f} s, first simulate "
            f"{cold[1]:.2f} s"
        )


if __name__ == "__main__":
    main()
