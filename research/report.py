"""A self-contained HTML report of one backtest run, with plotly figures.

The file embeds plotly.js once, inline, so it opens in a browser without a network. It
holds: the statistics table, equity and drawdown, the trades on the price chart of the most
traded symbols (at most ``max_symbols``, and the report says how many were left out), the
monthly returns heatmap, the cost breakdown (explicit vs implicit), P&L by regime at entry,
P&L attribution against a benchmark when its closes are given, where the run differs from
the file, and the trade log.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from quant.backtest.attribution import decompose_pnl
from research import _figures as figs
from research.backtest import StrategyBacktest
from research.store import jsonable

__all__ = ["MAX_SYMBOLS", "format_value", "render_report", "stats_frame", "write_report"]

MAX_SYMBOLS = 6
MAX_TRADE_ROWS = 500
_STATS = [
    ("start", "Start"), ("end", "End"), ("duration", "Duration"),
    ("equity_final", "Equity final"), ("equity_peak", "Equity peak"),
    ("return_pct", "Return %"), ("buy_and_hold_return_pct", "Buy & hold return %"),
    ("return_ann_pct", "Return (ann.) %"), ("volatility_ann_pct", "Volatility (ann.) %"),
    ("cagr_pct", "CAGR %"), ("sharpe", "Sharpe"), ("sortino", "Sortino"), ("calmar", "Calmar"),
    ("max_drawdown_pct", "Max drawdown %"), ("avg_drawdown_pct", "Avg drawdown %"),
    ("max_drawdown_duration", "Max drawdown duration"),
    ("n_trades", "Closed trades"), ("win_rate_pct", "Win rate %"),
    ("best_trade_pct", "Best trade %"), ("worst_trade_pct", "Worst trade %"),
    ("avg_trade_pct", "Avg trade %"), ("profit_factor", "Profit factor"),
    ("expectancy_pct", "Expectancy %"), ("sqn", "SQN"), ("commissions", "Commissions"),
    ("exposure_pct", "Exposure %"),
]
REPORT_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:24px;color:#222}
h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;margin-top:28px}
.meta{color:#555;font-size:13px}table{border-collapse:collapse;font-size:13px}
td,th{border-bottom:1px solid #e5e5e5;padding:3px 10px;text-align:right}
th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}
.grid{display:flex;flex-wrap:wrap;gap:24px}.note{color:#8a4b00}
"""


def format_value(v: object) -> str:
    """Return a statistic or table cell as text: 2 decimals, dates without midnight."""
    if isinstance(v, float):
        return "" if v != v else f"{v:,.2f}"
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d %H:%M") if (v.hour or v.minute) else v.strftime("%Y-%m-%d")
    return html.escape(str(v))


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in
                   ([frame.index.name or ""] if index else []) + list(frame.columns))
    rows = []
    for key, row in frame.iterrows():
        values = ([key] if index else []) + list(row)
        cells = [f"<td>{format_value(v)}</td>" for v in values]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def stats_frame(result: StrategyBacktest) -> pd.DataFrame:
    """Return the run's statistics as a one-column table with readable labels."""
    rows = [(label, result.stats.get(key)) for key, label in _STATS if key in result.stats]
    return pd.DataFrame(rows, columns=["statistic", "value"]).set_index("statistic")


def _stats_table(result: StrategyBacktest) -> str:
    return _table(stats_frame(result))


def _daily_level(series: pd.Series) -> pd.Series:
    """Return the last value of each New York trading day."""
    idx = pd.DatetimeIndex(series.index)
    days = idx.tz_convert(figs.NEW_YORK).normalize().tz_localize(None) if idx.tz else idx
    return pd.Series(series.to_numpy(float), index=days).groupby(level=0).last()


def attribution(
    result: StrategyBacktest, market: pd.Series | None
) -> tuple[go.Figure | None, str]:
    """Return the attribution figure against ``market`` closes, or None and the reason."""
    if market is None or market.dropna().size < 3:
        return None, "no benchmark closes for the window: P&L attribution left out"
    level = _daily_level(result.equity)
    r = level.pct_change()
    m = _daily_level(market).pct_change().reindex(r.index)
    ok = r.notna() & m.notna()
    if ok.sum() < 3:
        return None, "fewer than 3 days shared with the benchmark: attribution left out"
    dec = decompose_pnl(r[ok], m[ok], equity=level)
    return figs.attribution_figure(dec, str(market.name or "benchmark")), ""


def render_report(
    result: StrategyBacktest, market: pd.Series | None = None, *, max_symbols: int = MAX_SYMBOLS
) -> str:
    """Return the report of ``result`` as one HTML document.

    Parameters
    ----------
    result
        The backtest (``research.backtest.backtest_strategy``).
    market
        Benchmark closes (e.g. US.SPY daily, ``research.data.load_market_closes``) for the
        P&L attribution; None leaves it out.
    max_symbols
        Most symbols drawn with their trades (the most traded first).
    """
    cash = float(result.parameters.get("cash", result.equity.iloc[0]))
    figures: list[tuple[str, go.Figure]] = [("equity", figs.equity_figure(result.equity, cash))]
    drawn = figs.pick_symbols(result.trades, list(result.symbols), max_symbols)
    left_out = len(result.symbols) - len(drawn)
    if drawn:
        figures.append(("trades", figs.price_figure(result.closes, result.trades, drawn)))
    figures.append(("monthly", figs.monthly_figure(result.equity)))
    figures.append(("costs", figs.cost_figure(result.costs())))
    regimes = figs.regime_table(result.trades, result.trade_log["market_regime"])
    if len(regimes):
        figures.append(("regimes", figs.regime_figure(regimes)))
    attr, why = attribution(result, market)
    if attr is not None:
        figures.append(("attribution", attr))
    parts = [f"<h2>{title.capitalize()}</h2>" + fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"fig-{title}",
        config={"displaylogo": False}) for title, fig in figures]
    notes = list(result.notes) + ([why] if why else [])
    if left_out > 0:
        notes.append(f"trades drawn for {len(drawn)} of {len(result.symbols)} symbols (the "
                     f"most traded); {left_out} not drawn")
    log = result.trade_log.head(MAX_TRADE_ROWS).set_index("trade_id")
    more = (f"<p class=meta>first {MAX_TRADE_ROWS} of {len(result.trade_log)} trades</p>"
            if len(result.trade_log) > MAX_TRADE_ROWS else "")
    spec = result.spec
    meta = (f"{html.escape(spec.strategy_meta.name)} &middot; spec_id {result.spec_id} &middot; "
            f"run {result.run_id} &middot; {result.mode} mode &middot; "
            f"{spec.primary_timeframe()} bars &middot; {result.start} .. {result.end} &middot; "
            f"{len(result.symbols)} symbols &middot; {len(result.signals)} signals")
    body = "\n".join([
        f"<h1>Backtest: {html.escape(spec.strategy_meta.name)}</h1><p class=meta>{meta}</p>",
        "<h2>Where this run differs from the file</h2><ul>"
        + "".join(f"<li class=note>{html.escape(n)}</li>" for n in notes) + "</ul>"
        if notes else "",
        "<h2>Statistics</h2><div class=grid>" + _stats_table(result)
        + _table(pd.DataFrame.from_dict(result.costs(), orient="index", columns=["cost"]))
        + (_table(regimes) if len(regimes) else "") + "</div>",
        *parts,
        f"<h2>Trade log</h2>{more}{_table(log)}",
        "<h2>Parameters</h2><pre>" + html.escape(json.dumps(jsonable(result.parameters),
                                                            indent=2, sort_keys=True))
        + "</pre>",
    ])
    title = html.escape(f"{spec.strategy_meta.name} backtest {result.start}..{result.end}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{REPORT_CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script>"
            f"</head><body>\n{body}\n</body></html>\n")


def write_report(
    result: StrategyBacktest, path: str | Path, market: pd.Series | None = None,
    *, max_symbols: int = MAX_SYMBOLS,
) -> Path:
    """Write the report of ``result`` to ``path`` (folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_report(result, market, max_symbols=max_symbols), encoding="utf-8")
    return path
