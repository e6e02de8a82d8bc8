"""The SQLite store: schema, migrations, connection settings, meta and the store's time format.

The bottom room of the house (docs/architecture.md): it imports nothing of ours, so anything may
use it and it can be read, tested and changed without the network, the tagger or Streamlit.

Every part of the product opens the database through `open_store` so that all of them get the
same pragmas (WAL so the dashboard reads while ingest writes, a busy timeout so a writer waits
instead of failing, foreign keys so tag rows follow their article) and the same schema version.
Every write lives in `store.writes` (plain data in, rows out; the tagging happens before, in
`ingest.pipeline`); the reads the writers need to decide what to write are in `store.reads`.
This module only knows the shape of the file.
"""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

BUSY_TIMEOUT_MS = 5000

# Each entry upgrades the schema from version i to i + 1. Never edit a released entry: append one.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE feeds (
      id                   INTEGER PRIMARY KEY,
      name                 TEXT NOT NULL UNIQUE,
      outlet               TEXT NOT NULL,
      url                  TEXT NOT NULL UNIQUE,
      site_url             TEXT,
      lang                 TEXT,
      kind                 TEXT NOT NULL,
      enabled              INTEGER NOT NULL DEFAULT 1,
      disabled_reason      TEXT,
      etag                 TEXT,
      last_modified        TEXT,
      last_fetch_at        TEXT,
      last_ok_at           TEXT,
      last_status          INTEGER,
      last_error           TEXT,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      next_fetch_at        TEXT
    );
    CREATE TABLE fetch_log (
      id INTEGER PRIMARY KEY, feed_id INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
      url TEXT NOT NULL, started_at TEXT NOT NULL, status INTEGER, bytes INTEGER NOT NULL DEFAULT 0,
      duration_ms INTEGER NOT NULL DEFAULT 0, items_seen INTEGER NOT NULL DEFAULT 0,
      items_new INTEGER NOT NULL DEFAULT 0, error TEXT
    );
    CREATE INDEX fetch_log_feed ON fetch_log(feed_id, started_at);
    CREATE TABLE articles (
      id             INTEGER PRIMARY KEY,
      url            TEXT NOT NULL UNIQUE,
      guid           TEXT,
      title          TEXT NOT NULL,
      summary        TEXT NOT NULL DEFAULT '',
      published_at   TEXT NOT NULL,
      date_flag      TEXT,
      source         TEXT NOT NULL,
      feed_id        INTEGER REFERENCES feeds(id) ON DELETE SET NULL,
      lang           TEXT,
      fetched_at     TEXT NOT NULL,
      is_sample      INTEGER NOT NULL DEFAULT 0,
      story_id       INTEGER,
      tagger_version TEXT
    );
    CREATE INDEX articles_published ON articles(published_at);
    CREATE INDEX articles_source ON articles(source, published_at);
    CREATE INDEX articles_story ON articles(story_id);
    CREATE INDEX articles_feed ON articles(feed_id);
    CREATE VIRTUAL TABLE articles_fts USING fts5(title, summary, content='articles', content_rowid='id',
      tokenize='unicode61 remove_diacritics 2');
    -- External-content FTS: the triggers are the only thing keeping the index equal to the table.
    CREATE TRIGGER articles_fts_ai AFTER INSERT ON articles BEGIN
      INSERT INTO articles_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END;
    CREATE TRIGGER articles_fts_ad AFTER DELETE ON articles BEGIN
      INSERT INTO articles_fts(articles_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
    END;
    -- Only text changes touch the index, so story_id and tagger_version updates stay cheap.
    CREATE TRIGGER articles_fts_au AFTER UPDATE OF title, summary ON articles BEGIN
      INSERT INTO articles_fts(articles_fts, rowid, title, summary)
        VALUES ('delete', old.id, old.title, old.summary);
      INSERT INTO articles_fts(rowid, title, summary) VALUES (new.id, new.title, new.summary);
    END;
    CREATE TABLE article_countries (article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
      country TEXT NOT NULL, PRIMARY KEY (article_id, country)) WITHOUT ROWID;
    CREATE TABLE article_pairs (article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
      pair TEXT NOT NULL, country_a TEXT NOT NULL, country_b TEXT NOT NULL,
      PRIMARY KEY (article_id, pair)) WITHOUT ROWID;
    CREATE TABLE article_topics (article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
      topic TEXT NOT NULL, PRIMARY KEY (article_id, topic)) WITHOUT ROWID;
    CREATE TABLE article_organizations (article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
      organization TEXT NOT NULL, PRIMARY KEY (article_id, organization)) WITHOUT ROWID;
    CREATE INDEX article_countries_value ON article_countries(country, article_id);
    CREATE INDEX article_pairs_value ON article_pairs(pair, article_id);
    CREATE INDEX article_pairs_a ON article_pairs(country_a);
    CREATE INDEX article_pairs_b ON article_pairs(country_b);
    CREATE INDEX article_topics_value ON article_topics(topic, article_id);
    CREATE INDEX article_organizations_value ON article_organizations(organization, article_id);
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    """,
    # 2 (2026-12-05, issue 11): stored dates that are not well-formed ISO 8601 UTC ("1-01-01T00:00:00Z" from
    # a year-1 pubDate, which sorted after every real date and broke every page), or before 1990, become
    # the fetch time with date_flag 'implausible', as new items are stored since.
    """
    UPDATE articles SET published_at = fetched_at, date_flag = 'implausible'
     WHERE published_at NOT GLOB '[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z'
        OR published_at < '1990-01-01';
    """,
    # 3 (issue 12): history from the Internet Archive. Every article records how it arrived
    # (provenance: 'live' | 'archive' | 'file' | 'sample') and, when archived, the capture time.
    # coverage_days says on which days each feed was seen (a live fetch or an archived capture that
    # answered), so a gap in the record is not read as silence. archive_windows, archive_captures and
    # backfill_runs are a backfill's progress: what the archive listed, what was fetched, how it went,
    # so an interrupted backfill resumes where it stopped. Existing rows get their provenance from
    # is_sample and their feed's kind, and their coverage from the fetch log and live articles.
    """
    ALTER TABLE articles ADD COLUMN provenance TEXT NOT NULL DEFAULT 'live';
    ALTER TABLE articles ADD COLUMN captured_at TEXT;
    UPDATE articles SET provenance = 'sample' WHERE is_sample = 1;
    UPDATE articles SET provenance = 'file'
     WHERE is_sample = 0 AND feed_id IN (SELECT id FROM feeds WHERE kind = 'file');
    UPDATE articles SET provenance = 'sample'
     WHERE is_sample = 0 AND feed_id IN (SELECT id FROM feeds WHERE kind = 'sample');
    CREATE TABLE coverage_days (
      feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
      day     TEXT NOT NULL,
      how     TEXT NOT NULL,
      PRIMARY KEY (feed_id, day, how)
    ) WITHOUT ROWID;
    CREATE INDEX coverage_days_day ON coverage_days(day, feed_id);
    INSERT OR IGNORE INTO coverage_days(feed_id, day, how)
      SELECT l.feed_id, substr(l.started_at, 1, 10), 'live' FROM fetch_log l JOIN feeds f ON f.id = l.feed_id
       WHERE f.kind IN ('outlet', 'official')
         AND (l.status = 304 OR (l.status BETWEEN 200 AND 299 AND l.items_seen > 0));
    INSERT OR IGNORE INTO coverage_days(feed_id, day, how)
      SELECT DISTINCT a.feed_id, substr(a.fetched_at, 1, 10), 'live' FROM articles a JOIN feeds f ON f.id = a.feed_id
       WHERE f.kind IN ('outlet', 'official') AND a.provenance = 'live';
    CREATE TABLE archive_windows (
      feed_id     INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
      url         TEXT NOT NULL,
      window_from TEXT NOT NULL,
      window_to   TEXT NOT NULL,
      captures    INTEGER NOT NULL DEFAULT 0,
      listed_at   TEXT NOT NULL,
      PRIMARY KEY (feed_id, url, window_from, window_to)
    ) WITHOUT ROWID;
    CREATE TABLE archive_captures (
      feed_id     INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
      url         TEXT NOT NULL,
      timestamp   TEXT NOT NULL,
      captured_at TEXT NOT NULL,
      digest      TEXT,
      state       TEXT NOT NULL DEFAULT 'pending',
      attempts    INTEGER NOT NULL DEFAULT 0,
      status      INTEGER,
      error       TEXT,
      bytes       INTEGER NOT NULL DEFAULT 0,
      items_seen  INTEGER NOT NULL DEFAULT 0,
      items_new   INTEGER NOT NULL DEFAULT 0,
      done_at     TEXT,
      PRIMARY KEY (feed_id, url, timestamp)
    ) WITHOUT ROWID;
    CREATE INDEX archive_captures_state ON archive_captures(feed_id, state, captured_at);
    CREATE TABLE backfill_runs (
      id             INTEGER PRIMARY KEY,
      pid            INTEGER,
      started_at     TEXT NOT NULL,
      updated_at     TEXT NOT NULL,
      finished_at    TEXT,
      since          TEXT NOT NULL,
      until          TEXT NOT NULL,
      archive        TEXT NOT NULL,
      status         TEXT NOT NULL,
      feeds_total    INTEGER NOT NULL DEFAULT 0,
      feeds_done     INTEGER NOT NULL DEFAULT 0,
      current_feed   TEXT,
      captures_total INTEGER NOT NULL DEFAULT 0,
      captures_done  INTEGER NOT NULL DEFAULT 0,
      captures_failed INTEGER NOT NULL DEFAULT 0,
      items_new      INTEGER NOT NULL DEFAULT 0,
      reached        TEXT,
      message        TEXT
    );
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The store cannot be opened or written (bad path, read-only file, newer schema)."""


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(dt: datetime) -> str:
    """The store's one time format: `YYYY-MM-DDTHH:MM:SSZ`, which sorts as text.

    Formatted field by field rather than with strftime: glibc's `%Y` does not pad years before
    1000, so a year-1 pubDate became "1-01-01T00:00:00Z" and a year-999 one "999-12-31...", which
    sorts after every real date and broke every page (issue 11).
    """
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    dt = dt.astimezone(UTC)
    return f"{dt.year:04d}-{dt.month:02d}-{dt.day:02d}T{dt.hour:02d}:{dt.minute:02d}:{dt.second:02d}Z"


def parse_iso(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def open_store(path: str | os.PathLike) -> sqlite3.Connection:
    """Open (creating if needed) the store at `path` and bring its schema up to date.

    The connection is in autocommit mode (`isolation_level=None`): writers open their own
    `BEGIN IMMEDIATE` transactions, so readers never hold a stray write lock. It may be shared
    across threads (Streamlit reruns on other threads) as long as calls do not overlap.
    """
    path = Path(path)
    if str(path) != ":memory:":
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create folder {path.parent}: {exc}") from exc
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = _use_wal(conn)
        if mode.lower() not in ("wal", "memory"):
            raise StoreError(f"cannot switch {path} to WAL mode (got {mode})")
        # NORMAL is durable against a killed process in WAL mode; only power loss can undo a commit.
        conn.execute("PRAGMA synchronous = NORMAL")
        _migrate(conn)
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise StoreError(f"cannot open store {path}: {exc}") from exc
    return conn


def _use_wal(conn: sqlite3.Connection) -> str:
    """Switch to WAL once per file. The switch needs an exclusive lock and SQLite does not wait for
    it through the busy handler, so when several processes open a fresh file at once, retry."""
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    if mode.lower() == "wal":
        return mode
    give_up = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            return conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > give_up:
                raise
            time.sleep(0.02)


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise StoreError(f"store schema version {version} is newer than this code ({SCHEMA_VERSION})")
    if version == SCHEMA_VERSION:
        return
    # Two processes may open a fresh file at once: take the write lock, then look again.
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        for number in range(version, SCHEMA_VERSION):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number + 1}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _statements(script: str) -> list[str]:
    """Split a migration into statements; `executescript` would commit our transaction."""
    statements, buffer = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buffer.strip():
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        raise StoreError(f"incomplete statement in migration: {buffer[:80]!r}")
    return statements


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value)
    )


def get_meta(conn: sqlite3.Connection, key: str) -> str | None:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return row[0] if row else None
