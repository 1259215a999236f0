"""The dbt project that owns fundamental scoring, as Dagster sees it.

The manifest is what Dagster reads to build one asset per dbt model. ``make`` refreshes it
with ``dbt parse`` whenever a file of ``dbt_project/`` changes; ``dagster dev`` does so
itself (``prepare_if_dev``); anywhere else a missing manifest is parsed on first import, so a
bare ``pytest`` or ``python -c`` works on a fresh clone too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
# dbt lives beside the interpreter: `make run` calls .venv/bin/drilldown without .venv/bin on
# PATH, and DbtCliResource would otherwise look dbt up on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))

dbt_project = DbtProject(project_dir=PROJECT_DIR, profiles_dir=PROJECT_DIR)
dbt_project.prepare_if_dev()


def ensure_manifest() -> Path:
    """Return the manifest path, running ``dbt parse`` first when it does not exist."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        subprocess.run(
            [DBT_EXECUTABLE, "parse", "--quiet", "--profiles-dir", str(PROJECT_DIR)],
            cwd=PROJECT_DIR,
            check=True,
        )
    return manifest


def dbt_resource() -> DbtCliResource:
    """Return the dbt CLI resource for the project."""
    return DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
