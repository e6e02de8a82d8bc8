"""`python -m ingest backfill`: the command line of ingest/backfill.py (kept apart from __main__.py,
which only registers it), its progress bar and its exit status.

Exit status: 0 when every chosen feed was gone through (captures that failed are recorded and
listed, as for live fetches), 2 when it cannot start (bad period, unknown feed, unreadable list or
store, another backfill running), 3 when the archive made it stop early (it kept answering 429/503,
or could not be reached): run it again later and it resumes; 130 on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import sys
from datetime import date
from pathlib import Path

from ingest import backfill as bf
from ingest import config

EXIT_OK, EXIT_UNUSABLE, EXIT_STOPPED, EXIT_INTERRUPTED = 0, 2, 3, 130


def _day(text: str) -> date:
    try:
        return bf.parse_day(text)
    except bf.BackfillError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"not a positive whole number: {text!r}")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value <= 600:
        raise argparse.ArgumentTypeError("the delay must be between 0 and 600 seconds")
    return value


def command(
    db: str | Path,
    sources: str | Path,
    since: date | str,
    until: date | str,
    archive_url: str | None = None,
    delay: float | None = None,
) -> list[str]:
    """The `python -m ingest backfill` command line for a period, as the dashboard starts it in the
    background and the bench and tests run it (one spelling of the flags for all of them)."""
    cmd = [sys.executable, "-m", "ingest", "backfill", "--db", str(db), "--sources", str(sources)]
    cmd += ["--since", str(since), "--until", str(until)]  # date's str is its ISO form
    if archive_url is not None:
        cmd += ["--archive-url", archive_url]
    if delay is not None:
        cmd += ["--delay", f"{delay:g}"]
    return cmd


def add_parser(sub) -> None:
    """Register `backfill` on the `python -m ingest` subcommands."""
    p = sub.add_parser(
        "backfill",
        help="fill the store with the feeds' past, from the Internet Archive's captures of them",
        description="For each enabled feed of the source list, ask the Internet Archive (Wayback Machine) "
        "for its captures in the period, fetch each capture's original bytes and ingest its "
        "items like a live fetch. Polite (one request at a time, --delay apart, 429 waited "
        "out) and resumable: run it again to continue where it stopped.",
    )
    # SUPPRESS: given here they win, absent they leave the top-level --db/--sources alone.
    p.add_argument("--db", default=argparse.SUPPRESS, help="the SQLite store (default: $MPM_DB, else data/news.db)")
    p.add_argument(
        "--sources",
        default=argparse.SUPPRESS,
        help="the OPML source list (default: $MPM_SOURCES, else ingest/sources.opml)",
    )
    p.add_argument(
        "--since",
        type=_day,
        default=bf.DEFAULT_SINCE,
        metavar="DATE",
        help=f"first day of the period, YYYY-MM-DD (default {bf.DEFAULT_SINCE})",
    )
    p.add_argument(
        "--until", type=_day, default=None, metavar="DATE", help="last day of the period, YYYY-MM-DD (default: today)"
    )
    p.add_argument(
        "--feeds",
        nargs="+",
        metavar="NAME",
        help="only these feeds (feed names or outlet names, as in the source list)",
    )
    p.add_argument(
        "--max-captures",
        type=_count,
        metavar="N",
        help="fetch at most N captures per feed in this run, spread evenly over the period "
        "(a quick first look; a later run fetches the rest)",
    )
    p.add_argument(
        "--archive-url",
        metavar="URL",
        help=f"the archive's base URL (default: $MPM_ARCHIVE_URL, else {config.DEFAULT_ARCHIVE_URL})",
    )
    p.add_argument(
        "--delay",
        type=_seconds,
        default=None,
        metavar="SECONDS",
        help="least time between two requests to the archive (default: $MPM_ARCHIVE_DELAY, "
        f"else {bf.DEFAULT_DELAY_S:g})",
    )
    p.add_argument(
        "--per-day",
        type=int,
        choices=(1, 2),
        default=bf.DEFAULT_PER_DAY,
        help=f"captures kept per feed and day (default {bf.DEFAULT_PER_DAY})",
    )
    p.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=argparse.SUPPRESS,
        help="log every capture to stderr, and list every failed one at the end",
    )
    p.set_defaults(func=run)


class Bar:
    """One line on stderr, only when it is a terminal: feeds, the period reached, captures, new items."""

    def __init__(self, stream=None, width: int = 24):
        self.stream = stream or sys.stderr
        self.width = width
        self.active = self.stream.isatty()

    def __call__(self, p: bf.Progress) -> None:
        if not self.active:
            return
        filled = int(self.width * p.fraction)
        name = p.feed if len(p.feed) <= 28 else p.feed[:27] + "…"
        where = (
            f"listing {p.reached[:7]}"
            if p.phase == "listing" and p.reached
            else f"reached {p.reached}"
            if p.reached
            else p.phase
        )
        line = (
            f"\r[{'#' * filled}{'.' * (self.width - filled)}] feed {min(p.feeds_done + 1, p.feeds_total)}/"
            f"{p.feeds_total} {name:<28} {where:<18} {p.captures_done:,}/{p.captures_total:,} captures "
            f"{p.items_new:,} new"
        )
        self.stream.write(line[:160])
        self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * 160 + "\r")
            self.stream.flush()


def _terminate(_signum, _frame) -> None:
    """SIGTERM (the dashboard's Stop, a service manager) ends the run as Ctrl-C does: cleanly."""
    raise KeyboardInterrupt


def run(args) -> int:
    bar = Bar()
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        summary = bf.backfill(
            args.db,
            args.sources,
            since=args.since,
            until=args.until,
            feeds=args.feeds,
            max_captures=args.max_captures,
            archive_url=args.archive_url,
            delay=args.delay,
            per_day=args.per_day,
            on_progress=bar,
        )
    except bf.BackfillError as exc:
        bar.close()
        print(f"ingest: error: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    finally:
        bar.close()
        signal.signal(signal.SIGTERM, previous)
    print(f"backfill: {summary.line()}")
    shown = summary.errors if args.verbose else summary.errors[:10]
    for feed, timestamp, error in shown:
        print(f"  {feed}{' @ ' + timestamp if timestamp else ''}: {error}", file=sys.stderr)
    if len(summary.errors) > len(shown):
        print(
            f"  … and {len(summary.errors) - len(shown)} more (see the archive_captures table or use -v)",
            file=sys.stderr,
        )
    return EXIT_STOPPED if summary.stopped else EXIT_OK
