"""Soak test: `python -m ingest --watch`, a second writer and dashboard sessions on one store (issue 11).

For --minutes (default 30), on loopback only:

- a threaded HTTP server on 127.0.0.1 serves --feeds RSS feeds whose items rotate: every few seconds
  each feed gets one or two new items and drops its oldest beyond 30. Half the feeds send an ETag
  (so an unchanged feed answers 304), half send no validators (so every fetch re-reads items that are
  already stored). Some items are cross-posted to the next feed under another tracking parameter, so
  two feeds carry one canonical link. Phases alternate: 60 s of new items, 30 s without, so the
  store's growth and the number of runs do not move together (see "memory" below);
- `python -m ingest --watch --every 5s` fetches them, as a deployment would;
- a second writer, `python -m ingest --force` on another source list (a mirror feed re-serving every
  feed's newest items under other tracking parameters, plus one feed of the main list), runs every
  few seconds in its own process, so two processes insert the same links at the same time;
- --sessions dashboard sessions (streamlit's AppTest, each in its own process) load every page with
  varying filters and searches, and --browser sessions load every page of a real `streamlit run`
  server on 127.0.0.1 in headless Chromium.

It stops by itself: at the end the feeds stop rotating, the second writer finishes its run, the
watcher completes two more runs, and everything is stopped. Then it checks, and exits 1 if any fails:

- every link the server ever served is stored exactly once (canonical URL), and nothing else is;
- `PRAGMA integrity_check` is ok, foreign keys hold, the full-text index matches the table;
- memory is flat once the store's growth is taken out: the watcher's RSS after each run (after a
  warm-up) is fitted as a + b*articles + c*runs; the drift c*runs over the soak must stay under
  DRIFT_LIMIT_MB;
- no page showed an error (an exception, an error box, or a traceback's words) in any session, and
  neither ingest process wrote a traceback.

    python bench/soak.py --minutes 3             # a short soak
    python bench/soak.py                         # 30 minutes
    python bench/soak.py --minutes 3 --browser 0 --keep /tmp/soak   # no Chromium; keep the files
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ingest.normalize import canonical_url  # noqa: E402
from ingest.opml import Source, save_opml  # noqa: E402
from tests.ingest.feedserver import FeedServer, Route, headline, rss  # noqa: E402
from tools import streamlit_server  # noqa: E402

WINDOW = 30  # items a feed keeps
TICK_S = 4.0  # seconds between two rotations
BUSY_S, QUIET_S = 60.0, 30.0
WATCH_EVERY = "5s"
WRITER_EVERY_S = 7.0
WARMUP_RUNS = 3  # the first runs import the tagger and pandas
DRIFT_LIMIT_MB = 10.0
PAGES = ["overview", "pairs", "topics", "middle_powers", "articles", "sources"]
FILTERS = [
    {},
    {"topic": "trade"},
    {"country": "CAN"},
    {"unit": "stories"},
    {"lang": "en"},
    {"country": "CAN", "partner": "JPN"},
]
SEARCHES = ["canada", "japan trade", "minister", "tariff OR pipeline", '"free trade"', "ottawa*"]
# Words that would mean a page leaked an exception to its reader.
LEAKS = ("Traceback", "sqlite3.", "OperationalError", "DatabaseError", 'File "')
SUMMARY = re.compile(
    r"ingest: (\d+) ok, (\d+) not modified, (\d+) failed, (\d+) skipped; "
    r"(\d+) new articles in ([\d.]+) s"
)


# ---------------------------------------------------------------- the feeds


class RotatingFeeds:
    """The server's feeds: each keeps its WINDOW newest items; `tick` adds one or two to each.

    Every body is served through a `stream` route so that the links of exactly the bodies that
    went out are recorded (`served`), not the ones that were rotated in and out unseen.
    """

    def __init__(self, server: FeedServer, feeds: int):
        self.server = server
        self.n = feeds
        self.items = [deque(maxlen=WINDOW) for _ in range(feeds)]
        self.lock = threading.Lock()
        self.served: set[str] = set()
        self.seq = 0
        self.version = 0
        self.now = datetime.now(UTC).replace(microsecond=0)
        for _ in range(5):
            self.tick()

    def url(self, i: int) -> str:
        return self.server.url(f"/soak{i}.xml")

    def mirror_url(self) -> str:
        return self.server.url("/mirror.xml")

    def _new_item(self, feed: int) -> dict:
        self.seq += 1
        seq = self.seq
        when = datetime.now(UTC) - timedelta(minutes=seq % 50)
        return {
            "title": f"{headline(seq, 7)} ({seq})",
            "path": f"https://soak{feed}.example.org/story/{seq}",
            "date": format_datetime(when, usegmt=True),
            "description": f"Canada and {['Japan', 'Germany', 'India', 'Mexico', 'Korea'][seq % 5]} "
            f"discussed {['trade', 'defence', 'energy', 'fisheries'][seq % 4]}: item {seq}.",
        }

    def tick(self, new: bool = True) -> None:
        """One or two new items in every feed; with `new` False (a quiet phase) nothing changes,
        so the ETag feeds answer 304 and the others re-serve items that are all stored."""
        if not new:
            return
        with self.lock:
            for i in range(self.n):
                for _ in range(1 + (self.seq + i) % 2):
                    item = self._new_item(i)
                    self.items[i].append({**item, "link": item["path"] + "?cmp=rss"})
                    if item_cross_posted(self.seq):
                        self.items[(i + 1) % self.n].append(
                            {**item, "link": item["path"] + f"?utm_source=soak{i}&utm_medium=rss"}
                        )
            self.version += 1
            for i in range(self.n):
                self._publish(f"/soak{i}.xml", f"Soak feed {i}", list(self.items[i]), etag=i % 2 == 1)
            mirror = [
                {**it, "link": it["path"] + "?utm_medium=mirror"} for feed in self.items for it in list(feed)[-8:]
            ]
            random.Random(self.version).shuffle(mirror)
            self._publish("/mirror.xml", "Soak mirror", mirror, etag=True)

    def _publish(self, path: str, title: str, items: list[dict], etag: bool) -> None:
        body = rss(title, [{k: it[k] for k in ("title", "link", "date", "description")} for it in items])
        links = [it["link"] for it in items]

        def serve(body=body, links=links):
            with self.lock:
                self.served.update(links)
            yield body

        self.server.route(
            path,
            Route(
                stream=serve,
                etag=f'"{path}-{self.version}"' if etag else None,
                headers={"Content-Type": "application/rss+xml"},
            ),
        )


def item_cross_posted(seq: int) -> bool:
    return seq % 5 == 0


# ---------------------------------------------------------------- processes


def rss_kb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def count_articles(db: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
        try:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


class Watcher:
    """`python -m ingest --watch`: its summary lines, and its RSS and the store's size after each run."""

    def __init__(self, db: Path, sources: Path, workdir: Path):
        self.db = db
        self.runs: list[dict] = []
        self.err_path = workdir / "watch.err"
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "ingest",
                "--db",
                str(db),
                "--sources",
                str(sources),
                "--watch",
                "--every",
                WATCH_EVERY,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=open(self.err_path, "w"),
            text=True,
            bufsize=1,
        )
        self.started = time.monotonic()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            match = SUMMARY.search(line)
            if not match:
                continue
            self.runs.append(
                {
                    "t": time.monotonic() - self.started,
                    "rss_kb": rss_kb(self.proc.pid),
                    "articles": count_articles(self.db),
                    "ok": int(match.group(1)),
                    "not_modified": int(match.group(2)),
                    "failed": int(match.group(3)),
                    "new": int(match.group(5)),
                    "seconds": float(match.group(6)),
                }
            )

    def wait_runs(self, more: int, timeout: float) -> bool:
        target, end = len(self.runs) + more, time.monotonic() + timeout
        while len(self.runs) < target and time.monotonic() < end and self.proc.poll() is None:
            time.sleep(0.2)
        return len(self.runs) >= target

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)  # between runs: it is sleeping
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.reader.join(timeout=10)


class SecondWriter(threading.Thread):
    """`python -m ingest --force` on the mirror list, again and again until told to stop."""

    def __init__(self, db: Path, sources: Path, workdir: Path):
        super().__init__(daemon=True)
        self.db, self.sources, self.workdir = db, sources, workdir
        self.halt = threading.Event()
        self.results: list[dict] = []
        self.proc: subprocess.Popen | None = None

    def run(self) -> None:
        while not self.halt.is_set():
            t = time.monotonic()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "ingest", "--db", str(self.db), "--sources", str(self.sources), "--force"],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            out, err = self.proc.communicate()
            match = SUMMARY.search(out)
            self.results.append(
                {
                    "code": self.proc.returncode,
                    "seconds": time.monotonic() - t,
                    "new": int(match.group(5)) if match else None,
                    "failed": int(match.group(3)) if match else None,
                    "stderr": err[-2000:],
                }
            )
            self.halt.wait(WRITER_EVERY_S)


# ---------------------------------------------------------------- dashboard sessions


def session_worker(args) -> None:
    """One dashboard session in its own process: every page through AppTest, until told to stop."""
    os.environ["MPM_DB"] = args.db
    os.environ["MPM_SAMPLE"] = "0"
    os.environ["MPM_READ_ONLY"] = "1"  # a session never presses Fetch latest; the watcher writes
    from streamlit.testing.v1 import AppTest

    rng = random.Random(args.seed)
    stop, until = Path(args.stop), time.time() + args.seconds
    with open(args.out, "a") as out:
        while not stop.exists() and time.time() < until:
            for page in PAGES:
                if stop.exists():
                    break
                params = dict(rng.choice(FILTERS))
                if page == "articles" and rng.random() < 0.7:
                    params["q"] = rng.choice(SEARCHES)
                t = time.monotonic()
                try:
                    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
                    for key, value in params.items():
                        at.query_params[key] = value
                    at.run()
                    if page != "overview":
                        at.switch_page(f"dashboard/pages/{page}.py").run()
                    problems = [f"exception: {e.value}" for e in at.exception]
                    problems += [f"error box: {e.value}" for e in at.error]
                    shown = " ".join(str(m.value) for m in at.markdown) + " ".join(str(c.value) for c in at.caption)
                    problems += [f"leaked {w!r}" for w in LEAKS if w in shown]
                except Exception as exc:  # noqa: BLE001 - the harness failing is a finding too
                    problems = [f"harness: {exc.__class__.__name__}: {exc}"]
                out.write(
                    json.dumps(
                        {
                            "kind": "apptest",
                            "page": page,
                            "params": params,
                            "problems": problems,
                            "seconds": round(time.monotonic() - t, 2),
                        }
                    )
                    + "\n"
                )
                out.flush()


def browser_worker(args) -> None:
    """One reader in headless Chromium on the real server: every page, looking for what a person
    would see go wrong (an exception block, an error box, a traceback's words)."""
    from playwright.sync_api import sync_playwright

    from tests.dashboard.browser import CHROMIUM_ARGS, chromium_path  # the browser tests' own settings

    rng = random.Random(args.seed)
    stop, until = Path(args.stop), time.time() + args.seconds
    with sync_playwright() as p, open(args.out, "a") as out:
        browser = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        page.set_default_timeout(120_000)
        while not stop.exists() and time.time() < until:
            for name in PAGES:
                if stop.exists():
                    break
                path = "" if name == "overview" else name
                if name == "articles":
                    path += "?q=" + rng.choice(SEARCHES).replace(" ", "+").replace('"', "%22")
                t = time.monotonic()
                try:
                    page.goto(f"{args.url}/{path}")
                    page.wait_for_selector('[data-testid="stSidebar"]')
                    page.wait_for_timeout(300)
                    page.wait_for_selector('[data-testid="stStatusWidget"]', state="detached", timeout=120_000)
                    problems = []
                    if page.locator('[data-testid="stException"]').count():
                        problems.append("exception block")
                    for box in page.locator('[data-testid="stAlertContentError"]').all():
                        problems.append(f"error box: {box.inner_text()[:300]}")
                    text = page.locator("body").inner_text()
                    problems += [f"leaked {w!r}" for w in LEAKS if w in text]
                except Exception as exc:  # noqa: BLE001 - a page that never finishes is a finding
                    problems = [f"harness: {exc.__class__.__name__}: {str(exc)[:300]}"]
                out.write(
                    json.dumps(
                        {
                            "kind": "browser",
                            "page": name,
                            "path": path,
                            "problems": problems,
                            "seconds": round(time.monotonic() - t, 2),
                        }
                    )
                    + "\n"
                )
                out.flush()
        browser.close()


def start_streamlit(db: Path, workdir: Path) -> streamlit_server.Server:
    """The dashboard the browser sessions load, read-only on the soak's store (tools/streamlit_server.py)."""
    try:
        return streamlit_server.start(
            ROOT,
            {"MPM_DB": str(db), "MPM_SAMPLE": "0", "MPM_READ_ONLY": "1"},
            workdir / "streamlit.log",
            timeout=60,
        )
    except streamlit_server.DidNotStart as e:
        raise SystemExit(f"soak: {e}") from None


# ---------------------------------------------------------------- checks


def check_links(db: Path, served: set[str]) -> dict:
    expected = {canonical_url(u) for u in served}
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        stored = {}
        for url, n in conn.execute("SELECT url, COUNT(*) FROM articles GROUP BY url"):
            stored[url] = n
        titles_twice = conn.execute(
            "SELECT COUNT(*) FROM (SELECT title FROM articles GROUP BY title HAVING COUNT(*) > 1)"
        ).fetchone()[0]
    finally:
        conn.close()
    return {
        "served_links": len(served),
        "canonical_links": len(expected),
        "stored": len(stored),
        "missing": sorted(expected - set(stored))[:10],
        "missing_count": len(expected - set(stored)),
        "unexpected": sorted(set(stored) - expected)[:10],
        "unexpected_count": len(set(stored) - expected),
        "stored_twice": sum(1 for n in stored.values() if n != 1),
        "titles_twice": titles_twice,
    }


def check_store(db: Path) -> dict:
    conn = sqlite3.connect(str(db))
    try:
        integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        foreign = conn.execute("PRAGMA foreign_key_check").fetchall()
        try:
            conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
            fts = "ok"
        except sqlite3.DatabaseError as exc:
            fts = str(exc)
    finally:
        conn.close()
    return {
        "integrity_check": integrity,
        "foreign_key_violations": len(foreign),
        "fts": fts,
        "bytes": db.stat().st_size,
    }


def memory_fit(runs: list[dict]) -> dict:
    """RSS after each run fitted as a + b*articles + c*run, after the warm-up runs."""
    import numpy as np

    rows = [
        (i, r["articles"], r["rss_kb"] / 1024)
        for i, r in enumerate(runs)
        if i >= WARMUP_RUNS and r["rss_kb"] and r["articles"] >= 0
    ]
    if len(rows) < 6:
        return {"runs_fitted": len(rows), "flat": False, "why": "too few runs to fit"}
    index, articles, rss_mb = (np.array(c, dtype=float) for c in zip(*rows))
    x = np.column_stack([np.ones(len(rows)), articles, index])
    (a, b, c), *_ = np.linalg.lstsq(x, rss_mb, rcond=None)
    drift = c * (index[-1] - index[0])
    residual = rss_mb - x @ np.array([a, b, c])
    return {
        "runs_fitted": len(rows),
        "rss_first_mb": round(rss_mb[0], 1),
        "rss_last_mb": round(rss_mb[-1], 1),
        "rss_min_mb": round(rss_mb.min(), 1),
        "rss_max_mb": round(rss_mb.max(), 1),
        "mb_per_1000_articles": round(b * 1000, 2),
        "mb_per_100_runs": round(c * 100, 2),
        "drift_mb": round(drift, 2),
        "residual_sd_mb": round(float(residual.std()), 2),
        "flat": bool(abs(drift) < DRIFT_LIMIT_MB),
    }


def read_sessions(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# ---------------------------------------------------------------- the soak


def soak(args) -> int:
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="mpm-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    db = workdir / "soak.db"
    for stale in (db, workdir / "sessions.jsonl", workdir / "stop"):
        stale.unlink(missing_ok=True)
    sessions_out, stop_file = workdir / "sessions.jsonl", workdir / "stop"
    seconds = args.minutes * 60
    t0 = time.monotonic()
    print(
        f"soak: {args.minutes:g} min, {args.feeds} feeds, --watch every {WATCH_EVERY}, second writer every "
        f"{WRITER_EVERY_S:g} s, {args.sessions} AppTest + {args.browser} browser sessions; files in {workdir}",
        flush=True,
    )
    children: list[subprocess.Popen] = []
    streamlit = watcher = writer = None
    ok = False
    with FeedServer() as server:
        feeds = RotatingFeeds(server, args.feeds)
        main_list = [
            Source(f"Soak {i}", f"Soak outlet {i}", feeds.url(i), "", "en", "outlet") for i in range(args.feeds)
        ]
        save_opml(workdir / "main.opml", main_list)
        mirror = Source("Soak mirror", "Soak mirror", feeds.mirror_url(), "", "en", "outlet")
        save_opml(workdir / "mirror.opml", [mirror, main_list[0]])  # one feed shared by both writers
        try:
            watcher = Watcher(db, workdir / "main.opml", workdir)
            if not watcher.wait_runs(1, 300):
                raise SystemExit(
                    "soak: the watcher never finished a first run: " + watcher.err_path.read_text()[-2000:]
                )
            writer = SecondWriter(db, workdir / "mirror.opml", workdir)
            writer.start()
            session_seconds = str(seconds + 600)
            for k in range(args.sessions):
                children.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            __file__,
                            "--session-worker",
                            "--db",
                            str(db),
                            "--out",
                            str(sessions_out),
                            "--stop",
                            str(stop_file),
                            "--seed",
                            str(k),
                            "--seconds",
                            session_seconds,
                        ],
                        cwd=ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=open(workdir / f"session{k}.err", "w"),
                    )
                )
            if args.browser:
                streamlit = start_streamlit(db, workdir)
                url = streamlit.url
                for k in range(args.browser):
                    children.append(
                        subprocess.Popen(
                            [
                                sys.executable,
                                __file__,
                                "--browser-worker",
                                "--url",
                                url,
                                "--out",
                                str(sessions_out),
                                "--stop",
                                str(stop_file),
                                "--seed",
                                str(100 + k),
                                "--seconds",
                                session_seconds,
                            ],
                            cwd=ROOT,
                            stdout=subprocess.DEVNULL,
                            stderr=open(workdir / f"browser{k}.err", "w"),
                        )
                    )
            # Rotate: BUSY_S of new items, QUIET_S of the same ones, until the time is up.
            end = t0 + seconds
            while time.monotonic() < end:
                busy = (time.monotonic() - t0) % (BUSY_S + QUIET_S) < BUSY_S
                feeds.tick(new=busy)
                time.sleep(min(TICK_S, max(0.0, end - time.monotonic())))
                if watcher.proc.poll() is not None:
                    raise SystemExit("soak: the watcher exited: " + watcher.err_path.read_text()[-2000:])
            print(f"soak: time is up after {time.monotonic() - t0:.0f} s; stopping the writers", flush=True)
            writer.halt.set()
            writer.join(timeout=120)
            watcher.wait_runs(2, 120)  # two whole runs after the last new item
            ok = True
        finally:
            stop_file.touch()
            if watcher is not None:
                watcher.stop()
            if writer is not None and writer.is_alive():
                writer.halt.set()
                if writer.proc and writer.proc.poll() is None:
                    writer.proc.kill()
            for child in children:
                try:
                    child.wait(timeout=120)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
            if streamlit is not None:
                streamlit.stop(timeout=30)
        served = set(feeds.served)
    return report(args, workdir, db, served, watcher, writer, time.monotonic() - t0, ok)


def report(
    args,
    workdir: Path,
    db: Path,
    served: set[str],
    watcher: Watcher,
    writer: SecondWriter,
    elapsed: float,
    finished: bool,
) -> int:
    links, store = check_links(db, served), check_store(db)
    memory = memory_fit(watcher.runs)
    pages = read_sessions(workdir / "sessions.jsonl")
    bad_pages = [p for p in pages if p["problems"]]
    watch_err = watcher.err_path.read_text()
    writer_tracebacks = sum("Traceback" in r["stderr"] for r in writer.results)
    run_seconds = sorted(r["seconds"] for r in watcher.runs)
    log = (workdir / "streamlit.log").read_text(errors="replace") if (workdir / "streamlit.log").exists() else ""
    checks = {
        "finished on time": finished,
        "every served link stored exactly once": links["missing_count"] == 0
        and links["unexpected_count"] == 0
        and links["stored_twice"] == 0
        and links["titles_twice"] == 0,
        "integrity_check ok, foreign keys, FTS": store["integrity_check"] == ["ok"]
        and store["foreign_key_violations"] == 0
        and store["fts"] == "ok",
        "watcher memory flat": memory.get("flat", False),
        "no page showed an error": not bad_pages and len(pages) > 0,
        "no traceback from ingest": "Traceback" not in watch_err
        and writer_tracebacks == 0
        and all(r["code"] == 0 for r in writer.results),
        "no traceback in the server log": "Traceback" not in log,
    }
    by_kind: dict[str, list[float]] = {}
    for p in pages:
        by_kind.setdefault(p["kind"], []).append(p["seconds"])
    print()
    print(
        f"soak: {elapsed / 60:.1f} min (asked {args.minutes:g}), {os.cpu_count()} cores, "
        f"python {sys.version.split()[0]}, files in {workdir}"
    )
    print("| measure | value |")
    print("| --- | --- |")
    rows = [
        (
            "watcher runs (ok / 304 / failed feed fetches)",
            f"{len(watcher.runs)} ({sum(r['ok'] for r in watcher.runs)} / {sum(r['not_modified'] for r in watcher.runs)}"
            f" / {sum(r['failed'] for r in watcher.runs)})",
        ),
        (
            "run time: median / max (s)",
            f"{run_seconds[len(run_seconds) // 2]:.1f} / {run_seconds[-1]:.1f}" if run_seconds else "-",
        ),
        (
            "second writer runs (exit 0) / articles it stored",
            f"{len(writer.results)} ({sum(r['code'] == 0 for r in writer.results)}) / "
            f"{sum(r['new'] or 0 for r in writer.results)}",
        ),
        (
            "links served / canonical / stored",
            f"{links['served_links']:,} / {links['canonical_links']:,} / {links['stored']:,}",
        ),
        (
            "missing / unexpected / stored twice / same title twice",
            f"{links['missing_count']} / {links['unexpected_count']} / {links['stored_twice']} / {links['titles_twice']}",
        ),
        (
            "integrity_check / foreign key violations / FTS check",
            f"{', '.join(store['integrity_check'])} / {store['foreign_key_violations']} / {store['fts']}",
        ),
        ("store size (MB)", f"{store['bytes'] / 2**20:.1f}"),
        (
            "watcher RSS after warm-up: first / last / min / max (MB)",
            f"{memory.get('rss_first_mb')} / {memory.get('rss_last_mb')} / {memory.get('rss_min_mb')} / "
            f"{memory.get('rss_max_mb')}",
        ),
        (
            "RSS fit: MB per 1,000 articles / per 100 runs / drift over the soak / residual sd",
            f"{memory.get('mb_per_1000_articles')} / {memory.get('mb_per_100_runs')} / {memory.get('drift_mb')} / "
            f"{memory.get('residual_sd_mb')} (limit {DRIFT_LIMIT_MB:g} MB drift; {memory.get('runs_fitted')} runs)",
        ),
    ]
    for kind, times in sorted(by_kind.items()):
        times.sort()
        bad = sum(1 for p in pages if p["kind"] == kind and p["problems"])
        rows.append(
            (
                f"{kind} page loads (with a problem) / median / max (s)",
                f"{len(times)} ({bad}) / {times[len(times) // 2]:.1f} / {times[-1]:.1f}",
            )
        )
    for name, value in rows:
        print(f"| {name} | {value} |")
    print()
    for name, passed in checks.items():
        print(f"{'PASS' if passed else 'FAIL'}  {name}")
    for p in bad_pages[:10]:
        print(f"  page problem: {p['kind']} {p['page']} {p.get('params') or p.get('path')}: {p['problems'][:3]}")
    if links["missing"] or links["unexpected"]:
        print(f"  missing: {links['missing']}\n  unexpected: {links['unexpected']}")
    if memory.get("why"):
        print(f"  memory: {memory['why']}")
    (workdir / "report.json").write_text(
        json.dumps(
            {
                "checks": checks,
                "links": links,
                "store": store,
                "memory": memory,
                "runs": watcher.runs,
                "writer": [{k: v for k, v in r.items() if k != "stderr"} for r in writer.results],
            },
            indent=1,
        )
    )
    if not args.keep and all(checks.values()):
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if all(checks.values()) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="how long to soak (default 30)")
    parser.add_argument("--feeds", type=int, default=8, help="rotating feeds on the local server (default 8)")
    parser.add_argument("--sessions", type=int, default=2, help="AppTest dashboard sessions (default 2)")
    parser.add_argument(
        "--browser",
        type=int,
        default=1 if Path("/usr/bin/chromium").exists() else 0,
        help="headless Chromium sessions on a real streamlit server (default 1 when /usr/bin/chromium exists)",
    )
    parser.add_argument("--keep", metavar="DIR", help="work in DIR and keep the store, logs and report.json")
    # internal: the session processes
    parser.add_argument("--session-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--browser-worker", action="store_true", help=argparse.SUPPRESS)
    for name in ("--db", "--out", "--stop", "--url"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.session_worker:
        session_worker(args)
        return 0
    if args.browser_worker:
        browser_worker(args)
        return 0
    if args.minutes <= 0:
        parser.error("--minutes must be more than 0")
    return soak(args)


if __name__ == "__main__":
    sys.exit(main())
