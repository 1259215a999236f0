"""The canonical frames every source yields and the warehouse stores.

A :class:`Table` names its warehouse schema and table, its columns with DuckDB types, which
columns may be null, its key and the column that holds its time. Sources, the warehouse, the
file importer, dbt sources and the tests all read these definitions, so a column is declared
exactly once.

Times are timezone-aware UTC (``TIMESTAMPTZ``). Every record that could leak the future carries
``available_at``: the moment it became knowable, apart from its period or event time.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    # A PRIMARY KEY makes DuckDB keep an index over every key; on tables of tens of millions of
    # rows that costs gigabytes. Such tables keep their key unique by scoped replacement.
    enforce_key: bool = True

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
        key = f",\n  PRIMARY KEY ({', '.join(self.key)})" if self.key and self.enforce_key else ""
        return f"CREATE TABLE IF NOT EXISTS {self.qualified} (\n  {cols}{key}\n)"


def col(name: str, dtype: str, doc: str = "", *, null: bool = False) -> Column:
    """Return a column; the short form every contract is written in."""
    return Column(name, dtype, null, doc)


_SOURCE = col("source", "VARCHAR", "Where the row came from: synthetic, files or moomoo.")
_AVAILABLE = col("available_at", "TIMESTAMPTZ", "When the record became knowable (UTC).")
_OHLCV = (
    col("open", "DOUBLE", "First trade price of the bar."),
    col("high", "DOUBLE", "Highest trade price of the bar."),
    col("low", "DOUBLE", "Lowest trade price of the bar."),
    col("close", "DOUBLE", "Last trade price of the bar."),
    col("volume", "DOUBLE", "Traded quantity (shares, contracts or base-currency units)."),
)

INSTRUMENTS = Table(
    "raw",
    "instruments",
    (
        col("instrument_id", "VARCHAR", "Stable UUID of the instrument."),
        col("symbol", "VARCHAR", "moomoo code, MARKET.CODE (US.AAPL, FX.EURUSD, US.ESmain)."),
        col("isin", "VARCHAR", "ISIN where one exists.", null=True),
        col("name", "VARCHAR", "Display name."),
        col("asset_class", "VARCHAR", "equity, forex or future."),
        col("instrument_type", "VARCHAR", "stock, etf, fx or future."),
        col("market", "VARCHAR", "Venue, e.g. US_NYSE, US_NASDAQ, FX, US_CME."),
        col("currency", "VARCHAR", "Quote currency (ISO 4217)."),
        col("tick_size", "DOUBLE", "Minimum price increment."),
        col("lot_size", "INTEGER", "Minimum order quantity."),
        col("sector", "VARCHAR", "GICS-style sector; the asset class for FX and futures."),
        col("industry", "VARCHAR", "Industry within the sector.", null=True),
        col("trading_hours", "VARCHAR", "JSON: session windows in the exchange time zone."),
        col("timezone", "VARCHAR", "Exchange time zone (IANA)."),
        col("margin_initial", "DOUBLE", "Initial margin as a fraction of notional."),
        col("margin_maintenance", "DOUBLE", "Maintenance margin as a fraction of notional."),
        col(
            "contract_multiplier",
            "DOUBLE",
            "Currency value of one point per contract; 1 for stocks.",
        ),
        col("benchmark", "VARCHAR", "Symbol this instrument is measured against.", null=True),
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
        col("symbol", "VARCHAR"),
        col("ts", "TIMESTAMPTZ", "Close time of the session (UTC): the bar exists from then."),
        col("session_date", "DATE", "Trading day in the exchange calendar."),
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
        col("symbol", "VARCHAR"),
        col("timeframe", "VARCHAR", "1m, 5m, 15m or 1h."),
        col("ts", "TIMESTAMPTZ", "Close time of the bar (UTC): the bar exists only once closed."),
        col("session_date", "DATE", "Trading day the bar belongs to."),
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
        col("symbol", "VARCHAR"),
        col("ts", "TIMESTAMPTZ", "Snapshot time (UTC)."),
        col("session_date", "DATE"),
        col("side", "VARCHAR", "bid or ask."),
        col("level", "INTEGER", "1 is the best price."),
        col("price", "DOUBLE"),
        col("size", "DOUBLE", "Resting quantity at this price."),
        col("order_count", "INTEGER", "Orders resting at this price."),
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
        col("symbol", "VARCHAR"),
        col("ts", "TIMESTAMPTZ", "Trade time (UTC)."),
        col("session_date", "DATE"),
        col("seq", "BIGINT", "Sequence number within the symbol's session."),
        col("price", "DOUBLE"),
        col("size", "DOUBLE"),
        col("side", "VARCHAR", "Aggressor: buy (at the ask) or sell (at the bid)."),
        col("bid", "DOUBLE", "Best bid just before the trade."),
        col("ask", "DOUBLE", "Best ask just before the trade."),
        _SOURCE,
    ),
    ("symbol", "session_date", "seq"),
    "Time and sales with the prevailing quote; they aggregate exactly to the 1m bars.",
    time_column="ts",
    level=4,
)

CAPITAL_FLOW = Table(
    "raw",
    "capital_flow",
    (
        col("symbol", "VARCHAR"),
        col("timeframe", "VARCHAR", "1m (one regular-hours minute) or 1d (one session)."),
        col("ts", "TIMESTAMPTZ", "End of the minute or session the flow covers (UTC)."),
        col("session_date", "DATE", "Trading day the flow belongs to."),
        col(
            "in_flow",
            "DOUBLE",
            "Net inflow, quote currency: buy- minus sell-initiated turnover (moomoo in_flow).",
        ),
        col("super_in_flow", "DOUBLE", "Net inflow of super-large orders."),
        col("big_in_flow", "DOUBLE", "Net inflow of big orders."),
        col("mid_in_flow", "DOUBLE", "Net inflow of mid-sized orders."),
        col("small_in_flow", "DOUBLE", "Net inflow of small orders (moomoo sml_in_flow)."),
        col(
            "main_in_flow",
            "DOUBLE",
            "Main-force net inflow (super + big) as moomoo reports it: 1d rows only.",
            null=True,
        ),
        _AVAILABLE,
        _SOURCE,
    ),
    ("symbol", "timeframe", "ts"),
    "Net capital inflow by order size (moomoo's capital flow), per minute and per session, "
    "regular hours only; each row is available at the end of the period it covers.",
    time_column="ts",
    level=4,
)

FINANCIAL_STATEMENTS = Table(
    "raw",
    "financial_statements",
    (
        col("symbol", "VARCHAR"),
        col("fiscal_period_end", "DATE", "Last day of the fiscal period."),
        col("fiscal_period", "VARCHAR", "FY, Q1, Q2, Q3 or Q4."),
        col("fiscal_year", "INTEGER", "Fiscal year the period belongs to."),
        col("filed_at", "TIMESTAMPTZ", "When the filing became public: the availability time."),
        col("currency", "VARCHAR"),
        col("revenue", "DOUBLE"),
        col("cost_of_revenue", "DOUBLE"),
        col("gross_profit", "DOUBLE", "revenue - cost_of_revenue."),
        col("sga_expense", "DOUBLE", "Selling, general and administrative expense."),
        col("depreciation", "DOUBLE", "Depreciation and amortisation."),
        col("ebit", "DOUBLE", "Earnings before interest and taxes."),
        col("net_income", "DOUBLE"),
        col("net_income_continuing", "DOUBLE", "Net income from continuing operations."),
        col("cash_from_operations", "DOUBLE"),
        col("capital_expenditure", "DOUBLE", "Positive number: cash spent on PP&E."),
        col("total_assets", "DOUBLE"),
        col("current_assets", "DOUBLE"),
        col("cash_and_equivalents", "DOUBLE"),
        col("receivables", "DOUBLE"),
        col("inventory", "DOUBLE"),
        col("ppe_net", "DOUBLE"),
        col("short_term_investments", "DOUBLE"),
        col("total_liabilities", "DOUBLE"),
        col("current_liabilities", "DOUBLE"),
        col("long_term_debt", "DOUBLE"),
        col("retained_earnings", "DOUBLE"),
        col("total_equity", "DOUBLE", "total_assets - total_liabilities."),
        col("shares_outstanding", "DOUBLE", "Diluted shares at period end."),
        col("eps_diluted", "DOUBLE"),
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
        col("symbol", "VARCHAR"),
        col("fiscal_period_end", "DATE"),
        col("fiscal_period", "VARCHAR", "Q1..Q4."),
        col("announced_at", "TIMESTAMPTZ", "When results were released."),
        col("calendar_available_at", "TIMESTAMPTZ", "When the date and consensus were known."),
        col("consensus_eps", "DOUBLE"),
        col("whisper_eps", "DOUBLE", "Unofficial expectation just before the release.", null=True),
        col("actual_eps", "DOUBLE", "Reported diluted EPS; knowable from available_at.", null=True),
        col("eps_surprise_pct", "DOUBLE", "(actual - consensus) / |consensus|.", null=True),
        col("consensus_revenue", "DOUBLE"),
        col("actual_revenue", "DOUBLE", null=True),
        col("revenue_surprise_pct", "DOUBLE", null=True),
        col("guidance", "VARCHAR", "raised, maintained or lowered.", null=True),
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
        col("transaction_id", "VARCHAR"),
        col("symbol", "VARCHAR"),
        col("insider", "VARCHAR"),
        col("role", "VARCHAR", "CEO, CFO, Director, 10% Owner, ..."),
        col("transaction_date", "DATE"),
        col("side", "VARCHAR", "buy or sell."),
        col("shares", "DOUBLE"),
        col("price", "DOUBLE"),
        col("value", "DOUBLE", "shares x price."),
        col("shares_owned_after", "DOUBLE"),
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
        col("symbol", "VARCHAR"),
        col("holder", "VARCHAR"),
        col("period_end", "DATE", "Quarter end of the 13F report."),
        col("shares", "DOUBLE"),
        col("shares_change", "DOUBLE", "Change since the holder's previous report."),
        col("pct_of_shares_outstanding", "DOUBLE"),
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
        col("symbol", "VARCHAR"),
        col("firm", "VARCHAR"),
        col("rated_at", "TIMESTAMPTZ", "When the note was issued."),
        col("action", "VARCHAR", "initiate, upgrade, downgrade, reiterate or target_change."),
        col("rating", "VARCHAR", "strong_buy, buy, hold, sell or strong_sell."),
        col("previous_rating", "VARCHAR", null=True),
        col("target_price", "DOUBLE"),
        col("previous_target_price", "DOUBLE", null=True),
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
        col("event_id", "VARCHAR"),
        col("event_type", "VARCHAR", "rate_decision, gdp, employment or cpi."),
        col("country", "VARCHAR", "ISO 3166 alpha-2, or EA for the euro area."),
        col("currency", "VARCHAR"),
        col("title", "VARCHAR"),
        col("scheduled_at", "TIMESTAMPTZ", "Release time."),
        col("calendar_available_at", "TIMESTAMPTZ", "When the date and consensus were known."),
        col("consensus", "DOUBLE"),
        col("actual", "DOUBLE", "Knowable from available_at.", null=True),
        col("previous", "DOUBLE", null=True),
        col("unit", "VARCHAR", "pct, k_jobs or pct_qoq_saar."),
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
        col("series", "VARCHAR", "vix, put_call_ratio or margin_debt."),
        col("ts", "TIMESTAMPTZ", "Observation time."),
        col("value", "DOUBLE"),
        col("unit", "VARCHAR"),
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
        col("series_id", "VARCHAR", "rate_USD, rate_EUR, ..., gold, crude_oil, copper, ..."),
        col("category", "VARCHAR", "policy_rate, bond_yield or commodity."),
        col("ts", "TIMESTAMPTZ", "Observation time."),
        col("value", "DOUBLE"),
        col("unit", "VARCHAR"),
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
        col("etf_symbol", "VARCHAR"),
        col("sector", "VARCHAR"),
        col("session_date", "DATE"),
        col("net_flow_usd", "DOUBLE", "Creations minus redemptions, USD."),
        col("aum_usd", "DOUBLE", "Assets under management after the day's flow, USD."),
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
        col("post_id", "VARCHAR"),
        col("kind", "VARCHAR", "news or social."),
        col("platform", "VARCHAR", "newswire, reddit or twitter."),
        col("symbol", "VARCHAR", "Instrument the post is about; null for macro news.", null=True),
        col("author", "VARCHAR"),
        col("published_at", "TIMESTAMPTZ"),
        col("text", "VARCHAR"),
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
        col("symbol", "VARCHAR"),
        col("dataset", "VARCHAR", "parking_lot_cars or shipping_containers."),
        col("period_end", "DATE", "Last day of the observed week."),
        col("value", "DOUBLE"),
        col("unit", "VARCHAR"),
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
        col("scope", "VARCHAR", "market, or an FX/futures symbol with its own regime chain."),
        col("session_date", "DATE"),
        col("regime", "VARCHAR", "trending_up, trending_down, mean_reverting, high_volatility."),
        _SOURCE,
    ),
    ("scope", "session_date"),
    "Ground truth of the synthetic market's planted regimes. Only the synthetic source has "
    "it; it scores regime models and, on the demo market, labels the supervised model's "
    "training window (only days before the model's training end). It never feeds a signal "
    "directly.",
    time_column="session_date",
    level=4,
)

RAW_TABLES: tuple[Table, ...] = (
    INSTRUMENTS,
    DAILY_BARS,
    INTRADAY_BARS,
    ORDER_BOOK,
    TICKS,
    CAPITAL_FLOW,
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
    for column in table.columns:
        s = frame[column.name].reset_index(drop=True)
        if column.dtype == "TIMESTAMPTZ":
            s = pd.to_datetime(s, utc=True)
        elif column.dtype == "DATE":
            s = pd.to_datetime(s).dt.date
        elif column.dtype == "DOUBLE":
            s = s.astype("float64")
        elif column.dtype in ("BIGINT", "INTEGER"):
            s = s.astype("int64")
        elif column.dtype == "BOOLEAN":
            s = s.astype("bool")
        else:
            s = s.astype("object").where(s.notna(), None)
        if not column.nullable and s.isna().any():
            raise ValueError(f"{table.qualified}.{column.name}: {int(s.isna().sum())} nulls")
        out[column.name] = s
    return out


def check_frame(table: Table, frame: pd.DataFrame) -> list[str]:
    """Return what in ``frame`` breaks the table's contract; empty when it conforms."""
    problems: list[str] = []
    if list(frame.columns) != table.column_names:
        problems.append(f"columns {list(frame.columns)} != {table.column_names}")
        return problems
    for column in table.columns:
        s = frame[column.name]
        if column.dtype == "TIMESTAMPTZ":
            if not isinstance(s.dtype, pd.DatetimeTZDtype) or str(s.dt.tz) != "UTC":
                problems.append(f"{column.name}: dtype {s.dtype}, expected UTC timestamps")
        elif column.dtype in _PANDAS_KIND and s.dtype.kind != _PANDAS_KIND[column.dtype]:
            problems.append(f"{column.name}: dtype {s.dtype}, expected {column.dtype}")
        if not column.nullable and s.isna().any():
            problems.append(f"{column.name}: {int(s.isna().sum())} nulls in a non-null column")
    if table.key and frame.duplicated(list(table.key)).any():
        problems.append(f"duplicate keys on {table.key}")
    return problems
