"""Backfill speed and memory against the archive emulator with 200 ms of latency per answer.

An emulated Wayback Machine (tests/ingest/archiveserver.py) serves FEEDS feeds captured twice a day
over DAYS days, each capture the feed's 30 newest items (12 published a day, with a summary), and the
real command, `python -m ingest backfill`, runs in a child process with no delay between requests,
so the figures are what one request at a time can do when each answer takes 200 ms. Wall time
includes interpreter start-up; peak RSS is the child's. Then a re-run, which finds everything done.

    python bench/backfill_bench.py                       # 4 feeds x 45 days (360 captures)
    python bench/backfill_bench.py --feeds 2 --days 20   # smaller

The polite pace is then an estimate, not a measurement: at one request every --delay seconds (2.5 by
default), the whole source list (ingest/sources.opml) over 2025-2026 costs its index queries (one per
feed URL and month) plus its captures (at most two a day per feed); see docs/ingest.md.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ingest import backfill_cli  # noqa: E402
from ingest.opml import Source, read_opml, save_opml  # noqa: E402
from tests.ingest.archiveserver import ArchiveEmulator, FeedHistory  # noqa: E402

LATENCY = 0.2
START = datetime(2025, 1, 1, tzinfo=UTC)
SUMMARY = re.compile(
    r"backfill: (\d+) feeds, ([\d,]+) captures stored, ([\d,]+) failed .*?; ([\d,]+) new articles "
    r"of ([\d,]+) items; ([\d,]+) requests in ([\d.]+) s"
)


def _num(text: str) -> int:
    return int(text.replace(",", ""))


_PEAK = (
    "import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
    "print('PEAK', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(r.returncode)"
)


def run(cmd: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak RSS of the backfill process in MB, its stdout). A small parent per run
    reads the peak of its only child, so each run's figure is its own."""
    t0 = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _PEAK, *cmd], cwd=REPO, capture_output=True, text=True, check=False)
    wall = time.monotonic() - t0
    if done.returncode != 0:
        raise SystemExit(f"backfill failed ({done.returncode}): {done.stderr[-2000:]}")
    peak = int(re.search(r"PEAK (\d+)", done.stderr)[1]) / 1024
    return wall, peak, done.stdout


def estimate(delay: float, per_day: int, days: int, sources: Path) -> str:
    listed = read_opml(sources)
    urls = sum(1 + len(s.former_urls) for s in listed)
    months = round(days / 30.44)
    index = urls * months
    captures = len(listed) * days * per_day
    seconds = (index + captures) * delay
    return (
        f"{len(listed)} feeds ({urls} URLs) x {days} days: {index:,} index queries + at most {captures:,} "
        f"captures at one request every {delay:g} s = {seconds / 3600:,.1f} h at most"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feeds", type=int, default=4)
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--latency", type=float, default=LATENCY)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ArchiveEmulator(latency=args.latency) as archive:
        sources = []
        for n in range(args.feeds):
            history = FeedHistory(
                f"Bench {n}: World", f"bench{n}.example.org", START, args.days, per_day=12, window=30, blurb=True
            )
            url = f"https://bench{n}.example.org/feed.xml"
            for d in range(args.days):
                for hour in (9, 21):
                    archive.capture(history, START + timedelta(days=d, hours=hour), url)
            sources.append(Source(f"Bench {n}: World", f"Bench {n}", url, "", "en", "outlet"))
        opml, db = Path(tmp) / "sources.opml", Path(tmp) / "news.db"
        save_opml(opml, sources)
        until = (START + timedelta(days=args.days - 1)).date()
        cmd = backfill_cli.command(db, opml, START.date(), until, archive_url=archive.base, delay=0)
        print(f"{args.feeds} feeds x {args.days} days, 2 captures a day, {args.latency * 1000:.0f} ms per answer")
        print(
            "| run | wall (s) | captures | items seen | new articles | requests | captures/min | items/min "
            "| new/min | peak RSS (MB) |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for label in ("first run", "re-run (all done)"):
            wall, peak, out = run(cmd)
            m = SUMMARY.search(out)
            if not m:
                raise SystemExit(f"no summary in: {out}")
            captures, items, new, requests = _num(m[2]), _num(m[5]), _num(m[4]), _num(m[6])
            per_min = 60 / wall
            print(
                f"| {label} | {wall:.1f} | {captures:,} | {items:,} | {new:,} | {requests:,} | "
                f"{captures * per_min:,.0f} | {items * per_min:,.0f} | {new * per_min:,.0f} | {peak:.0f} |"
            )
    print()
    days = (datetime(2026, 12, 31) - datetime(2025, 1, 1)).days + 1
    for per_day in (2, 1):
        print("estimate:", estimate(2.5, per_day, days, REPO / "ingest" / "sources.opml"), f"({per_day} a day)")


if __name__ == "__main__":
    main()
