"""How fast every page is at 10k, 100k and 1M articles: the candidate means side by side, then a real browser.

Stores come from bench/generate_store.py, made once into --out and reused (a million articles take
minutes on two shared cores). For each size:

1. **Candidates, side by side** (seconds of query work for one page, default filters / after a filter
   change to Canada + trade + the last year), each page's queries as dashboard/pages/*.py make them:
   * `sql`: counts/queries.py as the pages used it before, a read-only connection per query;
   * `sql, tuned`: the same SQL on one long-lived connection with a memory map and a 500 MB page
     cache, the best SQLite alone can do without changing the schema;
   * `summary tables`: per-day counts per tag value (what ingest would keep up to date at write time),
     built here into a separate file; it answers the default view, and a filter that crosses tags
     (Canada + trade) cannot be answered from it, so it falls back to SQL;
   * `columns`: counts/columns.py + counts/memory.py, the store's columns in memory (warm); with the
     time to read them from the store the first time, and from their saved file after a restart.
2. **The app in Chromium** (Playwright, /usr/bin/chromium, 1280x900): per page, a fresh
   `streamlit run app.py` and its first load in a new browser (cold: new process, empty caches and an
   empty browser cache; the columns' saved file present, as after any earlier run, and the OS file
   cache warm), then the page in 5 new tabs (warm: a new session on the running server, the browser's
   cache warm; the median), then 3 page switches (in a new tab showing another page of the dashboard,
   a click on the page's name in the sidebar menu: how a reader moves between pages; the median),
   then 2 filter changes, each in a new tab (topics never chosen before, so no result
   is cached; the median). A load ends when the script has run and every chart is drawn.
   Each warm load is split (medians): the page shell (navigation to the first websocket message:
   HTML, Streamlit's scripts, the session), the server's script time and the number of script runs
   it took (logged by bench/timing/sitecustomize.py in the server), the script's messages (first to
   last, as the browser's main thread gets to them) and drawing (last message to every chart drawn).
   For scale, the same browser opens a one-line Streamlit page, and the same with 1 and with 3
   two-point Plotly charts (`floor`, the three interleaved): what any page costs on this machine
   before it draws anything of ours. Servers start through tools/streamlit_server.py.

    python bench/dashboard_bench.py --out /tmp/mpm_bench                  # 10k, 100k, 1M
    python bench/dashboard_bench.py --out /tmp/mpm_bench --sizes 100000 --skip-browser
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_store import generate_store  # noqa: E402

from analysis.groups import load_groups  # noqa: E402
from counts import analytics, columns, memory, queries, stats  # noqa: E402
from counts.queries import Filters  # noqa: E402
from tests.dashboard.test_app import CHARTS, PAGES  # noqa: E402 - the pages, and the charts each draws
from tools import streamlit_server  # noqa: E402

NEW_TOPICS = ["energy", "arctic", "health", "climate", "migration", "technology", "human_rights", "conflict"]


# --- 1. the candidates ------------------------------------------------------------------------------


def page_calls(f: Filters, last: str) -> dict[str, list[tuple[Callable, Filters, tuple]]]:
    """Each page's query calls (the function data.q takes, arguments after the filter), as the pages make them."""
    groups = load_groups()
    focus = f.country or "CAN"
    base = replace(f, country=None, partner=None)
    mp_gp = {
        g.label: tuple(m for m in g.members if m != focus)
        for s, g in groups.items()
        if s in ("middle_powers", "great_powers")
    }
    mp = list(groups["middle_powers"].members)
    w = stats.windows(f.start, f.end, date.fromisoformat(last[:10]), days=30)
    span = (w.baseline_start, w.start, w.end)
    return {
        "Overview": [
            (queries.headline, f, ()),
            (queries.partners, f, (focus, 15)),
            (queries.group_timeseries, f, ("month", mp_gp)),
            (queries.timeseries, f, ("month",)),
            (analytics.window_totals, f, span),
            (analytics.window_counts, f, ("article_countries", "country", *span, (focus,))),
        ],
        "Country pairs": [
            (queries.timeseries, base, ("month",)),
            (queries.partners, base, ("JPN", 1)),
            (queries.timeseries, replace(base, country="CAN", partner="JPN"), ("month",)),
            (analytics.series_tag_timeseries, base, ("month", "pair", "CAN-JPN")),
            (analytics.series_timeseries, base, ("month", "pair", "CAN-JPN")),
            (queries.articles, base, ("", 100, 0, ("pair", "CAN-JPN"))),
        ],
        "Compare": [
            (queries.value_counts, base, ("article_pairs", "pair", 400)),
            (queries.timeseries, base, ("month",)),
            (analytics.series_timeseries, base, ("month", "country", "JPN")),
            (analytics.series_timeseries, base, ("month", "country", "KOR")),
        ],
        "What changed": [
            (analytics.window_totals, f, span),
            (analytics.window_counts, f, ("article_pairs", "pair", *span)),
            (analytics.window_counts, f, ("article_topics", "topic", *span)),
        ],
        "Topics": [
            (queries.value_counts, f, ("article_countries", "country", 15, (focus,))),
            (queries.topic_country, f, ([],)),  # filled in by `run` with the top countries
            (queries.tag_timeseries, f, ("month", "article_topics", "topic")),
        ],
        "Middle powers": [
            (queries.pairs_within, f, (mp,)),
            (analytics.group_degree, f, (mp,)),
            (queries.partners, f, (focus,)),
            (queries.group_counts, f, ({g.label: g.members for g in groups.values()}, (focus,))),
        ],
        "Articles (incl. a search)": [
            (queries.articles, f, ("", 1, 0)),
            (queries.articles, f, ("", 50, 0)),
            (queries.articles, f, ("canada OR japan -china", 50, 0)),
        ],
        "Sources": [(queries.feed_health, f, ())],
    }


def sql_call(db: str, fn: Callable, f: Filters, args: tuple):
    return fn(db, f, *args)


def run(calls, call) -> float:
    start = time.perf_counter()
    top = None
    for fn, f, args in calls:
        if fn is queries.topic_country and top is not None:
            args = (top["value"].tolist(),)
        out = call(fn, f, args)
        if fn is queries.value_counts and args[0] == "article_countries":
            top = out
    return time.perf_counter() - start


def timed(fn, repeat: int = 3) -> float:
    """Median of `repeat` runs (SQLite's and the OS's caches warm after the first, as in a running app)."""
    return statistics.median(fn() for _ in range(repeat))


@contextlib.contextmanager
def tuned_sql(db: str):
    """queries.reader replaced by one long-lived connection with a memory map and a big page cache."""
    conn = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
    conn.execute("PRAGMA mmap_size = 2147483648")
    conn.execute("PRAGMA cache_size = -500000")
    real = queries.reader

    @contextlib.contextmanager
    def shared(_db):
        yield conn

    queries.reader = shared
    analytics.reader = shared
    try:
        yield
    finally:
        queries.reader = real
        analytics.reader = real
        conn.close()


SUMMARY_SQL = {  # (kind, value) per day: what a write-time summary would hold
    "country": "SELECT substr(a.published_at, 1, 10), c.country, COUNT(*) FROM articles a "
    "JOIN article_countries c ON c.article_id = a.id GROUP BY 1, 2",
    "pair": "SELECT substr(a.published_at, 1, 10), p.pair, COUNT(*) FROM articles a "
    "JOIN article_pairs p ON p.article_id = a.id GROUP BY 1, 2",
    "topic": "SELECT substr(a.published_at, 1, 10), t.topic, COUNT(*) FROM articles a "
    "JOIN article_topics t ON t.article_id = a.id GROUP BY 1, 2",
    "all": "SELECT substr(published_at, 1, 10), '', COUNT(*) FROM articles GROUP BY 1",
}


def summary_candidate(db: str, folder: Path) -> tuple[float, float]:
    """Build per-day summary tables in their own file (the bench's stand-in for tables ingest would
    keep current at write time) and time the Overview's default figures read from them."""
    path = folder / (Path(db).stem + ".summary.db")
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    out = sqlite3.connect(path)
    out.execute("CREATE TABLE daily (day TEXT, kind TEXT, value TEXT, n INTEGER)")
    src = sqlite3.connect(f"{Path(db).resolve().as_uri()}?mode=ro", uri=True)
    for kind, sql in SUMMARY_SQL.items():
        out.executemany(f"INSERT INTO daily VALUES (?, '{kind}', ?, ?)", src.execute(sql))
    out.execute("CREATE INDEX daily_kind ON daily(kind, value, day)")
    out.commit()
    build = time.perf_counter() - started

    def overview():
        out.execute("SELECT SUM(n) FROM daily WHERE kind = 'all'").fetchone()
        out.execute(
            "SELECT value, SUM(n) FROM daily WHERE kind = 'pair' AND value LIKE '%CAN%' GROUP BY value "
            "ORDER BY 2 DESC LIMIT 15"
        ).fetchall()
        out.execute("SELECT substr(day, 1, 7), SUM(n) FROM daily WHERE kind = 'all' GROUP BY 1").fetchall()
        # Middle and great powers: an article naming two members counts once, which per-value counts
        # cannot tell; summing them overcounts (a limit of the means, shown here at its best).
        out.execute(
            "SELECT substr(day, 1, 7), SUM(n) FROM daily WHERE kind = 'country' AND value IN "
            "('AUS','JPN','KOR','MEX','IDN','TUR','IND') GROUP BY 1"
        ).fetchall()
        out.execute(
            "SELECT value, SUM(n) FROM daily WHERE kind = 'country' AND day >= date('now', '-120 days') GROUP BY value"
        ).fetchall()

    query = timed(lambda: _time(overview))
    src.close()
    out.close()
    return build, query


def _time(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def candidates(db: str, folder: Path) -> dict[str, str]:
    """One line per candidate: seconds for each page (default / after a filter change)."""
    status = queries.store_status(db)
    last = status["last"]
    end = date.fromisoformat(last[:10])
    changed = Filters(start=end - timedelta(days=364), country="CAN", topics=("trade",))
    default_calls, changed_calls = page_calls(Filters(), last), page_calls(changed, last)
    rows: dict[str, dict[str, str]] = {}

    def measure(label, call):
        for page in default_calls:
            a = timed(lambda p=page: run(default_calls[p], call))
            b = timed(lambda p=page: run(changed_calls[p], call))
            rows.setdefault(page, {})[label] = f"{a:.2f} / {b:.2f}"

    measure("sql", lambda fn, f, args: sql_call(db, fn, f, args))
    with tuned_sql(db):
        measure("sql, tuned", lambda fn, f, args: sql_call(db, fn, f, args))
    os.environ["MPM_ENGINE"] = "on"
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MPM_CACHE_DIR"] = cache
        columns.forget()
        version = queries.store_version(db)
        started = time.perf_counter()
        held = columns.get(db, version)
        read = time.perf_counter() - started
        columns.save(held, db)
        columns.forget()
        started = time.perf_counter()
        held = columns.get(db, version)
        loaded = time.perf_counter() - started

        def fast(fn, f, args):
            ported = memory.FUNCTIONS.get(memory.name_of(fn))
            return ported(held, db, f, *args) if ported else sql_call(db, fn, f, args)

        measure("columns", fast)
    columns.forget()
    build, query = summary_candidate(db, folder)
    rows["Overview"]["summary tables"] = f"{query:.2f} / (falls back to sql)"
    rows["reading them (first time / after a restart)"] = {
        "columns": f"{read:.2f} / {loaded:.2f}",
        "summary tables": f"{build:.2f} (all days)",
    }
    return rows


# --- 2. the app in a real browser -----------------------------------------------------------------


TIMING = ROOT / "bench" / "timing"  # its sitecustomize.py logs each script run of the server


@contextlib.contextmanager
def server(db: str, cache: str, log: Path, runs: Path | None = None):
    """The app on a free port (tools/streamlit_server.py), on this store, with the saved columns in
    `cache`; with `runs`, each script run's seconds are appended there (bench/timing/)."""
    env: dict[str, str | None] = {"MPM_DB": db, "MPM_SAMPLE": "0", "MPM_CACHE_DIR": cache, "MPM_ENGINE": None}
    if runs is not None:
        env |= {
            "PYTHONPATH": os.pathsep.join([str(TIMING), os.environ.get("PYTHONPATH", "")]),
            "MPM_BENCH_RUNS": str(runs),
        }
    with streamlit_server.running(ROOT, env, log, append=True, timeout=120) as url:
        yield url


READY = """n => { const app = document.querySelector('[data-testid=stApp]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!window.__mpmRan) return false;
  const plots = Array.from(document.querySelectorAll('.js-plotly-plot'));
  if (plots.length < n || !plots.every(p => p._fullLayout)) return false;
  return n > 0 || document.querySelector('[data-testid=stDataFrame]') !== null; }"""
WATCH = """() => { window.__mpmRan = false; const app = document.querySelector('[data-testid=stApp]');
  new MutationObserver(() => { if (app.getAttribute('data-test-script-state') === 'running') window.__mpmRan = true; })
    .observe(app, {attributes: true}); }"""


# Every page of a context notes when each websocket message arrives, so a load splits into: the page
# shell (HTML, Streamlit's scripts, the session opened: navigation to the first message), the script's
# messages (first to last), and drawing (last message to every chart drawn).
STAMP_MESSAGES = """window.__mpmWs = []; const Real = window.WebSocket;
  window.WebSocket = function (...args) { const ws = new Real(...args);
    ws.addEventListener('message', () => window.__mpmWs.push(performance.now())); return ws; };
  window.WebSocket.prototype = Real.prototype; Object.assign(window.WebSocket, Real);"""
WARM_LOADS = 5  # warm loads per page; the tables show their median
FILTER_CHANGES = 2


def page_url(url: str, path: str) -> str:
    """The address of a page of the app (the Overview is the default page, at the root)."""
    return f"{url}/{'' if path == 'overview' else path}"


def load(page, url: str, path: str, charts: int) -> float:
    """Seconds from asking for the page to its last chart drawn."""
    started = time.perf_counter()
    page.goto(page_url(url, path))
    page.wait_for_selector('[data-testid="stSidebar"]', timeout=120_000)
    page.evaluate("() => { window.__mpmRan = true; }")  # the first run began with the page
    page.wait_for_function(READY, arg=charts, timeout=120_000, polling=20)
    return time.perf_counter() - started


def split(page) -> dict[str, float]:
    """Where a load that just ended went, in the browser's clock (seconds since navigation)."""
    shell, last, drawn = page.evaluate(
        "() => [window.__mpmWs[0], window.__mpmWs[window.__mpmWs.length - 1], performance.now()]"
    )
    return {"shell": shell / 1000, "messages": (last - shell) / 1000, "draw": (drawn - last) / 1000}


def server_runs(runs: Path, seen: int) -> tuple[list[float], int]:
    """Script runs logged since line `seen` (bench/timing/sitecustomize.py): their seconds, and the new count."""
    if not runs.exists():
        return [], seen
    lines = runs.read_text().splitlines()
    return [json.loads(line)["seconds"] for line in lines[seen:]], len(lines)


def change_filter(page, topic: str, charts: int) -> float:
    """Seconds from choosing a topic in the sidebar to the page redrawn with it."""
    from counts import labels

    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(has_text="Topic")
    box.click()
    page.keyboard.type(labels.topic(topic))
    page.evaluate(WATCH)
    started = time.perf_counter()
    page.keyboard.press("Enter")
    page.wait_for_function(READY, arg=charts, timeout=120_000, polling=20)
    elapsed = time.perf_counter() - started
    page.keyboard.press("Escape")
    return elapsed


SWITCHES = 3  # page switches per page; the tables show their median


def switch_to(page, url: str, path: str, charts: int) -> float:
    """Seconds from a click on the page's name in the sidebar menu, in a tab where another page of the
    dashboard is open (Streamlit's scripts and Plotly already loaded: the first chart page a tab shows
    pays for loading Plotly once), to its last chart drawn: how a reader moves between pages."""
    start_at = "pairs" if path == "overview" else "overview"  # a chart page: Plotly is loaded
    load(page, url, start_at, CHARTS[start_at])
    link = page.locator(f'[data-testid="stSidebarNav"] a[href="{page_url(url, path)}"]')
    page.evaluate(WATCH)
    started = time.perf_counter()
    link.click()
    page.wait_for_function(READY, arg=charts, timeout=120_000, polling=20)
    return time.perf_counter() - started


def launch(p):
    return p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])


def browser_times(db: str, cache: str, log: Path, pages: list[str] = PAGES) -> tuple[dict[str, str], dict[str, str]]:
    """Per page: (cold / warm / page switch / filter change), and where a warm load goes (medians of WARM_LOADS)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    out, parts = {}, {}
    med = statistics.median
    with sync_playwright() as p, tempfile.TemporaryDirectory() as tmp:
        browser = launch(p)
        try:
            for i, path in enumerate(pages):
                runs = Path(tmp) / f"runs-{path}.jsonl"
                with server(db, cache, log, runs) as url:
                    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                    ctx.add_init_script(STAMP_MESSAGES)
                    first = ctx.new_page()
                    cold = load(first, url, path, CHARTS[path])  # new server, empty browser cache
                    first.close()
                    _, seen = server_runs(runs, 0)
                    warm, split_of, run_counts, run_seconds = [], [], [], []
                    for _ in range(WARM_LOADS):
                        page = ctx.new_page()  # a new tab: a new session, the browser's cache warm
                        warm.append(load(page, url, path, CHARTS[path]))
                        split_of.append(split(page))
                        times, seen = server_runs(runs, seen)
                        run_counts.append(len(times))
                        run_seconds.append(sum(times))
                        page.close()
                    switches = []
                    for _ in range(SWITCHES):  # each in a new tab that opened another page first
                        page = ctx.new_page()
                        switches.append(switch_to(page, url, path, CHARTS[path]))
                        page.close()
                    changes = []
                    for k in range(FILTER_CHANGES):  # each in a new tab: one topic chosen, never two
                        page = ctx.new_page()
                        load(page, url, path, CHARTS[path])
                        try:
                            changes.append(change_filter(page, NEW_TOPICS[(i + k) % len(NEW_TOPICS)], CHARTS[path]))
                        except PlaywrightTimeout:  # reported in the table, and the other pages still measured
                            print(f"  {path}: a filter change did not finish in 120 s", file=sys.stderr)
                        page.close()
                    ctx.close()
                change = f"{med(changes):.2f}" if changes else "timed out"
                out[path] = f"{cold:.2f} / {med(warm):.2f} / {med(switches):.2f} / {change}"
                have_runs = runs.exists()
                parts[path] = " / ".join(
                    [
                        f"{med(warm):.2f}",
                        f"{med(s['shell'] for s in split_of):.2f}",
                        f"{med(run_seconds):.2f}" if have_runs else "n/a",
                        f"{med(s['messages'] for s in split_of):.2f}",
                        f"{med(s['draw'] for s in split_of):.2f}",
                        f"{max(run_counts)}" if have_runs else "n/a",
                    ]
                )
                print(
                    f"  {path}: cold / warm / page switch / filter change {out[path]}; warm split {parts[path]}",
                    file=sys.stderr,
                )
        finally:
            browser.close()
    return out, parts


FLOOR_APP = "import streamlit as st\nst.sidebar.write('filters')\nst.title('A page')\nst.write('hello')\n"
FLOOR_PLOT = (
    "import plotly.graph_objects as go\n"
    "for i in range({n}):\n"
    "    st.plotly_chart(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), key=f'c{{i}}')\n"
)


def floors(log: Path, charts: tuple[int, ...] = (0, 1, 3), loads: int = WARM_LOADS) -> dict[int, str]:
    """A one-line Streamlit page, and the same with 1 and 3 two-point Plotly charts, in the same
    browser: cold (the first load) / warm (median of `loads` new tabs), the variants interleaved."""
    from playwright.sync_api import sync_playwright

    ready = "n => document.querySelectorAll('.js-plotly-plot').length >= n && "
    ready += "Array.from(document.querySelectorAll('.js-plotly-plot')).every(p => p._fullLayout)"
    with contextlib.ExitStack() as stack, sync_playwright() as p:
        urls = {}
        for n in charts:
            folder = Path(stack.enter_context(tempfile.TemporaryDirectory()))
            (folder / "app.py").write_text(FLOOR_APP + (FLOOR_PLOT.format(n=n) if n else ""))
            urls[n] = stack.enter_context(streamlit_server.running(folder, {}, log, append=True, timeout=120))
        browser = launch(p)
        try:
            ctx = {n: browser.new_context(viewport={"width": 1280, "height": 900}) for n in charts}
            times: dict[int, list[float]] = {n: [] for n in charts}
            for _ in range(loads + 1):
                for n in charts:
                    page = ctx[n].new_page()
                    started = time.perf_counter()
                    page.goto(urls[n])
                    page.get_by_text("hello").wait_for()
                    page.wait_for_function(ready, arg=n, polling=20)
                    times[n].append(time.perf_counter() - started)
                    page.close()
            return {n: f"{t[0]:.2f} / {statistics.median(t[1:]):.2f}" for n, t in times.items()}
        finally:
            browser.close()


def first_ever(db: str, log: Path) -> float:
    """The Overview on a fresh server with no saved columns (the very first start on a store)."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as cache, sync_playwright() as p:
        browser = launch(p)
        try:
            with server(db, cache, log) as url:
                ctx = browser.new_context(viewport={"width": 1280, "height": 900})
                return load(ctx.new_page(), url, "overview", CHARTS["overview"])
        finally:
            browser.close()


def prepare_saved_columns(db: str, cache: str) -> None:
    """The columns' saved file, as any earlier run of the dashboard leaves it."""
    os.environ["MPM_CACHE_DIR"] = cache
    os.environ["MPM_ENGINE"] = "auto"
    columns.forget()
    held = columns.get(db, queries.store_version(db))
    if held is not None:
        columns.save(held, db)
    columns.forget()


def table(title: str, results: dict[str, dict[int, str]], sizes: list[int]) -> None:
    print(f"\n| {title} | " + " | ".join(f"{n:,} articles" for n in sizes) + " |")
    print("| --- | " + " | ".join("---:" for _ in sizes) + " |")
    for name, row in results.items():
        print(f"| {name} | " + " | ".join(row.get(n, "") for n in sizes) + " |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--out", default=str(ROOT / "bench" / "out"), help="where the stores are made and kept")
    parser.add_argument("--regenerate", action="store_true", help="rebuild stores that already exist")
    parser.add_argument("--skip-candidates", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--pages", nargs="+", choices=PAGES, default=PAGES, help="the pages measured in Chromium")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cand: dict[str, dict[int, str]] = {}
    pages: dict[str, dict[int, str]] = {}
    split_rows: dict[str, dict[int, str]] = {}
    for n in args.sizes:
        db = out / f"store_{n}.db"
        if args.regenerate or not db.exists():
            started = time.perf_counter()
            generate_store(db, n)
            print(f"generated {db.name} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        from store import open_store

        open_store(db).close()  # the schema as the app will find it (migrations run once)
        if not args.skip_candidates:
            for page, row in candidates(str(db), out).items():
                for label, value in row.items():
                    cand.setdefault(f"{page}: {label}", {})[n] = value
            print(f"candidates done {n:,}", file=sys.stderr)
        if not args.skip_browser:
            cache = str(out / "columns-cache")
            prepare_saved_columns(str(db), cache)
            times, parts = browser_times(str(db), cache, out / "streamlit.log", args.pages)
            for path, value in times.items():
                pages.setdefault(path, {})[n] = value
            for path, value in parts.items():
                split_rows.setdefault(path, {})[n] = value
            pages.setdefault("first start ever, Overview (no saved columns)", {})[n] = (
                f"{first_ever(str(db), out / 'streamlit.log'):.2f}"
            )
            pages.setdefault("store size (MB)", {})[n] = f"{db.stat().st_size / 1e6:.0f}"
            print(f"browser done {n:,}", file=sys.stderr)
    if pages:
        floor = floors(out / "streamlit.log")
        for charts, value in floor.items():
            what = "a one-line Streamlit page" if not charts else f"the same with {charts} two-point Plotly chart(s)"
            pages[f"floor: {what}, cold / warm"] = {args.sizes[0]: value}
    sizes = args.sizes
    if cand:
        table("seconds of query work (default / after a filter change)", cand, sizes)
    if pages:
        table("seconds in Chromium (cold / warm new tab / page switch / filter change)", pages, sizes)
        table(
            "a warm load split: total / page shell / server script / script messages / drawing / script runs",
            split_rows,
            sizes,
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
