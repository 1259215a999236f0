"""The research asset backtests every registered strategy, stores the runs, writes reports."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path

import dagster as dg
import pytest

from assets.research import backtests
from pipelines.resources import SourceResource, WarehouseResource
from strategies.library import STRATEGY_DIR_ENV, registered_strategies
from strategies.spec import load_strategy
from tests.research._warehouse import AS_OF, SYMBOLS, build_warehouse

pytestmark = pytest.mark.xdist_group("research_asset")
INTRADAY = {"Multi-Timeframe Trend Following", "Multi-Timeframe Momentum with Fundamental Filter"}


class _Divs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.plotly = 0
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "div" and "plotly-graph-div" in (a.get("class") or ""):
            self.plotly += 1
        if a.get("id"):
            self.ids.append(a["id"])


@pytest.fixture(scope="module")
def materialized(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.delenv(STRATEGY_DIR_ENV, raising=False)
    # US.SPY's bars reach back further: the window is what most symbols cover.
    wh = build_warehouse(tmp_path_factory.mktemp("research") / "w.duckdb", ("US.SPY",))
    resources = {
        "source": SourceResource(as_of=AS_OF.isoformat(), seed=11, symbols=SYMBOLS),
        "warehouse": WarehouseResource(path=str(wh.path)),
    }
    first = dg.materialize([backtests], resources=resources)
    second = dg.materialize([backtests], resources=resources)  # a re-run replaces
    mp.undo()
    return wh, first, second


def _metadata(result):
    mat = result.asset_materializations_for_node("research__backtests")[0]
    return {k: v.value for k, v in mat.metadata.items()}


def test_every_strategy_with_bars_is_backtested_and_stored(materialized):
    wh, first, second = materialized
    assert first.success and second.success
    meta = _metadata(first)
    names = {load_strategy(p).strategy_meta.name for p in registered_strategies()}
    assert set(meta["skipped"]) == INTRADAY  # no intraday bars were harvested
    assert all("no bars" in why for why in meta["skipped"].values())
    assert set(meta["strategies"]) == names - INTRADAY
    runs = wh.query("SELECT * FROM analytics.backtest_runs ORDER BY strategy")
    assert len(runs) == meta["runs"] == len(names - INTRADAY)
    assert runs["run_id"].is_unique
    trades = wh.query("SELECT run_id, count(*) AS n FROM analytics.backtest_trades GROUP BY 1")
    stored = dict(zip(trades["run_id"], trades["n"], strict=True))
    for row in runs.itertuples():
        stats = json.loads(row.stats)
        assert row.n_trades == stats["n_trades"]
        assert stored.get(row.run_id, 0) >= row.n_trades
        assert str(row.start_date)[:10] == "2025-06-02" and str(row.end_date)[:10] == "2026-11-20"
        # One equity point per session any of the run's symbols traded.
        days = wh.query(
            "SELECT count(DISTINCT session_date) AS n FROM raw.daily_bars "
            "WHERE symbol IN (SELECT unnest($s)) AND session_date >= '2025-06-02'",
            {"s": json.loads(row.symbols)})["n"].iloc[0]
        points = wh.query("SELECT count(*) AS n FROM analytics.backtest_equity "
                          "WHERE run_id = $r", {"r": row.run_id})["n"].iloc[0]
        assert points == days > 300
    assert isinstance(meta["seconds"], float)


def test_reports_exist_and_hold_the_plotly_figures(materialized):
    wh, first, _ = materialized
    runs = wh.query("SELECT strategy, report_path FROM analytics.backtest_runs")
    meta = _metadata(first)
    for row in runs.itertuples():
        path = Path(row.report_path)
        assert path.parent == wh.path.parent / "reports"
        assert any(str(v) == str(path) for k, v in meta.items() if k.startswith("report "))
        text = path.read_text(encoding="utf-8")
        divs = _Divs()
        divs.feed(text)
        assert divs.plotly >= 4, row.strategy
        assert {"fig-equity", "fig-monthly", "fig-costs"} <= set(divs.ids)
        assert "fig-attribution" in divs.ids  # US.SPY was harvested: attribution vs SPY


def test_a_rerun_replaces_rows(materialized):
    wh, first, second = materialized
    n = wh.query("SELECT count(*) AS n FROM analytics.backtest_runs")["n"].iloc[0]
    assert n == _metadata(second)["runs"]
    ids_first = {v["run_id"] for v in _metadata(first)["strategies"].values()}
    ids_second = {v["run_id"] for v in _metadata(second)["strategies"].values()}
    assert ids_first == ids_second


def test_window_is_the_runs_range_else_what_most_symbols_cover(materialized):
    from types import SimpleNamespace

    from assets.research import _window

    wh = materialized[0]
    tagged = SimpleNamespace(run=SimpleNamespace(tags={
        "dagster/asset_partition_range_start": "2026-01-02",
        "dagster/asset_partition_range_end": "2026-06-30",
    }))
    assert [d.isoformat() for d in _window(tagged, wh)] == ["2026-01-02", "2026-06-30"]
    untagged = SimpleNamespace(run=SimpleNamespace(tags={}))
    assert [d.isoformat() for d in _window(untagged, wh)] == ["2025-06-02", "2026-11-20"]
