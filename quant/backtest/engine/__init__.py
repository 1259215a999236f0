"""Event-driven portfolio engine over the shared fill model, with the seed's exits.

``run_engine(bars, signals, config)`` walks the bars in time order for many symbols at once,
long and short, on cash or margin. Orders go through :mod:`quant.backtest.fills` (latency,
slippage, impact, commissions); stops and targets are resolved inside a bar from finer bars
when given and pessimistically otherwise. See ``docs/backtest_engine.md``.
"""

from quant.backtest.engine.config import EngineConfig, ExitRules, Instrument, Sizing
from quant.backtest.engine.core import run_engine
from quant.backtest.engine.exits import EXIT_REASONS
from quant.backtest.engine.results import EngineResult, Refusal
from quant.backtest.engine.trade_log import TRADE_LOG_SCHEMA, TradeLogRecord, trade_log_records

__all__ = [
    "EXIT_REASONS",
    "TRADE_LOG_SCHEMA",
    "EngineConfig",
    "EngineResult",
    "ExitRules",
    "Instrument",
    "Refusal",
    "Sizing",
    "TradeLogRecord",
    "run_engine",
    "trade_log_records",
]
