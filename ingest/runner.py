"""One ingest run: fetch every due feed (or read every saved file), store, then recluster stories.

Threads do the waiting (HTTP) and the parsing; the calling thread alone writes, one transaction per
feed, so the order of writes never depends on the network and a kill loses at most the feed in hand.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ingest import config
from ingest.fetcher import DEADLINE_S, MAX_BYTES, FetchResult, fetch, make_client
from ingest.netguard import strip_credentials
from ingest.normalize import FeedError, ParsedFeed, parse_feed
from ingest.opml import OPMLError, Source, read_opml
from ingest.pipeline import recluster, save_entries
from store import iso, open_store, utc_now
from store.writes import FetchRecord, ensure_feed, finish_ingest_run, sync_sources

log = logging.getLogger(__name__)

WORKERS = 32
PER_HOST = 3
# A body over LARGE_BODY bytes may be held (downloaded, cut to the entry cap, parsed) by at most
# LARGE_SLOTS feeds at once; the others wait, holding LARGE_BODY bytes each. Parsing is CPU under
# one GIL, so more at once is no faster; eight 9.5 MB feeds read at once peaked at 1.23 GB (issue 11).
LARGE_BODY = 1024 * 1024
LARGE_SLOTS = 2
FETCH_LOG_KEEP = timedelta(days=90)
Progress = Callable[[int, int, str], None]
# Saved-feed folders often hold notes and source lists beside the feeds.
NOT_FEEDS = {".opml", ".md", ".txt", ".py", ".csv", ".tsv", ".html", ".htm", ".db", ".gz", ".zip"}


# Why a feed of the list was not asked this run. The first three are the polite schedule, which
# `--force` (the dashboard's Fetch anyway) overrides; the others no run overrides.
SKIP_REASONS = {
    "backoff": "waiting after failures (backoff)",
    "retry_after": "the server asked us to wait (Retry-After)",
    "not_due": "not due yet",
    "disabled": "disabled (re-enable with `python -m ingest sources enable NAME`)",
    "not_fetched": "saved files, read with --from-dir, never fetched",
}
FORCEABLE = ("backoff", "retry_after", "not_due")
UNREACHED = {
    "dns": "DNS lookup failed",
    "refused": "connection refused",
    "unreachable": "network unreachable",
    "timeout": "connect timeout",
    "connect": "cannot connect",
}


@dataclass(frozen=True)
class Skip:
    """One feed a run did not ask, why (a SKIP_REASONS key), and from when it is due (ISO UTC, or None)."""

    name: str
    reason: str
    until: str | None = None


@dataclass(frozen=True)
class SkipGroup:
    reason: str
    label: str
    count: int
    until: str | None  # the earliest time one of them is due again (None: not by waiting)
    names: tuple[str, ...]


@dataclass
class RunSummary:
    """What one run did, for the CLI and the dashboard alike (both print `headline()` and `skip_lines()`)."""

    ok: int = 0
    not_modified: int = 0
    failed: int = 0
    skipped: int = 0
    new_articles: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)  # (feed name, error)
    seconds: float = 0.0
    skips: list[Skip] = field(default_factory=list)
    unreached: dict[str, int] = field(default_factory=dict)  # feeds that reached no server, by UNREACHED kind
    hosts: list[str] = field(default_factory=list)  # the distinct hosts asked
    forced: bool = False

    @property
    def attempted(self) -> int:
        return self.ok + self.not_modified + self.failed

    @property
    def outcome(self) -> str:
        """'offline', 'unreachable', 'nothing_due', 'failed', 'partial' or 'ok'.

        Offline: every feed asked failed before any server answered (DNS, refused, unreachable,
        connect timeout; never an HTTP error, which a live server sent) and they were on at least
        two hosts. With one host, a dead server and a dead network look the same: 'unreachable'.
        """
        attempted = self.attempted
        if attempted == 0:
            return "nothing_due"
        if sum(self.unreached.values()) == attempted:
            return "offline" if len(self.hosts) >= 2 else "unreachable"
        if self.failed == attempted:
            return "failed"
        return "partial" if self.failed else "ok"

    def headline(self) -> str:
        """The run's result in one plain sentence, never a success when nothing was fetched."""
        outcome, n = self.outcome, self.attempted
        unchanged = "nothing was fetched; stored articles are unchanged"
        if outcome in ("offline", "unreachable"):
            kinds = ", ".join(f"{UNREACHED.get(k, k)} ×{c}" for k, c in sorted(self.unreached.items()))
            if outcome == "offline":
                return f"This machine seems to be offline (no feed could be reached): {unchanged} ({kinds})."
            return f"The only host asked ({self.hosts[0] if self.hosts else '?'}) could not be reached: {unchanged}."
        if outcome == "nothing_due":
            if not self.skipped:
                return "Nothing was fetched: the source list has no feed."
            return f"Nothing was fetched: every feed was skipped ({self.skipped}); stored articles are unchanged."
        if outcome == "failed":
            return f"Every feed asked failed ({n}): {unchanged}."
        got = f"{self.new_articles:,} new article{'s' * (self.new_articles != 1)}"
        if outcome == "partial":
            return f"{got}; {self.failed} of {n} feeds failed ({self.ok} ok, {self.not_modified} not modified)."
        return f"{got} from {n} feed{'s' * (n != 1)} ({self.ok} ok, {self.not_modified} not modified)."

    def skip_groups(self) -> list[SkipGroup]:
        groups: dict[str, list[Skip]] = {}
        for s in self.skips:
            groups.setdefault(s.reason, []).append(s)
        return [
            SkipGroup(
                reason,
                SKIP_REASONS.get(reason, reason),
                len(items),
                min((s.until for s in items if s.until), default=None),
                tuple(s.name for s in items),
            )
            for reason, items in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))
        ]

    def forceable(self) -> int:
        """How many skipped feeds a forced run (`--force`, Fetch anyway) would ask."""
        return sum(1 for s in self.skips if s.reason in FORCEABLE)

    def skip_lines(self, now: datetime | None = None) -> list[str]:
        """One line per reason: '34 skipped: waiting after failures (backoff); due again from 14:05 UTC'."""
        out = []
        for g in self.skip_groups():
            line = f"{g.count} skipped: {g.label}"
            if g.until:
                line += f"; due again from {when(g.until, now)}"
            out.append(line)
        return out

    def line(self) -> str:
        text = (
            f"{self.ok} ok, {self.not_modified} not modified, {self.failed} failed, {self.skipped} skipped; "
            f"{self.new_articles} new articles in {self.seconds:.1f} s"
        )
        if self.outcome in ("offline", "unreachable"):
            text += " (no feed could be reached: offline?)"
        return text


def when(stamp: str, now: datetime | None = None) -> str:
    """'14:05 UTC' today, '2026-03-04 14:05 UTC' another day: when a skipped feed is due again."""
    try:
        then = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")  # the store's format, naive UTC
    except ValueError:
        return stamp
    today = (now or utc_now()).date()
    return then.strftime("%H:%M UTC" if then.date() == today else "%Y-%m-%d %H:%M UTC")


@dataclass(frozen=True)
class _Feed:
    id: int
    name: str
    outlet: str
    url: str
    lang: str | None
    etag: str | None
    last_modified: str | None
    trusted: bool = True  # the URL is the listed one (or on its host), so it may be on a private address


def _listed_host(feed_url: str, listed_url: str | None) -> bool:
    """Whether a feed's URL is on the host the person listed: a 301 to another host is not their choice.

    Without this, a public feed could 301 to a host that later resolves to 127.0.0.1, and the next
    run would fetch it as if the person had listed it (netguard allows listed private addresses).
    """
    if listed_url is None or feed_url == listed_url:
        return True
    try:
        return (urlsplit(feed_url).hostname or "").lower() == (urlsplit(listed_url).hostname or "").lower()
    except ValueError:
        return False


class _HostGate:
    """At most PER_HOST requests in flight to one host, whatever the total concurrency."""

    def __init__(self, per_host: int):
        self.per_host = per_host
        self.lock = threading.Lock()
        self.gates: dict[str, threading.Semaphore] = {}

    def __call__(self, url: str) -> threading.Semaphore:
        host = (urlsplit(url).hostname or "").lower()
        with self.lock:
            return self.gates.setdefault(host, threading.Semaphore(self.per_host))


class _BodySlot:
    """One feed's claim on one of LARGE_SLOTS places: taken when its body passes LARGE_BODY bytes
    (the fetcher calls it as the body grows; it returns the seconds spent waiting, which the
    fetcher does not charge to the feed's deadline), given back once the body is parsed."""

    def __init__(self, places: threading.Semaphore):
        self._places = places
        self._held = False

    def __call__(self, nbytes: int) -> float:
        if self._held or nbytes <= LARGE_BODY:
            return 0.0
        t = time.monotonic()
        self._places.acquire()
        self._held = True
        return time.monotonic() - t

    def release(self) -> None:
        if self._held:
            self._held = False
            self._places.release()


_M_MMAP_THRESHOLD, _M_ARENA_MAX = -3, -8  # glibc's mallopt parameters (malloc.h)
_malloc_tuned = False


def _tune_malloc() -> None:
    """Two malloc arenas, and blocks of 1 MB or more always given back to the system when freed.

    glibc gives each thread that allocates its own arena (up to 8 per core), and an arena keeps
    what its thread freed. 32 fetch threads that each held a 9.5 MB body once kept it between them:
    20 large feeds peaked at 358 MB, 205 MB with two arenas and 179 MB with the 1 MB threshold too
    (bench/ingest_bench.py --large 20). Threads that take turns under the GIL lose nothing to
    sharing two arenas. Process-wide, so done once, before the first pool starts; off glibc
    (musl, macOS) there is no mallopt and nothing changes.
    """
    global _malloc_tuned
    if _malloc_tuned:
        return
    _malloc_tuned = True
    try:
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    mallopt(_M_ARENA_MAX, 2)
    mallopt(_M_MMAP_THRESHOLD, LARGE_BODY)


def _fetch_parse_release(
    client, gate: _HostGate, feed: _Feed, deadline_s: float | None, max_entries: int, large: threading.Semaphore
):
    """`_fetch_and_parse` with a large-body place that is always given back, whatever happens."""
    slot = _BodySlot(large)
    try:
        return _fetch_and_parse(client, gate, feed, deadline_s, max_entries, slot)
    finally:
        slot.release()


def _fetch_and_parse(
    client, gate: _HostGate, feed: _Feed, deadline_s: float | None, max_entries: int = 0, slot: _BodySlot | None = None
) -> tuple[datetime, FetchResult, ParsedFeed | None, str | None]:
    """Runs in a worker thread; returns (started, result, parsed feed or None, error) and never raises.

    The result comes back without its body: the bytes are dropped once parsed, so the run holds
    parsed entries (at most `max_entries` per feed), not bodies, while the writing thread catches up.
    Parsing counts against the feed's deadline: it gets what the fetch left of `deadline_s`.
    """
    started = utc_now()
    try:
        with gate(feed.url):
            result = fetch(
                client,
                feed.url,
                feed.etag,
                feed.last_modified,
                deadline_s=deadline_s,
                trusted=feed.trusted,
                body_gate=slot,
            )
    except Exception as exc:  # fetch() handles network trouble itself; this is a bug, keep it to one feed
        log.exception("fetch crashed on %s", strip_credentials(feed.url))
        return (
            started,
            FetchResult(
                url=feed.url,
                final_url=feed.url,
                outcome="failed",
                error=f"internal error: {exc.__class__.__name__}: {exc}",
            ),
            None,
            None,
        )
    if result.outcome != "ok":
        return started, result, None, result.error
    body, result = result.body, replace(result, body=b"")
    left = (DEADLINE_S if deadline_s is None else deadline_s) - result.duration_ms / 1000
    try:
        return (
            started,
            result,
            parse_feed(
                body,
                result.final_url,
                started,
                feed.lang,
                result.content_type,
                max_entries=max_entries,
                deadline=time.monotonic() + max(left, 0.0),
            ),
            None,
        )
    except FeedError as exc:
        return started, result, None, str(exc)
    except Exception as exc:  # feedparser on hostile bytes: record it, never stop the run
        log.exception("parser crashed on %s", strip_credentials(feed.url))
        return started, result, None, f"parser error: {exc.__class__.__name__}: {exc}"


def _record(result: FetchResult, parsed: ParsedFeed | None, error: str | None, started: datetime) -> FetchRecord:
    if result.outcome == "ok" and parsed is None:
        outcome = "failed"  # the server answered, but with something that is not a feed
    else:
        outcome = result.outcome
    return FetchRecord(
        url=result.url,
        started_at=started,
        outcome=outcome,
        status=result.status,
        bytes=result.nbytes,
        duration_ms=result.duration_ms,
        error=(parsed.warning if parsed else error),
        etag=result.etag if outcome != "failed" else None,
        last_modified=result.last_modified if outcome != "failed" else None,
        moved_to=result.moved_to,
        retry_after=result.retry_after,
        items_seen=parsed.seen if parsed else 0,
        unreached=bool(result.unreached),
    )


def _tally(summary: RunSummary, name: str, record: FetchRecord, new: int) -> None:
    if record.outcome == "ok":
        summary.ok += 1
    elif record.outcome == "not_modified":
        summary.not_modified += 1
    else:
        summary.failed += 1
        summary.errors.append((name, record.error or "failed"))
    summary.new_articles += new


def _due_feeds(conn, ids: list[int], force: bool) -> tuple[list[_Feed], list[Skip]]:
    """The feeds to ask now, and the others with why (SKIP_REASONS) and from when they are due."""
    now = iso(utc_now())
    due, skipped = [], []
    for feed_id in ids:
        row = conn.execute(
            "SELECT id, name, outlet, url, lang, etag, last_modified, enabled, next_fetch_at, kind, "
            "consecutive_failures, last_status FROM feeds WHERE id = ?",
            (feed_id,),
        ).fetchone()
        if row is None:
            continue  # not in the store (sync_sources just wrote every listed feed): nothing to say
        if not row[7] or row[9] in ("file", "sample"):
            skipped.append(Skip(row[1], "disabled" if not row[7] else "not_fetched"))
        elif not force and row[8] is not None and row[8] > now:
            reason = "retry_after" if row[11] in (429, 503) else "backoff" if row[10] else "not_due"
            skipped.append(Skip(row[1], reason, row[8]))
        else:
            due.append(_Feed(*row[:7]))
    return due, skipped


def fetch_all(
    db_path=None,
    sources_path=None,
    force: bool = False,
    on_progress: Progress | None = None,
    *,
    workers: int = WORKERS,
    per_host: int = PER_HOST,
    deadline_s: float | None = None,
    max_entries: int | None = None,
) -> RunSummary:
    """Fetch every enabled, due feed of the source list once; failures are recorded, never raised.

    `deadline_s` bounds each feed's whole fetch (connect, headers, body) and its parsing; None means
    DEADLINE_S. `max_entries` keeps each feed's newest that many entries (None: `config.max_entries`,
    i.e. MPM_MAX_ENTRIES or 1,000; 0: no cap).
    """
    t0 = time.monotonic()
    cap = config.max_entries(max_entries)
    large = threading.Semaphore(LARGE_SLOTS)
    _tune_malloc()
    sources = read_opml(config.sources_path(sources_path))
    conn = open_store(config.db_path(db_path))
    summary = RunSummary()
    new_ids: list[int] = []
    try:
        ids = sync_sources(conn, sources)
        due, summary.skips = _due_feeds(conn, ids, force)
        summary.skipped, summary.forced = len(summary.skips), force
        summary.hosts = sorted({(urlsplit(f.url).hostname or "").lower() for f in due})
        listed = {feed_id: s.url for feed_id, s in zip(ids, sources)}
        due = [replace(f, trusted=_listed_host(f.url, listed.get(f.id))) for f in due]
        gate = _HostGate(per_host)
        with make_client(max(workers, 1) * 2) as client, ThreadPoolExecutor(max(workers, 1)) as pool:
            futures = {pool.submit(_fetch_parse_release, client, gate, f, deadline_s, cap, large): f for f in due}
            try:
                for done, future in enumerate(as_completed(futures), 1):
                    feed = futures.pop(future)  # with as_completed's own reference gone, the entries go once saved
                    started, result, parsed, error = future.result()
                    del future
                    record = _record(result, parsed, error, started)
                    saved = save_entries(conn, feed.id, record, parsed.entries if parsed else (), source=feed.outlet)
                    del parsed
                    new_ids.extend(saved.new_ids)
                    _tally(summary, feed.name, record, len(saved.new_ids))
                    if result.unreached:
                        summary.unreached[result.unreached] = summary.unreached.get(result.unreached, 0) + 1
                    log.info(
                        "%s %s %s %d bytes %d ms, %d seen, %d new%s",
                        feed.name,
                        record.outcome,
                        record.status,
                        record.bytes,
                        record.duration_ms,
                        record.items_seen,
                        len(saved.new_ids),
                        f" ({record.error})" if record.error else "",
                    )
                    if on_progress:
                        on_progress(done, len(due), feed.name)
            except BaseException:
                for f in futures:
                    f.cancel()
                raise
        _finish(conn, new_ids, summary.outcome)
    finally:
        conn.close()
    summary.seconds = time.monotonic() - t0
    return summary


def _finish(conn, new_ids: list[int], outcome: str, attempt: bool = True) -> None:
    """Cluster the new articles into stories; for a run that asked for news (`attempt`), stamp it as the
    last ingest attempt with its outcome. Loading the bundled sample is no attempt: the Overview of a
    first run must not say "last attempt 0 min ago" when no feed was ever asked."""
    t = time.monotonic()
    changed = recluster(conn, new_ids)
    log.info(
        "stories: %d story ids updated around %d new articles in %.2f s", changed, len(new_ids), time.monotonic() - t
    )
    if attempt:
        finish_ingest_run(conn, FETCH_LOG_KEEP, outcome)  # RunSummary.outcome: the Overview's "offline"


# ---------------------------------------------------------------- saved files


def _sidecar_sources(folder: Path) -> dict[Path, Source]:
    """Sources described by any OPML in the folder whose xmlUrl points at a file beside it."""
    found: dict[Path, Source] = {}
    for opml in sorted(folder.rglob("*.opml")):
        try:
            sources = read_opml(opml)
        except (OPMLError, OSError):
            continue
        for s in sources:
            parts = urlsplit(s.url)
            if parts.scheme in ("", "file"):
                found[(opml.parent / unquote(parts.path)).resolve()] = s
    return found


def _feed_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
        and p.suffix.lower() not in NOT_FEEDS
    )


def _outlet_from_title(title: str) -> str:
    for sep in (" | ", " - ", " — ", " – ", ": "):
        if sep in title:
            return title.split(sep, 1)[0].strip() or title
    return title


def ingest_dir(
    db_path,
    folder,
    kind: str = "file",
    is_sample: bool = False,
    on_progress: Progress | None = None,
    *,
    max_entries: int | None = None,
) -> RunSummary:
    """Ingest every saved feed file under `folder` (any format feedparser reads), one feed per file.

    A file whose bytes have not changed since the last time (same SHA-1, kept as the feed's ETag)
    counts as not modified. Names, outlets and languages come from an OPML file in the folder when
    one lists the file, else from the feed's own title. `max_entries` is the same cap as
    `fetch_all`'s; a file that was capped counts as not modified only under the same cap, so
    raising it (or `--max-entries 0`) reads the rest.
    """
    t0 = time.monotonic()
    cap = config.max_entries(max_entries)
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"no such folder: {folder}")
    files = _feed_files(folder)
    sidecar = _sidecar_sources(folder)
    conn = open_store(config.db_path(db_path))
    summary = RunSummary()
    new_ids: list[int] = []
    try:
        for done, path in enumerate(files, 1):
            rel = path.relative_to(folder).as_posix()
            url = f"sample:{rel}" if kind == "sample" else path.resolve().as_uri()
            _ingest_file(conn, path, url, kind, is_sample, sidecar.get(path.resolve()), summary, new_ids, cap)
            if on_progress:
                on_progress(done, len(files), rel)
        _finish(conn, new_ids, summary.outcome, attempt=kind != "sample")
    finally:
        conn.close()
    summary.seconds = time.monotonic() - t0
    return summary


def _ingest_file(
    conn,
    path: Path,
    url: str,
    kind: str,
    is_sample: bool,
    source: Source | None,
    summary: RunSummary,
    new_ids: list[int],
    max_entries: int = 0,
) -> None:
    started = utc_now()
    t = time.monotonic()
    row = conn.execute("SELECT id, name, outlet, etag FROM feeds WHERE url = ?", (url,)).fetchone()
    name = row[1] if row else (source.name if source else path.name)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FeedError(f"file of {size:,} bytes is over the {MAX_BYTES:,}-byte cap")
        body = path.read_bytes()
        digest = hashlib.sha1(body).hexdigest()
        capped_key = f"{digest} max-entries={max_entries}"
        if row and row[3] in (digest, capped_key):
            record = FetchRecord(
                url=url,
                started_at=started,
                outcome="not_modified",
                etag=row[3],
                bytes=len(body),
                duration_ms=int((time.monotonic() - t) * 1000),
            )
            save_entries(conn, row[0], record)
            _tally(summary, name, record, 0)
            return
        parsed = parse_feed(body, url, started, source.lang if source else None, max_entries=max_entries)
    except (FeedError, OSError) as exc:
        record = FetchRecord(
            url=url,
            started_at=started,
            outcome="failed",
            error=str(exc),
            duration_ms=int((time.monotonic() - t) * 1000),
        )
        save_entries(conn, row[0] if row else None, record)
        _tally(summary, name, record, 0)
        return
    except Exception as exc:  # feedparser on hostile bytes
        log.exception("parser crashed on %s", path)
        record = FetchRecord(
            url=url, started_at=started, outcome="failed", error=f"parser error: {exc.__class__.__name__}: {exc}"
        )
        save_entries(conn, row[0] if row else None, record)
        _tally(summary, name, record, 0)
        return
    if row:
        feed_id, outlet = row[0], row[2]
    else:
        title = parsed.title or path.stem
        feed_id = ensure_feed(
            conn,
            name=source.name if source else title,
            outlet=source.outlet if source else _outlet_from_title(title),
            url=url,
            kind=kind,
            lang=(source.lang if source else None) or parsed.lang,
            site_url=(source.site_url if source else None) or parsed.site_url or None,
        )
        outlet = conn.execute("SELECT outlet FROM feeds WHERE id = ?", (feed_id,)).fetchone()[0]
    record = FetchRecord(
        url=url,
        started_at=started,
        outcome="ok",
        error=parsed.warning,
        etag=capped_key if parsed.capped_from else digest,
        bytes=len(body),
        duration_ms=int((time.monotonic() - t) * 1000),
        items_seen=parsed.seen,
    )
    saved = save_entries(
        conn,
        feed_id,
        record,
        parsed.entries,
        source=outlet,
        is_sample=is_sample,
        provenance="sample" if is_sample or kind == "sample" else "file",
    )
    new_ids.extend(saved.new_ids)
    _tally(summary, name, record, len(saved.new_ids))
    log.info(
        "%s: %d seen, %d new%s",
        path,
        record.items_seen,
        len(saved.new_ids),
        f" ({parsed.warning})" if parsed.warning else "",
    )
