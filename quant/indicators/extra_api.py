"""Indicators TA-Lib lacks, with the same conventions: arrays in, arrays out, no lookahead.

Each function is documented in its module and in docs/indicators.md ("Beyond TA-Lib").
Detectors (`chart_patterns`, `harmonic_patterns`) return one DataFrame row per detection,
reported at the bar that completes it.
"""

from quant.indicators.adaptive import frama, vidya
from quant.indicators.channels import bollinger_pct_b, donchian_channels, keltner_channels
from quant.indicators.divergence import (
    divergence,
    macd_divergence,
    mfi_divergence,
    rsi_divergence,
)
from quant.indicators.exits import chandelier_exit
from quant.indicators.ichimoku import ichimoku
from quant.indicators.patterns.chart import chart_patterns
from quant.indicators.patterns.harmonic import harmonic_patterns
from quant.indicators.swings import swing_points
from quant.indicators.volume_profile import (
    anchored_volume_profile,
    session_volume_profile,
    volume_profile,
)
from quant.indicators.vwap import vwap, vwap_bands

__all__ = [
    "anchored_volume_profile",
    "bollinger_pct_b",
    "chandelier_exit",
    "chart_patterns",
    "divergence",
    "donchian_channels",
    "frama",
    "harmonic_patterns",
    "ichimoku",
    "keltner_channels",
    "macd_divergence",
    "mfi_divergence",
    "rsi_divergence",
    "session_volume_profile",
    "swing_points",
    "vidya",
    "volume_profile",
    "vwap",
    "vwap_bands",
]
