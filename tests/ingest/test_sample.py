"""The bundled sample data, loaded through the real ingest path into a store in tmp_path.

A newcomer's first screen is built from these rows, so the store must hold what the issue
promises: enough articles in both languages over many months, every topic and every middle power
tagged, wire copies grouped into stories, nothing diplomatic read into sports or weather, and a
clean way out once live news arrives.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

from analysis.topics import TOPICS as ALL_TOPICS
from counts.queries import ingest_times
from ingest import config
from ingest.runner import ingest_dir
from ingest.sample import has_live_articles, has_sample_articles, load_sample, remove_sample
from store import get_meta, open_store

SAMPLE_DIR = config.SAMPLE_DIR
TOPICS = set(ALL_TOPICS)
MIDDLE_POWERS = {"CAN", "AUS", "JPN", "KOR", "MEX", "IDN", "TUR", "IND"}
EN_OUTLETS = {
    "Capital Ledger (sample)",
    "Northern Dispatch (sample)",
    "Prairie Post (sample)",
    "Harbour Herald (sample)",
    "Canadian Wire (sample)",
    "Government of Canada news (sample)",
}
# English domestic news sits in these sections of its outlet's site (see sample_data/README.md).
NOISE_SECTION = re.compile(r"^https://example\.com/[a-z-]+/(sports|weather|local|community)/")

# Canadian Wire stories and how many articles carry each (the wire's own plus the outlets' copies).
SYNDICATED = {
    "canada-counter-tariffs-us-duties": 4,
    "carney-sworn-in-prime-minister": 3,
    "carney-trump-white-house-meeting": 4,
    "canada-india-restore-high-commissioners": 5,
    "canada-eu-summit-defence-partnership": 3,
    "nato-allies-pledge-5-percent": 4,
    "australian-mexican-firefighters-arrive": 3,
    "submarine-shortlist-korea-germany": 4,
    "canada-indonesia-sign-economic-partnership": 3,
    "takaichi-japan-prime-minister": 3,
    "carney-davos-middle-powers": 4,
    "carney-addresses-australian-parliament": 3,
    "canada-japan-strategic-partnership": 5,
    "canada-mexico-coordinate-cusma-review": 3,
    "team-canada-trade-mission-tokyo": 3,
}


def _feed_files(lang: str) -> list[Path]:
    return sorted(p for p in (SAMPLE_DIR / lang).iterdir() if p.suffix == ".xml")


def _entries_in_files(lang: str) -> int:
    return sum(len(feedparser.parse(p.read_bytes()).entries) for p in _feed_files(lang))


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "news.db"
    summary = load_sample(path)
    assert summary.failed == 0, summary.errors
    return path


@pytest.fixture(scope="module")
def conn(sample_db):
    c = open_store(sample_db)
    yield c
    c.close()


def _ids_with_slug(conn: sqlite3.Connection, slug: str) -> list[tuple[int, int, str]]:
    return conn.execute(
        "SELECT id, story_id, source FROM articles WHERE url LIKE ? ORDER BY id", (f"%/{slug}",)
    ).fetchall()


def _pairs(conn: sqlite3.Connection, article_id: int) -> list[str]:
    return [r[0] for r in conn.execute("SELECT pair FROM article_pairs WHERE article_id = ?", (article_id,))]


# ---------------------------------------------------------------- size and spread


def test_every_feed_file_is_valid_and_declares_its_language():
    for lang in ("en", "fr"):
        files = _feed_files(lang)
        assert files, f"no feed files in sample_data/{lang}"
        for path in files:
            parsed = feedparser.parse(path.read_bytes())
            assert not parsed.bozo, (path.name, parsed.get("bozo_exception"))
            assert parsed.feed.get("language", "").startswith(lang), path.name


def test_store_holds_every_sample_item_once(conn):
    per_lang = dict(conn.execute("SELECT lang, COUNT(*) FROM articles GROUP BY lang").fetchall())
    assert per_lang.get("en") == _entries_in_files("en")
    assert per_lang.get("fr") == _entries_in_files("fr")
    assert set(per_lang) == {"en", "fr"}
    assert per_lang["en"] >= 250
    assert per_lang["fr"] >= 150
    assert sum(per_lang.values()) >= 300
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE is_sample = 0").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE date_flag IS NOT NULL").fetchone()[0] == 0


def test_articles_spread_over_months_in_both_languages(conn):
    for lang in ("en", "fr"):
        months = {
            r[0]
            for r in conn.execute("SELECT DISTINCT substr(published_at, 1, 7) FROM articles WHERE lang = ?", (lang,))
        }
        assert len(months) >= 12, (lang, sorted(months))
        assert min(months) >= "2025-01" and max(months) <= "2026-12", (lang, sorted(months))
    all_months = {r[0] for r in conn.execute("SELECT DISTINCT substr(published_at, 1, 7) FROM articles")}
    assert {f"2025-{m:02d}" for m in range(1, 13)} <= all_months


def test_sources_are_the_sample_outlets(conn):
    en = {r[0] for r in conn.execute("SELECT DISTINCT source FROM articles WHERE lang = 'en'")}
    assert en == EN_OUTLETS
    assert conn.execute("SELECT COUNT(DISTINCT source) FROM articles").fetchone()[0] >= 8
    kinds = {r[0] for r in conn.execute("SELECT DISTINCT kind FROM feeds")}
    assert kinds == {"sample"}


def test_every_link_is_on_example_com(conn):
    for (url,) in conn.execute("SELECT url FROM articles"):
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.hostname == "example.com", url


# ---------------------------------------------------------------- tags


def test_every_topic_is_tagged(conn):
    found = {r[0] for r in conn.execute("SELECT DISTINCT topic FROM article_topics")}
    assert TOPICS - found == set()


def test_every_middle_power_is_tagged_and_paired_with_canada(conn):
    countries = {r[0] for r in conn.execute("SELECT DISTINCT country FROM article_countries")}
    assert MIDDLE_POWERS - countries == set()
    pairs = {r[0] for r in conn.execute("SELECT DISTINCT pair FROM article_pairs")}
    expected = {"-".join(sorted(("CAN", code))) for code in MIDDLE_POWERS - {"CAN"}}
    assert expected - pairs == set()


def test_canada_japan_partnership_is_tagged_as_the_event_it_is(conn):
    (article_id,) = conn.execute(
        "SELECT id FROM articles WHERE url = ?",
        ("https://example.com/government-of-canada/2026/03/06/joint-statement-canada-japan-strategic-partnership",),
    ).fetchone()
    assert "CAN-JPN" in _pairs(conn, article_id)
    topics = {r[0] for r in conn.execute("SELECT topic FROM article_topics WHERE article_id = ?", (article_id,))}
    assert {"defence", "energy", "trade", "critical_minerals", "technology", "arctic", "oceans_fisheries"} <= topics


def test_domestic_noise_carries_no_pairs(conn):
    noise = [
        (i, url, title)
        for i, url, title in conn.execute("SELECT id, url, title FROM articles")
        if NOISE_SECTION.match(url)
    ]
    assert len(noise) >= 30
    tagged = [(title, _pairs(conn, i)) for i, _, title in noise if _pairs(conn, i)]
    assert tagged == []


@pytest.mark.parametrize(
    "slug, absent",
    [
        ("thanksgiving-turkey-dinner-fundraiser", "TUR"),
        ("china-cabinet-auction-regina", "CHN"),
        ("team-canada-beats-sweden", "SWE"),
    ],
)
def test_noise_traps_name_no_foreign_country(conn, slug, absent):
    ((article_id, _, _),) = _ids_with_slug(conn, slug)
    countries = {
        r[0] for r in conn.execute("SELECT country FROM article_countries WHERE article_id = ?", (article_id,))
    }
    assert absent not in countries
    assert _pairs(conn, article_id) == []


# ---------------------------------------------------------------- stories


@pytest.mark.parametrize("slug, copies", sorted(SYNDICATED.items()))
def test_syndicated_copies_share_one_story(conn, slug, copies):
    rows = _ids_with_slug(conn, slug)
    assert len(rows) == copies
    assert len({source for _, _, source in rows}) == copies  # one copy per outlet
    stories = {story for _, story, _ in rows}
    assert stories == {min(i for i, _, _ in rows)}, rows
    members = conn.execute("SELECT COUNT(*) FROM articles WHERE story_id = ?", (stories.pop(),)).fetchone()[0]
    assert members == copies  # and nothing else was pulled into the story


def test_same_day_stories_stay_apart(conn):
    india = {s for _, s, _ in _ids_with_slug(conn, "canada-india-restore-high-commissioners")}
    mexico = {s for _, s, _ in _ids_with_slug(conn, "prime-minister-meets-president-mexico")}
    japan = {s for _, s, _ in _ids_with_slug(conn, "canada-japan-strategic-partnership")}
    statement = {s for _, s, _ in _ids_with_slug(conn, "joint-statement-canada-japan-strategic-partnership")}
    assert india.isdisjoint(mexico)
    assert japan.isdisjoint(statement)


# ---------------------------------------------------------------- loading and removing

LIVE_FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Live Test Outlet</title><link>https://example.com/live/</link>
<language>en</language>
<item><title>Canada and Japan sign strategic partnership in Tokyo</title>
<link>https://example.com/live/2026/03/06/canada-japan-partnership</link>
<description>Canada and Japan signed a strategic partnership in Tokyo.</description>
<pubDate>Fri, 06 Mar 2026 12:00:00 GMT</pubDate></item>
<item><title>City council approves new bus routes</title>
<link>https://example.com/live/2026/11/01/bus-routes</link>
<description>Three routes start in January.</description>
<pubDate>Sun, 01 Nov 2026 15:00:00 GMT</pubDate></item>
</channel></rss>
"""


def test_load_reports_progress_and_a_second_load_adds_nothing(tmp_path):
    db = tmp_path / "news.db"
    calls = []
    first = load_sample(db, on_progress=lambda done, total, label: calls.append((done, total, label)))
    files = len(_feed_files("en")) + len(_feed_files("fr"))
    assert first.ok == files and first.failed == 0
    assert [c[0] for c in calls] == list(range(1, files + 1))
    assert {c[1] for c in calls} == {files}
    assert any(c[2].startswith("en/") for c in calls) and any(c[2].startswith("fr/") for c in calls)
    second = load_sample(db)
    assert second.new_articles == 0 and second.not_modified == files


def test_remove_sample_keeps_live_rows_and_sample_can_come_back(tmp_path):
    db = tmp_path / "news.db"
    assert not has_sample_articles(db) and not has_live_articles(db)
    assert not db.exists()  # asking does not create a store

    loaded = load_sample(db).new_articles
    live_dir = tmp_path / "live"
    live_dir.mkdir()
    (live_dir / "live.xml").write_text(LIVE_FEED, encoding="utf-8")
    assert ingest_dir(db, live_dir, kind="file").new_articles == 2
    assert has_sample_articles(db) and has_live_articles(db)

    conn = open_store(db)
    try:
        live_id, live_story = conn.execute(
            "SELECT id, story_id FROM articles WHERE url LIKE '%/live/2026/03/06/%'"
        ).fetchone()
        wire_id = _ids_with_slug(conn, "canada-japan-strategic-partnership")[0][0]
        assert live_story == wire_id  # the live copy joined the sample's story

        assert remove_sample(db) == loaded
        assert conn.execute("SELECT COUNT(*), SUM(is_sample) FROM articles").fetchone() == (2, 0)
        assert conn.execute("SELECT story_id FROM articles WHERE id = ?", (live_id,)).fetchone()[0] == live_id
        assert (
            conn.execute("SELECT COUNT(*) FROM articles WHERE story_id NOT IN (SELECT id FROM articles)").fetchone()[0]
            == 0
        )
        for table in ("article_countries", "article_pairs", "article_topics", "article_organizations"):
            orphans = conn.execute(
                f"SELECT COUNT(*) FROM {table} WHERE article_id NOT IN (SELECT id FROM articles)"
            ).fetchone()[0]
            assert orphans == 0, table
        assert (
            conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'Kananaskis'").fetchone()[0] == 0
        )
        assert conn.execute("SELECT COUNT(*) FROM feeds WHERE kind = 'sample'").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM feeds WHERE kind = 'file'").fetchone()[0] == 1
        assert not has_sample_articles(conn) and has_live_articles(conn)
    finally:
        conn.close()

    assert remove_sample(db) == 0
    assert load_sample(db).new_articles == loaded  # removal leaves nothing behind that blocks a reload
    assert has_sample_articles(db)


def test_cli_flags_load_and_remove_the_sample(tmp_path, capsys):
    from ingest.__main__ import main

    db = str(tmp_path / "news.db")
    assert main(["--db", db, "--sample"]) == 0
    loaded = int(re.search(r"(\d+) new articles", capsys.readouterr().out).group(1))
    assert loaded == _entries_in_files("en") + _entries_in_files("fr")
    assert main(["--db", db, "--remove-sample"]) == 0
    assert f"removed {loaded} sample articles" in capsys.readouterr().out
    assert not has_sample_articles(db)
    with pytest.raises(SystemExit) as stop:
        main(["--db", db, "--sample", "--remove-sample"])
    assert stop.value.code == 2


def test_loading_the_sample_is_not_an_ingest_attempt(sample_db, conn):
    """The Overview's "last attempt" is a run that asked for news; the bundled sample asked no feed."""
    assert get_meta(conn, "last_ingest_at") is None and get_meta(conn, "last_ingest_outcome") is None
    assert ingest_times(str(sample_db)) == {"last_attempt_at": None, "last_outcome": None, "last_new_at": None}
