"""History on day one: replay the feeds' past from the Internet Archive's captures of them.

A new install knows only what its feeds hold today, a few days of items each. The Wayback Machine
has captured the feeds of Canadian outlets many times a month for years, and each capture is the
feed as it stood that day. `backfill` asks the archive's CDX index for each feed's captures in a
period, fetches each capture's original bytes and sends them through the same path as a live fetch
(parse -> normalize -> tag -> store), so history needs no scraping and no new source of truth.

How it talks to the archive (the Wayback CDX server API, github.com/internetarchive/wayback,
wayback-cdx-server/README.md):

- the index: `{archive}/cdx/search/cdx?url=FEED&output=json&from=YYYYMMDD&to=YYYYMMDD
  &filter=statuscode:200&collapse=digest&fl=...&limit=N&showResumeKey=true`, one query per calendar
  month and URL, paged with the answer's resumption key. `output=json` answers a list of rows whose
  first row names the fields; with `showResumeKey`, an empty row and then `[key]` close a page that
  has more. `collapse=digest` drops a capture whose content equals the one just before it; here the
  list is further thinned to at most `per_day` captures a day (the last of each half-day with 2) and
  captures whose digest was already seen for the feed are dropped.
- a capture: `{archive}/web/{timestamp}id_/{original url}`, the `id_` form, which answers the bytes
  as captured rather than the page rewritten for browsing.

It is polite and resumable. One request at a time, at most one every `delay` seconds (2.5 s by
default, i.e. 24 a minute: the hard limit the Wayback Machine now sets on its index, according to
the `wayback` Python client's 0.5.1 release notes; its staff have said that 429s ignored for a minute
get the address blocked for an hour, so a 429 or 503 is always waited out, `Retry-After` first, else
60 s doubling). Every fetch goes through `ingest.fetcher.fetch`, so the size, time and redirect limits
and the refusal of internal addresses are those of live fetches. What the index listed and what each
capture gave is kept in the store (archive_windows, archive_captures, backfill_runs), and each
capture's articles commit together with its row, so a backfill stopped at any moment (Ctrl-C,
SIGKILL, lost network) resumes where it was and never stores an item twice.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

from ingest import config
from ingest.fetcher import FetchResult, fetch, make_client
from ingest.normalize import FeedError, parse_feed
from ingest.opml import Source, read_opml
from ingest.pipeline import recluster, save_entries
from store import open_store, utc_now
from store.writes import (
    BackfillProgress,
    FetchRecord,
    end_backfill_run,
    mark_capture,
    save_listed_window,
    start_backfill_run,
    sync_sources,
    transaction,
    update_backfill_run,
)

log = logging.getLogger(__name__)

DEFAULT_SINCE = date(2025, 1, 1)
DEFAULT_DELAY_S = config.DEFAULT_ARCHIVE_DELAY  # between the starts of two requests to the archive
DEFAULT_PER_DAY = 2  # captures kept per feed URL and day
CDX_PAGE = 2000  # index rows per answer; more come through the resumption key
RETRIES = 4  # a 429/503 is asked again this many times before the run stops
BACKOFF_S = 60.0  # the first wait after a 429/503 without Retry-After; doubles
MAX_WAIT_S = 900.0  # a Retry-After longer than this stops the run instead
NETWORK_STRIKES = 3  # network failures in a row that mean the archive (or the network) is gone
MAX_ATTEMPTS = 3  # runs in which a capture failing for a passing reason is tried
SETTLE = timedelta(days=3)  # the archive indexes captures within days; younger months are listed again
CDX_FIELDS = ("timestamp", "original", "digest", "statuscode", "mimetype")
# Answers that will not change by asking again: the capture is recorded as failed for good.
_PERMANENT = re.compile(
    r"^(HTTP 4\d\d|redirect loop|more than \d+ redirects|body |bad compressed body|"
    r"unsupported Content-Encoding|bad URL|refused)"
)
_CAPTURE_PATH = re.compile(r"/web/(\d{14})[a-z_]*/")


class BackfillError(Exception):
    """The backfill cannot start (bad period, unknown feed names, another backfill running)."""


class ArchiveStopped(Exception):
    """The archive keeps refusing (429/503) or cannot be reached: stop now, resume later."""


class BackfillBusy(BackfillError):
    """Another backfill holds the store's backfill lock."""


# ---------------------------------------------------------------- the archive's answers


@dataclass(frozen=True)
class Capture:
    url: str  # the feed URL as the archive recorded it (its `original` field)
    timestamp: str  # 14 digits, UTC
    digest: str | None

    @property
    def when(self) -> datetime:
        return capture_time(self.timestamp)


def capture_time(timestamp: str) -> datetime:
    """A Wayback timestamp (`yyyyMMddhhmmss`, UTC) as an aware datetime."""
    return datetime.strptime(timestamp[:14].ljust(14, "0"), "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def cdx_query_url(
    archive: str, url: str, first: date, last: date, resume_key: str | None = None, limit: int | None = None
) -> str:
    """The index query for `url`'s successful captures from `first` to `last` (both inclusive)."""
    params = [
        ("url", url),
        ("output", "json"),
        ("from", first.strftime("%Y%m%d")),
        ("to", last.strftime("%Y%m%d")),
        ("filter", "statuscode:200"),
        ("collapse", "digest"),
        ("fl", ",".join(CDX_FIELDS)),
        ("limit", str(limit or CDX_PAGE)),
        ("showResumeKey", "true"),
    ]
    if resume_key:
        params.append(("resumeKey", resume_key))
    return f"{archive}/cdx/search/cdx?{urlencode(params)}"


def capture_url(archive: str, capture: Capture) -> str:
    """The `id_` form: the capture's original bytes, not the page the archive rewrites for browsers."""
    return f"{archive}/web/{capture.timestamp}id_/{capture.url}"


def parse_cdx(body: bytes) -> tuple[list[Capture], str | None]:
    """An `output=json` index answer -> (captures in order, resumption key or None).

    Raises ValueError with a readable reason when the answer is not such a list.
    """
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return [], None
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        start = text[:60].replace("\n", " ")
        raise ValueError(f"index answer is not JSON ({exc.msg}): {start!r}") from None
    if not isinstance(rows, list) or any(not isinstance(r, list) for r in rows):
        raise ValueError("index answer is not a list of rows")
    if not rows:
        return [], None
    header = [str(h) for h in rows[0]]
    missing = [f for f in ("timestamp", "original") if f not in header]
    if missing:
        raise ValueError(f"index answer lacks the field(s) {', '.join(missing)}")
    at = {name: i for i, name in enumerate(header)}
    captures: list[Capture] = []
    resume_key = None
    body_rows = rows[1:]
    for i, row in enumerate(body_rows):
        if not row:  # showResumeKey: an empty row, then [key]
            tail = body_rows[i + 1] if i + 1 < len(body_rows) else []
            resume_key = str(tail[0]) if tail else None
            break
        if len(row) < len(header):
            continue
        status = str(row[at["statuscode"]]) if "statuscode" in at else "200"
        timestamp = str(row[at["timestamp"]])
        if status != "200" or not re.fullmatch(r"\d{14}", timestamp):
            continue
        digest = str(row[at["digest"]]) if "digest" in at else None
        captures.append(Capture(url=str(row[at["original"]]), timestamp=timestamp, digest=digest))
    return captures, resume_key


def thin(
    captures: Iterable[Capture], per_day: int = DEFAULT_PER_DAY, seen_digests: set[str] | None = None
) -> list[Capture]:
    """At most `per_day` captures a day: the last of each 24/per_day-hour slot whose content is new.

    The last rather than the first: a feed keeps its newest items, so the latest capture of a slot
    holds what the earlier ones held and more, and an item published late in the slot is not lost
    when the index collapsed the next slot's identical capture into this one. A digest already in
    `seen_digests` (the same bytes captured earlier) is passed over; the set is updated with what is kept.
    """
    seen = seen_digests if seen_digests is not None else set()
    per_day = max(1, min(24, per_day))
    slots: dict[tuple[str, int], list[Capture]] = {}
    for c in sorted(captures, key=lambda c: c.timestamp):
        slots.setdefault((c.timestamp[:8], int(c.timestamp[8:10]) * per_day // 24), []).append(c)
    kept: list[Capture] = []
    for slot in sorted(slots):
        for c in reversed(slots[slot]):
            if c.digest and c.digest in seen:
                continue
            if c.digest:
                seen.add(c.digest)
            kept.append(c)
            break
    return kept


def month_windows(since: date, until: date) -> list[tuple[date, date]]:
    """[since, until] cut at calendar months: one index query each, small and quick to answer."""
    windows = []
    start = since
    while start <= until:
        nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        windows.append((start, min(until, nxt - timedelta(days=1))))
        start = nxt
    return windows


def spread(items: Sequence, n: int | None) -> list:
    """`n` items evenly spread over `items` (all when n is None or large enough)."""
    if n is None or n >= len(items):
        return list(items)
    if n <= 0:
        return []
    if n == 1:
        return [items[0]]
    return [items[round(i * (len(items) - 1) / (n - 1))] for i in range(n)]


# ---------------------------------------------------------------- one polite client


class Archive:
    """Every request to the archive, one at a time, paced, with 429/503 waited out.

    `sleep` and `clock` are parameters so that tests can watch the pace without waiting for it.
    """

    def __init__(
        self,
        base: str,
        delay: float = DEFAULT_DELAY_S,
        *,
        retries: int = RETRIES,
        backoff: float = BACKOFF_S,
        max_wait: float = MAX_WAIT_S,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.base = base.rstrip("/")
        self.delay = max(0.0, delay)
        self.retries, self.backoff, self.max_wait = retries, backoff, max_wait
        self.sleep, self.clock = sleep, clock
        self.requests = 0
        self._last_start: float | None = None
        self._strikes = 0
        self.client = make_client(2)
        self.client.headers["User-Agent"] = config.BACKFILL_USER_AGENT
        # fetch() follows redirects itself; this hook paces each hop too, so a redirecting capture
        # is two paced requests, not two at once.
        self._paced = False
        self.client.event_hooks["request"].append(lambda _request: self._hop())

    def close(self) -> None:
        self.client.close()

    def _hop(self) -> None:
        if self._paced:
            self._paced = False  # get() paced this request before the fetch (and its deadline) began
        else:
            self._pace()

    def _pace(self) -> None:
        now = self.clock()
        if self._last_start is not None:
            wait = self._last_start + self.delay - now
            if wait > 0:
                self.sleep(wait)
                now = self.clock()
        self._last_start = now
        self.requests += 1

    def get(self, url: str) -> FetchResult:
        """GET within the live limits; waits out 429/503; raises ArchiveStopped when it must stop."""
        wait = self.backoff
        for attempt in range(self.retries + 1):
            self._pace()
            self._paced = True
            result = fetch(self.client, url)
            self._paced = False
            if result.status in (429, 503):
                if attempt == self.retries:
                    raise ArchiveStopped(
                        f"the archive still answers {result.error} after {self.retries} "
                        "waits; stopped, run the backfill again later to resume"
                    )
                pause = wait
                if result.retry_after is not None:
                    pause = max(0.0, (result.retry_after - datetime.now(UTC)).total_seconds())
                if pause > self.max_wait:
                    raise ArchiveStopped(
                        f"the archive answers {result.error} and asks for a wait of "
                        f"{pause:,.0f} s; stopped, run the backfill again later to resume"
                    )
                log.warning("archive: %s on %s; waiting %.0f s", result.error, url, pause)
                self.sleep(pause)
                wait *= 2
                continue
            if result.outcome == "failed" and result.status is None and not _PERMANENT.match(result.error or ""):
                self._strikes += 1
                if self._strikes >= NETWORK_STRIKES:
                    raise ArchiveStopped(
                        f"the archive cannot be reached ({result.error}; {self._strikes} requests "
                        "in a row); stopped, run the backfill again to resume"
                    )
            else:
                self._strikes = 0
            return result
        raise AssertionError("unreachable")


# ---------------------------------------------------------------- the run


@dataclass(frozen=True)
class Progress:
    """What a progress bar shows: where the run is, and how much it has brought in."""

    feeds_done: int
    feeds_total: int
    feed: str
    phase: str  # 'listing' | 'fetching'
    captures_done: int  # this run, all feeds
    captures_total: int  # listed so far for this run (grows as feeds are listed)
    feed_done: int  # this feed
    feed_total: int
    items_new: int
    reached: str | None  # capture time of the last capture done, YYYY-MM-DD

    @property
    def fraction(self) -> float:
        if not self.feeds_total:
            return 1.0
        inside = self.feed_done / self.feed_total if self.feed_total else 0.0
        return min(1.0, (self.feeds_done + (inside if self.phase == "fetching" else 0.0)) / self.feeds_total)


@dataclass
class BackfillSummary:
    feeds: int = 0
    listed: int = 0  # captures listed in the period, after thinning (all runs)
    fetched: int = 0  # captures fetched and stored this run
    failed: int = 0  # captures recorded as failed this run (for good or to retry)
    retry_later: int = 0  # ... of which will be tried again by the next run
    items_seen: int = 0
    items_new: int = 0
    requests: int = 0
    seconds: float = 0.0
    stopped: str | None = None
    errors: list[tuple[str, str, str]] = field(default_factory=list)  # (feed, capture timestamp or '', error)
    run_id: int | None = None

    def line(self) -> str:
        text = (
            f"{self.feeds} feeds, {self.fetched:,} captures stored, {self.failed:,} failed "
            f"({self.retry_later:,} to retry); {self.items_new:,} new articles of {self.items_seen:,} items; "
            f"{self.requests:,} requests in {self.seconds:.1f} s"
        )
        return text + (f"; STOPPED: {self.stopped}" if self.stopped else "")


@dataclass(frozen=True)
class _Feed:
    id: int
    name: str
    outlet: str
    lang: str | None
    urls: tuple[str, ...]


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise BackfillError(f"not a date: {text!r} (use YYYY-MM-DD)") from None


def lock_path(db_path: str | os.PathLike) -> Path:
    return Path(str(db_path) + ".backfill.lock")


@contextmanager
def backfill_lock(db_path: str | os.PathLike):
    """One backfill per store at a time: an exclusive `flock` on `<db>.backfill.lock`, held by the
    running process and released by the kernel however it ends (even SIGKILL)."""
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, one at a time is then the user's care
        yield
        return
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            raise BackfillBusy(f"another backfill is running on this store (process {holder})") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)


def running_backfill(db_path: str | os.PathLike) -> int | None:
    """The process id of the backfill running on this store, or None when none is."""
    try:
        import fcntl
    except ImportError:
        return None
    path = lock_path(db_path)
    if not path.exists():
        return None
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            text = fh.read().strip()
            return int(text) if text.isdigit() else -1
        fcntl.flock(fh, fcntl.LOCK_UN)
    return None


def _feed_urls(conn, feed_id: int, current: str, source: Source | None) -> tuple[str, ...]:
    """Every URL this feed has had: its stored URL, the list's, the list's former URLs, and the
    addresses that permanent redirects moved it from (meta `redirect:<old>`)."""
    urls = [current]
    if source is not None:
        urls += [source.url, *source.former_urls]
    targets = set(urls)
    moved = dict(conn.execute("SELECT substr(key, 10), value FROM meta WHERE key LIKE 'redirect:%'").fetchall())
    grew = True
    while grew:
        grew = False
        for old, new in moved.items():
            if new in targets and old not in targets:
                targets.add(old)
                urls.append(old)
                grew = True
    return tuple(dict.fromkeys(u for u in urls if u))


def _select_feeds(conn, sources: list[Source], ids: list[int], names: Sequence[str] | None) -> list[_Feed]:
    by_id = dict(zip(ids, sources))
    rows = conn.execute("SELECT id, name, outlet, lang, url, enabled, kind FROM feeds").fetchall()
    chosen = []
    given = {n.casefold(): n for n in names or ()}
    wanted = set(given)
    matched: set[str] = set()
    for feed_id, name, outlet, lang, url, enabled, kind in rows:
        if feed_id not in by_id or kind not in ("outlet", "official"):
            continue
        if wanted:
            hits = {w for w in wanted if w in (name.casefold(), outlet.casefold())}
            if not hits:
                continue
            matched |= hits
        elif not enabled:
            continue
        chosen.append(_Feed(feed_id, name, outlet, lang, _feed_urls(conn, feed_id, url, by_id[feed_id])))
    unknown = wanted - matched
    if unknown:
        raise BackfillError(
            f"no feed or outlet named {', '.join(sorted(given[u] for u in unknown))} in the source list"
        )
    order = {feed_id: i for i, feed_id in enumerate(ids)}
    return sorted(chosen, key=lambda f: order[f.id])


class _Run:
    """One backfill run's bookkeeping: the backfill_runs row and the counters behind the bar."""

    def __init__(
        self, conn, since: date, until: date, archive: str, feeds: int, on_progress: Callable[[Progress], None] | None
    ):
        self.conn = conn
        self.on_progress = on_progress
        self.summary = BackfillSummary(feeds=feeds)
        self.feeds_total, self.feeds_done = feeds, 0
        self.feed, self.phase = "", "listing"
        self.captures_total = self.captures_done = 0
        self.feed_done = self.feed_total = 0
        self.reached: str | None = None
        # Any run still marked running is dead: we hold the lock.
        self.id = start_backfill_run(
            conn, pid=os.getpid(), since=since.isoformat(), until=until.isoformat(), archive=archive, feeds_total=feeds
        )
        self.summary.run_id = self.id

    def write(self, conn, message: str | None = None) -> None:
        """Update the run row; called inside the caller's transaction."""
        s = self.summary
        progress = BackfillProgress(
            feeds_done=self.feeds_done,
            current_feed=self.feed,
            captures_total=self.captures_total,
            captures_done=self.captures_done,
            captures_failed=s.failed,
            items_new=s.items_new,
            reached=self.reached,
        )
        update_backfill_run(conn, self.id, progress, message)

    def save(self, message: str | None = None) -> None:
        with transaction(self.conn):
            self.write(self.conn, message)

    def tell(self) -> None:
        if self.on_progress:
            self.on_progress(
                Progress(
                    self.feeds_done,
                    self.feeds_total,
                    self.feed,
                    self.phase,
                    self.captures_done,
                    self.captures_total,
                    self.feed_done,
                    self.feed_total,
                    self.summary.items_new,
                    self.reached,
                )
            )

    def finish(self, status: str, message: str | None) -> None:
        with transaction(self.conn):
            self.write(self.conn, message)
            end_backfill_run(self.conn, self.id, status)


def _list_window(archive: Archive, url: str, first: date, last: date) -> tuple[list[Capture] | None, str | None]:
    """Every capture the index lists for `url` in one window, following resumption keys;
    (None, error) when the index does not answer with a usable list."""
    captures: list[Capture] = []
    key = None
    while True:
        result = archive.get(cdx_query_url(archive.base, url, first, last, key))
        if result.outcome != "ok":
            return None, f"index query for {first:%Y-%m}: {result.error}"
        try:
            page, key = parse_cdx(result.body)
        except ValueError as exc:
            return None, f"index query for {first:%Y-%m}: {exc}"
        captures.extend(page)
        if not key or not page:
            return captures, None


def _list_feed(conn, archive: Archive, feed: _Feed, since: date, until: date, per_day: int, run: _Run) -> None:
    """Ask the index for every month of the period not yet listed for good; keep the thinned
    captures as 'pending' rows. A window the index does not answer is not marked: the next run asks again."""
    seen = {
        r[0]
        for r in conn.execute(
            "SELECT digest FROM archive_captures WHERE feed_id = ? AND digest IS NOT NULL", (feed.id,)
        )
    }
    for url in feed.urls:
        for first, last in month_windows(since, until):
            row = conn.execute(
                "SELECT listed_at FROM archive_windows WHERE feed_id = ? AND url = ? "
                "AND window_from = ? AND window_to = ?",
                (feed.id, url, first.isoformat(), last.isoformat()),
            ).fetchone()
            if row and date.fromisoformat(row[0][:10]) - last > SETTLE:
                continue  # listed after the month had settled: the index will not add to it
            run.reached = first.isoformat()
            run.tell()
            captures, error = _list_window(archive, url, first, last)
            if captures is None:
                run.summary.errors.append((feed.name, "", f"{error} ({url})"))
                log.warning("%s: %s (%s)", feed.name, error, url)
                continue
            kept = thin(captures, per_day, seen)
            with transaction(conn):
                save_listed_window(
                    conn,
                    feed.id,
                    url,
                    first.isoformat(),
                    last.isoformat(),
                    [(c.url, c.timestamp, c.when, c.digest) for c in kept],
                )
                run.write(conn, f"listing {feed.name}: {first:%Y-%m}")
    run.reached = None


def _store_failure(
    conn, run: _Run, feed: _Feed, url: str, timestamp: str, attempts: int, status: int | None, error: str, nbytes: int
) -> None:
    permanent = bool(_PERMANENT.match(error)) or error.startswith(
        ("not a feed", "invalid XML", "empty body", "refused", "parser error")
    )
    state = "failed" if permanent or attempts + 1 >= MAX_ATTEMPTS else "error"
    run.summary.failed += 1
    run.summary.retry_later += state == "error"
    run.summary.errors.append((feed.name, timestamp, error))
    with transaction(conn):
        mark_capture(conn, feed.id, url, timestamp, state=state, status=status, error=error, nbytes=nbytes)
        run.write(conn)


def _fetch_feed(
    conn,
    archive: Archive,
    feed: _Feed,
    since: date,
    until: date,
    max_captures: int | None,
    run: _Run,
    new_ids: list[int],
) -> None:
    todo = conn.execute(
        "SELECT url, timestamp, attempts FROM archive_captures WHERE feed_id = ? AND state IN ('pending', 'error') "
        "AND captured_at >= ? AND captured_at < ? ORDER BY captured_at, url",
        (feed.id, f"{since.isoformat()}T00:00:00Z", f"{(until + timedelta(days=1)).isoformat()}T00:00:00Z"),
    ).fetchall()
    todo = spread(todo, max_captures)
    run.phase, run.feed_done, run.feed_total = "fetching", 0, len(todo)
    run.captures_total += len(todo)
    run.tell()
    for url, timestamp, attempts in todo:
        capture = Capture(url, timestamp, None)
        result = archive.get(capture_url(archive.base, capture))
        when = capture.when
        moved = _CAPTURE_PATH.search(result.final_url or "")
        if moved and moved.group(1) != timestamp:  # the archive redirected to its nearest capture
            when = capture_time(moved.group(1))
        run.feed_done += 1
        run.captures_done += 1
        run.reached = when.date().isoformat()
        if result.outcome != "ok":
            _store_failure(
                conn, run, feed, url, timestamp, attempts, result.status, result.error or "failed", result.nbytes
            )
            run.tell()
            continue
        try:
            # the same cap as a live run: an archived copy of a huge feed keeps its newest entries only
            parsed = parse_feed(
                result.body, url, when, feed.lang, result.content_type, max_entries=config.max_entries(None)
            )
        except FeedError as exc:
            _store_failure(conn, run, feed, url, timestamp, attempts, result.status, str(exc), result.nbytes)
            run.tell()
            continue
        except Exception as exc:  # feedparser on hostile bytes: record it, never stop the run
            log.exception("parser crashed on %s", result.url)
            _store_failure(
                conn,
                run,
                feed,
                url,
                timestamp,
                attempts,
                result.status,
                f"parser error: {exc.__class__.__name__}: {exc}",
                result.nbytes,
            )
            run.tell()
            continue
        seen = len(parsed.entries) + parsed.skipped
        record = FetchRecord(
            url=result.url,
            started_at=utc_now(),
            outcome="ok",
            status=result.status,
            bytes=result.nbytes,
            duration_ms=result.duration_ms,
            error=parsed.warning,
            items_seen=seen,
        )

        def mark(
            c,
            ids: tuple[int, ...],
            url=url,
            timestamp=timestamp,
            seen=seen,
            warning=parsed.warning,
            status=result.status,
            nbytes=result.nbytes,
        ) -> None:
            run.summary.fetched += 1
            run.summary.items_seen += seen
            run.summary.items_new += len(ids)
            mark_capture(
                c,
                feed.id,
                url,
                timestamp,
                state="ok",
                status=status,
                error=warning,
                nbytes=nbytes,
                items_seen=seen,
                items_new=len(ids),
            )
            run.write(c)

        before = (run.summary.fetched, run.summary.items_seen, run.summary.items_new)
        try:
            saved = save_entries(
                conn,
                feed.id,
                record,
                parsed.entries,
                source=feed.outlet,
                provenance="archive",
                captured_at=when,
                also=mark,
            )
        except BaseException:
            run.summary.fetched, run.summary.items_seen, run.summary.items_new = before  # rolled back
            raise
        new_ids.extend(saved.new_ids)
        if parsed.warning:
            run.summary.errors.append((feed.name, timestamp, parsed.warning))
        log.info(
            "%s %s: %d items, %d new%s",
            feed.name,
            timestamp,
            seen,
            len(saved.new_ids),
            f" ({parsed.warning})" if parsed.warning else "",
        )
        run.tell()


def backfill(
    db_path=None,
    sources_path=None,
    *,
    since: date = DEFAULT_SINCE,
    until: date | None = None,
    feeds: Sequence[str] | None = None,
    max_captures: int | None = None,
    archive_url: str | None = None,
    delay: float | None = None,
    per_day: int = DEFAULT_PER_DAY,
    on_progress: Callable[[Progress], None] | None = None,
    archive: Archive | None = None,
) -> BackfillSummary:
    """Backfill every enabled feed of the source list (or the `feeds` named) from `since` to `until`.

    `delay` is the least time between two requests (None: `MPM_ARCHIVE_DELAY`, else 2.5 s).

    Resumes any earlier run: months already listed for good are not asked again, captures already
    stored are not fetched again. Raises BackfillError before any request when it cannot start, and
    returns a summary whose `stopped` says why when the archive made it stop early.
    """
    t0 = time.monotonic()
    until = min(until or utc_now().date(), utc_now().date())
    if since > until:
        raise BackfillError(f"the period is empty: --since {since} is after --until {until}")
    if max_captures is not None and max_captures < 1:
        raise BackfillError("--max-captures must be 1 or more")
    try:
        pace = config.archive_delay() if delay is None else delay
    except ValueError as exc:
        raise BackfillError(str(exc)) from None
    sources = read_opml(config.sources_path(sources_path))
    db = config.db_path(db_path)
    with backfill_lock(db):
        conn = open_store(db)
        own_archive = archive is None
        client = archive or Archive(config.archive_url(archive_url), pace)
        try:
            ids = sync_sources(conn, sources)
            chosen = _select_feeds(conn, sources, ids, feeds)
            run = _Run(conn, since, until, client.base, len(chosen), on_progress)
            new_ids: list[int] = []
            status, message = "done", None
            try:
                for feed in chosen:
                    run.feed, run.phase, run.feed_done, run.feed_total = feed.name, "listing", 0, 0
                    run.save(f"listing {feed.name}")
                    run.tell()
                    _list_feed(conn, client, feed, since, until, per_day, run)
                    _fetch_feed(conn, client, feed, since, until, max_captures, run, new_ids)
                    run.feeds_done += 1
                    run.save()
                    run.tell()
            except ArchiveStopped as exc:
                status, message = "stopped", str(exc)
                run.summary.stopped = str(exc)
            except BaseException as exc:
                run.finish(
                    "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed",
                    "interrupted" if isinstance(exc, KeyboardInterrupt) else f"{exc.__class__.__name__}: {exc}",
                )
                raise
            if new_ids:
                run.save(f"clustering stories among {len(new_ids):,} new articles")
                recluster(conn, new_ids)
            run.summary.listed = sum(
                conn.execute(
                    "SELECT COUNT(*) FROM archive_captures WHERE feed_id = ? AND captured_at >= ? AND captured_at < ?",
                    (f.id, f"{since.isoformat()}T00:00:00Z", f"{(until + timedelta(days=1)).isoformat()}T00:00:00Z"),
                ).fetchone()[0]
                for f in chosen
            )
            run.summary.requests = client.requests
            run.summary.seconds = time.monotonic() - t0
            run.finish(status, message or run.summary.line())
            return run.summary
        finally:
            if own_archive:
                client.close()
            conn.close()
