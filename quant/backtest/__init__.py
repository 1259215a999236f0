"""Backtesting: the signal-mode simulator and its statistics.

`simulate` turns a target position per bar into equity, trades and statistics; it
reproduces backtesting.py 0.6.6 in this mode (see docs/backtest.md).
"""

from quant.backtest.simulate import BacktestResult, simulate
from quant.backtest.stats import compute_stats, drawdown, drawdown_periods

__all__ = ["BacktestResult", "compute_stats", "drawdown", "drawdown_periods", "simulate"]
