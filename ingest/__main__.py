"""`python -m ingest`: fetch the feeds, ingest saved files, manage the source list.

Exit status: 0 when the run completed (even if some feeds failed: the summary and the fetch log
say which), 1 when a `sources` command found nothing to act on, 2 when the run could not work at
all (bad arguments, unreadable source list, unwritable database), 3 when `backfill` was stopped early
by the archive (run it again to resume), 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import logging
import re
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

from ingest import config
from ingest.netguard import Refused, check_listed, redact, strip_credentials
from ingest.opml import (
    KINDS,
    OPMLError,
    Source,
    add_source,
    check_source,
    clean_imported,
    merge_sources,
    read_opml,
    save_opml,
    without_credentials,
    write_opml,
)
from ingest.runner import RunSummary, fetch_all, ingest_dir
from store import StoreError, open_store

EXIT_OK, EXIT_NOT_FOUND, EXIT_UNUSABLE, EXIT_INTERRUPTED = 0, 1, 2, 130
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """'90s', '30m', '2h', '1d', '1h30m' -> seconds."""
    text = text.strip().lower()
    parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd])", text)
    if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([smhd])", "", text).strip():
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (use e.g. 90s, 30m, 2h, 1d)")
    seconds = sum(float(n) * _UNITS[u] for n, u in parts)
    if seconds < 1:
        raise argparse.ArgumentTypeError("the interval must be at least 1s")
    return seconds


class ProgressBar:
    """A one-line bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.active = self.stream.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.active or total <= 0:
            return
        filled = int(self.width * done / total)
        label = label if len(label) <= 40 else label[:39] + "…"
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {done}/{total} {label:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * (self.width + 60) + "\r")
            self.stream.flush()


def _print_summary(summary: RunSummary, verbose: bool) -> None:
    print(f"ingest: {summary.line()}")
    if summary.outcome not in ("ok", "partial"):  # offline, every feed skipped or failed: say so plainly
        print(f"ingest: {summary.headline()}")
    for line in summary.skip_lines():  # the same words as the dashboard's Fetch latest
        print(f"  {line}")
    if summary.forceable() and not summary.forced:
        print(f"  --force asks the {summary.forceable()} waiting feed(s) now")
    shown = summary.errors if verbose else summary.errors[:10]
    for name, error in shown:
        print(f"  failed: {name}: {error}", file=sys.stderr)
    if len(summary.errors) > len(shown):
        print(f"  … and {len(summary.errors) - len(shown)} more (see the fetch_log table or use -v)", file=sys.stderr)


def _run_once(args) -> RunSummary:
    bar = ProgressBar()
    try:
        if args.from_dir:
            summary = ingest_dir(args.db, args.from_dir, on_progress=bar, max_entries=args.max_entries)
        else:
            summary = fetch_all(args.db, args.sources, force=args.force, on_progress=bar, max_entries=args.max_entries)
    finally:
        bar.close()
    _print_summary(summary, args.verbose)
    return summary


def cmd_sample(args) -> int:
    """--sample / --remove-sample: the bundled illustrative feeds in, or out (ingest/sample.py)."""
    from ingest.sample import load_sample, remove_sample

    if args.remove_sample:
        print(f"ingest: removed {remove_sample(args.db)} sample articles")
        return EXIT_OK
    bar = ProgressBar()
    try:
        summary = load_sample(args.db, on_progress=bar)
    finally:
        bar.close()
    _print_summary(summary, args.verbose)
    return EXIT_OK


def cmd_run(args) -> int:
    try:  # settled once, so a bad MPM_MAX_ENTRIES stops here and not in the middle of --watch
        args.max_entries = config.max_entries(args.max_entries)
    except ValueError as exc:
        raise SystemExit(_usage_error(str(exc))) from None
    if args.sample or args.remove_sample:
        if (args.sample and args.remove_sample) or args.from_dir or args.watch:
            raise SystemExit(_usage_error("--sample and --remove-sample go alone (no --from-dir, --watch)"))
        return cmd_sample(args)
    if args.every and not args.watch:
        raise SystemExit(_usage_error("--every needs --watch"))
    if args.from_dir and not Path(args.from_dir).is_dir():
        raise SystemExit(_usage_error(f"--from-dir: no such folder: {args.from_dir}"))
    if not args.watch:
        _run_once(args)
        return EXIT_OK
    every = args.every or parse_duration("30m")
    while True:
        started = time.monotonic()
        try:
            _run_once(args)
        except (StoreError, OPMLError, OSError, sqlite3.Error) as exc:
            # In watch mode a bad moment (disk full, list being edited) must not end the loop.
            print(f"ingest: run failed: {exc}", file=sys.stderr)
        time.sleep(max(0.0, every - (time.monotonic() - started)))


def _entry_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no cap) or more")
    return value


def _usage_error(message: str) -> int:
    print(f"ingest: error: {message}", file=sys.stderr)
    return EXIT_UNUSABLE


# ---------------------------------------------------------------- sources


def _load_sources(args) -> tuple[Path, list[Source]]:
    path = config.sources_path(args.sources)
    return path, (read_opml(path) if path.exists() else [])


def cmd_sources_list(args) -> int:
    path, sources = _load_sources(args)
    state: dict[str, tuple] = {}
    db = config.db_path(args.db)
    if db.exists():
        conn = open_store(db)
        try:
            for row in conn.execute(
                "SELECT url, enabled, disabled_reason, last_status, last_ok_at, last_error FROM feeds"
            ):
                state[row[0]] = row[1:]
        finally:
            conn.close()
    print(f"# {len(sources)} sources in {path}")
    for s in sources:
        # Credentials in a feed URL are never shown (netguard.strip_credentials), not even here.
        line = f"{s.name}\t{s.outlet}\t{s.kind}\t{s.lang or '-'}\t{strip_credentials(s.url)}"
        st = state.get(s.url)
        if st:
            enabled, reason, status, ok_at, error = st
            line += "\t" + ("enabled" if enabled else f"DISABLED ({reason})")
            line += f"\tlast status {status if status is not None else '-'}, last ok {ok_at or 'never'}"
            if error:
                line += f"\t{redact(error)}"
        print(line)
    return EXIT_OK


def cmd_sources_add(args) -> int:
    try:
        check_listed(args.url)
    except Refused as exc:
        return _usage_error(f"not an http(s) feed URL that may be fetched: {exc}")
    parts = urlsplit(args.url)
    path, sources = _load_sources(args)
    # Without --name, host and path: two feeds of one site must not replace each other.
    name = args.name if args.name is not None else (parts.hostname or "") + parts.path.rstrip("/")
    source = Source(
        name=name,
        outlet=args.outlet if args.outlet is not None else name,
        url=args.url,
        site_url=args.site_url or "",
        lang=args.lang or "",
        kind=args.kind,
        note=args.note or "",
    )
    try:
        source = check_source(source)  # a control character in a name once made the list unreadable
    except OPMLError as exc:
        return _usage_error(f"sources add: {exc}")
    save_opml(path, add_source(sources, source))
    print(f"added {source.name} ({strip_credentials(source.url)}) to {path}")
    return EXIT_OK


def cmd_sources_remove(args) -> int:
    path, sources = _load_sources(args)
    kept = [s for s in sources if args.name not in (s.name, s.url)]
    if len(kept) == len(sources):
        print(f"ingest: no source named {args.name!r} in {path}", file=sys.stderr)
        return EXIT_NOT_FOUND
    save_opml(path, kept)
    print(f"removed {len(sources) - len(kept)} source(s) from {path} (stored articles are kept)")
    return EXIT_OK


def cmd_sources_import(args) -> int:
    path, sources = _load_sources(args)
    incoming = read_opml(Path(args.file))
    usable = []
    for s in incoming:  # another reader's export: any scheme, any text; keep what may be fetched
        try:
            usable.append(clean_imported(s))
        except OPMLError as exc:
            print(f"  skipped {s.name!r}: {exc}", file=sys.stderr)
    merged, added = merge_sources(sources, usable)
    save_opml(path, merged)
    skipped = len(incoming) - len(usable)
    print(
        f"imported {added} new source(s) of {len(incoming)} from {args.file} into {path}"
        + (f"; {skipped} refused" if skipped else "")
    )
    return EXIT_OK


def cmd_sources_export(args) -> int:
    _, sources = _load_sources(args)
    text = write_opml(sources if args.keep_credentials else without_credentials(sources))
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _set_enabled(args, enabled: bool) -> int:
    from store.writes import set_enabled

    conn = open_store(config.db_path(args.db))
    try:
        found = set_enabled(conn, args.name, enabled)
    finally:
        conn.close()
    if not found:
        print(f"ingest: no feed named {args.name!r} in the store (run an ingest first)", file=sys.stderr)
        return EXIT_NOT_FOUND
    print(f"{'enabled' if enabled else 'disabled'} {args.name}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Fetch the source list's feeds into the SQLite store (default action), ingest saved "
        "feed files, or manage the source list.",
    )
    parser.add_argument("--db", help="the SQLite store (default: $MPM_DB, else data/news.db)")
    parser.add_argument("--sources", help="the OPML source list (default: $MPM_SOURCES, else ingest/sources.opml)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every fetch to stderr")
    parser.add_argument(
        "--force", action="store_true", help="fetch every enabled feed now, ignoring backoff (next_fetch_at)"
    )
    parser.add_argument(
        "--from-dir", metavar="DIR", help="ingest the saved feed files under DIR (recursively) instead of fetching"
    )
    parser.add_argument("--watch", action="store_true", help="keep running, one run per --every interval")
    parser.add_argument(
        "--every", type=parse_duration, metavar="DURATION", help="interval for --watch, e.g. 90s, 30m, 2h (default 30m)"
    )
    parser.add_argument(
        "--max-entries",
        type=_entry_count,
        metavar="N",
        help="keep each feed's N newest entries per run (default: $MPM_MAX_ENTRIES, else "
        f"{config.DEFAULT_MAX_ENTRIES:,}; 0 = no cap)",
    )
    parser.add_argument(
        "--sample",
        action="store_true",
        help="load the bundled illustrative sample feeds (sample_data/) instead of fetching",
    )
    parser.add_argument(
        "--remove-sample", action="store_true", help="delete the sample articles and feeds, keeping live ones"
    )
    parser.set_defaults(func=cmd_run)

    sub = parser.add_subparsers(dest="command", title="commands", metavar="{sources,backfill}")
    sources = sub.add_parser(
        "sources",
        help="list, add, remove, import, export, enable or disable sources",
        description="Manage the OPML source list (--sources) and the feeds' state.",
    )
    actions = sources.add_subparsers(dest="action", required=True, metavar="ACTION")

    p = actions.add_parser("list", help="show every source, with its fetch state when the store exists")
    p.set_defaults(func=cmd_sources_list)

    p = actions.add_parser("add", help="add a feed URL to the source list (replaces one with the same URL or name)")
    p.add_argument("url", help="the feed's http(s) URL")
    p.add_argument("--name", help="unique display name, e.g. 'CBC News: World' (default: host and path of the URL)")
    p.add_argument("--outlet", help="the outlet shown in the dashboard's source filter (default: the name)")
    p.add_argument("--lang", help="language code of the feed, e.g. en or fr")
    p.add_argument("--kind", choices=KINDS, default="outlet", help="outlet (news media) or official (government)")
    p.add_argument("--site-url", help="the outlet's web page for this feed")
    p.add_argument("--note", help="free text, e.g. where the URL was confirmed")
    p.set_defaults(func=cmd_sources_add)

    p = actions.add_parser("remove", help="remove a source by name or URL (stored articles are kept)")
    p.add_argument("name", metavar="NAME", help="the source's name or feed URL")
    p.set_defaults(func=cmd_sources_remove)

    p = actions.add_parser("import", help="add the feeds of another OPML file (e.g. a feed reader's export)")
    p.add_argument("file", help="OPML file to import")
    p.set_defaults(func=cmd_sources_import)

    p = actions.add_parser("export", help="print the source list as OPML 2.0 (without credentials in URLs)")
    p.add_argument("-o", "--output", help="write to this file instead of standard output")
    p.add_argument(
        "--keep-credentials",
        action="store_true",
        help="keep user:password@ in feed URLs (for a private backup; removed by default)",
    )
    p.set_defaults(func=cmd_sources_export)

    p = actions.add_parser("enable", help="re-enable a disabled feed and clear its backoff")
    p.add_argument("name", metavar="NAME", help="the feed's name")
    p.set_defaults(func=lambda a: _set_enabled(a, True))

    p = actions.add_parser("disable", help="stop fetching a feed without removing it")
    p.add_argument("name", metavar="NAME", help="the feed's name")
    p.set_defaults(func=lambda a: _set_enabled(a, False))

    from ingest import backfill_cli  # `python -m ingest backfill` (issue 12)

    backfill_cli.add_parser(sub)
    return parser


def _setup_logging(verbose: bool) -> None:
    """Log the `ingest` package to the current stderr; safe to call again (tests call main() often)."""
    logger = logging.getLogger("ingest")
    for handler in [h for h in logger.handlers if getattr(h, "mpm_cli", False)]:
        logger.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler.mpm_cli = True  # type: ignore[attr-defined]  # marks our handler, to replace it on a second call
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO if verbose else logging.WARNING)
    logger.propagate = False


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("ingest: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (StoreError, sqlite3.Error) as exc:
        return _usage_error(f"store: {exc}")
    except OPMLError as exc:
        return _usage_error(f"source list: {exc}")
    except OSError as exc:
        return _usage_error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
