"""Signals, regimes: walk-forward regime models and the daily regime labels they give.

``regime_model`` retrains at every month end inside the run's trading days and at the run's
last day, each model on a rolling window of sessions ending there, and stores every model
(versioned, with its hold-out metrics and the pickled estimator) in analytics.regime_models.
``regimes`` labels each trading day of its run with the latest model whose training window
ended strictly before that day, so no label comes from a model that saw its day, and writes
per-instrument regimes plus the market regime indicator.
"""

import json
from datetime import date

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from assets._derived import write_table
from assets._harvest import WAREHOUSE_POOL, partition_dates
from assets.level4_indicators import load_bars
from assets.level4_technical import daily_bars, synthetic_regime_truth
from harvest.contracts import REGIME_TRUTH
from pipelines.partitions import trading_days
from pipelines.resources import SourceResource, WarehouseResource
from quant.regime import (
    WARMUP_BARS,
    RegimeModel,
    RegimeParams,
    label_sessions,
    train_models,
    truth_labels,
)
from warehouse import Scope, Warehouse
from warehouse.tables import MARKET_REGIME, REGIME_MODELS, REGIMES

GROUP = "signals"
BENCHMARK = "US.SPY"
PARAMS = RegimeParams()


def _truth(wh: Warehouse, end: date) -> pd.DataFrame | None:
    """Return known regimes up to ``end``, or None where the source plants none."""
    if REGIME_TRUTH.qualified not in wh.tables():
        return None
    truth = wh.query(
        f"SELECT scope, session_date, regime FROM {REGIME_TRUTH.qualified} WHERE session_date <= ?",
        [end],
    )
    return truth_labels(truth, [BENCHMARK]) if len(truth) else None


def _models_frame(models: list[RegimeModel]) -> pd.DataFrame:
    now = pd.Timestamp.now(tz="UTC")
    return pd.DataFrame(
        {
            "model_version": [m.version for m in models],
            "method": [m.method for m in models],
            "trained_at": [now] * len(models),
            "train_start": [m.train_start for m in models],
            "train_end": [m.train_end for m in models],
            "features": [json.dumps(list(m.features)) for m in models],
            "metrics": [json.dumps(m.metrics, sort_keys=True) for m in models],
            "params": [json.dumps(m.params, sort_keys=True) for m in models],
            "artifact": [m.to_base64() for m in models],
            "available_at": [m.available_at for m in models],
        },
        columns=REGIME_MODELS.column_names,
    )


@dg.asset(
    key=[GROUP, "regime_model"],
    group_name=GROUP,
    deps=[daily_bars.key, synthetic_regime_truth.key],
    partitions_def=trading_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "sklearn"},
    description=REGIME_MODELS.doc,
    metadata={"table": REGIME_MODELS.qualified},
)
def regime_model(
    context: AssetExecutionContext, source: SourceResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Train the regime models of the run's month ends and last day."""
    wh = warehouse.get()
    start, end = partition_dates(context)
    bars = load_bars(wh, "daily", start, end, PARAMS.train_sessions + WARMUP_BARS, source.symbols)
    models = train_models(bars, _truth(wh, end), start, end, PARAMS)
    written = write_table(wh, REGIME_MODELS, _models_frame(models), Scope(start=start, end=end))
    latest = models[-1] if models else None
    metrics = latest.metrics if latest else {}
    return dg.MaterializeResult(
        metadata={
            **written.metadata,
            "models": len(models),
            "latest_version": latest.version if latest else "none: too little history",
            "method": latest.method if latest else "",
            "holdout_accuracy": metrics.get("accuracy") or 0.0,
            "majority_baseline": metrics.get("majority_accuracy") or 0.0,
            "holdout_confusion": dg.MetadataValue.json(metrics.get("confusion", {})),
        }
    )


def _models_for(wh: Warehouse, start: date, end: date) -> list[RegimeModel]:
    """Return the models that may label ``start``..``end``: trained before each day."""
    if REGIME_MODELS.qualified not in wh.tables():
        return []
    frame = wh.query(
        f"SELECT artifact FROM {REGIME_MODELS.qualified} WHERE train_end < $end AND "
        f"train_end >= coalesce((SELECT max(train_end) FROM {REGIME_MODELS.qualified} "
        "WHERE train_end < $start), $start) ORDER BY train_end",
        {"start": start, "end": end},
    )
    return [RegimeModel.from_bytes(a) for a in frame["artifact"]]


@dg.asset(
    key=[GROUP, "regimes"],
    group_name=GROUP,
    deps=[daily_bars.key, regime_model.key],
    partitions_def=trading_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "sklearn"},
    description=f"{REGIMES.doc} Also writes {MARKET_REGIME.qualified}: {MARKET_REGIME.doc}",
    metadata={"tables": f"{REGIMES.qualified}, {MARKET_REGIME.qualified}"},
)
def regimes(
    context: AssetExecutionContext, source: SourceResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Label the run's trading days per instrument and for the market."""
    wh = warehouse.get()
    start, end = partition_dates(context)
    models = _models_for(wh, start, end)
    bars = load_bars(wh, "daily", start, end, WARMUP_BARS, source.symbols)
    sectors = (
        wh.query("SELECT symbol, sector FROM raw.instruments WHERE instrument_type = 'stock'")
        if "raw.instruments" in wh.tables()
        else pd.DataFrame(columns=["symbol", "sector"])
    )
    labelled, market = label_sessions(
        bars,
        models,
        start,
        end,
        dict(zip(sectors["symbol"], sectors["sector"], strict=True)),
        BENCHMARK,
    )
    written = write_table(
        wh, REGIMES, labelled.assign(available_at=labelled["ts"]), Scope(source.symbols, start, end)
    )
    write_table(wh, MARKET_REGIME, market, Scope(start=start, end=end))
    counts = labelled["regime"].value_counts().to_dict()
    if models and labelled.empty:
        context.log.warning("no bars with complete features on %s..%s", start, end)
    return dg.MaterializeResult(
        metadata={
            **written.metadata,
            "market_rows": len(market),
            "models_used": ", ".join(sorted(set(labelled["model_version"]))) or "none",
            "latest_market_regime": str(market["regime"].iloc[-1]) if len(market) else "",
            "regime_counts": dg.MetadataValue.json({k: int(v) for k, v in counts.items()}),
        }
    )
