"""The HTTP client against a real server on 127.0.0.1: limits, conditional GET, redirects, errors."""

from __future__ import annotations

import socket
import threading
import time
import zlib
from datetime import UTC, datetime

import pytest

from ingest.config import USER_AGENT
from ingest.fetcher import fetch, make_client, parse_retry_after

FEED = b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>'


@pytest.fixture
def client():
    with make_client(8) as c:
        yield c


def test_ok_sends_user_agent_and_accepts_gzip(feed_server, client):
    url = feed_server.route(
        "/feed.xml", body=FEED, etag='"v1"', last_modified="Fri, 06 Mar 2026 14:00:00 GMT", gzip=True
    )
    result = fetch(client, url)
    assert result.outcome == "ok" and result.status == 200 and result.body == FEED
    assert result.nbytes == len(FEED) and result.etag == '"v1"'
    assert result.last_modified == "Fri, 06 Mar 2026 14:00:00 GMT"
    sent = feed_server.hits("/feed.xml")[0].headers
    assert sent["user-agent"] == USER_AGENT and "gzip" in sent["accept-encoding"]
    assert "if-none-match" not in sent


def test_conditional_get_gives_not_modified(feed_server, client):
    url = feed_server.route("/feed.xml", body=FEED, etag='"v1"')
    result = fetch(client, url, etag='"v1"', last_modified="Fri, 06 Mar 2026 14:00:00 GMT")
    assert result.outcome == "not_modified" and result.status == 304 and result.body == b""
    sent = feed_server.hits("/feed.xml")[0].headers
    assert sent["if-none-match"] == '"v1"' and sent["if-modified-since"] == "Fri, 06 Mar 2026 14:00:00 GMT"


def test_last_modified_alone(feed_server, client):
    url = feed_server.route("/feed.xml", body=FEED, last_modified="Fri, 06 Mar 2026 14:00:00 GMT")
    assert fetch(client, url, last_modified="Fri, 06 Mar 2026 14:00:00 GMT").outcome == "not_modified"


@pytest.mark.parametrize(
    "status, phrase", [(404, "HTTP 404 Not Found"), (410, "HTTP 410 Gone"), (500, "HTTP 500 Internal Server Error")]
)
def test_http_errors(feed_server, client, status, phrase):
    url = feed_server.route("/x", status=status, body=b"<html>error</html>")
    result = fetch(client, url)
    assert (result.outcome, result.status, result.error) == ("failed", status, phrase)


def test_retry_after_seconds_and_date(feed_server, client):
    before = datetime.now(UTC)
    url = feed_server.route("/busy", status=429, headers={"Retry-After": "120"})
    result = fetch(client, url)
    assert result.error == "HTTP 429 Too Many Requests"
    assert 110 <= (result.retry_after - before).total_seconds() <= 130
    url = feed_server.route("/down", status=503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})
    assert fetch(client, url).retry_after == datetime(2099, 10, 21, 7, 28, tzinfo=UTC)


def test_parse_retry_after_garbage():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("soon", now) is None and parse_retry_after(None, now) is None


def test_permanent_redirects_are_reported_temporary_ones_not(feed_server, client):
    final = feed_server.route("/new.xml", body=FEED)
    feed_server.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    feed_server.route("/temp.xml", status=302, headers={"Location": final})
    feed_server.route("/perm-then-temp.xml", status=308, headers={"Location": "/temp.xml"})
    moved = fetch(client, feed_server.url("/old.xml"))
    assert moved.outcome == "ok" and moved.final_url == final and moved.moved_to == final
    temp = fetch(client, feed_server.url("/temp.xml"))
    assert temp.outcome == "ok" and temp.moved_to is None
    mixed = fetch(client, feed_server.url("/perm-then-temp.xml"))
    assert mixed.outcome == "ok" and mixed.moved_to == feed_server.url("/temp.xml")


def test_redirect_loop_and_too_many_hops(feed_server, client):
    feed_server.route("/a", status=302, headers={"Location": "/b"})
    feed_server.route("/b", status=302, headers={"Location": "/a"})
    loop = fetch(client, feed_server.url("/a"))
    assert loop.outcome == "failed" and loop.error.startswith("redirect loop")
    for i in range(10):
        feed_server.route(f"/hop{i}", status=302, headers={"Location": f"/hop{i + 1}"})
    far = fetch(client, feed_server.url("/hop0"), max_redirects=5)
    assert far.outcome == "failed" and far.error == "more than 5 redirects"


def test_trickling_body_is_cut_at_the_deadline(feed_server, client):
    url = feed_server.route("/slow", body=FEED * 10, trickle=0.05)
    started = time.monotonic()
    result = fetch(client, url, deadline_s=1.0)
    assert time.monotonic() - started < 3
    assert result.outcome == "failed" and "deadline of 1 s exceeded" in result.error


@pytest.mark.skipif(
    bool(__import__("urllib.request").request.getproxies()),
    reason="with a proxy from the environment httpx's own transport is used",
)
def test_trickling_headers_are_cut_at_the_deadline(client):
    """A server that sends its status line one byte at a time never trips a read timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    stop = threading.Event()

    def serve():
        conn, _ = listener.accept()
        try:
            for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                if stop.is_set():
                    break
                conn.sendall(bytes([byte]))
                time.sleep(0.05)
        except OSError:
            pass
        finally:
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    started = time.monotonic()
    result = fetch(client, f"http://127.0.0.1:{listener.getsockname()[1]}/feed", deadline_s=1.0)
    stop.set()
    listener.close()
    assert time.monotonic() - started < 3
    assert result.outcome == "failed" and "deadline" in result.error


def test_silent_server_hits_the_deadline(feed_server, client):
    url = feed_server.route("/silent", body=FEED, delay=3)
    started = time.monotonic()
    result = fetch(client, url, deadline_s=0.5)
    assert time.monotonic() - started < 2.5
    assert result.outcome == "failed" and "deadline" in result.error


def test_huge_body_is_cut_off(feed_server, client):
    def two_hundred_megabytes():
        chunk = b"<item>" + b"x" * (1024 * 1024 - 6)
        for _ in range(200):
            yield chunk

    url = feed_server.route("/huge", stream=two_hundred_megabytes)
    result = fetch(client, url)
    assert result.outcome == "failed" and "cap" in result.error and result.body == b""
    assert 10 * 1024 * 1024 < result.nbytes < 12 * 1024 * 1024


def test_declared_huge_length_is_refused_before_reading(feed_server, client):
    url = feed_server.route(
        "/declared", body=FEED, headers={"Content-Length": str(300 * 1024 * 1024)}, stream=lambda: iter([FEED])
    )
    result = fetch(client, url)
    assert result.outcome == "failed" and "cap" in result.error and result.nbytes == 0


def test_gzip_bomb_is_cut_off_after_decompression(feed_server, client):
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1024 * 1024)
    bomb = b"".join(squeezer.compress(block) for _ in range(100)) + squeezer.flush()
    assert len(bomb) < 200 * 1024  # 100 MB inflated
    url = feed_server.route("/bomb", stream=lambda: iter([bomb]), gzip=True)
    result = fetch(client, url)
    assert result.outcome == "failed" and "after decompression" in result.error
    assert result.nbytes <= 10 * 1024 * 1024 + 1


def test_corrupt_gzip(feed_server, client):
    url = feed_server.route("/corrupt", stream=lambda: iter([b"\x1f\x8b\x08\x00garbage-garbage"]), gzip=True)
    result = fetch(client, url)
    assert result.outcome == "failed" and result.error.startswith("bad compressed body")


def test_raw_deflate_is_accepted(feed_server, client):
    squeezer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    raw = squeezer.compress(FEED) + squeezer.flush()
    url = feed_server.route("/deflate", stream=lambda: iter([raw]), headers={"Content-Encoding": "deflate"})
    assert fetch(client, url).body == FEED


def test_unreachable_and_unresolvable_hosts(client):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nobody listens there
    refused = fetch(client, f"http://127.0.0.1:{port}/feed")
    assert refused.outcome == "failed" and refused.error.startswith("cannot connect")
    unknown = fetch(client, "http://feeds.mpm-test.invalid/rss")
    assert unknown.outcome == "failed" and unknown.error.startswith(("DNS lookup failed", "cannot connect"))


def test_bad_urls(client):
    assert fetch(client, "ftp://example.org/feed").error.startswith("refused: only http and https URLs")
    assert fetch(client, "http://").outcome == "failed"
