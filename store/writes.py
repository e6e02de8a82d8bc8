"""Every write to the store: feeds from the source list, one fetch's articles and tags, stories, retagging,
a run's bookkeeping, the sample's removal and a backfill's progress.

The writes take plain data: an entry, its tags and a source are whatever has the attributes named by
the Protocols below (ingest.normalize.Entry, analysis.tagger.Tags and ingest.opml.Source do), so
this module imports nothing of ours outside `store/`. It never tags: `ingest.pipeline` tags first,
then hands the tags here.

One fetch is one transaction: its new articles, their tag rows, the feed's new ETag and fetch state
and the fetch-log row commit together or not at all. A run killed between two feeds therefore never
leaves an ETag stored for articles that were not (the next run would get a 304 and lose them).

A function whose docstring says "inside the caller's transaction" writes part of a larger change and
raises StoreError when called outside `transaction(conn)`; the others open their own.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from store import StoreError, get_meta, iso, policy, set_meta, utc_now
from store.reads import existing_urls, ids_by_url

log = logging.getLogger(__name__)

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


class SourceLike(Protocol):
    """A feed of the source list (ingest.opml.Source)."""

    @property
    def name(self) -> str: ...
    @property
    def outlet(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def site_url(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def kind(self) -> str: ...


class EntryLike(Protocol):
    """One normalized feed entry (ingest.normalize.Entry): canonical URL, clean text, aware UTC date."""

    @property
    def url(self) -> str: ...
    @property
    def guid(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def published(self) -> datetime: ...
    @property
    def date_flag(self) -> str | None: ...
    @property
    def lang(self) -> str | None: ...


class TagsLike(Protocol):
    """An article's tags (analysis.tagger.Tags): sorted tuples; a pair is 'AAA-BBB'."""

    @property
    def countries(self) -> tuple[str, ...]: ...
    @property
    def pairs(self) -> tuple[str, ...]: ...
    @property
    def topics(self) -> tuple[str, ...]: ...
    @property
    def organizations(self) -> tuple[str, ...]: ...


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
    unreached: bool = False  # failed before any server answered (DNS, refused, unreachable, connect timeout)


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


def _in_transaction(conn: sqlite3.Connection) -> None:
    """The connection is in autocommit mode: a part of a larger change written outside
    `transaction(conn)` would commit on its own, so refuse it."""
    if not conn.in_transaction:
        raise StoreError("this write belongs inside the caller's transaction(conn)")


# ---------------------------------------------------------------- feeds


def _redirected(conn: sqlite3.Connection, url: str) -> str:
    """Follow the permanent redirects recorded in `meta` so a moved feed keeps its new URL."""
    for _ in range(10):
        target = get_meta(conn, "redirect:" + url)
        if not target or target == url:
            break
        url = target
    return url


def sync_sources(conn: sqlite3.Connection, sources: Sequence[SourceLike]) -> list[int]:
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


def _insert_tags(conn: sqlite3.Connection, rows: Sequence[tuple[int, TagsLike]]) -> None:
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


def save_fetch(
    conn: sqlite3.Connection,
    feed_id: int | None,
    record: FetchRecord,
    articles: Iterable[tuple[EntryLike, TagsLike | None]] = (),
    *,
    tagger_version: str | None = None,
    entries_seen: int | None = None,
    source: str = "",
    is_sample: bool = False,
    provenance: str | None = None,
    captured_at: datetime | None = None,
    also: Callable[[sqlite3.Connection, tuple[int, ...]], None] | None = None,
) -> tuple[int, ...]:
    """Store one fetch: new articles with their tags, the feed's state and a fetch-log row, atomically;
    returns the ids of the articles stored.

    `articles` are (entry, tags) with distinct URLs, tagged by the caller (`ingest.pipeline`) before
    this takes the write lock, so readers and other writers wait only for the inserts; tags None
    means the tagger failed on the entry: it is stored untagged (tagger_version NULL) and `retag`
    tries again. Articles stored meanwhile (same canonical URL) are left untouched. `tagger_version`
    is stamped on the tagged ones; `entries_seen` is how many entries the fetch held, for the fetch
    log when `record.items_seen` does not say (default: the number of `articles`).

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
    tagged = list(articles)
    if entries_seen is None:
        entries_seen = len(tagged)
    fetched_at = iso(record.started_at)
    new_ids: list[int] = []
    with transaction(conn):
        # Looked up again under the write lock: another writer may have stored some meanwhile.
        stored_meanwhile = existing_urls(conn, [e.url for e, _ in tagged]) if tagged else set()
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
                    tagger_version if tags is not None else None,
                    provenance,
                    captured,
                )
                for e, tags in tagged
            ],
        )
        ids = ids_by_url(conn, [e.url for e, _ in tagged])
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
                    record.items_seen or entries_seen,
                    len(new_ids),
                    record.error,
                ),
            )
        if also is not None:
            also(conn, tuple(new_ids))
    return tuple(new_ids)


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
    reason = policy.disable_reason(r.status, failures, r.unreached)
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


# ---------------------------------------------------------------- a run's end


def finish_ingest_run(conn: sqlite3.Connection, keep_log: timedelta, outcome: str | None = None) -> None:
    """Stamp `last_ingest_at` (the last attempt, whatever it brought) and, when given, the run's
    `outcome` ('last_ingest_outcome'); drop fetch-log rows older than `keep_log`.

    The log is for diagnosing feeds, not an archive: a run every 30 min over 35 feeds adds
    ~600,000 rows a year, so a run keeps a season of it.
    """
    with transaction(conn):
        now = utc_now()
        conn.execute("DELETE FROM fetch_log WHERE started_at < ?", (iso(now - keep_log),))
        set_meta(conn, "last_ingest_at", iso(now))
        if outcome is not None:
            set_meta(conn, "last_ingest_outcome", outcome)


# ---------------------------------------------------------------- stories


def set_story_ids(conn: sqlite3.Connection, changes: Sequence[tuple[int, int]]) -> int:
    """Write (story_id, article_id) pairs in one transaction; returns how many."""
    if changes:
        with transaction(conn):
            conn.executemany("UPDATE articles SET story_id = ? WHERE id = ?", changes)
    return len(changes)


# ---------------------------------------------------------------- retagging


def replace_tags(
    conn: sqlite3.Connection, first: int, last: int, tagged: Sequence[tuple[int, TagsLike]], tagger_version: str
) -> None:
    """Replace the tag rows of the articles with ids `first`..`last` by `tagged`, in one transaction.

    Readers keep seeing a complete set of tags throughout. Articles of the range missing from
    `tagged` (the tagger failed on them) lose their tags and their tagger_version; the others get
    `tagger_version`.
    """
    with transaction(conn):
        for table in ("article_countries", "article_pairs", "article_topics", "article_organizations"):
            conn.execute(f"DELETE FROM {table} WHERE article_id BETWEEN ? AND ?", (first, last))
        _insert_tags(conn, tagged)
        conn.execute("UPDATE articles SET tagger_version = NULL WHERE id BETWEEN ? AND ?", (first, last))
        conn.executemany(
            "UPDATE articles SET tagger_version = ? WHERE id = ?", [(tagger_version, a) for a, _ in tagged]
        )


def set_tagger_version(conn: sqlite3.Connection, tagger_version: str) -> None:
    """Record that every article was tagged by `tagger_version` (meta 'tagger_version')."""
    with transaction(conn):
        set_meta(conn, "tagger_version", tagger_version)


# ---------------------------------------------------------------- the sample


def remove_sample_rows(conn: sqlite3.Connection) -> tuple[int, int]:
    """Delete every sample article (tags follow by cascade) and the sample feeds left without articles;
    returns (articles removed, live articles whose story id pointed at a removed one and is now NULL).

    The feeds go too, not only their articles: a feed row keeps the file's hash as its ETag, and a
    later load of the sample would then see "not modified" and bring nothing back.
    """
    with transaction(conn):
        removed = conn.execute("DELETE FROM articles WHERE is_sample = 1").rowcount
        orphans = conn.execute(
            "UPDATE articles SET story_id = NULL WHERE story_id IS NOT NULL "
            "AND story_id NOT IN (SELECT id FROM articles)"
        ).rowcount
        emptied = (
            "SELECT id FROM feeds WHERE kind = 'sample' "
            "AND id NOT IN (SELECT feed_id FROM articles WHERE feed_id IS NOT NULL)"
        )
        conn.execute(f"DELETE FROM fetch_log WHERE feed_id IN ({emptied})")
        conn.execute(f"DELETE FROM feeds WHERE id IN ({emptied})")
    return removed, orphans


# ---------------------------------------------------------------- a backfill's progress (ingest.backfill)


@dataclass(frozen=True)
class BackfillProgress:
    """The counters of a backfill run as its backfill_runs row keeps them."""

    feeds_done: int = 0
    current_feed: str = ""
    captures_total: int = 0
    captures_done: int = 0
    captures_failed: int = 0
    items_new: int = 0
    reached: str | None = None  # the day the run has reached, ISO


def start_backfill_run(
    conn: sqlite3.Connection, *, pid: int, since: str, until: str, archive: str, feeds_total: int
) -> int:
    """A new 'running' backfill_runs row, its id; any run still marked running is marked interrupted
    (the caller holds the backfill lock, so no other run is alive)."""
    now = iso(utc_now())
    with transaction(conn):
        conn.execute(
            "UPDATE backfill_runs SET status = 'interrupted', finished_at = updated_at WHERE status = 'running'"
        )
        cur = conn.execute(
            "INSERT INTO backfill_runs(pid, started_at, updated_at, since, until, archive, status, feeds_total) "
            "VALUES (?, ?, ?, ?, ?, ?, 'running', ?)",
            (pid, now, now, since, until, archive, feeds_total),
        )
    return int(cur.lastrowid or 0)


def update_backfill_run(
    conn: sqlite3.Connection, run_id: int, progress: BackfillProgress, message: str | None = None
) -> None:
    """Write a run's counters (and `message`, when given), inside the caller's transaction."""
    _in_transaction(conn)
    p = progress
    conn.execute(
        "UPDATE backfill_runs SET updated_at = ?, feeds_done = ?, current_feed = ?, captures_total = ?, "
        "captures_done = ?, captures_failed = ?, items_new = ?, reached = ?, message = COALESCE(?, message) "
        "WHERE id = ?",
        (
            iso(utc_now()),
            p.feeds_done,
            p.current_feed,
            p.captures_total,
            p.captures_done,
            p.captures_failed,
            p.items_new,
            p.reached,
            message,
            run_id,
        ),
    )


def end_backfill_run(conn: sqlite3.Connection, run_id: int, status: str) -> None:
    """Mark a run finished with `status` ('done' | 'stopped' | ...), inside the caller's transaction."""
    _in_transaction(conn)
    conn.execute("UPDATE backfill_runs SET status = ?, finished_at = ? WHERE id = ?", (status, iso(utc_now()), run_id))


def save_listed_window(
    conn: sqlite3.Connection,
    feed_id: int,
    url: str,
    window_from: str,
    window_to: str,
    captures: Sequence[tuple[str, str, datetime, str | None]],
) -> None:
    """What the archive's index listed for one feed URL and window, inside the caller's transaction:
    the captures kept, (url, timestamp, captured at, digest), as 'pending' rows (those already known
    are left as they are) and the window with its count and the time it was listed."""
    _in_transaction(conn)
    conn.executemany(
        "INSERT OR IGNORE INTO archive_captures(feed_id, url, timestamp, captured_at, digest) VALUES (?, ?, ?, ?, ?)",
        [(feed_id, c_url, timestamp, iso(when), digest) for c_url, timestamp, when, digest in captures],
    )
    conn.execute(
        "INSERT INTO archive_windows(feed_id, url, window_from, window_to, captures, listed_at) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(feed_id, url, window_from, window_to) DO UPDATE SET "
        "captures = excluded.captures, listed_at = excluded.listed_at",
        (feed_id, url, window_from, window_to, len(captures), iso(utc_now())),
    )


def mark_capture(
    conn: sqlite3.Connection,
    feed_id: int,
    url: str,
    timestamp: str,
    *,
    state: str,
    status: int | None,
    error: str | None,
    nbytes: int,
    items_seen: int | None = None,
    items_new: int | None = None,
) -> None:
    """Record one more attempt at an archived capture ('ok', or 'error' to try again, or 'failed' for
    good), inside the caller's transaction; an 'ok' one also records the items it held and added."""
    _in_transaction(conn)
    if state == "ok":
        conn.execute(
            "UPDATE archive_captures SET state = 'ok', attempts = attempts + 1, status = ?, error = ?, "
            "bytes = ?, items_seen = ?, items_new = ?, done_at = ? WHERE feed_id = ? AND url = ? "
            "AND timestamp = ?",
            (status, error, nbytes, items_seen or 0, items_new or 0, iso(utc_now()), feed_id, url, timestamp),
        )
        return
    conn.execute(
        "UPDATE archive_captures SET state = ?, attempts = attempts + 1, status = ?, error = ?, "
        "bytes = ?, done_at = ? WHERE feed_id = ? AND url = ? AND timestamp = ?",
        (state, status, error, nbytes, iso(utc_now()), feed_id, url, timestamp),
    )
