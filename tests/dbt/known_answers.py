"""Two hand-built companies and the paper formulas in exact rational arithmetic.

The dbt unit tests (dbt_project/models/intermediate/score_unit_tests.yml) feed these
companies to the score models and expect the values below; ``test_known_answers.py`` checks
that every expected value in that YAML is within 1e-9 of the exact value computed here, so
the chain "paper formula -> exact value -> YAML -> SQL" is closed at both ends. The same
functions evaluated in float64 (``num=float``), in the SQL's order of operations, give the
doubles the YAML expects: dbt compares unit-test rows exactly.

Amounts are in millions; t is FY2024, t-1 FY2023, t-2 FY2022.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml

GOODCO = {
    "symbol": "US.GOODCO",
    # period t
    "revenue": 1200,
    "cost_of_revenue": 720,
    "sga_expense": 180,
    "depreciation": 60,
    "ebit": 240,
    "net_income": 150,
    "net_income_continuing": 150,
    "cash_from_operations": 210,
    "total_assets": 1000,
    "current_assets": 400,
    "receivables": 120,
    "ppe_net": 400,
    "short_term_investments": 50,
    "total_liabilities": 450,
    "current_liabilities": 200,
    "long_term_debt": 150,
    "retained_earnings": 350,
    "total_equity": 550,
    "shares_outstanding": 100,
    # period t-1
    "revenue_1y": 1000,
    "cost_of_revenue_1y": 630,
    "sga_expense_1y": 160,
    "depreciation_1y": 55,
    "net_income_1y": 100,
    "total_assets_1y": 950,
    "current_assets_1y": 360,
    "receivables_1y": 110,
    "ppe_net_1y": 380,
    "short_term_investments_1y": 40,
    "current_liabilities_1y": 200,
    "long_term_debt_1y": 180,
    "shares_outstanding_1y": 102,
    # period t-2
    "total_assets_2y": 900,
    # market value of equity at available_at: 100 shares x 30.00
    "market_cap": 3000,
}

SHADY = {
    "symbol": "US.SHADY",
    "revenue": 800,
    "cost_of_revenue": 600,
    "sga_expense": 150,
    "depreciation": 20,
    "ebit": -10,
    "net_income": -40,
    "net_income_continuing": -40,
    "cash_from_operations": -60,
    "total_assets": 1000,
    "current_assets": 500,
    "receivables": 300,
    "ppe_net": 200,
    "short_term_investments": 0,
    "total_liabilities": 800,
    "current_liabilities": 450,
    "long_term_debt": 300,
    "retained_earnings": -100,
    "total_equity": 200,
    "shares_outstanding": 120,
    "revenue_1y": 700,
    "cost_of_revenue_1y": 490,
    "sga_expense_1y": 120,
    "depreciation_1y": 25,
    "net_income_1y": 20,
    "total_assets_1y": 850,
    "current_assets_1y": 420,
    "receivables_1y": 150,
    "ppe_net_1y": 210,
    "short_term_investments_1y": 10,
    "current_liabilities_1y": 300,
    "long_term_debt_1y": 200,
    "shares_outstanding_1y": 100,
    "total_assets_2y": 800,
    # 120 shares x 2.50
    "market_cap": 300,
}

COMPANIES = (GOODCO, SHADY)


Number = Callable[[object], Any]


def _values(c: dict, num: Number) -> dict[str, Any]:
    return {k: num(v) for k, v in c.items() if k != "symbol"}


def piotroski(c: dict, num: Number = Fraction) -> dict[str, int]:
    """Return Piotroski's nine signals and F (Piotroski 2000, table 1)."""
    x = _values(c, num)
    roa, roa_1y = x["net_income"] / x["total_assets_1y"], x["net_income_1y"] / x["total_assets_2y"]
    lev = x["long_term_debt"] / ((x["total_assets"] + x["total_assets_1y"]) / 2)
    lev_1y = x["long_term_debt_1y"] / ((x["total_assets_1y"] + x["total_assets_2y"]) / 2)
    gm = (x["revenue"] - x["cost_of_revenue"]) / x["revenue"]
    gm_1y = (x["revenue_1y"] - x["cost_of_revenue_1y"]) / x["revenue_1y"]
    out = {
        "f_roa": roa > 0,
        "f_cfo": x["cash_from_operations"] / x["total_assets_1y"] > 0,
        "f_delta_roa": roa > roa_1y,
        "f_accrual": x["cash_from_operations"] > x["net_income"],
        "f_delta_leverage": lev < lev_1y,
        "f_delta_liquidity": x["current_assets"] / x["current_liabilities"]
        > x["current_assets_1y"] / x["current_liabilities_1y"],
        "f_equity_offer": x["shares_outstanding"] <= x["shares_outstanding_1y"],
        "f_delta_margin": gm > gm_1y,
        "f_delta_turnover": x["revenue"] / x["total_assets_1y"]
        > x["revenue_1y"] / x["total_assets_2y"],
    }
    out = {k: int(v) for k, v in out.items()}
    out["piotroski_f_score"] = sum(out.values())
    return out


def altman(c: dict, num: Number = Fraction) -> dict[str, Any]:
    """Return Altman's Z (1968) and Z'' (1995) with their ratios."""
    x = _values(c, num)
    ta, tl = x["total_assets"], x["total_liabilities"]
    x1 = (x["current_assets"] - x["current_liabilities"]) / ta
    x2, x3 = x["retained_earnings"] / ta, x["ebit"] / ta
    x4, x5 = x["market_cap"] / tl, x["revenue"] / ta
    z = num("1.2") * x1 + num("1.4") * x2 + num("3.3") * x3 + num("0.6") * x4 + x5
    x4_book = x["total_equity"] / tl
    zpp = num("6.56") * x1 + num("3.26") * x2 + num("6.72") * x3 + num("1.05") * x4_book
    return {
        "altman_x1": x1,
        "altman_x2": x2,
        "altman_x3": x3,
        "altman_x4": x4,
        "altman_x5": x5,
        "altman_z_score": z,
        "altman_z_double_prime": zpp,
    }


def beneish(c: dict, num: Number = Fraction) -> dict[str, Any]:
    """Return Beneish's eight indices and M (Beneish 1999, table 3, eight-variable model)."""
    x = _values(c, num)

    def gm(s: str) -> Any:
        return (x["revenue" + s] - x["cost_of_revenue" + s]) / x["revenue" + s]

    def aq(s: str) -> Any:
        hard = x["current_assets" + s] + x["ppe_net" + s] + x["short_term_investments" + s]
        return 1 - hard / x["total_assets" + s]

    def dep(s: str) -> Any:
        return x["depreciation" + s] / (x["depreciation" + s] + x["ppe_net" + s])

    def lev(s: str) -> Any:
        return (x["current_liabilities" + s] + x["long_term_debt" + s]) / x["total_assets" + s]

    idx = {
        "beneish_dsri": (x["receivables"] / x["revenue"]) / (x["receivables_1y"] / x["revenue_1y"]),
        "beneish_gmi": gm("_1y") / gm(""),
        "beneish_aqi": aq("") / aq("_1y"),
        "beneish_sgi": x["revenue"] / x["revenue_1y"],
        "beneish_depi": dep("_1y") / dep(""),
        "beneish_sgai": (x["sga_expense"] / x["revenue"]) / (x["sga_expense_1y"] / x["revenue_1y"]),
        "beneish_lvgi": lev("") / lev("_1y"),
        "beneish_tata": (x["net_income_continuing"] - x["cash_from_operations"])
        / x["total_assets"],
    }
    m = (
        num("-4.84")
        + num("0.920") * idx["beneish_dsri"]
        + num("0.528") * idx["beneish_gmi"]
        + num("0.404") * idx["beneish_aqi"]
        + num("0.892") * idx["beneish_sgi"]
        + num("0.115") * idx["beneish_depi"]
        - num("0.172") * idx["beneish_sgai"]
        + num("4.679") * idx["beneish_tata"]
        - num("0.327") * idx["beneish_lvgi"]
    )
    return {**idx, "beneish_m_score": m}


# --- The dbt unit-test YAML, generated from the companies above -------------------------

UNIT_TEST_YAML = (
    Path(__file__).resolve().parents[2]
    / "dbt_project"
    / "models"
    / "intermediate"
    / "score_unit_tests.yml"
)
_KEYS = {
    "fiscal_period_end": "2024-12-31",
    "fiscal_period": "FY",
    "basis": "annual",
    "available_at": "2025-02-20 21:05:00+00",
}
# A company with two fiscal years only: Piotroski needs three, so every signal is NULL.
YOUNG = {**GOODCO, "symbol": "US.YOUNG", "total_assets_2y": None}
_PIOTROSKI = (
    "f_roa",
    "f_cfo",
    "f_delta_roa",
    "f_accrual",
    "f_delta_leverage",
    "f_delta_liquidity",
    "f_equity_offer",
    "f_delta_margin",
    "f_delta_turnover",
    "piotroski_f_score",
)

_DESCRIPTIONS = {
    "piotroski": """\
Hand-worked (Piotroski 2000), amounts in millions, t = FY2024.
US.GOODCO: ROA = 150/950 = 0.1579 > 0 (1); CFO/TA = 210/950 > 0 (1); ROA_t-1 = 100/900 = 0.1111
< 0.1579 (1); CFO 210 > NI 150 (1); leverage 150/((1000+950)/2) = 0.1538 < 180/((950+900)/2) =
0.1946 (1); current ratio 400/200 = 2.0 > 360/200 = 1.8 (1); shares 100 <= 102 (1); gross margin
480/1200 = 0.40 > 370/1000 = 0.37 (1); turnover 1200/950 = 1.2632 > 1000/900 = 1.1111 (1). F =
9.
US.SHADY: ROA = -40/850 < 0 (0); CFO -60 < 0 (0); ROA -0.0471 < 20/800 = 0.025 (0); CFO -60 < NI
-40 (0); leverage 300/925 = 0.3243 > 200/825 = 0.2424 (0); current ratio 500/450 = 1.111 <
420/300 = 1.4 (0); shares 120 > 100 (0); margin 0.25 < 0.30 (0); turnover 800/850 = 0.9412 >
700/800 = 0.875 (1). F = 1.
US.YOUNG: GOODCO without FY2022 total assets: ROA_t-1 is unknown, so every signal and F are
NULL.""",
    "altman": """\
Hand-worked (Altman 1968; Z'' Altman 1995).
US.GOODCO: X1 = (400-200)/1000 = 0.2; X2 = 350/1000 = 0.35; X3 = 240/1000 = 0.24; X4 = 3000/450
= 6.6667; X5 = 1200/1000 = 1.2. Z = 1.2*0.2 + 1.4*0.35 + 3.3*0.24 + 0.6*6.6667 + 1.0*1.2 = 0.24
+ 0.49 + 0.792 + 4.0 + 1.2 = 6.722 (safe). Z'' = 6.56*0.2 + 3.26*0.35 + 6.72*0.24 + 1.05*550/450
= 1.312 + 1.141 + 1.6128 + 1.283333 = 5.349133 (safe).
US.SHADY: X1 = (500-450)/1000 = 0.05; X2 = -100/1000 = -0.1; X3 = -10/1000 = -0.01; X4 = 300/800
= 0.375; X5 = 0.8. Z = 0.06 - 0.14 - 0.033 + 0.225 + 0.8 = 0.912 (distress). Z'' = 0.328 - 0.326
- 0.0672 + 1.05*0.25 = 0.1973 (distress).""",
    "beneish": """\
Hand-worked (Beneish 1999, eight-variable model).
US.GOODCO: DSRI = (120/1200)/(110/1000) = 0.909091; GMI = 0.37/0.40 = 0.925; AQI =
(1-850/1000)/(1-780/950) = 0.15/0.178947 = 0.838235; SGI = 1200/1000 = 1.2; DEPI =
(55/435)/(60/460) = 0.969349; SGAI = 0.15/0.16 = 0.9375; LVGI = 0.35/(380/950) = 0.875; TATA =
(150-210)/1000 = -0.06. M = -4.84 + 0.920*0.909091 + 0.528*0.925 + 0.404*0.838235 + 0.892*1.2 +
0.115*0.969349 - 0.172*0.9375 + 4.679*(-0.06) - 0.327*0.875 = -2.722829 (no flag).
US.SHADY: DSRI = 0.375/(150/700) = 1.75; GMI = 0.30/0.25 = 1.2; AQI = (1-700/1000)/(1-640/850) =
1.214286; SGI = 800/700 = 1.142857; DEPI = (25/235)/(20/220) = 1.170213; SGAI = 0.1875/(120/700)
= 1.09375; LVGI = 0.75/(500/850) = 1.275; TATA = (-40+60)/1000 = 0.02. M = -4.84 + 1.61 + 0.6336
+ 0.490571 + 1.019429 + 0.134574 - 0.188125 + 0.09358 - 0.416925 = -1.463296 > -1.78 (flag).""",
}


def _history_rows(companies: tuple[dict, ...]) -> list[dict]:
    fields = [k for k in GOODCO if k not in ("symbol", "market_cap")]
    return [{"symbol": c["symbol"], **_KEYS, **{k: c[k] for k in fields}} for c in companies]


def unit_tests() -> dict:
    """Return the dbt unit-test document for the three score models."""
    prices = [
        {
            "symbol": c["symbol"],
            "fiscal_period_end": _KEYS["fiscal_period_end"],
            "fiscal_period": "FY",
            "market_cap": c["market_cap"],
        }
        for c in COMPANIES
    ]
    history = {"input": "ref('int_period_history')", "rows": _history_rows(COMPANIES)}
    return {
        "version": 2,
        "unit_tests": [
            {
                "name": "piotroski_known_answers",
                "model": "int_piotroski",
                "description": _DESCRIPTIONS["piotroski"],
                "given": [
                    {
                        "input": "ref('int_period_history')",
                        "rows": _history_rows((*COMPANIES, YOUNG)),
                    }
                ],
                "expect": {
                    "rows": [{"symbol": c["symbol"], **piotroski(c)} for c in COMPANIES]
                    + [{"symbol": YOUNG["symbol"], **dict.fromkeys(_PIOTROSKI)}]
                },
            },
            {
                "name": "altman_known_answers",
                "model": "int_altman",
                "description": _DESCRIPTIONS["altman"],
                "given": [history, {"input": "ref('int_period_prices')", "rows": prices}],
                "expect": {
                    "rows": [
                        {
                            "symbol": c["symbol"],
                            **altman(c, float),
                            "altman_z_zone": zone,
                            "altman_z_double_prime_zone": zone,
                        }
                        for c, zone in zip(COMPANIES, ("safe", "distress"), strict=True)
                    ]
                },
            },
            {
                "name": "beneish_known_answers",
                "model": "int_beneish",
                "description": _DESCRIPTIONS["beneish"],
                "given": [history],
                "expect": {
                    "rows": [
                        {"symbol": c["symbol"], **beneish(c, float), "beneish_flag": flag}
                        for c, flag in zip(COMPANIES, (False, True), strict=True)
                    ]
                },
            },
        ],
    }


def render() -> str:
    """Return the unit-test YAML as committed."""

    class _Dumper(yaml.SafeDumper):
        pass

    def _text(dumper: yaml.SafeDumper, s: str) -> yaml.Node:
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|" if "\n" in s else None)

    _Dumper.add_representer(str, _text)
    header = (
        "# Generated by `python tests/dbt/known_answers.py` from the companies in that file;\n"
        "# tests/dbt/test_known_answers.py checks it against exact arithmetic.\n"
    )
    return header + yaml.dump(unit_tests(), Dumper=_Dumper, sort_keys=False, width=200)


if __name__ == "__main__":
    UNIT_TEST_YAML.write_text(render())
