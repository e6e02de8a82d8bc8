"""The tagger's interface (architecture.md), its F1 floors on the gold set, and bad input."""

import json
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime
from pathlib import Path

import pytest

from analysis import tagger
from analysis.evaluate import evaluate, read_gold
from analysis.tagger import TAGGER_VERSION, Tags, tag

GOLD = Path(__file__).resolve().parents[1] / "data" / "gold.jsonl"
FLOORS = {"countries": 0.95, "pairs": 0.85, "topics": 0.80, "organizations": 0.90}


def as_dict(tags: Tags) -> dict:
    return {
        "countries": tags.countries,
        "pairs": tags.pairs,
        "topics": tags.topics,
        "organizations": tags.organizations,
    }


@pytest.fixture(scope="module")
def gold_scores():
    assert GOLD.exists(), "tests/data/gold.jsonl is the labelled set the floors are measured on"
    items = read_gold(GOLD.read_text(encoding="utf-8").splitlines())
    assert len(items) >= 250
    return evaluate(items, lambda it: as_dict(tag(it["title"], it.get("summary"), it.get("published"), it.get("lang"))))


@pytest.mark.parametrize("field", list(FLOORS))
def test_gold_f1_floor(gold_scores, field):
    score = gold_scores[field]
    assert score.f1 >= FLOORS[field], f"{field}: P={score.precision:.3f} R={score.recall:.3f} F1={score.f1:.3f}"


def test_tags_are_sorted_tuples_of_valid_values():
    tags = tag(
        "Japan and Canada sign LNG and defence deal at NATO meeting",
        "Carney met Takaichi in Tokyo; South Korea welcomed the pact.",
        "2026-03-06",
    )
    for field in ("countries", "pairs", "topics", "organizations"):
        value = getattr(tags, field)
        assert isinstance(value, tuple) and list(value) == sorted(value)
    assert all(len(c) == 3 and c.isupper() for c in tags.countries)
    for pair in tags.pairs:
        a, b = pair.split("-")
        assert a < b and a in tags.countries and b in tags.countries
    assert "nato" in tags.organizations
    with pytest.raises(FrozenInstanceError):
        tags.countries = ()


def test_version_is_a_nonempty_string_tied_to_the_data():
    assert isinstance(TAGGER_VERSION, str) and TAGGER_VERSION.startswith(tagger.RULES_VERSION + ".")


@pytest.mark.parametrize(
    "published",
    [
        "2025-03-20",
        "2025-03-20T10:00:00-04:00",
        datetime(2025, 3, 20, tzinfo=UTC),
        "Thu, 20 Mar 2025 10:00:00 -0400",
    ],
)
def test_published_forms_all_date_a_leader(published):
    assert tag("Carney speaks to reporters", published=published).countries == ("CAN",)


@pytest.mark.parametrize("published", [None, "", "not a date", "2025-13-45garbage", 12345])
def test_missing_or_bad_dates_fall_back_without_error(published):
    assert isinstance(tag("Carney speaks", published=published), Tags)


@pytest.mark.parametrize(
    "title,summary",
    [
        ("", ""),
        (None, None),
        ("   ", "\t\n"),
        ("Canada\x00 and\x07 Japan\x1b sign deal", "control\x0bchars\x0c"),
        ("Канада и Япония 加拿大 日本 Canada et le Japon", "mixed scripts: العربية हिन्दी"),
        ("\ud800 lone surrogate Canada", ""),
        ("Canada " * 10, "x" * 5),
    ],
)
def test_bad_input_gives_sensible_output(title, summary):
    tags = tag(title, summary)
    assert isinstance(tags, Tags)
    if title and "Canada" in title:
        assert "CAN" in tags.countries


def test_megabyte_text_is_handled():
    summary = ("Canada and Japan signed a trade deal in Tokyo. " * 25_000)[:1_000_000]
    tags = tag("Big text", summary)
    assert set(tags.countries) <= {"CAN", "JPN"} and "CAN" in tags.countries


def test_wrong_language_tag_changes_nothing():
    title = "Le Canada et le Japon signent un accord commercial"
    assert tag(title, lang="en") == tag(title, lang="fr") == tag(title, lang="xx") == tag(title)
    assert tag(title).countries == ("CAN", "JPN")


def test_gold_file_is_read_line_by_line():
    lines = GOLD.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert {"id", "title", "countries", "pairs", "topics", "organizations"} <= set(first)
