"""Order latency: the delay between a decision and the order being live at the venue."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import numpy as np

_NS_PER_MS = 1_000_000


class LatencyKind(StrEnum):
    """Shape of the latency distribution."""

    CONSTANT = "constant"
    UNIFORM = "uniform"
    LOGNORMAL = "lognormal"


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """A latency distribution in milliseconds; the default is uniform on [20, 200] ms.

    Parameters
    ----------
    kind
        ``constant`` (always ``low_ms``), ``uniform`` on ``[low_ms, high_ms]``, or
        ``lognormal`` with median ``low_ms`` and log-standard deviation ``sigma``, clipped to
        ``high_ms`` so one draw cannot stall an order for minutes.
    low_ms, high_ms
        Bounds (or median and cap for ``lognormal``).
    sigma
        Log-scale spread of the lognormal.
    """

    kind: LatencyKind = LatencyKind.UNIFORM
    low_ms: float = 20.0
    high_ms: float = 200.0
    sigma: float = 0.5

    def __post_init__(self) -> None:
        """Reject negative or inverted bounds."""
        if self.low_ms < 0 or (
            self.kind is not LatencyKind.CONSTANT and self.high_ms < self.low_ms
        ):
            raise ValueError(f"bad latency bounds {self.low_ms}..{self.high_ms} ms")

    def sample_ns(self, rng: np.random.Generator) -> int:
        """Return one latency draw in nanoseconds (constant draws consume no randomness)."""
        if self.kind is LatencyKind.CONSTANT:
            ms = self.low_ms
        elif self.kind is LatencyKind.UNIFORM:
            ms = self.low_ms + (self.high_ms - self.low_ms) * float(rng.random())
        else:
            ms = min(self.low_ms * float(np.exp(self.sigma * rng.standard_normal())), self.high_ms)
        return round(ms * _NS_PER_MS)


def constant_latency(ms: float) -> LatencyModel:
    """Return a fixed latency of ``ms`` milliseconds (0 for an instant order)."""
    return LatencyModel(kind=LatencyKind.CONSTANT, low_ms=ms, high_ms=ms)
