"""The dbt unit tests' expected scores agree with exact arithmetic, and the YAML is current."""

from __future__ import annotations

from fractions import Fraction

import pytest
import yaml

from tests.dbt.known_answers import COMPANIES, UNIT_TEST_YAML, altman, beneish, piotroski, render


def _expected(test_name: str) -> dict[str, dict]:
    doc = yaml.safe_load(UNIT_TEST_YAML.read_text())
    test = next(t for t in doc["unit_tests"] if t["name"] == test_name)
    return {row["symbol"]: row for row in test["expect"]["rows"]}


def test_committed_yaml_is_generated_from_the_companies():
    assert UNIT_TEST_YAML.read_text() == render(), "run: python tests/dbt/known_answers.py"


@pytest.mark.parametrize(
    ("test_name", "formula"),
    [("altman_known_answers", altman), ("beneish_known_answers", beneish)],
)
def test_expected_values_are_the_exact_values_within_1e_9(test_name, formula):
    expected = _expected(test_name)
    for company in COMPANIES:
        exact = formula(company)  # Fractions: no rounding anywhere
        row = expected[company["symbol"]]
        for name, value in exact.items():
            assert isinstance(value, Fraction)
            assert abs(Fraction(row[name]) - value) <= Fraction(1, 10**9) * max(1, abs(value)), (
                company["symbol"],
                name,
                row[name],
                float(value),
            )


def test_piotroski_expectations_are_exact():
    expected = _expected("piotroski_known_answers")
    for company in COMPANIES:
        row = expected[company["symbol"]]
        assert {k: row[k] for k in piotroski(company)} == piotroski(company)
    assert expected["US.GOODCO"]["piotroski_f_score"] == 9
    assert expected["US.SHADY"]["piotroski_f_score"] == 1
    assert expected["US.YOUNG"]["piotroski_f_score"] is None


def test_the_two_companies_span_the_thresholds():
    good, shady = COMPANIES
    assert altman(good)["altman_z_score"] > Fraction("2.99")
    assert altman(shady)["altman_z_score"] < Fraction("1.81")
    assert beneish(good)["beneish_m_score"] < Fraction("-1.78") < beneish(shady)["beneish_m_score"]
