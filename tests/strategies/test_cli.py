"""``drilldown strategy``: validate, new, list-templates, explain."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from drilldown_cli.strategy import strategy_app
from strategies.library import TEMPLATES_DIR
from tests.strategies.conftest import SEED_EXAMPLE

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(strategy_app, list(args))


def test_registered_on_the_main_app():
    from drilldown_cli.main import app

    result = runner.invoke(app, ["strategy", "list-templates"])
    assert result.exit_code == 0 and "carry_trade" in result.output


def test_validate_all_valid_exits_zero():
    result = _run("validate", str(SEED_EXAMPLE), *map(str, sorted(TEMPLATES_DIR.glob("*.json"))))
    assert result.exit_code == 0, result.output
    assert f"{SEED_EXAMPLE}: ok (spec_id 2379d5ae4452ffb9)" in result.output


def test_validate_reports_every_error_with_file_and_path(tmp_path, seed):
    seed["entry_conditions"]["technical_signals"][2]["params"]["ma_period"] = -5
    seed["strategy_meta"]["autor"] = "X"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(seed), encoding="utf-8")
    result = _run("validate", str(SEED_EXAMPLE), str(bad))
    assert result.exit_code == 1
    assert f"{bad}: entry_conditions.technical_signals[2].params.ma_period: must be > 0" in (
        result.output
    )
    assert f"{bad}: strategy_meta.autor: unknown field" in result.output
    assert "1 of 2 file(s) invalid" in result.output


def test_validate_missing_file_fails(tmp_path):
    result = _run("validate", str(tmp_path / "nope.json"))
    assert result.exit_code == 1
    assert "nope.json: no such file" in result.output


def test_list_templates():
    result = _run("list-templates")
    assert result.exit_code == 0
    for name in (
        "momentum_breakout",
        "mean_reversion",
        "trend_following",
        "earnings_play",
        "carry_trade",
    ):
        assert name in result.output


def test_new_writes_a_valid_file_pointing_at_the_schema(tmp_path):
    out = tmp_path / "mine" / "breakout.json"
    result = _run("new", "--template", "momentum_breakout", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert _run("validate", str(out)).exit_code == 0
    ref = json.loads(out.read_text(encoding="utf-8"))["$schema"]
    assert ref.endswith("strategies/schema/strategy.schema.json")
    assert (out.parent / ref).resolve().is_file()
    again = _run("new", "--template", "momentum_breakout", "-o", str(out))
    assert again.exit_code == 2 and "--force" in again.output


def test_new_unknown_template(tmp_path):
    result = _run("new", "--template", "momentum", "-o", str(tmp_path / "x.json"))
    assert result.exit_code == 2
    assert "no template 'momentum'" in result.output


def test_explain_summarises_in_plain_language():
    result = _run("explain", str(TEMPLATES_DIR / "trend_following.json"))
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Multi-Timeframe Trend Following" in text
    assert "reads 15m, 1h, daily" in text
    assert "ADX(period=14) above 25" in text
    assert "chandelier exit" in text
    assert "Sizing:" in text


def test_explain_seed_lists_gate_and_exits():
    text = _run("explain", str(SEED_EXAMPLE)).output
    assert "Piotroski F-score (0..9) >= 6 (marts.fundamental_scores.piotroski_f_score)" in text
    assert "EMA_Cross(fast=9, slow=21) fast line crosses above slow line" in text
    assert "Target: 2R; after 1.5R, trail 1 ATR behind." in text


def test_explain_invalid_file_fails(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}", encoding="utf-8")
    result = _run("explain", str(bad))
    assert result.exit_code == 1
    assert "strategy_meta: required field is missing" in result.output
