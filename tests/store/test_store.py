"""The store's schema, pragmas and migrations, on real SQLite files."""

from __future__ import annotations

import sqlite3
import threading

import pytest

import store
from store import SCHEMA_VERSION, StoreError, open_store

TABLES = {
    "feeds",
    "fetch_log",
    "articles",
    "articles_fts",
    "article_countries",
    "article_pairs",
    "article_topics",
    "article_organizations",
    "meta",
    "coverage_days",
    "archive_windows",
    "archive_captures",
    "backfill_runs",
}


def _insert_article(conn, url="https://example.org/a", title="Canada and Japan sign a deal", summary="In Tokyo."):
    return conn.execute(
        "INSERT INTO articles(url, title, summary, published_at, source, fetched_at) VALUES (?, ?, ?, ?, ?, ?) "
        "RETURNING id",
        (url, title, summary, "2026-03-06T14:00:00Z", "CBC News", "2026-03-06T15:00:00Z"),
    ).fetchone()[0]


def test_fresh_store_has_the_documented_schema(fresh_db):
    conn = open_store(fresh_db)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    assert TABLES <= names
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA busy_timeout").fetchone()[0] == store.BUSY_TIMEOUT_MS
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    columns = [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
    assert columns == [
        "id",
        "url",
        "guid",
        "title",
        "summary",
        "published_at",
        "date_flag",
        "source",
        "feed_id",
        "lang",
        "fetched_at",
        "is_sample",
        "story_id",
        "tagger_version",
        "provenance",
        "captured_at",
    ]
    pair_cols = [r[1] for r in conn.execute("PRAGMA table_info(article_pairs)")]
    assert pair_cols == ["article_id", "pair", "country_a", "country_b"]
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert {
        "article_countries_value",
        "article_pairs_value",
        "article_pairs_a",
        "article_pairs_b",
        "article_topics_value",
        "article_organizations_value",
        "articles_published",
    } <= indexes
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_reopening_keeps_data_and_version(fresh_db):
    conn = open_store(fresh_db)
    _insert_article(conn)
    conn.close()
    again = open_store(fresh_db)
    assert again.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    assert again.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_fts_follows_inserts_updates_and_deletes(fresh_db):
    conn = open_store(fresh_db)
    article = _insert_article(conn, title="Canada and Japan sign a deal", summary="Énergie et défense à Tokyo")
    match = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?"
    assert conn.execute(match, ("japan",)).fetchall() == [(article,)]
    assert conn.execute(match, ("energie",)).fetchall() == [(article,)]  # diacritics removed
    conn.execute("UPDATE articles SET title = 'Canada and Korea talk trade' WHERE id = ?", (article,))
    assert conn.execute(match, ("japan",)).fetchall() == []
    assert conn.execute(match, ("korea",)).fetchall() == [(article,)]
    conn.execute("UPDATE articles SET story_id = id WHERE id = ?", (article,))
    assert conn.execute(match, ("korea",)).fetchall() == [(article,)]
    conn.execute("DELETE FROM articles WHERE id = ?", (article,))
    assert conn.execute(match, ("korea",)).fetchall() == []
    conn.execute("INSERT INTO articles_fts(articles_fts, rank) VALUES ('integrity-check', 1)")


def test_tag_rows_go_with_their_article(fresh_db):
    conn = open_store(fresh_db)
    article = _insert_article(conn)
    conn.execute("INSERT INTO article_countries VALUES (?, 'CAN'), (?, 'JPN')", (article, article))
    conn.execute("INSERT INTO article_pairs VALUES (?, 'CAN-JPN', 'CAN', 'JPN')", (article,))
    conn.execute("INSERT INTO article_topics VALUES (?, 'trade')", (article,))
    conn.execute("INSERT INTO article_organizations VALUES (?, 'g7')", (article,))
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO article_topics VALUES (9999, 'trade')")
    conn.execute("DELETE FROM articles WHERE id = ?", (article,))
    for table in ("article_countries", "article_pairs", "article_topics", "article_organizations"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0


def test_a_newer_schema_is_refused(fresh_db):
    conn = open_store(fresh_db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        open_store(fresh_db)


def test_unwritable_location_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError):
        open_store(blocker / "news.db")


def test_not_a_database_is_a_store_error(tmp_path):
    bad = tmp_path / "news.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError):
        open_store(bad)


def test_many_openers_of_a_fresh_file_agree(fresh_db):
    errors = []

    def opener():
        try:
            open_store(fresh_db).close()
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=opener) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    conn = open_store(fresh_db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_meta_round_trip(fresh_db):
    conn = open_store(fresh_db)
    store.set_meta(conn, "last_ingest_at", "2026-03-06T15:00:00Z")
    store.set_meta(conn, "last_ingest_at", "2026-03-07T15:00:00Z")
    assert store.get_meta(conn, "last_ingest_at") == "2026-03-07T15:00:00Z"
    assert store.get_meta(conn, "nothing") is None
