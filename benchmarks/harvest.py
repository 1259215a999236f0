"""Harvest benchmark: seconds and peak memory of the demo harvest and of a 500-equity daily load.

Run: ``.venv/bin/python benchmarks/harvest.py`` (``make bench``). Each case runs in a fresh
child process so its peak resident memory is its own. Targets: the demo harvest (``make run``)
under 120 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_DEMO = """
import sys
from drilldown_cli.main import app
try:
    app(["run", "--as-of", sys.argv[2]], standalone_mode=False)
except SystemExit as exit_:
    if exit_.code:
        raise
"""

_DAILY_500 = """
import sys
from harvest import contracts as c
from harvest.synthetic.source import SyntheticSource
from warehouse import Scope, Warehouse
src = SyntheticSource(as_of=sys.argv[2], intraday_days=0, depth_days=0, extra_equities=464)
stocks = [s.symbol for s in src.specs if s.instrument_type == "stock"]
assert len(stocks) == 500, len(stocks)
days = src.days[-504:]
frame = src.fetch(c.DAILY_BARS, symbols=stocks, start=days[0], end=days[-1])
Warehouse(sys.argv[1]).replace(c.DAILY_BARS, frame, Scope(stocks, days[0], days[-1]))
print(len(frame), "rows")
"""

# Each case reports its own peak: the children's rusage is a maximum over all of them.
_PEAK = "\nimport resource\nprint('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"


def _child(code: str, args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``code`` in a fresh interpreter; return wall seconds, its peak RSS (MiB), last line."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code + _PEAK, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"benchmark case failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    lines = proc.stdout.strip().splitlines()
    peak_kb = float(lines[-1].split()[1])
    return seconds, peak_kb / 1024.0, lines[-2]


def main() -> None:
    """Run both cases and print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--as-of", default="2026-11-20")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "DRILLDOWN_WAREHOUSE": f"{tmp}/demo.duckdb",
            "DAGSTER_HOME": f"{tmp}/home",
        }
        Path(env["DAGSTER_HOME"]).mkdir()
        (Path(env["DAGSTER_HOME"]) / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        rows = []
        secs, peak, last = _child(_DEMO, ["-", args.as_of], env)
        rows.append(("demo harvest (`drilldown run`, 52 instruments)", secs, peak, last))
        secs, peak, last = _child(_DAILY_500, [f"{tmp}/daily500.duckdb", args.as_of], env)
        rows.append(("500 equities x 504 sessions daily (generate + write)", secs, peak, last))
    print(f"cores: {os.cpu_count()}")
    print("| case | seconds | peak RSS MiB | result |")
    print("|---|---:|---:|---|")
    for name, secs, peak, last in rows:
        print(f"| {name} | {secs:.1f} | {peak:.0f} | {last} |")
    print(f"\ndemo harvest vs the 120 s target: {rows[0][1] / 120.0:.2f}x of the budget")


if __name__ == "__main__":
    main()
