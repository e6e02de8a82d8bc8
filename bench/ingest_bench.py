"""Ingest speed and memory: N generated feeds of 50 items behind 100 ms of latency, first run and re-run.

The feeds are served by threaded HTTP servers in this process, spread over loopback addresses
(127.0.0.1, 127.0.0.2, ...) with FEEDS_PER_HOST feeds each, because a real source list spreads over
many hosts and the fetcher allows only a few requests at a time per host. Each ingest is the real
command, `python -m ingest`, in a child process, so the wall time includes interpreter start-up and
imports, and the peak memory (ru_maxrss of the child) is the ingest's alone.

    python bench/ingest_bench.py                 # N = 10, 100, 500
    python bench/ingest_bench.py --sizes 10 100  # fewer
Targets on 2 cores: 100 feeds in under 5 s; 500 unchanged feeds in under 3 s.
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
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest.opml import Source, save_opml  # noqa: E402
from tests.ingest.feedserver import FeedServer, Route, headline, rss  # noqa: E402

ITEMS = 50
LATENCY = 0.1
FEEDS_PER_HOST = 10
SUMMARY = re.compile(r"ingest: (\d+) ok, (\d+) not modified, (\d+) failed, (\d+) skipped; (\d+) new articles in ([\d.]+) s")


def feed_body(n: int) -> bytes:
    return rss(f"Bench feed {n}", [
        {"title": f"{headline(n * 1000 + i)} in Ottawa",
         "link": f"https://bench{n}.example.org/news/{i}?cmp=rss",
         "guid": f"bench-{n}-{i}",
         "date": f"Fri, {1 + i % 28:02d} Nov 2026 {i % 24:02d}:{n % 60:02d}:00 GMT",
         "description": f"<p>{headline(n * 7919 + i, 30)}. Canada and Japan discussed trade and energy.</p>"}
        for i in range(ITEMS)])


def run_measured(db: Path, sources: Path) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB (from wait4) and the summary line of one `python -m ingest` run."""
    started = time.perf_counter()
    out_path = db.with_suffix(".out")
    with open(out_path, "w") as out, open(os.devnull, "w") as devnull:
        pid = subprocess.Popen([sys.executable, "-m", "ingest", "--db", str(db), "--sources", str(sources)],
                               cwd=REPO, stdout=out, stderr=devnull).pid
        _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"ingest failed with status {status}")
    text = out_path.read_text()
    line = next((ln for ln in text.splitlines() if ln.startswith("ingest: ")), text.strip())
    return wall, usage.ru_maxrss / 1024, line


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
            wall, peak, line = run_measured(db, opml)
            match = SUMMARY.search(line)
            rows.append({"feeds": n, "hosts": hosts, "run": label, "wall": wall, "peak": peak,
                         "in_run": float(match.group(6)) if match else float("nan"),
                         "new": int(match.group(5)) if match else -1,
                         "ok": int(match.group(1)) if match else -1,
                         "not_modified": int(match.group(2)) if match else -1,
                         "failed": int(match.group(3)) if match else -1})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500], help="numbers of feeds")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {ITEMS} items per feed, "
          f"{LATENCY * 1000:.0f} ms added latency, {FEEDS_PER_HOST} feeds per host")
    print("| feeds | hosts | run | wall time (s) | of which in the run (s) | peak RSS (MB) | ok | 304 | failed | new articles |")
    print("| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    with tempfile.TemporaryDirectory(prefix="mpm-bench-") as tmp:
        for n in args.sizes:
            for r in bench(n, Path(tmp)):
                print(f"| {r['feeds']} | {r['hosts']} | {r['run']} | {r['wall']:.2f} | {r['in_run']:.2f} | "
                      f"{r['peak']:.0f} | {r['ok']} | {r['not_modified']} | {r['failed']} | {r['new']} |", flush=True)


if __name__ == "__main__":
    main()
