"""The code location loads, groups assets by level, and the CLI validates it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dagster as dg

ROOT = Path(__file__).resolve().parents[2]
LEVELS = {
    "level1_macro",
    "level2_sector",
    "level3_fundamentals",
    "level4_technical",
    "level5_alternative",
}


def test_definitions_load_with_five_level_groups():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    groups = {graph.get(k).group_name for k in graph.get_all_asset_keys()}
    assert groups >= LEVELS
    for key in graph.get_all_asset_keys():
        assert key.path[0] == graph.get(key).group_name, key
    assert defs.resolve_job_def("drilldown_main") is not None
    checks = list(graph.asset_check_keys)
    assert any(ck.name == "ohlc_consistent" for ck in checks)
    assert all(graph.get_check_spec(ck).blocking for ck in checks)


def test_lineage_links_levels():
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["level2_sector", "sector_strength"])).parent_keys
    assert dg.AssetKey(["level4_technical", "daily_bars"]) in upstream
    assert dg.AssetKey(["level2_sector", "etf_flows"]) in upstream


def test_dagster_definitions_validate_cli(tmp_path):
    env = {**os.environ, "DAGSTER_HOME": str(tmp_path)}
    (tmp_path / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    proc = subprocess.run(
        [
            str(Path(sys.executable).parent / "dagster"),
            "definitions",
            "validate",
            "-w",
            "workspace.yaml",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
