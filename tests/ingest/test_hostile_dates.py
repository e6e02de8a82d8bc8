"""Issue 11, item 1: dates a hostile or broken feed sends, from the feed bytes to the stored text.

A year-1 pubDate was stored as "1-01-01T00:00:00Z" (glibc's strftime does not pad years before
1000), "999-..." sorted after every real date, and every dashboard page failed. Dates are now
written zero-padded, and implausible ones (before 1990, or more than a day after the fetch) are
stored as the fetch time with a flag; store migration 1 repairs rows written before.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest

import store
from ingest.normalize import parse_feed
from ingest.runner import fetch_all
from store import iso, open_store, parse_iso

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def rss(*items: tuple[str, str]) -> bytes:
    """An RSS 2.0 body with one item per (slug, pubDate)."""
    body = "".join(
        f"<item><title>Item {slug}</title><link>https://dates.example.org/{slug}</link><pubDate>{when}</pubDate></item>"
        for slug, when in items
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>Dates</title>'
        f"<link>https://dates.example.org/</link>{body}</channel></rss>"
    ).encode()


HOSTILE = [
    ("year-1", "Mon, 01 Jan 0001 00:00:00 GMT", "implausible"),
    ("year-999", "Fri, 31 Dec 0999 00:00:00 GMT", "implausible"),
    ("epoch", "Thu, 01 Jan 1970 00:00:00 GMT", "implausible"),
    ("last-of-1989", "Sun, 31 Dec 1989 23:59:59 GMT", "implausible"),
    ("year-9999", "Fri, 31 Dec 9999 23:59:59 GMT", "future"),
    ("two-days-ahead", "Thu, 12 Mar 2026 12:00:01 GMT", "future"),
]
PLAUSIBLE = [
    ("first-of-1990", "Mon, 01 Jan 1990 00:00:00 GMT", datetime(1990, 1, 1, tzinfo=UTC)),
    ("within-a-day", "Wed, 11 Mar 2026 11:00:00 GMT", datetime(2026, 3, 11, 11, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(
    "when, text",
    [
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00Z"),
        (datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC), "0999-12-31T23:59:59Z"),
        (datetime(2026, 3, 6, 9, 5, 7, tzinfo=timezone(timedelta(hours=-5))), "2026-03-06T14:05:07Z"),
        (datetime(2026, 3, 6, 9, 5, 7), "2026-03-06T09:05:07Z"),  # naive means UTC
    ],
)
def test_iso_pads_every_field_and_round_trips(when, text):
    assert iso(when) == text
    assert iso(parse_iso(text)) == text


def test_padded_years_sort_in_time_order():
    years = [1, 999, 1000, 1989, 2026]
    texts = [iso(datetime(y, 6, 1, tzinfo=UTC)) for y in years]
    assert sorted(texts) == texts and max(texts).startswith("2026")


def test_implausible_and_future_dates_become_the_fetch_time_with_a_flag():
    body = rss(*[(slug, when) for slug, when, _ in HOSTILE], *[(slug, when) for slug, when, _ in PLAUSIBLE])
    entries = {e.url.rsplit("/", 1)[1]: e for e in parse_feed(body, "https://dates.example.org/rss", NOW).entries}
    for slug, _, flag in HOSTILE:
        assert (entries[slug].published, entries[slug].date_flag) == (NOW, flag), slug
    for slug, _, when in PLAUSIBLE:
        assert (entries[slug].published, entries[slug].date_flag) == (when, None), slug


def test_a_year_one_item_from_a_live_feed_is_stored_at_its_fetch_time(feed_server, fresh_db, write_sources):
    """The attack as issue 11 reproduced it: a feed on a local server, one normal item, one year-1 item."""
    url = feed_server.route(
        "/dates.xml", body=rss(("year-1", "Mon, 01 Jan 0001 00:00:00 GMT"), ("normal", "Fri, 06 Mar 2026 14:18:00 GMT"))
    )
    before = datetime.now(UTC).replace(microsecond=0)
    summary = fetch_all(fresh_db, write_sources([("Dates: World", url)]))
    assert summary.ok == 1 and summary.new_articles == 2
    conn = sqlite3.connect(fresh_db)
    rows = dict(
        (url.rsplit("/", 1)[1], (published, flag, fetched))
        for url, published, flag, fetched in conn.execute(
            "SELECT url, published_at, date_flag, fetched_at FROM articles"
        )
    )
    published, flag, fetched = rows["year-1"]
    assert flag == "implausible" and published == fetched and parse_iso(published) >= before
    assert rows["normal"][:2] == ("2026-03-06T14:18:00Z", None)
    # Every stored time has the one fixed-width shape, so text order is time order.
    for column in ("published_at", "fetched_at"):
        assert (
            conn.execute(
                f"SELECT COUNT(*) FROM articles WHERE length({column}) != 20 OR {column} NOT GLOB "
                "'[12][0-9][0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'"
            ).fetchone()[0]
            == 0
        )
    conn.close()


def test_migration_1_repairs_dates_stored_before_the_fix(tmp_path):
    """A store at schema version 1 holding what the old ingest wrote; opening it runs migration 1."""
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    for statement in store._statements(store.MIGRATIONS[0]):
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    fetched = "2026-03-10T12:00:00Z"
    stored = {
        "year-1": "1-01-01T00:00:00Z",
        "year-999": "999-12-31T00:00:00Z",
        "epoch": "1970-01-01T00:00:00Z",
        "garbage": "garbage",
        "empty": "",
        "sound": "2026-03-06T14:18:00Z",
    }
    conn.executemany(
        "INSERT INTO articles (url, title, published_at, source, fetched_at) VALUES (?, ?, ?, 'T', ?)",
        [(f"https://dates.example.org/{k}", k, v, fetched) for k, v in stored.items()],
    )
    conn.close()
    conn = open_store(path)
    rows = dict(
        (title, (published, flag))
        for title, published, flag in conn.execute("SELECT title, published_at, date_flag FROM articles")
    )
    conn.close()
    assert rows.pop("sound") == ("2026-03-06T14:18:00Z", None)
    assert rows == {k: (fetched, "implausible") for k in stored if k != "sound"}
