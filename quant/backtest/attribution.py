"""Where a strategy's P&L came from: alpha, market beta, sector exposure; and what trading cost.

PnL decomposition (``decompose_pnl``)
    An ordinary least squares regression of the strategy's daily returns on the market's
    return and on each sector's return *in excess of the market's part of it*:

    ``r_t = alpha + beta_m * m_t + sum_k beta_k * u_k,t + e_t``, with ``u_k = s_k - b_k * m``
    sector ``k``'s return less its market part (``b_k`` the slope of ``s_k`` on ``m``).
    Taking the market part out keeps ``beta_m`` the strategy's full market beta, as a
    one-factor regression would give, and lets the sector terms measure only the exposure the
    market does not explain; ``u_k`` keeps its mean, so a sector's own drift earned by holding
    it counts as sector contribution, not as alpha. Each term's contribution is its fitted
    part summed over the days (``beta_m * sum(m_t)`` ...), in return units, and, when an
    equity curve is given, in
    money (``beta_m * m_t * E_{t-1}`` summed), so that
    ``total = alpha + market + sector + residual`` holds exactly.

Transaction cost analysis (``transaction_costs``)
    Per order, from the fill model's ``Fill`` records: explicit = commission + fees; implicit
    = latency + slippage + impact; and the implementation shortfall against the decision
    price (``quant.backtest.fills.implementation_shortfall``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from quant.backtest.fills import Fill, Order, implementation_shortfall

__all__ = ["PnlDecomposition", "decompose_pnl", "tca_summary", "transaction_costs"]


@dataclass(frozen=True)
class PnlDecomposition:
    """Result of :func:`decompose_pnl`.

    Attributes
    ----------
    alpha
        Intercept per period (a daily return for daily data).
    alpha_annual
        ``alpha * periods_per_year``.
    market_beta
        Loading on the market return.
    sector_betas
        Loading on each sector's market-orthogonal return.
    contributions
        Summed contribution of ``alpha``, ``market``, each ``sector:<name>`` and
        ``residual``, in return units; they add up to ``total``.
    contributions_money
        The same in currency (empty without an equity curve).
    r_squared
        Share of the return variance the factors explain.
    t_stats
        t statistics of alpha and each loading (ordinary standard errors).
    n
        Number of periods used.
    """

    alpha: float
    alpha_annual: float
    market_beta: float
    sector_betas: Mapping[str, float]
    contributions: Mapping[str, float]
    contributions_money: Mapping[str, float]
    r_squared: float
    t_stats: Mapping[str, float]
    n: int


def _residual_on(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Return ``y - b * x`` with ``b`` the slope of ``y`` on ``x`` (with an intercept).

    The intercept stays in the result: a sector's own drift is sector exposure, not alpha.
    """
    a = np.column_stack([np.ones_like(x), x])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return y - coef[1] * x


def decompose_pnl(
    returns: pd.Series,
    market: pd.Series,
    sectors: pd.DataFrame | None = None,
    equity: pd.Series | None = None,
    periods_per_year: int = 252,
) -> PnlDecomposition:
    """Split a strategy's returns into alpha, market beta and sector exposure.

    Parameters
    ----------
    returns
        Strategy returns per period (e.g. ``equity.pct_change()`` of daily equity).
    market
        Market (benchmark) returns on the same index.
    sectors
        Sector returns, one column per sector, on the same index (e.g. the sector ETFs the
        strategy trades in). Optional.
    equity
        Equity curve, to state the contributions in money as well.
    periods_per_year
        For ``alpha_annual``.

    Returns
    -------
    PnlDecomposition
        Loadings, contributions and fit. Rows with any NaN are dropped first.
    """
    frame = pd.concat({"r": returns, "m": market}, axis=1)
    names: list[str] = []
    if sectors is not None:
        names = [str(c) for c in sectors.columns]
        frame = frame.join(sectors.set_axis(names, axis=1))
    frame = frame.dropna()
    n = len(frame)
    if n < len(names) + 3:
        raise ValueError(f"{n} periods are too few to fit {len(names) + 2} coefficients")
    y = frame["r"].to_numpy(dtype=float)
    m = frame["m"].to_numpy(dtype=float)
    cols = [np.ones(n), m] + [_residual_on(frame[s].to_numpy(dtype=float), m) for s in names]
    x = np.column_stack(cols)
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    fitted_parts = x * coef
    resid = y - fitted_parts.sum(axis=1)
    dof = n - x.shape[1]
    sigma2 = float(resid @ resid) / dof
    se = np.sqrt(np.diag(np.linalg.inv(x.T @ x)) * sigma2)
    labels = ["alpha", "market"] + [f"sector:{s}" for s in names]
    contributions = {lab: float(fitted_parts[:, i].sum()) for i, lab in enumerate(labels)}
    contributions["residual"] = float(resid.sum())
    contributions["total"] = float(y.sum())
    money: dict[str, float] = {}
    if equity is not None:
        base = equity.shift(1).reindex(frame.index).to_numpy(dtype=float)
        ok = ~np.isnan(base)
        money = {lab: float((fitted_parts[ok, i] * base[ok]).sum()) for i, lab in enumerate(labels)}
        money["residual"] = float((resid[ok] * base[ok]).sum())
        money["total"] = float((y[ok] * base[ok]).sum())
    tss = float(((y - y.mean()) ** 2).sum())
    return PnlDecomposition(
        alpha=float(coef[0]),
        alpha_annual=float(coef[0] * periods_per_year),
        market_beta=float(coef[1]),
        sector_betas={s: float(coef[2 + i]) for i, s in enumerate(names)},
        contributions=contributions,
        contributions_money=money,
        r_squared=1.0 - float(resid @ resid) / tss if tss > 0 else float("nan"),
        t_stats={lab: float(coef[i] / se[i]) if se[i] > 0 else float("nan")
                 for i, lab in enumerate(labels)},
        n=n,
    )


TCA_COLUMNS = (
    "order_id", "symbol", "side", "qty", "filled_qty", "decision_price", "avg_price",
    "commission", "fees", "explicit", "latency", "slippage", "impact", "implicit",
    "execution", "opportunity", "shortfall", "shortfall_bps",
)


def transaction_costs(
    orders: Sequence[Order],
    fills: Sequence[Fill],
    final_prices: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Return one row of costs per order that has a decision price, in currency.

    ``explicit = commission + fees``; ``implicit = latency + slippage + impact`` (the fill
    model's split, positive = cost); ``execution = ±(sum q*price - decision_price * sum q)``,
    which equals ``implicit`` when the fills were priced against the order's decision price;
    ``opportunity`` charges the unfilled quantity the move to ``final_prices[symbol]`` (0
    without it); ``shortfall = execution + explicit + opportunity`` and ``shortfall_bps``
    relates it to ``decision_price * qty``.
    """
    by_order: dict[str, list[Fill]] = {}
    for f in fills:
        by_order.setdefault(f.order_id, []).append(f)
    rows = []
    for o in orders:
        if o.decision_price is None:
            continue
        fs = by_order.get(o.order_id, [])
        final = None if final_prices is None else final_prices.get(o.symbol)
        sf = implementation_shortfall(o, fs, final_price=final)
        rows.append((
            o.order_id, o.symbol, str(o.side), o.qty, sf.filled_qty, sf.decision_price,
            sf.avg_price, sf.commission, sf.fees, sf.explicit, sf.latency, sf.slippage,
            sf.impact, sf.latency + sf.slippage + sf.impact, sf.execution, sf.opportunity,
            sf.total, sf.bps,
        ))
    return pd.DataFrame(rows, columns=list(TCA_COLUMNS))


def tca_summary(costs: pd.DataFrame) -> dict[str, float]:
    """Return the totals of a :func:`transaction_costs` table and their share of traded value."""
    traded = float((costs["filled_qty"] * costs["avg_price"]).sum())
    out = {k: float(costs[k].sum()) for k in
           ("commission", "fees", "explicit", "latency", "slippage", "impact", "implicit",
            "opportunity", "shortfall")}
    out["traded_value"] = traded
    out["explicit_bps"] = out["explicit"] / traded * 1e4 if traded else float("nan")
    out["implicit_bps"] = out["implicit"] / traded * 1e4 if traded else float("nan")
    return out
