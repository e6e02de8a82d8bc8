"""Fetch latest with no network, during backoff, and Fetch anyway, through AppTest (issue 10).

Seen in a browser: offline, a collapsed box said "34 failed"; a second press showed a green check
for a run that skipped every feed; the Overview then said "Last ingest 1 min ago". Here the feeds
are unreachable without the internet (a closed port on 127.0.0.1 refuses; `nonexistent.invalid`
never resolves), and a live server on 127.0.0.1 stands in for the network coming back.
"""

from __future__ import annotations

import socket
import sqlite3

from counts import queries
from dashboard.fetching import ago
from ingest.opml import Source, save_opml
from tests.dashboard.test_app import make_app, open_page
from tests.ingest.feedserver import FeedServer, rss

OFFLINE = (
    "This machine seems to be offline (no feed could be reached): nothing was fetched; stored articles are unchanged"
)
NEWEST_LIVE = "2026-03-02T07:00:00Z"  # the tiny store's newest live article's fetch time (conftest.ARTICLES)
FEED = rss("Wire", [{"title": "Canada and Japan sign a fisheries accord", "link": "https://wire.example.org/1"}])


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_sources(path, urls: list[str], name: str = "Feed"):
    save_opml(path, [Source(f"{name} {i}", f"Outlet {i}", url, "", "en", "outlet") for i, url in enumerate(urls)])
    return path


def offline_sources(tmp_path):
    return write_sources(
        tmp_path / "offline.opml",
        [
            f"http://127.0.0.1:{closed_port()}/a.xml",
            f"http://127.0.0.1:{closed_port()}/b.xml",
            "http://nonexistent.invalid/feed.xml",
        ],
    )


def button(at, label):
    found = [b for b in at.button if b.label == label]
    return found[0] if found else None


def texts(elements) -> list[str]:
    return [e.value for e in elements]


def sources_page(monkeypatch, db, sources):
    monkeypatch.setenv("MPM_SOURCES", str(sources))
    monkeypatch.setenv("MPM_FETCH_INTERVAL", "0")
    return open_page(make_app(monkeypatch, db), "sources")


def test_offline_then_backoff_then_fetch_anyway(monkeypatch, tiny_db, tmp_path):
    at = sources_page(monkeypatch, tiny_db, offline_sources(tmp_path))
    assert button(at, "Fetch anyway") is None  # nothing waits yet
    button(at, "Fetch latest").click().run()
    assert not at.exception
    [box] = at.status
    assert box.state == "error" and box.label == "Fetched nothing: offline"  # not "3 failed", not a check
    [error] = texts(at.error)
    assert error.startswith(OFFLINE) and "Fetch anyway" in error
    assert not at.success
    assert button(at, "Fetch anyway") is not None  # offered at once, not only on the next redraw
    assert any(c.startswith("Last new articles") and "last attempt 0 min ago, offline" in c for c in texts(at.caption))

    at.run()  # a redraw: the result stays, the waiting feeds are counted
    assert texts(at.error)[0].startswith(OFFLINE)
    assert any("3 feeds are waiting after failures" in c for c in texts(at.caption))

    button(at, "Fetch latest").click().run()  # during backoff: skipped, said so, never a success
    assert not at.exception and not at.success
    [box] = at.status
    assert box.state == "error" and box.label == "Fetched nothing: every feed skipped"
    warnings = texts(at.warning)
    assert warnings[0].startswith("Nothing was fetched: every feed was skipped (3); stored articles are unchanged.")
    assert "3 skipped: waiting after failures (backoff); due again from " in warnings[1]
    assert "**Fetch anyway** asks the 3 waiting now." in warnings[1]

    button(at, "Fetch anyway").click().run()  # the forced run asks them again (and they are still down)
    assert not at.exception
    [error] = texts(at.error)
    assert error.startswith(OFFLINE) and "forced run" in error
    conn = sqlite3.connect(tiny_db)
    assert conn.execute("SELECT MIN(consecutive_failures) FROM feeds WHERE name LIKE 'Feed %'").fetchone() == (2,)
    conn.close()


def test_fetch_anyway_brings_a_waiting_feed_back(monkeypatch, tiny_db, tmp_path):
    with FeedServer() as server:
        url = server.route("/wire.xml", status=503)
        at = sources_page(monkeypatch, tiny_db, write_sources(tmp_path / "s.opml", [url]))
        button(at, "Fetch latest").click().run()
        [error] = texts(at.error)
        assert error.startswith(
            "Every feed asked failed (1): nothing was fetched; stored articles are unchanged. (ended "
        )
        assert at.expander and "Which feeds failed (1)" in at.expander[0].label
        assert at.dataframe[0].value.to_dict("list") == {"feed": ["Feed 0"], "error": ["HTTP 503 Service Unavailable"]}
        server.route("/wire.xml", body=FEED)
        button(at, "Fetch latest").click().run()
        assert len(server.hits("/wire.xml")) == 1 and "every feed was skipped (1)" in texts(at.warning)[0]
        button(at, "Fetch anyway").click().run()
        assert not at.exception and len(server.hits("/wire.xml")) == 2
        [box] = at.status
        assert box.state == "complete" and box.label.startswith("Fetched: 1 ok, 0 not modified, 0 failed, 0 skipped")
        [success] = texts(at.success)
        assert success.startswith("1 new article from 1 feed (1 ok, 0 not modified). (forced run, ended")
        at.run()
        assert button(at, "Fetch anyway") is None  # nothing waits any more


def test_fetch_anyway_clicked_after_the_feeds_came_due_is_not_lost(monkeypatch, tiny_db, tmp_path):
    """The page stayed open past the backoff: the Fetch anyway under the last result is the one drawn
    (no feed waits any more at the top of the run), and a click on it still makes a forced run."""
    with FeedServer() as server:
        url = server.route("/wire.xml", status=503)
        at = sources_page(monkeypatch, tiny_db, write_sources(tmp_path / "s.opml", [url]))
        button(at, "Fetch latest").click().run()
        button(at, "Fetch latest").click().run()  # during backoff: the feed is skipped, Fetch anyway offered
        assert len(server.hits("/wire.xml")) == 1 and "every feed was skipped (1)" in texts(at.warning)[0]
        conn = sqlite3.connect(tiny_db)
        conn.execute("UPDATE feeds SET next_fetch_at = '2000-01-01T00:00:00Z' WHERE name = 'Feed 0'")
        conn.commit()
        conn.close()
        server.route("/wire.xml", body=FEED)
        at.run()  # a redraw, minutes later: nothing waits, the last result still offers Fetch anyway
        assert queries.feeds_waiting(tiny_db)[0] == 0
        button(at, "Fetch anyway").click().run()
        assert not at.exception and len(server.hits("/wire.xml")) == 2
        [success] = texts(at.success)
        assert success.startswith("1 new article from 1 feed (1 ok, 0 not modified). (forced run, ended")


def test_the_overview_shows_the_last_run_that_brought_articles(monkeypatch, tiny_db, tmp_path):
    at = sources_page(monkeypatch, tiny_db, offline_sources(tmp_path))
    button(at, "Fetch latest").click().run()
    at = open_page(make_app(monkeypatch, tiny_db), "overview")
    metrics = {m.label: m for m in at.metric}
    assert "Last ingest" not in metrics
    assert metrics["Last new articles"].value == ago(NEWEST_LIVE) != "0 min ago"
    assert any(
        f"Last new articles {ago(NEWEST_LIVE)} · last attempt 0 min ago, offline." in c for c in texts(at.caption)
    )
    with FeedServer() as server:
        at = sources_page(
            monkeypatch, tiny_db, write_sources(tmp_path / "s.opml", [server.route("/w", body=FEED)], "Wire")
        )
        button(at, "Fetch latest").click().run()
    at = open_page(make_app(monkeypatch, tiny_db), "overview")
    assert {m.label: m.value for m in at.metric}["Last new articles"] == "0 min ago"
    assert any("Last new articles 0 min ago · last attempt 0 min ago." in c for c in texts(at.caption))


def test_read_only_says_when_articles_last_came(monkeypatch, tiny_db):
    monkeypatch.setenv("MPM_READ_ONLY", "1")
    at = open_page(make_app(monkeypatch, tiny_db), "sources")
    assert not button(at, "Fetch latest") and not button(at, "Fetch anyway")
    [caption] = [c for c in texts(at.caption) if "feeds are fetched on a schedule" in c]
    assert caption.endswith(f"Last new articles {ago(NEWEST_LIVE)} · last attempt {ago('2026-03-03T12:00:00Z')}.")


def test_last_new_articles_are_a_runs_not_a_backfills_nor_the_samples(tiny_db):
    conn = sqlite3.connect(tiny_db)
    with conn:
        conn.executemany(
            "INSERT INTO articles (url, title, published_at, source, fetched_at, is_sample, provenance) "
            "VALUES (?, 'x', '2025-01-01T00:00:00Z', 'Archive', '2026-11-30T00:00:00Z', ?, ?)",
            [("https://a.example.org/1", 0, "archive"), ("https://s.example.org/1", 1, "sample")],
        )
        conn.execute("UPDATE meta SET value = '2026-12-01T00:00:00Z' WHERE key = 'last_ingest_at'")
        conn.execute("INSERT INTO meta (key, value) VALUES ('last_ingest_outcome', 'offline')")
        conn.execute("UPDATE feeds SET next_fetch_at = '2999-01-01T00:00:00Z' WHERE id IN (1, 2)")
        conn.execute("UPDATE feeds SET enabled = 0 WHERE id = 2")  # disabled: no run asks it, forced or not
    conn.close()
    assert queries.ingest_times(tiny_db) == {
        "last_attempt_at": "2026-12-01T00:00:00Z",
        "last_outcome": "offline",
        "last_new_at": NEWEST_LIVE,
    }
    assert queries.feeds_waiting(tiny_db) == (1, "2999-01-01T00:00:00Z")
    assert queries.ingest_times("/nonexistent/news.db") == dict.fromkeys(
        ("last_attempt_at", "last_outcome", "last_new_at")
    )
