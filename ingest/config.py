"""Settings shared by ingest, analysis and the dashboard.

One place decides where the store lives so that `python -m ingest`, `python -m analysis`
and `streamlit run app.py` always agree: `--db PATH` beats `MPM_DB` beats `data/news.db`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "news.db"
DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources.opml"
SAMPLE_DIR = PROJECT_ROOT / "sample_data"
# Honest and specific: who is asking and why, so that a site operator can recognise and rate-limit us.
USER_AGENT = "MiddlePowersMonitor/0.1 (open-source foreign-policy news dashboard; RSS reader)"
# Entries kept per feed per run, newest first. Real news feeds carry 10 to 200; an archive-sized feed
# of 50,000 took 38 s and 577 MB to ingest in full (issue 11), and the next run would read it all again.
DEFAULT_MAX_ENTRIES = 1000


def db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The store's path: the command-line value, else `MPM_DB`, else `data/news.db`."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("MPM_DB")
    if env:
        return Path(env)
    return DEFAULT_DB


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def block_private() -> bool:
    """`MPM_BLOCK_PRIVATE=1`: never fetch from private or loopback addresses, even for listed feeds.

    For shared deployments, where whoever edits the source list is not the machine's owner
    (ingest/netguard.py has the full rules)."""
    return _flag("MPM_BLOCK_PRIVATE")


def read_only() -> bool:
    """`MPM_READ_ONLY=1`: the dashboard offers no button that writes (Fetch latest, Remove sample data).

    For public deployments, where a scheduled `python -m ingest` fills the store."""
    return _flag("MPM_READ_ONLY")


def fetch_interval() -> float:
    """`MPM_FETCH_INTERVAL` (seconds, default 60): the least time between two dashboard-started runs."""
    try:
        return max(0.0, float(os.environ.get("MPM_FETCH_INTERVAL", "60")))
    except ValueError:
        return 60.0


def sources_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The OPML source list: the command-line value, else `MPM_SOURCES`, else the bundled list."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("MPM_SOURCES")
    if env:
        return Path(env)
    return DEFAULT_SOURCES


def max_entries(cli_value: int | None = None) -> int:
    """Entries kept per feed per run: `--max-entries N` beats `MPM_MAX_ENTRIES` beats 1,000; 0 = no cap.

    A bad value is an error, not a silent fallback: a typo in a deployment's environment should
    not quietly turn the cap off or shrink it.
    """
    if cli_value is not None:
        value, origin = cli_value, "--max-entries"
    else:
        env = os.environ.get("MPM_MAX_ENTRIES", "").strip()
        if not env:
            return DEFAULT_MAX_ENTRIES
        origin = "MPM_MAX_ENTRIES"
        try:
            value = int(env)
        except ValueError:
            raise ValueError(f"{origin} must be a whole number of entries (0 for no cap), not {env!r}") from None
    if value < 0:
        raise ValueError(f"{origin} must be 0 (no cap) or more, not {value}")
    return value


# The Internet Archive's Wayback Machine, where `python -m ingest backfill` finds the feeds' past.
DEFAULT_ARCHIVE_URL = "https://web.archive.org"
# The backfill names itself apart from the live reader, so the archive's operators can tell the two.
BACKFILL_USER_AGENT = (
    "MiddlePowersMonitor/0.1 (open-source foreign-policy news dashboard; "
    "backfill of RSS feeds from archived captures, one request at a time)"
)


def archive_url(cli_value: str | None = None) -> str:
    """The archive's base URL: the command-line value, else `MPM_ARCHIVE_URL`, else the Wayback Machine.

    A setting so that tests, mirrors and other Wayback-compatible archives (pywb) can stand in.
    """
    value = cli_value or os.environ.get("MPM_ARCHIVE_URL") or DEFAULT_ARCHIVE_URL
    return value.strip().rstrip("/")


DEFAULT_ARCHIVE_DELAY = 2.5


def archive_delay() -> float:
    """`MPM_ARCHIVE_DELAY`: the least seconds between two requests to the archive (default 2.5, i.e.
    24 a minute, the Wayback Machine's limit on its index). A mirror of your own may allow less;
    `--delay` beats it. A bad value is an error rather than a silent change of pace."""
    env = os.environ.get("MPM_ARCHIVE_DELAY", "").strip()
    if not env:
        return DEFAULT_ARCHIVE_DELAY
    try:
        value = float(env)
    except ValueError:
        raise ValueError(f"MPM_ARCHIVE_DELAY must be a number of seconds, not {env!r}") from None
    if not 0 <= value <= 600:
        raise ValueError(f"MPM_ARCHIVE_DELAY must be between 0 and 600 seconds, not {value:g}")
    return value
