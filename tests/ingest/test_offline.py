"""A run with no network, a run that skipped feeds, and a forced run (issue 10), with real sockets.

"Offline" is made without the internet: a closed port on 127.0.0.1 refuses the connection, and
`nonexistent.invalid` (RFC 6761: never resolves) fails its DNS lookup. A live server's HTTP errors
come from tests/ingest/feedserver.py on 127.0.0.1.
"""

from __future__ import annotations

import socket
import sqlite3
from datetime import UTC, datetime

import httpx

from ingest.__main__ import main
from ingest.fetcher import _RefusedConnect, _unreached
from ingest.runner import RunSummary, Skip, fetch_all, when
from tests.ingest.feedserver import rss

FEED = rss("Live", [{"title": "Canada and Japan sign a trade pact", "link": "https://live.example.org/1"}])
OFFLINE = (
    "This machine seems to be offline (no feed could be reached): nothing was fetched; stored articles are unchanged"
)


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connecting to it is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unreachable_sources(write_sources, path=None):
    return write_sources(
        [
            ("Refused: World", f"http://127.0.0.1:{closed_port()}/world.xml"),
            ("Refused: Politics", f"http://127.0.0.1:{closed_port()}/politics.xml"),
            ("Nowhere: News", "http://nonexistent.invalid/feed.xml"),
        ],
        path,
    )


def _one(db, sql, params=()):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchone()
    finally:
        conn.close()


def test_every_feed_unreachable_is_offline_and_changes_no_article(feed_server, fresh_db, write_sources, tmp_path):
    live = write_sources([("Live", feed_server.route("/live.xml", body=FEED))], tmp_path / "live.opml")
    assert fetch_all(fresh_db, live).new_articles == 1
    summary = fetch_all(fresh_db, unreachable_sources(write_sources))
    assert summary.outcome == "offline"
    assert (summary.attempted, summary.failed, summary.new_articles) == (3, 3, 0)
    assert summary.unreached == {"refused": 2, "dns": 1}
    assert summary.hosts == ["127.0.0.1", "nonexistent.invalid"]
    assert summary.headline().startswith(OFFLINE)
    assert "offline" in summary.line()
    assert _one(fresh_db, "SELECT COUNT(*) FROM articles") == (1,)
    assert _one(fresh_db, "SELECT value FROM meta WHERE key = 'last_ingest_outcome'") == ("offline",)


def test_http_errors_from_a_live_server_are_not_offline(feed_server, fresh_db, write_sources):
    sources = write_sources(
        [
            ("Broken", feed_server.route("/broken", status=500)),
            ("Missing", feed_server.route("/missing", status=404)),
            ("Nowhere", "http://nonexistent.invalid/feed.xml"),
        ]
    )
    summary = fetch_all(fresh_db, sources)
    assert summary.outcome == "failed" and summary.unreached == {"dns": 1}
    assert summary.headline() == "Every feed asked failed (3): nothing was fetched; stored articles are unchanged."
    assert "offline" not in summary.headline() + summary.line()


def test_one_unreachable_host_is_not_called_offline(fresh_db, write_sources):
    port = closed_port()
    sources = write_sources([("A", f"http://127.0.0.1:{port}/a.xml"), ("B", f"http://127.0.0.1:{port}/b.xml")])
    summary = fetch_all(fresh_db, sources)
    assert summary.outcome == "unreachable"
    assert summary.headline() == (
        "The only host asked (127.0.0.1) could not be reached: nothing was fetched; stored articles are unchanged."
    )


def test_a_run_in_backoff_says_what_was_skipped_and_a_forced_run_asks_again(fresh_db, write_sources):
    sources = unreachable_sources(write_sources)
    before = datetime.now(UTC)
    assert fetch_all(fresh_db, sources).outcome == "offline"
    again = fetch_all(fresh_db, sources)
    assert again.outcome == "nothing_due" and again.attempted == 0
    assert again.headline() == "Nothing was fetched: every feed was skipped (3); stored articles are unchanged."
    [group] = again.skip_groups()
    assert (group.reason, group.count) == ("backoff", 3)
    assert group.until is not None and group.until > before.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert again.skip_lines(now=before) == [
        f"3 skipped: waiting after failures (backoff); due again from {when(group.until, before)}"
    ]
    assert again.forceable() == 3
    assert _one(fresh_db, "SELECT value FROM meta WHERE key = 'last_ingest_outcome'") == ("nothing_due",)
    forced = fetch_all(fresh_db, sources, force=True)
    assert forced.forced and forced.skipped == 0 and forced.outcome == "offline"
    assert _one(fresh_db, "SELECT MIN(consecutive_failures) FROM feeds") == (2,)


def test_skips_are_grouped_by_reason_and_force_never_asks_a_disabled_feed(feed_server, fresh_db, write_sources):
    sources = write_sources(
        [
            ("Busy", feed_server.route("/busy", status=429, headers={"Retry-After": "7200"})),
            ("Gone", feed_server.route("/gone", status=410)),
            ("Flaky", feed_server.route("/flaky", status=500)),
            ("Good", feed_server.route("/good", body=FEED)),
        ]
    )
    fetch_all(fresh_db, sources)
    summary = fetch_all(fresh_db, sources)
    assert summary.outcome == "ok" and summary.ok == 1
    groups = {g.reason: g for g in summary.skip_groups()}
    assert {r: (g.count, g.names) for r, g in groups.items()} == {
        "retry_after": (1, ("Busy",)),
        "disabled": (1, ("Gone",)),
        "backoff": (1, ("Flaky",)),
    }
    assert groups["disabled"].until is None and groups["retry_after"].until > groups["backoff"].until
    assert summary.forceable() == 2
    forced = fetch_all(fresh_db, sources, force=True)
    assert [(s.name, s.reason) for s in forced.skips] == [("Gone", "disabled")]
    assert len(feed_server.hits("/gone")) == 1 and len(feed_server.hits("/busy")) == 2


def test_the_cli_says_the_same_and_force_is_the_button(fresh_db, write_sources, capsys):
    sources = unreachable_sources(write_sources)
    args = ["--db", str(fresh_db), "--sources", str(sources)]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"ingest: {OFFLINE}" in out
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "ingest: Nothing was fetched: every feed was skipped (3)" in out
    assert "3 skipped: waiting after failures (backoff); due again from" in out
    assert "--force asks the 3 waiting feed(s) now" in out
    assert main([*args, "--force"]) == 0
    out = capsys.readouterr().out
    assert OFFLINE in out and "skipped:" not in out and "--force asks" not in out


def test_connect_time_errors_are_told_apart_from_a_server_that_answered():
    request = httpx.Request("GET", "http://example.invalid/")
    assert _unreached(httpx.ConnectTimeout("timed out", request=request)) == "timeout"
    assert _unreached(httpx.ConnectError("[Errno 101] Network is unreachable", request=request)) == "unreachable"
    assert _unreached(httpx.ConnectError("[Errno 111] Connection refused", request=request)) == "refused"
    assert _unreached(httpx.ConnectError("[Errno -3] Temporary failure in name resolution")) == "dns"
    assert _unreached(httpx.ReadTimeout("no data", request=request)) is None  # a server accepted the connection
    assert _unreached(httpx.RemoteProtocolError("bad status line", request=request)) is None
    refused = httpx.ConnectError("refused: 169.254.169.254 is link-local")
    refused.__cause__ = _RefusedConnect("refused: 169.254.169.254 is link-local")
    assert _unreached(refused) is None  # our own address rule said no, not the network


def test_a_summary_with_nothing_listed_or_all_fine_is_plain():
    assert RunSummary().headline() == "Nothing was fetched: the source list has no feed."
    ok = RunSummary(ok=2, not_modified=1, new_articles=1, hosts=["a", "b"])
    assert ok.outcome == "ok" and ok.headline() == "1 new article from 3 feeds (2 ok, 1 not modified)."
    partial = RunSummary(ok=1, failed=1, new_articles=4, unreached={"dns": 1}, hosts=["a", "b"])
    assert (
        partial.outcome == "partial"
        and partial.headline() == "4 new articles; 1 of 2 feeds failed (1 ok, 0 not modified)."
    )
    skipped = RunSummary(skipped=1, skips=[Skip("X", "disabled")])
    assert skipped.skip_lines() == ["1 skipped: disabled (re-enable with `python -m ingest sources enable NAME`)"]
    now = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)
    assert when("2026-03-04T14:05:00Z", now) == "14:05 UTC"
    assert when("2026-03-05T00:10:00Z", now) == "2026-03-05 00:10 UTC"
