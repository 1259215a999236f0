"""Pre-trade risk: sizing, portfolio limits, the trading-state machine, dynamic stops.

Pure functions over frozen inputs. The order manager builds :class:`RiskLimits` from the
strategy's ``risk_management`` section, a :class:`PortfolioState` from the broker and the
persisted :class:`RiskState`, a :class:`MarketContext` from bars, and calls
:func:`check_orders` once per batch of :class:`OrderProposal`; it sends the passed decisions,
persists ``report.risk`` and logs ``report.changes``. :func:`update_stops` gives the stop
moves to apply with ``modify_order``; :func:`reset` is the only way out of HALTED. The rules,
their defaults and their order are written down in ``docs/risk.md``.
"""

from quant.risk.config import RiskLimits
from quant.risk.decisions import (
    Decision,
    DecisionStatus,
    Intent,
    Reason,
    ReasonCode,
    RiskReport,
    Utilization,
)
from quant.risk.gate import check_orders
from quant.risk.limits import Book, book_of, utilization
from quant.risk.market import (
    MarketContext,
    SymbolData,
    returns_from_closes,
    symbol_data_from_bars,
)
from quant.risk.proposals import OrderProposal
from quant.risk.sizing import EntrySize, floor_lots, kelly_fraction, size_entry
from quant.risk.state import (
    PortfolioState,
    Position,
    RiskState,
    StateChange,
    TradingState,
    evaluate,
    halt,
    record_trade,
    reset,
    start_day,
)
from quant.risk.stops import (
    StopPosition,
    StopReason,
    StopRules,
    StopUpdate,
    VolatilityRegime,
    update_stop,
    update_stops,
    volatility_regime,
)

__all__ = [
    "Book",
    "Decision",
    "DecisionStatus",
    "EntrySize",
    "Intent",
    "MarketContext",
    "OrderProposal",
    "PortfolioState",
    "Position",
    "Reason",
    "ReasonCode",
    "RiskLimits",
    "RiskReport",
    "RiskState",
    "StateChange",
    "StopPosition",
    "StopReason",
    "StopRules",
    "StopUpdate",
    "SymbolData",
    "TradingState",
    "Utilization",
    "VolatilityRegime",
    "book_of",
    "check_orders",
    "evaluate",
    "floor_lots",
    "halt",
    "kelly_fraction",
    "record_trade",
    "reset",
    "returns_from_closes",
    "size_entry",
    "start_day",
    "symbol_data_from_bars",
    "update_stop",
    "update_stops",
    "utilization",
    "volatility_regime",
]
