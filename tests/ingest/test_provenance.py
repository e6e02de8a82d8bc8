"""How each article arrived (live, archive, file, sample) and on which days each feed was seen:
written by every ingest path, and filled in for stores made before migration 3 (issue 12)."""

from __future__ import annotations

import sqlite3

import store
from ingest.runner import fetch_all, ingest_dir
from ingest.sample import load_sample
from store import open_store
from tests.ingest.feedserver import Route, rss


def _old_store(path) -> sqlite3.Connection:
    """A store as the code before issue 12 left it: schema version 2."""
    conn = sqlite3.connect(path, isolation_level=None)
    for number in range(2):
        for statement in store._statements(store.MIGRATIONS[number]):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 2")
    return conn


def test_migration_fills_provenance_and_coverage_of_existing_rows(tmp_path):
    path = tmp_path / "old.db"
    conn = _old_store(path)
    conn.executemany(
        "INSERT INTO feeds(id, name, outlet, url, kind) VALUES (?, ?, ?, ?, ?)",
        [
            (1, "Live", "Live", "https://a.example/rss", "outlet"),
            (2, "Saved", "Saved", "file:///saved.xml", "file"),
            (3, "Sample", "Sample", "sample:x.xml", "sample"),
            (4, "Gov", "Gov", "https://gc.example/atom", "official"),
        ],
    )
    articles = [
        (1, 1, 0, "2026-03-01T10:00:00Z"),
        (2, 1, 0, "2026-03-04T10:00:00Z"),
        (3, 2, 0, "2026-03-02T10:00:00Z"),
        (4, 3, 1, "2026-03-02T10:00:00Z"),
        (5, None, 0, "2026-03-02T10:00:00Z"),
    ]
    conn.executemany(
        "INSERT INTO articles(id, url, title, published_at, source, feed_id, fetched_at, is_sample) "
        "VALUES (?, 'https://a.example/' || ?, 't', ?, 's', ?, ?, ?)",
        [(a, a, fetched, f, fetched, sample) for a, f, sample, fetched in articles],
    )
    conn.executemany(
        "INSERT INTO fetch_log(feed_id, url, started_at, status, items_seen, error) VALUES (?, 'u', ?, ?, ?, ?)",
        [
            (1, "2026-03-03T08:00:00Z", 304, 0, None),  # not modified: the feed answered
            (1, "2026-03-05T08:00:00Z", 500, 0, "HTTP 500"),  # failed: not a day seen
            (4, "2026-03-05T09:00:00Z", 200, 12, None),
            (4, "2026-03-06T09:00:00Z", 200, 0, "not a feed (HTML page)"),
            (2, "2026-03-02T09:00:00Z", 200, 5, None),
        ],
    )  # a file: not coverage
    conn.close()

    conn = open_store(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == store.SCHEMA_VERSION
    got = dict(conn.execute("SELECT id, provenance FROM articles").fetchall())
    assert got == {1: "live", 2: "live", 3: "file", 4: "sample", 5: "live"}
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE captured_at IS NOT NULL").fetchone()[0] == 0
    days = conn.execute("SELECT feed_id, day, how FROM coverage_days ORDER BY feed_id, day").fetchall()
    assert days == [
        (1, "2026-03-01", "live"),
        (1, "2026-03-03", "live"),
        (1, "2026-03-04", "live"),
        (4, "2026-03-05", "live"),
    ]
    for table in ("archive_windows", "archive_captures", "backfill_runs"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0
    conn.close()


def test_live_fetches_record_provenance_and_the_days_the_feed_answered(feed_server, fresh_db, write_sources):
    body = rss(
        "World",
        [
            {
                "title": "Canada and Japan sign a deal",
                "link": "https://a.example/1",
                "date": "Fri, 06 Mar 2026 10:00:00 GMT",
            }
        ],
    )
    ok = feed_server.route("/ok.xml", Route(body=body, etag='"v1"'))
    gone = feed_server.route("/gone.xml", Route(status=404))
    sources = write_sources([("Ok: World", ok), ("Gone: World", gone)])
    fetch_all(fresh_db, sources, deadline_s=5)
    fetch_all(fresh_db, sources, force=True, deadline_s=5)  # a 304 the second time
    conn = open_store(fresh_db)
    assert conn.execute("SELECT provenance, captured_at FROM articles").fetchall() == [("live", None)]
    rows = conn.execute("SELECT f.name, c.how FROM coverage_days c JOIN feeds f ON f.id = c.feed_id").fetchall()
    assert rows == [("Ok: World", "live")]  # one day, once; the failing feed was never seen
    conn.close()


def test_saved_files_and_the_sample_record_their_provenance(tmp_path):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "world.xml").write_bytes(
        rss(
            "Saved | World",
            [
                {
                    "title": "Canada and Korea talk trade",
                    "link": "https://b.example/1",
                    "date": "Fri, 06 Mar 2026 10:00:00 GMT",
                }
            ],
        )
    )
    db = tmp_path / "news.db"
    ingest_dir(db, folder)
    load_sample(db)
    conn = open_store(db)
    got = dict(conn.execute("SELECT provenance, COUNT(*) FROM articles GROUP BY provenance").fetchall())
    assert got["file"] == 1 and got["sample"] > 100 and set(got) == {"file", "sample"}
    assert conn.execute("SELECT COUNT(*) FROM coverage_days").fetchone()[0] == 0  # no real feed was seen
    conn.close()
