"""Portfolio limits with worked numbers: sector, correlation, beta, ADV, max positions."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from quant.risk import (
    DecisionStatus,
    MarketContext,
    OrderProposal,
    PortfolioState,
    Position,
    ReasonCode,
    RiskLimits,
    SymbolData,
    check_orders,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
EQUITY = 100_000.0
# Sizing out of the way: a requested qty passes unless a portfolio limit cuts it.
LOOSE = RiskLimits(method="fixed_fraction", fixed_fraction_cap=1.0, scaling="none",
                   max_risk_per_trade=1.0)


def sym(price=50.0, sector="tech", **kw) -> SymbolData:
    return SymbolData(price=price, atr=1.0, adv=1e7, sector=sector, **kw)


def order(symbol, qty, side="buy", price=50.0) -> OrderProposal:
    return OrderProposal(symbol, side, price, NOW, qty=qty)


def run(positions, proposals, symbols, limits=LOOSE, returns=None):
    state = PortfolioState.of(EQUITY, positions)
    return check_orders(state, proposals, limits, MarketContext(symbols, returns), NOW)


def factor_returns(loadings: dict[str, list[float]], n=120, noise=0.05, seed=3):
    """Return returns = loadings x independent factors + small noise (seeded)."""
    rng = np.random.default_rng(seed)
    k = len(next(iter(loadings.values())))
    factors = rng.normal(0, 0.01, size=(n, k))
    cols = {s: factors @ np.array(w) + rng.normal(0, 0.01 * noise, n) for s, w in
            loadings.items()}
    return pd.DataFrame(cols)


# --- sector ---------------------------------------------------------------------------------


def test_sector_cap_resizes_to_the_room_left():
    # Held tech: 500 x 50 = 25,000 = 25 %; cap 30 % leaves 5,000 / 50 = 100 shares.
    symbols = {"US.T1": sym(), "US.T2": sym()}
    r = run([Position("US.T1", 500, 50.0)], [order("US.T2", 300)], symbols)
    d = r.decisions[0]
    assert (d.status, d.qty) == (DecisionStatus.RESIZED, 100)
    (reason,) = d.reasons
    assert reason.code is ReasonCode.SECTOR_LIMIT
    assert reason.numbers["sector_exposure"] == pytest.approx(0.25)
    assert reason.numbers["room_notional"] == pytest.approx(5_000)
    assert r.utilization.sector_exposure["tech"] == pytest.approx(0.30)


def test_second_order_of_a_sector_sees_the_first():
    # Empty book: the first tech order takes 400 x 50 = 20 %, the second gets 10 % = 200,
    # the third nothing; an energy order is unaffected.
    symbols = {"US.T1": sym(), "US.T2": sym(), "US.T3": sym(), "US.E1": sym(sector="energy")}
    r = run([], [order("US.T1", 400), order("US.T2", 400), order("US.T3", 10),
                 order("US.E1", 400)], symbols)
    assert [d.qty for d in r.decisions] == [400, 200, 0, 400]
    assert r.decisions[2].code is ReasonCode.SECTOR_LIMIT
    assert r.decisions[2].status is DecisionStatus.REJECTED
    assert r.decisions[3].status is DecisionStatus.ACCEPTED


def test_sector_exposure_is_gross():
    # A 20 % short and a 5 % long in tech use 25 %, not 15 %: room 5 % = 100 shares.
    symbols = {"US.T1": sym(), "US.T2": sym(), "US.T3": sym()}
    held = [Position("US.T1", -400, 50.0), Position("US.T2", 100, 50.0)]
    r = run(held, [order("US.T3", 500)], symbols)
    assert r.decisions[0].qty == 100


# --- correlation ----------------------------------------------------------------------------


def test_correlation_limit_counts_the_cluster():
    # A, B, C, D load on one factor (correlation ~0.99); Z on another. Held A and B long.
    rets = factor_returns({"A": [1, 0], "B": [1, 0], "C": [1, 0], "D": [1, 0], "Z": [0, 1]})
    corr = rets.corr()
    assert corr.loc["A", "C"] > 0.95 and abs(corr.loc["A", "Z"]) < 0.3
    symbols = {s: sym(sector=s) for s in "ABCDZ"}
    held = [Position("A", 10, 50.0), Position("B", 10, 50.0)]
    r = run(held, [order("C", 10), order("D", 10), order("Z", 10)], symbols, returns=rets)
    c, d, z = r.decisions
    assert c.status is DecisionStatus.ACCEPTED  # cluster A, B, C = 3 = max
    assert d.status is DecisionStatus.REJECTED  # would make 4
    assert d.code is ReasonCode.CORRELATION_LIMIT
    assert d.reasons[-1].numbers["correlated_positions"] == 3
    assert z.status is DecisionStatus.ACCEPTED


def test_a_short_against_correlated_longs_is_a_hedge():
    rets = factor_returns({"A": [1, 0], "B": [1, 0], "C": [1, 0], "D": [1, 0]})
    symbols = {s: sym(sector=s) for s in "ABCD"}
    held = [Position("A", 10, 50.0), Position("B", 10, 50.0), Position("C", 10, 50.0)]
    r = run(held, [order("D", 10, side="sell"), order("D", 10)], symbols, returns=rets)
    assert r.decisions[0].status is DecisionStatus.ACCEPTED  # rho x (-1) x (+1) < 0.7
    assert r.decisions[1].code is ReasonCode.CONFLICTING_ORDERS


def test_an_entry_may_not_overfill_a_neighbours_cluster():
    # X1 = f1 + f2, X2 = f1, X3 = f2, Y = f1: corr(X1, X2) = corr(X1, X3) = 0.71,
    # corr(X2, X3) = 0. With threshold 0.6 and max 3, X1's cluster {X1, X2, X3} is full.
    # Y's own cluster {Y, X1, X2} is 3, but it would make X1's 4: rejected.
    rets = factor_returns({"X1": [1, 1], "X2": [1, 0], "X3": [0, 1], "Y": [1, 0]})
    corr = rets.corr()
    assert 0.6 < corr.loc["X1", "X2"] < 0.8 and abs(corr.loc["X2", "X3"]) < 0.3
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=1.0, scaling="none",
                        max_risk_per_trade=1.0, correlation_threshold=0.6)
    symbols = {s: sym(sector=s) for s in ("X1", "X2", "X3", "Y")}
    held = [Position(s, 10, 50.0) for s in ("X1", "X2", "X3")]
    d = run(held, [order("Y", 10)], symbols, limits, rets).decisions[0]
    assert d.code is ReasonCode.CORRELATION_LIMIT
    assert d.reasons[-1].numbers["correlated_positions"] == 2
    assert d.reasons[-1].numbers["neighbour_cluster"] == 3


def test_unknown_correlation_counts_as_correlated():
    rets = factor_returns({"A": [1, 0], "B": [0, 1], "C": [1, 1]})
    symbols = {s: sym(sector=s) for s in "ABCN"}
    held = [Position("A", 10, 50.0), Position("B", 10, 50.0), Position("C", 10, 50.0)]
    # N has no returns: it counts as correlated with all three, a cluster of 4.
    d = run(held, [order("N", 10)], symbols, returns=rets).decisions[0]
    assert d.code is ReasonCode.CORRELATION_LIMIT
    assert d.reasons[-1].numbers["unknown_correlations"] == 3


def test_correlation_uses_the_last_window_of_returns():
    # 200 rows where A and B move opposite, then 60 where they move together: the default
    # 60-row window sees only the latter.
    rng = np.random.default_rng(5)
    x = rng.normal(0, 0.01, 260)
    b = np.concatenate([-x[:200], x[200:]])
    rets = pd.DataFrame({"A": x, "B": b + rng.normal(0, 1e-4, 260)})
    ctx = MarketContext({}, rets)
    assert ctx.correlations(60, 20).loc["A", "B"] > 0.99
    assert ctx.correlations(260, 20).loc["A", "B"] < 0
    short = rets.copy()
    short.loc[: 259 - 10, "B"] = np.nan  # 10 observations left in the window
    assert np.isnan(MarketContext({}, short).correlations(60, 20).loc["A", "B"])


# --- beta -----------------------------------------------------------------------------------


BETA = RiskLimits(method="fixed_fraction", fixed_fraction_cap=1.0, scaling="none",
                  max_risk_per_trade=1.0, beta_band=0.1, max_sector_exposure=1.0)


def test_beta_band_rejects_an_order_moving_away():
    # Held 200 x 50 beta 1.0 = +0.10 net beta, at the band's edge: a long is rejected.
    symbols = {"H": sym(sector="h"), "L": sym(sector="l", beta=1.5)}
    d = run([Position("H", 200, 50.0)], [order("L", 10)], symbols, BETA).decisions[0]
    assert d.code is ReasonCode.BETA_BAND
    assert d.reasons[-1].numbers["net_beta"] == pytest.approx(0.10)


def test_beta_band_resizes_to_the_far_edge():
    # Short beta 1.0 at 50: -0.0005 per share. From +0.10 the order may go to -0.10:
    # (-0.1 - 0.1) / -0.0005 = 400 shares; 300 passes, 500 is cut to 400.
    symbols = {"H": sym(sector="h"), "S": sym(sector="s")}
    held = [Position("H", 200, 50.0)]
    ok = run(held, [order("S", 300, side="sell")], symbols, BETA)
    assert ok.decisions[0].status is DecisionStatus.ACCEPTED
    assert ok.utilization.net_beta == pytest.approx(-0.05)
    cut = run(held, [order("S", 500, side="sell")], symbols, BETA)
    assert cut.decisions[0].qty == 400
    assert cut.decisions[0].reasons[-1].numbers["room_qty"] == pytest.approx(400)
    assert cut.utilization.net_beta == pytest.approx(-0.10)


def test_beta_outside_the_band_may_only_improve():
    # Held +0.30; a short may take it to -0.10: (-0.1 - 0.3) / -0.0005 = 800 shares.
    symbols = {"H": sym(sector="h"), "S": sym(sector="s"), "L": sym(sector="l")}
    held = [Position("H", 600, 50.0)]
    r = run(held, [order("L", 10), order("S", 1000, side="sell")], symbols, BETA)
    assert r.decisions[0].code is ReasonCode.BETA_BAND
    assert r.decisions[1].qty == 800


# --- liquidity ------------------------------------------------------------------------------


def test_liquidity_resizes_to_one_percent_of_adv():
    # ADV 10,000 -> 100 shares; two orders in the batch share it: 60, then 40.
    symbols = {"A": SymbolData(50.0, 1.0, 10_000.0, "t")}
    r = run([], [order("A", 150)], symbols)
    assert r.decisions[0].qty == 100
    assert r.decisions[0].reasons[0].code is ReasonCode.LIQUIDITY_LIMIT
    r = run([], [order("A", 60), order("A", 60)], symbols)
    assert [d.qty for d in r.decisions] == [60, 40]
    assert r.decisions[1].reasons[0].numbers["batch_qty"] == 60


def test_liquidity_reject_mode():
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=1.0, scaling="none",
                        max_risk_per_trade=1.0, liquidity_action="reject")
    symbols = {"A": SymbolData(50.0, 1.0, 10_000.0, "t")}
    d = run([], [order("A", 101)], symbols, limits).decisions[0]
    assert (d.status, d.code) == (DecisionStatus.REJECTED, ReasonCode.LIQUIDITY_LIMIT)
    assert run([], [order("A", 100)], symbols, limits).decisions[0].qty == 100


# --- positions count ------------------------------------------------------------------------


def test_max_positions_blocks_new_symbols_but_not_adds():
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=1.0, scaling="none",
                        max_risk_per_trade=1.0, max_positions=3)
    symbols = {s: sym(sector=s) for s in "ABCD"}
    held = [Position("A", 10, 50.0), Position("B", 10, 50.0)]
    r = run(held, [order("C", 10), order("D", 10), order("A", 10)], symbols, limits)
    assert [d.status for d in r.decisions] == [
        DecisionStatus.ACCEPTED, DecisionStatus.REJECTED, DecisionStatus.ACCEPTED
    ]
    assert r.decisions[1].code is ReasonCode.MAX_POSITIONS
    assert r.decisions[1].reasons[0].numbers["positions"] == 3
    assert r.utilization.positions == 3
