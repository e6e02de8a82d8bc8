"""The reads the writers need to decide what to write: which links are stored, which articles a new
batch may share a story with, the articles in id order for retagging.

They sit beside the writes rather than in the dashboard's query module because they serve the write
path (`ingest.pipeline`), run on the writer's connection, and share its chunking of long `IN` lists.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from store import iso, parse_iso

if TYPE_CHECKING:
    import pandas as pd

# Long `IN (...)` lists go in chunks: SQLite builds before 3.32 allow only 999 parameters a statement.
SQL_CHUNK = 500


def existing_urls(conn: sqlite3.Connection, urls: Sequence[str]) -> set[str]:
    """Those of `urls` already stored as an article, in a few bulk lookups (SQL_CHUNK URLs a query)."""
    found: set[str] = set()
    urls = list(urls)
    for i in range(0, len(urls), SQL_CHUNK):
        chunk = urls[i : i + SQL_CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(r[0] for r in conn.execute(f"SELECT url FROM articles WHERE url IN ({marks})", chunk))
    return found


def ids_by_url(conn: sqlite3.Connection, urls: Sequence[str]) -> dict[str, int]:
    """The article id of each of `urls` that is stored."""
    found: dict[str, int] = {}
    urls = list(urls)
    for i in range(0, len(urls), SQL_CHUNK):
        chunk = urls[i : i + SQL_CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(conn.execute(f"SELECT url, id FROM articles WHERE url IN ({marks})", chunk).fetchall())
    return found


def story_candidates(
    conn: sqlite3.Connection, new_ids: Sequence[int] = (), window: timedelta = timedelta(0), everything: bool = False
) -> pd.DataFrame | None:
    """The articles whose story ids may change now that `new_ids` are stored, or None when none may.

    That is every article published within `window` of the new articles' span, and of any article
    never clustered (story_id NULL), since a story's other articles may be a little older or newer
    than the ones just stored; with `everything`, every article. Columns: id, title, published_at,
    source, story_id, and countries (the tagger's countries, comma-joined; '' when untagged).
    """
    if everything:
        bounds = conn.execute("SELECT MIN(published_at), MAX(published_at) FROM articles").fetchone()
    else:
        bounds = (None, None)
        spans = []
        for i in range(0, len(new_ids), SQL_CHUNK):
            chunk = list(new_ids[i : i + SQL_CHUNK])
            spans.append(
                conn.execute(
                    "SELECT MIN(published_at), MAX(published_at) FROM articles "
                    f"WHERE id IN ({','.join('?' * len(chunk))})",
                    chunk,
                ).fetchone()
            )
        spans.append(
            conn.execute("SELECT MIN(published_at), MAX(published_at) FROM articles WHERE story_id IS NULL").fetchone()
        )
        lows = [s[0] for s in spans if s[0]]
        highs = [s[1] for s in spans if s[1]]
        if lows:
            bounds = (_shift(min(lows), -window), _shift(max(highs), window))
    if bounds[0] is None:
        return None
    import pandas as pd  # imported here: a run with nothing new should not pay for pandas

    return pd.read_sql_query(
        "SELECT a.id, a.title, a.published_at, a.source, a.story_id, "
        "COALESCE((SELECT group_concat(c.country) FROM article_countries c WHERE c.article_id = a.id), '') "
        "AS countries FROM articles a WHERE a.published_at BETWEEN ? AND ? ORDER BY a.id",
        conn,
        params=bounds,
    )


def _shift(text: str, delta: timedelta) -> str:
    try:
        return iso(parse_iso(text) + delta)
    except ValueError:
        return text


def article_count(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def articles_after(conn: sqlite3.Connection, last_id: int, limit: int) -> list[tuple[int, str, str, str, str | None]]:
    """Up to `limit` articles with an id above `last_id`, in id order: (id, title, summary, published_at, lang)."""
    return conn.execute(
        "SELECT id, title, summary, published_at, lang FROM articles WHERE id > ? ORDER BY id LIMIT ?",
        (last_id, limit),
    ).fetchall()
