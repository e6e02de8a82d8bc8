"""Where the rooms meet: normalized entries are tagged by `analysis` and saved by `store`.

The store takes plain data and never tags; `analysis` is pure and never touches the database. These
few functions are the one place that does both, so every path that stores articles (a live run,
saved files, the sample, an archive backfill) and every pass that revisits them (story clustering,
`python -m analysis retag`) tags and clusters the same way.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from ingest.normalize import Entry
from store import reads, writes
from store.writes import FetchRecord

log = logging.getLogger(__name__)

# A story's copies may be published up to this far apart: new articles are clustered with the stored
# articles of their span widened by this much on each side.
STORY_WINDOW = timedelta(days=3)


@dataclass(frozen=True)
class SavedFetch:
    new_ids: tuple[int, ...]
    duplicates: int  # entries of the fetch not stored: already stored, or repeated within the feed
    untagged: int  # articles stored without tags because the tagger raised


def _tagger():
    from analysis import tagger  # imported on first use: loading the gazetteers takes a moment

    return tagger


def save_entries(
    conn: sqlite3.Connection,
    feed_id: int | None,
    record: FetchRecord,
    entries: Iterable[Entry] = (),
    *,
    source: str = "",
    is_sample: bool = False,
    provenance: str | None = None,
    captured_at: datetime | None = None,
    also: Callable[[sqlite3.Connection, tuple[int, ...]], None] | None = None,
) -> SavedFetch:
    """Tag the entries not yet stored, then store the fetch (`store.writes.save_fetch`, one transaction).

    Only entries whose canonical URL is new are tagged, so a feed that re-sends what it sent before
    costs a few bulk lookups and no tagging. Tagging happens before the write lock is taken. One
    entry the tagger fails on is stored untagged (`retag` tries again later) rather than sinking the
    feed. The keyword arguments are save_fetch's: how the articles arrived, and `also`, a caller's
    own bookkeeping committed in the same transaction.
    """
    entries = list(entries)
    unique: dict[str, Entry] = {}
    for e in entries:
        unique.setdefault(e.url, e)
    existing = reads.existing_urls(conn, list(unique))
    fresh = [e for url, e in unique.items() if url not in existing]
    tagger = _tagger() if fresh else None
    tagged: list[tuple[Entry, Any]] = []
    untagged = 0
    for e in fresh:
        try:
            assert tagger is not None  # fresh entries exist, so the tagger was loaded
            tags = tagger.tag(e.title, e.summary, e.published, e.lang)
        except Exception:  # one odd entry must not sink the feed; `retag` tries again later
            log.exception("tagger failed on %s", e.url)
            tags = None
            untagged += 1
        tagged.append((e, tags))
    new_ids = writes.save_fetch(
        conn,
        feed_id,
        record,
        tagged,
        tagger_version=tagger.TAGGER_VERSION if tagger else None,
        entries_seen=len(entries),
        source=source,
        is_sample=is_sample,
        provenance=provenance,
        captured_at=captured_at,
        also=also,
    )
    return SavedFetch(new_ids, len(entries) - len(new_ids), untagged)


def recluster(conn: sqlite3.Connection, new_ids: Sequence[int] = (), everything: bool = False) -> int:
    """Recompute story ids around `new_ids` (and any article never clustered); returns rows changed.

    The window is the new articles' publication span widened by STORY_WINDOW on each side, since a
    story's other articles may be a little older or newer than the ones just stored.
    """
    frame = reads.story_candidates(conn, new_ids, STORY_WINDOW, everything)
    if frame is None or frame.empty:
        return 0
    import pandas as pd  # loaded by story_candidates already

    from analysis.stories import cluster_stories

    # The tagger's countries (title and summary, leaders by date) separate two stories whose titles
    # alone cannot ("Carney meets premier to talk trade" in Tokyo, then in Seoul) and join a copy
    # whose title names the U.S. where the wire's names Canada. Untagged articles get '' and fall
    # back to the countries named in their title.
    stories = cluster_stories(frame[["id", "title", "published_at", "source", "countries"]].copy())
    current = dict(zip(frame["id"].tolist(), frame["story_id"].tolist()))
    changes = [
        (int(story), int(article_id))
        for article_id, story in stories.items()
        if current.get(int(article_id)) is None
        or pd.isna(current.get(int(article_id)))
        or int(current[int(article_id)]) != int(story)
    ]
    return writes.set_story_ids(conn, changes)


def retag_all(
    conn: sqlite3.Connection, batch: int = 2000, on_progress: Callable[[int, int], None] | None = None
) -> int:
    """Re-tag every article with the current tagger, then recluster every story; returns the count.

    Works in batches of consecutive ids, each one transaction (`store.writes.replace_tags`: delete
    the batch's tag rows, insert the new ones, stamp `tagger_version`), so readers keep seeing a
    complete set of tags throughout.
    """
    tagger = _tagger()
    total = reads.article_count(conn)
    done, last_id = 0, 0
    while True:
        rows = reads.articles_after(conn, last_id, batch)
        if not rows:
            break
        first, last_id = rows[0][0], rows[-1][0]
        tagged = []
        for article_id, title, summary, published, lang in rows:
            try:
                tagged.append((article_id, tagger.tag(title, summary, published, lang)))
            except Exception:
                log.exception("tagger failed on article %s", article_id)
        writes.replace_tags(conn, first, last_id, tagged, tagger.TAGGER_VERSION)
        done += len(rows)
        if on_progress:
            on_progress(done, total)
    writes.set_tagger_version(conn, tagger.TAGGER_VERSION)
    recluster(conn, everything=True)
    return done
