"""Assets materialize end to end into a temporary warehouse; bad data writes nothing."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pandas as pd
import pytest

from harvest import contracts as c
from pipelines.resources import SourceResource, WarehouseResource
from pipelines.run import run_assets, summary
from warehouse import Warehouse

pytestmark = pytest.mark.xdist_group("materialize")  # one shared harvested fixture

SYMBOLS = [
    "US.AAPL",
    "US.JPM",
    "US.WMT",
    "US.SPY",
    "US.XLK",
    "US.XLF",
    "US.XLP",
    "FX.AUDUSD",
    "FX.EURUSD",
    "US.ESmain",
]
START, END = date(2026, 7, 1), date(2026, 11, 20)


@pytest.fixture(scope="module")
def harvested(tmp_path_factory):
    path = tmp_path_factory.mktemp("wh") / "w.duckdb"
    source = SourceResource(
        as_of=END.isoformat(), seed=11, intraday_days=2, depth_days=1, symbols=SYMBOLS
    )
    outcome = run_assets(
        source=source, warehouse=WarehouseResource(path=str(path)), start=START, end=END
    )
    return outcome, Warehouse(path), source


def test_every_level_lands(harvested):
    outcome, wh, _ = harvested
    assert outcome.success, outcome
    assert outcome.failed_checks == []
    frame = summary(wh).set_index("table")
    assert set(frame["level"]) == {1, 2, 3, 4, 5}
    empty = frame[frame["rows"] == 0].index.tolist()
    # Regime models need 320 sessions of warm-up before their first label: these five months
    # give none (tests/pipelines/test_regime_assets.py covers them on a longer history).
    assert sorted(empty) == [
        "analytics.market_regime", "analytics.regime_models", "analytics.regimes"], empty
    bars = wh.query("SELECT min(session_date) AS lo, max(session_date) AS hi FROM raw.daily_bars")
    assert str(bars["lo"].iloc[0])[:10] == "2026-07-01"
    assert str(bars["hi"].iloc[0])[:10] == "2026-11-20"


def test_rerun_replaces_instead_of_duplicating(harvested):
    _, wh, source = harvested
    before = summary(wh)
    outcome = run_assets(
        source=source,
        warehouse=WarehouseResource(path=str(wh.path)),
        start=date(2026, 11, 2),
        end=END,
    )
    assert outcome.success
    after = summary(wh)
    # Priors are kept per run start: the signals of Nov 2.. now cite the re-run's priors, the
    # earlier days still cite the first run's, so both stay. Backtests are kept per window
    # (run_id): the research asset's backtest of Nov 2.. is a new run beside the first one.
    # Everything else is replaced.
    kept = before["table"].eq("analytics.signal_priors") | before["table"].str.startswith(
        "analytics.backtest_"
    )
    assert before.loc[~kept, "rows"].tolist() == after.loc[~kept.to_numpy(), "rows"].tolist()
    runs = wh.query("SELECT start_date FROM analytics.backtest_runs")
    assert sorted({str(d)[:10] for d in runs["start_date"]})[-1] >= "2026-11-02"
    cited = wh.query(
        "SELECT count(*) AS n FROM analytics.signals s LEFT JOIN analytics.signal_priors p "
        "USING (spec_id, priors_version) WHERE p.spec_id IS NULL"
    )
    assert int(cited["n"].iloc[0]) == 0  # every signal's priors are on record


class _CorruptingSource(SourceResource):
    """Delivers daily bars with one impossible bar (high below low)."""

    def get(self):
        real = super().get()

        class Corrupt:
            name = "synthetic"

            def supports(self, table):
                return real.supports(table)

            def fetch(self, table, **kw):
                frame = real.fetch(table, **kw)
                if table is c.DAILY_BARS and len(frame) > 3:
                    frame.loc[3, "high"] = frame.loc[3, "low"] - 1.0
                return frame

        return Corrupt()


def test_failed_check_blocks_downstream_and_writes_nothing(tmp_path):
    path = tmp_path / "w.duckdb"
    source = _CorruptingSource(
        as_of=END.isoformat(), seed=11, intraday_days=1, depth_days=1, symbols=["US.SPY", "US.XLK"]
    )
    outcome = run_assets(
        source=source,
        warehouse=WarehouseResource(path=str(path)),
        start=date(2026, 11, 2),
        end=END,
        selection=dg.AssetSelection.assets(
            dg.AssetKey(["level4_technical", "daily_bars"]),
            dg.AssetKey(["level2_sector", "sector_strength"]),
        ),
    )
    assert not outcome.success
    assert "level4_technical/daily_bars:ohlc_consistent" in outcome.failed_checks
    wh = Warehouse(path)
    assert (
        "raw.daily_bars" not in wh.tables()
        or wh.query("SELECT count(*) AS n FROM raw.daily_bars")["n"].iloc[0] == 0
    )
    assert "analytics.sector_strength" not in wh.tables()


def _files_run(files_dir, wh_path):
    return run_assets(
        source=SourceResource(kind="files", files_dir=str(files_dir)),
        warehouse=WarehouseResource(path=str(wh_path)),
        start=date(2026, 11, 16),
        end=date(2026, 11, 20),
        selection=dg.AssetSelection.assets(
            dg.AssetKey(["level4_technical", "daily_bars"]),
            dg.AssetKey(["level4_technical", "ticks"]),
        ),
    )


def test_files_source_bad_file_writes_nothing_and_missing_table_is_untouched(
    tmp_path, small_source
):
    """A user's CSV lands; a bad CSV fails the run and leaves the warehouse as it was."""
    wh = Warehouse(tmp_path / "w.duckdb")
    ticks = small_source.fetch(c.TICKS, symbols=["US.AAPL"])
    wh.replace(c.TICKS, ticks)
    bars = small_source.fetch(
        c.DAILY_BARS, symbols=["US.AAPL"], start=date(2026, 11, 16), end=date(2026, 11, 20)
    )
    folder = tmp_path / "files" / "daily_bars"
    folder.mkdir(parents=True)
    csv = folder / "US.AAPL.csv"
    bars[["session_date", "open", "high", "low", "close", "volume"]].rename(
        columns={"session_date": "date"}
    ).to_csv(csv, index=False)

    assert _files_run(tmp_path / "files", wh.path).success
    landed = wh.query("SELECT close, source FROM raw.daily_bars ORDER BY ts")
    assert landed["close"].tolist() == bars["close"].tolist()
    assert set(landed["source"]) == {"files"}
    assert len(wh.query("SELECT * FROM raw.ticks")) == len(ticks)  # files have no ticks

    text = csv.read_text().splitlines()
    fields = text[3].split(",")
    fields[2] = str(float(fields[3]) - 1.0)  # high below low on data row 3
    text[3] = ",".join(fields)
    csv.write_text("\n".join(text) + "\n")
    outcome = _files_run(tmp_path / "files", wh.path)
    assert not outcome.success
    assert "level4_technical__daily_bars" in outcome.failed_steps
    after = wh.query("SELECT close, source FROM raw.daily_bars ORDER BY ts")
    pd.testing.assert_frame_equal(landed, after)
