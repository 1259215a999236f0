"""Research: backtest strategy files, store the runs, and report them.

A strategy file (``strategies/``) plus point-in-time data (:mod:`research.data`) becomes
entry signals walked forward month by month, then a backtest in the event-driven engine or
in signal mode (:mod:`research.backtest`); runs land in the warehouse
(:mod:`research.store`) and as self-contained HTML reports (:mod:`research.report`).
"""
