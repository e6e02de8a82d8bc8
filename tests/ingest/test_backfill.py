"""Backfill from an archive emulator on 127.0.0.1 (tests/ingest/archiveserver.py): every item once,
bad captures recorded, 429s waited out, the pace kept, a SIGKILL resumed, re-runs adding nothing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ingest import backfill as bf
from ingest import backfill_cli
from ingest.opml import Source, read_opml, save_opml, write_opml
from store import open_store
from store.writes import set_enabled
from tests.ingest.archiveserver import ArchiveEmulator, FeedHistory, Snapshot, stamp

REPO = Path(__file__).resolve().parents[2]
START = datetime(2025, 1, 1, tzinfo=UTC)
SINCE, UNTIL = date(2025, 1, 1), date(2025, 2, 28)
ALPHA_URL = "https://alpha.example.org/feed.xml"
BETA_OLD, BETA_NEW = "https://old.beta.example.org/rss", "https://beta.example.org/feed"


class Scenario:
    """Two feeds over 40 days, captured several times a day, with every kind of bad capture.

    Alpha publishes at 00:07, 08:07 and 16:07 and is captured at 02:00, 06:00, 10:00, 14:00, 22:00
    and 22:30. The index collapses 06:00, 14:00 and 22:30 (same bytes as the capture before), thinning
    keeps the last of each half-day (10:00 and 22:00, not 02:00); index rows with status 301/404 are
    filtered out; two days have no capture; and one kept capture of each bad kind. Beta: once a day
    at 12:00, under its former URL until day 15, then under the new one. A feed keeps its 10 newest
    items (3.3 days), so every item is in several good captures and must be stored exactly once.
    """

    def __init__(self, archive: ArchiveEmulator, days: int = 40):
        self.alpha = FeedHistory("Alpha News: World", "alpha.example.org", START, days, per_day=3)
        self.beta = FeedHistory("Beta Nouvelles", "beta.example.org", START, days, per_day=2, lang="fr")
        self.bad: dict[str, Snapshot] = {}
        self.skipped: list[Snapshot] = []  # listed by the index but never to be replayed
        self.good_times: list[datetime] = []
        for d in range(days):
            if d in (30, 31):
                continue  # the archive has nothing these days
            day = START + timedelta(days=d)
            for hour, minute in ((2, 0), (6, 0), (10, 0), (14, 0), (22, 0), (22, 30)):
                when = day + timedelta(hours=hour, minutes=minute)
                kind = {
                    (5, 10): "missing",
                    (9, 22): "html",
                    (13, 10): "truncated",
                    (17, 22): "cut",
                    (21, 10): "redirect",
                    (25, 22): "throttle",
                }.get((d, hour) if not minute else (-1, 0), "ok")
                snap = archive.capture(
                    self.alpha,
                    when,
                    ALPHA_URL,
                    behaviour=kind,
                    redirect_to=stamp(day + timedelta(hours=2)) if kind == "redirect" else None,
                )
                if kind != "ok":
                    self.bad[kind] = snap
                if (hour, minute) in ((10, 0), (22, 0)):
                    if kind in ("ok", "throttle"):
                        self.good_times.append(when)
                elif not (d == 21 and hour == 2):
                    self.skipped.append(snap)
            for code in ("301", "404"):
                self.skipped.append(
                    archive.add(
                        Snapshot(
                            ALPHA_URL,
                            stamp(day + timedelta(hours=20)),
                            b"<html>moved</html>",
                            statuscode=code,
                            mimetype="text/html",
                        )
                    )
                )
            url = BETA_OLD if d < 15 else BETA_NEW
            archive.capture(self.beta, day + timedelta(hours=12), url)
        self.good_times.append(START + timedelta(days=21, hours=2))  # where the redirecting capture leads
        self.last_beta = START + timedelta(days=days - 1, hours=12)

    def expected_alpha(self) -> set[str]:
        last = max(self.good_times)
        return {i.title for i in self.alpha.items if i.published <= last}

    def expected_beta(self) -> set[str]:
        return {i.title for i in self.beta.items if i.published <= self.last_beta}


def sources(tmp_path: Path, extra: list[Source] | None = None) -> Path:
    path = tmp_path / "sources.opml"
    save_opml(
        path,
        [
            Source("Alpha News: World", "Alpha News", ALPHA_URL, "", "en", "outlet"),
            Source("Beta Nouvelles", "Beta", BETA_NEW, "", "fr", "outlet", former_urls=(BETA_OLD,)),
            *(extra or []),
        ],
    )
    return path


def client(archive: ArchiveEmulator, delay: float = 0.0) -> bf.Archive:
    return bf.Archive(archive.base, delay, backoff=0.05, retries=3)


def titles(db: Path, outlet: str | None = None) -> list[str]:
    conn = open_store(db)
    try:
        sql = "SELECT title FROM articles" + (" WHERE source = ?" if outlet else "")
        return [r[0] for r in conn.execute(sql, (outlet,) if outlet else ())]
    finally:
        conn.close()


def captures(db: Path) -> dict[str, tuple]:
    conn = open_store(db)
    try:
        return {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT timestamp, state, status, error, items_new, captured_at FROM archive_captures"
            )
        }
    finally:
        conn.close()


@pytest.fixture
def world(tmp_path):
    with ArchiveEmulator() as archive:
        yield archive, Scenario(archive), sources(tmp_path), tmp_path / "news.db"


def test_backfill_stores_every_item_exactly_once_and_records_each_bad_capture(world):
    archive, sc, opml, db = world
    summary = bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=client(archive))
    assert summary.stopped is None

    alpha, beta = titles(db, "Alpha News"), titles(db, "Beta")
    assert len(alpha) == len(set(alpha)) and len(beta) == len(set(beta))  # once
    assert set(alpha) == sc.expected_alpha()  # every item
    assert set(beta) == sc.expected_beta()  # both URLs of Beta
    assert summary.items_new == len(alpha) + len(beta)

    conn = open_store(db)
    rows = conn.execute(
        "SELECT title, published_at, provenance, captured_at, fetched_at, date_flag, url FROM articles"
    ).fetchall()
    by_title = {i.title: i for i in sc.alpha.items + sc.beta.items}
    for title, published, provenance, captured, fetched, flag, url in rows:
        item = by_title[title]
        assert published == item.published.strftime("%Y-%m-%dT%H:%M:%SZ")  # its own date, not the capture's
        assert provenance == "archive" and flag is None
        assert item.published.strftime("%Y-%m-%dT%H:%M:%SZ") <= captured <= fetched
        assert url == item.link  # tracking parameter dropped
    # The live state of the feeds is untouched: no ETag, no fetch log, no backoff from archive fetches.
    assert conn.execute("SELECT COUNT(*) FROM fetch_log").fetchone()[0] == 0
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM feeds WHERE etag IS NOT NULL OR last_fetch_at IS NOT NULL OR consecutive_failures > 0"
        ).fetchone()[0]
        == 0
    )
    conn.close()

    got = captures(db)
    bad = sc.bad
    assert got[bad["missing"].timestamp][:3] == ("failed", 404, "HTTP 404 Not Found")
    assert got[bad["html"].timestamp][:3] == ("failed", 200, "not a feed (HTML page)")
    truncated = got[bad["truncated"].timestamp]
    assert truncated[0] == "error" and truncated[2].startswith("broken HTTP response")  # asked again next run
    cut = got[bad["cut"].timestamp]
    assert cut[2].startswith(("recovered from invalid XML", "invalid XML"))
    redirect = got[bad["redirect"].timestamp]
    assert redirect[0] == "ok" and redirect[3] > 0
    conn = open_store(db)  # its articles carry the time of the capture the archive redirected to
    assert (
        conn.execute("SELECT COUNT(*) FROM articles WHERE captured_at = '2025-01-22T02:00:00Z'").fetchone()[0]
        == redirect[3]
    )
    conn.close()
    throttled = got[bad["throttle"].timestamp]
    assert throttled[0] == "ok"
    hits = [h.at for h in archive.replay_hits() if bad["throttle"].timestamp in h.path]
    # Retry-After: 1 honoured (measured on arrival at the server, which jitters by tens of ms under load;
    # without the wait the second request would come about 0.02 s after the first).
    assert len(hits) == 2 and hits[1] - hits[0] >= 0.85
    # Each problem is in the summary with a clear message, and the run went on past it.
    errors = {ts: e for _, ts, e in summary.errors}
    assert errors[bad["missing"].timestamp] == "HTTP 404 Not Found"
    assert errors[bad["html"].timestamp] == "not a feed (HTML page)"

    # Thinned (09:00 captures), collapsed (15:30 copies) and non-200 rows are never asked for.
    asked = set(archive.replays)
    for snap in sc.skipped:
        if snap.timestamp != bad["redirect"].redirect_to:
            assert (snap.url, snap.timestamp) not in asked, snap.timestamp
    per_day: dict[tuple[str, str], int] = {}
    for url, ts in asked:
        per_day[(url, ts[:8])] = per_day.get((url, ts[:8]), 0) + 1
    assert max(per_day.values()) <= 2 + 1  # two kept a day, plus the redirect's target on one day

    # Coverage: one archive day per day with a capture that answered, per feed.
    conn = open_store(db)
    days = dict(
        conn.execute(
            "SELECT f.name, COUNT(*) FROM coverage_days c JOIN feeds f ON f.id = c.feed_id "
            "WHERE c.how = 'archive' GROUP BY f.name"
        ).fetchall()
    )
    run = conn.execute("SELECT status, captures_done, items_new, feeds_done, feeds_total FROM backfill_runs").fetchone()
    conn.close()
    assert days == {"Alpha News: World": 38, "Beta Nouvelles": 38}
    assert run == ("done", summary.fetched + summary.failed, summary.items_new, 2, 2)


def test_rerun_stores_nothing_new_and_asks_only_for_what_failed_for_a_passing_reason(world):
    archive, sc, opml, db = world
    bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=client(archive))
    count, replays, queries = len(titles(db)), dict(archive.replays), archive.cdx_queries
    again = bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=client(archive))
    assert again.items_new == 0 and len(titles(db)) == count
    assert archive.cdx_queries == queries  # settled months are not listed again
    retried = {k for k, v in archive.replays.items() if v != replays.get(k)}
    assert retried == {(ALPHA_URL, sc.bad["truncated"].timestamp)}  # only the passing failure
    assert captures(db)[sc.bad["truncated"].timestamp][0] == "error"  # attempt 2 of MAX_ATTEMPTS
    bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=client(archive))
    assert captures(db)[sc.bad["truncated"].timestamp][0] == "failed"  # given up after MAX_ATTEMPTS


def test_requests_keep_their_pace_one_at_a_time(tmp_path):
    with ArchiveEmulator(latency=0.02) as archive:
        history = FeedHistory("Alpha News: World", "alpha.example.org", START, 6, per_day=3)
        for d in range(6):
            archive.capture(history, START + timedelta(days=d, hours=3), ALPHA_URL)
        archive.add(
            Snapshot(
                ALPHA_URL,
                stamp(START + timedelta(days=2, hours=16)),
                b"x",
                behaviour="redirect",
                redirect_to=stamp(START + timedelta(days=2, hours=3)),
            )
        )
        opml = sources(tmp_path)
        paced = client(archive, delay=0.25)
        sent: list[float] = []  # when each request left the client, after the pacing hook
        paced.client.event_hooks["request"].append(lambda _request: sent.append(time.monotonic()))
        bf.backfill(
            tmp_path / "news.db", opml, since=SINCE, until=date(2025, 1, 31), feeds=["Alpha News"], archive=paced
        )
        starts = [h.at for h in archive.hits]
    assert len(starts) >= 9  # 1 index query + 7 captures + the redirect's second hop
    assert len(sent) == len(starts)
    # On the client's side the pace is exact: every request, redirect hops included, leaves at least
    # the delay after the one before.
    assert min(b - a for a, b in zip(sent, sent[1:])) >= 0.25 - 1e-3, sent
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    # The delay is kept between the client's requests; arrival times at the server jitter (by up to 60 ms
    # seen on a loaded machine), so one gap may look short while the pace holds over the run. Without
    # pacing the gaps would be about 0.02 s.
    assert min(gaps) >= 0.12, gaps
    assert sum(gaps) >= 0.22 * len(gaps), gaps


def test_index_429_is_waited_out_and_the_index_is_paged(world, monkeypatch):
    archive, sc, opml, db = world
    archive.cdx_throttle = 2
    monkeypatch.setattr(bf, "CDX_PAGE", 7)  # more than one page per month: resumption keys
    t0 = time.monotonic()
    summary = bf.backfill(db, opml, since=SINCE, until=UNTIL, feeds=["Beta"], archive=client(archive))
    assert time.monotonic() - t0 >= 1.9  # Retry-After: 1, twice
    assert summary.stopped is None and set(titles(db)) == sc.expected_beta()
    pages = [h.path for h in archive.hits if h.path.startswith("/cdx/") and "resumeKey=" in h.path]
    assert pages


def test_an_archive_that_keeps_refusing_stops_the_run_which_later_resumes(world):
    archive, sc, opml, db = world
    archive.cdx_throttle = 1000
    archive.retry_after = "0"
    summary = bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=client(archive))
    assert summary.stopped and "429 Too Many Requests" in summary.stopped
    conn = open_store(db)
    assert conn.execute("SELECT status FROM backfill_runs").fetchone()[0] == "stopped"
    conn.close()
    archive.cdx_throttle = 0
    summary = bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=client(archive))
    assert summary.stopped is None
    assert set(titles(db, "Alpha News")) == sc.expected_alpha()


def test_a_retry_after_too_long_stops_at_once(world):
    archive, _, opml, db = world
    archive.cdx_throttle = 1
    archive.retry_after = "7200"
    t0 = time.monotonic()
    summary = bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=bf.Archive(archive.base, 0, max_wait=60))
    assert time.monotonic() - t0 < 5
    assert "asks for a wait of 7,200 s" in summary.stopped


def test_an_unreachable_archive_stops_the_run(tmp_path):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    summary = bf.backfill(
        tmp_path / "news.db",
        sources(tmp_path),
        since=SINCE,
        until=UNTIL,
        archive=bf.Archive(f"http://127.0.0.1:{port}", 0),
    )
    assert summary.stopped and "cannot be reached" in summary.stopped


def test_max_captures_spreads_over_the_period_and_a_later_run_fetches_the_rest(world):
    archive, sc, opml, db = world
    bf.backfill(db, opml, since=SINCE, until=UNTIL, feeds=["Beta Nouvelles"], max_captures=4, archive=client(archive))
    asked = sorted(ts for (_url, ts) in archive.replays)
    assert len(asked) == 4
    assert asked[0].startswith("20250101") and asked[-1].startswith("20250209")  # first and last day
    bf.backfill(db, opml, since=SINCE, until=UNTIL, feeds=["Beta Nouvelles"], archive=client(archive))
    assert set(titles(db)) == sc.expected_beta()
    assert all(n == 1 for n in archive.replays.values())


def test_disabled_feeds_are_left_out_unless_named(world):
    archive, sc, opml, db = world
    conn = open_store(db)
    from store.writes import sync_sources

    sync_sources(conn, read_opml(opml))
    set_enabled(conn, "Alpha News: World", False)
    conn.close()
    bf.backfill(db, opml, since=SINCE, until=UNTIL, archive=client(archive))
    assert titles(db, "Alpha News") == []
    bf.backfill(db, opml, since=SINCE, until=UNTIL, feeds=["alpha news: world"], archive=client(archive))
    assert set(titles(db, "Alpha News")) == sc.expected_alpha()  # named, it is backfilled all the same
    with pytest.raises(bf.BackfillError, match="no feed or outlet named Nope"):
        bf.backfill(db, opml, since=SINCE, until=UNTIL, feeds=["Nope"], archive=client(archive))
    with pytest.raises(bf.BackfillError, match="period is empty"):
        bf.backfill(db, opml, since=date(2025, 3, 1), until=date(2025, 2, 1), archive=client(archive))


def test_a_capture_redirecting_to_an_internal_address_is_refused_as_in_a_live_fetch(tmp_path):
    pytest.importorskip("ingest.netguard", reason="this version has no fetch rules for addresses")
    with ArchiveEmulator() as archive:
        history = FeedHistory("Alpha News: World", "alpha.example.org", START, 3)
        bad = archive.capture(
            history,
            START + timedelta(hours=5),
            ALPHA_URL,
            behaviour="redirect",
            redirect_to="http://169.254.169.254/latest/meta-data/",
        )
        archive.capture(history, START + timedelta(days=1, hours=5), ALPHA_URL)
        summary = bf.backfill(
            tmp_path / "news.db",
            sources(tmp_path),
            since=SINCE,
            until=date(2025, 1, 31),
            feeds=["Alpha News"],
            archive=client(archive),
        )
    assert summary.stopped is None and summary.fetched == 1
    state, _status, error, *_ = captures(tmp_path / "news.db")[bad.timestamp]
    assert state == "failed" and error.startswith("refused") and "169.254.169.254" in error


def test_one_backfill_at_a_time(tmp_path):
    db = tmp_path / "news.db"
    with bf.backfill_lock(db):
        assert bf.running_backfill(db) == os.getpid()
        with pytest.raises(bf.BackfillBusy, match=f"process {os.getpid()}"):
            bf.backfill(db, sources(tmp_path), since=SINCE, until=UNTIL, archive=bf.Archive("http://127.0.0.1:9", 0))
    assert bf.running_backfill(db) is None


def _ro(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)


def test_sigkill_mid_backfill_then_rerun_resumes_without_asking_twice(tmp_path):
    with ArchiveEmulator(latency=0.03) as archive:
        sc = Scenario(archive)
        opml, db = sources(tmp_path), tmp_path / "news.db"
        cmd = backfill_cli.command(db, opml, SINCE, UNTIL, archive_url=archive.base, delay=0)
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            deadline, done = time.monotonic() + 90, 0
            while time.monotonic() < deadline and proc.poll() is None:
                if db.exists():
                    try:
                        conn = _ro(db)
                        done = conn.execute("SELECT COUNT(*) FROM archive_captures WHERE state = 'ok'").fetchone()[0]
                        conn.close()
                    except sqlite3.OperationalError:
                        done = 0
                if done >= 25:
                    break
                time.sleep(0.01)
            assert proc.poll() is None, "the backfill finished before it could be killed"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=30)
            if proc.stderr:
                proc.stderr.close()
        assert proc.returncode == -signal.SIGKILL
        conn = open_store(db)
        # Consistent at the kill: every stored article belongs to a capture marked ok, and vice versa.
        stored = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        counted = conn.execute(
            "SELECT COALESCE(SUM(items_new), 0) FROM archive_captures WHERE state = 'ok'"
        ).fetchone()[0]
        assert stored == counted > 0
        assert conn.execute("SELECT status FROM backfill_runs").fetchone()[0] == "running"
        conn.close()
        before = dict(archive.replays)

        rerun = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
        assert rerun.returncode == 0, rerun.stderr
        assert "backfill:" in rerun.stdout
        assert set(titles(db, "Alpha News")) == sc.expected_alpha()
        assert set(titles(db, "Beta")) == sc.expected_beta()
        twice = [
            k
            for k, n in archive.replays.items()
            if n > 1 and before.get(k) and k[1] not in (sc.bad["throttle"].timestamp, sc.bad["truncated"].timestamp)
        ]
        assert len(twice) <= 1  # at most the capture in flight at the kill
        conn = open_store(db)
        assert [r[0] for r in conn.execute("SELECT status FROM backfill_runs ORDER BY id")] == ["interrupted", "done"]
        conn.close()


def test_cli_bad_period_and_busy_store(tmp_path, capsys):
    from ingest.__main__ import main

    opml = sources(tmp_path)
    db = tmp_path / "news.db"
    assert (
        main(["backfill", "--db", str(db), "--sources", str(opml), "--since", "2025-05-01", "--until", "2025-04-01"])
        == 2
    )
    assert "period is empty" in capsys.readouterr().err
    with bf.backfill_lock(db):
        assert main(["--db", str(db), "--sources", str(opml), "backfill", "--archive-url", "http://127.0.0.1:9"]) == 2
    assert "another backfill is running" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["backfill", "--since", "last year"])


# ---------------------------------------------------------------- the pieces


def test_parse_cdx_reads_rows_and_the_resumption_key():
    body = (
        b'[["timestamp","original","digest","statuscode","mimetype"],'
        b'["20250101030000","https://a.example/feed","AAA","200","application/rss+xml"],'
        b'["20250101040000","https://a.example/feed","BBB","-","warc/revisit"],'
        b'["20250102030000","https://a.example/feed","CCC","200","text/xml"],'
        b'[],["a.example/feed 20250102030000!"]]'
    )
    caps, key = bf.parse_cdx(body)
    assert [c.timestamp for c in caps] == ["20250101030000", "20250102030000"]
    assert key == "a.example/feed 20250102030000!"
    assert bf.parse_cdx(b"[]") == ([], None) and bf.parse_cdx(b"") == ([], None)
    with pytest.raises(ValueError, match="not JSON"):
        bf.parse_cdx(b"<html>Wayback Machine is down</html>")
    with pytest.raises(ValueError, match="lacks the field"):
        bf.parse_cdx(b'[["urlkey"],["x"]]')


def test_thin_keeps_the_first_capture_of_each_half_day_with_new_content():
    caps = [
        bf.Capture("u", ts, d)
        for ts, d in [
            ("20250101010000", "A"),
            ("20250101050000", "B"),
            ("20250101130000", "C"),
            ("20250101230000", "D"),
            ("20250102020000", "A"),
            ("20250102140000", "E"),
        ]
    ]
    assert [c.timestamp for c in bf.thin(caps, 2)] == [
        "20250101050000",
        "20250101230000",
        "20250102020000",
        "20250102140000",
    ]
    assert [c.timestamp for c in bf.thin(caps, 1)] == ["20250101230000", "20250102140000"]
    # A slot's last capture repeating bytes already kept gives way to the latest new one of the slot.
    again = [bf.Capture("u", "20250103010000", "F"), bf.Capture("u", "20250103050000", "A")]
    assert [c.timestamp for c in bf.thin(again, 2, {"A"})] == ["20250103010000"]


def test_month_windows_and_spread():
    assert bf.month_windows(date(2025, 1, 15), date(2025, 3, 2)) == [
        (date(2025, 1, 15), date(2025, 1, 31)),
        (date(2025, 2, 1), date(2025, 2, 28)),
        (date(2025, 3, 1), date(2025, 3, 2)),
    ]
    assert bf.month_windows(date(2025, 12, 30), date(2026, 1, 1))[-1] == (date(2026, 1, 1), date(2026, 1, 1))
    assert bf.spread(list(range(10)), 3) == [0, 4, 9]
    assert bf.spread(list(range(3)), 10) == [0, 1, 2] and bf.spread([1, 2], None) == [1, 2]


def test_cdx_query_asks_for_json_successes_one_per_digest():
    url = bf.cdx_query_url(
        "https://web.archive.org",
        "https://x.example/rss?a=1&b=2",
        date(2025, 1, 1),
        date(2025, 1, 31),
        resume_key="k 1!",
    )
    assert url.startswith("https://web.archive.org/cdx/search/cdx?url=https%3A%2F%2Fx.example%2Frss%3Fa%3D1%26b%3D2&")
    for part in (
        "output=json",
        "from=20250101",
        "to=20250131",
        "filter=statuscode%3A200",
        "collapse=digest",
        "showResumeKey=true",
        "resumeKey=k+1%21",
    ):
        assert part in url
    assert (
        bf.capture_url("https://web.archive.org", bf.Capture("https://x.example/rss", "20250101030000", None))
        == "https://web.archive.org/web/20250101030000id_/https://x.example/rss"
    )


def test_former_urls_round_trip_through_opml():
    s = Source("Beta Nouvelles", "Beta", BETA_NEW, "", "fr", "outlet", former_urls=(BETA_OLD, "http://older/x"))
    back = read_opml(write_opml([s]).encode())
    assert back == [s]
    assert 'formerXmlUrls="https://old.beta.example.org/rss http://older/x"' in write_opml([s])


def test_archive_url_setting(monkeypatch):
    from ingest import config

    monkeypatch.delenv("MPM_ARCHIVE_URL", raising=False)
    assert config.archive_url() == "https://web.archive.org"
    monkeypatch.setenv("MPM_ARCHIVE_URL", "http://mirror.example/wayback/")
    assert config.archive_url() == "http://mirror.example/wayback"
    assert config.archive_url("http://cli.example") == "http://cli.example"


class _Terminal:
    def __init__(self, tty: bool):
        self.tty, self.text = tty, ""

    def isatty(self) -> bool:
        return self.tty

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


def test_progress_bar_shows_feed_period_reached_captures_and_new_items_on_a_terminal_only():
    from ingest.backfill_cli import Bar

    progress = bf.Progress(
        feeds_done=2,
        feeds_total=34,
        feed="CBC News: World",
        phase="fetching",
        captures_done=1204,
        captures_total=3000,
        feed_done=50,
        feed_total=100,
        items_new=3456,
        reached="2025-03-14",
    )
    term = _Terminal(True)
    Bar(term)(progress)
    assert term.text.startswith("\r[")
    for part in ("feed 3/34", "CBC News: World", "reached 2025-03-14", "1,204/3,000 captures", "3,456 new"):
        assert part in term.text
    assert abs(progress.fraction - 2.5 / 34) < 1e-9
    log = _Terminal(False)
    Bar(log)(progress)
    assert log.text == ""  # cron mail and logs stay clean


def test_an_archived_copy_keeps_only_its_newest_entries_under_the_cap(tmp_path, monkeypatch):
    """The live run's per-feed cap (MPM_MAX_ENTRIES) applies to archived copies too."""
    monkeypatch.setenv("MPM_MAX_ENTRIES", "4")
    with ArchiveEmulator() as archive:
        history = FeedHistory("Alpha News: World", "alpha.example.org", START, 3, per_day=5, window=12)
        when = START + timedelta(days=2, hours=20)
        archive.capture(history, when, ALPHA_URL)
        bf.backfill(
            tmp_path / "news.db",
            sources(tmp_path),
            since=SINCE,
            until=date(2025, 1, 31),
            feeds=["Alpha News"],
            archive=client(archive),
        )
    newest = [i.title for i in history.visible(when)][-4:]
    assert sorted(titles(tmp_path / "news.db")) == sorted(newest)
