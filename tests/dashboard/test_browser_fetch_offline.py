"""Fetch latest with every feed unreachable, in a real headless Chromium (issue 10).

The bug as a person saw it: offline, a collapsed box said "34 failed"; a second press showed a
green check for a run that skipped every feed (backoff); the Overview then said "Last ingest 1 min
ago". Here `streamlit run app.py` fetches a source list whose feeds cannot be reached without the
internet (closed ports on 127.0.0.1 refuse; `nonexistent.invalid` never resolves), and the test
presses the buttons a person would.
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from playwright.sync_api import expect

from dashboard.fetching import ago
from ingest.opml import Source, save_opml
from tests.dashboard.browser import browser_page, skip_without_chromium, streamlit_app, wait_idle
from tests.stores import build_tiny

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
OFFLINE = (
    "This machine seems to be offline (no feed could be reached): nothing was fetched; stored articles are unchanged"
)
NEWEST_LIVE = "2026-03-02T07:00:00Z"  # the tiny store's newest live article's fetch time (conftest.ARTICLES)

skip_without_chromium()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def no_success_and_no_traceback(page) -> None:
    assert page.locator('[data-testid="stAlertContentSuccess"]').count() == 0
    assert page.locator('[data-testid="stExpanderIconCheck"]').count() == 0  # no green check on the run's box
    assert page.locator('[data-testid="stException"]').count() == 0
    assert "Traceback" not in page.inner_text("body")


def press(page, name: str) -> None:
    page.get_by_role("button", name=name).click()
    wait_idle(page)


def test_offline_is_said_plainly_skips_are_explained_and_the_overview_tells_new_from_tried(tmp_path):
    db = build_tiny(tmp_path / "news.db")
    sources = tmp_path / "sources.opml"
    urls = [f"http://127.0.0.1:{closed_port()}/world.xml", f"http://127.0.0.1:{closed_port()}/politics.xml"]
    save_opml(
        sources,
        [
            Source(f"Wire {i}", "Wire", url, "", "en", "outlet")
            for i, url in enumerate([*urls, "http://nonexistent.invalid/"])
        ],
    )
    env = {"MPM_DB": str(db), "MPM_SAMPLE": "0", "MPM_SOURCES": str(sources), "MPM_FETCH_INTERVAL": "0"}
    with streamlit_app(ROOT, env, tmp_path / "streamlit.log") as url, browser_page() as page:
        page.goto(f"{url}/sources")
        page.get_by_role("button", name="Fetch latest").wait_for()
        wait_idle(page)
        assert page.get_by_role("button", name="Fetch anyway").count() == 0

        press(page, "Fetch latest")
        alert = page.locator('[data-testid="stAlertContentError"]').filter(has_text=OFFLINE)
        alert.wait_for()
        expect(alert).to_be_visible()  # in plain sight, not inside a collapsed box
        page.get_by_text("Fetched nothing: offline").wait_for()
        assert page.get_by_text("3 failed").count() == 0
        no_success_and_no_traceback(page)
        expect(page.get_by_role("button", name="Fetch anyway")).to_be_visible()

        press(page, "Fetch latest")  # during backoff
        skipped = page.locator('[data-testid="stAlertContentWarning"]')
        skipped.filter(has_text="Nothing was fetched: every feed was skipped (3)").wait_for()
        reasons = skipped.filter(has_text="3 skipped: waiting after failures (backoff); due again from")
        expect(reasons).to_be_visible()
        expect(reasons).to_contain_text("Fetch anyway asks the 3 waiting now")
        page.get_by_text("Fetched nothing: every feed skipped").wait_for()
        no_success_and_no_traceback(page)

        press(page, "Fetch anyway")  # forced: asked again, still offline
        page.locator('[data-testid="stAlertContentError"]').filter(has_text="forced run").wait_for()
        no_success_and_no_traceback(page)

        page.goto(url)
        page.locator('[data-testid="stMetric"]').filter(has_text="Last new articles").wait_for()
        wait_idle(page)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Last new articles")
        assert ago(NEWEST_LIVE) in metric.inner_text() and "min ago" not in metric.inner_text()
        page.get_by_text(f"Last new articles {ago(NEWEST_LIVE)} · last attempt 0 min ago, offline.").wait_for()
        assert page.get_by_text("Last ingest").count() == 0
        no_success_and_no_traceback(page)
