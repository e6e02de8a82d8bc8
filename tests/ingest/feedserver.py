"""A real threaded HTTP server on 127.0.0.1 that serves feeds the way misbehaving sites do.

Each path gets a `Route`: a status, headers, a body (bytes or a generator of chunks), an ETag for
conditional GET, a delay before answering, or a trickle (one byte every N seconds). Every request
is recorded so tests can check what the client sent (User-Agent, If-None-Match, ...).
Also used by bench/ingest_bench.py.
"""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/rss+xml"})
    etag: str | None = None
    last_modified: str | None = None
    delay: float = 0.0  # seconds before the status line
    trickle: float | None = None  # seconds between single body bytes
    stream: Callable[[], Iterable[bytes]] | None = None  # body generated on the fly, no Content-Length
    gzip: bool = False


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        owner = self.server.owner
        owner.requests.append(Seen(self.path, {k.lower(): v for k, v in self.headers.items()}))
        route = owner.routes.get(self.path)
        if route is None:
            self.send_error(404, "no such feed")
            return
        if route.delay:
            time.sleep(route.delay)
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if (route.etag and inm == route.etag) or (
            route.last_modified and not route.etag and ims == route.last_modified
        ):
            self.send_response(304)
            if route.etag:
                self.send_header("ETag", route.etag)
            self.end_headers()
            return
        try:
            self._send(route)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client hung up on purpose (cap or deadline reached)

    def _send(self, route: Route) -> None:
        self.send_response(route.status)
        for key, value in route.headers.items():
            self.send_header(key, value)
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        if route.stream is not None:
            if route.gzip:
                self.send_header("Content-Encoding", "gzip")
            self.end_headers()
            for chunk in route.stream():
                self.wfile.write(chunk)
            return
        body = gzip.compress(route.body) if route.gzip else route.body
        if route.gzip:
            self.send_header("Content-Encoding", "gzip")
        if route.trickle is None:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if route.trickle is None:
            self.wfile.write(body)
            return
        for i in range(len(body)):
            self.wfile.write(body[i : i + 1])
            self.wfile.flush()
            time.sleep(route.trickle)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 128
    owner: FeedServer


class FeedServer:
    """`with FeedServer() as s: s.route('/a.xml', Route(body=...)); s.url('/a.xml')`."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.routes: dict[str, Route] = {}
        self.requests: list[Seen] = []
        self._server = _Server((host, port), _Handler)
        self._server.owner = self
        self.host, self.port = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def route(self, path: str, route: Route | None = None, **kw) -> str:
        self.routes[path] = route or Route(**kw)
        return self.url(path)

    def hits(self, path: str) -> list[Seen]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()


_WORDS = (
    "minister ottawa tariff summit pipeline treaty embassy frigate wheat canola lithium nickel quota "
    "election budget refugee visa sanction drone satellite icebreaker fishery harbour reactor uranium "
    "vaccine grant loan bond pension airline railway port tanker glacier wildfire drought flood "
    "protest court senate council envoy mission delegation forum ceasefire border patrol "
    "cyber quantum chip telecom rocket probe charter accord memo pledge levy subsidy audit"
).split()


_SYLLABLES = ("ka", "lo", "mi", "ra", "tu", "ven", "sor", "bel", "dan", "ix", "or", "pe", "qua", "sti", "nor", "el")


def headline(seed: int, words: int = 8) -> str:
    """A deterministic, varied fake headline: a few common news words among rarer made-up ones,
    the way real headlines mix 'minister' and 'tariff' with names, so that generated feeds do not
    look like one endless story to the story clustering."""
    import random

    rng = random.Random(seed)
    out = []
    for i in range(words):
        if i % 3 == 0:
            out.append(rng.choice(_WORDS))
        else:
            out.append("".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))))
    return " ".join(out).capitalize()


def rss(title: str, items: list[dict], lang: str = "en") -> bytes:
    """A small RSS 2.0 document; each item dict may hold title, link, guid, date, description."""
    from xml.sax.saxutils import escape

    parts = [
        f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<link>https://example.org/</link><language>{lang}</language>"
    ]
    for it in items:
        parts.append("<item>")
        for tag, key in (
            ("title", "title"),
            ("link", "link"),
            ("guid", "guid"),
            ("pubDate", "date"),
            ("description", "description"),
        ):
            if it.get(key) is not None:
                parts.append(f"<{tag}>{escape(it[key])}</{tag}>")
        parts.append("</item>")
    parts.append("</channel></rss>\n")
    return "".join(parts).encode("utf-8")
