"""Benchmark both backtesters against backtesting.py and vectorbt, in one process.

Run ``python benchmarks/backtest.py`` (or ``make bench``). Four cases, all on the same
SMA(10)/SMA(20) stop-and-reverse crossover (signals computed before timing):

- signal mode (`quant.backtest.simulate`, simple fills: next open, 0.2 % commission,
  10 shares per entry) on 1 x 1,000,000 hourly bars and on 500 symbols x 2,000 daily bars;
- the event-driven engine (`quant.backtest.engine.run_engine`) with the full fill model:
  moomoo US costs, uniform 20-200 ms latency, slippage, square-root impact, 10 %
  participation cap, the default exits plus the chandelier exit, 100 shares per entry, on
  the same two data sets (the 500 symbols share one cash account).

Every time is the median of ``--repeats`` runs after a warm-up. vectorbt (optional, never a
project dependency) runs the same signals with ``from_signals``; for the engine rows it adds
its stop-loss, take-profit, fees and slippage. backtesting.py runs a subset of the bars
(it manages about 100,000 bars/s), the same strategy with commission, plus stop-loss and
take-profit orders for the engine rows; its bars/s are compared. The JIT cost (numba cache
load and cold compile) is measured in fresh processes and reported apart. Prints one
markdown table, then the agreement checks and the machine load.
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
from quant.backtest.engine import EngineConfig, ExitRules, Sizing, run_engine  # noqa: E402
from quant.backtest.fills import FillConfig, moomoo_us  # noqa: E402

FAST, SLOW, COMMISSION, CASH, SHARES = 10, 20, 0.002, 10_000.0, 10
FULL_SHARES, SL, TP = 100, 0.05, 0.10  # engine rows; vectorbt/backtesting.py stop levels
TARGETS = {"signal": 10e6, "full": 1e6}  # bars/s at least
UNIVERSE_MS = 200.0  # the "500 x 2,000 portfolio under 200 ms"


def _import_vectorbt() -> Any:
    """Return vectorbt or None. vectorbt 1.0 (the last for pandas < 3) predates plotly 6,
    which renamed a template key; skip that one key while vectorbt builds its theme."""
    try:
        import plotly.graph_objs as go
    except ImportError:
        go = None
    original = go.layout.Template.__init__ if go else None

    def tolerant(self: Any, arg: Any = None, layout: Any = None, data: Any = None,
                 **kw: Any) -> None:
        kw.setdefault("skip_invalid", True)
        original(self, arg, layout, data, **kw)  # type: ignore[misc]

    if go:
        go.layout.Template.__init__ = tolerant
    try:
        import vectorbt
    except ImportError:
        return None
    finally:
        if go:
            go.layout.Template.__init__ = original
    return vectorbt


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
    """Return seeded random-walk daily OHLCV, columns (field, symbol)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.015, (bars, symbols)), axis=0))
    open_ = np.vstack([np.full((1, symbols), 100.0), close[:-1]]) * np.exp(
        rng.normal(0.0, 0.003, (bars, symbols)))
    wick = np.exp(np.abs(rng.normal(0.0, 0.006, (2, bars, symbols))))
    high, low = np.maximum(open_, close) * wick[0], np.minimum(open_, close) / wick[1]
    volume = rng.integers(50_000, 500_000, (bars, symbols)).astype(float)
    index = pd.bdate_range("2015-01-01", periods=bars)
    names = [f"S{k:03d}" for k in range(symbols)]
    return pd.concat({f: pd.DataFrame(v, index, names) for f, v in (
        ("Open", open_), ("High", high), ("Low", low), ("Close", close), ("Volume", volume))},
        axis=1)


def crosses(close: pd.DataFrame | pd.Series) -> tuple[Any, Any]:
    """Return boolean (cross up, cross down) of SMA(FAST) over SMA(SLOW), decided at close."""
    f, s = close.rolling(FAST).mean(), close.rolling(SLOW).mean()
    return (f.shift(1) < s.shift(1)) & (f > s), (s.shift(1) < f.shift(1)) & (s > f)


def target_of(up: Any, down: Any) -> Any:
    """Return the stop-and-reverse target: +1 at a cross up, -1 at a cross down, else NaN."""
    return up * 1.0 - down * 1.0 + np.where(up | down, 0.0, np.nan)


def engine_config(intraday: bool, cash: float) -> EngineConfig:
    """Return the full fill model configuration of the engine rows."""
    return EngineConfig(cash=cash, fill=FillConfig(costs=moomoo_us()),
                        sizing=Sizing("shares", shares=FULL_SHARES),
                        exits=ExitRules(chandelier_atr=3.0),
                        bar_duration=pd.Timedelta(hours=1) if intraday else None)


def median_s(fn: Callable[[], Any], repeats: int) -> float:
    """Return the median wall time of ``fn`` in seconds after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def run_vectorbt(ohlcv: pd.DataFrame, up: Any, down: Any, full: bool) -> Any:
    """Run vectorbt's from_signals: orders decided at a close fill at the next open."""
    extra = dict(sl_stop=SL, tp_stop=TP, slippage=0.0005) if full else {}
    return vbt.Portfolio.from_signals(
        ohlcv["Close"], entries=up.shift(1, fill_value=False),
        short_entries=down.shift(1, fill_value=False), price=ohlcv["Open"], fees=COMMISSION,
        size=FULL_SHARES if full else SHARES, init_cash=CASH * (100 if full else 1),
        upon_opposite_entry="reverse", **extra)


def run_backtesting(ohlcv: pd.DataFrame, full: bool) -> pd.Series:
    """Run the crossover in backtesting.py (its run() also computes its statistics)."""
    from backtesting import Backtest, Strategy
    from backtesting.lib import crossover
    from backtesting.test import SMA

    class SmaCross(Strategy):
        def init(self) -> None:
            self.fast = self.I(SMA, self.data.Close, FAST)
            self.slow = self.I(SMA, self.data.Close, SLOW)

        def next(self) -> None:
            price = self.data.Close[-1]
            for d, hit in ((1, crossover(self.fast, self.slow)),
                           (-1, crossover(self.slow, self.fast))):
                if not hit:
                    continue
                self.position.close()
                stops = dict(sl=price * (1 - d * SL), tp=price * (1 + d * TP)) if full else {}
                (self.buy if d > 0 else self.sell)(size=FULL_SHARES if full else SHARES,
                                                   **stops)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Backtest(ohlcv, SmaCross, cash=CASH * (100 if full else 1),
                        commission=COMMISSION).run()


_FIRST_CALL = """
import time, numpy as np, pandas as pd
t0 = time.perf_counter()
from quant.backtest import simulate
from quant.backtest.engine import run_engine, EngineConfig, ExitRules
t1 = time.perf_counter()
idx = pd.bdate_range("2020-01-01", periods=300)
c = 100 + np.cumsum(np.random.default_rng(0).normal(0, 1, 300))
df = pd.DataFrame({"Open": c, "High": c + 1, "Low": c - 1, "Close": c, "Volume": 1e6}, index=idx)
t = np.where(np.arange(300) % 20 == 0, np.where(np.arange(300) % 40 == 0, 1.0, -1.0), np.nan)
simulate(df, t, commission=0.002)
t2 = time.perf_counter()
run_engine(df, pd.Series(t, index=idx), EngineConfig(exits=ExitRules(chandelier_atr=3.0)))
t3 = time.perf_counter()
print(f"{t1 - t0:.3f} {t2 - t1:.3f} {t3 - t2:.3f}")
"""


def first_call_cost(cold: bool) -> list[float]:
    """Return (import, first simulate, first run_engine) seconds in a fresh process."""
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        if cold:
            env["NUMBA_CACHE_DIR"] = tmp
        out = subprocess.run([sys.executable, "-c", _FIRST_CALL], cwd=ROOT, env=env,
                             check=True, capture_output=True, text=True).stdout.split()
    return [float(x) for x in out]


def measure(mode: str, case: str, bars: int, data: pd.DataFrame, up: Any, down: Any,
            ours: Callable[[], Any], bt_samples: Any, repeats: int, notes: list[str],
            ) -> tuple[str, str, int, float, float, float | None]:
    """Return (mode, case, bars, ours s, backtesting.py bars/s, vectorbt s); add notes."""
    full = mode == "full"
    ours_s = median_s(ours, repeats)
    res = ours()
    vbt_s = None
    if vbt is not None:
        t0 = time.perf_counter()
        pf = run_vectorbt(data, up, down, full)
        if not any(n.startswith("vectorbt's first call") for n in notes):
            notes.append(f"vectorbt's first call (JIT compile or cache load): "
                         f"{time.perf_counter() - t0:.1f} s")
        vbt_s = median_s(lambda: run_vectorbt(data, up, down, full), repeats)
        if not full:
            final = np.sum(res.equity.iloc[-1])
            trades = int(np.sum(pf.trades.count()))
            notes.append(f"{mode} {case}: final equity (summed over columns) ours "
                         f"{final:,.2f}, vectorbt {np.sum(pf.final_value()):,.2f}; trades ours "
                         f"{len(res.trades):,}, vectorbt {trades:,} (both count open ones)"
                         + ("; where the cash cannot pay for an entry ours skips it, as "
                            "backtesting.py does, vectorbt buys what it can (allow_partial)"
                            if trades != len(res.trades) else ""))
    if full:
        notes.append(f"{mode} {case}: {len(res.trades):,} trades, {len(res.orders):,} orders, "
                     f"{len(res.fills):,} fills, {len(res.refusals):,} refusals")
    samples = bt_samples if isinstance(bt_samples, list) else [bt_samples]
    t0 = time.perf_counter()
    for sample in samples:
        run_backtesting(sample, full)
    bt_rate = sum(len(sample) for sample in samples) / (time.perf_counter() - t0)
    return mode, case, bars, ours_s, bt_rate, vbt_s


def _rate(bars: int, seconds: float | None) -> str:
    return "" if seconds is None else f"{bars / seconds:,.0f}"


def main() -> None:
    """Run the benchmark and print its report."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--bars", type=int, default=1_000_000)
    p.add_argument("--symbols", type=int, default=500)
    p.add_argument("--symbol-bars", type=int, default=2_000)
    p.add_argument("--bt-bars", type=int, default=100_000, help="bars for backtesting.py")
    p.add_argument("--bt-symbols", type=int, default=10, help="symbols for backtesting.py")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--skip-cold", action="store_true", help="skip the cold-compile probe")
    args = p.parse_args()
    load_before = os.getloadavg()
    notes: list[str] = []
    long, uni = goog_tiled(args.bars), universe(args.symbols, args.symbol_bars)
    up, down = crosses(long["Close"])
    up2, down2 = crosses(uni["Close"])
    target, target2 = target_of(up, down), target_of(up2, down2)
    cells = args.symbols * args.symbol_bars
    hourly, daily = engine_config(True, CASH * 100), engine_config(False, CASH * 1000)
    cases = [
        ("signal", f"1 x {args.bars:,}", args.bars, long, up, down,
         lambda: simulate(long, target, cash=CASH, commission=COMMISSION, size=SHARES)),
        ("signal", f"{args.symbols} x {args.symbol_bars:,}", cells, uni, up2, down2,
         lambda: simulate(uni, target2, cash=CASH, commission=COMMISSION, size=SHARES)),
        ("full", f"1 x {args.bars:,}", args.bars, long, up, down,
         lambda: run_engine(long, target, hourly, symbol="GOOG")),
        ("full", f"{args.symbols} x {args.symbol_bars:,} portfolio", cells, uni, up2, down2,
         lambda: run_engine(uni, target2, daily)),
    ]
    bt_long = goog_tiled(args.bt_bars)
    bt_syms = [uni.xs(c, axis=1, level=1) for c in uni["Close"].columns[:args.bt_symbols]]
    rows = [measure(*c, bt_long if c[1].startswith("1 x") else bt_syms, args.repeats, notes)
            for c in cases]
    ref = run_backtesting(bt_long, False)
    bt_target = target_of(*crosses(bt_long["Close"]))
    bt_target.iloc[SLOW - 1] = 0.0  # flat until the first cross, as backtesting.py starts
    mine = simulate(bt_long, bt_target, cash=CASH, commission=COMMISSION, size=SHARES)
    notes.append(f"signal 1 x {args.bt_bars:,} (backtesting.py's sample): closed trades ours "
                 f"{mine.stats['n_trades']}, backtesting.py {ref['# Trades']}; equity final "
                 f"ours {mine.stats['equity_final']:,.2f}, backtesting.py "
                 f"{ref['Equity Final [$]']:,.2f}")

    import backtesting

    vname = f"vectorbt {vbt.__version__}" if vbt is not None else "vectorbt (not installed)"
    print(f"## Backtest speed: SMA({FAST})/SMA({SLOW}) stop-and-reverse, median of "
          f"{args.repeats} after a warm-up\n")
    print(f"| case | ours ms | ours bars/s | backtesting.py {backtesting.__version__} bars/s "
          f"| {vname} ms | vectorbt bars/s | x bt.py | x vectorbt | target | |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for mode, case, bars, s, bt_rate, vs in rows:
        rate = bars / s
        min_rate = TARGETS[mode]
        goal = f">= {min_rate / 1e6:.0f} M bars/s"
        ok = rate >= min_rate
        if not case.startswith("1 x"):  # the universe: the 200 ms portfolio target
            goal += f", < {UNIVERSE_MS:.0f} ms"
            ok = ok and s * 1e3 < UNIVERSE_MS
        label = "signal mode" if mode == "signal" else "full fill model"
        print(f"| {label}, {case} | {s * 1e3:,.1f} | {rate:,.0f} | {bt_rate:,.0f} | "
              f"{'' if vs is None else f'{vs * 1e3:,.1f}'} | {_rate(bars, vs)} | "
              f"{rate / bt_rate:,.0f} | {'' if vs is None else f'{vs / s:,.1f}'} | {goal} | "
              f"{'met' if ok else 'MISSED'} |")
    print()
    for note in notes:
        print(f"- {note}")
    print(f"- backtesting.py ran {args.bt_bars:,} hourly bars for the 1 x rows and "
          f"{args.bt_symbols} symbols x {args.symbol_bars:,} bars for the universe rows "
          "(one run each); the engine rows' anchors add stop-loss and take-profit orders")
    print("\n## First call (fresh process; excluded from the timings above)\n")
    warm = first_call_cost(cold=False)
    print(f"- numba cache load: import {warm[0]:.2f} s, first simulate {warm[1]:.2f} s, "
          f"first run_engine {warm[2]:.2f} s")
    if not args.skip_cold:
        cold = first_call_cost(cold=True)
        print(f"- cold compile (empty numba cache): import {cold[0]:.2f} s, first simulate "
              f"{cold[1]:.2f} s, first run_engine {cold[2]:.2f} s")
    load_after = os.getloadavg()
    print(f"\nLoad average (1, 5, 15 min) on {os.cpu_count()} cores: before "
          f"{', '.join(f'{x:.2f}' for x in load_before)}; after "
          f"{', '.join(f'{x:.2f}' for x in load_after)}")


if __name__ == "__main__":
    main()
