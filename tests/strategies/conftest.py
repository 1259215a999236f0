"""Fixtures for strategy-file tests: the seed example and a way to break it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SEED_EXAMPLE = ROOT / "strategies" / "examples" / "seed_example.json"


@pytest.fixture
def seed() -> dict[str, Any]:
    """Return a fresh copy of the seed's section 4.1 example."""
    return json.loads(SEED_EXAMPLE.read_text(encoding="utf-8"))


@pytest.fixture
def mutated(seed: dict[str, Any]) -> Callable[[Callable[[dict[str, Any]], None]], dict[str, Any]]:
    """Return a function applying an edit to a copy of the seed example."""

    def apply(edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        data = copy.deepcopy(seed)
        edit(data)
        return data

    return apply
