"""Consistency of the tagger's data files: every row is usable and every registry is complete."""

import collections

import pycountry
import pytest

from analysis import gazetteer as gz
from analysis.matcher import normalize
from analysis.pairs import CUE_ROLES
from analysis.topics import TOPICS

CODES = {c.alpha_3 for c in pycountry.countries} | {"XKX"}
ORG_SLUGS = set(gz.ORGANIZATIONS)


def rows(name):
    found = gz.read_rows(name)
    assert found, f"analysis/data/{name} is missing or empty"
    return found


def test_every_country_code_is_iso_or_kosovo_and_every_country_has_a_name():
    table = rows("countries.csv")
    assert {r["code"] for r in table} <= CODES
    named = {r["code"] for r in table if r["kind"] == "name"}
    assert named == CODES
    assert all(r["kind"] in {"name", "demonym", "capital"} and r["case"] in {"fold", "title", "exact"} for r in table)
    assert all(normalize(r["term"]) for r in table)


def test_no_term_points_to_two_countries():
    codes_of = collections.defaultdict(set)
    for r in rows("countries.csv"):
        codes_of[normalize(r["term"])].add(r["code"])
    assert {k: v for k, v in codes_of.items() if len(v) > 1} == {}


@pytest.mark.parametrize(
    "code",
    [
        "CAN",
        "USA",
        "JPN",
        "KOR",
        "MEX",
        "IDN",
        "TUR",
        "IND",
        "AUS",
        "CHN",
        "DEU",
        "FRA",
        "GBR",
        "RUS",
        "UKR",
        "BRA",
        "ITA",
        "ZAF",
        "SAU",
        "ARG",
    ],
)
def test_g20_and_middle_powers_have_names_demonyms_and_capitals_in_both_languages(code):
    kinds = {(r["kind"], r["lang"]) for r in rows("countries.csv") if r["code"] == code}
    assert {("name", "en"), ("demonym", "en"), ("demonym", "fr")} <= kinds
    assert any(k == "capital" for k, _ in kinds)


def test_every_topic_has_an_english_and_a_french_lexicon():
    table = rows("topics.csv")
    assert {r["topic"] for r in table} == set(TOPICS)
    for topic in TOPICS:
        langs = {r["lang"] for r in table if r["topic"] == topic}
        assert langs == {"en", "fr"}, topic
    assert all(0 <= float(r["weight"]) <= 3 for r in table)  # 0 = a neutral phrase ("conflict of interest")


def test_context_rules_are_well_formed():
    rules = gz.context_rules()
    assert rules
    for rule in rules:
        assert rule.code == "*" or rule.code in CODES or rule.code in ORG_SLUGS
        if rule.code in ORG_SLUGS:
            assert rule.action == "drop" and rule.scope in {"sentence", "text"}  # all the tagger applies to aliases
        assert rule.scope in {"sentence", "text", "next", "prev"}
        assert rule.action in {"drop", "drop_team", "keep_if", "name", "currency", "no_pairs", "no_topics"}
        if rule.action in {"drop", "drop_team", "keep_if", "no_pairs", "no_topics"}:
            assert rule.cues


def test_blockers_and_cues_parse():
    assert all(normalize(r["term"]) and r["case"] in {"fold", "title", "exact"} for r in rows("blockers.csv"))
    assert {r["lang"] for r in rows("cues.csv")} == {"en", "fr"}
    assert {r["role"] for r in rows("cues.csv")} == set(CUE_ROLES)


def test_people_rows_point_to_countries_and_have_dates():
    for r in rows("people.csv"):
        assert r["country"] in CODES, r
        assert len(r["start"]) == 10 and (not r["end"] or r["end"] >= r["start"]), r
        assert r["match"] or r["name"]


def test_organization_slugs_are_the_taxonomy_ones():
    table = rows("organizations.csv")
    assert {r["slug"] for r in table} <= ORG_SLUGS
    assert {r["case"] for r in table} <= {"fold", "exact"}
    assert {r["lang"] for r in table} <= {"en", "fr", "both"}


def test_no_duplicate_rows_in_lexicons():
    for name, key in (
        ("topics.csv", ("topic", "term", "lang")),
        ("cues.csv", ("term", "lang", "role")),
        ("blockers.csv", ("term", "case")),
        ("countries.csv", ("code", "term")),
    ):
        keys = [tuple(r[k].lower() for k in key) for r in rows(name)]
        dups = [k for k, n in collections.Counter(keys).items() if n > 1]
        assert not dups, (name, dups)


def test_wars_are_alphabetical_pairs_with_iso_dates():
    from datetime import date

    for row in rows("wars.csv"):
        a, b = row["pair"].split("-")
        assert a < b and a in CODES and b in CODES, row["pair"]
        start = date.fromisoformat(row["start"])
        if row["end"]:
            assert date.fromisoformat(row["end"]) >= start, row["pair"]
        assert row["source"], row["pair"]


def test_a_war_counts_only_on_its_dates():
    from analysis.tagger import tag

    text = (
        "Canada and Ukraine sign reconstruction deal",
        "The agreement comes on the anniversary of the Russian invasion.",
    )
    assert tag(*text, "2024-02-24").pairs == ("CAN-UKR", "RUS-UKR")
    # before the war the same words name no fighting, and nothing else links the two
    assert tag(*text, "2012-02-24").pairs == ("CAN-UKR",)


def test_word_lists_are_named_noted_unique_and_used():
    """word_lists.csv: every list has a note on its first row, no term twice in a list, and every list is
    read by the code or referenced from contexts.csv (no dead list, no dangling @reference)."""
    from pathlib import Path

    from analysis.gazetteer import DATA_DIR, word_lists

    table = rows("word_lists.csv")
    lists = word_lists()
    first = {}
    for row in table:
        first.setdefault(row["list"], row)
    assert all(first[name]["note"] for name in lists), [n for n in lists if not first[n]["note"]]
    for name, terms in lists.items():
        assert len(terms) == len(set(terms)), (name, [t for t in terms if terms.count(t) > 1])
    code = "".join(
        (Path(DATA_DIR).parent / f).read_text(encoding="utf-8") for f in ("pairs.py", "tagger.py", "features.py")
    )
    contexts = (Path(DATA_DIR) / "contexts.csv").read_text(encoding="utf-8")
    refs = {
        token[1:]
        for line in contexts.splitlines()
        if not line.startswith("#")
        for field in line.split(",")
        for token in field.split("|")
        if token.startswith("@")
    }
    assert refs <= set(lists), refs - set(lists)
    unused = [n for n in lists if f'"{n}"' not in code and f"'{n}'" not in code and n not in refs]
    assert not unused, unused
