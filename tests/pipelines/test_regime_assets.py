"""Regime assets: walk-forward models, labels only from earlier models, re-runs replace."""

from __future__ import annotations

import json
from datetime import date

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from assets import regimes as regime_assets
from assets.level3_fundamentals import instruments
from assets.level4_technical import daily_bars, synthetic_regime_truth
from pipelines.resources import SourceResource, WarehouseResource
from pipelines.run import partition_range
from quant.regime import REGIMES, RegimeModel, label_sessions
from warehouse import Warehouse

pytestmark = pytest.mark.xdist_group("regimes")  # one shared warehouse fixture

SYMBOLS = ["US.SPY", "US.AAPL", "US.MSFT", "US.JPM", "US.XOM", "FX.EURUSD", "FX.USDJPY"]
END = date(2026, 11, 20)
FIRST = date(2026, 10, 1)


def _run(wh_path, start, end, assets):
    defs = dg.Definitions(
        assets=[instruments, daily_bars, synthetic_regime_truth, *assets],
        resources={
            "source": SourceResource(
                as_of=END.isoformat(), seed=11, intraday_days=0, depth_days=0, symbols=SYMBOLS
            ),
            "warehouse": WarehouseResource(path=str(wh_path)),
        },
    )
    first, last = partition_range(start, end)
    job = defs.resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(
        asset_selection=[a.key for a in assets],
        tags={
            "dagster/asset_partition_range_start": first,
            "dagster/asset_partition_range_end": last,
        },
        raise_on_error=False,
    )
    return result


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    path = tmp_path_factory.mktemp("regimes") / "w.duckdb"
    harvest = [instruments, daily_bars, synthetic_regime_truth]
    assert _run(path, date(2024, 1, 2), END, harvest).success
    # September first, so October's days have a model trained before them.
    assert _run(path, date(2026, 9, 1), date(2026, 9, 30), [regime_assets.regime_model]).success
    both = [regime_assets.regime_model, regime_assets.regimes]
    result = _run(path, FIRST, END, both)
    assert result.success
    return Warehouse(path)


def _models(wh):
    return wh.query("SELECT * FROM analytics.regime_models ORDER BY train_end")


def test_models_are_versioned_with_holdout_metrics(warehouse):
    models = _models(warehouse)
    assert [d.isoformat() for d in pd.to_datetime(models["train_end"]).dt.date] == [
        "2026-09-30",
        "2026-10-30",
        "2026-11-20",
    ]
    assert models["model_version"].is_unique
    assert set(models["method"]) == {"supervised"}  # the synthetic source plants the truth
    for row in models.itertuples():
        model = RegimeModel.from_bytes(row.artifact)
        assert model.version == row.model_version
        assert json.loads(row.features) == list(model.features)
        metrics = json.loads(row.metrics)
        matrix = np.array(metrics["confusion"]["matrix"])
        assert matrix.sum() == metrics["n"] > 0
        assert metrics["accuracy"] == pytest.approx(np.trace(matrix) / matrix.sum())
        assert row.available_at <= pd.Timestamp(row.train_end, tz="UTC") + pd.Timedelta(days=1)


def test_each_day_uses_the_latest_model_trained_before_it(warehouse):
    models = _models(warehouse)
    ends = dict(zip(models["model_version"], pd.to_datetime(models["train_end"]), strict=True))
    labels = warehouse.query("SELECT * FROM analytics.regimes")
    assert set(labels["symbol"]) == set(SYMBOLS)
    days = pd.to_datetime(labels["session_date"])
    assert days.min().date() == FIRST and days.max().date() == END
    used = labels["model_version"].map(ends)
    assert (used < days).all()  # strictly before: no model saw the day it labels
    latest = days.map(lambda d: max(e for e in ends.values() if e < d))
    assert (used == latest).all()
    probs = labels[[f"p_{r}" for r in REGIMES]].to_numpy()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    assert (np.asarray(REGIMES)[probs.argmax(axis=1)] == labels["regime"]).all()


def test_stored_labels_equal_a_full_history_computation(warehouse):
    stored = warehouse.query(
        "SELECT symbol, session_date, regime, p_trending_up, p_high_volatility "
        "FROM analytics.regimes ORDER BY symbol, session_date"
    )
    bars = warehouse.query("SELECT * FROM raw.daily_bars ORDER BY symbol, ts")
    models = [RegimeModel.from_bytes(a) for a in _models(warehouse)["artifact"]]
    ref, _ = label_sessions(bars, models, FIRST, END, {}, "US.SPY")
    assert len(ref) == len(stored)
    assert (ref["regime"].to_numpy() == stored["regime"].to_numpy()).all()
    np.testing.assert_allclose(ref["p_trending_up"], stored["p_trending_up"], atol=1e-9)
    np.testing.assert_allclose(ref["p_high_volatility"], stored["p_high_volatility"], atol=1e-9)


def test_market_regime_follows_the_benchmark_with_a_correlation_breakdown(warehouse):
    market = warehouse.query("SELECT * FROM analytics.market_regime ORDER BY session_date")
    spy = warehouse.query(
        "SELECT session_date, regime FROM analytics.regimes WHERE symbol = 'US.SPY' "
        "ORDER BY session_date"
    )
    assert market["session_date"].tolist() == spy["session_date"].tolist()
    assert (market["regime"] == spy["regime"]).all()
    for row in market.itertuples():
        advice = json.loads(row.recommended_strategies)
        assert advice["favour"] and 0 < advice["size_multiplier"] <= 1
        sectors = json.loads(row.sector_breakdown)
        assert set(sectors) == {"Technology", "Financials", "Energy"}  # the stocks' sectors
        assert all(s["state"] in {"together", "diverging", "stable"} for s in sectors.values())
        assert -1 <= row.avg_correlation <= 1
        assert row.correlation_change == pytest.approx(
            row.avg_correlation - row.avg_correlation_long
        )


def test_rerun_of_a_day_replaces_its_rows(warehouse):
    before = warehouse.query("SELECT count(*) AS n FROM analytics.regimes").iloc[0, 0]
    day = date(2026, 11, 19)
    assert _run(warehouse.path, day, day, [regime_assets.regimes]).success
    after = warehouse.query("SELECT count(*) AS n FROM analytics.regimes").iloc[0, 0]
    market = warehouse.query("SELECT count(*) FROM analytics.market_regime").iloc[0, 0]
    assert after == before
    assert market == before // len(SYMBOLS)
