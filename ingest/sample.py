"""The bundled sample feeds: loaded for the offline first run, removed once live news has arrived.

The sample goes through the same path as any saved feed file (`ingest_dir`, so parsing, tagging and
story clustering included); the only difference is the `is_sample` flag on its articles and the
`sample` kind of its feeds, which is what lets the dashboard say "illustrative sample data" and lets
`remove_sample` take it all out again without touching live rows.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

from ingest import config
from ingest.pipeline import recluster
from ingest.runner import RunSummary, ingest_dir
from store import open_store
from store.writes import remove_sample_rows

Progress = Callable[[int, int, str], None]
DbRef = str | os.PathLike | sqlite3.Connection | None


def load_sample(db_path=None, on_progress: Progress | None = None, folder=None) -> RunSummary:
    """Ingest every feed file under `sample_data/` (English and French) as sample articles.

    Safe to call again: unchanged files count as not modified and stored links are never duplicated.
    `folder` exists for tests and forks that ship their own sample; by default it is the bundled one.
    """
    return ingest_dir(db_path, folder or config.SAMPLE_DIR, kind="sample", is_sample=True, on_progress=on_progress)


def remove_sample(db_path=None) -> int:
    """Delete every sample article (tags follow by cascade) and the sample feeds; returns the count.

    The feeds go too, not only their articles: a feed row keeps the file's hash as its ETag, and a
    later `load_sample` would then see "not modified" and bring nothing back. A live article that had
    been clustered with a sample copy of its story would be left pointing at a deleted id, so those
    are reclustered among what remains.
    """
    conn = open_store(config.db_path(db_path))
    try:
        removed, orphans = remove_sample_rows(conn)
        if orphans:
            recluster(conn)
    finally:
        conn.close()
    return removed


def has_sample_articles(db: DbRef = None) -> bool:
    """True when the store holds sample articles (the dashboard then shows its sample-data notice)."""
    return _exists(db, "SELECT 1 FROM articles WHERE is_sample = 1 LIMIT 1")


def has_live_articles(db: DbRef = None) -> bool:
    """True when the store holds real (non-sample) articles, i.e. removing the sample loses no news."""
    return _exists(db, "SELECT 1 FROM articles WHERE is_sample = 0 LIMIT 1")


def _exists(db: DbRef, sql: str) -> bool:
    """Run a yes/no query on an open connection, or on the store at a path without creating it."""
    if isinstance(db, sqlite3.Connection):
        return db.execute(sql).fetchone() is not None
    path = config.db_path(db)
    if not Path(path).exists():
        return False
    conn = open_store(path)
    try:
        return conn.execute(sql).fetchone() is not None
    finally:
        conn.close()
