"""Smoke test on real feed items from ../shared/realdata (skipped when that folder is absent).

Real RSS items (CBC, Reuters, NYT, Guardian... 2023) and CBC/Global headlines of spring 2025 go through
the tagger: no exception, valid output, and the shares one expects from those outlets.
"""

import collections
import csv
import json
import re
from pathlib import Path

import pytest

from analysis.tagger import tag
from analysis.topics import TOPICS
from ingest.normalize import plain_text

REALDATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata"
RSS = REALDATA / "rumca-rss-2023"
HISTORY = REALDATA / "canadian-news-feed-history" / "history_dedup_by_url.csv"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not RSS.exists() or not HISTORY.exists(), reason="../shared/realdata is absent"),
]


@pytest.fixture(scope="module")
def rss_items():
    items = []
    for path in sorted(RSS.rglob("*_entries.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data.get("entries", []) if isinstance(data, dict) else data  # both shapes occur
        for e in entries:
            items.append((path.name, e.get("title") or "", plain_text(e.get("description")), e.get("date_published")))
    return items


@pytest.fixture(scope="module")
def rss_tags(rss_items):
    return [(name, tag(title, summary, published)) for name, title, summary, published in rss_items]


def test_every_real_item_is_tagged_with_valid_values(rss_items, rss_tags):
    assert len(rss_tags) == len(rss_items) > 15_000
    for _name, tags in rss_tags:
        assert all(len(c) == 3 and c.isupper() for c in tags.countries)
        assert all(p.split("-")[0] in tags.countries and p.split("-")[1] in tags.countries for p in tags.pairs)
        assert set(tags.topics) <= set(TOPICS)


def test_cbc_items_often_mention_canada(rss_tags):
    cbc = [t for name, t in rss_tags if "cbc" in name]
    share = sum("CAN" in t.countries for t in cbc) / len(cbc)
    assert len(cbc) > 2000 and 0.2 < share < 0.8


def test_world_feeds_of_2023_are_about_the_expected_countries(rss_tags):
    counts = collections.Counter(c for _name, t in rss_tags for c in t.countries)
    top = {code for code, _n in counts.most_common(8)}
    assert {"USA", "RUS", "UKR", "ISR", "CHN", "GBR"} <= top
    assert sum(bool(t.countries) for _n, t in rss_tags) / len(rss_tags) > 0.6
    assert counts["RUS"] > counts["BRA"] and counts["UKR"] > counts["ARG"]


def test_moscow_times_is_mostly_about_russia(rss_tags):
    mt = [t for name, t in rss_tags if "moscowtimes" in name]
    assert sum("RUS" in t.countries for t in mt) / len(mt) > 0.6


def test_canadian_headlines_of_2025_know_carney_and_the_tariff_war():
    with HISTORY.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    tags = [tag(r["headline"], "", r["first_seen_commit_date"]) for r in rows]
    assert sum("CAN" in t.countries for t in tags) / len(tags) > 0.2
    carney = [t for r, t in zip(rows, tags) if re.search(r"\bCarney\b", r["headline"])]
    assert carney and all("CAN" in t.countries for t in carney)  # he is PM for the whole period
    assert sum("CAN-USA" in t.pairs for t in tags) > 20
    assert sum("trade" in t.topics for t in tags) > 50
