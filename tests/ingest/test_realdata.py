"""feedparser's own robustness corpus through our ingest path: nothing may escape as an exception.

Skips cleanly when `<repo>/../shared/realdata/feedparser-tests` is absent (nothing is copied into the repo).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.runner import _feed_files, fetch_all, ingest_dir
from store import open_store
from tests.ingest.feedserver import Route

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata" / "feedparser-tests"
pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/realdata/feedparser-tests is absent"),
]


def test_every_corpus_file_goes_through_ingest_dir(fresh_db):
    files = _feed_files(CORPUS)
    assert len(files) > 2000
    summary = ingest_dir(fresh_db, CORPUS)
    assert summary.ok + summary.failed == len(files) and summary.not_modified == 0
    assert summary.ok > 1500 and summary.new_articles > 100
    conn = open_store(fresh_db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0] == len(files)
    assert (
        conn.execute("SELECT COUNT(*) FROM fetch_log WHERE feed_id IS NULL AND error IS NULL").fetchone()[0] == 0
    )  # every failed file says why
    # Stored text is plain: the sanitizer corpus (script tags, event handlers) leaves no markup behind.
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM articles WHERE title LIKE '%<script%' OR summary LIKE '%<script%'"
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM articles WHERE published_at NOT GLOB "
            "'[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]Z'"
        ).fetchone()[0]
        == 0
    )
    again = ingest_dir(fresh_db, CORPUS)
    assert again.new_articles == 0 and again.ok == 0


HEADER = re.compile(rb"^Header:\s*([\w-]+):\s*(.+?)\s*$", re.MULTILINE)


def test_encoding_and_illformed_files_over_http_with_their_headers(feed_server, fresh_db, write_sources):
    """The corpus files that declare HTTP headers (charsets that contradict the XML) are served with them."""
    files = [p for folder in ("encoding", "illformed") for p in _feed_files(CORPUS / folder)]
    sources = []
    for n, path in enumerate(files):
        body = path.read_bytes()
        headers = {k.decode(): v.decode("latin-1") for k, v in HEADER.findall(body[:2000])} or {
            "Content-Type": "application/xml"
        }
        sources.append((f"corpus {n}", feed_server.route(f"/c{n}", Route(body=body, headers=headers))))
    summary = fetch_all(fresh_db, write_sources(sources))
    assert summary.ok + summary.failed == len(files)
    assert summary.ok > len(files) // 2
    assert open_store(fresh_db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"
