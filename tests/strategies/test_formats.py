"""The string mini-formats parse into typed values and print back as written."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter, ValidationError

from strategies._formats import (
    Bars,
    BarsField,
    Distance,
    DistanceField,
    Latency,
    LatencyField,
    MeasureField,
    RField,
    RMultiple,
    VolMeasure,
)

CASES = [
    (BarsField, "2_bars", Bars(2), "2_bars"),
    (BarsField, "1_bar", Bars(1), "1_bars"),
    (RField, "1.5_r", RMultiple(1.5), "1.5_r"),
    (RField, "2_r", RMultiple(2.0), "2_r"),
    (DistanceField, "1_atr", Distance(1.0, "atr"), "1_atr"),
    (DistanceField, "0.5_pct", Distance(0.5, "pct"), "0.5_pct"),
    (LatencyField, "50ms", Latency(50.0), "50ms"),
    (LatencyField, "0.2s", Latency(200.0), "200ms"),
    (MeasureField, "atr_14", VolMeasure("atr", 14), "atr_14"),
]


@pytest.mark.parametrize(("field", "text", "value", "back"), CASES)
def test_parse_and_print(field, text, value, back):
    adapter = TypeAdapter(field)
    assert adapter.validate_python(text) == value
    assert adapter.dump_python(value, mode="json") == back


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (BarsField, "2 bars"),
        (BarsField, "-1_bars"),
        (BarsField, 2),
        (RField, "0_r"),
        (DistanceField, "1_atrs"),
        (LatencyField, "50"),
        (MeasureField, "atr_0"),
        (MeasureField, "rsi_14"),
    ],
)
def test_refuse(field, text):
    with pytest.raises(ValidationError):
        TypeAdapter(field).validate_python(text)
