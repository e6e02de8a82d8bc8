"""The store's writes on real SQLite files, fed plain data: no tagger, no feed parser, no ingest.

The entries, tags and sources here are the tests' own small dataclasses, not ingest's or analysis's:
what the store needs is the attributes its Protocols name, nothing more.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from store import StoreError, get_meta, iso, open_store
from store.writes import (
    BackfillProgress,
    FetchRecord,
    finish_ingest_run,
    remove_sample_rows,
    replace_tags,
    save_fetch,
    start_backfill_run,
    sync_sources,
    transaction,
    update_backfill_run,
)

ROOT = Path(__file__).resolve().parents[2]
WHEN = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Item:
    url: str
    title: str
    summary: str = ""
    guid: str | None = None
    published: datetime = WHEN - timedelta(hours=1)
    date_flag: str | None = None
    lang: str | None = "en"


@dataclass(frozen=True)
class Labels:
    countries: tuple[str, ...] = ()
    pairs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Feed:
    name: str
    outlet: str
    url: str
    site_url: str = ""
    lang: str = "en"
    kind: str = "outlet"


def _tags(conn, article_id: int) -> dict[str, list[str]]:
    return {
        "countries": [
            r[0] for r in conn.execute("SELECT country FROM article_countries WHERE article_id = ?", (article_id,))
        ],
        "pairs": [r[0] for r in conn.execute("SELECT pair FROM article_pairs WHERE article_id = ?", (article_id,))],
        "topics": [r[0] for r in conn.execute("SELECT topic FROM article_topics WHERE article_id = ?", (article_id,))],
    }


def test_the_store_loads_without_ingest_or_analysis():
    """The AST walls of tests/test_architecture.py, checked at run time: importing every store module
    loads no module of ours outside store/."""
    code = (
        "import sys, store, store.writes, store.reads, store.policy; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ingest', 'analysis', 'dashboard')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_a_fetch_of_plain_data_is_stored_with_its_tags_and_the_feed_state(fresh_db):
    conn = open_store(fresh_db)
    (feed_id,) = sync_sources(conn, [Feed("Outlet: World", "Outlet", "https://outlet.example/world.xml")])
    record = FetchRecord(url="https://outlet.example/world.xml", started_at=WHEN, outcome="ok", status=200, etag='"v1"')
    tagged = Labels(countries=("CAN", "JPN"), pairs=("CAN-JPN",), topics=("trade",))
    ids = save_fetch(
        conn,
        feed_id,
        record,
        [
            (Item("https://outlet.example/1", "Canada and Japan"), tagged),
            (Item("https://outlet.example/2", "Odd"), None),
        ],
        tagger_version="test-1",
        entries_seen=3,
        source="Outlet",
    )
    assert len(ids) == 2
    rows = conn.execute(
        "SELECT id, source, tagger_version, provenance, published_at FROM articles ORDER BY id"
    ).fetchall()
    assert rows == [
        (ids[0], "Outlet", "test-1", "live", iso(WHEN - timedelta(hours=1))),
        (ids[1], "Outlet", None, "live", iso(WHEN - timedelta(hours=1))),  # untagged: retag tries again
    ]
    assert _tags(conn, ids[0]) == {"countries": ["CAN", "JPN"], "pairs": ["CAN-JPN"], "topics": ["trade"]}
    assert _tags(conn, ids[1]) == {"countries": [], "pairs": [], "topics": []}
    assert conn.execute("SELECT country_a, country_b FROM article_pairs").fetchall() == [("CAN", "JPN")]
    assert conn.execute("SELECT items_seen, items_new FROM fetch_log").fetchall() == [(3, 2)]
    assert conn.execute("SELECT etag, last_status FROM feeds WHERE id = ?", (feed_id,)).fetchone() == ('"v1"', 200)
    assert conn.execute("SELECT day, how FROM coverage_days").fetchall() == [("2026-03-06", "live")]

    # Stored meanwhile by another writer: the same links are left alone, nothing is new.
    again = save_fetch(conn, feed_id, record, [(Item("https://outlet.example/1", "Changed title"), tagged)])
    assert again == ()
    assert conn.execute("SELECT title FROM articles WHERE id = ?", (ids[0],)).fetchone()[0] == "Canada and Japan"


def test_an_unknown_provenance_writes_nothing(fresh_db):
    conn = open_store(fresh_db)
    record = FetchRecord(url="x", started_at=WHEN, outcome="ok")
    with pytest.raises(ValueError, match="provenance"):
        save_fetch(conn, None, record, [(Item("https://a.example/1", "A"), None)], provenance="rumour")
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 0


def test_a_part_of_a_larger_change_is_refused_outside_a_transaction(fresh_db):
    conn = open_store(fresh_db)
    run_id = start_backfill_run(conn, pid=1, since="2025-01-01", until="2025-02-01", archive="a", feeds_total=2)
    progress = BackfillProgress(feeds_done=1, current_feed="Outlet", items_new=7)
    with pytest.raises(StoreError, match="transaction"):
        update_backfill_run(conn, run_id, progress)  # would have committed on its own
    assert conn.execute("SELECT feeds_done FROM backfill_runs").fetchone()[0] == 0
    with transaction(conn):
        update_backfill_run(conn, run_id, progress, "halfway")
    row = conn.execute("SELECT status, feeds_done, current_feed, items_new, message FROM backfill_runs").fetchone()
    assert row == ("running", 1, "Outlet", 7, "halfway")
    # A new run marks a run still 'running' as interrupted (the caller holds the backfill lock).
    start_backfill_run(conn, pid=2, since="2025-01-01", until="2025-02-01", archive="a", feeds_total=2)
    assert [r[0] for r in conn.execute("SELECT status FROM backfill_runs ORDER BY id")] == ["interrupted", "running"]


def test_replace_tags_rewrites_a_range_and_unstamps_what_the_tagger_skipped(fresh_db):
    conn = open_store(fresh_db)
    record = FetchRecord(url="x", started_at=WHEN, outcome="ok")
    old = Labels(countries=("USA",), topics=("defence",))
    ids = save_fetch(
        conn, None, record, [(Item(f"https://a.example/{i}", f"A{i}"), old) for i in range(3)], tagger_version="old"
    )
    replace_tags(conn, ids[0], ids[1], [(ids[0], Labels(countries=("CAN", "MEX"), pairs=("CAN-MEX",)))], "new")
    assert _tags(conn, ids[0]) == {"countries": ["CAN", "MEX"], "pairs": ["CAN-MEX"], "topics": []}
    assert _tags(conn, ids[1]) == {"countries": [], "pairs": [], "topics": []}  # in the range, not retagged
    assert _tags(conn, ids[2]) == {"countries": ["USA"], "pairs": [], "topics": ["defence"]}  # outside the range
    versions = [r[0] for r in conn.execute("SELECT tagger_version FROM articles ORDER BY id")]
    assert versions == ["new", None, "old"]


def test_removing_the_sample_takes_its_feeds_and_frees_live_stories(fresh_db):
    conn = open_store(fresh_db)
    sample_feed, live_feed = sync_sources(
        conn, [Feed("Sample", "Sample", "sample:a.xml", kind="sample"), Feed("Live", "Live", "https://live.example/f")]
    )
    record = FetchRecord(url="x", started_at=WHEN, outcome="ok")
    (sample_id,) = save_fetch(conn, sample_feed, record, [(Item("https://example.com/s", "S"), None)], is_sample=True)
    (live_id,) = save_fetch(conn, live_feed, record, [(Item("https://live.example/1", "L"), None)])
    with transaction(conn):
        conn.execute("UPDATE articles SET story_id = ?", (sample_id,))  # the live copy joined the sample's story
    assert remove_sample_rows(conn) == (1, 1)
    assert conn.execute("SELECT id, story_id FROM articles").fetchall() == [(live_id, None)]
    assert [r[0] for r in conn.execute("SELECT name FROM feeds")] == ["Live"]
    assert conn.execute("SELECT COUNT(*) FROM fetch_log WHERE feed_id = ?", (sample_feed,)).fetchone()[0] == 0


def test_the_end_of_a_run_prunes_the_log_and_says_when_and_how(fresh_db):
    conn = open_store(fresh_db)
    now = datetime.now(UTC)
    for started in (now - timedelta(days=91), now - timedelta(days=89)):
        save_fetch(conn, None, FetchRecord(url="x", started_at=started, outcome="failed", error="boom"))
    finish_ingest_run(conn, timedelta(days=90), "offline")
    assert conn.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0] == 1
    assert get_meta(conn, "last_ingest_outcome") == "offline"
    assert get_meta(conn, "last_ingest_at") is not None and get_meta(conn, "last_write_at") is not None
