"""What a cycle wants to trade: entries from fresh signals, exits from the positions' stops.

Each intent is a :class:`quant.risk.OrderProposal` with a deterministic idempotency key, so a
re-run of the same batch (a retried run, a sensor that ticks twice, a job killed halfway)
derives the same keys and finds what it already decided and sent.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from execution.broker import KEY_PREFIX
from quant.risk import OrderProposal, RiskLimits, StopPosition, StopRules, StopUpdate, update_stop
from quant.risk.stops import VolatilityRegime
from strategies.spec import StrategySpec

# How old a signal may be when the cycle sees it: two bars of its timeframe, and for daily
# signals (decided at a close, traded the next session) the weekend and a holiday.
MAX_AGE = {
    "1m": timedelta(minutes=3),
    "5m": timedelta(minutes=15),
    "15m": timedelta(minutes=30),
    "1h": timedelta(hours=2),
    "daily": timedelta(days=4),
}
DEFAULT_PAYOFF = 1.5  # Kelly's b when the strategy sets no take-profit multiple


def decision_key(*parts: object) -> str:
    """Return the idempotency key of a decision: a hash of what identifies it (35 bytes)."""
    text = "|".join(str(p) for p in parts)
    return KEY_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:32]


def limits_for(spec: StrategySpec | None) -> RiskLimits:
    """Return the risk gate's limits from a strategy file's ``risk_management``."""
    if spec is None:
        return RiskLimits()
    rm = spec.risk_management
    stop = spec.exit_conditions.stop_loss
    return RiskLimits(
        method=rm.position_sizing.method,
        max_kelly_fraction=rm.position_sizing.max_kelly_fraction,
        fixed_fraction_cap=rm.position_sizing.fixed_fraction_cap,
        max_correlated_positions=rm.portfolio_limits.max_correlated_positions,
        correlation_threshold=rm.portfolio_limits.correlation_threshold,
        max_sector_exposure=rm.portfolio_limits.max_sector_exposure,
        daily_loss_limit=rm.portfolio_limits.daily_loss_limit,
        max_positions=rm.portfolio_limits.max_positions,
        target_risk_per_trade=rm.volatility_adjustment.target_risk_per_trade,
        scaling=rm.volatility_adjustment.scaling,
        measure=rm.volatility_adjustment.measure,
        max_decision_age=MAX_AGE[spec.primary_timeframe()],
        **({"max_risk_per_trade": stop.max_risk_percent} if stop.max_risk_percent else {}),
    )


def payoff_ratio(spec: StrategySpec | None) -> float:
    """Return Kelly's ``b``: the take-profit risk multiple, else :data:`DEFAULT_PAYOFF`."""
    tp = spec.exit_conditions.take_profit if spec is not None else None
    return float(tp.ratio) if tp is not None and tp.type == "risk_multiple" else DEFAULT_PAYOFF


@dataclass(frozen=True)
class Entry:
    """An entry intent: the proposal for the gate and the context its position keeps."""

    proposal: OrderProposal
    spec_id: str
    strategy: str
    signal_ts: datetime
    context: dict[str, Any]


def entries(signals: pd.DataFrame, specs: Mapping[str, StrategySpec]) -> list[Entry]:
    """Return one entry intent per signal row, highest posterior first.

    Rows are passed on as they are, even malformed ones (NaN price, unknown symbol, stale
    time): the risk gate rejects those with a reason, so the record shows why.
    """
    out: list[Entry] = []
    if signals.empty:
        return out
    for row in signals.sort_values(["posterior", "ts"], ascending=[False, True]).itertuples():
        spec = specs.get(row.spec_id)
        side = "sell" if row.direction == "short" else "buy"
        ts = pd.Timestamp(row.ts)
        proposal = OrderProposal(
            symbol=str(row.symbol),
            side=side,
            price=_float(row.price),
            decided_at=ts.to_pydatetime() if not pd.isna(ts) else ts,
            probability=_float(row.posterior),
            payoff_ratio=payoff_ratio(spec),
            key=decision_key("entry", row.spec_id, row.symbol, ts.isoformat(), row.direction),
            strategy=str(row.spec_id),
        )
        context = {
            "confluence": _float(row.confluence),
            "regime": row.regime if isinstance(row.regime, str) else None,
            "posterior": _float(row.posterior),
            "fundamental_score": _float(getattr(row, "fundamental_score", None)),
            "timeframe": row.timeframe,
        }
        out.append(Entry(proposal, str(row.spec_id), str(row.strategy), ts, context))
    return out


@dataclass(frozen=True)
class ExitIntent:
    """An exit the position's rules call for now, and the stop move that came with it."""

    proposal: OrderProposal | None
    reason: str
    stop_update: StopUpdate | None
    extreme: float


def review_position(
    pos: Mapping[str, Any],
    price: float,
    atr: float,
    highs_lows: tuple[float, float],
    bars_held: int,
    spec: StrategySpec | None,
    now: datetime,
    vol: VolatilityRegime | None = None,
    rules: StopRules | None = None,
) -> ExitIntent:
    """Return what one open position needs now: a stop move and, if a rule fired, an exit.

    Parameters
    ----------
    pos
        ``trading.positions`` row.
    price
        Last price.
    atr
        ATR(14) of daily bars at the last close.
    highs_lows
        Highest high and lowest low of the bars closed since the entry.
    bars_held
        Bars of the strategy's primary timeframe closed since the entry (time stop).
    spec
        The strategy that opened it (take profit, time stop); None for positions opened
        outside Drilldown, which only get the dynamic stop.
    now
        Decision time.
    vol
        The volatility regime (VIX-like) that widens stops in a spike.
    rules
        The dynamic stop rules (seed 7.2).
    """
    d = 1 if pos["qty"] > 0 else -1
    extreme = (
        max(pos["extreme"], highs_lows[0], price)
        if d > 0
        else min(pos["extreme"], highs_lows[1], price)
    )
    update = update_stop(
        StopPosition(
            symbol=pos["symbol"],
            direction=d,
            entry_price=pos["avg_cost"],
            extreme=extreme,
            close=price,
            atr=atr,
            bars_held=bars_held,
            stop=pos.get("stop"),
            initial_stop=pos.get("initial_stop"),
        ),
        rules,
        vol,
    )
    stop = update.new if update is not None else pos.get("stop")
    reason = ""
    if stop is not None and d * (price - stop) <= 0:
        reason = "stop_loss" if update is None or update.old is None else f"stop:{update.reason}"
    elif spec is not None:
        reason = _rule_exit(pos, spec, price, bars_held, d)
    if not reason:
        return ExitIntent(None, "", update, extreme)
    proposal = OrderProposal(
        symbol=pos["symbol"],
        side="sell" if d > 0 else "buy",
        price=price,
        decided_at=now,
        qty=abs(pos["qty"]),
        # One exit per position at a time: the cycle proposes none while an exit order is open.
        key=decision_key("exit", pos["entry_key"], reason, pd.Timestamp(now).isoformat()),
        strategy=pos.get("spec_id") or "",
    )
    return ExitIntent(proposal, reason, update, extreme)


def _rule_exit(pos: Mapping[str, Any], spec: StrategySpec, price: float, bars: int, d: int) -> str:
    exits = spec.exit_conditions
    tp, entry, stop = exits.take_profit, pos["avg_cost"], pos.get("initial_stop")
    target = None
    if tp is not None and tp.type == "percent":
        target = entry * (1 + d * tp.ratio)
    elif tp is not None and stop is not None:
        target = entry + d * tp.ratio * abs(entry - stop)
    if target is not None and d * (price - target) >= 0:
        return "take_profit"
    ts = exits.time_stop
    if ts is not None and bars >= ts.max_bars:
        profitable = d * (price - pos["avg_cost"]) > 0
        if ts.condition == "always" or not profitable:
            return "time_stop"
    return ""


def context_json(context: Mapping[str, Any]) -> str:
    """Return the context as compact JSON (NaN as null)."""
    return json.dumps(
        {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in context.items()
        },
        sort_keys=True,
        default=str,
    )


def _float(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return out
