"""The files source: formats that import, and files that are refused with file, row and column."""

from __future__ import annotations

import pickle
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from harvest.base import Source
from harvest.contracts import (
    DAILY_BARS,
    FINANCIAL_STATEMENTS,
    INSTRUMENTS,
    INTRADAY_BARS,
    MACRO_SERIES,
    TICKS,
    check_frame,
)
from harvest.files import (
    FileImportError,
    FilesSource,
    read_daily_bars,
    read_financial_statements,
    read_instruments,
    read_intraday_bars,
    read_macro_series,
)

DAILY = """\
symbol,ts,open,high,low,close,volume
US.AAPL,2024-01-02,187.15,188.44,183.89,185.64,82488700
US.AAPL,2024-01-03,184.22,185.88,183.43,184.25,58414500
US.MSFT,2024-01-02,373.86,375.90,366.77,370.87,25258600
US.MSFT,2024-01-03,369.01,373.26,368.51,370.60,23083500
"""

INTRADAY = """\
symbol,ts,open,high,low,close,volume
US.AAPL,2024-01-02 09:31,187.15,187.50,187.00,187.20,120000
US.AAPL,2024-01-02 09:32,187.20,187.40,187.10,187.30,90000
US.AAPL,2024-01-02 09:33,187.30,187.35,186.90,187.00,95000
"""

_STATEMENT_HEADER = (
    "symbol,fiscal_period_end,fiscal_period,fiscal_year,filed_at,currency,revenue,"
    "cost_of_revenue,sga_expense,depreciation,ebit,net_income,net_income_continuing,"
    "cash_from_operations,capital_expenditure,total_assets,current_assets,"
    "cash_and_equivalents,receivables,inventory,ppe_net,short_term_investments,"
    "total_liabilities,current_liabilities,long_term_debt,retained_earnings,total_equity,"
    "shares_outstanding,eps_diluted"
)


def _statement(symbol: str, end: str, period: str, filed: str, assets: str = "1000",
               liabilities: str = "600", equity: str = "400") -> str:
    return (f"{symbol},{end},{period},2023,{filed},USD,500,300,80,20,100,70,70,90,30,{assets},"
            f"400,100,80,60,300,50,{liabilities},250,200,150,{equity},100,0.7")


STATEMENTS = "\n".join([
    _STATEMENT_HEADER,
    _statement("US.AAPL", "2023-03-31", "Q1", "2023-04-28T16:30:00-04:00"),
    _statement("US.AAPL", "2023-06-30", "Q2", "2023-07-28"),
    _statement("US.MSFT", "2023-12-31", "FY", "2024-02-01 08:00"),
]) + "\n"

MACRO = """\
series_id,category,ts,value,unit,available_at
rate_USD,policy_rate,2024-01-02,5.25,pct,2024-01-02 14:00
rate_USD,policy_rate,2024-01-03,5.25,pct,2024-01-03 14:00
gold,commodity,2024-01-02,2063.5,USD/oz,2024-01-03
"""

INSTRUMENT_ROWS = """\
symbol,name,asset_class,instrument_type,market,currency,tick_size,lot_size,sector,industry,\
trading_hours,timezone,margin_initial,margin_maintenance,contract_multiplier
US.AAPL,Apple Inc.,equity,stock,US_NASDAQ,USD,0.01,1,Technology,Hardware,\
"{""regular"": ""09:30-16:00""}",America/New_York,0.5,0.25,
US.ESmain,E-mini S&P 500,future,future,US_CME,USD,0.25,1,future,,\
"{""regular"": ""18:00-17:00""}",America/Chicago,0.06,0.05,50
"""


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def refusal(read, path: Path, **kwargs) -> FileImportError:
    with pytest.raises(FileImportError) as caught:
        read(path, **kwargs)
    return caught.value


def utc(text: str) -> pd.Timestamp:
    return pd.Timestamp(text, tz="UTC")


# --- files that import -------------------------------------------------------------------


def test_backtesting_py_export_imports_from_csv_and_parquet(tmp_path: Path) -> None:
    from backtesting.test import GOOG

    GOOG.to_csv(tmp_path / "goog.csv")
    GOOG.to_parquet(tmp_path / "goog.parquet")
    frame = read_daily_bars(tmp_path / "goog.csv", symbol="US.GOOG")

    assert check_frame(DAILY_BARS, frame) == []
    assert len(frame) == len(GOOG)
    assert set(frame["source"]) == {"files"}
    assert frame["close"].tolist() == GOOG["Close"].tolist()
    assert frame["volume"].tolist() == GOOG["Volume"].astype(float).tolist()
    first = frame.iloc[0]
    # 2004-08-19 is summer time: the 16:00 New York close is 20:00 UTC.
    assert (first["symbol"], first["ts"], first["session_date"]) == (
        "US.GOOG", utc("2004-08-19 20:00"), date(2004, 8, 19))
    pd.testing.assert_frame_equal(read_daily_bars(tmp_path / "goog.parquet", symbol="US.GOOG"),
                                  frame)


def test_daily_csv_and_parquet_round_trip(tmp_path: Path) -> None:
    frame = read_daily_bars(write(tmp_path, "daily.csv", DAILY))
    assert check_frame(DAILY_BARS, frame) == []
    assert frame[["symbol", "session_date"]].values.tolist() == [
        ["US.AAPL", date(2024, 1, 2)], ["US.AAPL", date(2024, 1, 3)],
        ["US.MSFT", date(2024, 1, 2)], ["US.MSFT", date(2024, 1, 3)]]
    assert frame["ts"].iloc[0] == utc("2024-01-02 21:00")

    frame.drop(columns=["session_date", "source"]).to_parquet(tmp_path / "daily.parquet")
    pd.testing.assert_frame_equal(read_daily_bars(tmp_path / "daily.parquet"), frame)


def test_yfinance_history_export_imports_and_ignores_adj_close(tmp_path: Path) -> None:
    path = write(tmp_path, "aapl.csv", (
        "Date,Open,High,Low,Close,Adj Close,Volume,Dividends,Stock Splits\n"
        "2024-01-02 00:00:00-05:00,187.15,188.44,183.89,185.64,184.9,82488700,0.0,0.0\n"
        "2024-01-03 00:00:00-05:00,184.22,185.88,183.43,184.25,183.5,58414500,0.0,0.0\n"))
    frame = read_daily_bars(path, symbol="US.AAPL")
    # Midnight names the session; the bar is labelled by that session's close.
    assert frame["ts"].tolist() == [utc("2024-01-02 21:00"), utc("2024-01-03 21:00")]
    assert frame["close"].tolist() == [185.64, 184.25]


def test_yfinance_download_three_line_header_imports(tmp_path: Path) -> None:
    path = write(tmp_path, "aapl.csv", (
        "Price,Close,High,Low,Open,Volume\n"
        "Ticker,AAPL,AAPL,AAPL,AAPL,AAPL\n"
        "Date,,,,,\n"
        "2024-01-02,185.64,188.44,183.89,187.15,82488700\n"
        "2024-01-03,184.25,185.88,183.43,184.22,oops\n"))
    with pytest.raises(FileImportError) as caught:
        read_daily_bars(path, symbol="US.AAPL")
    assert (caught.value.row, caught.value.column) == (2, "Volume")
    path.write_text(path.read_text().replace("oops", "58414500"))
    assert read_daily_bars(path, symbol="US.AAPL")["open"].tolist() == [187.15, 184.22]


def test_careless_export_details_are_handled(tmp_path: Path) -> None:
    text = ("\ufeffSYMBOL , Datetime,OPEN,High,Low,Close,Volume\r\n"
            "US.AAPL,2024-01-02,187.15,188.44,183.89,185.64,\"82,488,700\"\r\n"
            ",,,,,,\r\n"
            "US.AAPL,2024-01-03,184.22,185.88,183.43,184.25, 58414500 \r\n\r\n\r\n")
    frame = read_daily_bars(write(tmp_path, "careless.csv", text))
    assert frame["volume"].tolist() == [82488700.0, 58414500.0]
    # The blank row still counts, as in an editor: the row after it is row 3.
    bad = write(tmp_path, "careless_bad.csv", text.replace("184.22", "N/A"))
    err = refusal(read_daily_bars, bad)
    assert (err.row, err.column, err.reason) == (3, "OPEN", "missing value 'N/A'")


def test_utf16_export_from_a_spreadsheet_imports(tmp_path: Path) -> None:
    frame = read_daily_bars(write(tmp_path, "daily.csv", DAILY, encoding="utf-16"))
    assert len(frame) == 4


@pytest.mark.parametrize(
    ("stamp", "timezone", "ts", "session"),
    [
        ("2024-01-16 16:00", "America/New_York", "2024-01-16 21:00", date(2024, 1, 16)),
        ("2024-07-16 16:00", "America/New_York", "2024-07-16 20:00", date(2024, 7, 16)),
        ("2024-01-16", "America/New_York", "2024-01-16 21:00", date(2024, 1, 16)),
        ("2024-07-16", "UTC", "2024-07-16 20:00", date(2024, 7, 16)),
        ("2024-07-16 21:30", "UTC", "2024-07-16 21:30", date(2024, 7, 16)),
        ("2024-07-16T16:00:00-04:00", "Asia/Tokyo", "2024-07-16 20:00", date(2024, 7, 16)),
        ("2024-07-16T00:00:00Z", "America/New_York", "2024-07-16 20:00", date(2024, 7, 16)),
        ("2024-07-16T04:00:00Z", "America/New_York", "2024-07-16 20:00", date(2024, 7, 16)),
        ("2024-07-16 17:00", "America/New_York", "2024-07-16 21:00", date(2024, 7, 16)),
    ],
)
def test_daily_timestamps_become_utc_close_times(
    tmp_path: Path, stamp: str, timezone: str, ts: str, session: date
) -> None:
    path = write(tmp_path, "d.csv", f"ts,open,high,low,close,volume\n{stamp},10,11,9,10.5,100\n")
    frame = read_daily_bars(path, symbol="US.AAPL", timezone=timezone)
    assert (frame["ts"].iloc[0], frame["session_date"].iloc[0]) == (utc(ts), session)


def test_daily_time_before_the_close_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", "ts,open,high,low,close,volume\n"
                 "2024-01-16 16:00,10,11,9,10.5,100\n2024-01-17 09:30,10,11,9,10.5,100\n")
    err = refusal(read_daily_bars, path, symbol="US.AAPL")
    assert (err.row, err.column) == (2, "ts")
    assert err.reason == ("'2024-01-17 09:30' is 09:30 in America/New_York, before the session "
                          "close 16:00: label a daily bar by its date or by its close time")


def test_intraday_round_trip_and_dst(tmp_path: Path) -> None:
    frame = read_intraday_bars(write(tmp_path, "m.csv", INTRADAY))
    assert check_frame(INTRADAY_BARS, frame) == []
    assert set(frame["timeframe"]) == {"1m"}
    assert frame["ts"].tolist() == [utc("2024-01-02 14:31"), utc("2024-01-02 14:32"),
                                    utc("2024-01-02 14:33")]
    summer = INTRADAY.replace("2024-01-02", "2024-07-02")
    ts = read_intraday_bars(write(tmp_path, "s.csv", summer))["ts"]
    assert ts.iloc[0] == utc("2024-07-02 13:31")

    frame.to_parquet(tmp_path / "m.parquet")
    pd.testing.assert_frame_equal(read_intraday_bars(tmp_path / "m.parquet"), frame)


def test_intraday_open_labels_move_one_minute_later(tmp_path: Path) -> None:
    frame = read_intraday_bars(write(tmp_path, "m.csv", INTRADAY), bar_label="open")
    assert frame["ts"].iloc[0] == utc("2024-01-02 14:32")


def test_intraday_session_date_is_the_exchange_date_of_the_close(tmp_path: Path) -> None:
    path = write(tmp_path, "fx.csv", "symbol,ts,open,high,low,close,volume\n"
                 "FX.EURUSD,2024-01-02T23:59:00-05:00,1.1,1.2,1.0,1.1,5\n"
                 "FX.EURUSD,2024-01-03T00:00:00-05:00,1.1,1.2,1.0,1.1,5\n")
    assert read_intraday_bars(path)["session_date"].tolist() == [date(2024, 1, 2),
                                                                 date(2024, 1, 3)]


def test_statements_round_trip(tmp_path: Path) -> None:
    frame = read_financial_statements(write(tmp_path, "st.csv", STATEMENTS))
    assert check_frame(FINANCIAL_STATEMENTS, frame) == []
    assert frame["filed_at"].tolist() == [
        utc("2023-04-28 20:30"),
        utc("2023-07-29 04:00"),  # a date alone counts from the end of that day in New York
        utc("2024-02-01 13:00"),
    ]
    assert frame["available_at"].equals(frame["filed_at"])
    assert frame["gross_profit"].tolist() == [200.0] * 3
    frame.to_parquet(tmp_path / "st.parquet")
    pd.testing.assert_frame_equal(read_financial_statements(tmp_path / "st.parquet"), frame)


def test_macro_with_available_at_and_with_release_lag(tmp_path: Path) -> None:
    frame = read_macro_series(write(tmp_path, "m.csv", MACRO))
    assert check_frame(MACRO_SERIES, frame) == []
    assert frame["series_id"].tolist() == ["gold", "rate_USD", "rate_USD"]
    assert frame["available_at"].iloc[0] == utc("2024-01-04 05:00")

    lagged = "\n".join(line.rsplit(",", 1)[0] for line in MACRO.splitlines()) + "\n"
    frame = read_macro_series(write(tmp_path, "l.csv", lagged), release_lag="1D")
    assert frame["available_at"].iloc[0] == utc("2024-01-03 05:00")


def test_instruments_round_trip(tmp_path: Path) -> None:
    frame = read_instruments(write(tmp_path, "inst.csv", INSTRUMENT_ROWS))
    assert check_frame(INSTRUMENTS, frame) == []
    assert frame["contract_multiplier"].tolist() == [1.0, 50.0]
    assert frame["industry"].tolist() == ["Hardware", None]
    assert frame["instrument_id"].nunique() == 2


def test_examples_in_the_format_documentation_import(tmp_path: Path) -> None:
    doc = Path(__file__).parents[2] / "docs" / "data_formats.md"
    blocks = [b.split("```", 1)[0] for b in doc.read_text().split("```csv\n")[1:]]
    readers = [read_daily_bars, read_intraday_bars, read_financial_statements,
               read_macro_series, read_instruments]
    tables = [DAILY_BARS, INTRADAY_BARS, FINANCIAL_STATEMENTS, MACRO_SERIES, INSTRUMENTS]
    assert len(blocks) == len(readers)
    for n, (block, read, table) in enumerate(zip(blocks, readers, tables, strict=True)):
        frame = read(write(tmp_path, f"example{n}.csv", block))
        assert check_frame(table, frame) == []
        assert len(frame) == len(block.strip().splitlines()) - 1


# --- files that are refused --------------------------------------------------------------

_BAD_DAILY = [
    ("missing column", "".join(line.rsplit(",", 1)[0] + "\n" for line in DAILY.splitlines()),
     None, "volume",
     "missing required column 'volume'; found 'symbol', 'ts', 'open', 'high', 'low', 'close'"),
    ("two columns for ts", DAILY.replace("symbol,", "date,", 1), None, "ts",
     "columns 'date' and 'ts' both give ts: keep one (a date and its time of day go in one "
     "column)"),
    ("decimal comma", DAILY.replace("184.22", '"184,22"'), 2, "open", "'184,22' is not a number"),
    ("unquoted decimal comma", DAILY.replace("184.22", "184,22"), 2, None,
     "8 fields where the header has 7"),
    ("timestamp", DAILY.replace("2024-01-03,369", "01/03/2024,369"), 4, "ts",
     "'01/03/2024' is not a date or timestamp in ISO 8601: YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS], "
     "optionally ending in Z or ±HH:MM"),
    ("impossible date", DAILY.replace("2024-01-03,369", "2024-02-30,369"), 4, "ts",
     "'2024-02-30' is not a valid date or time of day"),
    ("high below low", DAILY.replace("185.88,183.43", "183.00,183.43"), 2, "high",
     "high 183 is below low 183.43"),
    ("high below close", DAILY.replace("375.90", "371.00"), 3, "high",
     "high 371 is below open 373.86"),
    ("low above open", DAILY.replace("368.51", "369.50"), 4, "low",
     "low 369.5 is above open 369.01"),
    ("negative volume", DAILY.replace("58414500", "-1"), 2, "volume", "volume -1 is negative"),
    ("zero price", DAILY.replace("183.89", "0"), 1, "low", "low 0 is not a positive price"),
    ("empty cell", DAILY.replace("185.64", ""), 1, "close", "empty cell"),
    ("NaN token", DAILY.replace("370.87", "NaN"), 3, "close", "missing value 'NaN'"),
    ("infinite", DAILY.replace("370.87", "1e999"), 3, "close", "'1e999' is not a finite number"),
    ("duplicate", DAILY + "US.AAPL,2024-01-02,1,1,1,1,1\n", 5, "ts",
     "rows 1 and 5 are both US.AAPL at 2024-01-02T21:00:00+00:00"),
    ("second bar in a session", DAILY + "US.AAPL,2024-01-02T17:00:00-05:00,1,1,1,1,1\n", 5,
     "ts", "rows 1 and 5 are both US.AAPL on session 2024-01-02"),
    ("out of order", DAILY + "US.MSFT,2024-01-01,1,1,1,1,1\n", 5, "ts",
     "US.MSFT at 2024-01-01T21:00:00+00:00 is earlier than 2024-01-02T21:00:00+00:00 in row 3 "
     "above it: rows must be in time order"),
    ("bad symbol", DAILY.replace("US.MSFT,2024-01-03", "MSFT,2024-01-03"), 4, "symbol",
     "'MSFT' is not a moomoo code MARKET.CODE (e.g. US.AAPL)"),
    ("synthetic", DAILY.replace("volume\n", "volume,source\n").replace("82488700", "1,synthetic"),
     1, "source", "this row says its source is synthetic: synthetic data is never imported as "
     "real data"),
    ("extra field", DAILY.replace("23083500", "23083500,7"), 4, None,
     "8 fields where the header has 7"),
    ("trailing commas", DAILY.replace("\n", ",\n").replace("volume,\n", "volume\n"), 1, None,
     "8 fields where the header has 7"),
    ("semicolons", DAILY.replace(",", ";"), None, None, "the header is separated by semicolons: "
     "save the file as comma-separated CSV with '.' as the decimal point"),
    ("header only", DAILY.splitlines()[0] + "\n\n", None, None,
     "empty file: no data rows under the header"),
    ("empty", "", None, None, "empty file"),
    ("earliest row wins", DAILY.replace("58414500", "-1").replace("188.44", "x"), 1, "high",
     "'x' is not a number"),
]


@pytest.mark.parametrize(("case", "text", "row", "column", "reason"), _BAD_DAILY,
                         ids=[c[0] for c in _BAD_DAILY])
def test_bad_daily_file_is_refused_at_its_row_and_column(
    tmp_path: Path, case: str, text: str, row: int | None, column: str | None, reason: str
) -> None:
    path = write(tmp_path, "prices.csv", text)
    err = refusal(read_daily_bars, path)
    assert (err.path, err.row, err.column, err.reason) == (path, row, column, reason)


def test_message_names_file_row_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "prices.csv", DAILY.replace("185.88,183.43", "99.5,101.2"))
    err = refusal(read_daily_bars, path)
    assert str(err) == f"{path}, row 2, column 'high': high 99.5 is below low 101.2"
    again = pickle.loads(pickle.dumps(err))
    assert (again.path, again.row, again.column, again.reason) == (path, 2, "high", err.reason)


def test_unsupported_extension_and_missing_file(tmp_path: Path) -> None:
    xlsx = write(tmp_path, "prices.xlsx", DAILY)
    assert refusal(read_daily_bars, xlsx).reason == (
        "unsupported extension '.xlsx': save the file as CSV or Parquet "
        "(.csv, .csv.gz, .parquet, .pq)")
    assert refusal(read_daily_bars, tmp_path / "nope.csv").reason == "no such file"


def test_header_alias_conflicting_with_given_symbol_is_refused(tmp_path: Path) -> None:
    err = refusal(read_daily_bars, write(tmp_path, "p.csv", DAILY), symbol="US.AAPL")
    assert (err.row, err.column, err.reason) == (
        3, "symbol", "symbol 'US.MSFT' in a file given for 'US.AAPL'")
    err = refusal(read_daily_bars, write(tmp_path, "q.csv", DAILY.replace("symbol,", "")
                                         .replace("US.AAPL,", "").replace("US.MSFT,", "")))
    assert (err.row, err.column) == (None, "symbol")


def test_bad_parquet_rows_count_from_one(tmp_path: Path) -> None:
    frame = pd.DataFrame({
        "Date": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"]),
        "Open": [10.0, 10.0, 10.0], "High": [11.0, 11.0, 9.0], "Low": [9.0, 9.0, 9.5],
        "Close": [10.5, 10.5, 9.6], "Volume": [100, 100, 100],
    })
    path = tmp_path / "p.parquet"
    frame.to_parquet(path)
    err = refusal(read_daily_bars, path, symbol="US.AAPL")
    assert (err.row, err.column, err.reason) == (3, "High", "high 9 is below low 9.5")
    frame.loc[2, "High"] = 11.0
    frame["Volume"] = frame["Volume"].astype(float)
    frame.loc[2, "Volume"] = float("nan")
    frame.to_parquet(path)
    err = refusal(read_daily_bars, path, symbol="US.AAPL")
    assert (err.row, err.column, err.reason) == (3, "Volume", "empty cell")


@pytest.mark.parametrize(
    ("case", "old", "new", "row", "column", "reason"),
    [
        ("no time of day", "2024-01-02 09:32", "2024-01-02", 2, "ts",
         "'2024-01-02' has no time of day: intraday bars need one"),
        ("off the minute", "09:32,", "09:32:30,", 2, "ts",
         "'2024-01-02 09:32:30' is not on a whole minute: a 1-minute bar is labelled by the "
         "minute it closes"),
        ("repeated clock", "2024-01-02 09:33", "2024-11-03 01:30", 3, "ts",
         "'2024-11-03 01:30' occurs twice in America/New_York (a daylight-saving change): "
         "write it with its UTC offset"),
        ("skipped clock", "2024-01-02 09:31", "2024-03-10 02:30", 1, "ts",
         "'2024-03-10 02:30' does not exist in America/New_York (a daylight-saving change): "
         "write it with its UTC offset"),
        ("timeframe", "volume\n", "volume,timeframe\n", None, None, None),
    ],
)
def test_bad_intraday_file_is_refused(
    tmp_path: Path, case: str, old: str, new: str, row: int | None, column: str | None,
    reason: str | None,
) -> None:
    text = INTRADAY.replace(old, new)
    if case == "timeframe":
        text = text.replace("120000\n", "120000,1m\n").replace("90000\n", "90000,5m\n")
        text = text.replace("95000\n", "95000,1m\n")
        row, column, reason = 2, "timeframe", ("timeframe '5m': only 1-minute bars are "
                                               "imported (5m, 15m and 1h are built from them)")
    err = refusal(read_intraday_bars, write(tmp_path, "m.csv", text))
    assert (err.row, err.column, err.reason) == (row, column, reason)


def test_five_minute_bars_are_not_imported_as_one_minute_bars(tmp_path: Path) -> None:
    stamps = pd.date_range("2024-01-02 09:35", periods=30, freq="5min")
    lines = [f"US.AAPL,{t:%Y-%m-%d %H:%M},10,11,9,10,100" for t in stamps]
    path = write(tmp_path, "m.csv", "symbol,ts,open,high,low,close,volume\n" + "\n".join(lines))
    err = refusal(read_intraday_bars, path)
    assert (err.row, err.column, err.reason) == (None, "ts", (
        "no two bars are one minute apart (the closest are 0 days 00:05:00 apart): only "
        "1-minute bars are imported"))


@pytest.mark.parametrize(
    ("case", "old", "new", "row", "column", "reason"),
    [
        ("unknown period", ",Q2,", ",H1,", 2, "fiscal_period",
         "unknown fiscal_period 'H1'; expected FY, Q1, Q2, Q3, Q4"),
        ("unbalanced", _statement("US.MSFT", "2023-12-31", "FY", "2024-02-01 08:00"),
         _statement("US.MSFT", "2023-12-31", "FY", "2024-02-01 08:00", equity="399.99"), 3,
         "total_assets",
         "total_assets 1000 does not equal total_liabilities 600 + total_equity 399.99 = 999.99"),
        ("filed too early", ",2023-07-28,", ",2023-06-30 17:00,", 2, "filed_at",
         "filed_at '2023-06-30 17:00' is before the fiscal period ending 2023-06-30 was over"),
        ("filed a day early", ",2023-07-28,", ",2023-06-29,", 2, "filed_at",
         "filed_at '2023-06-29' is before the fiscal period ending 2023-06-30 was over"),
        ("bad date", "2023-06-30,", "2023-06-30T12:00,", 2, "fiscal_period_end",
         "'2023-06-30T12:00' is not a date (YYYY-MM-DD)"),
        ("duplicate", "2023-06-30,Q2", "2023-03-31,q1", 2, "fiscal_period_end",
         "rows 1 and 2 are both US.AAPL Q1 ending 2023-03-31"),
        ("no filed_at", ",filed_at,", ",published,", None, "filed_at", None),
    ],
)
def test_bad_statements_are_refused(
    tmp_path: Path, case: str, old: str, new: str, row: int | None, column: str,
    reason: str | None,
) -> None:
    err = refusal(read_financial_statements, write(tmp_path, "st.csv",
                                                   STATEMENTS.replace(old, new)))
    assert (err.row, err.column) == (row, column)
    if reason is not None:
        assert err.reason == reason
    else:
        assert err.reason.startswith("missing required column 'filed_at'; found 'symbol', ")


def test_bad_macro_files_are_refused(tmp_path: Path) -> None:
    early = write(tmp_path, "e.csv", MACRO.replace("2024-01-03 14:00", "2024-01-02 14:00"))
    err = refusal(read_macro_series, early)
    assert (err.row, err.column, err.reason) == (2, "available_at", (
        "available_at '2024-01-02 14:00' is before the observation time '2024-01-03'"))

    both = write(tmp_path, "b.csv", MACRO)
    err = refusal(read_macro_series, both, release_lag="1D")
    assert (err.row, err.column) == (None, "available_at")

    neither = write(tmp_path, "n.csv", MACRO.replace(",available_at", ",note"))
    err = refusal(read_macro_series, neither)
    assert (err.row, err.column) == (None, "available_at")

    with pytest.raises(ValueError, match="release_lag='soon' is not a duration"):
        read_macro_series(neither, release_lag="soon")


def test_bad_instruments_are_refused(tmp_path: Path) -> None:
    wrong_class = INSTRUMENT_ROWS.replace("Apple Inc.,equity", "Apple Inc.,forex")
    err = refusal(read_instruments, write(tmp_path, "a.csv", wrong_class))
    assert (err.row, err.column, err.reason) == (1, "asset_class", (
        "asset_class 'forex' does not fit instrument_type 'stock' (expected 'equity')"))
    no_multiplier = INSTRUMENT_ROWS.replace("0.06,0.05,50", "0.06,0.05,")
    err = refusal(read_instruments, write(tmp_path, "b.csv", no_multiplier))
    assert (err.row, err.column, err.reason) == (
        2, "contract_multiplier", "empty cell: a future needs its contract multiplier")


# --- the source ---------------------------------------------------------------------------


def test_fetch_reads_every_file_and_filters(tmp_path: Path) -> None:
    aapl = write(tmp_path, "daily_bars/US.AAPL.csv", "\n".join(DAILY.splitlines()[:3]) + "\n")
    one = "\n".join(["ts,open,high,low,close,volume", "2024-01-04,10,11,9,10,5"]) + "\n"
    write(tmp_path, "daily_bars/US.NVDA.csv", one)
    write(tmp_path, "daily_bars_2024.csv", "\n".join([DAILY.splitlines()[0],
                                                       *DAILY.splitlines()[3:]]) + "\n")
    write(tmp_path, "financial_statements.csv", STATEMENTS)
    source = FilesSource(tmp_path)

    assert source.name == "files" and isinstance(source, Source)
    assert source.supports(DAILY_BARS) and source.supports(FINANCIAL_STATEMENTS)
    assert not source.supports(MACRO_SERIES) and not source.supports(TICKS)
    assert source.files["daily_bars"][0] == aapl

    frame = source.fetch(DAILY_BARS)
    assert check_frame(DAILY_BARS, frame) == []
    assert frame["symbol"].value_counts().to_dict() == {"US.AAPL": 2, "US.MSFT": 2, "US.NVDA": 1}
    some = source.fetch(DAILY_BARS, symbols=["US.MSFT", "US.NVDA"], start=date(2024, 1, 3),
                        end=date(2024, 1, 3))
    assert some[["symbol", "session_date"]].values.tolist() == [["US.MSFT", date(2024, 1, 3)]]
    assert check_frame(FINANCIAL_STATEMENTS, source.fetch(FINANCIAL_STATEMENTS)) == []
    for table in (MACRO_SERIES, TICKS):
        empty = source.fetch(table)
        assert len(empty) == 0 and check_frame(table, empty) == []


def test_one_bad_file_fails_the_whole_fetch(tmp_path: Path) -> None:
    good = write(tmp_path, "a.csv", DAILY)
    bad = write(tmp_path, "b.csv", DAILY.replace("US.MSFT", "US.NVDA").replace("373.26", "x"))
    source = FilesSource({"daily_bars": [good, bad]})
    with pytest.raises(FileImportError) as caught:
        source.fetch(DAILY_BARS)
    assert (caught.value.path, caught.value.row, caught.value.column) == (bad, 4, "high")


def test_the_same_bar_in_two_files_fails_the_fetch(tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", DAILY)
    second = write(tmp_path, "b.csv", "\n".join([DAILY.splitlines()[0],
                                                 DAILY.splitlines()[4]]) + "\n")
    with pytest.raises(FileImportError) as caught:
        FilesSource({"daily_bars": [first, second]}).fetch(DAILY_BARS)
    err = caught.value
    assert (err.path, err.row, err.column) == (second, 1, "ts")
    assert err.reason == (f"symbol US.MSFT, ts 2024-01-03T21:00:00+00:00 is also in {first}, "
                          "row 4")


def test_source_refuses_unknown_tables_and_parameters(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot fill"):
        FilesSource({"ticks": []})
    with pytest.raises(ValueError, match="not an IANA time zone"):
        FilesSource(tmp_path, timezone="New York")
    with pytest.raises(FileNotFoundError):
        FilesSource(tmp_path / "absent")
