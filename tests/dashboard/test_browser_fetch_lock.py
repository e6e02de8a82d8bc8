"""What a second visitor sees while another session's Fetch latest runs, in a real headless Chromium.

AppTest cannot run the page's timer (an st.fragment redrawn every 2 s), so this drives
`streamlit run app.py`: while this test holds the store's fetch lock (as another session's run
would), the Sources page shows the run in progress with a greyed-out button, follows its progress
without a reload, and gives the button back by itself once the lock is released.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from ingest import runlock
from tests.dashboard.browser import browser_page, skip_without_chromium, streamlit_app
from tests.stores import build_tiny

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

skip_without_chromium()


def test_another_sessions_run_is_followed_live(tmp_path):
    db = build_tiny(tmp_path / "news.db")
    env = {"MPM_DB": str(db), "MPM_SAMPLE": "0", "MPM_FETCH_INTERVAL": "0"}
    with streamlit_app(ROOT, env, tmp_path / "streamlit.log") as url, browser_page() as page:
        with runlock.hold(db, by="another session") as run:
            run.progress(3, 10, "CBC News: World")
            page.goto(f"{url}/sources")
            page.get_by_text("is in progress").first.wait_for()
            page.get_by_text("3/10 feeds").first.wait_for()
            fetch = page.get_by_role("button", name="Fetch latest")
            fetch.first.wait_for()  # the progress line can be drawn a moment before the button
            expect(fetch).to_have_count(1)
            expect(fetch).to_be_disabled()
            run.progress(7, 10, "Radio-Canada: International")
            run._write()  # progress is written at most every 0.5 s; this one now
            page.get_by_text("7/10 feeds").first.wait_for(timeout=15_000)  # redrawn without a reload
        page.wait_for_function(
            """() => [...document.querySelectorAll('button')].some(
                   b => b.innerText.includes('Fetch latest') && !b.disabled)""",
            timeout=20_000,
        )
        assert page.get_by_text("is in progress").count() == 0
