"""Refresh the README's picture, docs/screenshot.png: the Overview page of a first run on the bundled sample.

    python tools/screenshot.py [--out docs/screenshot.png]

Run it by hand when the Overview changes; tests never write into the working tree. It starts
`streamlit run app.py` on a free local port against a new store in a temporary folder (so the sample
loads as a newcomer sees it) and photographs the page with Debian's Chromium through Playwright.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.dashboard.browser import browser_page, chromium_path, streamlit_app, wait_idle  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    args = parser.parse_args(argv)
    if chromium_path() is None:
        print("no Chromium found (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "news.db"
        with streamlit_app(ROOT, {"MPM_DB": str(db), "MPM_SAMPLE": "1"}, Path(tmp) / "streamlit.log") as url:
            with browser_page() as page:
                page.goto(url)
                page.wait_for_selector('[data-testid="stSidebar"]')
                wait_idle(page)
                page.wait_for_selector(".js-plotly-plot")
                page.wait_for_selector('[data-testid="stToast"]', state="detached", timeout=15_000)
                page.wait_for_timeout(1000)  # let plotly finish its first layout
                page.screenshot(path=str(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
