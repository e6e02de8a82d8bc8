"""Issue 11 through AppTest: hostile stored dates, control characters in links and typed text, and
stores that cannot be read. Each test reproduces the attack; no page may fail or show a traceback.
The same attacks in a real browser are in test_browser_hardening.py."""

from __future__ import annotations

import logging
import random
import sqlite3
import tomllib
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from counts import queries
from counts.queries import Filters
from counts.search import strip_control
from tests.dashboard.test_app import PAGES, make_app, open_page
from tests.stores import build_tiny

ROOT = Path(__file__).resolve().parents[2]
TINY_SPAN = (date(2026, 1, 5), date(2026, 3, 3))  # the hand-built store's first and last day

# What a stored published_at can hold when something other than today's ingest wrote it.
BAD_DATES = [
    "1-01-01T00:00:00Z",  # a year-1 pubDate as the old ingest stored it (issue 11)
    "999-12-31T00:00:00Z",  # sorts after every real date, so it was MAX(published_at)
    "0001-01-01T00:00:00Z",  # well-formed, implausible
    "1970-01-01T00:00:00Z",  # an epoch placeholder
    "9999-12-31T23:59:59Z",  # the far future: one more day overflows
    "2026-11-31T00:00:00Z",  # no such day, yet inside the plausible range and after every real date
    "2000-02-30T00:00:00Z",  # no such day, inside the range and before every real date
    "2026-02-05T25:61:00Z",  # no such time
    "2026-02-05 10:00",  # another format
    "garbage",
    "",
    20260205,  # SQLite stores whatever it is given: an integer...
    b"\x00\xff",  # ... or a blob
]


def add_bad_rows(db: str | Path, dates=BAD_DATES) -> int:
    """Write articles with these published_at values straight into the store with sqlite3, tagged
    so that they fall into every chart (Canada–Japan, trade); returns how many."""
    conn = sqlite3.connect(db)
    with conn:
        for i, published in enumerate(dates):
            aid = conn.execute(
                "INSERT INTO articles (url, title, summary, published_at, source, feed_id, lang, fetched_at) "
                "VALUES (?, ?, 'bad date', ?, 'CBC News', 1, 'en', '2026-03-03T12:00:00Z')",
                (f"https://example.com/bad/{i}", f"Canada and Japan, bad date {i}", published),
            ).lastrowid
            conn.execute("INSERT INTO article_countries VALUES (?, 'CAN'), (?, 'JPN')", (aid, aid))
            conn.execute("INSERT INTO article_pairs VALUES (?, 'CAN-JPN', 'CAN', 'JPN')", (aid,))
            conn.execute("INSERT INTO article_topics VALUES (?, 'trade')", (aid,))
    conn.close()
    return len(dates)


@pytest.fixture
def bad_dates_db(tmp_path) -> str:
    db = build_tiny(tmp_path / "bad_dates.db")
    add_bad_rows(db)
    conn = sqlite3.connect(db)
    with conn:  # the last ingest's time, hand-edited
        conn.execute("UPDATE meta SET value = '1-01-01T00:00:00Z' WHERE key = 'last_ingest_at'")
    conn.close()
    return str(db)


def metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def no_exception(at, where) -> None:
    assert not at.exception, (where, [e.value for e in at.exception])


# ---------------------------------------------------------------- 1. hostile stored dates


@pytest.mark.parametrize("page", PAGES)
def test_bad_stored_dates_take_no_page_down(monkeypatch, bad_dates_db, page):
    at = open_page(make_app(monkeypatch, bad_dates_db, sample=False), page)
    # The date filter spans the readable dates only, not year 1 to 9999.
    assert at.session_state["f_dates"] == TINY_SPAN
    if page in ("overview", "pairs", "topics", "middle_powers"):
        assert at.get("plotly_chart")
    if page == "overview":
        assert metrics(at)["Articles"] == f"{7 + len(BAD_DATES)}"  # they still count
        assert metrics(at)["Period covered"] == "58 days"
        assert metrics(at)["Last new articles"] != "unknown"  # the articles' own fetch time is readable
        assert any("last attempt unknown" in c.value for c in at.caption)  # the hand-edited meta row


def test_bad_stored_dates_on_every_step_unit_and_partner_choice(monkeypatch, bad_dates_db):
    for freq in ("day", "week", "month"):
        params = {
            "ov_freq": freq,
            "pair_freq": freq,
            "tp_freq": freq,
            "pair_b": "*",
            "pair_roll": "3",
            "pair_measure": "share",
            "unit": "stories",
        }
        at = make_app(monkeypatch, bad_dates_db, params, sample=False)
        at.run()
        for page in PAGES:
            at.switch_page(f"dashboard/pages/{page}.py").run()
            no_exception(at, (freq, page))
        at.switch_page("dashboard/pages/pairs.py").run()
        at.selectbox(key="pair_b").set_value("JPN").run()
        no_exception(at, (freq, "pairs CAN-JPN"))
        periods = at.dataframe[0].value["period"]
        assert periods.min().date() >= date(2025, 12, 29) and periods.max().date() <= TINY_SPAN[1]


def test_a_date_filter_and_search_over_bad_rows(monkeypatch, bad_dates_db):
    at = open_page(
        make_app(monkeypatch, bad_dates_db, {"from": "2026-01-10", "to": "2026-02-28"}, sample=False), "overview"
    )
    assert at.session_state["f_dates"] == (date(2026, 1, 10), date(2026, 2, 28))
    at.switch_page("dashboard/pages/articles.py").run()
    no_exception(at, "articles with a date filter")
    at.text_input(key="q").set_value("bad date").run()  # the bad rows are found, their dates shown empty
    at.sidebar.button[0].click().run()  # Reset filters
    no_exception(at, "articles search")
    table = at.dataframe[0].value
    assert len(table) == len(BAD_DATES) and table["published_at"].isna().all()
    at.selectbox(key="why_article").set_value(0).run()  # the tagger's reasons for a row with a bad date
    no_exception(at, "why these tags")


@pytest.mark.parametrize("page", PAGES)
def test_a_store_whose_every_date_is_bad(monkeypatch, tmp_path, page):
    db = tmp_path / "all_bad.db"
    from store import open_store

    conn = open_store(db)
    conn.execute(
        "INSERT INTO feeds (id, name, outlet, url, kind) VALUES (1, 'CBC', 'CBC News', "
        "'https://example.com/cbc.xml', 'outlet')"
    )
    conn.close()
    add_bad_rows(db)
    at = open_page(make_app(monkeypatch, str(db), sample=False), page)
    assert "f_dates" not in at.session_state  # no readable date: no date filter rather than a wrong one
    if page == "overview":
        assert metrics(at)["Period covered"] == "–"
        assert any("Not enough dated articles" in i.value for i in at.info)


def test_queries_read_only_readable_dates(bad_dates_db):
    status = queries.store_status(bad_dates_db)
    assert (status["articles"], status["first"], status["last"]) == (
        7 + len(BAD_DATES),
        "2026-01-05T10:00:00Z",
        "2026-03-03T11:00:00Z",
    )
    head = queries.headline(bad_dates_db, Filters(country="JPN"))  # the bad rows are Japan's too
    assert (head["articles"], head["first"], head["last"]) == (
        3 + len(BAD_DATES),
        "2026-01-05T10:00:00Z",
        "2026-02-10T08:00:00Z",
    )
    for freq in ("day", "week", "month"):
        series = queries.timeseries(bad_dates_db, Filters(), freq)
        # Charts count a row in the period of its day: the two bad times on a real day
        # ("2026-02-05T25:61:00Z", "2026-02-05 10:00") count on 5 February; the rest are left out.
        assert series["count"].sum() == 7 + 2, freq
        assert series["period"].min() >= pd.Timestamp("2025-12-29"), freq
        assert series["period"].max() <= pd.Timestamp("2026-03-03"), freq
    rows, total = queries.articles(bad_dates_db, Filters(), "bad date")
    assert total == len(BAD_DATES) and rows["published_at"].isna().all()


@pytest.mark.parametrize(
    "text, readable",
    [
        ("2026-03-03T11:00:00Z", True),
        ("1990-01-01T00:00:00Z", True),
        ("1989-12-31T23:59:59Z", False),
        *[(bad, False) for bad in BAD_DATES],
        (None, False),
    ],
)
def test_stored_time(text, readable):
    assert (queries.stored_time(text) is not None) is readable


def test_a_year_one_item_fetched_from_a_feed_leaves_every_page_working(monkeypatch, tmp_path):
    """Issue 11's reproduction end to end: a local feed server, a year-1 pubDate, then every page."""
    from ingest.opml import Source, save_opml
    from ingest.runner import fetch_all
    from tests.ingest.feedserver import FeedServer
    from tests.ingest.test_hostile_dates import rss

    db, opml = tmp_path / "news.db", tmp_path / "sources.opml"
    with FeedServer() as server:
        url = server.route(
            "/feed.xml",
            body=rss(("year-1", "Mon, 01 Jan 0001 00:00:00 GMT"), ("normal", "Fri, 06 Mar 2026 14:18:00 GMT")),
        )
        save_opml(opml, [Source(name="Dates: World", outlet="Dates", url=url, site_url="", lang="en", kind="outlet")])
        assert fetch_all(db, opml).new_articles == 2
    at = make_app(monkeypatch, str(db), sample=False)
    at.run()
    for page in PAGES:
        at.switch_page(f"dashboard/pages/{page}.py").run()
        no_exception(at, page)
    first, last = at.session_state["f_dates"]
    assert first == date(2026, 3, 6) and last >= date(2026, 3, 6)


# ---------------------------------------------------------------- 2. control characters


@pytest.mark.parametrize(
    "raw, clean",
    [
        ("a\x00b", "ab"),
        ("Japan\x07\x1b[31m", "Japan[31m"),
        ("tab\tand\nline", "tab and line"),
        ("del\x7f c1\x85\x9f", "del c1"),
        ("lone \ud800surrogate", "lone surrogate"),
        ("Québec – 日本", "Québec – 日本"),
        (None, ""),
    ],
)
def test_strip_control(raw, clean):
    assert strip_control(raw) == clean


def test_a_nul_in_the_search_link_is_stripped(monkeypatch, tiny_db):
    at = open_page(make_app(monkeypatch, tiny_db, {"q": "Japan\x00 pact"}, sample=False), "articles")
    assert at.session_state["q"] == "Japan pact"
    assert at.query_params["q"] == "Japan pact"  # the link is rewritten clean
    assert at.dataframe[0].value["title"].tolist() == ["Canada and Japan sign defence pact"]
    at = open_page(make_app(monkeypatch, tiny_db, {"q": "a\x00b"}, sample=False), "articles")
    assert at.session_state["q"] == "ab"
    assert any("No article matches" in i.value for i in at.info)


def test_control_characters_typed_into_the_search_box_are_stripped(monkeypatch, tiny_db):
    at = open_page(make_app(monkeypatch, tiny_db, sample=False), "articles")
    at.text_input(key="q").set_value("Japan\x00\x01 pact\x7f").run()
    no_exception(at, "typed NUL")
    assert at.session_state["q"] == "Japan pact" and at.query_params["q"] == "Japan pact"
    assert at.dataframe[0].value["title"].tolist() == ["Canada and Japan sign defence pact"]
    at.text_input(key="q").set_value("\x00").run()
    no_exception(at, "a lone NUL")
    assert at.session_state["q"] == "" and len(at.dataframe[0].value) == 7


def test_control_characters_in_every_url_parameter(monkeypatch, tiny_db):
    params = {
        "country": "CA\x00N",
        "partner": "J\x1bPN",
        "topic": ["def\x00ence", "tra\x07de"],
        "lang": "e\x00n",
        "unit": "stor\x00ies",
        "from": "2026-01-0\x005",
        "to": "2026-02-2\x008",
        "pair_freq": "we\x00ek",
        "pair_b": "K\x00OR",
        "q": "x" * 500 + "\x00",
    }
    at = open_page(make_app(monkeypatch, tiny_db, params, sample=False), "pairs")
    ss = at.session_state
    assert (ss["f_country"], ss["f_partner"], ss["f_topics"], ss["f_langs"], ss["f_unit"]) == (
        "CAN",
        "JPN",
        ["defence", "trade"],
        ["en"],
        "stories",
    )
    assert ss["f_dates"] == (date(2026, 1, 5), date(2026, 2, 28))
    assert (ss["pair_freq"], ss["pair_b"]) == ("week", "KOR")
    at.switch_page("dashboard/pages/articles.py").run()
    no_exception(at, "articles")
    assert at.session_state["q"] == "x" * 200  # the box's own limit applies to a link too


# ---------------------------------------------------------------- 3. stores that cannot be read


def random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(11).randbytes(64 * 1024))


def not_sqlite(path: Path) -> None:
    path.write_text("published_at,title\n2026-03-03,Canada and Japan\n", encoding="utf-8")


def damaged(path: Path) -> None:
    """A real store whose schema is sound but whose article and tag pages are overwritten, as a
    disk fault leaves it: it opens, then reads fail."""
    build_tiny(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    roots = [
        r[0]
        for r in conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE tbl_name IN "
            "('articles', 'article_countries', 'article_pairs', 'article_topics') "
            "AND rootpage > 1"
        )
    ]
    conn.close()
    data = bytearray(path.read_bytes())
    for page in roots:
        start = (page - 1) * size
        data[start : start + size] = bytes((i * 7 + 3) & 0xFF for i in range(size))
    path.write_bytes(bytes(data))
    check = sqlite3.connect(path)
    assert check.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()[0] > 0
    with pytest.raises(sqlite3.DatabaseError):
        check.execute("SELECT COUNT(*), MAX(title) FROM articles").fetchall()
    check.close()


UNREADABLE = {
    "random_bytes": (random_bytes, "is not a SQLite database"),
    "not_sqlite": (not_sqlite, "is not a SQLite database"),
    "damaged": (damaged, "is damaged"),
}
LEAKS = ("Traceback", "sqlite3.", "DatabaseError", "OperationalError", 'File "', ".py")


@pytest.mark.parametrize("kind", UNREADABLE)
def test_an_unreadable_store_shows_one_message_on_every_page(monkeypatch, tmp_path, caplog, kind):
    make, words = UNREADABLE[kind]
    db = tmp_path / f"{kind}.db"
    make(db)
    before = db.read_bytes()
    at = make_app(monkeypatch, str(db), sample=False)
    with caplog.at_level(logging.WARNING, logger="mpm.dashboard"):
        at.run()
        for page in PAGES:
            if page != "overview":
                at.switch_page(f"dashboard/pages/{page}.py").run()
            no_exception(at, (kind, page))
            [message] = [e.value for e in at.error]
            assert words in message and f"`{db}`" in message and "python -m ingest" in message, message
            shown = " ".join([message] + [m.value for m in at.markdown] + [c.value for c in at.caption])
            assert not [leak for leak in LEAKS if leak in shown], shown
    if kind != "damaged":
        assert db.read_bytes() == before  # a file that is not a store is never written to
    records = [r for r in caplog.records if r.name == "mpm.dashboard"]
    assert len(records) == len(PAGES)
    assert records[0].levelno == logging.ERROR and records[0].exc_info is not None  # the details, once
    assert all(r.levelno == logging.WARNING and r.exc_info is None for r in records[1:])
    assert str(db) in records[0].getMessage()


def test_error_details_are_off_in_the_browser():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    # "none", not false: the legacy false still shows tracebacks.
    assert config["client"]["showErrorDetails"] == "none"
