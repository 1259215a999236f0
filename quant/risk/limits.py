"""Portfolio limits over a :class:`Book`: positions count, correlation, sector, beta, liquidity.

A :class:`Book` is the portfolio as the gate sees it during a batch: the held positions plus
every entry the batch has passed so far, so the second order of a sector sees the first.
Exits are not credited (they may not fill): capacity they would free is available only in
the next cycle. Notional is signed (``qty * price``): held positions at the market price,
new entries at their proposal's price.

Each ``check_*`` returns a rejection or None; each ``cap_*`` returns the most quantity the
limit admits (in whole lots) and, when that cuts the order, the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from quant.risk.config import RiskLimits
from quant.risk.decisions import Reason, ReasonCode, Utilization
from quant.risk.market import MarketContext
from quant.risk.sizing import floor_lots
from quant.risk.state import PortfolioState, RiskState


@dataclass(frozen=True, slots=True)
class Book:
    """Signed notional per symbol, with each symbol's sector and beta, and the batch's ADV use.

    Parameters
    ----------
    equity
        Account equity; exposures are fractions of it.
    notional
        Symbol -> signed notional (long > 0); flat symbols are absent.
    sector, beta
        Symbol -> sector label and beta, for every symbol in ``notional``.
    adv_used
        Symbol -> shares the batch's passed entries trade (the liquidity limit's usage).
    """

    equity: float
    notional: Mapping[str, float] = field(default_factory=dict)
    sector: Mapping[str, str] = field(default_factory=dict)
    beta: Mapping[str, float] = field(default_factory=dict)
    adv_used: Mapping[str, float] = field(default_factory=dict)

    def direction(self, symbol: str) -> int:
        """Return +1 long, -1 short, 0 flat."""
        n = self.notional.get(symbol, 0.0)
        return (n > 0) - (n < 0)

    def sector_gross(self, sector: str) -> float:
        """Return the gross notional of ``sector`` as a fraction of equity."""
        total = sum(abs(n) for s, n in self.notional.items() if self.sector.get(s, "") == sector)
        return total / self.equity

    def net_beta(self) -> float:
        """Return sum of notional x beta over equity (0: beta neutral)."""
        return sum(n * self.beta.get(s, 1.0) for s, n in self.notional.items()) / self.equity

    def gross(self) -> float:
        """Return the gross notional as a fraction of equity."""
        return sum(abs(n) for n in self.notional.values()) / self.equity

    def add(
        self, symbol: str, signed_notional: float, qty: float, sector: str, beta: float
    ) -> Book:
        """Return the book with an entry of ``qty`` shares worth ``signed_notional`` added."""
        notional = dict(self.notional)
        notional[symbol] = notional.get(symbol, 0.0) + signed_notional
        used = dict(self.adv_used)
        used[symbol] = used.get(symbol, 0.0) + qty
        return replace(
            self,
            notional=notional,
            sector={**self.sector, symbol: sector},
            beta={**self.beta, symbol: beta},
            adv_used=used,
        )


def book_of(state: PortfolioState, market: MarketContext) -> tuple[Book, list[str]]:
    """Return the book of the held positions, and warnings for positions without market data.

    A held symbol missing from the market context is valued at its position's price, in the
    unlabelled sector, with beta 1.
    """
    notional: dict[str, float] = {}
    sector: dict[str, str] = {}
    beta: dict[str, float] = {}
    warnings: list[str] = []
    for symbol, pos in state.held().items():
        data = market.symbols.get(symbol)
        if data is not None and math.isfinite(data.price) and data.price > 0:
            price, sector[symbol], beta[symbol] = data.price, data.sector, data.beta
        else:
            warnings.append(
                f"held {symbol} has no usable market data: valued at its position price, "
                "unlabelled sector, beta 1"
            )
            price, sector[symbol], beta[symbol] = pos.price, "", 1.0
        if not math.isfinite(price):
            warnings.append(f"held {symbol} has no finite price: left out of the exposures")
            continue
        notional[symbol] = pos.qty * price
    return Book(state.equity, notional, sector, beta), warnings


def check_max_positions(book: Book, symbol: str, limits: RiskLimits) -> Reason | None:
    """Return a rejection when a new symbol would exceed ``max_positions``."""
    if limits.max_positions is None or symbol in book.notional:
        return None
    count = len(book.notional)
    if count + 1 <= limits.max_positions:
        return None
    return Reason(
        ReasonCode.MAX_POSITIONS,
        f"{count} positions open: a new one would exceed max_positions {limits.max_positions}",
        {"positions": count, "max_positions": limits.max_positions},
        math.nan,
        0.0,
    )


def _rho(corr: pd.DataFrame, a: str, b: str) -> float:
    """Return the correlation of a and b, NaN when unknown."""
    try:
        return float(corr.at[a, b])
    except KeyError:
        return math.nan


def _correlated(corr: pd.DataFrame, a: str, da: int, b: str, db: int, threshold: float) -> bool:
    """Return whether a and b, held in directions da and db, count as correlated.

    The correlation is signed by the directions (a long and a short of twin stocks hedge each
    other); an unknown correlation counts as correlated, so missing data errs on the safe side.
    """
    rho = _rho(corr, a, b)
    if not math.isfinite(rho):
        return True
    return rho * da * db >= threshold


def _neighbours(
    corr: pd.DataFrame, book: Book, symbol: str, direction: int, threshold: float
) -> list[str]:
    return [
        s
        for s in book.notional
        if s != symbol and _correlated(corr, symbol, direction, s, book.direction(s), threshold)
    ]


def check_correlation(
    book: Book, symbol: str, direction: int, corr: pd.DataFrame, limits: RiskLimits
) -> Reason | None:
    """Return a rejection when a new position would exceed ``max_correlated_positions``.

    A position's cluster is itself plus every position correlated with it (direction-adjusted
    correlation at least ``correlation_threshold``). The entry is rejected when its own cluster
    would exceed the limit, or when it would push the cluster of a position it correlates with
    over the limit. Adding to a held symbol changes no cluster and is not checked.
    """
    if symbol in book.notional:
        return None
    limit, threshold = limits.max_correlated_positions, limits.correlation_threshold
    mine = _neighbours(corr, book, symbol, direction, threshold)
    unknown = sum(1 for s in mine if not math.isfinite(_rho(corr, symbol, s)))
    numbers = {
        "correlated_positions": len(mine),
        "unknown_correlations": unknown,
        "max_correlated_positions": limit,
        "correlation_threshold": threshold,
    }
    if 1 + len(mine) > limit:
        return Reason(
            ReasonCode.CORRELATION_LIMIT,
            f"correlated with {len(mine)} open positions ({', '.join(sorted(mine))}); with it "
            f"the cluster would exceed {limit}",
            numbers,
            math.nan,
            0.0,
        )
    for s in mine:
        theirs = _neighbours(corr, book, s, book.direction(s), threshold)
        if 1 + len(theirs) + 1 > limit:
            numbers = {**numbers, "neighbour_cluster": 1 + len(theirs)}
            return Reason(
                ReasonCode.CORRELATION_LIMIT,
                f"{s} already has {1 + len(theirs)} correlated positions; this entry would "
                f"take its cluster over {limit}",
                numbers,
                math.nan,
                0.0,
            )
    return None


def cap_sector(
    book: Book, sector: str, qty: float, price: float, lot: int, limits: RiskLimits
) -> tuple[float, Reason | None]:
    """Return the most of ``qty`` that keeps the sector's gross exposure under its cap."""
    used = book.sector_gross(sector)
    room = (limits.max_sector_exposure - used) * book.equity
    most = floor_lots(min(qty, room / price), lot)
    if most >= qty:
        return qty, None
    return most, Reason(
        ReasonCode.SECTOR_LIMIT,
        f"sector {sector or '(unlabelled)'} at {used:.2%} of equity; cap "
        f"{limits.max_sector_exposure:.0%} leaves room for {most:g}",
        {"sector_exposure": used, "max_sector_exposure": limits.max_sector_exposure,
         "equity": book.equity, "room_notional": room, "price": price},
        qty,
        most,
    )


def cap_beta(
    book: Book, direction: int, beta: float, qty: float, price: float, lot: int,
    limits: RiskLimits,
) -> tuple[float, Reason | None]:
    """Return the most of ``qty`` that keeps net beta in its band, or moves it towards it.

    With net beta ``B`` and ``c = direction * price * beta / equity`` per share, the order
    takes net beta to ``B + c * qty``. Inside the band the order may go to its edge; outside,
    an order that moves towards zero may go as far as the opposite edge, and one that moves
    away is rejected. So ``|B|`` never ends above ``max(band, |B| before)``.
    """
    band = limits.beta_band
    if band is None:
        return qty, None
    net = book.net_beta()
    c = direction * price * beta / book.equity
    if c == 0.0:
        return qty, None
    if abs(net) <= band:
        room = (band - net) / c if c > 0 else (-band - net) / c
    elif c * net < 0:
        room = (-math.copysign(band, net) - net) / c
    else:
        room = 0.0
    most = floor_lots(min(qty, room), lot)
    if most >= qty:
        return qty, None
    return most, Reason(
        ReasonCode.BETA_BAND,
        f"net beta {net:+.3f} with band ±{band:g}: room for {most:g}",
        {"net_beta": net, "beta_band": band, "beta": beta, "beta_per_share": c,
         "room_qty": room},
        qty,
        most,
    )


def cap_liquidity(
    book: Book, symbol: str, adv: float, qty: float, lot: int, limits: RiskLimits
) -> tuple[float, Reason | None]:
    """Return the most of ``qty`` under ``max_adv_fraction`` of ADV (batch entries summed).

    With ``liquidity_action == "reject"`` an order over the limit gets 0.
    """
    used = book.adv_used.get(symbol, 0.0)
    room = limits.max_adv_fraction * adv - used
    most = floor_lots(min(qty, room), lot)
    if most >= qty:
        return qty, None
    if limits.liquidity_action == "reject":
        most = 0.0
    return most, Reason(
        ReasonCode.LIQUIDITY_LIMIT,
        f"order of {qty:g} with {used:g} already in this batch would exceed "
        f"{limits.max_adv_fraction:.2%} of ADV {adv:g} ({limits.liquidity_action})",
        {"adv": adv, "max_adv_fraction": limits.max_adv_fraction, "batch_qty": used,
         "room_qty": room},
        qty,
        most,
    )


def utilization(book: Book, risk: RiskState, limits: RiskLimits) -> Utilization:
    """Return how much of each limit ``book`` uses."""
    sectors = sorted({book.sector.get(s, "") for s in book.notional})
    return Utilization(
        drawdown=risk.drawdown(book.equity),
        daily_loss_limit=limits.daily_loss_limit,
        positions=len(book.notional),
        max_positions=limits.max_positions,
        sector_exposure={s: book.sector_gross(s) for s in sectors},
        max_sector_exposure=limits.max_sector_exposure,
        net_beta=book.net_beta(),
        beta_band=limits.beta_band,
        gross_exposure=book.gross(),
    )
