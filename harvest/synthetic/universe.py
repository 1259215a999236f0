"""The demo universe: what the synthetic market trades.

Tickers are real so that moomoo codes look familiar, but every number the synthetic source
produces for them is invented (``source = 'synthetic'``). Each company's fundamental profile
is drawn from the seed, never chosen by hand, so no profile says anything about a real firm.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from harvest.calendar import CME_HOURS, FX_HOURS, US_EQUITY_HOURS, SessionHours

# Fundamental profiles spread the scores across their ranges: F-score, Altman zone, Beneish.
PROFILES = ("stalwart", "growth", "value", "cyclical", "turnaround", "distressed", "aggressive")

SECTORS: dict[str, tuple[str, list[tuple[str, str, str, str]]]] = {
    # sector: (sector ETF, [(ticker, name, industry, venue)])
    "Technology": (
        "XLK",
        [
            ("AAPL", "Apple Inc.", "Consumer Electronics", "US_NASDAQ"),
            ("MSFT", "Microsoft Corp.", "Software", "US_NASDAQ"),
            ("NVDA", "NVIDIA Corp.", "Semiconductors", "US_NASDAQ"),
            ("ORCL", "Oracle Corp.", "Software", "US_NYSE"),
        ],
    ),
    "Financials": (
        "XLF",
        [
            ("JPM", "JPMorgan Chase & Co.", "Banks", "US_NYSE"),
            ("BAC", "Bank of America Corp.", "Banks", "US_NYSE"),
            ("GS", "Goldman Sachs Group Inc.", "Capital Markets", "US_NYSE"),
            ("WFC", "Wells Fargo & Co.", "Banks", "US_NYSE"),
        ],
    ),
    "Health Care": (
        "XLV",
        [
            ("JNJ", "Johnson & Johnson", "Pharmaceuticals", "US_NYSE"),
            ("PFE", "Pfizer Inc.", "Pharmaceuticals", "US_NYSE"),
            ("UNH", "UnitedHealth Group Inc.", "Managed Health Care", "US_NYSE"),
            ("MRK", "Merck & Co. Inc.", "Pharmaceuticals", "US_NYSE"),
        ],
    ),
    "Energy": (
        "XLE",
        [
            ("XOM", "Exxon Mobil Corp.", "Integrated Oil & Gas", "US_NYSE"),
            ("CVX", "Chevron Corp.", "Integrated Oil & Gas", "US_NYSE"),
            ("COP", "ConocoPhillips", "Exploration & Production", "US_NYSE"),
            ("SLB", "Schlumberger Ltd.", "Oil Services", "US_NYSE"),
        ],
    ),
    "Consumer Discretionary": (
        "XLY",
        [
            ("AMZN", "Amazon.com Inc.", "Internet Retail", "US_NASDAQ"),
            ("HD", "Home Depot Inc.", "Home Improvement Retail", "US_NYSE"),
            ("NKE", "Nike Inc.", "Footwear", "US_NYSE"),
            ("TGT", "Target Corp.", "General Merchandise", "US_NYSE"),
        ],
    ),
    "Consumer Staples": (
        "XLP",
        [
            ("WMT", "Walmart Inc.", "Hypermarkets", "US_NYSE"),
            ("COST", "Costco Wholesale Corp.", "Hypermarkets", "US_NASDAQ"),
            ("PG", "Procter & Gamble Co.", "Household Products", "US_NYSE"),
            ("KO", "Coca-Cola Co.", "Beverages", "US_NYSE"),
        ],
    ),
    "Industrials": (
        "XLI",
        [
            ("CAT", "Caterpillar Inc.", "Machinery", "US_NYSE"),
            ("BA", "Boeing Co.", "Aerospace & Defense", "US_NYSE"),
            ("FDX", "FedEx Corp.", "Air Freight & Logistics", "US_NYSE"),
            ("UPS", "United Parcel Service Inc.", "Air Freight & Logistics", "US_NYSE"),
        ],
    ),
    "Utilities": (
        "XLU",
        [
            ("NEE", "NextEra Energy Inc.", "Electric Utilities", "US_NYSE"),
            ("DUK", "Duke Energy Corp.", "Electric Utilities", "US_NYSE"),
            ("SO", "Southern Co.", "Electric Utilities", "US_NYSE"),
            ("D", "Dominion Energy Inc.", "Multi-Utilities", "US_NYSE"),
        ],
    ),
    "Communication Services": (
        "XLC",
        [
            ("GOOGL", "Alphabet Inc.", "Interactive Media", "US_NASDAQ"),
            ("META", "Meta Platforms Inc.", "Interactive Media", "US_NASDAQ"),
            ("NFLX", "Netflix Inc.", "Entertainment", "US_NASDAQ"),
            ("DIS", "Walt Disney Co.", "Entertainment", "US_NYSE"),
        ],
    ),
}

BENCHMARK = "US.SPY"
# Names with alternative data: retailers get parking-lot counts, shippers container volumes.
PARKING_LOT_NAMES = ("US.WMT", "US.COST", "US.TGT", "US.HD")
SHIPPING_NAMES = ("US.FDX", "US.UPS", "US.AMZN")

FX_PAIRS = {
    # symbol: (name, base, quote, start price, tick, commodity the pair leans on or None)
    "FX.EURUSD": ("Euro / US Dollar", "EUR", "USD", 1.08, 0.00001, None),
    "FX.USDJPY": ("US Dollar / Japanese Yen", "USD", "JPY", 150.0, 0.001, None),
    "FX.AUDUSD": ("Australian Dollar / US Dollar", "AUD", "USD", 0.66, 0.00001, "iron_ore"),
    "FX.USDCAD": ("US Dollar / Canadian Dollar", "USD", "CAD", 1.36, 0.00001, "crude_oil"),
}

FUTURES = {
    # symbol: (name, underlying, start price, tick, multiplier, initial margin, maintenance)
    "US.ESmain": ("E-mini S&P 500 (continuous)", "market", 5000.0, 0.25, 50.0, 0.06, 0.055),
    "US.CLmain": ("WTI Crude Oil (continuous)", "crude_oil", 75.0, 0.01, 1000.0, 0.10, 0.09),
}


@dataclass(frozen=True)
class InstrumentSpec:
    """One instrument of the synthetic universe and what drives its prices."""

    symbol: str
    name: str
    asset_class: str
    instrument_type: str
    market: str
    currency: str
    sector: str
    industry: str | None
    tick_size: float
    lot_size: int
    hours: SessionHours
    margin_initial: float
    margin_maintenance: float
    contract_multiplier: float = 1.0
    benchmark: str | None = BENCHMARK
    start_price: float = 100.0
    driver: str | None = None  # factor an FX pair or future follows: a commodity or the market

    @property
    def instrument_id(self) -> str:
        """Return a UUID stable across runs, derived from the symbol."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"drilldown:{self.symbol}"))

    @property
    def ticker(self) -> str:
        """Return the code after the market prefix."""
        return self.symbol.split(".", 1)[1]

    @property
    def is_company(self) -> bool:
        """Return whether the instrument files financial statements."""
        return self.instrument_type == "stock"

    def trading_hours_json(self) -> str:
        """Return the seed's trading-hours object as JSON."""
        h = self.hours
        if self.asset_class == "equity":
            hours = {
                "pre_market": "04:00-09:30",
                "regular": "09:30-16:00",
                "after_hours": "16:00-20:00",
            }
        else:
            hours = {"regular": f"{h.open:%H:%M}-{h.close:%H:%M} (opens the evening before)"}
        return json.dumps({**hours, "timezone": h.timezone}, sort_keys=True)


def _isin(ticker: str) -> str:
    """Return a well-formed ISIN (valid Luhn check digit) for a synthetic security."""
    body = "US" + ("SYN" + ticker).ljust(9, "0")[:9]
    digits = "".join(str(int(ch, 36)) for ch in body)
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
        total += d // 10 + d % 10
    return body + str((10 - total % 10) % 10)


def demo_universe() -> list[InstrumentSpec]:
    """Return the demo universe.

    36 US stocks in 9 sectors, SPY and the 9 sector ETFs, 4 FX pairs and 2 futures.
    """
    out: list[InstrumentSpec] = []
    equity = {
        "asset_class": "equity",
        "currency": "USD",
        "tick_size": 0.01,
        "lot_size": 1,
        "hours": US_EQUITY_HOURS,
        "margin_initial": 0.50,
        "margin_maintenance": 0.25,
    }
    out.append(
        InstrumentSpec(
            BENCHMARK,
            "SPDR S&P 500 ETF",
            instrument_type="etf",
            market="US_NYSE",
            sector="Broad Market",
            industry="ETF",
            benchmark=None,
            start_price=480.0,
            driver="market",
            **equity,
        )
    )
    for sector, (etf, members) in SECTORS.items():
        out.append(
            InstrumentSpec(
                f"US.{etf}",
                f"{sector} Select Sector ETF",
                instrument_type="etf",
                market="US_NYSE",
                sector=sector,
                industry="ETF",
                start_price=80.0,
                driver=f"sector:{sector}",
                **equity,
            )
        )
        for ticker, name, industry, venue in members:
            out.append(
                InstrumentSpec(
                    f"US.{ticker}",
                    name,
                    instrument_type="stock",
                    market=venue,
                    sector=sector,
                    industry=industry,
                    driver=f"sector:{sector}",
                    **equity,
                )
            )
    for symbol, (name, _base, quote, price, tick, commodity) in FX_PAIRS.items():
        out.append(
            InstrumentSpec(
                symbol,
                name,
                "forex",
                "fx",
                "FX",
                quote,
                "Currencies",
                "Major pair",
                tick,
                1000,
                FX_HOURS,
                0.05,
                0.03,
                benchmark=None,
                start_price=price,
                driver=commodity,
            )
        )
    for symbol, (name, underlying, price, tick, mult, im, mm) in FUTURES.items():
        out.append(
            InstrumentSpec(
                symbol,
                name,
                "future",
                "future",
                "US_CME",
                "USD",
                "Index Futures" if underlying == "market" else "Energy Futures",
                None,
                tick,
                1,
                CME_HOURS,
                im,
                mm,
                contract_multiplier=mult,
                benchmark=None,
                start_price=price,
                driver=underlying,
            )
        )
    return out


def isin_for(spec: InstrumentSpec) -> str | None:
    """Return the synthetic ISIN of a stock or ETF; FX and futures have none."""
    return _isin(spec.ticker) if spec.asset_class == "equity" else None
