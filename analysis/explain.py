"""Why the tagger gave (or did not give) each pair and topic: scores, thresholds and the features that
weighed most. `python -m analysis explain` prints it per item; the dashboard's article view shows the
compact line of `compact()` ("CAN-JPN 0.97: both in the title +1.4; interaction word between them +0.9").
"""

from __future__ import annotations

from analysis.model import Linear, describe
from analysis.pairs import WEIGHTS
from analysis.tagger import Tagger

TOP = 4


def explain(
    tagger: Tagger, title: str, summary: str | None = "", published=None, lang: str | None = None, top: int = TOP
) -> dict:
    """Every candidate pair and topic of one article with its score (a probability under the learned
    model, the hand-weighted sum under the rules alone), its threshold, whether it was kept, and its
    `top` features by effect. `kept` agrees with `tagger.tag` by construction (a test checks it)."""
    trace: dict = {}
    tags = tagger.tag(title, summary, published, lang, trace=trace)
    model = tagger.model
    pairs, topics = [], []
    if model is None:
        # Rules alone: no trace is filled; report the kept pairs and topics without scores.
        return {
            "countries": list(tags.countries),
            "organizations": list(tags.organizations),
            "pairs": [{"pair": p, "kept": True} for p in tags.pairs],
            "topics": [{"topic": t, "kept": True} for t in tags.topics],
            "model": None,
        }
    for pair, vec in sorted(trace.get("pairs", {}).items()):
        pairs.append(_entry("pair", pair, model.pairs, vec, pair in tags.pairs, top))
    for topic, vec in sorted(trace.get("topics", {}).items()):
        linear = model.topics[topic]
        entry = _entry("topic", topic, linear, vec, topic in tags.topics, top)
        if entry["kept"] or entry["score"] >= 0.05:  # a topic the model gives next to no chance says nothing
            topics.append(entry)
    return {
        "countries": list(tags.countries),
        "organizations": list(tags.organizations),
        "pairs": pairs,
        "topics": topics,
        "model": model.version,
    }


def _entry(kind: str, key: str, linear: Linear, vec: dict[str, float], kept: bool, top: int) -> dict:
    return {
        kind: key,
        "score": round(linear.probability(vec), 3),
        "threshold": linear.threshold,
        "kept": kept,
        "features": [
            {"feature": name, "effect": round(effect, 2), "reads": _reads(name, vec)}
            for name, effect in linear.contributions(vec)[:top]
        ],
    }


RULE_PARTS = 3


def _reads(name: str, vec: dict[str, float]) -> str:
    """A feature in plain words. The hand-weighted rule score, often the weightiest feature, says which of
    the rule's findings made it ("the rules (joint subjects +1.2, one is Canada +0.8)"): a reader learns
    why, not only that the rules agreed."""
    if name != "hand_score":
        return describe(name)
    fired = [rule for rule in vec if rule.startswith("rule:") and rule[5:] in WEIGHTS and vec[rule]]
    fired.sort(key=lambda rule: -abs(WEIGHTS[rule[5:]]))
    parts = ", ".join(f"{describe(rule)} {WEIGHTS[rule[5:]]:+.1f}" for rule in fired[:RULE_PARTS])
    return f"the rules ({parts})" if parts else describe(name)


def compact(entry: dict, top: int = 2) -> str:
    """One line: "CAN-JPN 0.97: both in the title +1.4; interaction word between them +0.9"."""
    key = entry.get("pair") or entry.get("topic")
    if "score" not in entry:
        return str(key)
    reasons = "; ".join(f"{f['reads']} {f['effect']:+.1f}" for f in entry["features"][:top])
    return f"{key} {entry['score']:.2f}: {reasons}" if reasons else f"{key} {entry['score']:.2f}"
