"""Property tests: no set of orders the gate passes ever breaches a limit.

Random universes (sectors, betas, ADVs, lot sizes, factor-model returns), random portfolios,
random limits and random batches of proposals (some malformed). The invariants are recomputed
here from the inputs and the decisions, not read back from the gate's own numbers.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from quant.risk import (
    DecisionStatus,
    Intent,
    MarketContext,
    OrderProposal,
    PortfolioState,
    Position,
    RiskLimits,
    RiskState,
    SymbolData,
    TradingState,
    check_orders,
    kelly_fraction,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TOL = 1e-9
PROPS = settings(max_examples=300, deadline=None, derandomize=True)


METHODS = ["kelly_criterion_modified", "kelly_criterion", "fixed_fraction",
           "volatility_target", "equal_weight"]


def pick(rng: np.random.Generator, options):
    return options[int(rng.integers(len(options)))]


@st.composite
def scenarios(draw):
    """Return (state, proposals, limits, market); hypothesis picks the sizes and the seed.

    The values come from a numpy generator seeded by hypothesis: uniform over the ranges,
    where hypothesis' own draws would crowd at the boundaries.
    """
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = draw(st.integers(2, 10))
    names = [f"US.S{i}" for i in range(n)]
    lot = pick(rng, [1, 1, 10, 100])
    symbols = {}
    for s in names:
        price = float(rng.uniform(5, 300))
        atr = price * rng.uniform(0.005, 0.05)
        mean = atr * rng.uniform(0.7, 1.3)
        symbols[s] = SymbolData(
            price=price, atr=float(atr), adv=float(10 ** rng.uniform(3, 6.5)),
            sector=pick(rng, ["a", "b", "c", ""]), beta=float(rng.uniform(-0.5, 2.0)),
            atr_mean=float(mean), atr_std=float(mean * rng.uniform(0.05, 0.3)), lot_size=lot,
        )
    # Returns from two factors: loadings (1, 0), (0, 1) or (1, 1) make clusters whose
    # correlation is not transitive, (-1, 0) makes negative correlation (a long and a short
    # of such a pair add up); one symbol may have no history at all.
    loadings = [(1, 0), (0, 1), (1, 1), (-1, 0)]
    loads = np.array([pick(rng, loadings) for _ in names], dtype=float)
    loads += rng.normal(0, 0.15, loads.shape)
    rets = rng.normal(0, 0.01, (80, 2)) @ loads.T + rng.normal(0, 0.003, (80, n))
    returns = pd.DataFrame(rets, columns=names)
    if rng.random() < 0.3:
        returns = returns.drop(columns=names[-1])
    limits = RiskLimits(
        method=pick(rng, METHODS),
        max_kelly_fraction=pick(rng, [0.1, 0.25, 0.5, 1.0]),
        fixed_fraction_cap=pick(rng, [0.05, 0.1, 0.2, 0.5]),
        max_correlated_positions=int(rng.integers(1, 5)),
        correlation_threshold=pick(rng, [0.3, 0.5, 0.7, 0.9]),
        max_sector_exposure=pick(rng, [0.1, 0.2, 0.3, 0.6]),
        max_positions=pick(rng, [None, None, 2, 4, 8]),
        target_risk_per_trade=pick(rng, [0.002, 0.005, 0.01, 0.03]),
        scaling=pick(rng, ["inverse_volatility", "none"]),
        max_risk_per_trade=pick(rng, [0.005, 0.01, 0.02, 0.05]),
        beta_band=pick(rng, [None, 0.05, 0.2, 0.5]),
        liquidity_action=pick(rng, ["resize", "resize", "reject"]),
    )
    equity = pick(rng, [20_000.0, 100_000.0, 1_000_000.0])
    positions = []
    for s in names:
        if rng.random() < 0.4:
            qty = round(rng.uniform(-0.1, 0.1) * equity / symbols[s].price / lot) * lot
            if qty:
                positions.append(Position(s, float(qty), symbols[s].price))
    drawdown = pick(rng, [0.0, 0.0, 0.0, 0.02, 0.035])
    risk = RiskState(equity / (1 - drawdown), consecutive_losses=int(rng.integers(0, 5)))
    state = PortfolioState(equity, tuple(positions), risk)
    proposals = [proposal(rng, names, symbols) for _ in range(draw(st.integers(1, 14)))]
    return state, proposals, limits, MarketContext(symbols, returns)


def proposal(rng: np.random.Generator, names, symbols) -> OrderProposal:
    s = pick(rng, names)
    price = symbols[s].price * rng.uniform(0.98, 1.02)
    qty = None if rng.random() < 0.5 else float(pick(rng, [rng.uniform(1, 2000),
                                                         rng.integers(1, 20) * 100]))
    probability = float(rng.uniform(0.45, 0.8)) if rng.random() < 0.9 else None
    age = float(rng.uniform(0, 600))
    # About one proposal in four is malformed in one way.
    match int(rng.integers(0, 28)):
        case 0:
            price = math.nan
        case 1:
            price = math.inf
        case 2:
            price = -price
        case 3:
            qty = math.nan
        case 4:
            age = 1200.0  # stale
        case 5:
            age = -30.0  # from the future
        case 6:
            s = "US.GHOST"
    return OrderProposal(
        s, pick(rng, ["buy", "sell"]), float(price), NOW - timedelta(seconds=age), qty=qty,
        probability=probability, payoff_ratio=float(rng.uniform(0.5, 3.0)),
    )


def corr_of(market: MarketContext, limits: RiskLimits) -> pd.DataFrame:
    tail = market.returns.tail(limits.correlation_window)
    return tail.corr(min_periods=limits.min_correlation_periods)


def correlated(corr, a, da, b, db, threshold) -> bool:
    if a not in corr.index or b not in corr.index or not math.isfinite(corr.loc[a, b]):
        return True  # unknown counts as correlated (docs/risk.md)
    return corr.loc[a, b] * da * db >= threshold


def degree(corr, notional, x, threshold) -> int:
    dx = np.sign(notional[x])
    return sum(
        correlated(corr, x, dx, y, np.sign(n), threshold)
        for y, n in notional.items() if y != x
    )


def method_fraction(limits: RiskLimits, p: OrderProposal) -> float:
    ffc = limits.fixed_fraction_cap
    if limits.method == "kelly_criterion_modified":
        return min(limits.max_kelly_fraction * kelly_fraction(p.probability, p.payoff_ratio), ffc)
    if limits.method == "kelly_criterion":
        return min(kelly_fraction(p.probability, p.payoff_ratio), ffc)
    if limits.method == "equal_weight" and limits.max_positions:
        return min(1 / limits.max_positions, ffc)
    return ffc


@given(scenarios())
@PROPS
def test_passed_orders_never_breach_a_limit(scenario):
    state, proposals, limits, market = scenario
    report = check_orders(state, proposals, limits, market, NOW)
    decisions = report.decisions
    assert len(decisions) == len(proposals)
    equity = state.equity
    corr = corr_of(market, limits)
    held = {p.symbol: p.qty for p in state.positions}
    notional = {s: q * market.symbols[s].price for s, q in held.items()}
    sector_of = {s: d.sector for s, d in market.symbols.items()}
    beta_of = {s: d.beta for s, d in market.symbols.items()}
    initial_count = len(notional)
    new_symbols: list[str] = []
    adv_used: dict[str, float] = {}
    exited: dict[str, float] = {}

    def sector_gross(sector):
        return sum(abs(n) for s, n in notional.items() if sector_of[s] == sector) / equity

    def net_beta():
        return sum(n * beta_of[s] for s, n in notional.items()) / equity

    for p, d in zip(proposals, decisions, strict=True):
        assert d.qty >= 0
        assert (d.status is DecisionStatus.REJECTED) == (d.qty == 0)
        if not d.passed:
            continue
        # Malformed proposals never pass.
        assert math.isfinite(p.price) and p.price > 0
        assert p.qty is None or (math.isfinite(p.qty) and d.qty <= p.qty + TOL)
        assert 0 <= (NOW - p.decided_at).total_seconds() <= 900
        if d.intent is Intent.EXIT:
            h = held[p.symbol]
            assert np.sign(h) == -p.direction
            exited[p.symbol] = exited.get(p.symbol, 0) + d.qty
            assert exited[p.symbol] <= abs(h) + TOL
            continue
        assert d.intent is Intent.ENTRY
        assert report.risk.trading_state is not TradingState.HALTED
        data = market.symbols[p.symbol]
        dd = p.direction
        q = d.qty
        assert q % data.lot_size == 0
        # Risk at the stop, stop recomputed from the inputs.
        stop = p.stop if p.stop is not None else max(p.price - dd * 3.0 * data.atr, 0.0)
        assert d.stop == stop
        dist = dd * (p.price - stop)
        assert q * dist <= limits.max_risk_per_trade * equity * (1 + TOL)
        if limits.scaling == "inverse_volatility":
            assert q * dist <= limits.target_risk_per_trade * equity * (1 + TOL)
        # Kelly / fixed fraction: the whole position in this direction.
        same_side = max(dd * notional.get(p.symbol, 0.0), 0.0)
        cap = method_fraction(limits, p) * equity
        assert same_side + q * p.price <= cap * (1 + TOL) + TOL
        # ADV: the batch's entries in the symbol together.
        adv_used[p.symbol] = adv_used.get(p.symbol, 0.0) + q
        assert adv_used[p.symbol] <= limits.max_adv_fraction * data.adv * (1 + TOL)
        beta_before = net_beta()
        is_new = p.symbol not in notional
        notional[p.symbol] = notional.get(p.symbol, 0.0) + dd * q * p.price
        # Sector cap.
        assert sector_gross(data.sector) <= limits.max_sector_exposure * (1 + TOL)
        # Beta band: inside stays inside, outside only improves.
        if limits.beta_band is not None:
            assert abs(net_beta()) <= max(limits.beta_band, abs(beta_before)) + TOL
        if is_new:
            new_symbols.append(p.symbol)
    # Positions count.
    if limits.max_positions is not None:
        assert len(new_symbols) <= max(0, limits.max_positions - initial_count)
    # Correlated clusters: every new position and every position it correlates with.
    threshold, most = limits.correlation_threshold, limits.max_correlated_positions
    for t in new_symbols:
        assert 1 + degree(corr, notional, t, threshold) <= most
        dt = np.sign(notional[t])
        for y, n in notional.items():
            if y != t and correlated(corr, t, dt, y, np.sign(n), threshold):
                assert 1 + degree(corr, notional, y, threshold) <= most


@given(scenarios())
@PROPS
def test_exits_always_pass_even_when_halted(scenario):
    state, proposals, limits, market = scenario
    halted = PortfolioState(state.equity, state.positions,
                            RiskState(state.equity / 0.9))  # down 10 %: HALTED
    report = check_orders(halted, proposals, limits, market, NOW)
    assert report.risk.trading_state is TradingState.HALTED
    held = {p.symbol: p.qty for p in state.positions}
    left = {s: abs(q) for s, q in held.items()}
    for p, d in zip(proposals, report.decisions, strict=True):
        valid = (math.isfinite(p.price) and p.price > 0
                 and (p.qty is None or math.isfinite(p.qty))
                 and 0 <= (NOW - p.decided_at).total_seconds() <= 900)
        is_exit = p.symbol in held and np.sign(held[p.symbol]) == -p.direction
        if valid and is_exit and left[p.symbol] > 0:
            assert d.passed, d.reasons
            assert d.qty == min(p.qty if p.qty is not None else math.inf, left[p.symbol])
            left[p.symbol] -= d.qty
        else:
            assert not d.passed


FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.none()


@given(
    price=FLOATS, qty=FLOATS, stop=FLOATS, probability=FLOATS, payoff=FLOATS,
    atr=st.floats(allow_nan=True, allow_infinity=True),
    adv=st.floats(allow_nan=True, allow_infinity=True),
    side=st.sampled_from(["buy", "sell", "", "BUY"]),
)
@settings(max_examples=400, deadline=None, derandomize=True)
def test_garbage_never_raises_and_never_passes_garbage(
    price, qty, stop, probability, payoff, atr, adv, side
):
    market = MarketContext({"US.A": SymbolData(50.0, atr, adv, "t")})
    p = OrderProposal("US.A", side, price, NOW, qty=qty, probability=probability,
                      payoff_ratio=payoff, stop=stop)
    d = check_orders(PortfolioState.of(100_000.0), [p], RiskLimits(), market, NOW).decisions[0]
    if d.passed:
        for x in (price, atr, adv, payoff):
            assert x is not None and math.isfinite(x) and x > 0
        assert 0 <= probability <= 1
        assert qty is None or math.isfinite(qty)
        assert side in ("buy", "sell")
        assert math.isfinite(d.qty) and d.qty > 0
        assert math.isfinite(d.risk)
    else:
        assert d.qty == 0 and d.reasons and d.reasons[-1].message
