"""The canonical frames every source yields and the warehouse stores.

A :class:`Table` names its warehouse schema and table, its columns with DuckDB types, which
columns may be null, its key and the column that holds its time. Sources, the warehouse, the
file importer, dbt sources and the tests all read these definitions, so a column is declared
exactly once.

Times are timezone-aware UTC (``TIMESTAMPTZ``). Every record that could leak the future carries
``available_at``: the moment it became knowable, apart from its period or event time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

SOURCES = ("synthetic", "files", "moomoo")
ASSET_CLASSES = ("equity", "forex", "future")
INSTRUMENT_TYPES = ("stock", "etf", "fx", "future")
FISCAL_PERIODS = ("FY", "Q1", "Q2", "Q3", "Q4")
INTRADAY_TIMEFRAMES = ("1m", "5m", "15m", "1h")


@dataclass(frozen=True)
class Column:
    """One column of a canonical frame.

    Parameters
    ----------
    name
        Column name, snake case.
    dtype
        DuckDB type: VARCHAR, DOUBLE, BIGINT, INTEGER, BOOLEAN, DATE or TIMESTAMPTZ.
    nullable
        Whether a null is allowed.
    doc
        What the column holds, with its unit.
    """

    name: str
    dtype: str
    nullable: bool = False
    doc: str = ""


@dataclass(frozen=True)
class Table:
    """A canonical frame and the warehouse table that stores it."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    doc: str
    time_column: str | None = None
    level: int | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def qualified(self) -> str:
        """Return ``schema.name``."""
        return f"{self.schema}.{self.name}"

    @property
    def column_names(self) -> list[str]:
        """Return the column names in storage order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.qualified} has no column {name!r}")

    def ddl(self) -> str:
        """Return the ``CREATE TABLE IF NOT EXISTS`` statement for DuckDB."""
        cols = ",\n  ".join(
            f"{c.name} {c.dtype}{'' if c.nullable else ' NOT NULL'}" for c in self.columns
        )
        key = f",\n  PRIMARY KEY ({', '.join(self.key)})" if self.key else ""
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} (\n  {cols}{key}\n)"


def _c(name: str, dtype: str, doc: str = "", *, null: bool = False) -> Column:
    return Column(name, dtype, null, doc)


_SOURCE = _c("source", "VARCHAR", "Where the row came from: synthetic, files or moomoo.")
_AVAILABLE = _c("available_at", "TIMESTAMPTZ", "When the record became knowable (UTC).")
_OHLCV = (
    _c("open", "DOUBLE", "First trade price of the bar."),
    _c("high", "DOUBLE", "Highest trade price of the bar."),
    _c("low", "DOUBLE", "Lowest trade price of the bar."),
    _c("close", "DOUBLE", "Last trade price of the bar."),
    _c("volume", "DOUBLE", "Traded quantity (shares, contracts or base-currency units)."),
)

INSTRUMENTS = Table(
    "raw",
    "instruments",
    (
        _c("instrument_id", "VARCHAR", "Stable UUID of the instrument."),
        _c("symbol", "VARCHAR", "moomoo code, MARKET.CODE (US.AAPL, FX.EURUSD, US.ESmain)."),
        _c("isin", "VARCHAR", "ISIN where one exists.", null=True),
        _c("name", "VARCHAR", "Display name."),
        _c("asset_class", "VARCHAR", "equity, forex or future."),
        _c("instrument_type", "VARCHAR", "stock, etf, fx or future."),
        _c("market", "VARCHAR", "Venue, e.g. US_NYSE, US_NASDAQ, FX, US_CME."),
        _c("currency", "VARCHAR", "Quote currency (ISO 4217)."),
        _c("tick_size", "DOUBLE", "Minimum price increment."),
        _c("lot_size", "INTEGER", "Minimum order quantity."),
        _c("sector", "VARCHAR", "GICS-style sector; the asset class for FX and futures."),
        _c("industry", "VARCHAR", "Industry within the sector.", null=True),
        _c("trading_hours", "VARCHAR", "JSON: session windows in the exchange time zone."),
        _c("timezone", "VARCHAR", "Exchange time zone (IANA)."),
        _c("margin_initial", "DOUBLE", "Initial margin as a fraction of notional."),
        _c("margin_maintenance", "DOUBLE", "Maintenance margin as a fraction of notional."),
        _c(
            "contract_multiplier",
            "DOUBLE",
            "Currency value of one point per contract; 1 for stocks.",
        ),
        _c("benchmark", "VARCHAR", "Symbol this instrument is measured against.", null=True),
        _SOURCE,
    ),
    ("symbol",),
    "Instrument master (seed 6.2): one row per tradable instrument.",
    level=3,
)

DAILY_BARS = Table(
    "raw",
    "daily_bars",
    (
        _c("symbol", "VARCHAR"),
        _c("ts", "TIMESTAMPTZ", "Close time of the session (UTC): the bar exists from then."),
        _c("session_date", "DATE", "Trading day in the exchange calendar."),
        *_OHLCV,
        _SOURCE,
    ),
    ("symbol", "ts"),
    "Daily OHLCV, one row per symbol and trading day, labelled by its close.",
    time_column="ts",
    level=4,
)

INTRADAY_BARS = Table(
    "raw",
    "intraday_bars",
    (
        _c("symbol", "VARCHAR"),
        _c("timeframe", "VARCHAR", "1m, 5m, 15m or 1h."),
        _c("ts", "TIMESTAMPTZ", "Close time of the bar (UTC): the bar exists only once closed."),
        _c("session_date", "DATE", "Trading day the bar belongs to."),
        *_OHLCV,
        _SOURCE,
    ),
    ("symbol", "timeframe", "ts"),
    "Intraday OHLCV; 5m, 15m and 1h resampled from 1m, labelled by close time.",
    time_column="ts",
    level=4,
)

ORDER_BOOK = Table(
    "raw",
    "order_book_snapshots",
    (
        _c("symbol", "VARCHAR"),
        _c("ts", "TIMESTAMPTZ", "Snapshot time (UTC)."),
        _c("session_date", "DATE"),
        _c("side", "VARCHAR", "bid or ask."),
        _c("level", "INTEGER", "1 is the best price."),
        _c("price", "DOUBLE"),
        _c("size", "DOUBLE", "Resting quantity at this price."),
        _c("order_count", "INTEGER", "Orders resting at this price."),
        _SOURCE,
    ),
    ("symbol", "ts", "side", "level"),
    "Level-2 depth snapshots: 60 levels for US stocks, 40 for futures.",
    time_column="ts",
    level=4,
)

TICKS = Table(
    "raw",
    "ticks",
    (
        _c("symbol", "VARCHAR"),
        _c("ts", "TIMESTAMPTZ", "Trade time (UTC)."),
        _c("session_date", "DATE"),
        _c("seq", "BIGINT", "Sequence number within the symbol's session."),
        _c("price", "DOUBLE"),
        _c("size", "DOUBLE"),
        _c("side", "VARCHAR", "Aggressor: buy (at the ask) or sell (at the bid)."),
        _c("bid", "DOUBLE", "Best bid just before the trade."),
        _c("ask", "DOUBLE", "Best ask just before the trade."),
        _SOURCE,
    ),
    ("symbol", "session_date", "seq"),
    "Time and sales with the prevailing quote; they aggregate exactly to the 1m bars.",
    time_column="ts",
    level=4,
)

FINANCIAL_STATEMENTS = Table(
    "raw",
    "financial_statements",
    (
        _c("symbol", "VARCHAR"),
        _c("fiscal_period_end", "DATE", "Last day of the fiscal period."),
        _c("fiscal_period", "VARCHAR", "FY, Q1, Q2, Q3 or Q4."),
        _c("fiscal_year", "INTEGER", "Fiscal year the period belongs to."),
        _c("filed_at", "TIMESTAMPTZ", "When the filing became public: the availability time."),
        _c("currency", "VARCHAR"),
        _c("revenue", "DOUBLE"),
        _c("cost_of_revenue", "DOUBLE"),
        _c("gross_profit", "DOUBLE", "revenue - cost_of_revenue."),
        _c("sga_expense", "DOUBLE", "Selling, general and administrative expense."),
        _c("depreciation", "DOUBLE", "Depreciation and amortisation."),
        _c("ebit", "DOUBLE", "Earnings before interest and taxes."),
        _c("net_income", "DOUBLE"),
        _c("net_income_continuing", "DOUBLE", "Net income from continuing operations."),
        _c("cash_from_operations", "DOUBLE"),
        _c("capital_expenditure", "DOUBLE", "Positive number: cash spent on PP&E."),
        _c("total_assets", "DOUBLE"),
        _c("current_assets", "DOUBLE"),
        _c("cash_and_equivalents", "DOUBLE"),
        _c("receivables", "DOUBLE"),
        _c("inventory", "DOUBLE"),
        _c("ppe_net", "DOUBLE"),
        _c("short_term_investments", "DOUBLE"),
        _c("total_liabilities", "DOUBLE"),
        _c("current_liabilities", "DOUBLE"),
        _c("long_term_debt", "DOUBLE"),
        _c("retained_earnings", "DOUBLE"),
        _c("total_equity", "DOUBLE", "total_assets - total_liabilities."),
        _c("shares_outstanding", "DOUBLE", "Diluted shares at period end."),
        _c("eps_diluted", "DOUBLE"),
        _AVAILABLE,
        _SOURCE,
    ),
    ("symbol", "fiscal_period_end", "fiscal_period"),
    "Income statement, balance sheet and cash flow, one row per symbol and fiscal period. "
    "Flows are for the period (FY = Q1+Q2+Q3+Q4); balances at period end.",
    time_column="fiscal_period_end",
    level=3,
)

EARNINGS = Table(
    "raw",
    "earnings",
    (
        _c("symbol", "VARCHAR"),
        _c("fiscal_period_end", "DATE"),
        _c("fiscal_period", "VARCHAR", "Q1..Q4."),
        _c("announced_at", "TIMESTAMPTZ", "When results were released."),
        _c("calendar_available_at", "TIMESTAMPTZ", "When the date and consensus were known."),
        _c("consensus_eps", "DOUBLE"),
        _c("whisper_eps", "DOUBLE", "Unofficial expectation just before the release.", null=True),
        _c("actual_eps", "DOUBLE", "Reported diluted EPS; knowable from available_at.", null=True),
        _c("eps_surprise_pct", "DOUBLE", "(actual - consensus) / |consensus|.", null=True),
        _c("consensus_revenue", "DOUBLE"),
        _c("actual_revenue", "DOUBLE", null=True),
        _c("revenue_surprise_pct", "DOUBLE", null=True),
        _c("guidance", "VARCHAR", "raised, maintained or lowered.", null=True),
        _AVAILABLE,
        _SOURCE,
    ),
    ("symbol", "fiscal_period_end"),
    "Earnings calendar with consensus, actuals and surprises. Actuals exist from available_at.",
    time_column="announced_at",
    level=3,
)

INSIDER_TRANSACTIONS = Table(
    "raw",
    "insider_transactions",
    (
        _c("transaction_id", "VARCHAR"),
        _c("symbol", "VARCHAR"),
        _c("insider", "VARCHAR"),
        _c("role", "VARCHAR", "CEO, CFO, Director, 10% Owner, ..."),
        _c("transaction_date", "DATE"),
        _c("side", "VARCHAR", "buy or sell."),
        _c("shares", "DOUBLE"),
        _c("price", "DOUBLE"),
        _c("value", "DOUBLE", "shares x price."),
        _c("shares_owned_after", "DOUBLE"),
        _AVAILABLE,
        _SOURCE,
    ),
    ("transaction_id",),
    "Form 4 style insider trades; filed (available) up to two business days later.",
    time_column="transaction_date",
    level=3,
)

INSTITUTIONAL_HOLDINGS = Table(
    "raw",
    "institutional_holdings",
    (
        _c("symbol", "VARCHAR"),
        _c("holder", "VARCHAR"),
        _c("period_end", "DATE", "Quarter end of the 13F report."),
        _c("shares", "DOUBLE"),
        _c("shares_change", "DOUBLE", "Change since the holder's previous report."),
        _c("pct_of_shares_outstanding", "DOUBLE"),
        _AVAILABLE,
        _SOURCE,
    ),
    ("symbol", "holder", "period_end"),
    "13F style institutional positions; filed about 45 days after the quarter.",
    time_column="period_end",
    level=3,
)

ANALYST_RATINGS = Table(
    "raw",
    "analyst_ratings",
    (
        _c("symbol", "VARCHAR"),
        _c("firm", "VARCHAR"),
        _c("rated_at", "TIMESTAMPTZ", "When the note was issued."),
        _c("action", "VARCHAR", "initiate, upgrade, downgrade, reiterate or target_change."),
        _c("rating", "VARCHAR", "strong_buy, buy, hold, sell or strong_sell."),
        _c("previous_rating", "VARCHAR", null=True),
        _c("target_price", "DOUBLE"),
        _c("previous_target_price", "DOUBLE", null=True),
        _AVAILABLE,
        _SOURCE,
    ),
    ("symbol", "firm", "rated_at"),
    "Analyst ratings and price-target revisions.",
    time_column="rated_at",
    level=3,
)

MACRO_EVENTS = Table(
    "raw",
    "macro_events",
    (
        _c("event_id", "VARCHAR"),
        _c("event_type", "VARCHAR", "rate_decision, gdp, employment or cpi."),
        _c("country", "VARCHAR", "ISO 3166 alpha-2, or EA for the euro area."),
        _c("currency", "VARCHAR"),
        _c("title", "VARCHAR"),
        _c("scheduled_at", "TIMESTAMPTZ", "Release time."),
        _c("calendar_available_at", "TIMESTAMPTZ", "When the date and consensus were known."),
        _c("consensus", "DOUBLE"),
        _c("actual", "DOUBLE", "Knowable from available_at.", null=True),
        _c("previous", "DOUBLE", null=True),
        _c("unit", "VARCHAR", "pct, k_jobs or pct_qoq_saar."),
        _AVAILABLE,
        _SOURCE,
    ),
    ("event_id",),
    "Economic calendar: central bank decisions, GDP, employment and inflation releases.",
    time_column="scheduled_at",
    level=1,
)

MARKET_INDICATORS = Table(
    "raw",
    "market_indicators",
    (
        _c("series", "VARCHAR", "vix, put_call_ratio or margin_debt."),
        _c("ts", "TIMESTAMPTZ", "Observation time."),
        _c("value", "DOUBLE"),
        _c("unit", "VARCHAR"),
        _AVAILABLE,
        _SOURCE,
    ),
    ("series", "ts"),
    "Market sentiment indices: a VIX-like index, the put/call ratio and margin debt.",
    time_column="ts",
    level=1,
)

MACRO_SERIES = Table(
    "raw",
    "macro_series",
    (
        _c("series_id", "VARCHAR", "rate_USD, rate_EUR, ..., gold, crude_oil, copper, ..."),
        _c("category", "VARCHAR", "policy_rate, bond_yield or commodity."),
        _c("ts", "TIMESTAMPTZ", "Observation time."),
        _c("value", "DOUBLE"),
        _c("unit", "VARCHAR"),
        _AVAILABLE,
        _SOURCE,
    ),
    ("series_id", "ts"),
    "Interest rates, bond yields and commodity prices, daily.",
    time_column="ts",
    level=1,
)

ETF_FLOWS = Table(
    "raw",
    "etf_flows",
    (
        _c("etf_symbol", "VARCHAR"),
        _c("sector", "VARCHAR"),
        _c("session_date", "DATE"),
        _c("net_flow_usd", "DOUBLE", "Creations minus redemptions, USD."),
        _c("aum_usd", "DOUBLE", "Assets under management after the day's flow, USD."),
        _AVAILABLE,
        _SOURCE,
    ),
    ("etf_symbol", "session_date"),
    "Daily net flows into sector ETFs, known the next morning.",
    time_column="session_date",
    level=2,
)

POSTS = Table(
    "raw",
    "posts",
    (
        _c("post_id", "VARCHAR"),
        _c("kind", "VARCHAR", "news or social."),
        _c("platform", "VARCHAR", "newswire, reddit or twitter."),
        _c("symbol", "VARCHAR", "Instrument the post is about; null for macro news.", null=True),
        _c("author", "VARCHAR"),
        _c("published_at", "TIMESTAMPTZ"),
        _c("text", "VARCHAR"),
        _AVAILABLE,
        _SOURCE,
    ),
    ("post_id",),
    "News headlines and social posts with their text.",
    time_column="published_at",
    level=5,
)

ALT_DATA = Table(
    "raw",
    "alt_data",
    (
        _c("symbol", "VARCHAR"),
        _c("dataset", "VARCHAR", "parking_lot_cars or shipping_containers."),
        _c("period_end", "DATE", "Last day of the observed week."),
        _c("value", "DOUBLE"),
        _c("unit", "VARCHAR"),
        _AVAILABLE,
        _SOURCE,
    ),
    ("symbol", "dataset", "period_end"),
    "Alternative data: satellite parking-lot counts and shipping volumes, weekly.",
    time_column="period_end",
    level=5,
)

REGIME_TRUTH = Table(
    "raw",
    "synthetic_regime_truth",
    (
        _c("scope", "VARCHAR", "market, or an FX/futures symbol with its own regime chain."),
        _c("session_date", "DATE"),
        _c("regime", "VARCHAR", "trending_up, trending_down, mean_reverting, high_volatility."),
        _SOURCE,
    ),
    ("scope", "session_date"),
    "Ground truth of the synthetic market's planted regimes. Only the synthetic source has "
    "it; it exists to score regime models and must never feed a signal.",
    time_column="session_date",
    level=4,
)

RAW_TABLES: tuple[Table, ...] = (
    INSTRUMENTS,
    DAILY_BARS,
    INTRADAY_BARS,
    ORDER_BOOK,
    TICKS,
    FINANCIAL_STATEMENTS,
    EARNINGS,
    INSIDER_TRANSACTIONS,
    INSTITUTIONAL_HOLDINGS,
    ANALYST_RATINGS,
    MACRO_EVENTS,
    MARKET_INDICATORS,
    MACRO_SERIES,
    ETF_FLOWS,
    POSTS,
    ALT_DATA,
    REGIME_TRUTH,
)
TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in RAW_TABLES}

_PANDAS_KIND = {
    "VARCHAR": "O",
    "DOUBLE": "f",
    "BIGINT": "i",
    "INTEGER": "i",
    "BOOLEAN": "b",
}


def conform(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Return ``frame`` with exactly the table's columns, in order, with canonical dtypes.

    Times become UTC ``datetime64``, dates become ``datetime.date`` objects, numbers
    become float64 or int64.

    Raises
    ------
    ValueError
        If a column is missing, or a non-nullable column holds nulls.
    """
    missing = [c for c in table.column_names if c not in frame.columns]
    if missing:
        raise ValueError(f"{table.qualified}: missing columns {missing}")
    out = pd.DataFrame(index=pd.RangeIndex(len(frame)))
    for col in table.columns:
        s = frame[col.name].reset_index(drop=True)
        if col.dtype == "TIMESTAMPTZ":
            s = pd.to_datetime(s, utc=True)
        elif col.dtype == "DATE":
            s = pd.to_datetime(s).dt.date
        elif col.dtype == "DOUBLE":
            s = s.astype("float64")
        elif col.dtype in ("BIGINT", "INTEGER"):
            s = s.astype("int64")
        elif col.dtype == "BOOLEAN":
            s = s.astype("bool")
        else:
            s = s.astype("object").where(s.notna(), None)
        if not col.nullable and s.isna().any():
            raise ValueError(f"{table.qualified}.{col.name}: {int(s.isna().sum())} nulls")
        out[col.name] = s
    return out


def check_frame(table: Table, frame: pd.DataFrame) -> list[str]:
    """Return what in ``frame`` breaks the table's contract; empty when it conforms."""
    problems: list[str] = []
    if list(frame.columns) != table.column_names:
        problems.append(f"columns {list(frame.columns)} != {table.column_names}")
        return problems
    for col in table.columns:
        s = frame[col.name]
        if col.dtype == "TIMESTAMPTZ":
            if not isinstance(s.dtype, pd.DatetimeTZDtype) or str(s.dt.tz) != "UTC":
                problems.append(f"{col.name}: dtype {s.dtype}, expected UTC timestamps")
        elif col.dtype in _PANDAS_KIND and s.dtype.kind != _PANDAS_KIND[col.dtype]:
            problems.append(f"{col.name}: dtype {s.dtype}, expected {col.dtype}")
        if not col.nullable and s.isna().any():
            problems.append(f"{col.name}: {int(s.isna().sum())} nulls in a non-null column")
    if table.key and frame.duplicated(list(table.key)).any():
        problems.append(f"duplicate keys on {table.key}")
    return problems
