"""Coverage (issue 12): which source-days were seen, thin periods greyed on the trend charts and on
the Sources page, provenance on the Articles page, and a backfill started from the Sources page."""

from __future__ import annotations

import os
import time
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from analysis.export import to_safe_csv
from counts import queries
from counts.queries import Filters
from dashboard import widgets
from ingest import backfill as bf
from ingest.opml import Source, save_opml
from store import open_store
from tests.dashboard.test_app import figures, make_app, open_page
from tests.ingest.archiveserver import ArchiveEmulator, FeedHistory

JAN, FEB, MAR = (pd.Timestamp(d) for d in ("2026-01-01", "2026-02-01", "2026-03-01"))


def _days(first: str, n: int) -> list[str]:
    start = date.fromisoformat(first)
    return [(start + timedelta(days=i)).isoformat() for i in range(n)]


def add_coverage(db: str) -> None:
    """CBC News (feed 1, en) seen every day of January and Feb 1-5; Radio-Canada (feed 2, fr) all of
    January and Feb 1-10, on both a live fetch and an archived capture; the Globe (3) never."""
    conn = open_store(db)
    rows = [(1, d, "live") for d in _days("2026-01-01", 31) + _days("2026-02-01", 5)]
    rows += [(2, d, how) for d in _days("2026-01-01", 31) + _days("2026-02-01", 10) for how in ("live", "archive")]
    conn.executemany("INSERT INTO coverage_days(feed_id, day, how) VALUES (?, ?, ?)", rows)
    conn.close()


def test_coverage_counts_source_days_and_marks_thin_periods(tiny_db):
    assert queries.coverage(tiny_db, Filters(), "month", "2026-01-01", "2026-03-01").empty  # nothing known
    add_coverage(tiny_db)
    cov = queries.coverage(tiny_db, Filters(), "month", "2026-01-01", "2026-03-01")
    assert cov["period"].tolist() == [JAN, FEB, MAR]
    assert cov["sources"].tolist() == [2, 2, 2]  # the Globe was never seen: out of scope
    assert cov["seen"].tolist() == [62, 15, 0]  # a day seen live and archived counts once
    assert cov["days"].tolist() == [31, 28, 31]
    assert cov["coverage"].tolist() == [1.0, round(15 / 56, 3), 0.0]
    assert cov["thin"].tolist() == [False, True, True]

    cbc = queries.coverage(tiny_db, Filters(sources=("CBC News",)), "month", "2026-01-01", "2026-02-01")
    assert cbc["sources"].tolist() == [1, 1] and cbc["seen"].tolist() == [31, 5]
    french = queries.coverage(tiny_db, Filters(langs=("fr",)), "month", "2026-01-01", "2026-02-01")
    assert french["seen"].tolist() == [31, 10] and french["thin"].tolist() == [False, True]
    # The filter's dates bound the days that could have been seen.
    early_feb = queries.coverage(
        tiny_db, Filters(start=date(2026, 2, 1), end=date(2026, 2, 10)), "month", "2026-02-01", "2026-02-01"
    )
    assert early_feb[["seen", "days", "thin"]].values.tolist() == [[15, 10, False]]
    weeks = queries.coverage(tiny_db, Filters(), "week", "2026-01-26", "2026-02-09")
    assert weeks["seen"].tolist() == [14, 11, 2] and weeks["thin"].tolist() == [False, False, True]


def test_coverage_stops_at_today(tiny_db):
    add_coverage(tiny_db)
    today = datetime.now(UTC).date()
    cov = queries.coverage(tiny_db, Filters(), "day", today.isoformat(), today.isoformat())
    assert cov["days"].tolist() == [1]
    month = queries.coverage(tiny_db, Filters(), "month", today.replace(day=1).isoformat(), today.isoformat())
    assert month["days"].tolist() == [today.day]


def test_source_coverage_is_a_grid_of_sources_and_months(tiny_db):
    add_coverage(tiny_db)
    cov = queries.source_coverage(tiny_db, Filters(), "2026-01-15", "2026-03-03")
    assert sorted(cov["source"].unique()) == ["CBC News", "Radio-Canada"]
    cbc = cov[cov["source"] == "CBC News"]
    assert cbc["period"].tolist() == [JAN, FEB, MAR]
    assert cbc["seen"].tolist() == [17, 5, 0] and cbc["days"].tolist() == [17, 28, 3]
    assert cbc["thin"].tolist() == [False, True, True]


def test_trend_charts_grey_thin_periods_and_their_tables_carry_coverage(monkeypatch, tiny_db):
    add_coverage(tiny_db)
    at = open_page(make_app(monkeypatch, tiny_db, {"pair_a": "CAN", "pair_b": "JPN", "pair_freq": "month"}), "pairs")
    trend = figures(at)[0]
    bands = [s for s in trend["layout"].get("shapes", []) if s.get("fillcolor") == widgets.THIN_FILL]
    assert [(b["x0"][:10], b["x1"][:10]) for b in bands] == [("2026-02-01", "2026-04-01")]  # Feb and March
    # one band, one label: a band without a label carries no annotation (plotly would write "new text")
    assert [a.get("text") for a in trend["layout"].get("annotations", [])].count("thin coverage") == 1
    assert all(a.get("text") for a in trend["layout"].get("annotations", []))
    assert any("Grey bands" in c.value for c in at.caption)
    table = at.dataframe[0].value
    assert table["coverage_pct"].tolist() == [100.0, 26.8, 0.0]
    assert b"coverage_pct" in to_safe_csv(table)


def test_a_store_that_knows_nothing_of_coverage_marks_nothing(monkeypatch, generated_db):
    for page, params in (("pairs", {"pair_freq": "week"}), ("topics", {}), ("overview", {})):
        at = open_page(make_app(monkeypatch, generated_db, params), page)
        shapes = [s for f in figures(at) for s in f["layout"].get("shapes", [])]
        assert not [s for s in shapes if s.get("fillcolor") == widgets.THIN_FILL], page  # (not the ±2 band)
        assert not any("Grey bands" in c.value for c in at.caption), page


def test_articles_page_and_csv_show_how_each_article_arrived(monkeypatch, tiny_db):
    conn = open_store(tiny_db)
    conn.execute("UPDATE articles SET provenance = 'archive', captured_at = '2026-01-05T18:00:00Z' WHERE id = 1")
    conn.close()
    at = open_page(make_app(monkeypatch, tiny_db), "articles")
    shown = at.dataframe[0].value
    assert {"provenance", "captured_at"} <= set(shown.columns)
    by_title = shown.set_index("title")
    assert by_title.loc["Canada and Japan sign defence pact", "provenance"] == "archive"
    assert str(by_title.loc["Canada and Japan sign defence pact", "captured_at"]).startswith("2026-01-05 18:00")
    assert by_title.loc["Ottawa, Washington trade talks", "provenance"] == "live"
    assert pd.isna(by_title.loc["Ottawa, Washington trade talks", "captured_at"])
    csv = to_safe_csv(shown).decode("utf-8-sig")
    assert "provenance" in csv.splitlines()[0] and ",archive," in csv


def test_the_unit_choice_says_shares_are_the_measure_across_uneven_coverage(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db), "pairs")
    assert "uneven coverage" in at.radio(key="f_unit").help
    measure = [w for w in at.get("button_group") if "Share % (of all filtered articles" in (w.help or "")]
    assert measure


# ---------------------------------------------------------------- a backfill from the Sources page


@pytest.fixture
def archived(tmp_path, monkeypatch):
    """An archive with one feed captured daily through January 2025, and a store pointed at it."""
    with ArchiveEmulator(latency=0.02) as archive:
        history = FeedHistory("Gamma Wire: World", "gamma.example.org", datetime(2025, 1, 1, tzinfo=UTC), 31)
        for d in range(31):
            archive.capture(
                history, datetime(2025, 1, 1, 20, tzinfo=UTC) + timedelta(days=d), "https://gamma.example.org/feed.xml"
            )
        opml = tmp_path / "sources.opml"
        save_opml(
            opml, [Source("Gamma Wire: World", "Gamma Wire", "https://gamma.example.org/feed.xml", "", "en", "outlet")]
        )
        monkeypatch.setenv("MPM_SOURCES", str(opml))
        monkeypatch.setenv("MPM_ARCHIVE_URL", archive.base)
        monkeypatch.setenv("MPM_ARCHIVE_DELAY", "0")
        yield archive, str(tmp_path / "news.db")


def _wait(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_sources_page_starts_a_backfill_and_then_shows_coverage(monkeypatch, archived):
    archive, db = archived
    at = open_page(make_app(monkeypatch, db, sample=False), "sources")
    assert any("No live fetch or archived capture" in i.value for i in at.info)
    at.date_input(key="bf_since").set_value(date(2025, 1, 1))
    at.date_input(key="bf_until").set_value(date(2025, 1, 31))
    at.button(key="bf_start").click().run()
    assert not at.exception, [e.value for e in at.exception]
    _wait(lambda: (queries.backfill_status(db) or {}).get("status") == "done" and not bf.running_backfill(db))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Last backfill finished") and "31/31 captures" in c for c in captions), captions
    assert not [b for b in at.button if b.key == "bf_stop"]
    [heatmap] = [f for f in figures(at) if f["data"][0]["type"] == "heatmap"]
    assert heatmap["data"][0]["y"] == ["Gamma Wire"]
    cov = [df.value for df in at.dataframe if "coverage_pct" in df.value.columns][0].set_index("period")
    assert cov.loc["2025-01", ["seen", "days", "coverage_pct", "thin"]].tolist() == [31, 31, 100.0, False]
    assert cov.loc["2025-02", ["seen", "thin"]].tolist() == [0, True]  # nothing after the period asked for
    progress = [df.value for df in at.dataframe if "listed" in df.value.columns][0]
    assert progress[["listed", "stored", "to_do"]].values.tolist() == [[31, 31, 0]]
    assert queries.store_status(db)["articles"] == 93  # 3 items a day, 31 days, each once
    assert os.path.exists(db + ".backfill.log")


def test_a_running_backfill_shows_progress_and_can_be_stopped(monkeypatch, archived):
    archive, db = archived
    archive.latency = 0.3  # slow enough to catch it running
    at = open_page(make_app(monkeypatch, db, sample=False), "sources")
    at.date_input(key="bf_since").set_value(date(2025, 1, 1))
    at.date_input(key="bf_until").set_value(date(2025, 1, 31))
    at.button(key="bf_start").click().run()
    _wait(lambda: bf.running_backfill(db) and (queries.backfill_status(db) or {}).get("captures_done", 0) >= 2)
    at.run()
    assert not [b for b in at.button if b.key == "bf_start"]  # one at a time
    [bar] = at.get("progress")
    assert "Backfill running" in bar.proto.text and "Gamma Wire" in bar.proto.text
    at.button(key="bf_stop").click().run()
    _wait(lambda: not bf.running_backfill(db))  # SIGTERM: it ends as on Ctrl-C, and says so
    assert queries.backfill_status(db)["status"] == "interrupted"
    at.run()
    assert any("interrupted" in c.value and "Start it again to resume" in c.value for c in at.caption)


def test_read_only_dashboards_offer_no_backfill(monkeypatch, archived):
    from ingest import config

    if not hasattr(config, "read_only"):
        pytest.skip("this version has no read-only switch")
    _, db = archived
    monkeypatch.setenv("MPM_READ_ONLY", "1")
    at = open_page(make_app(monkeypatch, db, sample=False), "sources")
    assert not [b for b in at.button if b.key == "bf_start"]
    assert any("backfills are run from the command line" in c.value for c in at.caption)


def test_a_feed_name_is_shown_as_typed_never_as_markdown():
    from dashboard.backfilling import describe

    run = {
        "since": "2025-01-01",
        "until": "2025-01-31",
        "feeds_done": 0,
        "feeds_total": 1,
        "captures_done": 1,
        "captures_total": 2,
        "captures_failed": 0,
        "items_new": 3,
        "reached": "2025-01-02",
        "current_feed": "[click](javascript:alert(1)) **x**",
    }
    text = describe(run)
    assert "\\[click\\]\\(javascript\\:alert\\(1\\)\\) \\*\\*x\\*\\*" in text
