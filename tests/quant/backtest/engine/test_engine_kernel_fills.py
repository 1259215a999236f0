"""The numba twin of the bar-mode fill rules against `quant.backtest.fills`, case by case.

The scenario parity test (`test_engine_kernel_parity`) compares whole runs; here each
primitive meets the cases random runs almost never draw: exact touches of a limit or a stop,
zero volume, fee amounts on a half-micro tie, every cost preset and latency model.
"""

from __future__ import annotations

import hashlib
import math
from pathlib import Path

import numpy as np
import pytest

from quant.backtest.engine import _nb_fills as nf
from quant.backtest.engine import _nb_layout as lay
from quant.backtest.engine import _nb_run
from quant.backtest.engine._kernel import _costs
from quant.backtest.fills import (
    AccountState,
    Bar,
    FillConfig,
    ImpactModel,
    LatencyKind,
    LatencyModel,
    MarketSlice,
    MoomooUS,
    NoCosts,
    Order,
    OrderType,
    PercentOfNotional,
    PerShare,
    Side,
    SlippageModel,
    TimeInForce,
    constant_latency,
    execute,
    submit,
)
from quant.backtest.fills.costs import ceil_cents

SIDES = {Side.BUY: nf.BUY, Side.SELL: nf.SELL, Side.SHORT: nf.SHORT}
TYPES = {OrderType.MARKET: nf.MARKET, OrderType.LIMIT: nf.LIMIT, OrderType.STOP: nf.STOP}


def test_kernel_sources_digest_is_current():
    # numba caches `_nb_run._bars` by _nb_run.py's stamp only, though it compiles in code
    # from the other kernel modules; the digest ties their edits to an edit of _nb_run.py.
    here = Path(_nb_run.__file__).parent
    digest = hashlib.sha256(b"".join((here / f).read_bytes() for f in _nb_run.KERNEL_SOURCES))
    assert digest.hexdigest()[:16] == _nb_run.SOURCES_DIGEST, (
        f"set SOURCES_DIGEST in _nb_run.py to {digest.hexdigest()[:16]!r}")


def test_ceil_cents_matches_python_including_ties():
    rng = np.random.default_rng(0)
    xs = list(rng.uniform(0, 50, 20_000)) + list(np.round(rng.uniform(0, 50, 5_000), 2))
    for k in range(2000):  # whole cents, and the doubles around a half-micro above them
        for base in (k / 100, (k + 0.0000005) / 100, (k + 0.0078125) / 100):
            x = base
            for _ in range(4):
                xs += [x, np.nextafter(base, 0.0)]
                x = np.nextafter(x, 1e9)
    for x in xs:
        assert nf.ceil_cents(x) == ceil_cents(x), x


@pytest.mark.parametrize("model", [
    NoCosts(), PerShare(), PerShare(0.004, 0.5, 0.002), PercentOfNotional(0.0015, 2.0),
    MoomooUS(), MoomooUS(commission_per_order=0.99, platform_per_share=0.005,
                         platform_min=1.0, platform_max_pct=0.01),
])
def test_order_costs_match_every_preset(model):
    kind, vals, cap = _costs(model)  # type: ignore[misc]
    fv = np.zeros(lay.F_COLS)
    fv[lay.F_COST:lay.F_COST + len(vals)] = vals
    rng = np.random.default_rng(1)
    for _ in range(3000):
        side = [Side.BUY, Side.SELL, Side.SHORT][int(rng.integers(0, 3))]
        qty = int(rng.integers(0, 20_000))
        notional = qty * float(rng.uniform(0.05, 500))
        got = nf.order_costs(kind, fv, cap, SIDES[side], qty, notional)
        assert got == model.order_costs(side, qty, notional)


@pytest.mark.parametrize("model", [
    LatencyModel(), constant_latency(0), constant_latency(37.5),
    LatencyModel(LatencyKind.LOGNORMAL, 50.0, 400.0, 1.0),
])
def test_latency_draws_match(model):
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    kind = {LatencyKind.CONSTANT: nf.L_CONSTANT, LatencyKind.UNIFORM: nf.L_UNIFORM,
            LatencyKind.LOGNORMAL: nf.L_LOGNORMAL}[model.kind]
    for _ in range(2000):
        assert nf.latency_ns(kind, model.low_ms, model.high_ms, model.sigma, a) == \
            model.sample_ns(b)
    assert a.random() == b.random()  # the same number of draws


def _case(rng: np.random.Generator) -> tuple[Order, Bar, FillConfig, int, float, float]:
    side = [Side.BUY, Side.SELL, Side.SHORT][int(rng.integers(0, 3))]
    otype = [OrderType.MARKET, OrderType.LIMIT, OrderType.STOP][int(rng.integers(0, 3))]
    o = float(np.round(rng.uniform(95, 105), 2))
    h = max(o, float(np.round(rng.uniform(95, 110), 2)))
    lo = min(o, float(np.round(rng.uniform(90, 105), 2)))
    level = float(rng.choice([o, h, lo, np.round(rng.uniform(90, 110), 2)]))  # exact touches
    volume = float(rng.choice([0.0, 50.0, 1000.0, 1e6]))
    lot = int(rng.choice([1, 10]))
    qty = lot * int(rng.integers(1, 300))
    order = Order("o1", "X", side, qty, 0, otype, TimeInForce.GTC,
                  limit_price=level if otype is OrderType.LIMIT else None,
                  stop_price=level if otype is OrderType.STOP else None,
                  decision_price=float(np.round(rng.uniform(95, 105), 2)), lot_size=lot)
    config = FillConfig(costs=[NoCosts(), MoomooUS(), PerShare()][int(rng.integers(0, 3))],
                        latency=constant_latency(0),
                        slippage=SlippageModel(float(rng.uniform(0, 5)), float(rng.uniform(0, 80))),
                        impact=ImpactModel(1.0, float(rng.choice([1e-4, 0.01]))),
                        participation=float(rng.choice([0.05, 0.1, 1.0])))
    position = int(rng.choice([0, qty // 2, qty, 10 * qty])) * int(rng.choice([1, 1, -1]))
    adv = float(rng.choice([np.nan, 0.0, 5_000.0, 1e6]))
    sigma = float(rng.choice([np.nan, 0.02]))
    return order, Bar(o, h, lo, (h + lo) / 2, volume), config, position, adv, sigma


def test_execute_bar_matches_the_fill_model_on_random_orders():
    rng = np.random.default_rng(2)
    filled = 0
    for _ in range(4000):
        order, bar, config, position, adv, sigma = _case(rng)
        state = AccountState(cash=1e6, positions={"X": position} if position else {})
        state, os = submit(state, order, rng, config)
        if not os.is_open:
            continue
        m = MarketSlice("X", 0, 60, bar, adv=None if math.isnan(adv) else adv,
                        sigma_daily=None if math.isnan(sigma) else sigma)
        state, ex = execute(state, "o1", m, rng, config)
        orders = np.zeros(1, nf.ORDER_DTYPE)
        orders[["side", "otype", "tif", "qty", "lot", "decision_price"]] = (
            SIDES[order.side], TYPES[order.order_type], nf.GTC, order.qty, order.lot_size,
            order.decision_price)
        orders["limit"] = np.nan if order.limit_price is None else order.limit_price
        orders["stop"] = np.nan if order.stop_price is None else order.stop_price
        fv, iv = np.zeros(lay.F_COLS + lay.N_CF), np.zeros(lay.I_COLS + lay.N_CI, np.int64)
        iv[lay.I_K] = 1
        kind, vals, cap = _costs(config.costs)  # type: ignore[misc]
        fv[lay.F_COST:lay.F_COST + len(vals)] = vals
        iv[lay.I_COST_KIND], iv[lay.I_COST_CAP] = kind, cap
        fv[:lay.F_COST] = [config.participation, config.slippage.half_spread_bps,
                           config.slippage.size_bps, config.impact.y, config.impact.threshold,
                           0, 0, 0]
        fv[lay.A_CASH] = 1e6
        iv[lay.ic(iv, lay.CI_POS, 0)] = position
        iv[lay.N_RANK] = 1 if position else 0
        fills = np.zeros(1, nf.FILL_DTYPE)
        n = nf.execute_bar(orders, 0, fills, 0, fv, iv, 0, 60, bar.open, bar.high, bar.low,
                           bar.volume, adv, sigma)
        assert n == len(ex.fills)
        status = {"submitted": nf.SUBMITTED, "partially_filled": nf.PARTIAL,
                  "filled": nf.FILLED, "cancelled": nf.CANCELLED}[str(ex.order.status)]
        assert orders[0]["status"] == status
        assert orders[0]["filled"] == ex.order.filled_qty
        assert bool(orders[0]["triggered"]) == ex.order.triggered
        if n:
            filled += 1
            f, g = ex.fills[0], fills[0]
            assert (g["qty"], g["price"], g["reference"], bool(g["taker"])) == \
                (f.qty, f.price, f.reference_price, f.liquidity == "taker")
            assert (g["commission"], g["fees"], g["slippage"], g["impact"], g["latency"]) == \
                (f.commission, f.fees, f.slippage, f.impact, f.latency)
            assert fv[lay.A_CASH] == state.cash and fv[lay.A_EXPLICIT] == state.explicit_costs
            assert orders[0]["avg_price"] == ex.order.avg_price
            assert iv[lay.ic(iv, lay.CI_POS, 0)] == state.position("X")
    assert filled > 1000
