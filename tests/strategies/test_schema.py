"""The committed JSON Schema is the one the model generates, and it accepts shipped files."""

from __future__ import annotations

import json

import pytest

from strategies._schema import REGENERATE, SCHEMA_PATH, schema_text
from tests.strategies.test_templates import SHIPPED


def test_committed_schema_matches_the_model():
    committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    assert committed == schema_text(), (
        f"{SCHEMA_PATH} is out of date with strategies/spec.py; regenerate it with: "
        f"{REGENERATE}  (or: drilldown strategy schema --write)"
    )


def test_schema_lists_the_vocabulary():
    schema = json.loads(schema_text())
    signal = schema["$defs"]["TechnicalSignal"]["properties"]
    assert "EMA_Cross" in signal["indicator"]["enum"]
    assert "between" in signal["condition"]["enum"]
    assert "$schema" in schema["properties"]
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_files_pass_the_json_schema(path):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(schema_text())
    jsonschema.validate(json.loads(path.read_text(encoding="utf-8")), schema)


def test_json_schema_refuses_unknown_fields():
    jsonschema = pytest.importorskip("jsonschema")
    data = json.loads(SHIPPED[0].read_text(encoding="utf-8"))
    data["strategy_meta"]["autor"] = "X"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json.loads(schema_text()))
