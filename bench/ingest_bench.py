"""Ingest speed and memory: N generated feeds of 50 items behind 100 ms of latency, first run and re-run;
and large feeds (9.5 MB, 50,000 items each) under the entry cap.

The feeds are served by threaded HTTP servers in this process, spread over loopback addresses
(127.0.0.1, 127.0.0.2, ...) with FEEDS_PER_HOST feeds each, because a real source list spreads over
many hosts and the fetcher allows only a few requests at a time per host. Each ingest is the real
command, `python -m ingest`, in a child process, so the wall time includes interpreter start-up and
imports, and the peak memory is the ingest's alone: the child's own high-water mark (VmHWM, read
from /proc as it exits). Not ru_maxrss from wait4: Linux starts a child's ru_maxrss at the RSS of
the process it was forked from, and this one holds every served feed (200 MB for 20 large feeds).

    python bench/ingest_bench.py                 # N = 10, 100, 500
    python bench/ingest_bench.py --sizes 10 100  # fewer
    python bench/ingest_bench.py --sizes --large 20              # only 20 large feeds, capped at 1,000
    python bench/ingest_bench.py --sizes --large 1 --max-entries 0  # one large feed, no cap (the old way)
Targets on 2 cores: 100 feeds in under 5 s; 500 unchanged feeds in under 3 s; 20 large feeds in under
60 s and 300 MB, both when everything is new and when every item is already stored (issue 11).

A large feed's items are in date order, oldest first, so the cap's "newest first" has to look at
the dates rather than keep the first items; its re-run serves the same items under a new ETag, as a
server that changes its validators on every request does.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.opml import Source, save_opml  # noqa: E402
from tests.ingest.feedserver import FeedServer, Route, headline, rss  # noqa: E402

ITEMS = 50
LARGE_ITEMS = 50_000
LARGE_START = datetime(2020, 1, 1, tzinfo=UTC)
LATENCY = 0.1
FEEDS_PER_HOST = 10
SUMMARY = re.compile(
    r"ingest: (\d+) ok, (\d+) not modified, (\d+) failed, (\d+) skipped; (\d+) new articles in ([\d.]+) s"
)


def feed_body(n: int) -> bytes:
    return rss(
        f"Bench feed {n}",
        [
            {
                "title": f"{headline(n * 1000 + i)} in Ottawa",
                "link": f"https://bench{n}.example.org/news/{i}?cmp=rss",
                "guid": f"bench-{n}-{i}",
                "date": f"Fri, {1 + i % 28:02d} Nov 2026 {i % 24:02d}:{n % 60:02d}:00 GMT",
                "description": f"<p>{headline(n * 7919 + i, 30)}. Canada and Japan discussed trade and energy.</p>",
            }
            for i in range(ITEMS)
        ],
    )


def large_feed_body(n: int, items: int) -> bytes:
    """About 190 bytes an item (9.5 MB for 50,000), one item an hour from 2020 on, oldest first."""
    return rss(
        f"Large feed {n}",
        [
            {
                "title": headline(n * 100003 + i, 4),
                "link": f"https://large{n}.example.org/news/{i}",
                "date": format_datetime(LARGE_START + timedelta(hours=i, minutes=n % 60), usegmt=True),
                "description": f"Canada, Japan {i}.",
            }
            for i in range(items)
        ],
    )


# `python -m ingest`, plus a line on stderr at exit with the process's own peak RSS.
_CHILD = """
import atexit, runpy, sys
def _peak():
    try:
        with open("/proc/self/status") as f:
            sys.stderr.write("\\nVmHWM " + next(l.split()[1] for l in f if l.startswith("VmHWM")) + "\\n")
    except (OSError, StopIteration):
        pass
atexit.register(_peak)
sys.argv[0] = "ingest"
runpy.run_module("ingest", run_name="__main__", alter_sys=True)
"""


def run_measured(db: Path, sources: Path, extra: tuple[str, ...] = ()) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB and the summary line of one `python -m ingest` run."""
    started = time.perf_counter()
    out_path, err_path = db.with_suffix(".out"), db.with_suffix(".err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        pid = subprocess.Popen(
            [sys.executable, "-c", _CHILD, "--db", str(db), "--sources", str(sources), *extra],
            cwd=REPO,
            stdout=out,
            stderr=err,
        ).pid
        _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ingest failed with status {status}: {err_path.read_text()[-2000:]}")
    text = out_path.read_text()
    line = next((ln for ln in text.splitlines() if ln.startswith("ingest: ")), text.strip())
    hwm = re.findall(r"^VmHWM (\d+)$", err_path.read_text(), re.M)
    return wall, (int(hwm[-1]) if hwm else usage.ru_maxrss) / 1024, line


def bench(n: int, workdir: Path) -> list[dict]:
    hosts = max(1, -(-n // FEEDS_PER_HOST))
    rows = []
    with ExitStack() as stack:
        servers = [stack.enter_context(FeedServer(host=f"127.0.0.{h + 1}")) for h in range(hosts)]
        sources = []
        for i in range(n):
            server = servers[i % hosts]
            url = server.route(f"/feed{i}.xml", Route(body=feed_body(i), etag=f'"b{i}"', delay=LATENCY))
            sources.append(Source(f"Bench {i}", f"Bench outlet {i % hosts}", url, "", "en", "outlet"))
        opml = workdir / f"sources{n}.opml"
        save_opml(opml, sources)
        db = workdir / f"bench{n}.db"
        for label in ("first run", "re-run (all 304)"):
            rows.append(_row(n, hosts, label, *run_measured(db, opml)))
    return rows


def _row(n: int, hosts: int, label: str, wall: float, peak: float, line: str) -> dict:
    match = SUMMARY.search(line)
    return {
        "feeds": n,
        "hosts": hosts,
        "run": label,
        "wall": wall,
        "peak": peak,
        "in_run": float(match.group(6)) if match else float("nan"),
        "new": int(match.group(5)) if match else -1,
        "ok": int(match.group(1)) if match else -1,
        "not_modified": int(match.group(2)) if match else -1,
        "failed": int(match.group(3)) if match else -1,
    }


def bench_large(n: int, items: int, max_entries: int, workdir: Path) -> list[dict]:
    """n feeds of `items` items: a first run (all new), then a re-run whose items are all stored."""
    hosts = max(1, -(-n // FEEDS_PER_HOST))
    bodies = [large_feed_body(i, items) for i in range(n)]
    rows = []
    with ExitStack() as stack:
        servers = [stack.enter_context(FeedServer(host=f"127.0.0.{h + 1}")) for h in range(hosts)]
        sources, paths = [], []
        for i in range(n):
            server = servers[i % hosts]
            paths.append((server, f"/large{i}.xml"))
            url = server.route(paths[-1][1], Route(body=bodies[i], etag=f'"l{i}-1"', delay=LATENCY))
            sources.append(Source(f"Large {i}", f"Large outlet {i % hosts}", url, "", "en", "outlet"))
        opml = workdir / f"large{n}.opml"
        save_opml(opml, sources)
        db = workdir / f"large{n}-{max_entries}.db"
        extra = ("--max-entries", str(max_entries))
        label = (
            f"{n} × {len(bodies[0]) / 2**20:.1f} MB, cap {max_entries:,}"
            if max_entries
            else f"{n} × {len(bodies[0]) / 2**20:.1f} MB, no cap"
        )
        rows.append(_row(n, hosts, f"{label}: first run", *run_measured(db, opml, extra)))
        for i, (server, path) in enumerate(paths):  # same items, new validators: a full body again
            server.route(path, Route(body=bodies[i], etag=f'"l{i}-2"', delay=LATENCY))
        rows.append(_row(n, hosts, f"{label}: re-run, items stored", *run_measured(db, opml, extra)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10, 100, 500], help="numbers of feeds")
    parser.add_argument(
        "--large",
        type=int,
        nargs="*",
        default=[],
        help="numbers of large feeds (9.5 MB, 50,000 items each), e.g. --large 20",
    )
    parser.add_argument("--items", type=int, default=LARGE_ITEMS, help="items in each large feed")
    parser.add_argument("--max-entries", type=int, default=1000, help="the cap for the large feeds (0 = none)")
    args = parser.parse_args()
    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {ITEMS} items per feed, "
        f"{LATENCY * 1000:.0f} ms added latency, {FEEDS_PER_HOST} feeds per host"
    )
    print(
        "| feeds | hosts | run | wall time (s) | of which in the run (s) | peak RSS (MB) | ok | 304 | failed | new articles |"
    )
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="mpm-bench-") as tmp:
        for n in args.sizes:
            for r in bench(n, Path(tmp)):
                print(
                    f"| {r['feeds']} | {r['hosts']} | {r['run']} | {r['wall']:.2f} | {r['in_run']:.2f} | "
                    f"{r['peak']:.0f} | {r['ok']} | {r['not_modified']} | {r['failed']} | {r['new']} |",
                    flush=True,
                )
        for n in args.large:
            for r in bench_large(n, args.items, args.max_entries, Path(tmp)):
                print(
                    f"| {r['feeds']} | {r['hosts']} | {r['run']} | {r['wall']:.2f} | {r['in_run']:.2f} | "
                    f"{r['peak']:.0f} | {r['ok']} | {r['not_modified']} | {r['failed']} | {r['new']} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
