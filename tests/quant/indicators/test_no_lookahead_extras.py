"""No function in extra_api may read a bar after the one it reports on.

For every name in ``extra_api.__all__`` the output on the first ``k`` bars must equal the first
``k`` rows of the output on the whole series (for detectors: the detections completed before
bar ``k``). A new public function without an input builder here fails `test_every_function_has
_a_builder`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from quant.indicators import extra_api

N = 600
CUTS = (35, 150, 333, 480, 599)


def _market(n: int = N, seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    # A random walk with regime-like drift changes so swings, patterns and divergences occur.
    drift = np.repeat(rng.normal(0.0, 0.004, n // 50 + 1), 50)[:n]
    close = 100.0 * np.exp(np.cumsum(drift + rng.normal(0.0, 0.012, n)))
    open_ = np.r_[close[0], close[:-1]]
    high = np.maximum(open_, close) * (1.0 + np.abs(rng.normal(0.0, 0.004, n)))
    low = np.minimum(open_, close) * (1.0 - np.abs(rng.normal(0.0, 0.004, n)))
    volume = rng.lognormal(10.0, 0.5, n)
    session = np.arange(n, dtype=np.int64) // 40
    return {"high": high, "low": low, "close": close, "volume": volume, "session": session}


def _hlc(d: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
    return d["high"], d["low"], d["close"]


def _fixed_profile_per_bar(d: dict[str, np.ndarray]) -> np.ndarray:
    # A fixed-range profile is reported for the range's last bar: profile bars 0..j for each j.
    h, lo, v = d["high"], d["low"], d["volume"]
    rows = [extra_api.volume_profile(h[: j + 1], lo[: j + 1], v[: j + 1]) for j in range(h.size)]
    return np.array([[r.poc, r.vah, r.val] for r in rows])


BUILDERS: dict[str, Callable[[dict[str, np.ndarray]], Any]] = {
    "anchored_volume_profile": lambda d: extra_api.anchored_volume_profile(
        d["high"], d["low"], d["volume"], anchor=20
    ),
    "bollinger_pct_b": lambda d: extra_api.bollinger_pct_b(d["close"]),
    "chandelier_exit": lambda d: extra_api.chandelier_exit(*_hlc(d)),
    "chart_patterns": lambda d: extra_api.chart_patterns(*_hlc(d), tolerance=0.2, min_height=1.5),
    "divergence": lambda d: extra_api.divergence(
        d["high"], d["low"], d["close"] - pd.Series(d["close"]).ewm(span=10).mean().to_numpy(),
        left=3, right=3,
    ),
    "donchian_channels": lambda d: extra_api.donchian_channels(d["high"], d["low"]),
    "frama": lambda d: extra_api.frama(d["high"], d["low"]),
    "harmonic_patterns": lambda d: extra_api.harmonic_patterns(
        *_hlc(d), left=2, right=2, tolerance=0.25
    ),
    "ichimoku": lambda d: extra_api.ichimoku(*_hlc(d)),
    "keltner_channels": lambda d: extra_api.keltner_channels(*_hlc(d), source="typical"),
    "macd_divergence": lambda d: extra_api.macd_divergence(*_hlc(d), left=3, right=3),
    "mfi_divergence": lambda d: extra_api.mfi_divergence(*_hlc(d), d["volume"], left=3, right=3),
    "rsi_divergence": lambda d: extra_api.rsi_divergence(*_hlc(d), left=3, right=3),
    "session_volume_profile": lambda d: extra_api.session_volume_profile(
        d["high"], d["low"], d["volume"], d["session"]
    ),
    "swing_points": lambda d: extra_api.swing_points(d["high"], d["low"]),
    "vidya": lambda d: extra_api.vidya(d["close"]),
    "volume_profile": _fixed_profile_per_bar,
    "vwap": lambda d: extra_api.vwap(*_hlc(d), d["volume"], d["session"]),
    "vwap_bands": lambda d: extra_api.vwap_bands(
        *_hlc(d), d["volume"], d["session"], nbdevup=2.0, nbdevdn=1.5
    ),
}


def _arrays(out: Any) -> list[np.ndarray]:
    if isinstance(out, np.ndarray):
        return [out]
    return [np.asarray(a) for a in out]


def _has_signal(a: np.ndarray) -> bool:
    values = a.astype(float)
    return bool(np.any(np.isfinite(values) & (values != 0.0)))


def test_every_function_has_a_builder() -> None:
    assert sorted(BUILDERS) == sorted(extra_api.__all__)


@pytest.mark.parametrize("name", sorted(extra_api.__all__))
def test_prefix_output_is_prefix_of_full_output(name: str) -> None:
    data = _market()
    full = BUILDERS[name](data)
    informative = False
    for k in CUTS:
        part = BUILDERS[name]({key: v[:k] for key, v in data.items()})
        if isinstance(full, pd.DataFrame):
            expected = full[full["bar"] < k].reset_index(drop=True)
            pd.testing.assert_frame_equal(part, expected)
            informative |= 0 < len(expected) < len(full)
            continue
        for a_part, a_full in zip(_arrays(part), _arrays(full), strict=True):
            np.testing.assert_array_equal(a_part, a_full[:k])
            informative |= _has_signal(a_full[:k])
    # A check over all-NaN or never-firing output would prove nothing.
    assert informative, f"{name} produced nothing to compare on the test series"
