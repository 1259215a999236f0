"""Commission presets, fees, borrow, impact and implementation shortfall, by hand."""

from __future__ import annotations

import numpy as np
import pytest

from quant.backtest.fills import (
    AccountState,
    FillConfig,
    ImpactModel,
    MoomooUS,
    NoCosts,
    Order,
    OrderType,
    PercentOfNotional,
    PerShare,
    Side,
    SlippageModel,
    accrue_borrow,
    borrow_cost,
    constant_latency,
    end_session,
    execute,
    implementation_shortfall,
    moomoo_us,
    submit,
)
from quant.backtest.fills.costs import ceil_cents

T0 = 1_763_476_200 * 10**9
SYM = "US.X"
BUY, SELL, SHORT = Side.BUY, Side.SELL, Side.SHORT


def test_ceil_cents_rounds_up_without_float_noise():
    assert ceil_cents(0.29) == 0.29
    assert ceil_cents(0.2901) == 0.30
    assert ceil_cents(1.39) == 1.39


def test_moomoo_us_buy_pays_only_the_cat_fee():
    assert moomoo_us().order_costs(BUY, 100, 5000.0) == (0.0, pytest.approx(100 * 0.0000265))


def test_moomoo_us_sell_pays_sec_taf_and_cat():
    commission, fees = moomoo_us().order_costs(SELL, 1000, 50_000.0)
    # SEC 27.80e-6 * 50,000 = 1.39; TAF 0.000166 * 1000 = 0.166 -> 0.17; CAT 0.0265
    assert commission == 0.0 and fees == pytest.approx(1.39 + 0.17 + 0.0265)


def test_moomoo_us_taf_cap_and_minimums():
    _, fees = moomoo_us(cat_per_share=0.0).order_costs(SELL, 100_000, 1_000_000.0)
    assert fees == pytest.approx(27.80 + 8.30)  # TAF 16.60 capped at 8.30
    _, fees = moomoo_us(cat_per_share=0.0).order_costs(SHORT, 1, 5.0)
    assert fees == pytest.approx(0.01 + 0.01)  # a short sale is a sale; both at their minimum
    _, fees = moomoo_us(cat_per_share=0.0, sec_rate=0.0).order_costs(SELL, 1000, 50_000.0)
    assert fees == pytest.approx(0.17)  # the SEC rate set to $0 (as from 2025-05-14)


def test_moomoo_platform_fee_minimum_and_cap():
    m = MoomooUS(
        platform_per_share=0.005, platform_min=1.0, platform_max_pct=0.01, cat_per_share=0.0
    )
    assert m.order_costs(BUY, 1000, 50_000.0)[0] == pytest.approx(5.0)
    assert m.order_costs(BUY, 100, 5_000.0)[0] == pytest.approx(1.0)  # the $1 minimum
    assert m.order_costs(BUY, 50, 10.0)[0] == pytest.approx(0.10)  # 1 % of $10 beats the minimum


def test_per_share_and_percent_presets():
    assert PerShare(0.005, 1.0).order_costs(BUY, 100, 5000.0) == (1.0, 0.0)
    assert PerShare(0.005, 1.0).order_costs(SELL, 1000, 5000.0) == (5.0, 0.0)
    assert PercentOfNotional(0.001, 1.0).order_costs(BUY, 1000, 50_000.0) == (50.0, 0.0)
    assert PercentOfNotional(0.001, 1.0).order_costs(BUY, 10, 500.0) == (1.0, 0.0)


def test_fees_land_in_cash_and_fill_records(bar, rng):
    config = FillConfig(
        costs=moomoo_us(), latency=constant_latency(0), slippage=SlippageModel(0, 0)
    )
    order = Order("c1", SYM, SELL, 1000, T0 - 1)
    state, _ = submit(AccountState(0.0, {SYM: 1000}), order, rng, config)
    state, ex = execute(state, "c1", bar(0, 50.0, 51.0, 49.0, 50.0), rng, config)
    (f,) = ex.fills
    assert (f.commission, f.fees) == (0.0, pytest.approx(1.5865))
    assert f.explicit_cost == pytest.approx(1.5865)
    assert state.cash == pytest.approx(50_000.0 - 1.5865)
    assert state.explicit_costs == pytest.approx(1.5865) and state.position(SYM) == 0


def test_borrow_accrues_daily_on_short_market_value(bar, rng):
    assert borrow_cost({SYM: -1000, "US.Y": 500}, {SYM: 50.0, "US.Y": 20.0}, 0.03) == pytest.approx(
        1000 * 50 * 0.03 / 360
    )
    state = AccountState(100_000.0, {SYM: -1000})
    state = accrue_borrow(state, {SYM: 50.0}, {SYM: 0.03}, days=3)
    assert state.borrow_costs == pytest.approx(12.5) and state.cash == pytest.approx(
        100_000.0 - 12.5
    )
    state, _ = end_session(state, marks={SYM: 50.0}, borrow_rate=0.03)
    assert state.borrow_costs == pytest.approx(12.5 + 50_000 * 0.03 / 360)
    with pytest.raises(KeyError):
        borrow_cost({SYM: -1}, {}, 0.03)


def test_short_sale_opens_a_negative_position(bar, rng, plain):
    state, _ = submit(AccountState(0.0), Order("s1", SYM, SHORT, 100, T0 - 1), rng, plain)
    state, _ = execute(state, "s1", bar(0, 20.0, 21.0, 19.0, 20.0), rng, plain)
    assert state.position(SYM) == -100 and state.cash == 2000.0


def test_impact_is_zero_up_to_one_percent_of_adv():
    model = ImpactModel()
    assert model.fraction(5_000, 1e6, 0.02) == 0.0
    assert model.fraction(10_000, 1e6, 0.02) == 0.0
    assert model.fraction(40_000, 1e6, 0.02) == pytest.approx(0.02 * np.sqrt(0.04))
    assert ImpactModel(y=0.5).fraction(40_000, 1e6, 0.02) == pytest.approx(0.002)
    assert model.fraction(40_000, None, 0.02) == 0.0


@pytest.mark.parametrize(
    ("side", "qty", "expected"), [(BUY, 5_000, 50.0), (BUY, 40_000, 50.2), (SELL, 40_000, 49.8)]
)
def test_impact_moves_the_fill_price_by_the_square_root_law(bar, rng, plain, side, qty, expected):
    order = Order("i1", SYM, side, qty, T0 - 1)
    state, _ = submit(AccountState(1e7, {SYM: qty}), order, rng, plain)
    m = bar(0, 50.0, 51.0, 49.0, 50.0, v=1e6, adv=1e6, sigma=0.02)
    _, ex = execute(state, "i1", m, rng, plain)
    (f,) = ex.fills
    assert f.price == pytest.approx(expected)
    assert f.impact == pytest.approx(abs(expected - 50.0) * qty)


def test_a_limit_caps_impact(bar, rng, plain):
    order = Order("i1", SYM, BUY, 40_000, T0 - 1, order_type=OrderType.LIMIT, limit_price=50.1)
    state, _ = submit(AccountState(1e7), order, rng, plain)
    _, ex = execute(state, "i1", bar(0, 50.0, 51.0, 49.0, 50.0, adv=1e6, sigma=0.02), rng, plain)
    (f,) = ex.fills
    assert f.price == 50.1 and f.impact == pytest.approx(0.1 * 40_000) and f.slippage == 0.0


def test_implementation_shortfall_adds_up(book, rng):
    config = FillConfig(costs=PerShare(0.01, 1.0), latency=constant_latency(0))
    order = Order("is1", SYM, BUY, 450, T0, decision_price=10.0)
    state, _ = submit(AccountState(1e6), order, rng, config)
    _, ex = execute(state, "is1", book(), rng, config)
    s = implementation_shortfall(order, ex.fills)
    # VWAP 4509.5 / 450; decision 10.00; commission 450 * 0.01 = 4.50
    assert s.execution == pytest.approx(4509.5 - 4500.0)
    assert s.latency == pytest.approx(450 * 0.01)  # touch 10.01 vs decision 10.00
    assert s.latency + s.slippage + s.impact == pytest.approx(s.execution)
    assert s.total == pytest.approx(9.5 + 4.5)
    assert s.avg_price_with_costs == pytest.approx((4509.5 + 4.5) / 450)
    assert s.bps == pytest.approx(14.0 / 4500.0 * 1e4)
    partial = implementation_shortfall(order, ex.fills[:0], final_price=10.2)
    assert partial.opportunity == pytest.approx(0.2 * 450) and partial.filled_qty == 0
    with pytest.raises(ValueError, match="decision price"):
        implementation_shortfall(Order("x", SYM, BUY, 1, T0), ())


def test_no_costs_charges_nothing(bar, rng):
    config = FillConfig(costs=NoCosts(), latency=constant_latency(0), slippage=SlippageModel(0, 0))
    state, _ = submit(AccountState(0.0, {SYM: 10}), Order("n", SYM, SELL, 10, T0 - 1), rng, config)
    state, ex = execute(state, "n", bar(0, 5.0, 5.0, 5.0, 5.0), rng, config)
    assert ex.fills[0].explicit_cost == 0.0 and state.cash == 50.0
