"""Topic scoring from the weighted lexicon in analysis/data/topics.csv (multi-label, title boosted)."""

from __future__ import annotations

from pathlib import Path

from analysis.gazetteer import DATA_DIR, TOPIC, read_rows
from analysis.matcher import EXACT, FOLD, Entry, Hit

TOPICS = (
    "defence",
    "trade",
    "energy",
    "critical_minerals",
    "technology",
    "arctic",
    "climate",
    "oceans_fisheries",
    "migration",
    "human_rights",
    "humanitarian_aid",
    "health",
    "conflict",
)
# Summed weight a topic needs: a weight-2 term settles a topic alone, a weight-1 term needs a second
# term (the title boost alone is not enough: "attack" in a headline is not yet a war). Chosen on the gold
# set and checked on real labelled headlines (docs/analysis.md).
THRESHOLD = 2.0
TITLE_BOOST = 1.5


def topic_patterns(data_dir: Path = DATA_DIR) -> list[tuple[str, Entry]]:
    """Lexicon terms as matcher patterns; short all-caps acronyms (AI, WHO, COP) are case-exact."""
    out = []
    for row in read_rows("topics.csv", data_dir):
        topic, term = row.get("topic", ""), row.get("term", "")
        if topic not in TOPICS or not term:
            continue
        weight = float(row.get("weight") or 1)
        case = EXACT if term.isupper() and len(term) <= 3 else FOLD
        out.append((term, Entry(TOPIC, (topic, weight), case, term)))
    return out


def score_topics(hits: list[Hit], title_end: int) -> tuple[str, ...]:
    """Topics whose score reaches THRESHOLD. A term inside a longer term counts only as the longer one
    ("droits de douane" is trade, not the "droits" of human rights; "defence minister" is one term),
    each distinct term counts once, and a term in the title counts TITLE_BOOST times."""
    return score_terms([(h[0], h[1], topic_terms(h[3])) for h in hits], title_end)


def topic_terms(entries: tuple[Entry, ...]) -> tuple[tuple[str, str, float], ...]:
    """(topic, term, weight) of a hit's topic entries: what scoring needs, computed once per key."""
    return tuple((e.value[0], e.term.lower(), e.value[1]) for e in entries if e.kind == TOPIC)


def score_terms(items: list[tuple[int, int, tuple]], title_end: int) -> tuple[str, ...]:
    """score_topics over (start, end, topic_terms(entries)) of each hit."""
    scores, _terms = lexicon_scores(items, title_end)
    return tuple(sorted([t for t, s in scores.items() if s >= THRESHOLD]))


def lexicon_scores(items: list[tuple[int, int, tuple]], title_end: int) -> tuple[dict[str, float], list[str]]:
    """The summed lexicon weight of each topic found, and the distinct lexicon terms that made it (the
    learned topic model reads both; the hand rule keeps the topics whose score reaches THRESHOLD)."""
    found: dict[tuple[str, str], tuple[float, bool]] = {}
    reach = -1
    for start, end, _terms in items:  # already in order when no two overlap (the usual case)
        if start < reach:
            items = sorted(items, key=_span)
            break
        reach = end
    reach = -1
    for start, end, terms in items:
        if end <= reach:
            continue  # contained in an earlier, longer term
        reach = end
        in_title = start < title_end
        for topic, term, weight in terms:
            key = (topic, term)
            prev = found.get(key)
            if prev is None or (in_title and not prev[1]):
                found[key] = (weight, in_title)
    scores: dict[str, float] = {}
    for (topic, _term), (weight, in_title) in found.items():
        scores[topic] = scores.get(topic, 0.0) + weight * (TITLE_BOOST if in_title else 1.0)
    return scores, [term for _topic, term in found]


def _span(hit: tuple) -> tuple[int, int]:
    """Sort key: by start, the longer of two hits at one start first."""
    return hit[0], -hit[1]
