"""Latency: seeded draws, and no fill from data stamped before decision + latency."""

from __future__ import annotations

import numpy as np
import pytest

from quant.backtest.fills import (
    AccountState,
    FillConfig,
    LatencyKind,
    LatencyModel,
    NoCosts,
    Order,
    Side,
    SlippageModel,
    constant_latency,
    execute,
    submit,
)

T0 = 1_763_476_200 * 10**9
SEC = 10**9
SYM = "US.X"


def _config(ms: float) -> FillConfig:
    return FillConfig(costs=NoCosts(), latency=constant_latency(ms), slippage=SlippageModel(0, 0))


def test_default_latency_is_uniform_20_to_200_ms_and_seeded():
    model = LatencyModel()
    a = [model.sample_ns(np.random.default_rng(11)) for _ in range(3)]
    assert a[0] == a[1] == a[2]
    rng = np.random.default_rng(5)
    draws = np.array([model.sample_ns(rng) for _ in range(4000)]) / 1e6
    assert draws.min() >= 20.0 and draws.max() <= 200.0
    assert draws.mean() == pytest.approx(110.0, abs=3.0)


def test_lognormal_latency_is_capped():
    model = LatencyModel(LatencyKind.LOGNORMAL, low_ms=50.0, high_ms=120.0, sigma=1.0)
    rng = np.random.default_rng(1)
    draws = np.array([model.sample_ns(rng) for _ in range(2000)]) / 1e6
    assert draws.max() == 120.0 and np.median(draws) == pytest.approx(50.0, rel=0.1)
    with pytest.raises(ValueError, match="latency"):
        LatencyModel(low_ms=30.0, high_ms=10.0)


def test_submit_sets_the_active_time_from_the_drawn_latency():
    order = Order("l1", SYM, Side.BUY, 100, T0)
    _, os = submit(AccountState(0.0), order, np.random.default_rng(2), FillConfig())
    expected = LatencyModel().sample_ns(np.random.default_rng(2))
    assert os.active_at == T0 + expected


def test_no_fill_from_a_snapshot_taken_before_the_order_is_active(book, rng):
    order = Order("l1", SYM, Side.BUY, 100, T0)
    state, _ = submit(AccountState(1e6), order, rng, _config(50))
    early = book(0.049)  # 1 ms before decision + 50 ms
    state, ex = execute(state, "l1", early, rng, _config(50))
    assert ex.fills == () and "l1" in state.open_orders
    _, ex = execute(state, "l1", book(0.050, asks=[(10.50, 500.0)]), rng, _config(50))
    assert ex.fills[0].price == 10.50


def test_a_crafted_1m_path_moves_the_fill_with_latency(bar, rng):
    """Decided 50 ms before 09:31: 20 ms fills at the 09:31 open, 100 ms at the 09:32 open."""
    path = [
        bar(0, 10.0, 10.1, 9.9, 10.0),
        bar(1, 10.0, 10.6, 10.0, 10.5),
        bar(2, 10.5, 10.7, 10.4, 10.6),
    ]
    order = Order("l1", SYM, Side.BUY, 100, T0 + 60 * SEC - 50_000_000, decision_price=10.0)
    got = {}
    for ms in (20, 100):
        state, _ = submit(AccountState(1e6), order, rng, _config(ms))
        fills = []
        for m in path:
            if "l1" in state.open_orders:
                state, ex = execute(state, "l1", m, rng, _config(ms))
                fills.extend(ex.fills)
        got[ms] = fills
    assert [(f.price, f.ts) for f in got[20]] == [(10.0, path[1].end)]
    assert [(f.price, f.ts) for f in got[100]] == [(10.5, path[2].end)]
    assert got[20][0].latency == 0.0 and got[100][0].latency == pytest.approx(50.0)


def test_a_tick_path_fills_at_the_first_print_after_activation(rng):
    import pandas as pd

    from quant.backtest.fills import tick_slices

    ticks = pd.DataFrame(
        {
            "ts": [T0 + 10_000_000, T0 + 60_000_000, T0 + 90_000_000],
            "price": [10.00, 10.02, 10.05],
            "size": [500.0, 500.0, 500.0],
        }
    )
    slices = tick_slices(ticks, SYM)
    order = Order("l1", SYM, Side.BUY, 50, T0)
    state, _ = submit(AccountState(1e6), order, rng, _config(50))
    fills = []
    for m in slices:
        if "l1" in state.open_orders:
            state, ex = execute(state, "l1", m, rng, _config(50))
            fills.extend(ex.fills)
    assert [(f.qty, f.price) for f in fills] == [(50, 10.02)]
