"""Execution: one risk-checked trading cycle on the freshest signals, and the book it leaves.

``execution/orders`` runs :func:`execution.cycle.run_cycle` once against the configured broker
(the paper simulator by default, moomoo through OpenD when configured): the signals of the
batch's session (and the session before, for daily strategies) that the cycle has not decided
yet, the market as known at the cycle's time, our book and the broker's. ``execution/portfolio``
snapshots the book and its limit utilization; its checks fail when a limit is exceeded. The
``execute_signals`` job runs both; the ``signals_to_orders`` sensor requests it once per
signal batch.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import dagster as dg
import pandas as pd

from assets._harvest import WAREHOUSE_POOL
from execution.alerts import Alerter
from execution.cycle import CycleInput, CycleReport, run_cycle
from execution.records import rejection_cause
from harvest.calendar import trading_days
from pipelines.resources import BrokerResource, WarehouseResource
from quant.risk import RiskLimits
from strategies.library import registered_strategies
from strategies.spec import StrategySpec, load_strategy
from warehouse import Warehouse
from warehouse.market import risk_market, since_entry, volatility
from warehouse.trading import TradingJournal, snapshot

GROUP = "execution"
NEW_YORK = ZoneInfo("America/New_York")
ORDERS_KEY = dg.AssetKey([GROUP, "orders"])


class ExecutionConfig(dg.Config):
    """What one cycle trades.

    ``batch_id`` names the signal batch (the sensor's run key); ``session`` is the trading day
    whose signals it reads (default: the latest with signals); ``now`` overrides the cycle's
    time (ISO 8601; default the broker's clock).
    """

    batch_id: str = "manual"
    session: str = ""
    now: str = ""


def load_signals(wh: Warehouse, session: date, now: datetime) -> pd.DataFrame:
    """Return the signals of ``session`` and the session before, decided by ``now``.

    Each row carries the symbol's fundamental composite score as of its decision time.
    """
    before = trading_days(session - pd.Timedelta(days=10), session)
    first = before[-2] if len(before) > 1 else session
    if "analytics.signals" not in wh.tables():
        return pd.DataFrame()
    frame = wh.query(
        "SELECT * FROM analytics.signals WHERE session_date BETWEEN ? AND ? AND ts <= ? "
        "ORDER BY ts, spec_id, symbol",
        [first, session, now],
    )
    frame["fundamental_score"] = float("nan")
    if "marts.fundamental_scores" not in wh.tables() or frame.empty:
        return frame
    scores = wh.query(
        "SELECT symbol, available_at, composite_value FROM marts.fundamental_scores "
        "WHERE basis = 'ttm' AND available_at <= ? AND symbol IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY available_at",
        [now, frame["symbol"].unique().tolist()],
    )
    if scores.empty:
        return frame
    # As of each signal's own decision time, never a score filed after it.
    ordered = frame.drop(columns="fundamental_score").sort_values("ts", kind="stable")
    ordered["ts"] = pd.to_datetime(ordered["ts"], utc=True).dt.as_unit("ns")
    scores["available_at"] = pd.to_datetime(scores["available_at"], utc=True).dt.as_unit("ns")
    merged = pd.merge_asof(
        ordered, scores, left_on="ts", right_on="available_at", by="symbol"
    ).rename(columns={"composite_value": "fundamental_score"})
    return merged.drop(columns="available_at_y", errors="ignore").rename(
        columns={"available_at_x": "available_at"}
    )


def latest_session(wh: Warehouse) -> date | None:
    """Return the last trading day with signals, or None."""
    if "analytics.signals" not in wh.tables():
        return None
    got = wh.query("SELECT max(session_date) AS d FROM analytics.signals")["d"].iloc[0]
    return None if pd.isna(got) else pd.Timestamp(got).date()


def _specs() -> dict[str, StrategySpec]:
    specs = (load_strategy(p) for p in registered_strategies())
    return {s.spec_id: s for s in specs}


def execute(wh: Warehouse, broker_res: BrokerResource, config: ExecutionConfig) -> CycleReport:
    """Run one cycle with the configured broker and return its report."""
    with wh.held():
        return _execute(wh, broker_res, config)


def _execute(wh: Warehouse, broker_res: BrokerResource, config: ExecutionConfig) -> CycleReport:
    journal = TradingJournal(wh)
    session = (
        date.fromisoformat(config.session) if config.session else latest_session(wh)
    ) or pd.Timestamp.now(tz=NEW_YORK).date()
    specs = _specs()
    at = pd.Timestamp(config.now).tz_convert("UTC") if config.now else None
    with broker_res.open(wh, session, at) as broker:
        clock = getattr(broker, "now", lambda: pd.Timestamp.now(tz="UTC"))
        now = (at if at is not None else pd.Timestamp(clock())).to_pydatetime()
        signals = load_signals(wh, session, now)
        positions = {p["symbol"]: p for p in journal.rows("positions")}
        symbols = sorted(set(signals.get("symbol", [])) | set(positions))
        timeframes = {
            s: specs[p["spec_id"]].primary_timeframe()
            for s, p in positions.items()
            if p.get("spec_id") in specs
        }
        highs_lows, bars_held = since_entry(wh, positions, timeframes, now)
        inp = CycleInput(
            batch_id=config.batch_id,
            signals=signals,
            specs=specs,
            market=risk_market(wh, symbols, now),
            highs_lows=highs_lows,
            bars_held=bars_held,
            vol=volatility(wh, now),
            now=now,
        )
        return run_cycle(
            inp,
            broker,
            journal,
            Alerter(broker_res.webhook()),
            broker_name=broker_res.name,
            env=broker_res.env if broker_res.kind == "moomoo" else "paper",
        )


@dg.asset(
    key=ORDERS_KEY,
    group_name=GROUP,
    deps=[dg.AssetKey(["signals", "signals"])],
    pool=WAREHOUSE_POOL,
    kinds={"duckdb", "python"},
    description="One execution cycle: sync and reconcile with the broker, move stops, risk-check "
    "fresh signals and exits, record every decision, send the orders (trading.*).",
)
def orders(
    context: dg.AssetExecutionContext,
    config: ExecutionConfig,
    warehouse: WarehouseResource,
    broker: BrokerResource,
) -> dg.MaterializeResult:
    """Run one trading cycle on the configured broker."""
    report = execute(warehouse.get(), broker, config)
    summary = report.summary()
    context.log.info("cycle %s at %s: %s", report.cycle_id, report.now, summary)
    table = pd.DataFrame(
        [
            {k: o[k] for k in ("symbol", "side", "qty", "order_type", "limit_price", "status")}
            for o in report.orders
        ]
        + [
            {
                "symbol": d["symbol"],
                "side": d["side"],
                "qty": d["proposed_qty"],
                "order_type": "-",
                "limit_price": None,
                "status": "rejected: " + rejection_cause(d["reasons"]),
            }
            for d in report.decisions
            if d["outcome"] == "rejected"
        ],
        columns=["symbol", "side", "qty", "order_type", "limit_price", "status"],
    )
    return dg.MaterializeResult(
        metadata={
            "batch_id": report.batch_id,
            "cycle_id": report.cycle_id,
            "cycle_time": report.now.isoformat(),
            "summary": dg.MetadataValue.json(summary),
            "orders": dg.MetadataValue.md(table.to_markdown(index=False) if len(table) else "none"),
            "reconciliation": dg.MetadataValue.json(report.differences),
        }
    )


LIMITS = RiskLimits()  # account-wide limits the portfolio checks hold the book to


@dg.asset(
    key=dg.AssetKey([GROUP, "portfolio"]),
    group_name=GROUP,
    deps=[ORDERS_KEY],
    kinds={"duckdb"},
    description="The book after the last cycle: positions, exposure by sector, trading state.",
    check_specs=[
        dg.AssetCheckSpec(
            "sector_exposure_within_cap", asset=dg.AssetKey([GROUP, "portfolio"]), blocking=True
        ),
        dg.AssetCheckSpec(
            "daily_loss_within_limit", asset=dg.AssetKey([GROUP, "portfolio"]), blocking=True
        ),
        dg.AssetCheckSpec(
            "reconciled_with_broker", asset=dg.AssetKey([GROUP, "portfolio"]), blocking=True
        ),
    ],
)
def portfolio(warehouse: WarehouseResource):
    """Snapshot the book and check it against the account-wide limits."""
    wh = warehouse.get()
    with wh.held():
        snap = snapshot(TradingJournal(wh))
    worst = max(snap["sector_exposure"].items(), key=lambda kv: kv[1], default=("", 0.0))
    state = snap["state"]["state"] if snap["state"] else "ACTIVE"
    yield dg.MaterializeResult(
        metadata={
            "equity": snap["equity"],
            "positions": len(snap["positions"]),
            "gross_exposure": snap["gross_exposure"],
            "open_risk": snap["open_risk"],
            "sector_exposure": dg.MetadataValue.json(snap["sector_exposure"]),
            "trading_state": state,
        }
    )
    yield dg.AssetCheckResult(
        check_name="sector_exposure_within_cap",
        passed=worst[1] <= LIMITS.max_sector_exposure + 1e-9,
        metadata={"sector": worst[0], "exposure": worst[1], "cap": LIMITS.max_sector_exposure},
    )
    yield dg.AssetCheckResult(
        check_name="daily_loss_within_limit",
        passed=snap["drawdown"] < LIMITS.daily_loss_limit or state == "HALTED",
        metadata={"drawdown": snap["drawdown"], "limit": LIMITS.daily_loss_limit,
                  "trading_state": state},
    )
    yield dg.AssetCheckResult(
        check_name="reconciled_with_broker",
        passed=snap["differences"] == 0,
        metadata={"differences in the last cycle": snap["differences"]},
    )
