"""What the real-browser tests share: finding Chromium, starting `streamlit run`, a Playwright page.

Kept out of the test modules so that the first-run test on a fresh copy of the project and the
page tests on the project itself start the app in exactly the same way.
"""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pytest

from tools import streamlit_server

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return CHROMIUM if Path(CHROMIUM).exists() else shutil.which("chromium")


def skip_without_chromium() -> None:
    if chromium_path() is None:
        pytest.skip(
            "no Chromium found at /usr/bin/chromium or on PATH (apt-get install chromium)", allow_module_level=True
        )


@contextlib.contextmanager
def streamlit_app(cwd: Path, env: dict[str, str], log_path: Path):
    """Run `streamlit run app.py` in `cwd` on a free port until the block ends; yields its URL
    (tools/streamlit_server.py: the same start and stop as the benches)."""
    try:
        server = streamlit_server.start(cwd, env, log_path, timeout=120)
    except streamlit_server.DidNotStart as e:
        pytest.fail(str(e))
    try:
        yield server.url
    finally:
        server.stop()


@contextlib.contextmanager
def browser_page():
    """One headless Chromium page (1400×900, downloads accepted) driven by Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            browser.close()


def wait_idle(pg) -> None:
    """Streamlit shows a running indicator while the script runs; wait until it is gone."""
    pg.wait_for_timeout(300)
    pg.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=60_000)


GRID_COLUMN = """name => Array.from(document.querySelectorAll('[data-testid=stDataFrame]')).flatMap(grid => {
  const th = Array.from(grid.querySelectorAll('[role=columnheader]')).find(h => h.innerText === name);
  if (!th) return [];
  const k = th.getAttribute('aria-colindex');
  return Array.from(grid.querySelectorAll(`td[aria-colindex="${k}"]`)).map(td => td.innerText); })"""


def grid_column(pg, header: str) -> list[str]:
    """The visible cells of the columns headed `header` in the page's tables, read from the grids'
    accessible DOM. Found by header, not by position: a table whose rows can be selected numbers its
    cells from the selection column (the Articles page's does), so positions shift by one."""
    return pg.evaluate(GRID_COLUMN, header)
