"""The entry cap for large feeds (issue 11, item 4): newest first, recorded, configurable, cheap on
re-runs, counted against the feed's deadline, and only a few large bodies held at once.

Nothing here is timed: the speed and memory figures come from bench/ingest_bench.py --large.
"""

from __future__ import annotations

import random
import threading
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from ingest import config, normalize, runner
from ingest.__main__ import main
from ingest.normalize import ParseDeadline, keep_newest, parse_feed
from ingest.runner import fetch_all, ingest_dir
from store import open_store
from tests.ingest.feedserver import rss

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
BASE = datetime(2026, 1, 1, tzinfo=UTC)


def _item(i: int, dated: bool = True) -> dict:
    return {
        "title": f"Canada and Japan, dispatch number {i}",
        "link": f"https://cap.example.org/{i}",
        "date": format_datetime(BASE + timedelta(hours=i), usegmt=True) if dated else None,
        "description": f"Item {i} of the cap tests.",
    }


def _shuffled(n: int, seed: int = 3) -> list[dict]:
    """n dated items (item i is i hours after BASE) in an order that is neither newest nor oldest first."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [_item(i) for i in order]


def _numbers(entries) -> set[int]:
    return {int(e.url.rsplit("/", 1)[1]) for e in entries}


def _query(db, sql, params=()):
    conn = open_store(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------- which entries are kept


def test_the_cap_keeps_the_newest_entries_whatever_the_feed_order():
    body = rss("Big", _shuffled(60))
    feed = parse_feed(body, "https://cap.example.org/rss", NOW, max_entries=10)
    assert _numbers(feed.entries) == set(range(50, 60))
    assert feed.capped_from == 60 and feed.seen == 60
    assert feed.warning == "capped: kept the newest 10 of 60 entries (--max-entries 10)"
    # The kept entries stay in the feed's own order.
    order = [int(it["link"].rsplit("/", 1)[1]) for it in _shuffled(60)]
    assert [int(e.url.rsplit("/", 1)[1]) for e in feed.entries] == [i for i in order if i >= 50]
    # Under the cap nothing changes, and nothing is flagged.
    whole = parse_feed(body, "https://cap.example.org/rss", NOW, max_entries=60)
    assert len(whole.entries) == 60 and whole.capped_from == 0 and whole.warning is None
    assert parse_feed(body, "https://cap.example.org/rss", NOW).entries == whole.entries


def test_undated_and_future_entries_come_after_the_dated_ones_in_feed_order():
    items = (
        [_item(100, dated=False)]
        + _shuffled(8)
        + [_item(101, dated=False), {**_item(102), "date": "Fri, 01 Jan 2100 00:00:00 GMT"}]
    )
    body = rss("Mixed", items)
    assert _numbers(parse_feed(body, "u", NOW, max_entries=8).entries) == set(range(8))
    # Room for two more than the dated ones: the undated ones, first in the feed first.
    assert _numbers(parse_feed(body, "u", NOW, max_entries=10).entries) == set(range(8)) | {100, 101}


def test_atom_entries_are_ranked_by_their_published_or_updated_dates():
    entries = "".join(
        f"<entry><title>Entry {i}</title><link href='https://cap.example.org/{i}'/><id>tag:cap,{i}</id>"
        f"<{'published' if i % 2 else 'updated'}>{(BASE + timedelta(days=i)).strftime('%Y-%m-%dT%H:%M:%SZ')}"
        f"</{'published' if i % 2 else 'updated'}></entry>"
        for i in (5, 1, 9, 3, 7, 0, 8, 2, 6, 4)
    )
    body = (
        f"<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
        f"<title>Atom</title>{entries}<subtitle>after the entries</subtitle></feed>"
    ).encode()
    feed = parse_feed(body, "https://cap.example.org/atom", NOW, max_entries=3)
    assert _numbers(feed.entries) == {7, 8, 9} and feed.capped_from == 10
    assert feed.title == "Atom"


def test_markup_quoted_in_cdata_or_comments_is_not_an_item():
    items = "".join(
        f"<item><title>Story {i}</title><link>https://cap.example.org/{i}</link>"
        f"<pubDate>{format_datetime(BASE + timedelta(hours=i), usegmt=True)}</pubDate>"
        f"<description><![CDATA[<p>quoted</p></item><item><title>fake</title>]]></description></item>"
        f"<!-- <item><title>also fake</title></item> -->"
        for i in range(6)
    )
    body = f"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>{items}</channel></rss>".encode()
    cut, total = keep_newest(body, 2, NOW)
    assert total == 6
    feed = parse_feed(body, "u", NOW, max_entries=2)
    assert _numbers(feed.entries) == {4, 5} and all(e.title.startswith("Story") for e in feed.entries)


def test_a_truncated_body_is_cut_the_same_way():
    body = rss("Broken", _shuffled(12))
    body = body[: body.rfind(b"</item>") - 20]  # the last item and the closing tags are gone
    feed = parse_feed(body, "u", NOW, max_entries=4)
    assert len(feed.entries) == 4 and feed.capped_from == 12
    assert "recovered from invalid XML" in feed.warning and "capped: kept the newest 4 of 12" in feed.warning


def test_a_body_the_byte_pass_cannot_read_is_still_capped():
    # UTF-16: the byte pass finds no '<item', so the normalized entries are capped instead.
    text = rss("Wide", _shuffled(9)).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
    feed = parse_feed(text.encode("utf-16"), "u", NOW, max_entries=3)
    assert _numbers(feed.entries) == {6, 7, 8} and feed.capped_from == 9


def test_many_empty_items_are_counted_and_cut_before_feedparser():
    real = (
        f"<item><title>Real</title><link>https://cap.example.org/1</link>"
        f"<pubDate>{format_datetime(BASE, usegmt=True)}</pubDate></item>"
    ).encode()
    body = (
        b"<?xml version='1.0'?><rss version='2.0'><channel><title>T</title>"
        + b"<item/>" * 50_000
        + real
        + b"</channel></rss>"
    )
    cut, total = keep_newest(body, 100, NOW)
    assert total == 50_001 and len(cut) < 2_000
    assert _numbers(parse_feed(body, "u", NOW, max_entries=100).entries) == {1}


# ---------------------------------------------------------------- a run records it


def test_an_over_cap_feed_is_stored_capped_and_says_so(feed_server, fresh_db, write_sources):
    sources = write_sources(
        [
            ("Big: All", feed_server.route("/big.xml", body=rss("Big", _shuffled(25)))),
            ("Small: All", feed_server.route("/small.xml", body=rss("Small", [_item(500)]))),
        ]
    )
    summary = fetch_all(fresh_db, sources, max_entries=10)
    assert (summary.ok, summary.failed, summary.new_articles) == (2, 0, 11)
    stored = {u for (u,) in _query(fresh_db, "SELECT url FROM articles")}
    assert stored == {f"https://cap.example.org/{i}" for i in [*range(15, 25), 500]}
    big = _query(
        fresh_db,
        "SELECT f.last_status, f.last_error, f.consecutive_failures, l.items_seen, l.items_new, "
        "l.error FROM feeds f JOIN fetch_log l ON l.feed_id = f.id WHERE f.name = 'Big: All'",
    )
    note = "capped: kept the newest 10 of 25 entries (--max-entries 10)"
    assert big == [(200, note, 0, 25, 10, note)]
    small = _query(
        fresh_db,
        "SELECT l.items_seen, l.error FROM fetch_log l JOIN feeds f ON f.id = l.feed_id WHERE f.name = 'Small: All'",
    )
    assert small == [(1, None)]


def test_the_cap_comes_from_the_flag_then_the_environment(feed_server, tmp_path, write_sources, monkeypatch, capsys):
    sources = write_sources([("Big: All", feed_server.route("/big.xml", body=rss("Big", _shuffled(30))))])
    monkeypatch.setenv("MPM_MAX_ENTRIES", "4")
    assert config.max_entries() == 4 and config.max_entries(7) == 7 and config.max_entries(0) == 0
    assert main(["--db", str(tmp_path / "env.db"), "--sources", str(sources)]) == 0
    assert len(_query(tmp_path / "env.db", "SELECT id FROM articles")) == 4
    assert main(["--db", str(tmp_path / "flag.db"), "--sources", str(sources), "--max-entries", "0"]) == 0
    assert len(_query(tmp_path / "flag.db", "SELECT id FROM articles")) == 30
    monkeypatch.delenv("MPM_MAX_ENTRIES")
    assert config.max_entries() == config.DEFAULT_MAX_ENTRIES == 1000
    for bad in ("many", "-1", "2.5"):
        monkeypatch.setenv("MPM_MAX_ENTRIES", bad)
        capsys.readouterr()
        with pytest.raises(SystemExit) as stop:
            main(["--db", str(tmp_path / "bad.db"), "--sources", str(sources)])
        assert stop.value.code == 2 and "MPM_MAX_ENTRIES" in capsys.readouterr().err
    assert not (tmp_path / "bad.db").exists()
    with pytest.raises(SystemExit) as stop:
        main(["--max-entries", "-5"])
    assert stop.value.code == 2


def test_a_saved_file_is_capped_and_read_again_only_under_another_cap(tmp_path, fresh_db):
    folder = tmp_path / "saved"
    folder.mkdir()
    (folder / "big.xml").write_bytes(rss("Big saved feed", _shuffled(20)))
    first = ingest_dir(fresh_db, folder, max_entries=5)
    assert first.new_articles == 5
    assert ingest_dir(fresh_db, folder, max_entries=5).not_modified == 1
    again = ingest_dir(fresh_db, folder, max_entries=0)
    assert (again.ok, again.new_articles) == (1, 15)
    assert ingest_dir(fresh_db, folder, max_entries=0).not_modified == 1


# ---------------------------------------------------------------- re-runs are cheap


def test_entries_already_stored_are_skipped_cheaply(feed_server, fresh_db, write_sources, monkeypatch, record_tagging):
    """A server that ignores validators re-sends 1,500 entries of which the newest 1,000 are stored:
    nothing is tagged or inserted again, and the stored ones are found with a few bulk lookups
    (500 URLs per query), not one query per entry."""
    items = _shuffled(1500)
    route = feed_server.route("/big.xml", body=rss("Big", items))
    sources = write_sources([("Big: All", route)])
    assert fetch_all(fresh_db, sources, max_entries=1000).new_articles == 1000

    tagged = record_tagging()
    statements: list[str] = []
    real_open = runner.open_store

    def traced_open(path):
        conn = real_open(path)
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(runner, "open_store", traced_open)
    summary = fetch_all(fresh_db, sources, max_entries=1000)
    assert (summary.ok, summary.new_articles) == (1, 0) and tagged == []
    assert not [s for s in statements if s.lstrip().upper().startswith("INSERT INTO ARTICLES")]
    lookups = [s for s in statements if "FROM articles WHERE url IN" in s]
    assert len(lookups) == 2  # 1,000 URLs, 500 a query
    assert len(statements) < 60  # a run's bookkeeping, nothing per entry

    # One new entry among them: only it is tagged and stored.
    statements.clear()
    feed_server.route("/big.xml", body=rss("Big", [_item(2000)] + items))
    assert fetch_all(fresh_db, sources, max_entries=1000).new_articles == 1
    assert tagged == ["Canada and Japan, dispatch number 2000"]
    assert len(_query(fresh_db, "SELECT id FROM articles")) == 1001


# ---------------------------------------------------------------- the deadline and the memory


def test_parsing_counts_against_the_feed_deadline(feed_server, fresh_db, write_sources, monkeypatch):
    with pytest.raises(ParseDeadline, match="deadline exceeded while parsing"):
        parse_feed(rss("Big", _shuffled(50)), "u", NOW, max_entries=10, deadline=time.monotonic() - 1)

    real = normalize.normalize_entry

    def slow(raw, *args):
        if "slow.example" in raw.get("link", ""):
            time.sleep(0.02)  # 300 entries would take 6 s; the deadline is 1 s
        return real(raw, *args)

    monkeypatch.setattr(normalize, "normalize_entry", slow)
    slow_items = [{**_item(i), "link": f"https://slow.example.org/{i}"} for i in range(300)]
    sources = write_sources(
        [
            ("Slow: All", feed_server.route("/slow.xml", body=rss("Slow", slow_items))),
            ("Quick: All", feed_server.route("/quick.xml", body=rss("Quick", [_item(7)]))),
        ]
    )
    summary = fetch_all(fresh_db, sources, deadline_s=1.0, max_entries=0)
    assert (summary.ok, summary.failed, summary.new_articles) == (1, 1, 1)
    assert summary.errors[0][0] == "Slow: All" and "deadline exceeded while parsing" in summary.errors[0][1]
    row = _query(fresh_db, "SELECT last_status, last_error, etag FROM feeds WHERE name = 'Slow: All'")
    assert row[0][0] == 200 and "deadline exceeded while parsing" in row[0][1] and row[0][2] is None
    assert _query(fresh_db, "SELECT COUNT(*) FROM articles WHERE url LIKE 'https://slow.%'") == [(0,)]


def test_only_a_few_large_bodies_are_held_at_once(feed_server, fresh_db, write_sources, monkeypatch):
    """Twelve feeds over the large-body size: at most LARGE_SLOTS of them hold their body at a time,
    every place is given back, and all are stored. Each holds its place 0.5 s, so the last two wait
    2.5 s for theirs: past the 2 s deadline, were the wait charged to it."""
    monkeypatch.setattr(runner, "LARGE_BODY", 20_000)
    holding, most = 0, 0
    lock = threading.Lock()
    real_call, real_release = runner._BodySlot.__call__, runner._BodySlot.release

    def call(self, nbytes):
        nonlocal holding, most
        was = self._held
        waited = real_call(self, nbytes)
        if self._held and not was:
            with lock:
                holding += 1
                most = max(most, holding)
            time.sleep(0.5)  # hold on, so that the others queue
        return waited

    def release(self):
        nonlocal holding
        if self._held:
            with lock:
                holding -= 1
        real_release(self)

    monkeypatch.setattr(runner._BodySlot, "__call__", call)
    monkeypatch.setattr(runner._BodySlot, "release", release)
    feeds = []
    for n in range(12):
        items = [{**_item(i), "link": f"https://cap.example.org/{n}/{i}"} for i in range(300)]
        feeds.append((f"Large {n}", feed_server.route(f"/large{n}.xml", body=rss(f"Large {n}", items))))
    summary = fetch_all(fresh_db, write_sources(feeds), deadline_s=2.0, max_entries=100, per_host=12)
    assert (summary.ok, summary.failed, summary.new_articles) == (12, 0, 1200), summary.errors
    assert most == runner.LARGE_SLOTS and holding == 0
