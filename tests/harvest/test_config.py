"""Harvest config files: the seed's example loads; mistakes name file and JSON path."""

from __future__ import annotations

import json

import pytest

from harvest.config import HarvestConfigError, load_harvest_config

SEED_EXAMPLE = {
    "harvest_config": {
        "instrument": {
            "symbol": "AAPL",
            "asset_class": "equity",
            "market": "US",
            "currency": "USD",
        },
        "drill_down_levels": [1, 3, 4],
        "timeframes": {
            "trading": "intraday",
            "analysis": ["5m", "15m", "1h", "daily"],
            "historical_lookback": "2y",
        },
        "update_frequency": {
            "fundamental": "daily",
            "technical": "real_time",
            "macro": "event_driven",
        },
    }
}


def _write(tmp_path, obj):
    path = tmp_path / "harvest.json"
    path.write_text(json.dumps(obj) if not isinstance(obj, str) else obj)
    return path


def test_seed_example_loads(tmp_path):
    cfg = load_harvest_config(_write(tmp_path, SEED_EXAMPLE))
    assert cfg.symbols() == ["US.AAPL"]
    assert cfg.drill_down_levels == [1, 3, 4]
    assert cfg.timeframes.lookback_days() == 732


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda c: c["harvest_config"].update(drill_down_levels=[1, 7]),
            "harvest_config.drill_down_levels: Value error, levels must be 1..5",
        ),
        (
            lambda c: c["harvest_config"]["timeframes"].update(historical_lookback="forever"),
            "harvest_config.timeframes.historical_lookback",
        ),
        (
            lambda c: c["harvest_config"]["timeframes"]["analysis"].append("3m"),
            "harvest_config.timeframes.analysis[4]",
        ),
        (
            lambda c: c["harvest_config"]["instrument"].update(colour="red"),
            "harvest_config.instrument.colour: Extra inputs are not permitted",
        ),
        (
            lambda c: c["harvest_config"]["instrument"].update(asset_class="crypto"),
            "harvest_config.instrument.asset_class",
        ),
        (
            lambda c: c["harvest_config"].update(universe="demo"),
            "give exactly one of instrument, instruments or universe",
        ),
    ],
)
def test_bad_configs_name_the_path(tmp_path, mutate, message):
    cfg = json.loads(json.dumps(SEED_EXAMPLE))
    mutate(cfg)
    path = _write(tmp_path, cfg)
    with pytest.raises(HarvestConfigError) as err:
        load_harvest_config(path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_not_json(tmp_path):
    with pytest.raises(HarvestConfigError, match="not JSON: line 1"):
        load_harvest_config(_write(tmp_path, "{oops"))
