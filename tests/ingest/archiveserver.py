"""A Wayback Machine on 127.0.0.1: the CDX index (JSON) and `id_` captures, misbehaving on purpose.

It answers the two calls `ingest.backfill` makes, the way the real archive documents them
(github.com/internetarchive/wayback, wayback-cdx-server/README.md):

- `/cdx/search/cdx?url=...&output=json&from=&to=&filter=&collapse=&fl=&limit=&showResumeKey=&resumeKey=`:
  rows sorted by time, the first row naming the fields; `from`/`to` padded to the lower/upper bound;
  `filter=[!]field:regex` (full match); `collapse=field[:N]` on adjacent rows; with `showResumeKey`, an
  empty row and `[key]` when `limit` cut the answer; gzip-encoded like the real index.
- `/web/<14-digit timestamp>id_/<original url>`: the captured bytes as they were. A timestamp with no
  capture redirects to the nearest one, as the real archive does.

Each `Snapshot` can misbehave: `missing` (listed, but replay answers 404), `html` (200 with an HTML
error page), `truncated` (Content-Length promises more than is sent), `cut` (the captured document
itself ends mid-item), `redirect` (302 to another capture, or to an absolute URL), `throttle` (429
with Retry-After the first N times). `FeedHistory` builds feeds as they stood at any moment from a timeline of items.
Every request is recorded with its arrival time, so tests can check the pace. Also used by
bench/backfill_bench.py.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

from tests.ingest.feedserver import headline, rss

HTML_ERROR = (
    b"<!DOCTYPE html><html><head><title>Wayback Machine</title></head><body>"
    b"<h1>Hrm.</h1><p>The Wayback Machine has not archived that URL.</p></body></html>"
)


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def digest_of(body: bytes) -> str:
    """The index's digest: base32 of the SHA-1 of the captured bytes."""
    return base64.b32encode(hashlib.sha1(body).digest()).decode()


def urlkey(url: str) -> str:
    """Enough of SURT for matching: no scheme, no `www.`, no default port, lower-case host."""
    parts = urlsplit(url if "://" in url else "http://" + url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    return host + (parts.path or "/") + (f"?{parts.query}" if parts.query else "")


@dataclass
class Snapshot:
    url: str
    timestamp: str
    body: bytes = b""
    statuscode: str = "200"  # what the index says the capture's status was
    mimetype: str = "application/rss+xml"
    behaviour: str = "ok"  # ok | missing | html | truncated | cut | redirect | throttle
    redirect_to: str | None = None
    throttle: int = 1  # 429s before answering, for behaviour 'throttle'
    digest: str = ""

    def __post_init__(self) -> None:
        if not self.digest:
            self.digest = digest_of(self.body)


@dataclass
class Hit:
    at: float  # time.monotonic() on arrival
    path: str
    headers: dict[str, str]


@dataclass
class Item:
    n: int
    title: str
    link: str
    published: datetime


@dataclass
class FeedHistory:
    """A feed's items over time; `at(t)` is the feed as it stood at t (its `window` newest items)."""

    name: str
    host: str
    start: datetime
    days: int
    per_day: int = 3
    window: int = 10
    lang: str = "en"
    blurb: bool = False  # a summary of about 40 words per item, as real feeds carry (the bench)
    items: list[Item] = field(default_factory=list)

    def __post_init__(self) -> None:
        seed = sum(map(ord, self.name)) * 100_000
        step = timedelta(hours=24 / self.per_day)
        for n in range(self.days * self.per_day):
            when = self.start + step * n + timedelta(minutes=7)
            self.items.append(
                Item(n, f"{headline(seed + n)} ({self.name} {n})", f"https://{self.host}/story/{n}", when)
            )

    def visible(self, when: datetime) -> list[Item]:
        shown = [i for i in self.items if i.published <= when]
        return shown[-self.window :]

    def _summary(self, item: Item) -> str:
        if not self.blurb:
            return f"Item {item.n} of {self.name}."
        return (
            f"<p>{headline(item.n * 7919 + len(self.name), 30)}. Ministers from Canada and Japan met in "
            f"Ottawa to discuss trade, energy and critical minerals, item {item.n}.</p>"
        )

    def at(self, when: datetime) -> bytes:
        return rss(
            self.name,
            [
                {
                    "title": i.title,
                    "link": f"{i.link}?utm_source=rss",
                    "guid": i.link,
                    "date": format_datetime(i.published, usegmt=True),
                    "description": self._summary(i),
                }
                for i in reversed(self.visible(when))
            ],
            lang=self.lang,
        )


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):
        pass

    def do_GET(self):
        owner = self.server.owner
        with owner.lock:
            owner.hits.append(Hit(time.monotonic(), self.path, {k.lower(): v for k, v in self.headers.items()}))
        if owner.latency:
            time.sleep(owner.latency)
        try:
            if self.path.startswith("/cdx/search/cdx"):
                self._cdx(owner)
            elif self.path.startswith("/web/"):
                self._replay(owner)
            else:
                self._send(404, HTML_ERROR, "text/html")
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(
        self, status: int, body: bytes, ctype: str, headers: dict[str, str] | None = None, length: int | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)

    def _cdx(self, owner: ArchiveEmulator) -> None:
        with owner.lock:
            if owner.cdx_throttle > 0:
                owner.cdx_throttle -= 1
                self._send(429, b"<h1>Too Many Requests</h1>", "text/html", {"Retry-After": owner.retry_after})
                return
        q = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
        one = {k: v[-1] for k, v in q.items()}
        key = urlkey(one.get("url", ""))
        low = one.get("from", "").ljust(14, "0")
        high = one.get("to", "99999999999999").ljust(14, "9")
        rows = sorted(
            (s for s in owner.snapshots if urlkey(s.url) == key and low <= s.timestamp <= high),
            key=lambda s: s.timestamp,
        )
        every = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]

        def value(s: Snapshot, name: str) -> str:
            return {
                "urlkey": key,
                "timestamp": s.timestamp,
                "original": s.url,
                "mimetype": s.mimetype,
                "statuscode": s.statuscode,
                "digest": s.digest,
                "length": str(len(s.body)),
            }[name]

        for spec in q.get("filter", []):
            negate = spec.startswith("!")
            name, _, pattern = spec.lstrip("!").partition(":")
            rows = [s for s in rows if bool(re.fullmatch(pattern, value(s, name))) != negate]
        for spec in q.get("collapse", []):
            name, _, n = spec.partition(":")
            kept, last = [], None
            for s in rows:
                v = value(s, name)[: int(n)] if n else value(s, name)
                if v != last:
                    kept.append(s)
                last = v
            rows = kept
        resume = one.get("resumeKey")
        if resume:
            after = unquote(resume).rstrip("!").split(" ")[-1]
            rows = [s for s in rows if s.timestamp > after]
        fields = one.get("fl", "").split(",") if one.get("fl") else every
        limit = int(one.get("limit") or 0)
        more = bool(limit) and len(rows) > limit
        rows = rows[:limit] if limit else rows
        table: list[list[str]] = [[value(s, f) for f in fields] for s in rows]
        if one.get("output") == "json":
            out: list = [fields, *table] if table else []
            if more and one.get("showResumeKey") == "true":
                out += [[], [f"{key} {rows[-1].timestamp}!"]]
            body = json.dumps(out).encode()
        else:
            body = "".join(" ".join(r) + "\n" for r in table).encode()
        with owner.lock:
            owner.cdx_queries += 1
        if one.get("gzip") != "false" and "gzip" in self.headers.get("Accept-Encoding", ""):
            self._send(
                200,
                gzip.compress(body),
                "application/json" if one.get("output") == "json" else "text/plain",
                {"Content-Encoding": "gzip"},
            )
        else:
            self._send(200, body, "application/json" if one.get("output") == "json" else "text/plain")

    def _replay(self, owner: ArchiveEmulator) -> None:
        match = re.match(r"^/web/(\d{1,14})id_/(.+)$", self.path)
        if not match:
            self._send(404, HTML_ERROR, "text/html")
            return
        timestamp, original = match.group(1), match.group(2)
        key = urlkey(original)
        candidates = [s for s in owner.snapshots if urlkey(s.url) == key]
        snap = next((s for s in candidates if s.timestamp == timestamp), None)
        if snap is None:
            if not candidates:
                self._send(404, HTML_ERROR, "text/html")
                return
            nearest = min(candidates, key=lambda s: abs(int(s.timestamp) - int(timestamp.ljust(14, "0"))))
            self._send(302, b"", "text/html", {"Location": f"/web/{nearest.timestamp}id_/{nearest.url}"})
            return
        with owner.lock:
            owner.replays[(snap.url, snap.timestamp)] = owner.replays.get((snap.url, snap.timestamp), 0) + 1
        kind = snap.behaviour
        if kind == "throttle" and snap.throttle > 0:
            with owner.lock:
                snap.throttle -= 1
            self._send(429, b"<h1>Too Many Requests</h1>", "text/html", {"Retry-After": owner.retry_after})
            return
        headers = {
            "Memento-Datetime": format_datetime(
                datetime.strptime(snap.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC), usegmt=True
            )
        }
        if kind == "missing":
            self._send(404, HTML_ERROR, "text/html")
        elif kind == "html":
            self._send(200, HTML_ERROR, "text/html; charset=utf-8", headers)
        elif kind == "redirect":
            target = snap.redirect_to or snap.timestamp
            where = target if target.startswith(("http:", "https:")) else f"/web/{target}id_/{snap.url}"
            self._send(302, b"", "text/html", {"Location": where})
        elif kind == "truncated":
            self._send(200, snap.body[: len(snap.body) // 2], snap.mimetype, headers, length=len(snap.body))
            self.close_connection = True
        elif kind == "cut":
            body = snap.body[: len(snap.body) * 2 // 3]
            self._send(200, body, snap.mimetype, headers)
        else:
            self._send(200, snap.body, snap.mimetype, headers)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    owner: ArchiveEmulator


class ArchiveEmulator:
    """`with ArchiveEmulator() as a: a.add(Snapshot(...)); backfill(..., archive_url=a.base)`."""

    def __init__(self, latency: float = 0.0, retry_after: str = "1"):
        self.snapshots: list[Snapshot] = []
        self.hits: list[Hit] = []
        self.replays: dict[tuple[str, str], int] = {}
        self.cdx_queries = 0
        self.cdx_throttle = 0
        self.latency = latency
        self.retry_after = retry_after
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self.host, self.port = self._server.server_address[:2]
        self.base = f"http://{self.host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def add(self, snapshot: Snapshot) -> Snapshot:
        self.snapshots.append(snapshot)
        return snapshot

    def capture(self, history: FeedHistory, when: datetime, url: str | None = None, **kw) -> Snapshot:
        """A capture of `history` at `when` (its bytes as the feed stood then)."""
        return self.add(
            Snapshot(url=url or f"https://{history.host}/feed.xml", timestamp=stamp(when), body=history.at(when), **kw)
        )

    def replay_hits(self) -> list[Hit]:
        return [h for h in self.hits if h.path.startswith("/web/")]

    def __enter__(self) -> ArchiveEmulator:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
