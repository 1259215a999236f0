"""Signals: every registered strategy file evaluated on point-in-time data, per trading day.

The run's trading days are walked forward month by month: for each month, each strategy's
Bayesian priors are counted on the outcomes known before the month's first day (stored,
versioned, in analytics.signal_priors), then the strategy is evaluated on every bar close of
that month (strategies.evaluate). Its entry signals, with posterior, confidence, regime and
reasons, replace the run's days in analytics.signals. A strategy whose universe has no bars
in the warehouse (FX carry on a stocks-only harvest) is skipped and said so.
"""

import hashlib
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd
from dagster import AssetExecutionContext

from assets._harvest import STRATEGY_INPUTS, WAREHOUSE_POOL, partition_dates
from harvest.contracts import conform
from pipelines.partitions import trading_days
from pipelines.resources import SourceResource, WarehouseResource
from quant.signals.bayes import SignalPriors
from research.data import load_strategy_data
from strategies.evaluate import evaluate_strategy, fit_strategy_priors, has_bars
from strategies.library import registered_strategies
from strategies.spec import load_strategy
from warehouse import Scope, Warehouse
from warehouse.tables import SIGNAL_PRIORS, SIGNALS

GROUP = "signals"
NEW_YORK = ZoneInfo("America/New_York")


def signal_batch_id(frame: pd.DataFrame, start: date, end: date) -> str:
    """Return the id of a batch of signals: its days and a hash of what the rows say."""
    content = frame.sort_values(["spec_id", "symbol", "ts"])[
        ["spec_id", "symbol", "ts", "direction"]
    ].to_csv(index=False)
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    return f"signals:{start.isoformat()}..{end.isoformat()}:{digest}"


def _stored_priors(wh: Warehouse, day: date) -> dict[tuple[str, pd.Timestamp], SignalPriors]:
    """Return the priors an earlier run of ``day`` fitted, by (spec_id, training end).

    A day's signals are re-evaluated every few minutes while it trades; the outcomes known
    before the day do not change meanwhile, so its priors are fitted once, not every run.
    """
    if SIGNAL_PRIORS.qualified not in wh.tables():
        return {}
    rows = wh.query(
        f"SELECT spec_id, train_end, priors FROM {SIGNAL_PRIORS.qualified} WHERE session_date = ?",
        [day],
    )
    return {
        (r.spec_id, pd.Timestamp(r.train_end).tz_convert("UTC")): SignalPriors.from_json(r.priors)
        for r in rows.itertuples()
    }


def _months(start: date, end: date) -> list[tuple[date, date]]:
    """Return the run's trading days cut at calendar months: (first, last) trading day each."""
    keys = [date.fromisoformat(k) for k in trading_days.get_partition_keys()]
    days = [d for d in keys if start <= d <= end]
    months: dict[tuple[int, int], list[date]] = {}
    for d in days:
        months.setdefault((d.year, d.month), []).append(d)
    return [(m[0], m[-1]) for m in months.values()]


@dg.asset(
    key=dg.AssetKey([GROUP, "signals"]),
    group_name=GROUP,
    description=SIGNALS.doc,
    partitions_def=trading_days,
    backfill_policy=dg.BackfillPolicy.single_run(),
    deps=list(STRATEGY_INPUTS),
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "python"},
    metadata={"table": SIGNALS.qualified, "grain": ", ".join(SIGNALS.key)},
)
def signals(
    context: AssetExecutionContext, source: SourceResource, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """Evaluate every registered strategy on the run's trading days."""
    start, end = partition_dates(context)
    assert start is not None and end is not None  # partitioned: always a range
    wh = warehouse.get()
    with wh.held():  # one connection for the many reads and writes of the run
        return _signals(context, wh, source, start, end)


def _signals(
    context: AssetExecutionContext,
    wh: Warehouse,
    source: SourceResource,
    start: date,
    end: date,
) -> dg.MaterializeResult:
    specs = [load_strategy(p) for p in registered_strategies()]
    data = load_strategy_data(
        wh, start, end, source.symbols, {tf for s in specs for tf in s.timeframes()}
    )
    frames, priors_rows, counts = [], [], {}
    stored = _stored_priors(wh, start) if start == end else {}
    for spec in specs:
        if not has_bars(spec, data):
            context.log.info("%s: no bars for its universe; skipped", spec.strategy_meta.name)
            continue
        for first_day, last_day in _months(start, end):
            first = pd.Timestamp(datetime.combine(first_day, time.min, NEW_YORK)).tz_convert("UTC")
            last = pd.Timestamp(datetime.combine(last_day, time.max, NEW_YORK)).tz_convert("UTC")
            priors = stored.get((spec.spec_id, first)) or fit_strategy_priors(spec, data, first)
            found = evaluate_strategy(spec, data, priors, start=first, end=last)
            frames.append(found)
            priors_rows.append(
                {
                    "spec_id": spec.spec_id,
                    "priors_version": priors.version,
                    "session_date": first_day,
                    "train_end": first,
                    "horizon": priors.horizon,
                    "observations": int(sum(priors.observations.values())),
                    "priors": priors.to_json(),
                    "available_at": first,
                }
            )
            counts[spec.strategy_meta.name] = counts.get(spec.strategy_meta.name, 0) + len(found)
        context.log.info(
            "%s (%s): %d signals",
            spec.strategy_meta.name,
            spec.spec_id,
            counts[spec.strategy_meta.name],
        )
    frame = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=SIGNALS.column_names)
    )
    frame["session_date"] = pd.to_datetime(frame["ts"], utc=True).dt.tz_convert(NEW_YORK).dt.date
    scope = Scope(start=start, end=end)
    priors_frame = pd.DataFrame(priors_rows, columns=SIGNAL_PRIORS.column_names)
    wh.replace(SIGNAL_PRIORS, conform(SIGNAL_PRIORS, priors_frame), scope)
    rows = wh.replace(SIGNALS, conform(SIGNALS, frame), scope)
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": rows,
            "strategies": len(specs),
            "signals per strategy": dg.MetadataValue.json(counts),
            # The execution sensor's run key: the same signals never trade twice.
            "batch_id": signal_batch_id(frame, start, end),
            "last_session": end.isoformat(),
        }
    )
