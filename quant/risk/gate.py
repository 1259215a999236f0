"""The pre-trade risk gate: one call decides a batch of proposed orders.

:func:`check_orders` applies, in this order (``docs/risk.md`` gives the formulas):

0. the account: the trading state is re-evaluated from equity (daily loss limit ->
   HALTED, half of it -> REDUCING) before any proposal is looked at, so a breach halts the
   entries of the very batch that discovers it;
1. bad inputs: side, price, qty, timestamp (aware, not stale, not in the future),
   probability, payoff ratio, stop -> rejected with the reason;
2. intent: against the held position, an opposite-side order is an exit, anything else an
   entry. Exits pass every limit, even when HALTED, up to the position still open (an
   order beyond it is clipped: no flip in one order);
3. entries: HALTED -> rejected; short when shorts are off; opposite to an entry already
   passed in the batch; unknown symbol or unusable market data;
4. entries in a symbol not yet held: ``max_positions``, then the correlation limit;
5. sizing (:func:`quant.risk.sizing.size_entry`): method cap, volatility target, ATR
   expansion, loss streak, REDUCING, max risk per trade, whole lots;
6. the sector cap, the beta band, the liquidity limit (ADV), each able to cut.

Proposals are decided in the order given (the caller puts its priorities first); each
passed entry is added to the book that the next proposal sees. Nothing here raises for a
bad proposal; a malformed ``now`` or state is a programming error and does raise.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import pandas as pd

from quant.risk._validate import validate
from quant.risk.config import RiskLimits
from quant.risk.decisions import (
    Decision,
    DecisionStatus,
    Intent,
    Reason,
    ReasonCode,
    RiskReport,
)
from quant.risk.limits import (
    Book,
    book_of,
    cap_beta,
    cap_liquidity,
    cap_sector,
    check_correlation,
    check_max_positions,
    utilization,
)
from quant.risk.market import MarketContext
from quant.risk.proposals import OrderProposal
from quant.risk.sizing import size_entry
from quant.risk.state import PortfolioState, Position, RiskState, TradingState, evaluate

NAN = math.nan


def _reject(
    p: OrderProposal, intent: Intent, reason: Reason, earlier: Sequence[Reason] = (), **kw
) -> Decision:
    return Decision(p, DecisionStatus.REJECTED, intent, 0.0, (*earlier, reason), **kw)


def _flat_reason(code: ReasonCode, message: str, **numbers: float) -> Reason:
    return Reason(code, message, numbers, NAN, 0.0)


def _exit(p: OrderProposal, held: Position, exited: float) -> Decision:
    """Return the decision of an exit: it passes, up to the part of the position still open."""
    left = abs(held.qty) - exited
    want = left if p.qty is None else p.qty
    if left <= 0.0:
        reason = _flat_reason(
            ReasonCode.EXIT_CLIPPED,
            f"{p.symbol} is already fully exited by earlier orders of this batch",
            position=held.qty,
            exited_in_batch=exited,
        )
        return _reject(p, Intent.EXIT, reason, sized_by="exit")
    if want <= left:
        return Decision(p, DecisionStatus.ACCEPTED, Intent.EXIT, want, sized_by="exit")
    reason = Reason(
        ReasonCode.EXIT_CLIPPED,
        f"exit of {want:g} exceeds the {left:g} still open: clipped (no flip in one order)",
        {"position": held.qty, "exited_in_batch": exited},
        want,
        left,
    )
    return Decision(p, DecisionStatus.RESIZED, Intent.EXIT, left, (reason,), sized_by="exit")


class _Batch:
    """Running state of one :func:`check_orders` call (private, never escapes it)."""

    def __init__(
        self,
        state: PortfolioState,
        risk: RiskState,
        limits: RiskLimits,
        market: MarketContext,
        book: Book,
        corr: pd.DataFrame,
    ) -> None:
        self.state, self.risk, self.limits, self.market = state, risk, limits, market
        self.book, self.corr = book, corr
        self.held = state.held()
        self.exited: dict[str, float] = {}
        self.entered: dict[str, int] = {}

    def decide(self, p: OrderProposal, now: datetime) -> Decision:
        bad = validate(p, self.limits, now)
        if bad is not None:
            return _reject(p, Intent.UNKNOWN, bad)
        held = self.held.get(p.symbol)
        if held is not None and held.direction == -p.direction:
            decision = _exit(p, held, self.exited.get(p.symbol, 0.0))
            self.exited[p.symbol] = self.exited.get(p.symbol, 0.0) + decision.qty
            return decision
        return self._entry(p)

    def _entry(self, p: OrderProposal) -> Decision:
        limits, book, d = self.limits, self.book, p.direction
        if self.risk.trading_state is TradingState.HALTED:
            return _reject(p, Intent.ENTRY, _flat_reason(
                ReasonCode.TRADING_HALTED,
                f"trading HALTED ({self.risk.reason}): no new entries",
                drawdown=self.risk.drawdown(self.state.equity),
                daily_loss_limit=limits.daily_loss_limit,
            ))
        if d < 0 and not limits.allow_short and p.symbol not in self.held:
            return _reject(p, Intent.ENTRY, _flat_reason(
                ReasonCode.SHORT_NOT_ALLOWED, "short entries are switched off"
            ))
        if self.entered.get(p.symbol, d) != d:
            return _reject(p, Intent.ENTRY, _flat_reason(
                ReasonCode.CONFLICTING_ORDERS,
                f"an entry on the other side of {p.symbol} already passed in this batch",
            ))
        data = self.market.symbols.get(p.symbol)
        if data is None:
            return _reject(p, Intent.ENTRY, _flat_reason(
                ReasonCode.UNKNOWN_SYMBOL, f"{p.symbol} is not in the market data"
            ))
        problems = data.problems()
        if problems:
            return _reject(p, Intent.ENTRY, _flat_reason(
                ReasonCode.INVALID_MARKET_DATA, f"{p.symbol}: " + "; ".join(problems)
            ))
        for check in (
            check_max_positions(book, p.symbol, limits),
            check_correlation(book, p.symbol, d, self.corr, limits),
        ):
            if check is not None:
                return _reject(p, Intent.ENTRY, check)

        held_notional = max(d * book.notional.get(p.symbol, 0.0), 0.0)
        size = size_entry(p, data, self.state.equity, held_notional, self.risk, limits)
        keep = {"sizing": size.numbers, "stop": size.stop, "sized_by": size.sized_by}
        if size.rejection is not None:
            return _reject(p, Intent.ENTRY, size.rejection, size.reasons, **keep)
        qty, reasons = size.qty, list(size.reasons)
        lot = data.lot_size
        for cap in (
            lambda q: cap_sector(book, data.sector, q, p.price, lot, limits),
            lambda q: cap_beta(book, d, data.beta, q, p.price, lot, limits),
            lambda q: cap_liquidity(book, p.symbol, data.adv, q, lot, limits),
        ):
            qty, reason = cap(qty)
            if reason is not None:
                reasons.append(reason)
            if qty <= 0.0:
                return _reject(p, Intent.ENTRY, reasons.pop(), reasons, **keep)

        self.book = book.add(p.symbol, d * qty * p.price, qty, data.sector, data.beta)
        self.entered[p.symbol] = d
        status = DecisionStatus.RESIZED if reasons else DecisionStatus.ACCEPTED
        return Decision(p, status, Intent.ENTRY, qty, tuple(reasons), **keep)


def check_orders(
    state: PortfolioState,
    proposals: Sequence[OrderProposal],
    limits: RiskLimits,
    market: MarketContext,
    now: datetime,
) -> RiskReport:
    """Return the gate's decision on each proposal of a batch, and the new risk state.

    Parameters
    ----------
    state
        Equity, positions (from the broker) and the persisted risk state.
    proposals
        Orders to decide, highest priority first.
    limits
        Limits and sizing parameters (built from the strategy's ``risk_management``).
    market
        Per-symbol market data and returns for the correlation matrix.
    now
        The decision time, timezone-aware (staleness is measured against it).

    Returns
    -------
    RiskReport
        One :class:`Decision` per proposal in order, the risk state to persist, the state
        changes to log, the limits' utilization once every passed order fills.

    Raises
    ------
    ValueError
        When ``now`` is not timezone-aware (a caller's bug, not a bad proposal).
    """
    risk, change = evaluate(state.risk, state.equity, limits, now)
    book, warnings = book_of(state, market)
    corr = market.correlations(limits.correlation_window, limits.min_correlation_periods)
    if market.returns is None:
        warnings.append("no returns given: every pair of positions counts as correlated")
    batch = _Batch(state, risk, limits, market, book, corr)
    decisions = tuple(batch.decide(p, now) for p in proposals)
    return RiskReport(
        risk=risk,
        changes=(change,) if change is not None else (),
        decisions=decisions,
        utilization=utilization(batch.book, risk, limits),
        warnings=tuple(warnings),
    )
