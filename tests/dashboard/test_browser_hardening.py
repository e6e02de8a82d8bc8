"""Issue 11 in a real headless Chromium against `streamlit run app.py`: what a person sees when a
store holds hostile dates, when a link carries control characters, and when the store cannot be
read. Nothing may show a traceback, an exception or a file path of the code; the details belong in
the server's log. The same attacks through AppTest, page by page, are in test_hardening.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.dashboard.browser import browser_page, skip_without_chromium, streamlit_app, wait_idle
from tests.dashboard.test_hardening import add_bad_rows, damaged, random_bytes
from tests.stores import build_tiny

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PATHS = ["", "pairs", "topics", "middle_powers", "articles", "sources"]
CHART_PAGES = ("", "pairs", "topics", "middle_powers")
LEAKS = ("Traceback", "sqlite3.", "OperationalError", "DatabaseError", "isoformat", 'File "', '.py"', "site-packages")

skip_without_chromium()


@pytest.fixture(scope="module")
def page():
    with browser_page() as pg:
        yield pg


def go(pg, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector('[data-testid="stSidebar"]')
    wait_idle(pg)


def assert_clean(pg, where: str) -> None:
    """No exception element and no traceback text anywhere on the page."""
    assert pg.locator('[data-testid="stException"]').count() == 0, where
    text = pg.locator("body").inner_text()
    assert not [leak for leak in LEAKS if leak in text], (where, text[:2000])


@pytest.fixture(scope="module")
def bad_dates_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bad_dates")
    db = build_tiny(folder / "news.db")
    add_bad_rows(db)
    with streamlit_app(ROOT, {"MPM_DB": str(db), "MPM_SAMPLE": "0"}, folder / "streamlit.log") as url:
        yield url


def test_bad_stored_dates_leave_every_page_drawn(page, bad_dates_server):
    for path in PATHS:
        go(page, f"{bad_dates_server}/{path}")
        if path in CHART_PAGES:  # how many depends on the page's own rules; drawn is what matters here
            page.wait_for_selector(".js-plotly-plot")
        else:
            page.wait_for_selector('[data-testid="stDataFrame"]')
        assert_clean(page, path)
    # The date filter shows the readable span, not year 1 to 9999.
    go(page, bad_dates_server)
    dates = page.eval_on_selector_all(
        '[data-testid="stSidebar"] [data-testid="stDateInput"] input', "els => els.map(e => e.value)"
    )
    assert dates == ["2026-01-05", "2026-03-03"], dates


def test_a_nul_in_the_search_link_and_in_the_box(page, bad_dates_server):
    go(page, f"{bad_dates_server}/articles?q=a%00b")
    assert_clean(page, "q=a%00b")
    search = page.get_by_test_id("stTextInputField")
    expect(search).to_have_value("ab")  # retried: the box may be drawn empty a moment before its value
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'ab'")
    page.get_by_text("No article matches").wait_for()

    go(page, f"{bad_dates_server}/articles?q=Japan%00%20pact")
    assert_clean(page, "q=Japan%00%20pact")
    page.wait_for_selector('[data-testid="stDataFrame"]')
    page.get_by_text("1–1 of 1 articles").wait_for()

    # Typed or pasted: the box and the address keep the text without its control characters.
    search = page.get_by_test_id("stTextInputField")
    search.fill("Canada\u0000\u0007 Japan\u001b")
    search.press("Enter")
    wait_idle(page)
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === 'Canada Japan'")
    expect(search).to_have_value("Canada Japan")
    assert_clean(page, "typed control characters")


@pytest.fixture(scope="module", params=["random_bytes", "damaged"])
def unreadable_server(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(request.param)
    db = folder / "news.db"
    {"random_bytes": random_bytes, "damaged": damaged}[request.param](db)
    log = folder / "streamlit.log"
    with streamlit_app(ROOT, {"MPM_DB": str(db), "MPM_SAMPLE": "0"}, log) as url:
        yield {"url": url, "db": db, "log": log, "kind": request.param}


def test_an_unreadable_store_shows_a_message_and_no_traceback(page, unreadable_server):
    words = {"random_bytes": "is not a SQLite database", "damaged": "is damaged"}[unreadable_server["kind"]]
    for path in PATHS:
        go(page, f"{unreadable_server['url']}/{path}")
        message = page.locator('[data-testid="stAlertContentError"]')
        message.wait_for()
        text = message.inner_text()
        assert words in text and str(unreadable_server["db"]) in text and "python -m ingest" in text, text
        assert_clean(page, path)
        # The menu still works, so a reader can see that every page says the same.
        assert page.locator('[data-testid="stSidebarNav"]').get_by_text("Country pairs").count() == 1
    # The details are in the server's log, with the traceback the page does not show.
    log = unreadable_server["log"].read_text(errors="replace")
    assert "mpm.dashboard" in log and "Traceback" in log and str(unreadable_server["db"]) in log, log[-3000:]
