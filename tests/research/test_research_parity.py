"""The SMA-cross strategy *file* reproduces backtesting.py 0.6.6, run here as the oracle.

strategies/examples/sma_cross.json goes through the whole contract: validation, the
long_short mirror, evaluation with priors walked forward month by month, then signal mode
(quant.backtest.simulate). backtesting.py runs its own SmaCross on the same data.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from research.backtest import backtest_strategy
from research.data import frame_data
from strategies.spec import load_strategy

pytest.importorskip("backtesting")
from backtesting import Backtest, Strategy
from backtesting.lib import crossover
from backtesting.test import GOOG, SMA

FILE = Path(__file__).resolve().parents[2] / "strategies" / "examples" / "sma_cross.json"


class SmaCross(Strategy):
    def init(self) -> None:
        self.fast = self.I(SMA, self.data.Close, 10)
        self.slow = self.I(SMA, self.data.Close, 20)

    def next(self) -> None:
        if crossover(self.fast, self.slow):
            self.position.close()
            self.buy()
        elif crossover(self.slow, self.fast):
            self.position.close()
            self.sell()


@pytest.fixture(scope="module")
def both():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = Backtest(GOOG, SmaCross, cash=10_000, commission=0.002).run()
    spec = load_strategy(FILE)
    ours = backtest_strategy(spec, frame_data(GOOG, symbol="US.GOOG"))
    return ours, ref


def test_the_file_is_backtested_in_signal_mode_with_its_own_settings(both):
    ours, _ = both
    assert ours.mode == "signal"
    assert ours.parameters["cash"] == 10_000
    assert ours.parameters["commission"] == 0.002
    assert set(ours.signals["direction"]) == {"long", "short"}
    assert set(ours.signals["spec_id"]) == {ours.spec_id}
    # Priors refitted each month: many versions, each from outcomes before its month.
    assert ours.signals["priors_version"].nunique() > 12


def test_reference_numbers(both):
    ours, ref = both
    assert ours.stats["n_trades"] == ref["# Trades"] == 93
    assert round(ours.stats["equity_final"], 2) == round(ref["Equity Final [$]"], 2) == 56263.52
    assert round(ours.stats["return_pct"], 2) == 462.64
    assert round(ours.stats["commissions"], 2) == 10563.95


def test_every_trade_and_bar_of_equity_matches(both):
    ours, ref = both
    theirs = ref["_trades"]
    closed = ours.trades[~ours.trades["is_open"]].reset_index(drop=True)
    assert len(closed) == len(theirs)
    np.testing.assert_array_equal(closed["size"], theirs["Size"])
    np.testing.assert_array_equal(closed["entry_bar"], theirs["EntryBar"])
    np.testing.assert_array_equal(closed["exit_bar"], theirs["ExitBar"])
    np.testing.assert_array_equal(closed["entry_price"], theirs["EntryPrice"])
    np.testing.assert_array_equal(closed["exit_price"], theirs["ExitPrice"])
    np.testing.assert_allclose(closed["pnl"], theirs["PnL"], rtol=1e-12, atol=1e-9)
    np.testing.assert_array_equal(
        ours.equity.to_numpy(), ref["_equity_curve"]["Equity"].to_numpy()
    )


def test_trade_log_holds_every_trade(both):
    ours, _ = both
    log = ours.trade_log
    assert len(log) == len(ours.trades) == 94
    assert list(log["is_open"]).count(True) == 1
    assert set(log["exit_reason"]) == {"signal_exit", "end_of_data"}
    assert (log["side"] == np.where(ours.trades["size"] > 0, "buy", "sell")).all()
    assert (log["technical_confluence"] == 1.0).all()
    np.testing.assert_allclose(log["pnl"], ours.trades["pnl"])
