"""A warehouse filled by the synthetic source, and a way to run dbt against it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.dbt_project import DBT_EXECUTABLE, PROJECT_DIR
from tests.conftest import AS_OF


@dataclass(frozen=True)
class DbtRun:
    """What one dbt invocation did."""

    returncode: int
    output: str
    results: list[dict]  # run_results.json "results"

    def statuses(self) -> dict[str, str]:
        return {r["unique_id"]: r["status"] for r in self.results}


def run_dbt(args: list[str], warehouse: Path, workdir: Path) -> DbtRun:
    """Run dbt on ``warehouse`` with its own target and log folders under ``workdir``."""
    target = workdir / "target"
    proc = subprocess.run(
        [
            DBT_EXECUTABLE,
            *args,
            "--profiles-dir",
            str(PROJECT_DIR),
            "--target-path",
            str(target),
            "--log-path",
            str(workdir / "logs"),
        ],
        cwd=PROJECT_DIR,
        env={**os.environ, "DRILLDOWN_WAREHOUSE": str(warehouse)},
        capture_output=True,
        text=True,
        check=False,
    )
    results_file = target / "run_results.json"
    results = json.loads(results_file.read_text())["results"] if results_file.exists() else []
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, results)


@pytest.fixture(scope="session")
def raw_warehouse(tmp_path_factory) -> Path:
    """Return a warehouse holding the three raw tables dbt reads, for the demo universe."""
    from harvest import contracts as c
    from harvest.synthetic.source import EPOCH, SyntheticSource
    from warehouse import Warehouse

    path = tmp_path_factory.mktemp("raw") / "warehouse.duckdb"
    source = SyntheticSource(seed=11, as_of=AS_OF, intraday_days=1, depth_days=1)
    wh = Warehouse(path)
    wh.replace(c.INSTRUMENTS, source.fetch(c.INSTRUMENTS))
    wh.replace(c.FINANCIAL_STATEMENTS, source.fetch(c.FINANCIAL_STATEMENTS))
    wh.replace(c.DAILY_BARS, source.fetch(c.DAILY_BARS, start=EPOCH, end=AS_OF))
    return path


@pytest.fixture(scope="session")
def built(raw_warehouse, tmp_path_factory) -> tuple[Path, DbtRun]:
    """Return a copy of the raw warehouse after ``dbt build``, and the build's results."""
    work = tmp_path_factory.mktemp("built")
    path = work / "warehouse.duckdb"
    shutil.copy(raw_warehouse, path)
    return path, run_dbt(["build"], path, work)


def copy_of(path: Path, tmp_path: Path) -> Path:
    """Return a private copy of a warehouse file."""
    out = tmp_path / "warehouse.duckdb"
    shutil.copy(path, out)
    return out
