"""The dashboard in a real headless Chromium against `streamlit run app.py`.

One server for the module, started on a free port with MPM_DB pointing at a store that does not
exist yet: the first visit must load the bundled sample (the newcomer's first run). The tests
then add two hostile articles (an HTML-injection title, a formula title) and check that the page
shows them as text and the CSV neutralizes them. One browser page is reused throughout.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.dashboard.browser import browser_page, grid_column, skip_without_chromium, streamlit_app, wait_idle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
XSS_TITLE = '<img src=x onerror="window.__pwned=1">'
FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'
CHARTS = {"": 3, "pairs": 2, "topics": 2, "middle_powers": 3}

skip_without_chromium()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "fresh" / "news.db"
    with streamlit_app(ROOT, {"MPM_DB": str(db), "MPM_SAMPLE": "1"}, db.parent.parent / "streamlit.log") as url:
        yield {"url": url, "db": db}


@pytest.fixture(scope="module")
def page(server):
    with browser_page() as pg:
        yield pg


def go(pg, server, path: str = "") -> None:
    pg.goto(f"{server['url']}/{path}")
    pg.wait_for_selector('[data-testid="stSidebar"]')
    wait_idle(pg)


def test_first_run_loads_sample_and_draws_charts(page, server, tmp_path):
    go(page, server)
    page.wait_for_selector(".js-plotly-plot")
    page.get_by_text("Illustrative sample data").first.wait_for()
    assert page.locator(".js-plotly-plot").count() == CHARTS[""]
    page.wait_for_selector('[data-testid="stToast"]', state="detached", timeout=15_000)  # "sample loaded"
    # Loading the sample asked no feed: no "last attempt 0 min ago" under the figures (seen on a first run).
    page.get_by_text("No new articles fetched yet.").first.wait_for()
    assert page.get_by_text("last attempt").count() == 0
    page.wait_for_timeout(1000)  # let plotly finish its first layout before the picture
    shot = tmp_path / "overview.png"  # the README's picture is refreshed by tools/screenshot.py, not by tests
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000


def add_hostile_articles(db: Path) -> None:
    from store import open_store

    conn = open_store(db)
    conn.execute("BEGIN")
    for i, title in enumerate((XSS_TITLE, FORMULA_TITLE)):
        aid = conn.execute(
            "INSERT INTO articles (url, title, summary, published_at, source, lang, fetched_at, is_sample) "
            "VALUES (?, ?, 'hostile test item', ?, 'Test Wire', 'en', ?, 1)",
            (f"https://example.com/hostile/{i}", title, f"2026-11-2{4 + i}T12:00:00Z", f"2026-11-2{4 + i}T12:00:00Z"),
        ).lastrowid
        conn.execute("INSERT INTO article_countries VALUES (?, 'CAN'), (?, 'JPN')", (aid, aid))
        conn.execute("INSERT INTO article_pairs VALUES (?, 'CAN-JPN', 'CAN', 'JPN')", (aid,))
    conn.execute("COMMIT")
    conn.close()


@pytest.mark.parametrize("path", ["pairs", "topics", "middle_powers"])
def test_charts_drawn_on_every_chart_page(page, server, path):
    go(page, server, path)
    page.wait_for_selector(".js-plotly-plot")
    assert page.locator(".js-plotly-plot").count() == CHARTS[path]
    assert page.get_by_text("Illustrative sample data").count() >= 1
    if path == "middle_powers":  # the world map's base layer is served locally, so it draws offline
        page.wait_for_selector("path.choroplethlocation", state="attached")


def test_table_pages_draw(page, server):
    for path in ("articles", "sources"):
        go(page, server, path)
        page.wait_for_selector('[data-testid="stDataFrame"]')
        assert page.get_by_text("Illustrative sample data").count() >= 1


def until(check, timeout: float = 30.0) -> None:
    """Poll a condition on the page (Streamlit redraws in several messages after a rerun)."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within the timeout")
        time.sleep(0.2)


def caption_total(pg) -> str:
    return pg.get_by_text(" articles", exact=False).filter(has_text="–").first.inner_text()


def test_filter_set_in_the_ui_changes_the_table_and_url(page, server):
    go(page, server, "articles")
    before = grid_column(page, "Title")
    total_before = caption_total(page)
    page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Language").click()
    page.keyboard.type("French")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_idle(page)
    page.wait_for_function("() => location.search.includes('lang=fr')")
    until(lambda: caption_total(page) != total_before)
    until(lambda: grid_column(page, "Title") != before)
    from counts.queries import Filters, articles

    french = articles(str(server["db"]), Filters(langs=("fr",)), limit=1)[1]
    assert caption_total(page).endswith(f"of {french:,} articles")
    # The copied link reopens the same view in a new session.
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)
    wait_idle(page)
    until(lambda: caption_total(page).endswith(f"of {french:,} articles"))
    page.locator('[data-testid="stSidebar"]').get_by_role("button", name="Reset filters").click()
    wait_idle(page)
    page.wait_for_function("() => !location.search.includes('lang=')")


def test_hostile_titles_show_as_text_and_csv_is_neutralized(page, server, tmp_path):
    add_hostile_articles(server["db"])
    go(page, server, "articles")
    search = page.get_by_test_id("stTextInputField")
    search.fill("hostile test item")
    search.press("Enter")
    wait_idle(page)
    page.wait_for_function("() => location.search.includes('q=')")
    until(lambda: set(grid_column(page, "Title")) == {XSS_TITLE, FORMULA_TITLE})
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("() => typeof window.__pwned") == "undefined"

    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").first.click()
    path = tmp_path / "articles.csv"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text and '"=HYPERLINK' not in text
    assert XSS_TITLE.replace('"', '""') in text

    # The same titles on the Country pairs page (CAN-JPN by default) stay text too.
    go(page, server, "pairs")
    page.wait_for_selector(".js-plotly-plot")
    until(lambda: XSS_TITLE in grid_column(page, "Title"))
    assert page.locator('img[src="x"]').count() == 0
    assert page.evaluate("() => typeof window.__pwned") == "undefined"


TRUNCATED = """() => [...document.querySelectorAll('[data-testid="stPageLink-NavLink"] *')]
    .filter(e => e.children.length === 0 && e.innerText && e.innerText.includes('Fetch live'))
    .map(e => [e.innerText, e.scrollWidth, e.clientWidth])"""


def test_the_sample_notice_shows_its_link_whole_at_1280_px(page, server):
    """At 1280 px with the sidebar open the notice's link read "Fetch live feec" (three columns)."""
    page.set_viewport_size({"width": 1280, "height": 900})
    try:
        for path in ("", "sources"):
            go(page, server, path)
            page.locator('[data-testid="stPageLink-NavLink"]').filter(has_text="Fetch live feeds").first.wait_for()
            wait_idle(page)
            labels = page.evaluate(TRUNCATED)
            assert labels, "the notice's Fetch live feeds link is not drawn"
            assert all(scroll <= client for _text, scroll, client in labels), labels
    finally:
        page.set_viewport_size({"width": 1400, "height": 900})
