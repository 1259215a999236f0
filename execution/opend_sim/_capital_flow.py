"""Capital flow (proto 3211, ``get_capital_flow``) of the synthetic market, cut at the clock.

The figures come from :mod:`harvest.synthetic.capital_flow`, the derivation the synthetic
source stores, applied to the 1-minute bars closed by the clock. As at OpenD:

* ``INTRADAY`` covers the latest session only, as running totals since the open: an item at
  the open (all zero), then one per closed minute stamped with the minute's end, exchange
  local time; ``mainInFlow`` is left out and ``lastValidTime`` is the last item's time.
* ``DAY`` gives one item per session between ``beginTime`` and ``endTime`` (dates; the SDK
  sends a time after them), stamped ``YYYY-MM-DD 00:00:00``, with ``mainInFlow``. Today's item
  holds the minutes closed so far. The simulator has minute bars, hence days, only for the
  last sessions of its market (five by default), where OpenD keeps a year.
* Stocks, warrants and funds only; regular hours only; one reply, no paging.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from execution.opend_sim._codec import success
from execution.opend_sim._errors import SimError
from execution.opend_sim._quote import checked_symbol
from harvest.synthetic.capital_flow import CLASS_COLUMNS, daily_flows, minute_flows

if TYPE_CHECKING:
    from execution.opend_sim.server import ClientConnection, OpenDSimulator

# Qot_Common.PeriodType
PERIOD_INTRADAY, PERIOD_DAY = 1, 2
# CapitalFlowItem field of each class column of the derivation.
_FIELDS = dict(
    zip(CLASS_COLUMNS, ("superInFlow", "bigInFlow", "midInFlow", "smlInFlow"), strict=True)
)


def _fill(item: Any, at: pd.Timestamp, text: str, row: Any) -> None:
    item.time, item.timestamp = text, at.timestamp()
    item.inFlow = float(row["in_flow"])
    for column, field in _FIELDS.items():
        setattr(item, field, float(row[column]))


def _intraday(rsp: Any, flows: pd.DataFrame, open_: pd.Timestamp, tz: str) -> None:
    if flows.empty:
        return
    day = flows["session_date"].max()
    today = flows[flows["session_date"] == day]
    running = today[["in_flow", *CLASS_COLUMNS]].cumsum()
    zero = dict.fromkeys(["in_flow", *CLASS_COLUMNS], 0.0)
    stamps = [open_, *today["ts"]]
    rows = [zero, *running.to_dict("records")]
    for at, row in zip(stamps, rows, strict=True):
        _fill(rsp.s2c.flowItemList.add(), at, at.tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S"), row)
    last = stamps[-1]
    rsp.s2c.lastValidTime = last.tz_convert(tz).strftime("%Y-%m-%d %H:%M:%S")
    rsp.s2c.lastValidTimestamp = last.timestamp()


def _days(rsp: Any, flows: pd.DataFrame, begin: str, end: str, tz: str) -> None:
    per_day = daily_flows(flows)
    keys = per_day["session_date"].astype(str)
    per_day = per_day[(keys >= (begin or "0000")) & (keys <= (end or "9999"))]
    for row in per_day.to_dict("records"):
        midnight = pd.Timestamp(row["session_date"]).tz_localize(tz)
        item = rsp.s2c.flowItemList.add()
        _fill(item, midnight, midnight.strftime("%Y-%m-%d %H:%M:%S"), row)
        item.mainInFlow = float(row["main_in_flow"])


def capital_flow(sim: OpenDSimulator, conn: ClientConnection, req: Any) -> Any:
    c2s = req.c2s
    symbol = checked_symbol(sim, c2s.security)
    spec = sim.market.spec(symbol)
    if spec.asset_class != "equity":
        raise SimError(f"Capital flow is for stocks, warrants and funds only: {symbol}")
    period = c2s.periodType if c2s.HasField("periodType") else PERIOD_INTRADAY
    if period not in (PERIOD_INTRADAY, PERIOD_DAY):
        raise SimError(f"Unsupported capital flow period type {period}")
    sim.limits.check(3211, "get_capital_flow")
    now = sim.market.clock.now()
    flows = minute_flows(sim.market.intraday_bars(symbol, "1m", now))
    tz = spec.hours.timezone
    rsp = success(3211)
    if period == PERIOD_INTRADAY:
        day = flows["session_date"].max() if len(flows) else None
        open_ = sim.market.session(symbol, day)[0] if day is not None else now
        _intraday(rsp, flows, open_, tz)
    else:
        _days(rsp, flows, c2s.beginTime[:10], c2s.endTime[:10], tz)
    return rsp
