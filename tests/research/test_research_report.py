"""The HTML report: self-contained, every figure present, numbers that add up."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from research import _figures as figs
from research.backtest import backtest_strategy
from research.data import frame_data
from research.report import write_report
from strategies.spec import load_strategy

FILE = Path(__file__).resolve().parents[2] / "strategies" / "examples" / "sma_cross.json"
FIGURES = ("fig-equity", "fig-trades", "fig-monthly", "fig-costs", "fig-attribution")


class _Tags(HTMLParser):
    """Count opened and closed tags of the kinds that must balance."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = {"div": 0, "table": 0, "script": 0}
        self.ids: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self.depth:
            self.depth[tag] += 1
        self.ids += [v for k, v in attrs if k == "id" and v]

    def handle_endtag(self, tag):
        if tag in self.depth:
            self.depth[tag] -= 1


@pytest.fixture(scope="module")
def three():
    from backtesting.test import GOOG

    frames = {f"US.G{i}": GOOG.iloc[i * 40 : i * 40 + 600] for i in range(3)}
    # Each symbol on its own dates: the frames are shifted copies of GOOG.
    frames = {s: f.set_index(GOOG.index[:600]) for s, f in frames.items()}
    return backtest_strategy(load_strategy(FILE), frame_data(frames))


def test_report_is_self_contained_with_every_figure(tmp_path, three):
    market = three.closes["US.G0"].rename("US.G0")
    path = write_report(three, tmp_path / "r.html", market, max_symbols=2)
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    # No external script: plotly.js itself is in the file (its only URL is a geo-map default).
    assert re.search(r"<script[^>]*\bsrc=", text) is None
    assert "Plotly.newPlot" in text and len(text) > 3_000_000  # plotly.js is inline
    tags = _Tags()
    tags.feed(text)
    assert tags.depth == {"div": 0, "table": 0, "script": 0}
    for fig in FIGURES:
        assert fig in tags.ids, fig
    assert "trades drawn for 2 of 3 symbols" in text
    assert "Statistics" in text and "Trade log" in text and three.run_id in text


def test_report_without_a_benchmark_says_so(tmp_path, three):
    text = write_report(three, tmp_path / "r.html").read_text(encoding="utf-8")
    assert "fig-attribution" not in text
    assert "no benchmark closes for the window" in text


def test_monthly_returns_compound_to_the_total(three):
    table = figs.monthly_returns(three.equity)
    r = table.to_numpy()
    total = np.prod(1 + r[np.isfinite(r)] / 100) - 1
    assert total == pytest.approx(three.equity.iloc[-1] / three.equity.iloc[0] - 1, rel=1e-9)


def test_regime_split_adds_up():
    trades = pd.DataFrame({"pnl": [1.0, -2.0, 3.0, 5.0], "return_pct": [1, -2, 3, 5],
                           "is_open": [False, False, False, True]})
    table = figs.regime_table(trades, pd.Series(["bull", "bear", "bull", "bull"]))
    assert table.loc["bull", "trades"] == 2 and table.loc["bull", "pnl"] == 4.0
    assert table.loc["bear", "win_rate_pct"] == 0.0
    assert table["pnl"].sum() == -2.0 + 4.0
