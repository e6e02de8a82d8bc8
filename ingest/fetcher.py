"""HTTP for feeds: hard limits, conditional GET, redirects counted by hand, bytes out.

httpx has per-operation timeouts but no total one: a server that trickles one byte a second (in
the headers or the body) would satisfy every read timeout forever. So the client runs on a network
backend that gives each read, write and connect at most the time left before the calling thread's
per-feed deadline. The body is decompressed here, not by httpx, with zlib's `max_length`, so a
gzip bomb is cut off at the byte cap instead of being inflated a chunk at a time.
"""
from __future__ import annotations

import threading
import time
import urllib.request
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ingest.config import USER_AGENT

MAX_BYTES = 10 * 1024 * 1024
DEADLINE_S = 20.0
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
MAX_REDIRECTS = 5
ACCEPT = ("application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
          "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5")

_clock = threading.local()


def _remaining() -> float | None:
    deadline = getattr(_clock, "deadline", None)
    return None if deadline is None else deadline - time.monotonic()


def _bounded(timeout: float | None) -> float | None:
    left = _remaining()
    if left is None:
        return timeout
    if left <= 0:
        raise httpcore.ReadTimeout("feed deadline exceeded")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _DeadlineStream(self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)))

    def get_extra_info(self, info):
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return _DeadlineStream(self._inner.connect_tcp(host, port, _bounded(timeout), local_address, socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return _DeadlineStream(self._inner.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport on the deadline-aware backend (httpx has no public hook for the backend)."""

    def __init__(self, limits: httpx.Limits):
        super().__init__(limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(),
        )


def make_client(max_connections: int = 64) -> httpx.Client:
    """One client shared by all fetch threads (its pool is thread-safe)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    timeout = httpx.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S, write=READ_TIMEOUT_S, pool=DEADLINE_S)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    if urllib.request.getproxies():
        # A custom transport would bypass the proxy from the environment; keep the proxy and
        # lose only the hard deadline on trickled headers (the body deadline is checked below).
        return httpx.Client(headers=headers, timeout=timeout, limits=limits, follow_redirects=False)
    return httpx.Client(transport=_DeadlineTransport(limits), headers=headers, timeout=timeout,
                        follow_redirects=False)


@dataclass(frozen=True)
class FetchResult:
    url: str                           # what was asked for
    final_url: str                     # after redirects
    outcome: str                       # 'ok' | 'not_modified' | 'failed'
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    nbytes: int = 0                    # body bytes after decompression
    duration_ms: int = 0
    moved_to: str | None = None        # set when every hop so far was 301/308
    retry_after: datetime | None = None


class _TooBig(Exception):
    pass


class _Inflater:
    """Decompresses gzip/deflate bodies without ever producing more than the byte cap."""

    def __init__(self, encoding: str, limit: int):
        self.limit = limit
        self.total = 0
        self.encoding = encoding
        if encoding in ("", "identity"):
            self.obj = None
        elif encoding in ("gzip", "x-gzip"):
            self.obj = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.obj = zlib.decompressobj(zlib.MAX_WBITS)
            self.raw_fallback = True
        else:
            raise ValueError(f"unsupported Content-Encoding {encoding!r}")

    def feed(self, data: bytes) -> bytes:
        if self.obj is None:
            return self._count(data)
        out = []
        while data:
            try:
                piece = self.obj.decompress(data, self.limit - self.total + 1)
            except zlib.error:
                # RFC 9110 says deflate is zlib-wrapped; some servers send it raw (RFC 1951).
                if self.encoding == "deflate" and getattr(self, "raw_fallback", False) and self.total == 0:
                    self.obj, self.raw_fallback = zlib.decompressobj(-zlib.MAX_WBITS), False
                    continue
                raise
            out.append(self._count(piece))
            data = self.obj.unconsumed_tail
            if self.obj.eof and self.obj.unused_data and self.encoding != "deflate":
                data, self.obj = self.obj.unused_data, zlib.decompressobj(16 + zlib.MAX_WBITS)  # next gzip member
        return b"".join(out)

    def _count(self, piece: bytes) -> bytes:
        self.total += len(piece)
        if self.total > self.limit:
            raise _TooBig
        return piece


def parse_retry_after(value: str | None, now: datetime) -> datetime | None:
    """Retry-After is either delay-seconds or an HTTP-date (RFC 9110 §10.2.3)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return now + timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _reason(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _network_error(exc: Exception, url: str, deadline_s: float) -> str:
    text = str(exc) or exc.__class__.__name__
    host = urlsplit(url).hostname or url
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout ({host})"
    if isinstance(exc, httpx.TimeoutException):
        left = _remaining()
        if left is not None and left <= 0.05:
            return f"deadline of {deadline_s:g} s exceeded (server too slow)"
        return f"read timeout: no data for {READ_TIMEOUT_S:g} s"
    if isinstance(exc, httpx.ConnectError):
        lowered = text.lower()
        if any(s in lowered for s in ("name or service not known", "name resolution", "nodename nor servname",
                                      "no address associated", "getaddrinfo")):
            return f"DNS lookup failed for {host}"
        return f"cannot connect to {host}: {text}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"bad URL: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"broken HTTP response: {text}"
    return f"{exc.__class__.__name__}: {text}"


def fetch(client: httpx.Client, url: str, etag: str | None = None, last_modified: str | None = None, *,
          deadline_s: float | None = None, max_bytes: int = MAX_BYTES,
          max_redirects: int = MAX_REDIRECTS) -> FetchResult:
    """GET `url` within `deadline_s` (default DEADLINE_S) in total; never raises for network or HTTP trouble."""
    deadline_s = DEADLINE_S if deadline_s is None else deadline_s
    started = time.monotonic()
    now = datetime.now(timezone.utc)
    _clock.deadline = started + deadline_s
    current, seen = url, {url}
    moved_to: str | None = None
    permanent_so_far = True
    nbytes = 0

    def done(outcome: str, **kw) -> FetchResult:
        return FetchResult(url=url, final_url=current, outcome=outcome, nbytes=nbytes, moved_to=moved_to,
                           duration_ms=int((time.monotonic() - started) * 1000), **kw)

    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        for _hop in range(max_redirects + 1):
            with client.stream("GET", current, headers=headers) as resp:
                status = resp.status_code
                location = resp.headers.get("location")
                if 300 <= status < 400 and status != 304 and location:
                    target = urljoin(current, location.strip())
                    if target in seen:
                        return done("failed", status=status, error=f"redirect loop ({current} -> {target})")
                    seen.add(target)
                    if status in (301, 308) and permanent_so_far:
                        moved_to = target
                    else:
                        permanent_so_far = False
                    current = target
                    continue
                if status == 304:
                    return done("not_modified", status=status, etag=resp.headers.get("etag") or etag,
                                last_modified=resp.headers.get("last-modified") or last_modified)
                if not 200 <= status < 300:
                    retry = parse_retry_after(resp.headers.get("retry-after"), now) if status in (429, 503) else None
                    return done("failed", status=status, error=_reason(status), retry_after=retry)
                declared = resp.headers.get("content-length")
                if declared and declared.isdigit() and int(declared) > max_bytes and \
                        resp.headers.get("content-encoding", "identity") == "identity":
                    return done("failed", status=status,
                                error=f"body of {int(declared):,} bytes is over the {max_bytes:,}-byte cap")
                try:
                    inflater = _Inflater(resp.headers.get("content-encoding", "").strip().lower(), max_bytes)
                except ValueError as exc:
                    return done("failed", status=status, error=str(exc))
                chunks = []
                try:
                    for raw in resp.iter_raw():
                        chunks.append(inflater.feed(raw))
                        nbytes = inflater.total
                        if time.monotonic() - started > deadline_s:
                            return done("failed", status=status,
                                        error=f"deadline of {deadline_s:g} s exceeded (server too slow)")
                except _TooBig:
                    nbytes = inflater.total
                    return done("failed", status=status,
                                error=f"body over the {max_bytes:,}-byte cap after decompression; cut off")
                except zlib.error as exc:
                    return done("failed", status=status, error=f"bad compressed body: {exc}")
                return done("ok", status=status, body=b"".join(chunks),
                            content_type=resp.headers.get("content-type"),
                            etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"))
        return done("failed", status=None, error=f"more than {max_redirects} redirects")
    except httpx.HTTPError as exc:
        return done("failed", error=_network_error(exc, current, deadline_s))
    except (OSError, ValueError) as exc:  # e.g. a malformed URL that httpx rejects late
        return done("failed", error=f"{exc.__class__.__name__}: {exc}")
    finally:
        _clock.deadline = None

