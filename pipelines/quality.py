"""Data-quality rules for the raw tables, run with Great Expectations.

Each table gets named checks (``not_null``, ``unique_key``, ``ohlc_consistent``, ...); each
check is one or more GX expectations. Row-order rules that GX cannot state per symbol
(monotonic time, stale prices, balance-sheet identity) are computed as helper columns first,
then checked by GX like any other column, so every failure is reported the same way: the
expectation, how many rows broke it and the keys of the first ones.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from harvest import contracts as c

STALE_RUN = 5  # identical closes in a row that make a daily price stale
BALANCE_TOLERANCE = 1e-6
_EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    """A named data-quality check: GX expectations over the frame plus helper columns."""

    name: str
    description: str
    expectations: Callable[[], list[Any]]
    helpers: dict[str, Callable[[pd.DataFrame], pd.Series]] = field(default_factory=dict)


@dataclass(frozen=True)
class CheckOutcome:
    """The result of one check on one frame."""

    name: str
    description: str
    passed: bool
    failures: list[str]

    def summary(self) -> str:
        """Return one line: the check and, when it failed, what failed and where."""
        if self.passed:
            return f"{self.name}: passed"
        return f"{self.name}: FAILED - " + " | ".join(self.failures)


def _gx() -> Any:
    import great_expectations as gx

    return gx


def _exp(name: str) -> Any:
    """Return the GX expectation class ``name``; GX is imported on first use (it is slow)."""
    return getattr(_gx().expectations, name)


def _time_increases(key: list[str], time_col: str) -> Callable[[pd.DataFrame], pd.Series]:
    def derive(frame: pd.DataFrame) -> pd.Series:
        previous = frame.groupby(key, sort=False)[time_col].shift(1)
        return previous.isna() | (frame[time_col] > previous)

    return derive


def _stale_run(frame: pd.DataFrame) -> pd.Series:
    same = frame["close"].eq(frame.groupby("symbol", sort=False)["close"].shift(1))
    run_id = (~same).cumsum()
    return same.groupby(run_id).cumsum() + 1


def _balance_gap(frame: pd.DataFrame) -> pd.Series:
    gap = (frame["total_assets"] - frame["total_liabilities"] - frame["total_equity"]).abs()
    return gap / frame["total_assets"].abs().clip(lower=1.0)


def checks_for(table: c.Table) -> list[Check]:
    """Return the checks that guard ``table``."""
    required = [col.name for col in table.columns if not col.nullable]
    checks = [
        Check(
            "not_null",
            f"no nulls in {', '.join(required)}",
            lambda: [_exp("ExpectColumnValuesToNotBeNull")(column=n) for n in required],
        ),
        Check(
            "unique_key",
            f"one row per ({', '.join(table.key)})",
            lambda: [
                _exp("ExpectCompoundColumnsToBeUnique")(column_list=list(table.key))
                if len(table.key) > 1
                else _exp("ExpectColumnValuesToBeUnique")(column=table.key[0])
            ],
        ),
    ]
    names = set(table.column_names)
    if {"open", "high", "low", "close"} <= names:

        def pair(**kwargs: Any) -> Any:
            return _exp("ExpectColumnPairValuesAToBeGreaterThanB")(**kwargs)

        checks.append(
            Check(
                "ohlc_consistent",
                "high >= max(open, close) and low <= min(open, close)",
                lambda: [
                    pair(column_A="high", column_B="open", or_equal=True),
                    pair(column_A="high", column_B="close", or_equal=True),
                    pair(column_A="open", column_B="low", or_equal=True),
                    pair(column_A="close", column_B="low", or_equal=True),
                ],
            )
        )
        checks.append(
            Check(
                "positive_prices",
                "open, high, low and close are above zero",
                lambda: [
                    _exp("ExpectColumnValuesToBeBetween")(column=n, min_value=0, strict_min=True)
                    for n in ("open", "high", "low", "close")
                ],
            )
        )
    if "volume" in names or "size" in names:
        col = "volume" if "volume" in names else "size"
        checks.append(
            Check(
                "volume_non_negative",
                f"{col} >= 0",
                lambda: [_exp("ExpectColumnValuesToBeBetween")(column=col, min_value=0)],
            )
        )
    if table.time_column == "ts" and "symbol" in names:
        group = ["symbol", "timeframe"] if "timeframe" in names else ["symbol"]
        if table is c.ORDER_BOOK:
            group = ["symbol", "side", "level"]
        checks.append(
            Check(
                "monotonic_time",
                f"ts strictly increases within each {'/'.join(group)}",
                lambda: [
                    _exp("ExpectColumnValuesToBeInSet")(column="_time_increases", value_set=[True])
                ],
                {"_time_increases": _time_increases(group, "ts")},
            )
        )
    if table is c.DAILY_BARS:
        checks.append(
            Check(
                "no_stale_prices",
                f"no close repeated {STALE_RUN} sessions in a row",
                lambda: [
                    _exp("ExpectColumnValuesToBeBetween")(
                        column="_stale_run", max_value=STALE_RUN - 1
                    )
                ],
                {"_stale_run": _stale_run},
            )
        )
    if table is c.FINANCIAL_STATEMENTS:
        checks.append(
            Check(
                "statements_balance",
                f"|assets - liabilities - equity| / assets <= {BALANCE_TOLERANCE}, "
                "filed after the period ends",
                lambda: [
                    _exp("ExpectColumnValuesToBeBetween")(
                        column="_balance_gap", max_value=BALANCE_TOLERANCE
                    ),
                    _exp("ExpectColumnValuesToBeInSet")(
                        column="_filed_after_period", value_set=[True]
                    ),
                ],
                {
                    "_balance_gap": _balance_gap,
                    "_filed_after_period": lambda f: (
                        pd.to_datetime(f["filed_at"], utc=True)
                        > pd.to_datetime(f["fiscal_period_end"]).dt.tz_localize("UTC")
                    ),
                },
            )
        )
    if table is c.CAPITAL_FLOW:
        checks.append(
            Check(
                "flow_periods",
                "timeframe is 1m or 1d, and a flow is available no earlier than its period ends",
                lambda: [
                    _exp("ExpectColumnValuesToBeInSet")(column="timeframe", value_set=["1m", "1d"]),
                    _exp("ExpectColumnValuesToBeInSet")(
                        column="_known_after_period", value_set=[True]
                    ),
                ],
                {
                    "_known_after_period": lambda f: (
                        pd.to_datetime(f["available_at"], utc=True)
                        >= pd.to_datetime(f["ts"], utc=True)
                    ),
                },
            )
        )
    return checks


@lru_cache(maxsize=1)
def _context() -> Any:
    gx = _gx()
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = gx.data_context.types.base.ProgressBarsConfig(globally=False)
    return context


@cache
def _batch_definition(name: str) -> Any:
    source = _context().data_sources.add_or_update_pandas(name=f"frames_{name}")
    asset = source.add_dataframe_asset(name=name)
    return asset.add_batch_definition_whole_dataframe(name=f"{name}_whole")


def validate(table: c.Table, frame: pd.DataFrame) -> list[CheckOutcome]:
    """Run every check of ``table`` on ``frame`` and return one outcome per check."""
    checks = checks_for(table)
    work = frame.reset_index(drop=True).copy()
    for check in checks:
        for column, derive in check.helpers.items():
            work[column] = derive(work).to_numpy() if len(work) else np.array([], dtype=object)
    batch = _batch_definition(table.name).get_batch(batch_parameters={"dataframe": work})
    planned = [(check.name, e) for check in checks for e in check.expectations()]
    suite = _gx().ExpectationSuite(name=f"{table.name}_suite")
    for index, (_, expectation) in enumerate(planned):
        expectation.meta = {"index": index}
        suite.add_expectation(expectation)
    # One suite run answers pass/fail for everything at once (GX shares the column scans; 5x
    # faster than one call per expectation). Row keys are collected only for what failed.
    summary = batch.validate(suite, result_format="BOOLEAN_ONLY")
    failed = sorted(r.expectation_config.meta["index"] for r in summary.results if not r.success)
    index_columns = [k for k in table.key if k in work.columns]
    failures: dict[str, list[str]] = {check.name: [] for check in checks}
    for index in failed:
        name, expectation = planned[index]
        result = batch.validate(
            expectation,
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": index_columns,
                "partial_unexpected_count": _EXAMPLES,
            },
        )
        failures[name].append(_describe(expectation, result.result))
    return [
        CheckOutcome(check.name, check.description, not failures[check.name], failures[check.name])
        for check in checks
    ]


def _describe(expectation: Any, result: dict[str, Any]) -> str:
    kind = type(expectation).__name__
    fields = ("column", "column_A", "column_B", "column_list", "min_value", "max_value")
    args = {k: getattr(expectation, k, None) for k in fields}
    args = {k: v for k, v in args.items() if v is not None}
    count = result.get("unexpected_count")
    where = result.get("unexpected_index_list") or []
    shown = "; ".join(
        ", ".join(f"{k}={v}" for k, v in row.items()) if isinstance(row, dict) else str(row)
        for row in where[:_EXAMPLES]
    )
    head = f"{kind}({', '.join(f'{k}={v}' for k, v in args.items())})"
    if count is None:
        return f"{head} failed: {result.get('details') or result.get('observed_value')}"
    return f"{head}: {count} rows, first at [{shown}]"
