"""A self-contained HTML report of one walk-forward run (plotly.js inline, works offline).

It holds the summary (efficiency, objective ratio, neighbourhood drop), the statistics of
the stitched out-of-sample equity, the stitched equity and drawdown with the window
boundaries, the chosen parameters per window (table and chart), the stability report and
the split by market state.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from research import _figures as figs
from research.report import REPORT_CSS, format_value
from research.walkforward import StrategyWalkForward

__all__ = ["render_walk_forward_report", "short_names", "window_table", "write_walk_forward_report"]



_STATS = [
    ("start", "Start"), ("end", "End"), ("equity_final", "Equity final"),
    ("return_pct", "Return %"), ("return_ann_pct", "Return (ann.) %"),
    ("volatility_ann_pct", "Volatility (ann.) %"), ("sharpe", "Sharpe"),
    ("sortino", "Sortino"), ("calmar", "Calmar"), ("max_drawdown_pct", "Max drawdown %"),
    ("n_trades", "Closed trades"), ("win_rate_pct", "Win rate %"),
    ("profit_factor", "Profit factor"), ("commissions", "Commissions"),
    ("exposure_pct", "Exposure %"),
]


def _table(frame: pd.DataFrame, index: bool = True) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in
                   ([frame.index.name or ""] if index else []) + list(frame.columns))
    rows = []
    for key, row in frame.iterrows():
        cells = ([f"<td>{format_value(key)}</td>"] if index else []) + [
            f"<td>{format_value(v)}</td>" for v in row]
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def short_names(paths: list[str]) -> dict[str, str]:
    """Return the shortest unique dotted suffix of each parameter path, for display."""
    out = {}
    for path in paths:
        parts = path.split(".")
        for k in range(1, len(parts) + 1):
            tail = ".".join(parts[-k:])
            if sum(p.endswith(tail) for p in paths) == 1:
                out[path] = tail
                break
        else:
            out[path] = path
    return out


def window_table(wf: StrategyWalkForward) -> pd.DataFrame:
    """Return the per-window table for people: dates, chosen values, scores, trades."""
    w = wf.result.windows
    names = short_names(list(wf.result.stability["parameter"]))
    day = "%Y-%m-%d"
    table = pd.DataFrame({
        "in sample": [f"{a:{day}} .. {b:{day}}" for a, b in zip(w["is_start"], w["is_end"],
                                                               strict=True)],
        "out of sample": [f"{a:{day}} .. {b:{day}}" for a, b in zip(w["oos_start"], w["oos_end"],
                                                                   strict=True)],
    }, index=pd.Index(w["window"], name="window"))
    for path, name in names.items():
        table[name] = [p.get(path) if p else "in cash" for p in w["params"]]
    table["IS objective"] = w["is_score"].to_numpy()
    table["OOS objective"] = w["oos_score"].to_numpy()
    table["IS trades"] = w["is_trades"].to_numpy()
    table["OOS trades"] = w["oos_trades"].to_numpy()
    table["OOS return %"] = w["oos_return_pct"].to_numpy()
    table["efficiency"] = w["efficiency"].to_numpy()
    table["neighbour drop"] = w["neighbour_drop"].to_numpy()
    return table


def _params_figure(wf: StrategyWalkForward) -> go.Figure:
    w = wf.result.windows
    names = short_names(list(wf.result.stability["parameter"]))
    fig = go.Figure()
    for path, name in names.items():
        values = [p.get(path) if p else None for p in w["params"]]
        fig.add_trace(go.Scatter(x=w["oos_start"], y=values, mode="lines+markers", name=name,
                                 line={"shape": "hv"}))
    fig.update_layout(title="Chosen parameters per window (at each out-of-sample start)",
                      height=360, template="plotly_white")
    return fig


def render_walk_forward_report(wf: StrategyWalkForward) -> str:
    """Return the report of ``wf`` as one HTML document."""
    res = wf.result
    cash = float(res.results[0].cash)
    equity = figs.equity_figure(res.equity, cash)
    for start in res.windows["oos_start"].iloc[1:]:
        ts = pd.Timestamp(start)
        at = ts.tz_convert(figs.NEW_YORK) if ts.tzinfo else ts
        equity.add_vline(x=at, line={"color": "#bbbbbb", "width": 1})
    equity.update_layout(title="Stitched out-of-sample equity (grey lines: window starts)")
    figures = [("equity", equity), ("parameters", _params_figure(wf))]
    parts = [f"<h2>{title.capitalize()}</h2>" + fig.to_html(
        full_html=False, include_plotlyjs=False, div_id=f"fig-{title}",
        config={"displaylogo": False}) for title, fig in figures]
    stats = pd.DataFrame([(label, res.stats.get(key)) for key, label in _STATS
                          if key in res.stats], columns=["", "value"]).set_index("")
    summary = pd.DataFrame.from_dict(dict(res.summary), orient="index", columns=["value"])
    spec = wf.spec
    meta = (f"{html.escape(spec.strategy_meta.name)} &middot; spec_id {spec.spec_id} &middot; "
            f"walk-forward {wf.wf_id} &middot; {wf.start} .. {wf.end} &middot; "
            f"{len(res.results)} windows &middot; "
            f"{html.escape(', '.join(wf.symbols) or 'the whole universe')}")
    regimes = (_table(res.regimes) if res.regimes is not None
               else "<p class=meta>no market series: split by state left out</p>")
    body = "\n".join([
        f"<h1>Walk-forward: {html.escape(spec.strategy_meta.name)}</h1><p class=meta>{meta}</p>",
        "<h2>Summary</h2><div class=grid>" + _table(summary) + _table(stats) + "</div>",
        parts[0],
        "<h2>Windows</h2>" + _table(window_table(wf)),
        parts[1],
        "<h2>Parameter stability</h2>" + _table(res.stability, index=False),
        "<h2>By market state</h2>" + regimes,
    ])
    title = html.escape(f"{spec.strategy_meta.name} walk-forward {wf.start}..{wf.end}")
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{title}</title>"
            f"<style>{REPORT_CSS}</style><script type='text/javascript'>{get_plotlyjs()}</script>"
            f"</head><body>\n{body}\n</body></html>\n")


def write_walk_forward_report(wf: StrategyWalkForward, path: str | Path) -> Path:
    """Write the report of ``wf`` to ``path`` (folders created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_walk_forward_report(wf), encoding="utf-8")
    return path
