"""A dashboard shared by many visitors (issue 11, items 8 and 9), through AppTest.

- Credentials in a feed URL (`https://user:password@host/feed`) never reach the Sources table, its
  CSV or the OPML download.
- Fetch latest runs once at a time across sessions and processes; other sessions see the run in
  progress; `MPM_READ_ONLY=1` hides the button (and Remove sample data); runs are spaced by
  `MPM_FETCH_INTERVAL`.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from counts import queries
from counts.queries import Filters
from ingest import runlock
from tests.dashboard.test_app import make_app, open_page
from tests.ingest.feedserver import FeedServer, rss

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cr3t-Pa55"
FEED = rss(
    "Local Wire",
    [
        {
            "title": "Canada and Japan sign a fisheries accord",
            "link": "https://wire.example.org/1",
            "date": "Tue, 03 Mar 2026 10:00:00 GMT",
        }
    ],
)


def _sources(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "sources.opml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline type="rss" text="Local Wire: World" xmlUrl="{url}" htmlUrl="https://reader:{SECRET}@example.com/" '
        'language="en" outlet="Local Wire" kind="outlet"/></body></opml>',
        encoding="utf-8",
    )
    return path


def _fetch_buttons(at, enabled: bool | None = None) -> list:
    return [b for b in at.button if b.label == "Fetch latest" and (enabled is None or b.disabled != enabled)]


# ---------------------------------------------------------------- item 8: credentials


def test_credentials_in_feed_urls_are_never_shown_or_exported(monkeypatch, tiny_db, tmp_path, downloads):
    conn = sqlite3.connect(tiny_db)
    conn.execute(
        "INSERT INTO feeds (name, outlet, url, lang, kind, last_status, last_error, consecutive_failures) "
        "VALUES ('Private feed', 'Members', ?, 'en', 'outlet', 302, ?, 1)",
        (
            f"https://reader:{SECRET}@members.example.org/feed.xml",
            f"redirect loop (https://reader:{SECRET}@members.example.org/a -> https://reader:{SECRET}@m.example.org/b)",
        ),
    )
    conn.commit()
    conn.close()
    frame = queries.feed_health(tiny_db, Filters())
    row = frame[frame["name"] == "Private feed"].iloc[0]
    assert row["url"] == "https://members.example.org/feed.xml"
    assert row["last_error"] == "redirect loop (https://members.example.org/a -> https://m.example.org/b)"

    monkeypatch.setenv("MPM_SOURCES", str(_sources(tmp_path, f"https://reader:{SECRET}@members.example.org/feed.xml")))
    at = open_page(make_app(monkeypatch, tiny_db), "sources")
    table = at.dataframe[0].value
    assert "https://members.example.org/feed.xml" in set(table["url"])
    assert SECRET not in table.to_csv()
    names = [name for name, _ in downloads]
    assert "middle-powers-monitor-sources.opml" in names and "feed-health.csv" in names, names
    for name, data in downloads:
        assert SECRET.encode() not in data, name
    opml = dict(downloads)["middle-powers-monitor-sources.opml"].decode()
    assert 'xmlUrl="https://members.example.org/feed.xml"' in opml


def test_cli_list_and_export_hide_credentials(tmp_path, capsys):
    from ingest.__main__ import main

    path = _sources(tmp_path, f"https://reader:{SECRET}@members.example.org/feed.xml")
    assert main(["--sources", str(path), "--db", str(tmp_path / "n.db"), "sources", "list"]) == 0
    assert main(["--sources", str(path), "sources", "export"]) == 0
    out = capsys.readouterr().out
    assert SECRET not in out and "https://members.example.org/feed.xml" in out
    backup = tmp_path / "b.opml"
    assert main(["--sources", str(path), "sources", "export", "--keep-credentials", "-o", str(backup)]) == 0
    assert SECRET in backup.read_text()  # a private backup, asked for by name


# ---------------------------------------------------------------- item 9: read-only


def test_read_only_hides_the_buttons_that_write(monkeypatch, tiny_db):
    at = open_page(make_app(monkeypatch, tiny_db), "sources")
    assert _fetch_buttons(at, enabled=True)
    assert any(b.label == "Remove sample data" for b in at.button)  # the tiny store has sample and live

    monkeypatch.setenv("MPM_READ_ONLY", "1")
    at = open_page(make_app(monkeypatch, tiny_db), "sources")
    assert not _fetch_buttons(at) and not any(b.label == "Remove sample data" for b in at.button)
    assert any("read-only" in c.value for c in at.caption)
    assert at.dataframe[0].value.shape[0] == 3  # the feeds are still shown


# ---------------------------------------------------------------- item 9: one run at a time


def test_a_run_held_elsewhere_shows_in_progress_and_starts_nothing(monkeypatch, tiny_db, tmp_path):
    with FeedServer() as server:
        monkeypatch.setenv("MPM_SOURCES", str(_sources(tmp_path, server.route("/feed.xml", body=FEED))))
        monkeypatch.setenv("MPM_FETCH_INTERVAL", "0")
        at = open_page(make_app(monkeypatch, tiny_db), "sources")
        [button] = _fetch_buttons(at, enabled=True)
        with runlock.hold(tiny_db, by="another session") as run:  # another session clicked meanwhile
            run.progress(3, 10, "CBC News: World")
            button.click().run()  # this session's click, on the button drawn before
            assert not at.exception
            assert not _fetch_buttons(at, enabled=True) and _fetch_buttons(at, enabled=False)
            [box] = at.status
            assert "in progress" in box.label and "3/10 feeds" in box.label and box.state == "running"
            # A click that got past the page's check just before the other run took the lock:
            real_state = runlock.state
            monkeypatch.setattr(runlock, "state", lambda db: runlock.RunState(running=False))
            at.run()
            _fetch_buttons(at, enabled=True)[0].click().run()
            monkeypatch.setattr(runlock, "state", real_state)
            assert [s.label for s in at.status if s.state == "error"] == [
                f"A fetch is already running since {run._data['started_at']} UTC; wait for it to finish."
            ]
        assert server.hits("/feed.xml") == []  # no second run reached the feeds
        at.run()
        assert _fetch_buttons(at, enabled=True)


def test_two_dashboard_processes_share_one_run(monkeypatch, tiny_db, tmp_path):
    """Session A, in another process, clicks Fetch latest on a slow feed; session B, here, sees it in
    progress, cannot start another, and gets its button back when A's run ends."""
    script = tmp_path / "session_a.py"
    script.write_text(
        textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT)!r})
        from streamlit.testing.v1 import AppTest
        at = AppTest.from_file({str(ROOT / "app.py")!r}, default_timeout=120)
        at.run()
        at.switch_page("dashboard/pages/sources.py").run()
        [fetch] = [b for b in at.button if b.label == "Fetch latest"]
        fetch.click().run()
        print(at.status[-1].label)
    """),
        encoding="utf-8",
    )
    with FeedServer() as server:
        url = server.route("/feed.xml", body=FEED, delay=4.0)
        sources = _sources(tmp_path, url)
        env = {
            **os.environ,
            "MPM_DB": tiny_db,
            "MPM_SOURCES": str(sources),
            "MPM_SAMPLE": "1",
            "MPM_FETCH_INTERVAL": "0",
        }
        proc = subprocess.Popen(
            [sys.executable, str(script)], env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        try:
            deadline = time.monotonic() + 60
            while not runlock.state(tiny_db).running:
                assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
                time.sleep(0.05)
            monkeypatch.setenv("MPM_SOURCES", str(sources))
            monkeypatch.setenv("MPM_FETCH_INTERVAL", "0")
            at = open_page(make_app(monkeypatch, tiny_db), "sources")
            assert not _fetch_buttons(at, enabled=True)
            assert any("in progress" in s.label for s in at.status), [s.label for s in at.status]
            out, err = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        assert out.strip().startswith("Fetched: 1 ok"), (out, err[-2000:])
        assert len(server.hits("/feed.xml")) == 1
    at.run()
    assert _fetch_buttons(at, enabled=True) and not any("in progress" in s.label for s in at.status)
    assert runlock.state(tiny_db).summary.startswith("1 ok")


def test_runs_are_spaced_by_the_interval(monkeypatch, tiny_db, tmp_path):
    with FeedServer() as server:
        monkeypatch.setenv("MPM_SOURCES", str(_sources(tmp_path, server.route("/feed.xml", body=FEED))))
        monkeypatch.setenv("MPM_FETCH_INTERVAL", "3600")
        at = open_page(make_app(monkeypatch, tiny_db), "sources")
        _fetch_buttons(at, enabled=True)[0].click().run()
        assert at.status[0].label.startswith("Fetched: 1 ok")
        at.run()
        assert not _fetch_buttons(at, enabled=True) and _fetch_buttons(at, enabled=False)
        assert any("next one is possible in" in c.value for c in at.caption)
        with pytest.raises(runlock.Busy, match="MPM_FETCH_INTERVAL"):  # a click that raced the redraw
            with runlock.hold(tiny_db, by="x", min_interval=3600):
                pass
        assert len(server.hits("/feed.xml")) == 1


def test_a_failed_run_releases_the_lock(monkeypatch, tiny_db, tmp_path):
    broken = tmp_path / "broken.opml"
    broken.write_text("<opml><body><outline", encoding="utf-8")
    monkeypatch.setenv("MPM_SOURCES", str(broken))
    monkeypatch.setenv("MPM_FETCH_INTERVAL", "0")
    at = open_page(make_app(monkeypatch, tiny_db), "sources")
    _fetch_buttons(at, enabled=True)[0].click().run()
    assert not at.exception
    assert any(s.label.startswith("Fetch failed") and s.state == "error" for s in at.status)
    state = runlock.state(tiny_db)
    assert not state.running and state.summary.startswith("failed:")


# ---------------------------------------------------------------- the lock itself

HOLDER = """
import sys, time
sys.path.insert(0, {root!r})
from ingest import runlock
with runlock.hold({db!r}, by="holder") as run:
    run.progress(1, 2, "x")
    print("held", flush=True)
    time.sleep(60)
"""


def test_the_lock_is_released_when_its_holder_is_killed(tmp_path):
    db = str(tmp_path / "news.db")
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER.format(root=str(ROOT), db=db)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "held"
        state = runlock.state(db)
        assert state.running and (state.done, state.total, state.by) == (1, 2, "holder")
        with pytest.raises(runlock.Busy, match="already running"):
            with runlock.hold(db, by="me"):
                pass
    finally:
        proc.kill()  # SIGKILL: no finally runs in the holder
        proc.wait()
    assert not runlock.state(db).running
    with runlock.hold(db, by="me") as run:
        run.finish("done")
    assert runlock.state(db).summary == "done"


def test_state_needs_no_write_access(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    with runlock.hold(folder / "news.db", by="me") as run:
        run.finish("fine")
    folder.chmod(0o555)
    try:
        state = runlock.state(folder / "news.db")
        assert not state.running and state.summary == "fine"
        assert not runlock.state(tmp_path / "elsewhere.db").running  # never fetched: no files at all
    finally:
        folder.chmod(0o755)
