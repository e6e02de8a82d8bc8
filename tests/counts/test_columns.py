"""The in-memory columns (counts/columns.py, counts/memory.py) give SQL's answers, to the row.

Every ported query runs both ways on the same store, generated plus hostile dates, for many filters
and both units; then the store changes (new articles appended, a sample removed, stories regrouped)
and the columns must follow, by appending or by reading again; and they survive a restart through
their saved file.
"""

from __future__ import annotations

import sqlite3
from datetime import date

import pandas as pd
import pytest

from bench.generate_store import generate_store
from counts import analytics, columns, memory, queries
from counts.queries import Filters
from tests.dashboard.test_hardening import add_bad_rows

MEMBERS = ["CAN", "JPN", "KOR", "AUS", "IND", "MEX"]
FILTERS = [
    Filters(),
    Filters(unit="stories"),
    Filters(country="CAN"),
    Filters(country="CAN", topics=("trade",)),
    Filters(country="JPN", partner="CAN", langs=("fr",)),
    Filters(country="JPN", partner="JPN"),
    Filters(group="g7"),
    Filters(country="CAN", group="middle_powers", unit="stories"),
    Filters(country="CAN", group="great_powers"),
    Filters(topics=("trade", "defence"), organizations=("nato",)),
    Filters(sources=("CBC News", "Le Devoir", "No such outlet"), unit="stories"),
    Filters(start=date(2026, 1, 1), end=date(2026, 3, 31)),
    Filters(start=date(2025, 6, 1), country="USA"),
    Filters(end=date(2025, 12, 31), langs=("en",), unit="stories"),
    Filters(group="no_such_group"),
    Filters(country="XXX"),
    Filters(start=date(2031, 1, 1)),
]
W = (date(2026, 1, 1), date(2026, 4, 1), date(2026, 6, 30))
CALLS = [
    (queries.headline, ()),
    (queries.timeseries, ("day",)),
    (queries.timeseries, ("week",)),
    (queries.timeseries, ("month",)),
    (queries.tag_timeseries, ("month", "article_topics", "topic")),
    (queries.tag_timeseries, ("week", "article_pairs", "pair", ["CAN-JPN", "CAN-USA", "XXX-YYY"])),
    (queries.tag_timeseries, ("month", "article_countries", "country", [])),
    (
        queries.group_timeseries,
        ("month", {"Middle": ("AUS", "JPN", "KOR"), "Great": ("USA", "CHN", "RUS"), "None": ()}),
    ),
    (queries.partners, ("CAN", 15)),
    (queries.partners, ("jpn",)),
    (queries.partner_timeseries, ("CAN", "week", ["JPN", "USA", "CAN"])),
    (queries.value_counts, ("article_countries", "country", 15, ("CAN",))),
    (queries.value_counts, ("article_topics", "topic")),
    (queries.value_counts, ("article_pairs", "pair", 400)),
    (queries.topic_country, (["USA", "CHN", "JPN", "ZZZ"],)),
    (queries.topic_country, ([],)),
    (queries.pairs_within, (MEMBERS,)),
    (queries.pairs_within, (["CAN"],)),
    (queries.group_counts, ({"a": ("JPN", "KOR"), "b": ("USA",), "c": ("CAN",)}, ("CAN",))),
    (analytics.group_degree, (MEMBERS,)),
    (analytics.window_totals, W),
    (analytics.window_counts, ("article_pairs", "pair", *W)),
    (analytics.window_counts, ("article_countries", "country", *W, ("CAN",))),
    (analytics.series_timeseries, ("month", "pairs_of", "CAN")),
    (analytics.series_timeseries, ("week", "country", "jpn")),
    (analytics.series_tag_timeseries, ("month", "pair", "JPN-CAN")),
    (analytics.series_total, ("topic", "trade")),
    (queries.articles, ("", 50, 0)),
    (queries.articles, ('"japan" OR korea -china', 20, 5)),
    (queries.articles, ("-canada", 7, 0)),
    (queries.articles, ("", 20, 0, ("pair", "CAN-JPN"))),
    (queries.articles, ("trade", 10, 0, ("pairs_of", "CAN"))),
]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MPM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MPM_ENGINE", "on")
    columns.forget()
    yield
    columns.forget()


@pytest.fixture
def store(tmp_path) -> str:
    db = tmp_path / "store.db"
    generate_store(db, articles=2500, seed=11, end=pd.Timestamp("2026-07-15T12:00:00Z").to_pydatetime())
    add_bad_rows(db)
    return str(db)


def same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(a[0], pd.DataFrame):  # the article list and its total
        return a[1] == b[1] and same(a[0], b[0])
    if isinstance(a, pd.DataFrame):
        if list(a.columns) != list(b.columns) or len(a) != len(b):
            return False
        if "id" in a:  # the list's order is part of the answer
            return a.astype(str).reset_index(drop=True).equals(b.astype(str).reset_index(drop=True))
        keys = list(a.columns)
        return (
            a.astype(str)
            .sort_values(keys)
            .reset_index(drop=True)
            .equals(b.astype(str).sort_values(keys).reset_index(drop=True))
        )
    return a == b


def check_all(db: str, held: columns.Columns) -> None:
    wrong = []
    for f in FILTERS:
        for fn, args in CALLS:
            want, got = fn(db, f, *args), memory.FUNCTIONS[memory.name_of(fn)](held, db, f, *args)
            if not same(want, got):
                wrong.append((fn.__name__, args, f))
    assert analytics.tagger_versions(db) == memory.tagger_versions(held, db)
    assert not wrong, wrong[:5]


def test_every_figure_equals_sql(store):
    held = columns.get(store, queries.store_version(store))
    assert held is not None and held.n == 2500 + 13
    check_all(store, held)


def add_articles(db: str, n: int = 40, start: int = 50_000) -> None:
    conn = sqlite3.connect(db)
    with conn:
        for i in range(n):
            aid = start + i
            conn.execute(
                "INSERT INTO articles (id, url, title, summary, published_at, source, lang, fetched_at, "
                "story_id, tagger_version) VALUES (?, ?, ?, 'added', ?, 'CBC News', 'en', ?, ?, 'bench')",
                (
                    aid,
                    f"https://example.com/added/{aid}",
                    f"Canada and Japan talk trade {i}",
                    f"2026-07-{10 + i % 5:02d}T08:00:00Z",
                    "2026-07-15T00:00:00Z",
                    1 if i % 4 == 0 else None,
                ),
            )  # some copies join an old story
            conn.execute("INSERT INTO article_countries VALUES (?, 'CAN'), (?, 'JPN')", (aid, aid))
            conn.execute("INSERT INTO article_pairs VALUES (?, 'CAN-JPN', 'CAN', 'JPN')", (aid,))
            conn.execute("INSERT INTO article_topics VALUES (?, 'trade')", (aid,))
            conn.execute("INSERT INTO article_topics VALUES (?, 'arctic')", (aid,)) if i % 3 == 0 else None
    conn.close()


def test_new_articles_are_appended_not_read_again(store, monkeypatch):
    first = columns.get(store, queries.store_version(store))
    add_articles(store)
    seen = []
    real = columns.build
    monkeypatch.setattr(
        columns,
        "build",
        lambda conn, base=None, version=(): seen.append(base is not None) or real(conn, base=base, version=version),
    )
    held = columns.get(store, queries.store_version(store))
    assert seen == [True] and held.n == first.n + 40
    check_all(store, held)


@pytest.mark.parametrize(
    "change",
    [
        "DELETE FROM articles WHERE id IN (SELECT id FROM articles ORDER BY id LIMIT 30)",
        "UPDATE articles SET story_id = 7 WHERE id BETWEEN 100 AND 140",
        "UPDATE articles SET tagger_version = 'newer' WHERE id < 500",
        "DELETE FROM article_topics WHERE article_id < 300",
    ],
)
def test_any_other_change_reads_the_store_again(store, change):
    columns.get(store, queries.store_version(store))
    conn = sqlite3.connect(store)
    with conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(change)
    conn.close()
    held = columns.get(store, queries.store_version(store))
    assert held.fingerprint == columns._fingerprint(sqlite3.connect(store))
    check_all(store, held)


def test_saved_columns_survive_a_restart(store, monkeypatch):
    version = queries.store_version(store)
    built = columns.get(store, version)
    columns.save(built, store)  # (get saves in the background; here at once)
    columns.forget()
    monkeypatch.setattr(columns, "build", lambda *a, **k: pytest.fail("read the store again"))
    held = columns.get(store, version)
    assert held.n == built.n and held.texts.tolist() == built.texts.tolist()
    check_all(store, held)


def test_a_saved_file_of_another_store_or_format_is_not_used(store, tmp_path):
    built = columns.get(store, queries.store_version(store))
    columns.save(built, store)
    path = columns._cache_path(store)
    other = tmp_path / "other.db"
    other.write_bytes(b"")
    path.rename(columns._cache_path(str(other)))
    assert columns.load(str(other)) is None  # it names the store it was read from
    columns._cache_path(str(other)).write_bytes(b"not an npz")
    assert columns.load(str(other)) is None


def test_small_stores_stay_with_sql(store, monkeypatch):
    monkeypatch.setenv("MPM_ENGINE", "auto")
    assert columns.get(store, queries.store_version(store)) is None  # 2,513 articles < ENGINE_MIN
    monkeypatch.setenv("MPM_ENGINE_MIN", "1000")
    assert columns.get(store, queries.store_version(store)) is not None
    monkeypatch.setenv("MPM_ENGINE", "off")
    columns.forget()
    assert columns.get(store, queries.store_version(store)) is None
