"""Sizing rules with worked numbers: Kelly, volatility target, size cuts, max risk, lots."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from quant.risk import (
    DecisionStatus,
    MarketContext,
    OrderProposal,
    PortfolioState,
    ReasonCode,
    RiskLimits,
    RiskState,
    SymbolData,
    TradingState,
    check_orders,
    floor_lots,
    kelly_fraction,
    record_trade,
)

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
EQUITY = 100_000.0


def market(**kw) -> MarketContext:
    data = {"price": 50.0, "atr": 2.0, "adv": 1e6, "sector": "tech"} | kw
    return MarketContext({"US.A": SymbolData(**data)})


def buy(**kw) -> OrderProposal:
    base = {"symbol": "US.A", "side": "buy", "price": 50.0, "decided_at": NOW,
            "probability": 0.55, "payoff_ratio": 1.5}
    return OrderProposal(**(base | kw))


def decide(proposal, limits=None, mkt=None, state=None):
    state = state or PortfolioState.of(EQUITY)
    report = check_orders(state, [proposal], limits or RiskLimits(), mkt or market(), NOW)
    return report.decisions[0]


def codes(decision) -> list[ReasonCode]:
    return [r.code for r in decision.reasons]


# --- Kelly ---------------------------------------------------------------------------------


def test_kelly_formula_worked():
    # f* = (p*b - q)/b: p=0.55, b=1.5 -> (0.825 - 0.45)/1.5 = 0.25
    assert kelly_fraction(0.55, 1.5) == pytest.approx(0.25)
    # p=0.6, b=2 -> (1.2 - 0.4)/2 = 0.4
    assert kelly_fraction(0.6, 2.0) == pytest.approx(0.4)
    # p=0.4, b=1 -> (0.4 - 0.6)/1 = -0.2: no edge
    assert kelly_fraction(0.4, 1.0) == pytest.approx(-0.2)


def test_modified_kelly_sizes_a_quarter_of_kelly_in_notional():
    # f* = 0.25, quarter Kelly 0.0625 < fixed_fraction_cap 0.10 -> 6,250 / 50 = 125 shares.
    # The volatility target (1 % of 100k over 3 x ATR 2 = 6) is 166.7 shares: Kelly binds.
    d = decide(buy())
    assert d.status is DecisionStatus.ACCEPTED
    assert d.qty == 125
    assert d.sized_by == "kelly"
    assert d.sizing["kelly_f"] == pytest.approx(0.25)
    assert d.sizing["kelly_fraction"] == pytest.approx(0.0625)
    assert d.sizing["vol_qty"] == pytest.approx(1000 / 6)
    assert d.stop == pytest.approx(44.0)  # 50 - 3 x 2
    assert d.risk == pytest.approx(125 * 6)


def test_kelly_is_capped_by_the_fixed_fraction():
    # p=0.7, b=2: f* = (1.4 - 0.3)/2 = 0.55, quarter = 0.1375 > cap 0.10 -> 10,000 / 50 = 200.
    # ATR 1 puts the volatility target at 1,000 / 3 = 333 shares, out of the way.
    d = decide(buy(probability=0.7, payoff_ratio=2.0), mkt=market(atr=1.0))
    assert d.sizing["kelly_fraction"] == pytest.approx(0.1375)
    assert (d.qty, d.sized_by) == (200, "fixed_fraction")


def test_full_kelly_method_bets_full_kelly():
    # kelly_criterion: f = f* = 0.25 (cap raised to 0.5) -> 25,000 / 50 = 500 shares;
    # ATR 0.5 -> stop distance 1.5 -> volatility target 666 shares.
    limits = RiskLimits(method="kelly_criterion", fixed_fraction_cap=0.5)
    d = decide(buy(), limits, market(atr=0.5))
    assert (d.qty, d.sized_by) == (500, "kelly")


def test_requested_qty_is_cut_to_the_kelly_cap():
    d = decide(buy(qty=1000))
    assert d.status is DecisionStatus.RESIZED
    assert d.qty == 125
    (r,) = d.reasons
    assert r.code is ReasonCode.KELLY_CAP
    assert (r.qty_before, r.qty_after) == (1000, 125)
    assert r.numbers["notional_fraction"] == pytest.approx(0.0625)


def test_requested_qty_under_every_cap_is_accepted_as_is():
    d = decide(buy(qty=100))
    assert (d.status, d.qty, d.sized_by, d.reasons) == (
        DecisionStatus.ACCEPTED, 100, "requested", ()
    )


def test_no_edge_is_rejected():
    d = decide(buy(probability=0.4, payoff_ratio=1.0))  # f* = -0.2
    assert d.status is DecisionStatus.REJECTED
    assert d.code is ReasonCode.NO_EDGE
    assert d.reasons[-1].numbers["kelly_f"] == pytest.approx(-0.2)


def test_kelly_without_probability_is_rejected():
    d = decide(buy(probability=None))
    assert (d.status, d.code) == (DecisionStatus.REJECTED, ReasonCode.MISSING_EDGE)


def test_fixed_fraction_cap_counts_the_held_position():
    # Held 150 shares at 50 = 7,500; cap 10 % = 10,000 -> room 2,500 / 50 = 50 shares.
    from quant.risk import Position

    state = PortfolioState.of(EQUITY, [Position("US.A", 150, 50.0)])
    limits = RiskLimits(method="fixed_fraction")
    d = decide(buy(qty=400), limits, state=state)
    assert d.qty == 50
    assert codes(d) == [ReasonCode.FIXED_FRACTION_CAP]
    assert d.reasons[0].numbers["held_notional"] == pytest.approx(7_500)


# --- volatility target -----------------------------------------------------------------------


def test_volatility_target_worked():
    # 1 % of 100,000 = 1,000 at risk; stop 3 x ATR 2.5 = 7.5 away -> 133.3 -> 133 shares.
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=0.5)
    d = decide(buy(), limits, market(atr=2.5))
    assert (d.qty, d.sized_by) == (133, "volatility_target")
    assert d.sizing["stop_distance"] == pytest.approx(7.5)


def test_volatility_target_scales_inversely_with_atr():
    # ATR 5: stop 15 away -> 66.7 -> 66 shares (half of the ATR 2.5 size, floored).
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=0.5)
    assert decide(buy(), limits, market(atr=5.0)).qty == 66


def test_volatility_target_uses_the_proposals_stop():
    # Stop at 46: 4 away -> 1,000 / 4 = 250 shares.
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=0.5)
    d = decide(buy(stop=46.0), limits)
    assert (d.qty, d.stop) == (250, 46.0)


def test_scaling_none_drops_the_volatility_target():
    # Fixed fraction 10 % -> 200 shares; max risk 2 % / 6 = 333 does not bind.
    limits = RiskLimits(method="fixed_fraction", scaling="none")
    d = decide(buy(), limits)
    assert (d.qty, d.sized_by) == (200, "fixed_fraction")
    assert "vol_qty" not in d.sizing


def test_short_stop_sits_above_the_price():
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=0.5)
    d = decide(buy(side="sell"), limits)
    assert d.stop == pytest.approx(56.0)
    assert d.qty == 166  # 1,000 / 6


# --- size cuts -------------------------------------------------------------------------------


VOL_ONLY = RiskLimits(method="fixed_fraction", fixed_fraction_cap=0.5)


def test_atr_expansion_halves_the_size():
    # ATR 3 against a mean of 2 and std 0.4: z = (3 - 2)/0.4 = 2.5 > 2.
    # Volatility target: 1,000 / 9 = 111 shares -> x 0.5 = 55.5 -> 55.
    d = decide(buy(), VOL_ONLY, market(atr=3.0, atr_mean=2.0, atr_std=0.4))
    assert d.status is DecisionStatus.RESIZED
    assert d.qty == 55
    (r,) = d.reasons
    assert r.code is ReasonCode.ATR_EXPANSION
    assert r.numbers["atr_z"] == pytest.approx(2.5)
    assert (r.qty_before, r.qty_after) == (111, 55)


def test_atr_at_exactly_two_sigma_is_not_cut():
    # ATR 3 against a mean of 2 and std 0.5: z = 1/0.5 = 2.0 exactly, not more than 2.
    d = decide(buy(), VOL_ONLY, market(atr=3.0, atr_mean=2.0, atr_std=0.5))
    assert d.sizing["atr_z"] == 2.0
    assert d.reasons == ()
    assert d.qty == 111  # 1,000 / 9


def test_three_consecutive_losses_halve_the_size():
    risk = RiskState(EQUITY)
    for pnl in (-10.0, -5.0, -1.0):
        risk = record_trade(risk, pnl)
    assert risk.consecutive_losses == 3
    state = PortfolioState(EQUITY, (), risk)
    d = decide(buy(), VOL_ONLY, state=state)
    assert d.qty == 83  # 166 x 0.5
    assert codes(d) == [ReasonCode.CONSECUTIVE_LOSSES]


def test_two_losses_do_not_cut_and_a_win_ends_the_streak():
    risk = record_trade(record_trade(RiskState(EQUITY), -1.0), -1.0)
    assert decide(buy(), VOL_ONLY, state=PortfolioState(EQUITY, (), risk)).qty == 166
    risk = record_trade(record_trade(risk, -1.0), 0.0)  # three losses, then a scratch
    assert risk.consecutive_losses == 3
    assert record_trade(risk, 2.0).consecutive_losses == 0


def test_reducing_state_halves_entries():
    # Down 2 % from the day's start: past half the 3 % limit (1.5 %) -> REDUCING.
    state = PortfolioState(98_000.0, (), RiskState(EQUITY))
    report = check_orders(state, [buy()], VOL_ONLY, market(), NOW)
    assert report.risk.trading_state is TradingState.REDUCING
    (change,) = report.changes
    assert change.numbers["drawdown"] == pytest.approx(0.02)
    d = report.decisions[0]
    # 1 % of the current equity 98,000 over 6 = 163.3 -> 163 -> x 0.5 = 81.
    assert d.qty == 81
    assert codes(d) == [ReasonCode.REDUCING_STATE]


def test_cuts_compound():
    # ATR expansion, loss streak and REDUCING: 163 -> 81 -> 40 -> 20.
    state = PortfolioState(98_000.0, (), RiskState(EQUITY, consecutive_losses=4))
    mkt = market(atr_mean=1.0, atr_std=0.2)  # z = (2 - 1)/0.2 = 5
    d = decide(buy(), VOL_ONLY, mkt, state)
    assert codes(d) == [
        ReasonCode.ATR_EXPANSION, ReasonCode.CONSECUTIVE_LOSSES, ReasonCode.REDUCING_STATE
    ]
    assert [r.qty_after for r in d.reasons] == [81, 40, 20]
    assert d.qty == 20


def test_max_risk_per_trade_caps_the_loss_at_the_stop():
    # Fixed fraction 100 % -> 2,000 shares; 2 % of equity over a 6 stop -> 333 shares.
    limits = RiskLimits(method="fixed_fraction", fixed_fraction_cap=1.0, scaling="none")
    d = decide(buy(), limits)
    assert d.qty == 333
    (r,) = d.reasons
    assert r.code is ReasonCode.MAX_RISK_PER_TRADE
    assert r.numbers["max_qty"] == pytest.approx(2000 / 6)
    assert d.risk <= 0.02 * EQUITY


def test_sizes_are_whole_lots():
    assert floor_lots(166.9, 100) == 100
    assert floor_lots(199.99999999999997, 1) == 200  # rounding noise is not a lot short
    assert floor_lots(-3.0, 1) == 0
    d = decide(buy(), VOL_ONLY, market(lot_size=100))
    assert d.qty == 100


def test_a_size_below_one_lot_is_rejected():
    d = decide(buy(), VOL_ONLY, market(lot_size=1000))
    assert d.status is DecisionStatus.REJECTED
    assert d.code is ReasonCode.VOLATILITY_TARGET
    assert d.qty == 0


def test_a_requested_odd_lot_is_rounded_down():
    d = decide(buy(qty=150), VOL_ONLY, market(lot_size=100))
    assert (d.status, d.qty, codes(d)) == (
        DecisionStatus.RESIZED, 100, [ReasonCode.LOT_ROUNDING]
    )


def test_equal_weight_uses_one_over_max_positions():
    # 1 / 20 = 5 % of 100,000 = 5,000 / 50 = 100 shares.
    limits = RiskLimits(method="equal_weight", max_positions=20, scaling="none")
    d = decide(buy(), limits)
    assert (d.qty, d.sized_by) == (100, "equal_weight")


def test_limits_reject_out_of_range_parameters():
    with pytest.raises(ValueError, match="max_sector_exposure"):
        RiskLimits(max_sector_exposure=1.5)
    with pytest.raises(ValueError, match="max_positions"):
        RiskLimits(max_positions=0)
    with pytest.raises(ValueError, match="beta_band"):
        RiskLimits(beta_band=-0.1)
    assert replace(RiskLimits(), daily_loss_limit=0.05).daily_loss_limit == 0.05
