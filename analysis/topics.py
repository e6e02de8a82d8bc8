"""Topic scoring from the weighted lexicon in analysis/data/topics.csv (multi-label, title boosted)."""
from __future__ import annotations

from pathlib import Path

from analysis.gazetteer import DATA_DIR, TOPIC, read_rows
from analysis.matcher import EXACT, FOLD, Entry, Hit

TOPICS = ("defence", "trade", "energy", "critical_minerals", "technology", "arctic", "climate",
          "oceans_fisheries", "migration", "human_rights", "humanitarian_aid", "health", "conflict")
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
    found: dict[tuple[str, str], tuple[float, bool]] = {}
    reach = -1
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.end <= reach:
            continue  # contained in an earlier, longer term
        reach = hit.end
        in_title = hit.start < title_end
        for e in hit.entries:
            if e.kind != TOPIC:
                continue
            key = (e.value[0], e.term.lower())
            prev = found.get(key)
            if prev is None or (in_title and not prev[1]):
                found[key] = (e.value[1], in_title)
    scores: dict[str, float] = {}
    for (topic, _term), (weight, in_title) in found.items():
        scores[topic] = scores.get(topic, 0.0) + weight * (TITLE_BOOST if in_title else 1.0)
    return tuple(sorted(t for t, s in scores.items() if s >= THRESHOLD))
