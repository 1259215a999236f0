"""Sentiment scores for news headlines and social posts: VADER tuned for finance.

VADER (Hutto and Gilbert, 2014) is a rule-based scorer built for social media. Its lexicon
misses the words that carry the tone of market news ("shares plunge" scores about zero) and
reads some finance vocabulary with its everyday meaning ("shares" is positive, "crude" and
"liability" negative). Loughran and McDonald (2011, "When is a liability not a liability?")
showed that general-purpose word lists misclassify financial text this way and built a
finance-specific list instead. Following that idea, :data:`FINANCE_LEXICON` adds a few dozen
finance words and phrases with valences on VADER's -4..+4 scale, and :data:`NEUTRAL_IN_FINANCE`
removes the everyday valence of words that are neutral in filings and market news.

The lexicons ship with the ``vaderSentiment`` package, so nothing is downloaded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

LABEL_THRESHOLD = 0.05  # VADER's customary cut-off on the compound score

# Every inflection is listed because VADER matches whole tokens and does not stem.
FINANCE_LEXICON: dict[str, float] = {
    **dict.fromkeys(("beat", "beats", "topped", "tops"), 2.0),
    **dict.fromkeys(("miss", "misses", "missed"), -2.0),
    **dict.fromkeys(("upgrade", "upgrades", "upgraded"), 2.0),
    **dict.fromkeys(("downgrade", "downgrades", "downgraded"), -2.0),
    **dict.fromkeys(("outperform", "outperforms", "outperformed", "overweight"), 1.8),
    **dict.fromkeys(("underperform", "underperforms", "underperformed", "underweight"), -1.8),
    **dict.fromkeys(("soar", "soars", "soared", "soaring", "skyrocket", "skyrockets"), 2.6),
    **dict.fromkeys(("surge", "surges", "surged", "surging"), 2.3),
    **dict.fromkeys(("rally", "rallies", "rallied", "rallying"), 2.0),
    **dict.fromkeys(("jump", "jumps", "jumped", "climb", "climbs", "climbed"), 1.6),
    **dict.fromkeys(("rebound", "rebounds", "rebounded", "recovers", "recovered"), 1.4),
    **dict.fromkeys(("rise", "rises", "rose", "gains", "gained", "higher"), 1.0),
    **dict.fromkeys(("plunge", "plunges", "plunged", "plunging", "crater", "craters"), -2.6),
    **dict.fromkeys(("tumble", "tumbles", "tumbled", "tank", "tanks", "tanked"), -2.4),
    **dict.fromkeys(("slump", "slumps", "slumped", "sink", "sinks", "sank"), -2.2),
    **dict.fromkeys(("slide", "slides", "slid", "drop", "drops", "dropped"), -1.6),
    **dict.fromkeys(("fall", "falls", "fell", "decline", "declines", "declined"), -1.2),
    **dict.fromkeys(("selloff", "sell-off", "rout", "meltdown"), -2.4),
    **dict.fromkeys(("bullish", "upbeat", "tailwind", "tailwinds"), 1.8),
    **dict.fromkeys(("bearish", "headwind", "headwinds", "slowdown"), -1.8),
    **dict.fromkeys(("bankruptcy", "insolvency", "delisting", "delisted"), -3.2),
    **dict.fromkeys(("default", "defaults", "defaulted", "writedown", "impairment"), -2.2),
    **dict.fromkeys(("layoffs", "recall", "probe", "investigation", "lawsuit"), -1.6),
    **dict.fromkeys(("volatility", "jitters", "bagholder", "bagholders"), -1.4),
    **dict.fromkeys(("rekt", "wrecked"), -2.5),
    **dict.fromkeys(("buyback", "buybacks", "dividend"), 1.2),
    # Phrase tokens produced by _PHRASES below.
    "guidance_raise": 2.4,
    "guidance_cut": -2.6,
    "target_raise": 1.8,
    "target_cut": -1.8,
    "record_high": 2.2,
    "to_the_moon": 2.6,
    "in_line": 0.0,
}
# Words VADER rates that are neutral in filings and market news ("shares", "crude oil",
# "gross margin", "tax liability").
NEUTRAL_IN_FINANCE = ("share", "shares", "crude", "gross", "liability", "liabilities")
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), token)
    for pattern, token in (
        (r"\b(?:raises|raised|raise|lifts|lifted|boosts|boosted)\s+(?:its\s+|full-year\s+)?"
         r"(?:guidance|outlook|forecast)\b", "guidance_raise"),
        (r"\b(?:cuts|cut|lowers|lowered|slashes|slashed)\s+(?:its\s+|full-year\s+)?"
         r"(?:guidance|outlook|forecast)\b", "guidance_cut"),
        (r"\b(?:guidance|outlook|forecast)\s+(?:cut|lowered|slashed)\b", "guidance_cut"),
        (r"\b(?:price\s+)?target\s+(?:raised|lifted)\b", "target_raise"),
        (r"\b(?:raises|lifts)\s+(?:its\s+)?(?:price\s+)?target\b", "target_raise"),
        (r"\b(?:price\s+)?target\s+(?:cut|lowered)\b", "target_cut"),
        (r"\b(?:cuts|lowers)\s+(?:its\s+)?(?:price\s+)?target\b", "target_cut"),
        (r"\b(?:all-time|record)\s+highs?\b", "record_high"),
        (r"\bto\s+the\s+moon\b", "to_the_moon"),
        (r"\bin\s+line\b", "in_line"),
    )
)


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    """Build VADER once, with the finance lexicon merged in."""
    analyzer = SentimentIntensityAnalyzer()
    for word in NEUTRAL_IN_FINANCE:
        analyzer.lexicon.pop(word, None)
    analyzer.lexicon.update(FINANCE_LEXICON)
    return analyzer


def _normalise(text: str) -> str:
    """Fold multi-word finance phrases into single tokens VADER can look up."""
    for pattern, token in _PHRASES:
        text = pattern.sub(token, text)
    return text


def score_texts(texts: Sequence[str]) -> pd.DataFrame:
    """Score each text with finance-tuned VADER.

    Parameters
    ----------
    texts
        Headlines or posts; ``None`` or an empty string scores as neutral.

    Returns
    -------
    pandas.DataFrame
        One row per text, in order: ``compound`` (-1..1), ``positive``, ``negative`` and
        ``neutral`` (shares of the text, summing to 1) and ``label``: ``positive`` when
        compound >= :data:`LABEL_THRESHOLD`, ``negative`` when <= -threshold, else
        ``neutral``.
    """
    analyzer = _analyzer()
    rows = [
        analyzer.polarity_scores(_normalise(t)) if t else {"neg": 0.0, "neu": 1.0, "pos": 0.0,
                                                          "compound": 0.0}
        for t in texts
    ]
    frame = pd.DataFrame(rows, columns=["compound", "pos", "neg", "neu"], dtype="float64")
    frame = frame.rename(columns={"pos": "positive", "neg": "negative", "neu": "neutral"})
    compound = frame["compound"].to_numpy()
    frame["label"] = np.select(
        [compound >= LABEL_THRESHOLD, compound <= -LABEL_THRESHOLD],
        ["positive", "negative"],
        default="neutral",
    )
    return frame
