"""Level 2 of the synthetic source: daily net flows into the sector ETFs.

The seed treats ETF flows as a leading indicator of sector moves, so the synthetic flows carry
one on purpose: part of each day's flow anticipates the sector's next five sessions (informed
money arriving early), part chases its last five (trend followers), and the rest is noise.
The informed part is what a level-2 signal can find; its strength is set so that the
correlation of a day's flow with the next week's sector return is clearly positive but far
from perfect.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from harvest import contracts as c
from harvest.calendar import trading_days
from harvest.synthetic.macro import as_utc
from harvest.synthetic.universe import InstrumentSpec
from harvest.synthetic.world import World

LEAD_DAYS = 5
# Weights of the standardised informed, chasing and noise parts of a day's flow.
_INFORMED, _CHASING, _NOISE = 0.3, 0.25, 0.9
_FLOW_SCALE = 0.0025  # daily flow sd as a share of AUM (about 0.25 %)
_SECTOR_VOL = 0.008  # typical daily sector-factor vol, used to standardise window sums
_PUBLISH_UTC = pd.Timedelta(hours=13)


def _window_sums(r: np.ndarray, lead: int) -> tuple[np.ndarray, np.ndarray]:
    """Return, per day, the sum of the next ``lead`` returns and of the last ``lead`` (incl.)."""
    cum = np.concatenate([[0.0], np.cumsum(r)])
    n = len(r)
    i = np.arange(n)
    ahead = cum[np.minimum(i + 1 + lead, n)] - cum[i + 1]
    behind = cum[i + 1] - cum[np.maximum(i + 1 - lead, 0)]
    return ahead, behind


def _publication_times(days: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Return 13:00 UTC of the trading day after each day (flows are tallied overnight)."""
    end = days[-1]
    future = trading_days(end + pd.Timedelta(days=1), end + pd.Timedelta(days=10))
    following = days[1:].append(pd.DatetimeIndex([pd.Timestamp(future[0])]))
    return following.tz_localize("UTC") + _PUBLISH_UTC


def etf_flows(
    world: World,
    etfs: Sequence[InstrumentSpec],
    rng: np.random.Generator,
    *,
    as_of: pd.Timestamp,
) -> pd.DataFrame:
    """Return daily net flows and AUM of each sector ETF known at ``as_of``.

    Each day's flow, as a share of AUM, is a weighted sum of the sector's standardised return
    over the next :data:`LEAD_DAYS` sessions, over the last :data:`LEAD_DAYS` sessions and
    noise. AUM compounds with the ETF's return (``0.9 * market + sector``, as the synthetic
    prices have it) and adds the flow. A day's figures are published at 13:00 UTC on the next
    trading day.

    Parameters
    ----------
    world
        The factor world; ``world.sectors`` holds each sector's daily log return.
    etfs
        ETFs to report; those whose sector has no factor in the world (the broad market
        ETF) are skipped.
    rng
        Source of every random draw.
    as_of
        The moment of knowledge; rows published later are left out.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.ETF_FLOWS`.
    """
    as_of = as_utc(as_of)
    published = _publication_times(world.days)
    market = world.market.to_numpy()
    frames = []
    for spec in etfs:
        if spec.sector not in world.sectors.columns:
            continue
        sector = world.sectors[spec.sector].to_numpy()
        n = len(sector)
        ahead, behind = _window_sums(sector, LEAD_DAYS)
        scale = _SECTOR_VOL * np.sqrt(LEAD_DAYS)
        z = (_INFORMED * ahead / scale + _CHASING * behind / scale
             + _NOISE * rng.standard_normal(n))
        share = _FLOW_SCALE * z
        growth = np.exp(0.9 * market + sector)
        aum = np.empty(n)
        flow = np.empty(n)
        level = float(rng.lognormal(np.log(20e9), 0.6))
        for i in range(n):
            level *= growth[i]
            flow[i] = share[i] * level
            # Redemptions cannot drain the fund; a floor keeps AUM positive in long selloffs.
            level = max(level + flow[i], 1e8)
            aum[i] = level
        frames.append(pd.DataFrame({
            "etf_symbol": spec.symbol, "sector": spec.sector, "session_date": world.days,
            "net_flow_usd": np.round(flow, -3), "aum_usd": np.round(aum, -3),
            "available_at": published,
        }))
    if not frames:
        return c.conform(c.ETF_FLOWS, pd.DataFrame(columns=c.ETF_FLOWS.column_names))
    frame = pd.concat(frames, ignore_index=True)
    frame = frame[frame["available_at"] <= as_of].assign(source="synthetic")
    return c.conform(c.ETF_FLOWS, frame)
