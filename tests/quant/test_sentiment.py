import subprocess
import sys

import numpy as np
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from quant.sentiment import LABEL_THRESHOLD, score_texts

# Hand-labelled finance headlines. The last neutral one is a known miss ("rose" reads as
# positive), kept so the accuracy bar is measured, not assumed.
HEADLINES = [
    ("Company beats estimates and raises outlook", "positive"),
    ("Shares soar after record quarterly revenue", "positive"),
    ("Analyst upgrades Nike to outperform, raises price target", "positive"),
    ("Chipmaker stock surges on strong data center demand", "positive"),
    ("Retailer tops profit forecasts, lifts full-year guidance", "positive"),
    ("Bank shares rally as loan growth accelerates", "positive"),
    ("Stocks climb to record high as inflation cools", "positive"),
    ("Board approves $10 billion buyback", "positive"),
    ("Shares rebound after upbeat guidance", "positive"),
    ("Shares plunge after guidance cut", "negative"),
    ("Company misses estimates as margins shrink", "negative"),
    ("Analyst downgrades Boeing to underperform", "negative"),
    ("Retailer files for bankruptcy protection", "negative"),
    ("Oil major slumps as crude prices tumble", "negative"),
    ("Bank stock tumbles on regulatory probe", "negative"),
    ("Airline cuts outlook, shares sink", "negative"),
    ("Drugmaker shares drop after trial failure", "negative"),
    ("Utility defaults on bond payments", "negative"),
    ("Stocks slide as recession fears mount", "negative"),
    ("Company to report quarterly results on Thursday", "neutral"),
    ("Results in line with estimates", "neutral"),
    ("Shares of Microsoft were little changed in early trading", "neutral"),
    ("Fed holds rates at 5.25%", "neutral"),
    ("Gross margin was 42% in the quarter", "neutral"),
    ("Board names new chief financial officer", "neutral"),
    ("Tax liability estimated at $2 billion", "neutral"),
    ("Crude oil inventories rose by 2 million barrels", "neutral"),
]
MUST_GET_RIGHT = {
    "Shares plunge after guidance cut": "negative",
    "Company beats estimates and raises outlook": "positive",
    "Analyst downgrades Boeing to underperform": "negative",
    "Retailer files for bankruptcy protection": "negative",
    "Gross margin was 42% in the quarter": "neutral",
}


def _plain_label(compound: float) -> str:
    if compound >= LABEL_THRESHOLD:
        return "positive"
    return "negative" if compound <= -LABEL_THRESHOLD else "neutral"


def test_labels_hand_written_headlines():
    texts = [t for t, _ in HEADLINES]
    scores = score_texts(texts)
    truth = np.array([label for _, label in HEADLINES])
    accuracy = float((scores["label"].to_numpy() == truth).mean())
    assert accuracy >= 0.9, scores.assign(text=texts, truth=truth)
    by_text = dict(zip(texts, scores["label"], strict=True))
    for text, label in MUST_GET_RIGHT.items():
        assert by_text[text] == label, text


def test_finance_lexicon_beats_plain_vader():
    vader = SentimentIntensityAnalyzer()
    texts = [t for t, _ in HEADLINES]
    truth = [label for _, label in HEADLINES]
    plain = np.array([_plain_label(vader.polarity_scores(t)["compound"]) for t in texts])
    plain_acc = np.mean(plain == np.array(truth))
    tuned_acc = np.mean(score_texts(texts)["label"].to_numpy() == np.array(truth))
    assert tuned_acc - plain_acc >= 0.25
    # The tuned analyzer has its own lexicon: a fresh VADER is untouched.
    assert SentimentIntensityAnalyzer().polarity_scores("shares")["compound"] > 0


def test_plunge_is_strongly_negative_and_soar_strongly_positive():
    scores = score_texts(["Shares plunge", "Shares soar"])["compound"].to_numpy()
    assert scores[0] < -0.4
    assert scores[1] > 0.4


def test_columns_ranges_and_threshold():
    texts = ["Stocks rally", "Stocks tumble", "Stocks open on Monday", "", "GUIDANCE CUT!!!"]
    scores = score_texts(texts)
    assert list(scores.columns) == ["compound", "positive", "negative", "neutral", "label"]
    assert len(scores) == len(texts)
    assert scores["compound"].between(-1, 1).all()
    parts = scores[["positive", "negative", "neutral"]].sum(axis=1)
    np.testing.assert_allclose(parts, 1.0, atol=0.01)
    assert scores["label"].tolist() == ["positive", "negative", "neutral", "neutral", "negative"]
    pos = scores["compound"] >= LABEL_THRESHOLD
    assert (scores.loc[pos, "label"] == "positive").all()


def test_empty_input_gives_empty_frame():
    scores = score_texts([])
    assert scores.empty
    assert list(scores.columns) == ["compound", "positive", "negative", "neutral", "label"]


def test_module_stays_pure():
    code = "import sys, quant.sentiment; sys.exit(bool({'dagster', 'duckdb'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
