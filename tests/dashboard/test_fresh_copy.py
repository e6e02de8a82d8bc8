"""A newcomer's first run (issue 5): a fresh copy of the project with no store, opened in Chromium.

The copy holds exactly what git would give a newcomer (tracked and not-ignored files of this
working tree), with no `MPM_DB` set, so the app uses its default store inside the copy. The page
must load the bundled sample, draw charts and say that it shows sample data; afterwards
`git status` in the copy must be clean, since the store and any cache live in ignored paths.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.dashboard.browser import browser_page, skip_without_chromium, streamlit_app, wait_idle

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]

skip_without_chromium()
if shutil.which("git") is None:
    pytest.skip("git is not installed", allow_module_level=True)


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def fresh_copy(tmp_path) -> Path:
    if not (ROOT / ".git").exists():
        pytest.skip("the project is not a git checkout, so what a newcomer gets is unknown")
    copy = tmp_path / "middle-powers-monitor"
    for name in git(ROOT, "ls-files", "--cached", "--others", "--exclude-standard", "-z").split("\0"):
        if name and (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "-c", "user.name=test", "-c", "user.email=test@example.com", "commit", "-q", "-m", "copy")
    return copy


def test_first_run_from_a_fresh_copy_shows_sample_charts_and_leaves_git_clean(fresh_copy, tmp_path):
    assert not (fresh_copy / "data").exists()
    env = {k: "" for k in ("MPM_DB", "MPM_SOURCES", "MPM_SAMPLE") if k in os.environ}
    with streamlit_app(fresh_copy, env, tmp_path / "streamlit.log") as url, browser_page() as page:
        page.goto(url)
        page.wait_for_selector('[data-testid="stSidebar"]')
        wait_idle(page)
        page.wait_for_selector(".js-plotly-plot")
        page.get_by_text("Illustrative sample data").first.wait_for()
        assert page.locator(".js-plotly-plot").count() >= 2
    assert (fresh_copy / "data" / "news.db").exists()
    assert git(fresh_copy, "status", "--porcelain") == ""
