"""What a person sees of issue 12 in a real headless Chromium: grey bands over the periods the record
covers thinly, coverage and a backfill on the Sources page, and how each article arrived.

The store is filled by a backfill from the archive emulator (tests/ingest/archiveserver.py), and
`streamlit run app.py` is pointed at the same emulator, so the Sources page's Start backfill runs
the real command against it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from ingest import backfill as bf
from ingest.opml import Source, save_opml
from tests.dashboard.browser import browser_page, skip_without_chromium, streamlit_app, wait_idle
from tests.ingest.archiveserver import ArchiveEmulator, FeedHistory

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
START = datetime(2025, 1, 1, tzinfo=UTC)
GAP = range(9, 16)  # a week of January 2025 the archive never captured

skip_without_chromium()


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser_backfill")
    with ArchiveEmulator(latency=0.05) as archive:
        history = FeedHistory("Gamma Wire: World", "gamma.example.org", START, 31, per_day=4, window=12, blurb=True)
        for d in range(31):
            if d not in GAP:
                archive.capture(history, START + timedelta(days=d, hours=20), "https://gamma.example.org/feed.xml")
        opml, db = tmp / "sources.opml", tmp / "news.db"
        save_opml(
            opml, [Source("Gamma Wire: World", "Gamma Wire", "https://gamma.example.org/feed.xml", "", "en", "outlet")]
        )
        bf.backfill(db, opml, since=date(2025, 1, 1), until=date(2025, 1, 20), archive=bf.Archive(archive.base, 0))
        env = {
            "MPM_DB": str(db),
            "MPM_SAMPLE": "0",
            "MPM_SOURCES": str(opml),
            "MPM_ARCHIVE_URL": archive.base,
            "MPM_ARCHIVE_DELAY": "0.3",
        }
        with streamlit_app(ROOT, env, tmp / "streamlit.log") as url, browser_page() as page:
            yield {"url": url, "db": db, "page": page}


def go(world, path: str) -> None:
    pg = world["page"]
    pg.goto(f"{world['url']}/{path}")
    pg.wait_for_selector('[data-testid="stSidebar"]')
    wait_idle(pg)


def test_a_week_the_archive_missed_is_greyed_on_the_trend_chart(world):
    go(world, "topics?tp_freq=week")
    pg = world["page"]
    pg.wait_for_selector(".js-plotly-plot")
    trend = pg.locator(".js-plotly-plot").last
    assert trend.locator(".shapelayer path").count() >= 1  # the grey band, drawn by plotly
    assert trend.get_by_text("thin coverage").count() == 1
    pg.get_by_text("Grey bands: periods in which the sources were seen").first.wait_for()


def test_sources_page_shows_coverage_and_runs_a_backfill_with_progress(world):
    go(world, "sources")
    pg = world["page"]
    pg.get_by_text("History from the Internet Archive").first.wait_for()
    pg.get_by_text("Last backfill finished").first.wait_for()
    pg.wait_for_selector(".js-plotly-plot")
    assert pg.locator(".js-plotly-plot").count() == 1  # the coverage heatmap
    pg.get_by_role("button", name="Start backfill").click()  # the rest of January, and the months to today
    pg.get_by_text("Backfill running").first.wait_for(timeout=30_000)
    pg.get_by_role("button", name="Stop the backfill").wait_for()
    pg.get_by_text("Last backfill finished").first.wait_for(timeout=120_000)
    assert bf.running_backfill(world["db"]) is None


def test_articles_page_says_how_each_article_arrived(world, tmp_path):
    go(world, "articles")
    pg = world["page"]
    pg.wait_for_selector('[data-testid="stDataFrame"]')
    # The grid draws only the columns in view; what a person takes away is its CSV, all columns.
    with pg.expect_download() as info:
        pg.get_by_role("button", name="Download CSV").first.click()
    path = tmp_path / "articles.csv"
    info.value.save_as(path)
    text = path.read_bytes().decode("utf-8-sig")
    header = next(line for line in text.splitlines() if line.startswith("published_at") or "provenance" in line)
    assert "provenance" in header and "captured_at" in header
    assert ",archive," in text
