"""The synthetic economy behind every synthetic table: regimes, factors, commodities, rates.

Everything is drawn from one ``numpy.random.Generator`` seeded by the caller, in a fixed
order, so the same seed and dates give the same world bit for bit.

The market factor switches between four planted regimes (a Markov chain with sticky states):

============== ============ ============== ===========================================
regime         drift / day  base vol / day  dynamics
============== ============ ============== ===========================================
trending_up    +0.10 %      0.75 %          momentum: AR(1) +0.10 on returns
trending_down  -0.12 %      1.05 %          momentum: AR(1) +0.10 on returns
mean_reverting  0           0.70 %          pull back to the level where it began (OU)
high_volatility -0.04 %     2.20 %          fat tails (Student t, 4 dof)
============== ============ ============== ===========================================

A GARCH(1,1) multiplier on top of the base volatility gives volatility clustering.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

REGIMES = ("trending_up", "trending_down", "mean_reverting", "high_volatility")
_DRIFT = np.array([0.0010, -0.0012, 0.0, -0.0004])
_VOL = np.array([0.0075, 0.0105, 0.0070, 0.0220])
_MOMENTUM = np.array([0.10, 0.10, 0.0, 0.0])
_OU_PULL = 0.12
# Rows: from-regime; columns: to-regime. Diagonals give mean durations of 25-50 sessions.
_TRANSITIONS = np.array(
    [
        [0.970, 0.006, 0.018, 0.006],
        [0.010, 0.955, 0.015, 0.020],
        [0.016, 0.010, 0.965, 0.009],
        [0.020, 0.025, 0.015, 0.940],
    ]
)
COMMODITIES = {
    # name: (start price, daily vol, market loading, unit)
    "crude_oil": (75.0, 0.020, 0.35, "USD/bbl"),
    "natural_gas": (2.8, 0.030, 0.10, "USD/MMBtu"),
    "gold": (2000.0, 0.009, -0.10, "USD/oz"),
    "copper": (3.9, 0.014, 0.50, "USD/lb"),
    "iron_ore": (115.0, 0.018, 0.40, "USD/t"),
}
POLICY_RATES = {
    # currency: (central bank, start rate %, decision every N sessions)
    "USD": ("Federal Reserve", 5.25, 32),
    "EUR": ("European Central Bank", 4.00, 30),
    "JPY": ("Bank of Japan", 0.10, 32),
    "AUD": ("Reserve Bank of Australia", 4.35, 21),
    "CAD": ("Bank of Canada", 5.00, 30),
    "GBP": ("Bank of England", 5.25, 30),
}


@dataclass(frozen=True)
class World:
    """Daily state of the synthetic economy, indexed by trading day."""

    days: pd.DatetimeIndex
    regime: pd.Series
    market: pd.Series
    market_vol: pd.Series
    sectors: pd.DataFrame
    commodities: pd.DataFrame
    policy_rates: pd.DataFrame
    rate_decisions: pd.DataFrame


def markov_regimes(rng: np.random.Generator, n: int, start: int = 0) -> np.ndarray:
    """Return ``n`` regime codes (indices into :data:`REGIMES`) from the sticky chain."""
    u = rng.random(n)
    cum = np.cumsum(_TRANSITIONS, axis=1)
    out = np.empty(n, dtype=np.int64)
    state = start
    for i in range(n):
        state = int(np.searchsorted(cum[state], u[i] * cum[state, -1], side="right"))
        out[i] = state
    return out


def regime_returns(rng: np.random.Generator, codes: np.ndarray, scale: float = 1.0) -> np.ndarray:
    """Return daily log returns following the planted regimes, with GARCH(1,1) clustering.

    Returns an array of shape (2, n): the returns and their conditional volatility.
    """
    n = len(codes)
    z = rng.standard_normal(n)
    t4 = rng.standard_t(4, n) / np.sqrt(2.0)  # unit variance Student t
    ret = np.empty(n)
    vol = np.empty(n)
    h = 1.0  # GARCH variance multiplier around the regime's base variance
    level = 0.0
    anchor = 0.0
    prev = 0.0
    for i in range(n):
        k = codes[i]
        if i == 0 or codes[i - 1] != k:
            anchor = level
        sigma = _VOL[k] * scale * np.sqrt(h)
        shock = t4[i] if k == 3 else z[i]
        r = _DRIFT[k] * scale + _MOMENTUM[k] * prev + sigma * shock
        if k == 2:
            r -= _OU_PULL * (level - anchor)
        ret[i], vol[i] = r, sigma
        level += r
        prev = r
        eps = (sigma * shock) / (_VOL[k] * scale)
        h = 0.05 + 0.10 * eps**2 + 0.85 * h
    return np.vstack([ret, vol])


def _ar1(shocks: np.ndarray, phi: float) -> np.ndarray:
    out = np.empty_like(shocks)
    level = 0.0
    for i, e in enumerate(shocks):
        level = phi * level + e
        out[i] = level
    return out


def build_world(rng: np.random.Generator, days: list[date], sectors: list[str]) -> World:
    """Draw the economy for ``days`` (trading days, ascending)."""
    n = len(days)
    idx = pd.DatetimeIndex(pd.to_datetime(days), name="session_date")
    codes = markov_regimes(rng, n, start=2)
    market, market_vol = regime_returns(rng, codes)
    regime = pd.Series(np.asarray(REGIMES)[codes], index=idx, name="regime")

    commodities = {}
    for name, (p0, vol, beta, _unit) in COMMODITIES.items():
        r = beta * market + vol * rng.standard_normal(n)
        r -= 0.5 * vol**2
        commodities[name] = p0 * np.exp(np.cumsum(r))
    commodity_frame = pd.DataFrame(commodities, index=idx)

    crude_ret = np.diff(np.log(commodity_frame["crude_oil"].to_numpy()), prepend=np.log(75.0))
    sector_cols = {}
    for s in sectors:
        vol = 0.006 + 0.004 * rng.random()
        drift_walk = _ar1(rng.normal(0, 0.00004, n), 0.995)  # slow, bounded sector rotation
        garch = regime_returns(rng, np.full(n, 2), scale=vol / _VOL[2])[0]
        r = drift_walk + garch
        if s == "Energy":
            r = r + 0.45 * crude_ret
        sector_cols[s] = r
    sector_frame = pd.DataFrame(sector_cols, index=idx)

    rates = {}
    decisions = []
    for ccy, (bank, r0, every) in POLICY_RATES.items():
        path = np.empty(n)
        rate = r0
        bias = rng.choice([-1, 1])
        offset = int(rng.integers(3, every))
        for i in range(n):
            if i % every == offset:
                move = rng.choice([-0.25, 0.0, 0.0, 0.25]) + 0.25 * bias * (rng.random() < 0.3)
                move = float(np.clip(move, -0.25, 0.25))
                new = max(0.0, round(rate + move, 2))
                decisions.append((ccy, bank, idx[i], rate, new))
                rate = new
            path[i] = rate
        rates[ccy] = path
    rate_frame = pd.DataFrame(rates, index=idx)
    decision_frame = pd.DataFrame(
        decisions, columns=["currency", "bank", "session_date", "previous", "rate"]
    )
    return World(
        days=idx,
        regime=regime,
        market=pd.Series(market, index=idx, name="market"),
        market_vol=pd.Series(market_vol, index=idx, name="market_vol"),
        sectors=sector_frame,
        commodities=commodity_frame,
        policy_rates=rate_frame,
        rate_decisions=decision_frame,
    )
