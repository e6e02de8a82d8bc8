"""HTTP for feeds: hard limits, conditional GET, redirects counted by hand, bytes out.

httpx has per-operation timeouts but no total one: a server that trickles one byte a second (in
the headers or the body) would satisfy every read timeout forever. So the client runs on a network
backend that gives each read, write and connect at most the time left before the calling thread's
per-feed deadline. The body is decompressed here, not by httpx, with zlib's `max_length`, so a
gzip bomb is cut off at the byte cap instead of being inflated a chunk at a time.

The same backend decides where a connection may go (ingest/netguard.py): it resolves the name once,
checks every address and connects to a checked one. Connections that may reach private addresses
(the first hops of a feed a person listed) and those that may not (after a redirect from a public
address, in strict mode) live in two separate pools, so a kept-alive connection to a private
address is never reused for a hop that must stay public. Every hop's scheme is checked here.
"""

from __future__ import annotations

import logging
import threading
import time
import urllib.request
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http import HTTPStatus
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from ingest import config, netguard
from ingest.config import USER_AGENT

log = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
DEADLINE_S = 20.0
CONNECT_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 10.0
MAX_REDIRECTS = 5
RETRY_AFTER_CAP_S = 366 * 86400  # longer than any wait policy.py honours
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, "
    "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
)

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


class _RefusedConnect(httpcore.ConnectError):
    """netguard refused every address of the host; httpx re-raises it as ConnectError with this text."""


ADDRESS_CLASS = "mpm_address_class"  # get_extra_info key: the netguard class of the connected address


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, address_class: str | None = None):
        self._inner = inner
        self.address_class = address_class

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _bounded(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _bounded(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _DeadlineStream(
            self._inner.start_tls(ssl_context, server_hostname, _bounded(timeout)), self.address_class
        )

    def get_extra_info(self, info):
        if info == ADDRESS_CLASS:
            return self.address_class
        return self._inner.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """Deadline-bounded sockets to checked addresses: `public_only` pools never reach private ones."""

    def __init__(self, public_only: bool = True) -> None:
        self._inner = httpcore.SyncBackend()
        self.public_only = public_only

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        try:
            addresses = netguard.resolve(host, port)
        except OSError as exc:  # the message keeps getaddrinfo's words, which _network_error recognises
            raise httpcore.ConnectError(str(exc)) from exc
        try:
            usable = netguard.allowed(addresses, host, public_only=self.public_only, why=getattr(_clock, "why", ""))
        except netguard.Refused as exc:
            raise _RefusedConnect(str(exc)) from exc
        classes = dict(addresses)
        error: Exception | None = None
        for address in usable:  # the checked address itself, never the name again (DNS rebinding)
            try:
                stream = self._inner.connect_tcp(address, port, _bounded(timeout), local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
                continue
            return _DeadlineStream(stream, classes[address])
        raise error or httpcore.ConnectError(f"no usable address for {host}")

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        return _DeadlineStream(self._inner.connect_unix_socket(path, _bounded(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class _DeadlineTransport(httpx.HTTPTransport):
    """httpx's transport on the deadline-aware backend (httpx has no public hook for the backend)."""

    def __init__(self, limits: httpx.Limits, public_only: bool = True):
        super().__init__(limits=limits)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_DeadlineBackend(public_only),
        )


class _GuardedTransport(httpx.BaseTransport):
    """Two pools: one that may reach private addresses, one that may not; fetch() picks per hop.

    The choice is read from the calling thread (set by fetch() before each hop, like the deadline);
    a request made outside fetch() goes to the public-only pool.
    """

    def __init__(self, limits: httpx.Limits):
        self.trusting = _DeadlineTransport(limits, public_only=False)
        self.public = _DeadlineTransport(limits, public_only=True)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        pool = self.public if getattr(_clock, "public_only", True) else self.trusting
        return pool.handle_request(request)

    def close(self) -> None:
        self.trusting.close()
        self.public.close()


def _note_status(response: httpx.Response) -> None:
    """Response hook: remember the status and Location even when httpx then raises.

    httpx works out the next request of a redirect even when it does not follow it, and raises
    (InvalidURL, RemoteProtocolError) on a Location such as `javascript:alert(1)` before fetch()
    sees the response; fetch() then explains the failure from what was noted here.
    """
    _clock.status = response.status_code
    _clock.location = response.headers.get("location")


def make_client(max_connections: int = 64) -> httpx.Client:
    """One client shared by all fetch threads (its pool is thread-safe)."""
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    timeout = httpx.Timeout(connect=CONNECT_TIMEOUT_S, read=READ_TIMEOUT_S, write=READ_TIMEOUT_S, pool=DEADLINE_S)
    headers = {"User-Agent": USER_AGENT, "Accept": ACCEPT, "Accept-Encoding": "gzip, deflate"}
    hooks = {"response": [_note_status]}
    if urllib.request.getproxies():
        # A custom transport would bypass the proxy from the environment; keep the proxy and
        # lose the hard deadline on trickled headers (the body deadline is checked below) and the
        # address pinning: fetch() checks the addresses it resolves, the proxy resolves again.
        return httpx.Client(headers=headers, timeout=timeout, limits=limits, follow_redirects=False, event_hooks=hooks)
    client = httpx.Client(
        transport=_GuardedTransport(limits), headers=headers, timeout=timeout, follow_redirects=False, event_hooks=hooks
    )
    client.mpm_guarded = True  # type: ignore[attr-defined]
    return client


@dataclass(frozen=True)
class FetchResult:
    url: str  # what was asked for
    final_url: str  # after redirects
    outcome: str  # 'ok' | 'not_modified' | 'failed'
    status: int | None = None
    body: bytes = b""
    content_type: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None
    nbytes: int = 0  # body bytes after decompression
    duration_ms: int = 0
    moved_to: str | None = None  # set when every hop so far was 301/308
    retry_after: datetime | None = None
    # Set when no server answered at all (no HTTP status on any hop): 'dns', 'refused',
    # 'unreachable', 'timeout' or 'connect'. When every feed of a run has one, the machine is
    # probably offline (ingest.runner.RunSummary.outcome); an HTTP error from a live server never does.
    unreached: str | None = None


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
    if value.isascii() and value.isdigit():
        # policy.MAX_RETRY_AFTER caps the wait at 7 days; clamp first so that a server's
        # 99999999999999 cannot overflow timedelta (it did: OverflowError, status lost).
        return now + timedelta(
            seconds=min(int(value[:12]) if len(value) <= 12 else RETRY_AFTER_CAP_S, RETRY_AFTER_CAP_S)
        )
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC)


def _reason(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


_DNS_WORDS = (
    "name or service not known",
    "name resolution",
    "nodename nor servname",
    "no address associated",
    "getaddrinfo",
)


def _unreached(exc: Exception) -> str | None:
    """How a connection failed before any server could answer, or None when it is not that kind.

    Only connect-time errors count (DNS, refused, unreachable, connect timeout): an address that
    netguard refused is our rule, not the network, and a read timeout means a server accepted the
    connection.
    """
    if isinstance(exc.__cause__, _RefusedConnect):
        return None
    if isinstance(exc, httpx.ConnectTimeout):
        return "timeout"
    if not isinstance(exc, httpx.ConnectError):
        return None
    lowered = str(exc).lower()
    if any(s in lowered for s in _DNS_WORDS):
        return "dns"
    if "refused" in lowered:
        return "refused"
    if "unreachable" in lowered or "no route" in lowered:
        return "unreachable"
    return "connect"


def _network_error(exc: Exception, url: str, deadline_s: float) -> str:
    text = netguard.redact(str(exc) or exc.__class__.__name__)
    if isinstance(exc.__cause__, _RefusedConnect):
        return text
    try:
        host = urlsplit(url).hostname or netguard.shorten(url)
    except ValueError:
        host = netguard.shorten(url)
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout ({host})"
    if isinstance(exc, httpx.TimeoutException):
        left = _remaining()
        if left is not None and left <= 0.05:
            return f"deadline of {deadline_s:g} s exceeded (server too slow)"
        return f"read timeout: no data for {READ_TIMEOUT_S:g} s"
    if isinstance(exc, httpx.ConnectError):
        lowered = text.lower()
        if any(s in lowered for s in _DNS_WORDS):
            return f"DNS lookup failed for {host}"
        return f"cannot connect to {host}: {text}"
    if isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        return f"bad URL: {text}"
    if isinstance(exc, httpx.RemoteProtocolError):
        return f"broken HTTP response: {text}"
    return f"{exc.__class__.__name__}: {text}"


_WHY_STRICT = " and MPM_BLOCK_PRIVATE=1 refuses private addresses"
_WHY_REDIRECT = " reached by a redirect from a public address"
_WHY_UNLISTED = " and this URL comes from a redirect, not from the source list"


def fetch(
    client: httpx.Client,
    url: str,
    etag: str | None = None,
    last_modified: str | None = None,
    *,
    deadline_s: float | None = None,
    max_bytes: int = MAX_BYTES,
    max_redirects: int = MAX_REDIRECTS,
    trusted: bool = True,
    body_gate: Callable[[int], float] | None = None,
) -> FetchResult:
    """GET `url` within `deadline_s` (default DEADLINE_S) in total; never raises, whatever the server does.

    `trusted` says the person listed this URL, so it may be on a private address (netguard's rules);
    the runner passes False for a URL learnt from a permanent redirect to another host. Every
    failure comes back with the last HTTP status seen (if any) and a message.
    """
    deadline_s = DEADLINE_S if deadline_s is None else deadline_s
    started = time.monotonic()
    now = datetime.now(UTC)
    _clock.deadline = started + deadline_s
    strict = config.block_private()
    guarded = getattr(client, "mpm_guarded", False)
    current, seen = url, {url}
    moved_to: str | None = None
    permanent_so_far = True
    nbytes = 0
    status: int | None = None
    why = _WHY_STRICT if strict else ("" if trusted else _WHY_UNLISTED)

    def done(outcome: str, **kw) -> FetchResult:
        kw.setdefault("status", status)
        return FetchResult(
            url=url,
            final_url=current,
            outcome=outcome,
            nbytes=nbytes,
            moved_to=moved_to,
            duration_ms=int((time.monotonic() - started) * 1000),
            **kw,
        )

    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        for _hop in range(max_redirects + 1):
            netguard.check_scheme(current)
            _clock.public_only, _clock.why, _clock.status, _clock.location = bool(why), why, None, None
            address_class = None if guarded else _precheck(current, public_only=bool(why), why=why)
            with client.stream("GET", current, headers=headers) as resp:
                status = resp.status_code
                stream = resp.extensions.get("network_stream")
                if guarded and stream is not None:
                    address_class = stream.get_extra_info(ADDRESS_CLASS)
                if address_class == netguard.PUBLIC and not strict:
                    why = _WHY_REDIRECT  # from here on, a private address is an attack, not the owner's server
                location = resp.headers.get("location")
                if 300 <= status < 400 and status != 304 and location:
                    target = urljoin(current, location.strip())
                    if target in seen:
                        return done(
                            "failed", error=f"redirect loop ({netguard.shorten(current)} -> {netguard.shorten(target)})"
                        )
                    seen.add(target)
                    if status in (301, 308) and permanent_so_far:
                        moved_to = target
                    else:
                        permanent_so_far = False
                    current = target
                    continue
                if status == 304:
                    return done(
                        "not_modified",
                        etag=resp.headers.get("etag") or etag,
                        last_modified=resp.headers.get("last-modified") or last_modified,
                    )
                if not 200 <= status < 300:
                    retry = parse_retry_after(resp.headers.get("retry-after"), now) if status in (429, 503) else None
                    return done("failed", error=_reason(status), retry_after=retry)
                declared = resp.headers.get("content-length")
                if (
                    declared
                    and declared.isdigit()
                    and int(declared) > max_bytes
                    and resp.headers.get("content-encoding", "identity") == "identity"
                ):
                    return done("failed", error=f"body of {int(declared):,} bytes is over the {max_bytes:,}-byte cap")
                try:
                    inflater = _Inflater(resp.headers.get("content-encoding", "").strip().lower(), max_bytes)
                except ValueError as exc:
                    return done("failed", error=str(exc))
                chunks = []
                try:
                    for raw in resp.iter_raw():
                        chunks.append(inflater.feed(raw))
                        nbytes = inflater.total
                        if body_gate is not None:
                            # body_gate(bytes so far) may block until memory is free for a large body
                            # (ingest.runner holds only a few at once); queueing is our doing, not the
                            # server's, so the wait is not charged to the feed's deadline.
                            waited = body_gate(nbytes)
                            if waited:
                                started += waited
                                _clock.deadline += waited
                        if time.monotonic() - started > deadline_s:
                            return done("failed", error=f"deadline of {deadline_s:g} s exceeded (server too slow)")
                except _TooBig:
                    nbytes = inflater.total
                    return done("failed", error=f"body over the {max_bytes:,}-byte cap after decompression; cut off")
                except zlib.error as exc:
                    return done("failed", error=f"bad compressed body: {exc}")
                return done(
                    "ok",
                    body=b"".join(chunks),
                    content_type=resp.headers.get("content-type"),
                    etag=resp.headers.get("etag"),
                    last_modified=resp.headers.get("last-modified"),
                )
        return done("failed", error=f"more than {max_redirects} redirects")
    except netguard.Refused as exc:
        return done("failed", error=str(exc) if current == url else f"{exc} (redirected from {netguard.shorten(url)})")
    except Exception as exc:  # noqa: BLE001 - never let one hostile server's bytes escape as a traceback
        noted = getattr(_clock, "status", None)
        status = status if status is not None else noted
        if noted is not None and 300 <= noted < 400 and getattr(_clock, "location", None):
            return done("failed", error=_bad_redirect(current, _clock.location, exc))
        if isinstance(exc, httpx.HTTPError):
            error = _network_error(exc, current, deadline_s)
            if isinstance(exc.__cause__, _RefusedConnect) and current != url:
                error += f" (redirected from {netguard.shorten(url)})"
            return done("failed", error=error, unreached=_unreached(exc) if status is None else None)
        log.debug("fetch of %s failed unexpectedly", netguard.shorten(url), exc_info=True)
        return done("failed", error=f"{exc.__class__.__name__}: {netguard.redact(str(exc))}"[:500])
    finally:
        _clock.deadline = None
        _clock.public_only, _clock.why, _clock.status, _clock.location = True, "", None, None


def _bad_redirect(current: str, location: str, exc: Exception) -> str:
    """Why a redirect that httpx could not even parse was not followed."""
    try:
        netguard.check_scheme(urljoin(current, location.strip()))
    except netguard.Refused as refused:
        return f"{refused} (redirected from {netguard.shorten(current)})"
    except ValueError:
        pass
    return f"bad redirect: Location {netguard.shorten(location)!r} ({netguard.redact(str(exc))})"


def _precheck(url: str, *, public_only: bool, why: str) -> str:
    """For a client without the guarded transport (behind a proxy): check the addresses we resolve.

    The proxy resolves the name again, so this stops plain SSRF but not DNS rebinding; the
    guarded transport (no proxy) checks the address it connects to.
    """
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    try:
        addresses = netguard.resolve(parts.hostname or "", port)
    except OSError as exc:
        raise httpx.ConnectError(str(exc)) from exc
    first = netguard.allowed(addresses, parts.hostname or "", public_only=public_only, why=why)[0]
    return dict(addresses)[first]
