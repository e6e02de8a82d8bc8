"""What reading stored dates tolerantly costs (issue 11): the dashboard's date-sensitive queries on a
sound store and on the same store with unreadable dates written into it by another tool.

The sound store is bench/out/store_<n>.db (built by bench/generate_store.py when missing, as
dashboard_bench.py does); the damaged copy gets one article per hostile value, all tagged Canada,
Japan and trade, so that they sit at both ends of the date index and inside the filtered queries.
Each figure is the median CPU time of 9 runs with the readable-span cache cleared (SQLite's page
cache warm, as in the app), so that other work on a shared machine does not blur it.

    python bench/hostile_dates_bench.py                  # 200,000 articles
    python bench/hostile_dates_bench.py --articles 1000000
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from generate_store import generate_store  # noqa: E402

from counts import queries as q  # noqa: E402
from counts.queries import Filters  # noqa: E402

OUT = ROOT / "bench" / "out"
HOSTILE = [
    "1-01-01T00:00:00Z",
    "999-12-31T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "2026-11-31T00:00:00Z",
    "2000-02-30T00:00:00Z",
    "garbage",
    "",
    20260205,
    b"\x00\xff",
]


def damage(sound: Path, target: Path) -> None:
    remove(target)
    source, conn = sqlite3.connect(sound), sqlite3.connect(target)
    source.backup(conn)  # a consistent copy, WAL included
    source.close()
    with conn:
        for i, published in enumerate(HOSTILE):
            aid = conn.execute(
                "INSERT INTO articles (url, title, published_at, source, fetched_at) "
                "VALUES (?, 'Canada and Japan', ?, 'Bench', '2026-01-01T00:00:00Z')",
                (f"https://example.com/hostile/{i}", published),
            ).lastrowid
            conn.execute("INSERT INTO article_countries VALUES (?, 'CAN'), (?, 'JPN')", (aid, aid))
            conn.execute("INSERT INTO article_topics VALUES (?, 'trade')", (aid,))
    # Into the main file, as on the sound store: reads through a fresh WAL would blur the comparison.
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def cpu_ms(fn, repeat: int = 9) -> float:
    times = []
    for _ in range(repeat):
        q._SPANS.clear()
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return 1000 * statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=200_000)
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    sound = OUT / f"store_{args.articles}.db"
    if not sound.exists():
        generate_store(sound, args.articles)
    hostile = OUT / f"store_{args.articles}_hostile_dates.db"
    damage(sound, hostile)
    filtered = Filters(country="CAN", topics=("trade",))
    calls = {
        "store status (date span)": lambda db: q.store_status(db),
        "headline, no filter": lambda db: q.headline(db, Filters()),
        "headline, Canada + trade": lambda db: q.headline(db, filtered),
        "weekly series": lambda db: q.timeseries(db, Filters(), "week"),
        "topics by month": lambda db: q.tag_timeseries(db, Filters(), "month", "article_topics", "topic"),
        "articles, first page": lambda db: q.articles(db, Filters(), "", 50, 0),
    }
    print(f"| CPU ms, {args.articles:,} articles | sound store | with {len(HOSTILE)} hostile dates |")
    print("| --- | ---: | ---: |")
    for name, call in calls.items():
        sound_ms = cpu_ms(lambda call=call: call(str(sound)))
        hostile_ms = cpu_ms(lambda call=call: call(str(hostile)))
        print(f"| {name} | {sound_ms:.0f} | {hostile_ms:.0f} |")
    remove(hostile)
    return 0


def remove(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    raise SystemExit(main())
