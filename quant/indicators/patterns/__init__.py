"""Pattern recognition: chart patterns and harmonic patterns on confirmed swing points."""

from quant.indicators.patterns.chart import chart_patterns
from quant.indicators.patterns.harmonic import HARMONIC_RATIOS, harmonic_patterns

__all__ = ["HARMONIC_RATIOS", "chart_patterns", "harmonic_patterns"]
