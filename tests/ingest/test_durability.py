"""Crash safety and concurrency: SIGKILL mid-run then re-run; the dashboard reading while ingest writes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ingest.runner import fetch_all
from store import open_store
from tests.ingest.feedserver import FeedServer, Route, headline, rss

REPO = Path(__file__).resolve().parents[2]
FEEDS, ITEMS = 30, 40


def _feed_body(n: int) -> bytes:
    return rss(
        f"Feed {n}",
        [
            {
                "title": f"{headline(n * 1000 + i)} in Canada and Japan",
                "link": f"https://feed{n}.example.org/story/{i}",
                "date": f"Fri, 06 Mar 2026 {i % 24:02d}:{n % 60:02d}:00 GMT",
                "description": f"Carney and Takaichi met in Tokyo, item {i} of feed {n}.",
            }
            for i in range(ITEMS)
        ],
    )


@pytest.fixture
def slow_server():
    with FeedServer() as server:
        for n in range(FEEDS):
            server.route(f"/feed{n}.xml", Route(body=_feed_body(n), etag=f'"e{n}"', delay=0.15))
        yield server


def _ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)


def _per_feed_counts(db: Path) -> list[int]:
    conn = _ro(db)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT COUNT(a.id) FROM feeds f LEFT JOIN articles a ON a.feed_id = f.id GROUP BY f.id"
            )
        ]
    finally:
        conn.close()


@pytest.mark.parametrize("kill_after_logged", [1, 12])
def test_sigkill_mid_run_leaves_a_consistent_store_and_the_rerun_finishes(
    slow_server, fresh_db, write_sources, kill_after_logged
):
    sources = write_sources([(f"Feed {n}", slow_server.url(f"/feed{n}.xml")) for n in range(FEEDS)])
    cmd = [sys.executable, "-m", "ingest", "--db", str(fresh_db), "--sources", str(sources)]
    proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        logged = 0
        while time.monotonic() < deadline and proc.poll() is None:
            if fresh_db.exists():
                try:
                    conn = _ro(fresh_db)
                    logged = conn.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0]
                    conn.close()
                except sqlite3.OperationalError:
                    logged = 0  # schema not created yet
            if logged >= kill_after_logged:
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stderr:
            proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    conn = open_store(fresh_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    # One transaction per feed: each feed has all its items or none, and an ETag only with its items.
    assert set(_per_feed_counts(fresh_db)) <= {0, ITEMS}
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM feeds f WHERE etag IS NOT NULL AND "
            "(SELECT COUNT(*) FROM articles WHERE feed_id = f.id) != ?",
            (ITEMS,),
        ).fetchone()[0]
        == 0
    )
    stored_before = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    assert 0 < stored_before < FEEDS * ITEMS
    conn.close()

    rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr
    conn = open_store(fresh_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT url) FROM articles").fetchone() == (FEEDS * ITEMS,) * 2
    assert (
        conn.execute("SELECT COUNT(*) FROM articles WHERE tagger_version IS NULL OR story_id IS NULL").fetchone()[0]
        == 0
    )
    assert (
        conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'takaichi'").fetchone()[0]
        == FEEDS * ITEMS
    )
    # Feeds completed before the kill answered 304 on the re-run: their state had been committed.
    not_modified = conn.execute("SELECT COUNT(*) FROM fetch_log WHERE status = 304").fetchone()[0]
    assert not_modified == stored_before // ITEMS
    assert "ok" in rerun.stdout


def test_reading_while_ingesting(slow_server, fresh_db, write_sources):
    sources = write_sources([(f"Feed {n}", slow_server.url(f"/feed{n}.xml")) for n in range(FEEDS)])
    open_store(fresh_db).close()
    errors: list[BaseException] = []
    counts: list[int] = []
    stop = threading.Event()

    def reader():
        conn = open_store(fresh_db)
        try:
            while not stop.is_set():
                counts.append(conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0])
                conn.execute(
                    "SELECT c.country, COUNT(*) FROM article_countries c JOIN articles a "
                    "ON a.id = c.article_id GROUP BY c.country"
                ).fetchall()
                conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'tokyo' LIMIT 5").fetchall()
                time.sleep(0.005)
        except BaseException as exc:  # collected and asserted in the main thread
            errors.append(exc)
        finally:
            conn.close()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        summary = fetch_all(fresh_db, sources)
    finally:
        stop.set()
        thread.join()
    assert errors == []
    assert summary.ok == FEEDS and summary.new_articles == FEEDS * ITEMS
    assert counts == sorted(counts)  # never saw a feed's articles disappear
    assert len(set(counts)) > 2  # and saw the run progress, feed by feed
    assert set(counts) <= {k * ITEMS for k in range(FEEDS + 1)}  # never half a feed
