"""How the dashboard's cost grows with the store: each page's queries at 10k, 100k and 1M articles.

For every size a store is generated once into bench/out/ (git-ignored) by bench/generate_store.py.
Then, with every cache cold:
  * each page's queries (the same calls, in the same order, as dashboard/pages/*.py make them)
    are timed with the default filters and after a filter change (country + topic + one year);
  * the whole app is run through streamlit's AppTest: the first page (Overview) as a browser
    session opens it, and a filter change on it (a new topic, never cached before).
The targets (issue 4) are for 200,000 articles on 2 cores: first page < 3 s, filter change < 1 s.

    python bench/dashboard_bench.py                      # 10k, 100k, 1M
    python bench/dashboard_bench.py --sizes 200000       # the target size
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from analysis.groups import load_groups  # noqa: E402
from dashboard import queries as q  # noqa: E402
from dashboard.queries import Filters  # noqa: E402
from generate_store import generate_store  # noqa: E402

OUT = ROOT / "bench" / "out"


def page_queries(db: str, f: Filters, last: str) -> dict[str, callable]:
    """Each page's query calls, mirroring dashboard/pages/*.py (focus country Canada)."""
    groups = load_groups()
    focus = f.country or "CAN"
    mp_gp = {g.label: tuple(m for m in g.members if m != focus)
             for s, g in groups.items() if s in ("middle_powers", "great_powers")}
    mp = list(groups["middle_powers"].members)
    scope = Filters(**{**f.__dict__, "country": focus, "partner": "JPN"})

    def overview():
        q.headline(db, f)
        q.partners(db, f, focus, 15)
        q.group_timeseries(db, f, "month", mp_gp)
        q.timeseries(db, f, "month")
        q.movers(db, f, exclude=(focus,), limit=12, days=30, last=last)

    def pairs():
        q.timeseries(db, f, "month")
        q.timeseries(db, scope, "month")
        q.tag_timeseries(db, scope, "month", "article_topics", "topic")
        q.articles(db, scope, "", 100, 0)

    def topics():
        top = q.value_counts(db, f, "article_countries", "country", 15, (focus,))
        q.topic_country(db, f, top["value"].tolist())
        q.tag_timeseries(db, f, "month", "article_topics", "topic")

    def middle_powers():
        q.pairs_within(db, f, mp)
        q.partners(db, f, focus)
        q.group_counts(db, f, {g.label: g.members for g in groups.values()}, exclude=(focus,))

    def articles():
        q.articles(db, f, "", 1, 0)
        q.articles(db, f, "", 50, 0)
        q.articles(db, f, "canada japan", 50, 0)

    def sources():
        q.feed_health(db, f)

    return {"store status (every page)": lambda: q.store_status(db), "Overview": overview,
            "Country pairs": pairs, "Topics": topics, "Middle powers": middle_powers,
            "Articles (incl. a search)": articles, "Sources": sources}


def timed(fn, repeat: int = 3) -> float:
    """Median wall time of `repeat` runs (SQLite's page cache warm after the first, as in the app)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def app_times(db: str) -> tuple[float, float]:
    """AppTest: the Overview as a new session opens it, then a filter change (a new topic)."""
    from streamlit.testing.v1 import AppTest
    os.environ["MPM_DB"] = db
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()  # imports, plotly warm-up
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    start = time.perf_counter()
    at.run()
    first = time.perf_counter() - start
    assert not at.exception, at.exception
    at.multiselect(key="f_topics").set_value(["energy"])
    start = time.perf_counter()
    at.run()
    change = time.perf_counter() - start
    assert not at.exception, at.exception
    return first, change


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--regenerate", action="store_true", help="rebuild stores that already exist")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[int, str]] = {}
    for n in args.sizes:
        db = OUT / f"store_{n}.db"
        if args.regenerate or not db.exists():
            start = time.perf_counter()
            generate_store(db, n)
            print(f"generated {db.name} in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        status = q.store_status(str(db))
        last = status["last"]
        end = date.fromisoformat(last[:10])
        changed = Filters(start=end - timedelta(days=364), country="CAN", topics=("trade",))
        default_pages = page_queries(str(db), Filters(), last)
        changed_pages = page_queries(str(db), changed, last)
        for name, fn in default_pages.items():
            base = timed(fn)
            if name.startswith("store status"):
                results.setdefault(name, {})[n] = f"{base:.2f}"
                continue
            after = timed(changed_pages[name])
            results.setdefault(name, {})[n] = f"{base:.2f} / {after:.2f}"
        first, change = app_times(str(db))
        results.setdefault("App: first page (Overview, cold)", {})[n] = f"{first:.2f}"
        results.setdefault("App: filter change (Overview, new topic)", {})[n] = f"{change:.2f}"
        results.setdefault("Store size (MB)", {})[n] = f"{db.stat().st_size / 1e6:.0f}"
        print(f"done {n:,}", file=sys.stderr)
    sizes = args.sizes
    print("| seconds (default filters / after a filter change) | " + " | ".join(f"{n:,} articles" for n in sizes) + " |")
    print("| --- | " + " | ".join("---:" for _ in sizes) + " |")
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(row.get(n, "") for n in sizes) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
