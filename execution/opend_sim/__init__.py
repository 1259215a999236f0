"""A loopback OpenD simulator: the unmodified moomoo SDK connects to it.

It speaks OpenD's wire protocol (``_codec``), serves the synthetic market at a simulated clock
(``market``, ``_quote``, ``_plates``, ``_capital_flow``, ``_statements``), trades paper
accounts with moomoo's paper rules on the shared fill model (``_paper``, ``_trade``), enforces
OpenD's request limits (``_limits``) and can drop or stall its connections for fault tests
(``server``). ``drilldown opend-sim`` starts one.
"""

from execution.opend_sim.server import OpenDSimulator

__all__ = ["OpenDSimulator"]
