"""Whole runs against a live server: storing, tagging, idempotence, politeness, and every bad input."""

from __future__ import annotations

import socket
import zlib
from datetime import UTC, datetime, timedelta

import pytest

from analysis import tagger
from ingest.runner import RunSummary, fetch_all
from store import open_store, parse_iso, policy
from tests.ingest.feedserver import Route, rss

GOOD = rss(
    "Good feed",
    [
        {
            "title": "Canada and Japan sign a strategic partnership in Tokyo",
            "link": "https://good.example.org/1?cmp=rss",
            "date": "Fri, 06 Mar 2026 09:18:00 -0500",
            "description": "<p>Prime Minister Mark Carney and Sanae Takaichi agreed on LNG and defence.</p>",
        },
        {
            "title": "Carney visits Australia",
            "link": "https://good.example.org/2",
            "date": "Tue, 03 Mar 2026 10:00:00 GMT",
            "description": "He addressed parliament in Canberra with Anthony Albanese.",
        },
    ],
)


def _count(db, sql="SELECT COUNT(*) FROM articles", params=()):
    conn = open_store(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def _feed(db, name):
    conn = open_store(db)
    conn.row_factory = lambda cur, row: dict(zip([c[0] for c in cur.description], row))
    try:
        return conn.execute("SELECT * FROM feeds WHERE name = ?", (name,)).fetchone()
    finally:
        conn.close()


def test_first_run_stores_tags_and_logs(feed_server, fresh_db, write_sources, fixture_bytes):
    sources = write_sources(
        [
            ("Good: World", feed_server.route("/good.xml", body=GOOD, etag='"g1"')),
            ("CBC: World", feed_server.route("/cbc.xml", body=fixture_bytes("cbc_world.xml"))),
        ]
    )
    progress = []
    summary = fetch_all(fresh_db, sources, on_progress=lambda d, t, n: progress.append((d, t, n)))
    assert (summary.ok, summary.failed, summary.not_modified, summary.skipped, summary.new_articles) == (2, 0, 0, 0, 5)
    assert sorted(p[0] for p in progress) == [1, 2] and {p[1] for p in progress} == {2}
    conn = open_store(fresh_db)
    row = conn.execute(
        "SELECT id, title, summary, published_at, source, lang, tagger_version, feed_id, story_id "
        "FROM articles WHERE url = 'https://good.example.org/1'"
    ).fetchone()
    article_id, title, summary_text, published, source, lang, version, feed_id, story_id = row
    assert summary_text == "Prime Minister Mark Carney and Sanae Takaichi agreed on LNG and defence."
    assert published == "2026-03-06T14:18:00Z" and source == "Good" and lang == "en"
    assert version == tagger.TAGGER_VERSION and story_id is not None
    expected = tagger.tag(title, summary_text, parse_iso(published), lang)
    assert (
        tuple(
            r[0]
            for r in conn.execute(
                "SELECT country FROM article_countries WHERE article_id = ? ORDER BY country", (article_id,)
            )
        )
        == expected.countries
    )
    assert (
        tuple(
            r[0]
            for r in conn.execute("SELECT pair FROM article_pairs WHERE article_id = ? ORDER BY pair", (article_id,))
        )
        == expected.pairs
    )
    for pair, a, b in conn.execute("SELECT pair, country_a, country_b FROM article_pairs"):
        assert pair == f"{a}-{b}" and a < b
    assert (
        tuple(
            r[0]
            for r in conn.execute("SELECT topic FROM article_topics WHERE article_id = ? ORDER BY topic", (article_id,))
        )
        == expected.topics
    )
    feed = conn.execute(
        "SELECT etag, last_status, last_ok_at, consecutive_failures, next_fetch_at FROM feeds WHERE id = ?", (feed_id,)
    ).fetchone()
    assert feed[0] == '"g1"' and feed[1] == 200 and feed[2] and feed[3] == 0 and feed[4] is None
    log = conn.execute(
        "SELECT status, bytes, items_seen, items_new, error FROM fetch_log WHERE feed_id = ?", (feed_id,)
    ).fetchall()
    assert log == [(200, len(GOOD), 2, 2, None)]
    assert conn.execute("SELECT value FROM meta WHERE key = 'last_ingest_at'").fetchone()[0]
    assert conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH 'canberra'").fetchone()[0] == 1


def test_second_run_is_conditional_and_adds_nothing(feed_server, fresh_db, write_sources, fixture_bytes):
    sources = write_sources(
        [
            ("Good: World", feed_server.route("/good.xml", body=GOOD, etag='"g1"')),
            (
                "CBC: World",
                feed_server.route(
                    "/cbc.xml", body=fixture_bytes("cbc_world.xml"), last_modified="Fri, 06 Mar 2026 14:00:00 GMT"
                ),
            ),
        ]
    )
    fetch_all(fresh_db, sources)
    before = _count(fresh_db)
    summary = fetch_all(fresh_db, sources)
    assert (summary.ok, summary.not_modified, summary.new_articles) == (0, 2, 0)
    assert _count(fresh_db) == before
    assert feed_server.hits("/good.xml")[-1].headers["if-none-match"] == '"g1"'
    assert feed_server.hits("/cbc.xml")[-1].headers["if-modified-since"] == "Fri, 06 Mar 2026 14:00:00 GMT"
    assert _count(fresh_db, "SELECT COUNT(*) FROM fetch_log WHERE status = 304") == 2
    # A server that ignores validators re-sends the same items: still nothing new is stored.
    feed_server.route("/good.xml", body=GOOD)
    summary = fetch_all(fresh_db, sources)
    assert summary.ok == 1 and summary.new_articles == 0 and _count(fresh_db) == before


def test_new_items_in_a_later_run_are_added(feed_server, fresh_db, write_sources):
    sources = write_sources([("Good: World", feed_server.route("/good.xml", body=GOOD))])
    fetch_all(fresh_db, sources)
    feed_server.route(
        "/good.xml",
        body=rss(
            "Good feed",
            [
                {
                    "title": "Canada and Germany talk defence",
                    "link": "https://good.example.org/3",
                    "date": "Wed, 04 Mar 2026 10:00:00 GMT",
                }
            ],
        ),
    )
    assert fetch_all(fresh_db, sources).new_articles == 1
    assert _count(fresh_db) == 3


BAD_ROUTES = {
    "/404": (Route(status=404, body=b"nope"), "HTTP 404 Not Found"),
    "/500": (Route(status=500), "HTTP 500 Internal Server Error"),
    "/empty": (Route(body=b""), "empty body"),
    "/html": (
        Route(
            body=b"<!DOCTYPE html><html><body><p>Moved to our new site</p></body></html>",
            headers={"Content-Type": "text/html"},
        ),
        "not a feed (HTML page)",
    ),
    "/invalid": (Route(body=b"<?xml version='1.0'?><rss><channel<title>x"), "invalid XML"),
    "/bomb": (None, "entity-expansion bomb"),
    "/gzipbomb": (None, "after decompression"),
    "/huge": (None, "cap"),
    "/slow": (Route(body=GOOD, trickle=0.05), "deadline"),
    "/loop": (Route(status=302, headers={"Location": "/loop"}), "redirect loop"),
}


@pytest.fixture
def bad_server(feed_server, fixture_bytes):
    for path, (route, _) in BAD_ROUTES.items():
        if route is not None:
            feed_server.route(path, route)
    feed_server.route("/bomb", body=fixture_bytes("entity_bomb.xml"))
    squeezer = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    bomb = b"".join(squeezer.compress(b"\0" * 1024 * 1024) for _ in range(50)) + squeezer.flush()
    feed_server.route("/gzipbomb", stream=lambda: iter([bomb]), gzip=True)
    feed_server.route("/huge", stream=lambda: (b"x" * 1024 * 1024 for _ in range(200)))
    feed_server.route("/good.xml", body=GOOD)
    feed_server.route("/latin1.xml", body=fixture_bytes("radio_canada_latin1.xml"))
    feed_server.route(
        "/cp1252.xml", body=fixture_bytes("undeclared_cp1252.xml"), headers={"Content-Type": "application/rss+xml"}
    )
    feed_server.route(
        "/wrongcharset.xml",
        body=fixture_bytes("radio_canada_latin1.xml"),
        headers={"Content-Type": "application/rss+xml; charset=utf-8"},
    )
    feed_server.route("/invalidbytes.xml", body=fixture_bytes("invalid_bytes.xml"))
    feed_server.route("/edge.xml", body=fixture_bytes("edge_entries.xml"))
    return feed_server


def test_every_bad_input_is_a_recorded_error_and_the_others_go_on(bad_server, fresh_db, write_sources):
    bad = [(f"Bad {path}", bad_server.url(path)) for path in BAD_ROUTES]
    bad += [("Unreachable", "http://127.0.0.1:9/feed"), ("No DNS", "http://feeds.mpm-test.invalid/rss")]
    good = [
        ("Good: World", bad_server.url("/good.xml")),
        ("Latin-1", bad_server.url("/latin1.xml")),
        ("CP1252", bad_server.url("/cp1252.xml")),
        ("Wrong charset", bad_server.url("/wrongcharset.xml")),
        ("Invalid bytes", bad_server.url("/invalidbytes.xml")),
        ("Edge", bad_server.url("/edge.xml")),
    ]
    sources = write_sources(bad + good)
    summary = fetch_all(fresh_db, sources, deadline_s=1.5)
    assert summary.failed == len(bad) and summary.ok == len(good)
    assert {name for name, _ in summary.errors} == {name for name, _ in bad}
    for path, (_, message) in BAD_ROUTES.items():
        feed = _feed(fresh_db, f"Bad {path}")
        assert message in feed["last_error"], path
        assert feed["consecutive_failures"] == 1 and feed["next_fetch_at"] is not None
        logged = _count(fresh_db, "SELECT error FROM fetch_log WHERE feed_id = ?", (feed["id"],))
        assert message in logged
    assert _feed(fresh_db, "Unreachable")["last_error"].startswith("cannot connect")
    assert _feed(fresh_db, "Unreachable")["last_status"] is None
    assert _count(fresh_db, "SELECT COUNT(*) FROM articles WHERE url LIKE 'https://good.example.org/%'") == 2
    assert _count(fresh_db, "SELECT COUNT(*) FROM articles WHERE title LIKE '%partenariat à Tokyo'") == 1
    # Edge entries: no date (flagged), no link (urn key), no title (summary start), one duplicate, a future date.
    assert (
        _count(
            fresh_db,
            "SELECT COUNT(*) FROM articles WHERE url LIKE 'https://edge.example.org/%' OR url LIKE 'urn:mpm:%'",
        )
        == 5
    )
    assert _count(fresh_db, "SELECT date_flag FROM articles WHERE url = 'https://edge.example.org/future'") == "future"
    assert (
        _count(fresh_db, "SELECT date_flag FROM articles WHERE url = 'https://edge.example.org/no-date'") == "missing"
    )


def test_failures_never_delete_stored_articles(feed_server, fresh_db, write_sources):
    sources = write_sources([("Good: World", feed_server.route("/good.xml", body=GOOD))])
    fetch_all(fresh_db, sources)
    for route in (Route(status=500), Route(body=b""), Route(status=410)):
        feed_server.route("/good.xml", route)
        fetch_all(fresh_db, sources, force=True)
        assert _count(fresh_db) == 2


def test_backoff_skips_until_due_and_force_overrides(feed_server, fresh_db, write_sources):
    sources = write_sources([("Flaky", feed_server.route("/flaky", status=500))])
    before = datetime.now(UTC)
    assert fetch_all(fresh_db, sources).failed == 1
    feed = _feed(fresh_db, "Flaky")
    wait = parse_iso(feed["next_fetch_at"]) - before
    assert policy.BASE_BACKOFF - timedelta(seconds=5) <= wait <= policy.BASE_BACKOFF + timedelta(seconds=5)
    summary = fetch_all(fresh_db, sources)
    assert (summary.skipped, summary.failed) == (1, 0) and len(feed_server.hits("/flaky")) == 1
    summary = fetch_all(fresh_db, sources, force=True)
    assert summary.failed == 1 and len(feed_server.hits("/flaky")) == 2
    feed = _feed(fresh_db, "Flaky")
    assert feed["consecutive_failures"] == 2
    assert parse_iso(feed["next_fetch_at"]) - before >= policy.BASE_BACKOFF * 2 - timedelta(seconds=5)
    # Recovery resets the count and makes the feed due on the next run.
    feed_server.route("/flaky", body=GOOD)
    assert fetch_all(fresh_db, sources, force=True).ok == 1
    feed = _feed(fresh_db, "Flaky")
    assert feed["consecutive_failures"] == 0 and feed["next_fetch_at"] is None and feed["last_error"] is None


def test_backoff_doubles_up_to_a_day():
    assert [policy.backoff(n) for n in (1, 2, 3)] == [policy.BASE_BACKOFF * k for k in (1, 2, 4)]
    assert policy.backoff(50) == policy.MAX_BACKOFF


def test_retry_after_is_honoured(feed_server, fresh_db, write_sources):
    sources = write_sources([("Busy", feed_server.route("/busy", status=429, headers={"Retry-After": "7200"}))])
    before = datetime.now(UTC)
    fetch_all(fresh_db, sources)
    feed = _feed(fresh_db, "Busy")
    assert feed["last_status"] == 429
    assert parse_iso(feed["next_fetch_at"]) >= before + timedelta(seconds=7190)
    assert fetch_all(fresh_db, sources).skipped == 1


def test_gone_disables_at_once(feed_server, fresh_db, write_sources):
    sources = write_sources([("Gone", feed_server.route("/gone", status=410))])
    fetch_all(fresh_db, sources)
    feed = _feed(fresh_db, "Gone")
    assert feed["enabled"] == 0 and "410" in feed["disabled_reason"]
    assert fetch_all(fresh_db, sources, force=True).skipped == 1
    assert len(feed_server.hits("/gone")) == 1


def test_many_consecutive_failures_disable(feed_server, fresh_db, write_sources):
    sources = write_sources([("Broken", feed_server.route("/broken", status=503))])
    for _ in range(policy.MAX_FAILURES):
        fetch_all(fresh_db, sources, force=True)
    feed = _feed(fresh_db, "Broken")
    assert feed["enabled"] == 0 and feed["disabled_reason"] == f"{policy.MAX_FAILURES} consecutive failures"
    assert fetch_all(fresh_db, sources, force=True).skipped == 1


def test_permanent_redirect_updates_the_stored_url(feed_server, fresh_db, write_sources):
    new = feed_server.route("/new.xml", body=GOOD)
    feed_server.route("/old.xml", status=301, headers={"Location": "/new.xml"})
    feed_server.route("/temp.xml", status=302, headers={"Location": "/new2.xml"})
    feed_server.route("/new2.xml", body=rss("Temp", [{"title": "Ottawa news", "link": "https://t.example.org/1"}]))
    sources = write_sources([("Moved", feed_server.url("/old.xml")), ("Temporary", feed_server.url("/temp.xml"))])
    assert fetch_all(fresh_db, sources).ok == 2
    assert _feed(fresh_db, "Moved")["url"] == new
    assert _feed(fresh_db, "Temporary")["url"] == feed_server.url("/temp.xml")
    # The source list still names the old URL: the next run asks the new one directly.
    fetch_all(fresh_db, sources)
    assert len(feed_server.hits("/old.xml")) == 1 and len(feed_server.hits("/new.xml")) == 2
    assert _count(fresh_db, "SELECT COUNT(*) FROM feeds") == 2


def test_run_only_fetches_the_given_list(feed_server, fresh_db, write_sources, tmp_path):
    first = write_sources([("A", feed_server.route("/a.xml", body=GOOD))], tmp_path / "a.opml")
    second = write_sources([("B", feed_server.route("/b.xml", body=rss("B", [])))], tmp_path / "b.opml")
    fetch_all(fresh_db, first)
    summary = fetch_all(fresh_db, second)
    assert summary.ok == 1 and len(feed_server.hits("/a.xml")) == 1


def test_source_edits_update_the_feed_row(feed_server, fresh_db, write_sources):
    from ingest.opml import Source

    url = feed_server.route("/a.xml", body=GOOD)
    fetch_all(fresh_db, write_sources([Source("A", "Outlet A", url, "", "en", "outlet")]))
    fetch_all(
        fresh_db, write_sources([Source("A renamed", "Outlet A2", url, "https://a.example.org", "fr", "official")])
    )
    feed = _feed(fresh_db, "A renamed")
    assert (feed["outlet"], feed["lang"], feed["kind"], feed["site_url"]) == (
        "Outlet A2",
        "fr",
        "official",
        "https://a.example.org",
    )
    assert _count(fresh_db, "SELECT COUNT(*) FROM feeds") == 1


def test_summary_line():
    line = RunSummary(ok=3, not_modified=2, failed=1, skipped=0, new_articles=12, seconds=1.25).line()
    assert line == "3 ok, 2 not modified, 1 failed, 0 skipped; 12 new articles in 1.2 s"


def test_old_fetch_log_rows_are_pruned(feed_server, fresh_db, write_sources):
    sources = write_sources([("Good: World", feed_server.route("/good.xml", body=GOOD))])
    fetch_all(fresh_db, sources)
    conn = open_store(fresh_db)
    conn.execute("INSERT INTO fetch_log(url, started_at, status) VALUES ('http://old/', '2020-01-01T00:00:00Z', 200)")
    fetch_all(fresh_db, sources)
    assert conn.execute("SELECT COUNT(*) FROM fetch_log WHERE started_at < '2021'").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0] == 2


def test_a_feed_that_reaches_no_server_backs_off_but_is_never_disabled(fresh_db, write_sources):
    """A laptop offline overnight: every run fails to connect, yet its feeds stay enabled."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: connecting is refused
    sources = write_sources([("Offline", f"http://127.0.0.1:{port}/feed.xml")])
    for _ in range(policy.MAX_FAILURES + 2):
        fetch_all(fresh_db, sources, force=True)
    feed = _feed(fresh_db, "Offline")
    assert feed["consecutive_failures"] == policy.MAX_FAILURES + 2
    assert feed["enabled"] == 1 and feed["disabled_reason"] is None
    waited = parse_iso(feed["next_fetch_at"]) - parse_iso(feed["last_fetch_at"])
    assert waited >= policy.MAX_BACKOFF - timedelta(seconds=5)
    assert fetch_all(fresh_db, sources).skipped == 1  # still waiting out its backoff
