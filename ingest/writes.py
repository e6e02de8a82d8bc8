"""Every write to the store: feeds from the source list, one fetch's articles and tags, stories, retagging.

One fetch is one transaction: its new articles, their tag rows, the feed's new ETag and fetch state
and the fetch-log row commit together or not at all. A run killed between two feeds therefore never
leaves an ETag stored for articles that were not (the next run would get a 304 and lose them).
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ingest import policy
from ingest.normalize import Entry
from ingest.opml import Source
from ingest.store import get_meta, iso, parse_iso, set_meta, utc_now

log = logging.getLogger(__name__)

STORY_WINDOW = timedelta(days=3)
SQL_CHUNK = 500
# How an article arrived: fetched live from its feed, replayed from an archived capture of the feed
# (ingest.backfill), read from a saved file (--from-dir), or the bundled illustrative sample.
PROVENANCES = ("live", "archive", "file", "sample")
# The provenances whose fetches say that a real feed was seen on a day (coverage_days).
COVERED = ("live", "archive")
TAG_TABLES = (
    ("countries", "article_countries", "country"),
    ("topics", "article_topics", "topic"),
    ("organizations", "article_organizations", "organization"),
)


@dataclass(frozen=True)
class FetchRecord:
    """What one attempt at a feed produced, as the fetch log and the feed's state need it."""

    url: str
    started_at: datetime
    outcome: str  # 'ok' | 'not_modified' | 'failed'
    status: int | None = None
    bytes: int = 0
    duration_ms: int = 0
    error: str | None = None  # for 'ok', a warning (e.g. XML recovered) or None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # target of a permanent (301/308) redirect chain
    retry_after: datetime | None = None
    items_seen: int = 0


@dataclass(frozen=True)
class SavedFetch:
    new_ids: tuple[int, ...]
    duplicates: int
    untagged: int  # articles stored without tags because the tagger raised


# ---------------------------------------------------------------- transactions


class _Transaction:
    """`BEGIN IMMEDIATE` ... `COMMIT`, or `ROLLBACK` on any exception (including KeyboardInterrupt)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if exc_type is None:
            set_meta(self.conn, "last_write_at", iso(utc_now()))
            self.conn.execute("COMMIT")
        else:
            self.conn.execute("ROLLBACK")
        return False


def transaction(conn: sqlite3.Connection) -> _Transaction:
    return _Transaction(conn)


# ---------------------------------------------------------------- feeds


def _redirected(conn: sqlite3.Connection, url: str) -> str:
    """Follow the permanent redirects recorded in `meta` so a moved feed keeps its new URL."""
    for _ in range(10):
        target = get_meta(conn, "redirect:" + url)
        if not target or target == url:
            break
        url = target
    return url


def sync_sources(conn: sqlite3.Connection, sources: Sequence[Source]) -> list[int]:
    """Upsert `sources` into `feeds` (matched by URL, then by name); returns their feed ids in order.

    Feeds missing from the list are left alone: their articles keep pointing at them, and a run
    only fetches the feeds of the list it was given.
    """
    ids: list[int] = []
    with transaction(conn):
        for s in sources:
            url = _redirected(conn, s.url)
            row = (
                conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
                or conn.execute("SELECT id FROM feeds WHERE name = ?", (s.name,)).fetchone()
            )
            values = (s.name, s.outlet, s.site_url or None, s.lang or None, s.kind)
            if row is None:
                name = _free_name(conn, s.name, url)
                cur = conn.execute(
                    "INSERT INTO feeds(name, outlet, url, site_url, lang, kind) VALUES (?, ?, ?, ?, ?, ?)",
                    (name, s.outlet, url, s.site_url or None, s.lang or None, s.kind),
                )
                ids.append(int(cur.lastrowid or 0))
                continue
            feed_id = row[0]
            try:
                conn.execute("SAVEPOINT sync_one")
                conn.execute(
                    "UPDATE feeds SET name = ?, outlet = ?, site_url = ?, lang = ?, kind = ?, url = ? WHERE id = ?",
                    (*values, url, feed_id),
                )
                conn.execute("RELEASE sync_one")
            except sqlite3.IntegrityError as exc:
                # Another feed already holds this name or URL; keep the stored values for this one.
                conn.execute("ROLLBACK TO sync_one")
                conn.execute("RELEASE sync_one")
                log.warning("source %r not synced: %s", s.name, exc)
            ids.append(feed_id)
    return ids


def _free_name(conn: sqlite3.Connection, name: str, url: str) -> str:
    candidate, n = name, 2
    while conn.execute("SELECT 1 FROM feeds WHERE name = ? AND url != ?", (candidate, url)).fetchone():
        candidate = f"{name} ({n})"
        n += 1
    return candidate


def ensure_feed(
    conn: sqlite3.Connection,
    *,
    name: str,
    outlet: str,
    url: str,
    kind: str,
    lang: str | None = None,
    site_url: str | None = None,
) -> int:
    """The id of the feed with `url`, created if needed (used for saved files and sample data)."""
    row = conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()
    if row:
        return row[0]
    with transaction(conn):
        cur = conn.execute(
            "INSERT INTO feeds(name, outlet, url, site_url, lang, kind) VALUES (?, ?, ?, ?, ?, ?) "
            "ON CONFLICT(url) DO NOTHING",
            (_free_name(conn, name, url), outlet, url, site_url, lang, kind),
        )
        if cur.rowcount and cur.lastrowid is not None:
            return cur.lastrowid
    return conn.execute("SELECT id FROM feeds WHERE url = ?", (url,)).fetchone()[0]


def set_enabled(conn: sqlite3.Connection, name: str, enabled: bool, reason: str | None = None) -> bool:
    """Enable (clearing failures and backoff) or disable a feed by name; False when there is none."""
    with transaction(conn):
        if enabled:
            cur = conn.execute(
                "UPDATE feeds SET enabled = 1, disabled_reason = NULL, consecutive_failures = 0, "
                "next_fetch_at = NULL WHERE name = ?",
                (name,),
            )
        else:
            cur = conn.execute(
                "UPDATE feeds SET enabled = 0, disabled_reason = ? WHERE name = ?", (reason or "disabled by hand", name)
            )
    return cur.rowcount > 0


# ---------------------------------------------------------------- one fetch


def _tagger():
    from analysis import tagger  # imported on first use: loading the gazetteers takes a moment

    return tagger


def _insert_tags(conn: sqlite3.Connection, rows: Sequence[tuple[int, Any]]) -> None:
    pairs: list[tuple] = []
    simple: dict[str, list] = {table: [] for _, table, _ in TAG_TABLES}
    for article_id, tags in rows:
        pairs.extend((article_id, p, *p.split("-", 1)) for p in tags.pairs)
        for attr, table, _ in TAG_TABLES:
            simple[table].extend((article_id, v) for v in getattr(tags, attr))
    for _, table, column in TAG_TABLES:
        if simple[table]:
            conn.executemany(f"INSERT OR IGNORE INTO {table}(article_id, {column}) VALUES (?, ?)", simple[table])
    if pairs:
        conn.executemany(
            "INSERT OR IGNORE INTO article_pairs(article_id, pair, country_a, country_b) VALUES (?, ?, ?, ?)", pairs
        )


def _existing_urls(conn: sqlite3.Connection, urls: list[str]) -> set[str]:
    found: set[str] = set()
    for i in range(0, len(urls), SQL_CHUNK):
        chunk = urls[i : i + SQL_CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk))
    return found


def _ids_by_url(conn: sqlite3.Connection, urls: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i in range(0, len(urls), SQL_CHUNK):
        chunk = urls[i : i + SQL_CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT url, id FROM articles WHERE url IN ({marks})", chunk).fetchall())
    return found


def save_fetch(
    conn: sqlite3.Connection,
    feed_id: int | None,
    record: FetchRecord,
    entries: Iterable[Entry] = (),
    *,
    source: str = "",
    is_sample: bool = False,
    provenance: str | None = None,
    captured_at: datetime | None = None,
    also: Callable[[sqlite3.Connection, tuple[int, ...]], None] | None = None,
) -> SavedFetch:
    """Store one fetch: new articles with their tags, the feed's state and a fetch-log row, atomically.

    Articles already stored (same canonical URL) are left untouched. Tagging happens before the
    write lock is taken, so readers and other writers wait only for the inserts.

    `provenance` says how the articles arrived (PROVENANCES; default 'sample' when `is_sample`, else
    'live'). An 'archive' fetch (ingest.backfill) is a past capture of the feed: it stores the capture
    time `captured_at` on its articles and leaves the feed's live state (ETag, backoff) and the fetch
    log alone. A live or archive fetch that answered marks its day in `coverage_days`. `also(conn,
    new_ids)` runs inside the same transaction, so a caller's own bookkeeping (a backfill's capture
    row) commits with the articles or not at all.
    """
    provenance = provenance or ("sample" if is_sample else "live")
    if provenance not in PROVENANCES:
        raise ValueError(f"unknown provenance {provenance!r}")
    entries = list(entries)
    unique: dict[str, Entry] = {}
    for e in entries:
        unique.setdefault(e.url, e)
    existing = _existing_urls(conn, list(unique))
    fresh = [e for url, e in unique.items() if url not in existing]
    tagger = _tagger() if fresh else None
    tagged: list[tuple[Entry, Any]] = []
    untagged = 0
    for e in fresh:
        try:
            assert tagger is not None  # fresh entries exist, so the tagger was loaded
            tags = tagger.tag(e.title, e.summary, e.published, e.lang)
        except Exception:  # one odd entry must not sink the feed; `retag` tries again later
            log.exception("tagger failed on %s", e.url)
            tags = None
            untagged += 1
        tagged.append((e, tags))
    fetched_at = iso(record.started_at)
    version = tagger.TAGGER_VERSION if tagger else None
    new_ids: list[int] = []
    with transaction(conn):
        # Looked up again under the write lock: another writer may have stored some meanwhile.
        stored_meanwhile = _existing_urls(conn, [e.url for e, _ in tagged]) if tagged else set()
        tagged = [(e, tags) for e, tags in tagged if e.url not in stored_meanwhile]
        captured = iso(captured_at) if captured_at is not None and provenance == "archive" else None
        conn.executemany(
            "INSERT INTO articles(url, guid, title, summary, published_at, date_flag, source, feed_id, lang, "
            "fetched_at, is_sample, tagger_version, provenance, captured_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    e.url,
                    e.guid,
                    e.title,
                    e.summary,
                    iso(e.published),
                    e.date_flag,
                    source,
                    feed_id,
                    e.lang,
                    fetched_at,
                    int(is_sample),
                    version if tags is not None else None,
                    provenance,
                    captured,
                )
                for e, tags in tagged
            ],
        )
        ids = _ids_by_url(conn, [e.url for e, _ in tagged])
        new_ids = [ids[e.url] for e, _ in tagged]
        tag_rows = [(ids[e.url], tags) for e, tags in tagged if tags is not None]
        _insert_tags(conn, tag_rows)
        if feed_id is not None and provenance in COVERED and record.outcome in ("ok", "not_modified"):
            day = (captured or fetched_at)[:10]
            conn.execute(
                "INSERT OR IGNORE INTO coverage_days(feed_id, day, how) VALUES (?, ?, ?)", (feed_id, day, provenance)
            )
        if provenance != "archive":
            if feed_id is not None:
                _update_feed_state(conn, feed_id, record)
            conn.execute(
                "INSERT INTO fetch_log(feed_id, url, started_at, status, bytes, duration_ms, items_seen, items_new, "
                "error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    feed_id,
                    record.url,
                    fetched_at,
                    record.status,
                    record.bytes,
                    record.duration_ms,
                    record.items_seen or len(entries),
                    len(new_ids),
                    record.error,
                ),
            )
        if also is not None:
            also(conn, tuple(new_ids))
    return SavedFetch(tuple(new_ids), len(entries) - len(new_ids), untagged)


def _update_feed_state(conn: sqlite3.Connection, feed_id: int, r: FetchRecord) -> None:
    now = iso(r.started_at)
    if r.outcome in ("ok", "not_modified"):
        conn.execute(
            "UPDATE feeds SET last_fetch_at = ?, last_ok_at = ?, last_status = ?, last_error = ?, "
            "consecutive_failures = 0, next_fetch_at = NULL, "
            "etag = COALESCE(?, CASE WHEN ? THEN etag END), "
            "last_modified = COALESCE(?, CASE WHEN ? THEN last_modified END) WHERE id = ?",
            # a 304 keeps the validators; a 200 without them clears the old ones
            (
                now,
                now,
                r.status,
                r.error,
                r.etag,
                r.outcome == "not_modified",
                r.last_modified,
                r.outcome == "not_modified",
                feed_id,
            ),
        )
        if r.moved_to:
            _move_feed(conn, feed_id, r.moved_to)
        return
    failures = conn.execute("SELECT consecutive_failures FROM feeds WHERE id = ?", (feed_id,)).fetchone()[0] + 1
    reason = policy.disable_reason(r.status, failures)
    next_at = policy.next_fetch_after_failure(r.started_at, failures, r.retry_after)
    conn.execute(
        "UPDATE feeds SET last_fetch_at = ?, last_status = ?, last_error = ?, consecutive_failures = ?, "
        "next_fetch_at = ?, enabled = CASE WHEN ? IS NULL THEN enabled ELSE 0 END, "
        "disabled_reason = COALESCE(?, disabled_reason) WHERE id = ?",
        (now, r.status, r.error, failures, iso(next_at), reason, reason, feed_id),
    )


def _move_feed(conn: sqlite3.Connection, feed_id: int, new_url: str) -> None:
    old = conn.execute("SELECT url FROM feeds WHERE id = ?", (feed_id,)).fetchone()[0]
    if old == new_url:
        return
    if conn.execute("SELECT 1 FROM feeds WHERE url = ?", (new_url,)).fetchone():
        log.warning("feed %s moved to %s, which another feed already uses; keeping the old URL", old, new_url)
        return
    conn.execute("UPDATE feeds SET url = ? WHERE id = ?", (new_url, feed_id))
    set_meta(conn, "redirect:" + old, new_url)


# ---------------------------------------------------------------- stories


def recluster(conn: sqlite3.Connection, new_ids: Sequence[int] = (), everything: bool = False) -> int:
    """Recompute story ids around `new_ids` (and any article never clustered); returns rows changed.

    The window is the new articles' publication span widened by STORY_WINDOW on each side, since a
    story's other articles may be a little older or newer than the ones just stored.
    """
    if everything:
        bounds = conn.execute("SELECT MIN(published_at), MAX(published_at) FROM articles").fetchone()
    else:
        bounds = (None, None)
        spans = []
        for i in range(0, len(new_ids), SQL_CHUNK):
            chunk = list(new_ids[i : i + SQL_CHUNK])
            spans.append(
                conn.execute(
                    "SELECT MIN(published_at), MAX(published_at) FROM articles "
                    f"WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchone()
            )
        spans.append(
            conn.execute("SELECT MIN(published_at), MAX(published_at) FROM articles WHERE story_id IS NULL").fetchone()
        )
        lows = [s[0] for s in spans if s[0]]
        highs = [s[1] for s in spans if s[1]]
        if lows:
            bounds = (_shift(min(lows), -STORY_WINDOW), _shift(max(highs), STORY_WINDOW))
    if bounds[0] is None:
        return 0
    import pandas as pd  # imported here: a run with nothing new should not pay for pandas

    from analysis.stories import cluster_stories

    # The tagger's countries (title and summary, leaders by date) separate two stories whose titles
    # alone cannot ("Carney meets premier to talk trade" in Tokyo, then in Seoul) and join a copy
    # whose title names the U.S. where the wire's names Canada. Untagged articles get '' and fall
    # back to the countries named in their title.
    frame = pd.read_sql_query(
        "SELECT a.id, a.title, a.published_at, a.source, a.story_id, "
        "COALESCE((SELECT group_concat(c.country) FROM article_countries c WHERE c.article_id = a.id), '') "
        "AS countries FROM articles a WHERE a.published_at BETWEEN ? AND ? ORDER BY a.id",
        conn,
        params=bounds,
    )
    if frame.empty:
        return 0
    stories = cluster_stories(frame[["id", "title", "published_at", "source", "countries"]].copy())
    current = dict(zip(frame["id"].tolist(), frame["story_id"].tolist()))
    changes = [
        (int(story), int(article_id))
        for article_id, story in stories.items()
        if current.get(int(article_id)) is None
        or pd.isna(current.get(int(article_id)))
        or int(current[int(article_id)]) != int(story)
    ]
    if changes:
        with transaction(conn):
            conn.executemany("UPDATE articles SET story_id = ? WHERE id = ?", changes)
    return len(changes)


def _shift(text: str, delta: timedelta) -> str:
    try:
        return iso(parse_iso(text) + delta)
    except ValueError:
        return text


# ---------------------------------------------------------------- retagging


def retag_all(
    conn: sqlite3.Connection, batch: int = 2000, on_progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-tag every article with the current tagger, then recluster every story; returns the count.

    Works in batches of consecutive ids, each one transaction (delete the batch's tag rows, insert
    the new ones, stamp `tagger_version`), so readers keep seeing a complete set of tags throughout.
    """
    tagger = _tagger()
    total = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    done, last_id = 0, 0
    while True:
        rows = conn.execute(
            "SELECT id, title, summary, published_at, lang FROM articles WHERE id > ? ORDER BY id LIMIT ?",
            (last_id, batch),
        ).fetchall()
        if not rows:
            break
        first, last_id = rows[0][0], rows[-1][0]
        tagged = []
        for article_id, title, summary, published, lang in rows:
            try:
                tagged.append((article_id, tagger.tag(title, summary, published, lang)))
            except Exception:
                log.exception("tagger failed on article %s", article_id)
        ok_ids = [(tagger.TAGGER_VERSION, a) for a, _ in tagged]
        with transaction(conn):
            for table in ("article_countries", "article_pairs", "article_topics", "article_organizations"):
                conn.execute(f"DELETE FROM {table} WHERE article_id BETWEEN ? AND ?", (first, last_id))
            _insert_tags(conn, tagged)
            conn.execute("UPDATE articles SET tagger_version = NULL WHERE id BETWEEN ? AND ?", (first, last_id))
            conn.executemany("UPDATE articles SET tagger_version = ? WHERE id = ?", ok_ids)
        done += len(rows)
        if on_progress:
            on_progress(done, total)
    with transaction(conn):
        set_meta(conn, "tagger_version", tagger.TAGGER_VERSION)
    recluster(conn, everything=True)
    return done
