"""Capital flow of the synthetic market: net inflow by order size, derived from 1-minute bars.

moomoo's capital flow (``get_capital_flow``) nets buy-initiated against sell-initiated
turnover and splits it by order size into super, big, mid and small orders. The synthetic
market has no orders, so it derives the same figures from its 1-minute bars with one rule,
used by the synthetic source (``raw.capital_flow``) and by the OpenD simulator (proto 3211),
so both serve identical numbers:

1. **Turnover** of a minute is ``volume x close``: the turnover the simulator's K-lines carry.
2. **Direction** is the sign of ``close - open``: a minute that closes above its open was
   driven by buyers, so its turnover counts as inflow; below its open, as outflow; a minute
   that closes at its open nets to zero.
3. **Order classes** split the minute's turnover like tax brackets, in the quote currency: the
   first ``SMALL_UP_TO`` (50,000) is small orders, the part up to ``MID_UP_TO`` (250,000) mid,
   the part up to ``BIG_UP_TO`` (1,000,000) big and the rest super. Busy minutes are where
   large orders trade, so their turnover reaches the upper classes.

Each class's net inflow is direction x its share of the turnover, so ``in_flow`` is exactly
``super + big + mid + small``. A session's flow is the sum of its minutes, and its
main-force flow (moomoo's "main", reported for days) is ``super + big``. Every minute's figures
depend on that minute's bar alone, so a flow never changes when later bars arrive.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SMALL_UP_TO = 50_000.0
MID_UP_TO = 250_000.0
BIG_UP_TO = 1_000_000.0
CLASS_COLUMNS = ("super_in_flow", "big_in_flow", "mid_in_flow", "small_in_flow")
FLOW_COLUMNS = ("in_flow", *CLASS_COLUMNS)


def minute_flows(bars: pd.DataFrame) -> pd.DataFrame:
    """Return the net inflow of each 1-minute bar, in total and by order class.

    Parameters
    ----------
    bars
        1-minute bars of any symbols: ``symbol, ts, session_date, open, close, volume``.

    Returns
    -------
    pandas.DataFrame
        ``symbol, ts, session_date, in_flow, super_in_flow, big_in_flow, mid_in_flow,
        small_in_flow``, one row per bar in the order given (quote currency).
    """
    close = bars["close"].to_numpy(dtype=float)
    turnover = bars["volume"].to_numpy(dtype=float) * close
    direction = np.sign(close - bars["open"].to_numpy(dtype=float))
    small = np.minimum(turnover, SMALL_UP_TO)
    mid = np.clip(turnover - SMALL_UP_TO, 0.0, MID_UP_TO - SMALL_UP_TO)
    big = np.clip(turnover - MID_UP_TO, 0.0, BIG_UP_TO - MID_UP_TO)
    huge = np.maximum(turnover - BIG_UP_TO, 0.0)
    out = bars[["symbol", "ts", "session_date"]].reset_index(drop=True)
    out["in_flow"] = direction * turnover
    for column, share in zip(CLASS_COLUMNS, (huge, big, mid, small), strict=True):
        out[column] = direction * share
    return out


def daily_flows(minutes: pd.DataFrame) -> pd.DataFrame:
    """Return each session's flow: the sum of its minutes, plus ``main_in_flow``.

    Parameters
    ----------
    minutes
        Output of :func:`minute_flows`.

    Returns
    -------
    pandas.DataFrame
        ``symbol, session_date``, the flow columns and ``main_in_flow`` (super + big), one row
        per symbol and session, sorted by both.
    """
    out = (
        minutes.groupby(["symbol", "session_date"], sort=True)[list(FLOW_COLUMNS)]
        .sum()
        .reset_index()
    )
    out["main_in_flow"] = out["super_in_flow"] + out["big_in_flow"]
    return out


def flow_rows(minutes: pd.DataFrame, closes: pd.Series) -> pd.DataFrame:
    """Return ``raw.capital_flow`` rows (without ``source``) for complete sessions.

    Parameters
    ----------
    minutes
        Output of :func:`minute_flows` for whole sessions.
    closes
        UTC close of each session, indexed by session date: the end a daily row covers.

    Returns
    -------
    pandas.DataFrame
        One ``1m`` row per minute and one ``1d`` row per session, each available at the end
        of the period it covers; ``main_in_flow`` only on ``1d`` rows, as moomoo reports it.
    """
    if minutes.empty:
        return pd.DataFrame()
    per_minute = minutes.assign(timeframe="1m", main_in_flow=np.nan)
    per_day = daily_flows(minutes)
    per_day["ts"] = pd.to_datetime(per_day["session_date"].map(closes), utc=True)
    per_day["timeframe"] = "1d"
    out = pd.concat([per_minute, per_day], ignore_index=True)
    out["available_at"] = out["ts"]
    return out.sort_values(["symbol", "timeframe", "ts"], kind="stable", ignore_index=True)
