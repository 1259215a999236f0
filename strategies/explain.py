"""A plain-language summary of a strategy: what it trades, when it enters and leaves."""

from __future__ import annotations

from strategies._sections import StopLoss, TakeProfit, TimeStop
from strategies.criteria import CRITERIA
from strategies.indicators import get
from strategies.spec import StrategySpec, TechnicalSignal

_LOGIC = {
    "ALL_REQUIRED": "every criterion must pass",
    "ANY": "at least one criterion must pass",
    "WEIGHTED": "the weights of passing criteria must reach {score:.0%}",
}
_REFERENCE = {
    "recent_swing_low": "below the most recent swing low",
    "recent_swing_high": "above the most recent swing high",
    "entry_bar_low": "below the entry bar's low",
    "entry_bar_high": "above the entry bar's high",
    "donchian_low": "below the 20-bar low",
    "donchian_high": "above the 20-bar high",
    "vwap": "beyond the session VWAP",
}


def _n(x: float) -> str:
    return f"{x:g}"


def _pct(x: float) -> str:
    return f"{x * 100:g}%"


def _distance(text: str) -> str:
    value, unit = text.rsplit("_", 1)
    return f"{value} ATR" if unit == "atr" else f"{value}% of price"


def describe_signal(signal: TechnicalSignal) -> str:
    """Return one signal's condition in words, e.g. ``RSI(period=14) between 50 and 70``."""
    spec = get(signal.indicator)
    args = ", ".join(
        f"{k}={_n(v) if isinstance(v, float) else v}" for k, v in signal.params.items()
    )
    name = f"{signal.indicator}({args})" if args else signal.indicator
    v = signal.values or []
    pair = "fast" in spec.roles and "slow" in spec.roles
    c = signal.condition
    if c == "between":
        what = f"between {_n(v[0])} and {_n(v[1])}"
    elif c in ("greater_than", "less_than"):
        side = "above" if c == "greater_than" else "below"
        if v:
            what = f"{side} {_n(v[0])}"
        elif pair:
            what = f"fast line {side} slow line"
        else:
            what = f"{side} its threshold {_n(signal.params['threshold'])}"
    elif c in ("crossover", "crossunder"):
        side = "above" if c == "crossover" else "below"
        if v:
            what = f"crosses {side} {_n(v[0])}"
        elif pair:
            what = f"fast line crosses {side} slow line"
        else:
            what = f"price crosses {side} it"
    elif c in ("price_above", "price_below"):
        what = f"price {c.split('_')[1]} it"
    elif c in ("rising", "falling"):
        what = f"{c} over {int(v[0]) if v else 1} bar(s)"
    elif c == "detected":
        what = "pattern completes"
    else:
        what = c
    return f"{name} {what}"


def _gate_lines(spec: StrategySpec) -> list[str]:
    gate = spec.entry_conditions.fundamental_gate
    if gate is None:
        return ["  No fundamental gate."]
    logic = _LOGIC[gate.logic].format(score=gate.min_weighted_score)
    lines = [f"  Fundamental gate ({logic}):"]
    weights = gate.criterion_weights() if gate.logic == "WEIGHTED" else {}
    for name, value in gate.criteria().items():
        c = CRITERIA[name]
        weight = f" [weight {_pct(weights[name])}]" if weights else ""
        what = c.description.rstrip(".")
        lines.append(f"    - {what} {c.op} {_n(value)} ({c.table}.{c.column}){weight}")
    return lines


def _exit_lines(stop: StopLoss, target: TakeProfit | None, time: TimeStop | None) -> list[str]:
    if stop.type == "technical":
        where = f"{_REFERENCE[stop.reference or '']}"
        if stop.offset.value:
            where += f", {_distance(str(stop.offset))} beyond it"
    elif stop.type == "percent":
        where = f"{_pct(stop.percent or 0)} from entry"
    elif stop.type == "atr":
        where = f"{_n(stop.atr_multiple or 0)} ATR from entry"
    elif stop.type == "none":
        where = "none (an opposite entry signal reverses the position)"
    else:
        where = (
            f"chandelier exit: {_n(stop.multiplier or 3)} ATR from the {stop.period}-bar extreme"
        )
    cap = (
        f"; at most {_pct(stop.max_risk_percent)} of equity at risk"
        if stop.max_risk_percent
        else ""
    )
    lines = [f"  Stop: {where}{cap}."]
    if target is not None:
        goal = f"{_n(target.ratio)}R" if target.type == "risk_multiple" else _pct(target.ratio)
        trail = ""
        if target.trailing_stop:
            t = target.trailing_stop
            trail = f"; after {_n(t.activation.r)}R, trail {_distance(str(t.distance))} behind"
        lines.append(f"  Target: {goal}{trail}.")
    if time is not None:
        when = " if not profitable" if time.condition == "if_not_profitable" else ""
        lines.append(f"  Time: leave after {time.max_bars} bars{when}.")
    return lines


def explain(spec: StrategySpec) -> str:
    """Return a plain-language summary of ``spec``: universe, timeframes, entry, exits, sizing."""
    meta, entry, risk = spec.strategy_meta, spec.entry_conditions, spec.risk_management
    out = [
        f"{meta.name} (version {meta.version}{', by ' + meta.author if meta.author else ''})",
        f"spec_id {spec.spec_id}",
    ]
    if meta.description:
        out += ["", meta.description]
    u = spec.universe
    trades = ", ".join(meta.asset_classes)
    if u is not None and u.symbols:
        trades += f": {', '.join(u.symbols)}"
    elif u is not None and u.sectors:
        trades += f" in {', '.join(u.sectors)}"
    out += [
        "",
        f"Trades {trades} ({', '.join(meta.timeframes)}; risk profile "
        f"{meta.risk_profile.replace('_', ' ')}).",
    ]
    out.append(f"Decides on {spec.primary_timeframe()} bars; reads {', '.join(spec.timeframes())}.")
    steps = ", ".join(
        f"level {s.level} {s.focus.replace('_', ' ')} {_pct(s.weight)}"
        for s in spec.harvesting_rules.drill_down_sequence
    )
    out.append(f"Drill-down: {steps}.")
    out += ["", f"Entry ({entry.direction}):", *_gate_lines(spec)]
    delay = entry.confirmation_delay.count
    held = f", held for {delay} bar(s)" if delay else ""
    out.append(
        f"  Signals (enter when their weighted agreement >= "
        f"{_pct(entry.confluence_threshold)}{held}):"
    )
    for s in entry.technical_signals:
        note = f" — {s.note}" if s.note else ""
        out.append(f"    - {_pct(s.weight)} on {spec.timeframe_of(s)}: {describe_signal(s)}{note}")
    ex = spec.exit_conditions
    out += ["", "Exits:", *_exit_lines(ex.stop_loss, ex.take_profit, ex.time_stop)]
    ps, lim, vol = risk.position_sizing, risk.portfolio_limits, risk.volatility_adjustment
    out += [
        "",
        "Sizing:",
        f"  {ps.method.replace('_', ' ')}: at most {_pct(ps.max_kelly_fraction)} of Kelly "
        f"and {_pct(ps.fixed_fraction_cap)} of equity per position.",
        f"  Volatility: {vol.measure} scaled to risk {_pct(vol.target_risk_per_trade)} per "
        f"trade ({vol.scaling.replace('_', ' ')}).",
        f"  Limits: {lim.max_correlated_positions} correlated positions, "
        f"{_pct(lim.max_sector_exposure)} per sector, daily loss {_pct(lim.daily_loss_limit)}.",
    ]
    er = spec.execution_rules
    mock = er.mock_trading
    paper = (
        f"paper trading with {mock.fill_model} fills and {mock.latency_simulation} latency"
        if mock.enabled
        else "no paper trading"
    )
    out += [
        "",
        f"Execution: {er.order_type} orders, {er.time_in_force}, slippage tolerance "
        f"{_pct(er.slippage_tolerance)}, partial fills {er.partial_fills}; {paper}.",
    ]
    bt = spec.backtest
    if bt is not None:
        if bt.mode == "signal":
            how = (f"signal mode (backtesting.py's rules), fills at the "
                   f"{(bt.fill or 'next_open').replace('_', ' ')}, size {bt.size or 'all_in'}")
            cost = f"commission {_pct(bt.commission or 0)}"
        else:
            how = "the event-driven engine"
            cost = ("moomoo US costs" if bt.commission is None
                    else f"commission {_pct(bt.commission)}")
        out += ["", f"Backtest: {how}; cash {bt.cash:,.0f}, {cost}."]
    return "\n".join(out)
