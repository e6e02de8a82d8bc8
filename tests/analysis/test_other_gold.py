"""The tagger on labelled sets written by other hands (tests/data/gold_a.jsonl, gold_c.jsonl, gold_d.jsonl,
gold_f.jsonl, gold_k.jsonl; see GOLD.md).

Each was written and labelled from TAXONOMY.md alone by a writer who never saw the tagger, its data or
tests/data/gold.jsonl, in styles of their own (wire copy, Government of Canada releases, Radio-Canada). They
show how the rule does on phrasing it was not written against. They were scored blind once (figures in
docs/analysis.md) and used for error analysis after that, so their floors sit below the main gold floors.
"""

from pathlib import Path

import pytest

from analysis.evaluate import FIELDS, evaluate, read_gold
from analysis.tagger import tag
from analysis.topics import TOPICS as ALL_TOPICS

DATA = Path(__file__).resolve().parents[1] / "data"
SETS = {"gold_a.jsonl": 150, "gold_c.jsonl": 150, "gold_d.jsonl": 160, "gold_f.jsonl": 150, "gold_k.jsonl": 200}
FLOORS = {"countries": 0.95, "pairs": 0.70, "topics": 0.80, "organizations": 0.90}
TOPICS = set(ALL_TOPICS)


def _items(name: str) -> list[dict]:
    return read_gold((DATA / name).read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("name", SETS)
def test_set_is_well_formed(name):
    items = _items(name)
    assert len(items) == SETS[name] and len({it["id"] for it in items}) == SETS[name]
    assert {it["lang"] for it in items} == {"en", "fr"}
    for it in items:
        for field in FIELDS:
            assert it[field] == sorted(set(it[field])), (it["id"], field)
        for pair in it["pairs"]:
            a, b = pair.split("-")
            assert a < b and a in it["countries"] and b in it["countries"], (it["id"], pair)
        assert set(it["topics"]) <= TOPICS, it["id"]


@pytest.mark.parametrize("name", SETS)
def test_tagger_floors_on_sets_by_other_hands(name):
    items = _items(name)
    scores = evaluate(
        items,
        lambda it: {
            f: list(getattr(tag(it["title"], it.get("summary"), it.get("published"), it.get("lang")), f))
            for f in FIELDS
        },
    )
    below = {f: round(scores[f].f1, 3) for f in FIELDS if scores[f].f1 < FLOORS[f]}
    assert not below, f"{name}: F1 below the floor: {below} (floors {FLOORS})"
