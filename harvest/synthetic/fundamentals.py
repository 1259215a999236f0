"""Synthetic financial statements whose F, Z and M scores spread across their ranges.

Each company is a small accounting model run quarter by quarter, vectorised across companies.
Revenue follows a persistent growth process with industry seasonality, a common business cycle
and sector shocks; margins mean-revert toward a path set by the company's profile; receivables,
inventory, payables and PP&E follow revenue; retained earnings roll forward with net income
less dividends; cash is the plug that balances the balance sheet, with a revolver drawn when it
would fall below its target. Cash from operations comes from the balance sheet by the indirect
method, so accruals follow from how working capital moves.

Profiles (:data:`harvest.synthetic.universe.PROFILES`, drawn from the seed) tell each story:
stalwarts buy back stock and widen margins (high F, safe Z); distressed companies go through
recurring slides of falling sales and margins, losses funded by short-term debt and share
issues, and goodwill write-downs (low F, distress Z); aggressive ones run recurring episodes
of receivables outgrowing sales and capitalised costs (Beneish flag), unwound between
episodes; turnarounds recover from losses at a random time. Losses of distressed companies
and turnarounds are bounded relative to book equity, so no story ends in absurd numbers.

Earnings, insider, institutional and analyst events live in
:mod:`harvest.synthetic.corporate_events` and are re-exported here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from harvest.contracts import FINANCIAL_STATEMENTS, conform
from harvest.synthetic.corporate_events import (
    AFTER_CLOSE,
    PRE_MARKET,
    analyst_ratings,
    at_time_of_day,
    earnings,
    insider_transactions,
    institutional_holdings,
    roll_to_business_day,
    utc,
)
from harvest.synthetic.universe import PROFILES, InstrumentSpec

__all__ = ["analyst_ratings", "assign_profiles", "earnings", "financial_statements",
           "insider_transactions", "institutional_holdings", "start_prices"]


@dataclass(frozen=True)
class _Sector:
    """Typical annual ratios of an industry, as fractions of annual revenue unless noted."""

    revenue_bn: tuple[float, float]
    gross_margin: float
    sga: float
    other_opex: float  # R&D, credit provisions and other operating expense
    dso: float  # days of revenue in receivables
    dio: float  # days of cost of revenue in inventory
    dpo: float  # days of cost of revenue in payables
    ppe: float
    dep_rate: float  # annual depreciation as a fraction of net PP&E
    soft: float  # goodwill, intangibles, loans and long-term investments
    cash: float
    sti: float
    debt: float
    accrued: float
    deposits: float  # customer deposits: current, but financing rather than operating
    other_liab: float
    payout: float
    cycle_beta: float
    seasonality: tuple[float, float, float, float] = (0.97, 1.0, 0.99, 1.04)


_HOLIDAY = (0.93, 0.95, 0.95, 1.17)
_SECTORS: dict[str, _Sector] = {
    "Technology": _Sector((20, 250), .56, .12, .15, 55, 30, 60, .25, .18, .55, .25, .20, .30,
                          .12, 0, .10, .20, .6),
    "Financials": _Sector((30, 150), .68, .36, .10, 30, 0, 10, .15, .10, 5.5, 1.0, 1.2, 1.1,
                          .10, 5.5, .40, .30, .5),
    "Health Care": _Sector((20, 150), .64, .26, .16, 60, 90, 60, .22, .10, .80, .15, .10, .40,
                           .12, 0, .12, .40, .2),
    "Energy": _Sector((20, 250), .32, .04, .06, 40, 25, 45, 1.0, .09, .18, .08, .02, .25,
                      .06, 0, .15, .40, 1.4),
    "Consumer Discretionary": _Sector((15, 250), .34, .20, .03, 10, 70, 55, .30, .12, .20, .08,
                                      .03, .15, .06, 0, .05, .25, 1.0, _HOLIDAY),
    "Consumer Staples": _Sector((20, 250), .32, .19, .01, 20, 40, 45, .35, .10, .40, .06, .02,
                                .25, .06, 0, .08, .60, .2),
    "Industrials": _Sector((15, 120), .28, .12, .04, 60, 80, 55, .45, .09, .40, .10, .03, .35,
                           .08, 0, .10, .35, 1.2),
    "Utilities": _Sector((8, 40), .46, .08, .05, 45, 30, 50, 3.0, .04, .50, .02, .01, 1.6,
                         .06, 0, .35, .70, .1, (1.05, 0.93, 1.11, 0.91)),
    "Communication Services": _Sector((15, 250), .56, .18, .12, 50, 5, 50, .50, .15, .55, .25,
                                      .20, .35, .10, 0, .12, .15, .6),
}
_INDUSTRIES: dict[str, dict[str, object]] = {
    "Capital Markets": {"deposits": 2.0, "soft": 3.0, "sti": 1.5, "debt": 2.5, "other_opex": .06},
    "Managed Health Care": {"gross_margin": .22, "sga": .10, "other_opex": .02, "dio": 0,
                            "revenue_bn": (100, 300)},
    "Consumer Electronics": {"seasonality": (1.02, 0.88, 0.92, 1.18)},
    "Home Improvement Retail": {"seasonality": (0.94, 1.12, 1.00, 0.94)},
    "Hypermarkets": {"gross_margin": .25, "sga": .15, "seasonality": _HOLIDAY},
    "Household Products": {"gross_margin": .48, "sga": .27},
    "Beverages": {"gross_margin": .60, "sga": .33, "other_opex": .04},
}


@dataclass(frozen=True)
class _Profile:
    """How a profile bends its sector's template.

    Margin shifts are in units of the sector's operating margin, applied half to the gross
    margin and half (with opposite sign) to SG&A; ``margin_path`` is (start, slope per year
    of the story, years the story runs). The story starts once, at a random time within
    ``event``, or, for episodic profiles, recurs on a cycle shared by the profile's
    companies. Revenue grows at the middle ``growth`` rate while the story runs.
    """

    growth: tuple[float, float, float]  # annual log revenue growth before, during, after
    margin_path: tuple[float, float, float]
    share_rate: float  # annual log change of shares outstanding
    leverage: float
    payout: float
    retained: float  # retained earnings as a share of the first book equity
    pe: float  # price multiple of trailing EPS used for issuance and start prices
    pb_floor: float  # price floor as a multiple of book value per share
    short_term_borrowing: float  # share of revolver draws that stay current
    event: tuple[float, float]  # when the story turns, as fractions of the simulated span
    cycle: float = 1.0
    max_loss: float = np.inf  # largest yearly pretax loss as a share of book equity
    equity_funded: float = 0.0  # share of a cash shortfall raised by issuing shares
    episodic: bool = False


_PROFILES: dict[str, _Profile] = {
    "stalwart": _Profile((.05, .05, .05), (0., .02, 30), -.015, .6, .7, 1.4, 21, .8, .1, (0, .1)),
    "growth": _Profile((.16, .16, .12), (-.1, .05, 3), .012, .5, 0., .5, 34, .8, .1, (0, .5)),
    "value": _Profile((.02, .02, .02), (-.1, 0., 0), -.01, 1., 1., .9, 11, .6, .1, (0, 1)),
    "cyclical": _Profile((.03, .03, .03), (0., 0., 0), -.005, 1., .7, .8, 13, .7, .15, (0, 1),
                         cycle=2.),
    "turnaround": _Profile((-.05, .08, .04), (-1.2, .4, 3.5), .005, 1.4, 0., .25, 16, .6, .3,
                           (.2, 1), max_loss=.15, equity_funded=.3),
    "distressed": _Profile((.08, -.05, .08), (-.7, -.25, 3), .005, 1.7, 0., .15, 9, .35, .6,
                           (0, 1), max_loss=.15, equity_funded=.4, episodic=True),
    "aggressive": _Profile((.06, .16, .06), (0., -.12, 3), .03, 1., .2, .5, 30, .8, .2, (0, 1),
                           episodic=True),
}
_DRAW_WEIGHTS = {"stalwart": .2, "growth": .18, "value": .18, "cyclical": .16, "turnaround": .1,
                 "distressed": .09, "aggressive": .09}
# Aggressive episodes book receivables on stretched terms, this share of annual revenue per
# year of the episode, and capitalise costs at this share of revenue. Between episodes half
# of what is left is collected (receivables) or written off (capitalised costs) each quarter.
_STRETCHED, _CAPITALISE = 0.12, 0.02
_EPISODE_YEARS, _CYCLE_YEARS = 3.0, 4.0
_BURN_IN = 8  # quarters simulated before the first reported one, so balances settle
_TAX, _DEBT_RATE = 0.21, 0.055
_QUARTER_END = ((3, 31), (6, 30), (9, 30), (12, 31))
_FLOWS = ("revenue", "cost_of_revenue", "sga_expense", "depreciation", "ebit", "net_income",
          "net_income_continuing", "cash_from_operations", "capital_expenditure")
_BALANCES = ("cash_and_equivalents", "short_term_investments", "receivables", "inventory",
             "current_assets", "ppe_net", "total_assets", "current_liabilities", "long_term_debt",
             "total_liabilities", "retained_earnings", "shares_outstanding")


def assign_profiles(
    companies: Sequence[InstrumentSpec], rng: np.random.Generator
) -> dict[str, str]:
    """Draw a fundamental profile for every company.

    With at least 11 companies, three or more are ``distressed``, three or more
    ``aggressive`` and every other profile occurs; the rest are drawn with weights that
    favour ordinary companies. Smaller universes get a random subset of those.

    Parameters
    ----------
    companies
        Companies in a fixed order (the draw depends on it).
    rng
        Random source.

    Returns
    -------
    dict[str, str]
        Symbol to profile name.
    """
    guaranteed = ["distressed"] * 3 + ["aggressive"] * 3
    guaranteed += [p for p in PROFILES if p not in ("distressed", "aggressive")]
    weights = np.array([_DRAW_WEIGHTS[p] for p in PROFILES])
    extra = rng.choice(PROFILES, size=max(len(companies) - len(guaranteed), 0),
                       p=weights / weights.sum())
    pool = [*guaranteed, *extra.tolist()]
    order = rng.permutation(len(pool))[: len(companies)]
    return {c.symbol: pool[i] for c, i in zip(companies, order, strict=True)}


def _sector(spec: InstrumentSpec) -> _Sector:
    base = _SECTORS.get(spec.sector, _SECTORS["Industrials"])
    return replace(base, **_INDUSTRIES.get(spec.industry or "", {}))


def _parameters(
    companies: Sequence[InstrumentSpec], profiles: Mapping[str, str], rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Return per-company model parameters: sector template x profile x jitter."""
    sectors = [_sector(c) for c in companies]
    profs = [_PROFILES[profiles[c.symbol]] for c in companies]
    n = len(companies)
    out = {f: np.array([getattr(s, f) for s in sectors], dtype=float)
           for f in _Sector.__dataclass_fields__ if f not in ("revenue_bn", "seasonality")}
    for f in _Profile.__dataclass_fields__:
        out["profile_payout" if f == "payout" else f] = np.array(
            [getattr(p, f) for p in profs], dtype=float
        )
    out["seasonality"] = np.array([s.seasonality for s in sectors])
    lo, hi = np.log(np.array([s.revenue_bn for s in sectors]) * 1e9).T
    out["revenue"] = np.exp(rng.uniform(lo, hi))
    for f in ("dso", "dio", "dpo", "ppe", "soft", "cash", "sti", "accrued", "other_liab",
              "sga", "other_opex"):
        out[f] = out[f] * np.exp(rng.normal(0.0, 0.12, n))
    out["gross_margin"] = out["gross_margin"] + rng.normal(0.0, 0.02, n)
    # Profile margin shifts are in units of the operating margin, so it must stay positive.
    ceiling = out["gross_margin"] - out["other_opex"] - out["ppe"] * out["dep_rate"] - 0.03
    out["sga"] = np.minimum(out["sga"], ceiling)
    # Goodwill and intangibles; the rest of the soft assets (loans, investments) is liquid.
    out["goodwill"] = np.minimum(out["soft"], 0.6)
    out["sector_code"] = np.unique([c.sector for c in companies], return_inverse=True)[1]
    out["aggressive"] = np.array([profiles[c.symbol] == "aggressive" for c in companies])
    out["profile_code"] = np.array([PROFILES.index(profiles[c.symbol]) for c in companies])
    out["price_target"] = np.exp(rng.uniform(np.log(25.0), np.log(250.0), n))
    return out


def _story_clock(
    p: dict[str, np.ndarray], rng: np.random.Generator, t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Return years into each company's story and its growth phase, both (n, len(t)).

    The phase indexes ``growth``: 0 before the story (or between episodes), 1 while it
    runs, 2 after it. Companies of an episodic profile share one cycle, evenly staggered,
    so some are mid-episode at any time.
    """
    event = (t[-1] + 0.25) * rng.uniform(p["event"][:, 0], p["event"][:, 1])
    run = p["margin_path"][:, 2]
    since = t[None, :] - event[:, None]
    story = np.clip(since, 0.0, run[:, None])
    phase = (since >= 0).astype(int) + (since >= np.maximum(run, 1.0)[:, None])
    episodic = p["episodic"].astype(bool)
    for code in np.unique(p["profile_code"][episodic]):
        member = p["profile_code"] == code
        rank = np.cumsum(member)[member] / member.sum()
        into = (t[None, :] + ((rng.random() + rank) * _CYCLE_YEARS)[:, None]) % _CYCLE_YEARS
        story[member] = np.where(into < _EPISODE_YEARS, into, 0.0)
        phase[member] = (story[member] > 0).astype(int)
    return story, phase


def _valuation(p: dict[str, np.ndarray], ni_ttm: np.ndarray, equity: np.ndarray,
               revenue: np.ndarray) -> np.ndarray:
    """Return the market value of equity implied by the profile's multiples."""
    return np.maximum.reduce([p["pe"] * ni_ttm, p["pb_floor"] * equity, 0.1 * revenue])


def _initial_state(p: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return balances at the start of the simulation, from the ratios of the template."""
    R = p["revenue"]
    cost = R * (1 - p["gross_margin"])
    b = {"ar": R * p["dso"] / 365, "inv": cost * p["dio"] / 365, "ap": cost * p["dpo"] / 365,
         "oca": 0.03 * R, "sti": p["sti"] * R, "ppe": p["ppe"] * R, "soft": p["soft"] * R,
         "goodwill": p["goodwill"] * R, "capitalised": np.zeros_like(R),
         "stretched": np.zeros_like(R), "accrued": p["accrued"] * R,
         "deposits": p["deposits"] * R, "oncl": p["other_liab"] * R, "cash": p["cash"] * R,
         "std": 0.02 * R}
    assets = sum(b[k] for k in ("ar", "inv", "oca", "sti", "ppe", "soft", "cash"))
    other = sum(b[k] for k in ("ap", "accrued", "deposits", "oncl", "std"))
    # Debt is capped so every company starts with at least 25 % equity.
    b["ltd"] = np.clip(0.75 * assets - other, 0.0, p["debt"] * p["leverage"] * R)
    equity = assets - other - b["ltd"]
    b["re"] = p["retained"] * equity
    b["apic"] = equity - b["re"]
    return b


def _simulate(
    p: dict[str, np.ndarray], rng: np.random.Generator, quarters: int
) -> dict[str, np.ndarray]:
    """Run the accounting model; return each statement field as an (n, quarters) array."""
    n, total = len(p["revenue"]), quarters + _BURN_IN
    t = np.arange(total) / 4.0
    story, phase = _story_clock(p, rng, t)
    cycle, shocks = np.zeros(total), rng.normal(0.0, 0.24, total)
    for q in range(2, total):  # AR(2) business cycle with a period of about five years
        cycle[q] = 1.6 * cycle[q - 1] - 0.7 * cycle[q - 2] + shocks[q]
    cyclical = p["cycle_beta"] * p["cycle"]
    growth_shock = 0.06 * cyclical[:, None] * cycle + rng.normal(
        0.0, 0.02, (p["sector_code"].max() + 1, total)
    )[p["sector_code"]]
    margin_cycle = 0.25 * cyclical[:, None] * cycle * (p["cycle"] > 1)[:, None]
    eps = rng.standard_normal((9, n, total))
    disc = np.where(rng.random((n, total)) < 0.03, rng.normal(0.0, 0.015, (n, total)), 0.0)

    m0 = p["gross_margin"] - p["sga"] - p["other_opex"] - p["ppe"] * p["dep_rate"]
    start, slope, _ = p["margin_path"].T
    bounded = np.isfinite(p["max_loss"])
    max_loss = np.where(bounded, p["max_loss"], 0.0)
    payout = np.minimum(p["payout"] * p["profile_payout"], 0.9)
    b = _initial_state(p)
    R, dev = p["revenue"].copy(), np.zeros(n)
    gm, sga_r = p["gross_margin"] + 0.5 * m0 * start, p["sga"] - 0.5 * m0 * start
    ni_ttm = 0.79 * m0 * (1 + start) * R
    shares = _valuation(p, ni_ttm, b["re"] + b["apic"], R) / p["price_target"]
    wc = b["ar"] + b["inv"] + b["oca"] - b["ap"] - b["accrued"] - b["oncl"]
    ni_ring = np.tile(ni_ttm / 4, (4, 1))
    total_assets = sum(b[k] for k in ("ar", "inv", "oca", "sti", "ppe", "soft", "cash"))
    out = {k: np.empty((n, total)) for k in (*_FLOWS, *_BALANCES)}
    for q in range(total):
        mu = p["growth"][np.arange(n), phase[:, q]]
        dev = 0.7 * dev + 0.03 * eps[0, :, q]
        g = mu + dev + growth_shock[:, q]
        R = R * np.exp(g / 4)
        rev = R / 4 * p["seasonality"][:, q % 4] * np.exp(0.025 * eps[1, :, q])
        shift = start + slope * story[:, q] + margin_cycle[:, q]
        gm = gm + 0.4 * (p["gross_margin"] + 0.5 * m0 * shift - gm) + 0.004 * eps[2, :, q]
        gm = np.clip(gm, 0.06, 0.95)
        sga_r = sga_r + 0.4 * (p["sga"] - 0.5 * m0 * shift - sga_r) + 0.004 * eps[3, :, q]
        sga_r = np.clip(sga_r, 0.02, 0.6)
        cost = rev * (1 - gm)

        stretching = p["aggressive"] & (story[:, q] > 0)
        amortised = np.where(stretching, 0.0, 0.5 * b["capitalised"])  # a non-cash charge
        cap = np.where(stretching, np.minimum(_CAPITALISE, 0.5 * sga_r) * rev, 0.0)
        sga = sga_r * rev - cap
        dep = b["ppe"] * p["dep_rate"] / 4
        interest = (b["ltd"] + b["std"]) * _DEBT_RATE / 4
        # A profile with bounded losses cuts SG&A, then raises prices, to keep them bounded.
        equity = np.maximum(b["re"] + b["apic"], 0.0)
        floor = np.where(bounded, interest - max_loss * equity / 4, -np.inf)
        other = p["other_opex"] * rev + amortised
        sga = np.maximum(np.minimum(sga, rev - cost - dep - other - floor), 0.02 * rev)
        cost = np.minimum(cost, np.maximum(rev - (floor + sga + dep + other), 0.05 * rev))
        gm = 1 - cost / rev
        # Goodwill grows with revenue but does not shrink with it: an excess over 1.25 times
        # its usual share is impaired, a non-cash charge.
        goodwill = np.maximum(b["goodwill"], p["goodwill"] * R)
        written_down = np.maximum(goodwill - 1.25 * p["goodwill"] * R, 0.0)
        b["goodwill"] = goodwill - written_down
        ebit = rev - cost - sga - dep - other - written_down
        pretax = ebit - interest
        nic = pretax - _TAX * np.maximum(pretax, 0.0)
        ni = nic + disc[:, q] * rev
        ni_ring[q % 4] = ni
        capex = np.maximum(dep * (1 + g) + 0.15 * (p["ppe"] * R - b["ppe"]), 0.3 * dep)
        capex = capex * np.exp(0.08 * eps[5, :, q])

        b["ppe"] = b["ppe"] + capex - dep
        b["capitalised"] = b["capitalised"] + cap - amortised
        b["soft"] = b["goodwill"] + (p["soft"] - p["goodwill"]) * R + b["capitalised"]
        b["stretched"] = np.where(stretching, _STRETCHED * story[:, q] * R, 0.5 * b["stretched"])
        b["ar"] = rev * 4 * p["dso"] / 365 * np.exp(0.05 * eps[4, :, q]) + b["stretched"]
        b["inv"] = cost * 4 * p["dio"] / 365 * np.exp(0.05 * eps[6, :, q])
        b["ap"] = cost * 4 * p["dpo"] / 365 * np.exp(0.05 * eps[7, :, q])
        b["oca"], b["sti"] = 0.03 * R, p["sti"] * R
        b["accrued"], b["deposits"] = p["accrued"] * R, p["deposits"] * R
        b["oncl"] = p["other_liab"] * R
        b["re"] = b["re"] + ni - payout * np.maximum(ni, 0.0)

        # Shares move with the profile at the price its multiples imply. Cash goes back to
        # shareholders of profiles that buy back stock, and only while the company earns
        # money and keeps a fifth of its assets in equity.
        returns_cash = ((p["share_rate"] <= 0) & (ni_ring.sum(0) > 0)
                        & (b["re"] + b["apic"] > 0.2 * total_assets))
        price = _valuation(p, ni_ring.sum(0), b["re"] + b["apic"], R) / shares
        rate = np.where(returns_cash, p["share_rate"], np.maximum(p["share_rate"], 0.0))
        new_shares = shares * np.exp(rate / 4 + 0.003 * eps[8, :, q])
        b["apic"] = b["apic"] + (new_shares - shares) * price
        shares = new_shares
        # Equity below 5 % of assets forces a raise back to 15 %, at a discount but no less
        # than the P/B floor on the restored book, of at most the market value.
        issue_price = 0.7 * np.maximum(price, p["pb_floor"] * 0.15 * total_assets / shares)
        raise_ = np.where(b["re"] + b["apic"] < 0.05 * total_assets,
                          0.15 * total_assets - b["re"] - b["apic"], 0.0)
        raise_ = np.minimum(raise_, issue_price * shares)
        b["apic"], shares = b["apic"] + raise_, shares + raise_ / issue_price

        # Cash balances the books: a shortfall below target draws the revolver (for some
        # profiles partly met by a discounted share issue), a surplus repays short-term debt,
        # then long-term debt down to the company's usual leverage; cash beyond twice its
        # target buys back shares, or repays more debt when the company may not return cash.
        held = sum(b[k] for k in ("ar", "inv", "oca", "sti", "ppe", "soft"))
        funded = sum(b[k] for k in ("re", "apic", "ap", "accrued", "deposits", "oncl", "std",
                                    "ltd"))
        gap = p["cash"] * R - (funded - held)
        issued = np.minimum(p["equity_funded"] * np.maximum(gap, 0.0), 0.05 * price * shares)
        b["apic"], shares = b["apic"] + issued, shares + issued / (0.85 * price)
        borrow, surplus = np.maximum(gap, 0.0) - issued, np.maximum(-gap, 0.0)
        repay_short = np.minimum(b["std"], 0.5 * surplus)
        repay_long = np.clip(b["ltd"] - p["debt"] * p["leverage"] * R, 0.0,
                             0.5 * surplus - repay_short)
        b["std"] = b["std"] + p["short_term_borrowing"] * borrow - repay_short
        b["ltd"] = b["ltd"] + (1 - p["short_term_borrowing"]) * borrow - repay_long
        b["cash"] = funded - held + issued + borrow - repay_short - repay_long
        idle = 0.5 * np.maximum(b["cash"] - 2 * p["cash"] * R, 0.0)
        buyback = np.where(returns_cash, idle, 0.0)
        repay_more = np.minimum(b["ltd"], idle - buyback)
        b["cash"] = b["cash"] - buyback - repay_more
        b["apic"], b["ltd"] = b["apic"] - buyback, b["ltd"] - repay_more
        shares = shares - buyback / price
        termed_out = 0.05 * b["std"]  # revolver draws are slowly refinanced long term
        b["std"], b["ltd"] = b["std"] - termed_out, b["ltd"] + termed_out

        wc_new = b["ar"] + b["inv"] + b["oca"] - b["ap"] - b["accrued"] - b["oncl"]
        current_assets = b["cash"] + b["sti"] + b["ar"] + b["inv"] + b["oca"]
        total_assets = current_assets + b["ppe"] + b["soft"]
        current_liabilities = b["ap"] + b["accrued"] + b["deposits"] + b["std"]
        row = {
            "revenue": rev, "cost_of_revenue": cost, "sga_expense": sga, "depreciation": dep,
            "ebit": ebit, "net_income": ni, "net_income_continuing": nic,
            "cash_from_operations": nic + dep + amortised + written_down - (wc_new - wc),
            "capital_expenditure": capex, "cash_and_equivalents": b["cash"],
            "short_term_investments": b["sti"], "receivables": b["ar"], "inventory": b["inv"],
            "current_assets": current_assets, "ppe_net": b["ppe"], "total_assets": total_assets,
            "current_liabilities": current_liabilities, "long_term_debt": b["ltd"],
            "total_liabilities": current_liabilities + b["ltd"] + b["oncl"],
            "retained_earnings": b["re"], "shares_outstanding": shares,
        }
        for k, v in row.items():
            out[k][:, q] = v
        wc = wc_new
    return {k: v[:, _BURN_IN:] for k, v in out.items()}


def financial_statements(
    companies: Sequence[InstrumentSpec],
    profiles: Mapping[str, str],
    rng: np.random.Generator,
    *,
    as_of: pd.Timestamp,
    fiscal_years: int = 6,
) -> pd.DataFrame:
    """Return quarterly and annual statements filed by ``as_of``.

    Fiscal years are calendar years. The simulation covers the ``fiscal_years + 1`` years
    before ``as_of``'s year and that year itself, so at least ``fiscal_years`` complete years
    are filed whatever the date; Q1..Q4 and FY rows exist for every year, FY flows are the sum
    of the quarters and FY balances those of Q4. Quarterly reports are filed 25 to 45 days
    after the quarter, Q4 and FY together 45 to 75 days after the year, each company at its
    habitual time (12:00 UTC before the open or 21:05 UTC after the close).

    Parameters
    ----------
    companies
        Companies (``InstrumentSpec.is_company``) in a fixed order.
    profiles
        Symbol to profile, from :func:`assign_profiles`.
    rng
        Random source.
    as_of
        Only filings with ``filed_at <= as_of`` are returned.
    fiscal_years
        Complete fiscal years to cover; at least 6 so that five year-over-year comparisons
        exist.

    Returns
    -------
    pandas.DataFrame
        Conformed to :data:`harvest.contracts.FINANCIAL_STATEMENTS`.
    """
    if fiscal_years < 6:
        raise ValueError(f"fiscal_years must be at least 6, got {fiscal_years}")
    as_of = utc(as_of)
    first_year = as_of.year - fiscal_years - 1
    years = as_of.year - first_year + 1
    n = len(companies)
    params = _parameters(companies, profiles, rng)
    sim = _simulate(params, rng, 4 * years)
    fields = {}
    for k, v in sim.items():
        by_year = v.reshape(n, years, 4)
        annual = by_year.sum(axis=2) if k in _FLOWS else by_year[:, :, 3]
        fields[k] = np.concatenate([v, annual], axis=1).ravel()
    fields["gross_profit"] = fields["revenue"] - fields["cost_of_revenue"]
    fields["total_equity"] = fields["total_assets"] - fields["total_liabilities"]
    fields["eps_diluted"] = fields["net_income"] / fields["shares_outstanding"]

    fiscal_year = np.concatenate([first_year + np.arange(4 * years) // 4,
                                  first_year + np.arange(years)])
    quarter = np.concatenate([np.tile(np.arange(4), years), np.full(years, 3)])
    period = np.concatenate([np.tile(["Q1", "Q2", "Q3", "Q4"], years), np.full(years, "FY")])
    month_day = np.array(_QUARTER_END)[quarter]
    period_end = pd.to_datetime({"year": fiscal_year, "month": month_day[:, 0],
                                 "day": month_day[:, 1]}).to_numpy(dtype="datetime64[D]")
    quarterly_lag = rng.uniform(28, 38, n)
    annual_lag = rng.uniform(48, 66, n)
    habit = np.where(rng.random(n) < 0.5, PRE_MARKET, AFTER_CLOSE)
    jitter = rng.integers(-3, 4, (n, 4 * years))
    q_lag = np.where(quarter[: 4 * years] == 3, annual_lag[:, None], quarterly_lag[:, None])
    q_lag = np.round(q_lag + jitter).astype(int)
    lag = np.concatenate([q_lag, q_lag[:, 3::4]], axis=1)  # FY files with Q4
    filed_day = roll_to_business_day(np.tile(period_end, n) + lag.ravel())
    filed_at = at_time_of_day(filed_day, np.repeat(habit, lag.shape[1]))

    frame = pd.DataFrame({
        "symbol": np.repeat([c.symbol for c in companies], len(period)),
        "fiscal_period_end": np.tile(period_end, n),
        "fiscal_period": np.tile(period, n),
        "fiscal_year": np.tile(fiscal_year, n),
        "filed_at": filed_at,
        "currency": np.repeat([c.currency for c in companies], len(period)),
        **fields,
        "available_at": filed_at,
        "source": "synthetic",
    })
    frame = frame[frame["filed_at"] <= as_of]
    frame = frame.sort_values(["symbol", "fiscal_period_end", "fiscal_period"], kind="stable")
    return conform(FINANCIAL_STATEMENTS, frame)


def start_prices(
    statements: pd.DataFrame, profiles: Mapping[str, str], *, at: pd.Timestamp | None = None
) -> dict[str, float]:
    """Return a plausible share price for each company at the start of its price history.

    The price applies the profile's multiples (the ones the simulation issues and buys back
    shares at): the larger of P/E times trailing EPS, a P/B floor times book value per share
    and 0.1 times sales per share.

    Parameters
    ----------
    statements
        Frame from :func:`financial_statements`.
    profiles
        Symbol to profile.
    at
        Start of the price history: the last FY filed by then is used (the first FY when none
        was). Without it, the latest FY.

    Returns
    -------
    dict[str, float]
        Symbol to price in the statement currency, rounded to cents, at least 1.00.
    """
    fy = statements[statements["fiscal_period"] == "FY"]
    fy = fy.sort_values(["symbol", "fiscal_period_end"])
    last = fy.groupby("symbol").tail(1)
    if at is not None:
        known = fy[fy["filed_at"] <= utc(at)].groupby("symbol").tail(1)
        unknown = fy[~fy["symbol"].isin(known["symbol"])].groupby("symbol").head(1)
        last = pd.concat([known, unknown])
    symbols = last["symbol"].tolist()
    p = {"pe": np.array([_PROFILES[profiles[s]].pe for s in symbols]),
         "pb_floor": np.array([_PROFILES[profiles[s]].pb_floor for s in symbols])}
    value = _valuation(p, last["net_income"].to_numpy(), last["total_equity"].to_numpy(),
                       last["revenue"].to_numpy())
    price = np.maximum(np.round(value / last["shares_outstanding"].to_numpy(), 2), 1.0)
    return dict(zip(symbols, price.tolist(), strict=True))
