"""The engine's mutable record of one trade, from its entry order to its last exit fill."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from quant.backtest.engine.config import ExitRules
from quant.backtest.engine.exits import (
    CHANDELIER,
    NAN,
    STOP_LOSS,
    TRAILING_STOP,
    binding_stop,
    chandelier_level,
    take_profit_level,
    time_stop_due,
    trailing_stop_level,
)
from quant.backtest.fills import Fill


@dataclass(slots=True)
class Trade:
    """One round trip in one symbol; private to the engine, mutated as fills arrive."""

    trade_id: str
    symbol: str
    col: int
    direction: int
    decision_price: float
    planned_stop: float
    planned_qty: int
    order_type: str
    equity_at_entry: float
    strategy_instance_id: str
    fundamental_score: float
    technical_confluence: float
    market_regime: str
    entry_order: str = ""
    exit_order: str = ""
    exit_reason: str = ""
    qty: int = 0
    entry_qty: int = 0
    entry_notional: float = 0.0
    exit_qty: int = 0
    exit_notional: float = 0.0
    costs: float = 0.0
    entry_bar: int = -1
    exit_bar: int = -1
    entry_ns: int = 0
    exit_ns: int = 0
    stop: float = NAN
    risk: float = NAN
    target: float = NAN
    trail: float = NAN
    chandelier: float = NAN
    extreme: float = NAN
    adverse: float = NAN
    fills: list[Fill] = field(default_factory=list)

    @property
    def entry_price(self) -> float:
        """Return the average entry fill price."""
        return self.entry_notional / self.entry_qty if self.entry_qty else math.nan

    @property
    def exit_price(self) -> float:
        """Return the average exit fill price."""
        return self.exit_notional / self.exit_qty if self.exit_qty else math.nan

    def on_entry_fill(self, f: Fill, bar: int, rules: ExitRules) -> None:
        """Book an entry fill and (re)set the levels that hang from the entry price."""
        if not self.entry_qty:
            self.entry_bar, self.entry_ns = bar, f.ts
        self.entry_qty += f.qty
        self.entry_notional += f.qty * f.price
        self.qty += f.qty
        self.costs += f.commission + f.fees
        self.fills.append(f)
        d, entry = self.direction, self.entry_price
        self.stop = self.planned_stop
        risk = d * (entry - self.stop)
        # A fill beyond the stop (a gap) leaves no risk to measure R by: use the planned one.
        self.risk = risk if risk > 0.0 else d * (self.decision_price - self.stop)
        if rules.take_profit_r is not None:
            self.target = take_profit_level(d, entry, self.risk, rules.take_profit_r)
        if math.isnan(self.extreme):
            self.extreme = self.adverse = entry

    def on_exit_fill(self, f: Fill, bar: int) -> None:
        """Book an exit fill; the trade closes when nothing is left."""
        self.exit_qty += f.qty
        self.exit_notional += f.qty * f.price
        self.qty -= f.qty
        self.costs += f.commission + f.fees
        self.fills.append(f)
        if self.qty == 0:
            self.exit_bar, self.exit_ns = bar, f.ts

    def stop_level(self) -> tuple[float, str]:
        """Return the stop in force and its reason (initial, trailing or chandelier)."""
        return binding_stop(
            self.direction,
            {STOP_LOSS: self.stop, TRAILING_STOP: self.trail, CHANDELIER: self.chandelier},
        )

    def after_close(
        self, high: float, low: float, close: float, atr: float, bar: int, rules: ExitRules
    ) -> bool:
        """Update the extremes and the levels for the next bar; return whether to time-stop."""
        d = self.direction
        if d > 0:
            self.extreme, self.adverse = max(self.extreme, high), min(self.adverse, low)
        else:
            self.extreme, self.adverse = min(self.extreme, low), max(self.adverse, high)
        if rules.trailing_activation_r is not None:
            self.trail = trailing_stop_level(
                d, self.entry_price, self.risk, self.extreme, atr,
                rules.trailing_activation_r, rules.trailing_atr, self.trail,
            )
        if rules.chandelier_atr is not None:
            self.chandelier = chandelier_level(
                d, self.extreme, atr, rules.chandelier_atr, self.chandelier
            )
        n = rules.time_stop_bars
        return n is not None and time_stop_due(d, self.entry_price, close, bar - self.entry_bar, n)
