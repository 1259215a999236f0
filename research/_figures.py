"""The plotly figures of a backtest report, one function per figure, each a pure function."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from quant.backtest import drawdown
from quant.backtest.attribution import PnlDecomposition

NEW_YORK = "America/New_York"
_GREEN, _RED, _BLUE, _GREY = "#1a9850", "#d73027", "#2c7fb8", "#969696"
def _ny(times: object) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(times, utc=True)).tz_convert(NEW_YORK)


_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 20, "t": 50, "b": 40}}


def equity_figure(equity: pd.Series, cash: float) -> go.Figure:
    """Return the equity curve over the underwater curve (drawdown from the running peak)."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.68, 0.32],
                        vertical_spacing=0.04)
    x = _ny(equity.index)
    fig.add_trace(go.Scatter(x=x, y=equity.to_numpy(), name="equity",
                             line={"color": _BLUE}), row=1, col=1)
    fig.add_hline(y=cash, line={"color": _GREY, "dash": "dot"}, row=1, col=1)
    under = 100.0 * drawdown(equity)
    fig.add_trace(go.Scatter(x=x, y=under.to_numpy(), name="drawdown %", fill="tozeroy",
                             line={"color": _RED}), row=2, col=1)
    fig.update_yaxes(title_text="equity", row=1, col=1)
    fig.update_yaxes(title_text="drawdown %", row=2, col=1)
    fig.update_layout(title="Equity and drawdown", height=520, showlegend=False, **_LAYOUT)
    return fig


def pick_symbols(trades: pd.DataFrame, symbols: list[str], limit: int) -> list[str]:
    """Return up to ``limit`` symbols to draw: the most traded first, then by name."""
    counts = trades["symbol"].value_counts() if len(trades) else pd.Series(dtype=int)
    return sorted(symbols, key=lambda s: (-int(counts.get(s, 0)), s))[:limit]


def price_figure(closes: pd.DataFrame, trades: pd.DataFrame, symbols: list[str]) -> go.Figure:
    """Return each symbol's closes with its trades: entries as triangles, exits as crosses."""
    fig = make_subplots(rows=len(symbols), cols=1, shared_xaxes=False,
                        subplot_titles=symbols, vertical_spacing=0.25 / max(len(symbols), 1))
    for i, sym in enumerate(symbols, start=1):
        c = closes[sym].dropna()
        fig.add_trace(go.Scatter(x=_ny(c.index), y=c.to_numpy(), name=sym,
                                 line={"color": _GREY, "width": 1}, showlegend=False), row=i, col=1)
        t = trades[trades["symbol"] == sym]
        for side, symbol, color in ((1, "triangle-up", _GREEN), (-1, "triangle-down", _RED)):
            e = t[np.sign(t["size"]) == side]
            fig.add_trace(go.Scatter(
                x=_ny(e["entry_time"]), y=e["entry_price"],
                mode="markers", marker={"symbol": symbol, "size": 10, "color": color},
                name="long entry" if side > 0 else "short entry", showlegend=i == 1,
                legendgroup=str(side), hovertext=[f"size {s}" for s in e["size"]],
            ), row=i, col=1)
        done = t[~t["is_open"]]
        fig.add_trace(go.Scatter(
            x=_ny(done["exit_time"]), y=done["exit_price"],
            mode="markers", name="exit", showlegend=i == 1, legendgroup="exit",
            marker={"symbol": "x", "size": 8,
                    "color": np.where(done["pnl"] > 0, _GREEN, _RED).tolist()},
            hovertext=[f"{r}: pnl {p:,.2f}" for r, p in
                       zip(done.get("exit_reason", pd.Series("", index=done.index)),
                           done["pnl"], strict=True)],
        ), row=i, col=1)
    fig.update_layout(title="Trades on the price chart", height=260 * len(symbols) + 80,
                      **_LAYOUT)
    return fig


def monthly_returns(equity: pd.Series) -> pd.DataFrame:
    """Return monthly returns in percent as a year x month table (New York calendar)."""
    e = equity.copy()
    if e.index.tz is not None:
        e.index = e.index.tz_convert(NEW_YORK).tz_localize(None)
    month_end = e.resample("ME").last().dropna()
    start = pd.Series([e.iloc[0]], index=[month_end.index[0] - pd.offsets.MonthEnd(1)])
    ret = 100.0 * pd.concat([start, month_end]).pct_change().iloc[1:]
    table = pd.DataFrame({"year": ret.index.year, "month": ret.index.month, "r": ret.to_numpy()})
    return table.pivot(index="year", columns="month", values="r").reindex(columns=range(1, 13))


def monthly_figure(equity: pd.Series) -> go.Figure:
    """Return the monthly returns heatmap (green gains, red losses, centred on 0)."""
    table = monthly_returns(equity)
    names = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    z = table.to_numpy()
    text = [["" if np.isnan(v) else f"{v:.1f}%" for v in row] for row in z]
    bound = float(np.nanmax(np.abs(z))) if np.isfinite(z).any() else 1.0
    fig = go.Figure(go.Heatmap(
        z=z, x=names, y=[str(y) for y in table.index], text=text, texttemplate="%{text}",
        colorscale="RdYlGn", zmin=-bound, zmax=bound, colorbar={"title": "%"},
    ))
    fig.update_layout(title="Monthly returns", height=160 + 40 * len(table), **_LAYOUT)
    return fig


def cost_figure(costs: Mapping[str, float]) -> go.Figure:
    """Return the cost breakdown: explicit (commission, fees) and implicit (latency ...)."""
    parts = [("explicit", "commission"), ("explicit", "fees"), ("implicit", "latency"),
             ("implicit", "slippage"), ("implicit", "impact")]
    fig = go.Figure()
    for kind, color in (("explicit", _BLUE), ("implicit", "#fdae61")):
        names = [n for k, n in parts if k == kind]
        fig.add_trace(go.Bar(x=names, y=[costs.get(n, 0.0) for n in names], name=kind,
                             marker_color=color))
    bps = (f"explicit {costs.get('explicit_bps', float('nan')):.1f} bp, implicit "
           f"{costs.get('implicit_bps', float('nan')):.1f} bp of "
           f"{costs.get('traded_value', 0.0):,.0f} traded")
    fig.update_layout(title=f"Costs ({bps})", yaxis_title="currency", height=380, **_LAYOUT)
    return fig


def regime_table(trades: pd.DataFrame, regimes: pd.Series) -> pd.DataFrame:
    """Return closed trades grouped by the regime at entry: count, win rate, P&L, return."""
    t = trades.assign(regime=regimes.replace({"": None}).fillna("unknown").to_numpy())
    t = t[~t["is_open"]]
    if t.empty:
        return pd.DataFrame(columns=["trades", "win_rate_pct", "pnl", "avg_return_pct"])
    g = t.groupby("regime")
    return pd.DataFrame({
        "trades": g.size(),
        "win_rate_pct": 100.0 * g["pnl"].apply(lambda p: (p > 0).mean()),
        "pnl": g["pnl"].sum(),
        "avg_return_pct": g["return_pct"].mean(),
    })


def regime_figure(table: pd.DataFrame) -> go.Figure:
    """Return P&L and trade count per regime at entry."""
    fig = go.Figure(go.Bar(
        x=table.index.tolist(), y=table["pnl"].tolist(),
        marker_color=[_GREEN if v > 0 else _RED for v in table["pnl"]],
        text=[f"{n} trades, {w:.0f}% won, {r:+.2f}% avg" for n, w, r in
              zip(table["trades"], table["win_rate_pct"], table["avg_return_pct"], strict=True)],
        textposition="outside",
    ))
    fig.update_layout(title="P&L by regime at entry (closed trades)", yaxis_title="P&L",
                      height=380, **_LAYOUT)
    return fig


def attribution_figure(dec: PnlDecomposition, benchmark: str) -> go.Figure:
    """Return the P&L decomposition into alpha, market beta and residual, in money."""
    money = dec.contributions_money or dec.contributions
    names = [k for k in money if k != "total"]
    fig = go.Figure(go.Bar(x=names, y=[money[k] for k in names],
                           marker_color=[_GREEN if money[k] > 0 else _RED for k in names]))
    fig.update_layout(
        title=(f"P&L attribution vs {benchmark}: beta {dec.market_beta:.2f}, alpha "
               f"{100 * dec.alpha_annual:.1f}%/yr (t {dec.t_stats.get('alpha', float('nan')):.2f})"
               f", R² {dec.r_squared:.2f}, {dec.n} days"),
        yaxis_title="currency" if dec.contributions_money else "return", height=380, **_LAYOUT)
    return fig
