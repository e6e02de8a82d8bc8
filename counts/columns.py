"""The dashboard's counts at a million articles: the store's tags held as columns in memory.

Why: at 1,000,000 articles every unfiltered figure in SQLite joins two million tag rows to their
articles (for the date, the story, the source), which costs 0.5–2.5 s a query; a page makes several,
and a filter change (which no cache has seen) made pages take 2–4 s. Pre-aggregated summary tables
would serve only the unfiltered views (a filter such as Canada + trade crosses every tag table), and
the store's schema belongs to ingest. So for a big store (`ENGINE_MIN` articles or more) the
dashboard reads the columns it counts with once into numpy arrays: per article its position, date
(as the rank of its stored text, so a date filter compares exactly as SQLite compares text), periods,
story, source, language; per tag table the (article, value) pairs. A filter becomes a boolean mask
over the articles and every figure a `bincount`: 5–60 ms instead of seconds
(`bench/dashboard_bench.py` measures both, side by side; docs/dashboard.md has the table).

The same answers as SQL, to the row: every function here has the signature and the output frame of
its namesake in counts/queries.py (or analytics.py), periods go through the same `_periods`, and
`tests/dashboard/test_columns.py` runs both on generated stores with hostile dates for many filters
and compares the frames. Anything not ported (the article list's text, feeds, coverage) stays SQL.

Staying current without reading everything again: the columns are kept per store, with a
fingerprint of what they were read from (row counts and sums of ids, story ids and tag rows, the
tagger versions). When the store changes (`queries.store_version`), the fingerprint is taken again
(one scan of each table's smallest index, about 0.6 s at a million): if the store only gained
articles, only those are read and appended; anything else (a retag, a removed sample, stories
regrouped) reads it all again. The columns are also saved (`.npz`, no pickles) in a cache folder, so
a restarted dashboard on an unchanged store starts in a fraction of a second instead of reading a
million rows (about 6 s).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from counts import queries
from counts.queries import (
    reader,
)

log = logging.getLogger("mpm.dashboard")

ENGINE_MIN = 50_000  # articles from which the columns pay for their memory (MPM_ENGINE_MIN)
FORMAT = 6  # of the saved columns; a saved file of another format is read again from the store
TAGS = {
    "article_countries": "country",
    "article_pairs": "pair",
    "article_topics": "topic",
    "article_organizations": "organization",
}
_TYPE_NULL, _TYPE_NUMBER, _TYPE_TEXT, _TYPE_BLOB = 0, 1, 2, 3  # SQLite's order: NULL < numbers < text < blob


def mode() -> str:
    """MPM_ENGINE: 'auto' (columns from ENGINE_MIN articles), 'on' (always), 'off' (SQL only)."""
    value = os.environ.get("MPM_ENGINE", "auto").strip().lower()
    return value if value in ("auto", "on", "off") else "auto"


def engine_min() -> int:
    try:
        return int(os.environ.get("MPM_ENGINE_MIN", ENGINE_MIN))
    except ValueError:
        return ENGINE_MIN


# --- the columns ---------------------------------------------------------------------------------


@dataclass
class Tag:
    """One tag table: for each row, the article's position and the value's code; `names[code]`."""

    rows: np.ndarray
    vals: np.ndarray
    names: np.ndarray
    # pairs only: the first and second country of each pair name (empty for the other tables)
    a: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    b: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))

    def codes(self, values) -> np.ndarray:
        index = {name: i for i, name in enumerate(self.names.tolist())}
        return np.array(sorted({index[v] for v in values if v in index}), dtype=np.int64)

    def hit(self, n: int, values, within: np.ndarray | None = None) -> np.ndarray:
        """Articles (bool over positions) with any of `values`."""
        out = np.zeros(n, dtype=bool)
        sel = np.isin(self.vals, self.codes(values))
        out[self.rows[sel]] = True
        return out if within is None else out & within


@dataclass
class Columns:
    """Everything the figures count, one entry per article, in id order."""

    ids: np.ndarray  # int64, sorted
    ptype: np.ndarray  # int8: SQLite type of published_at
    prank: np.ndarray  # int32: rank of the published_at text among `texts` (-1 if not text)
    texts: np.ndarray  # distinct published_at texts (numpy unicode, or bytes when all ASCII), sorted
    #                            as SQLite compares them; see `rank`
    text_ok: np.ndarray  # bool per text: a well-formed stored date (queries.stored_time's format)
    periods: dict[str, np.ndarray]  # freq -> int32 code per article (-1: no period)
    period_names: dict[str, list[str]]
    story: np.ndarray  # int32 code of COALESCE(story_id, id)
    n_stories: int
    source: np.ndarray  # int32 code; names in source_names
    source_names: list[str]
    lang: np.ndarray  # int32 code (-1: NULL)
    lang_names: list[str]
    tagger: np.ndarray  # int32 code (-1: NULL)
    tagger_names: list[str]
    tags: dict[str, Tag]
    fingerprint: dict = field(default_factory=dict)
    version: tuple = ()
    # Derived from the rest once it is read (build, load), empty until then: the positions newest
    # first (published_at DESC, id DESC), and each story code's COALESCE(story_id, id).
    order_desc: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    story_ids: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def n(self) -> int:
        return len(self.ids)

    def rank(self, bound: str, side: Literal["left", "right"] = "left") -> int:
        """Where the text `bound` falls among the stored texts (np.searchsorted)."""
        if self.texts.dtype.kind == "S":
            return int(np.searchsorted(self.texts, bound.encode("ascii", "replace"), side=side))
        return int(np.searchsorted(self.texts, bound, side=side))

    def text(self, rank: int) -> str:
        value = self.texts[rank]
        return value.decode("ascii") if isinstance(value, bytes) else str(value)


# --- reading the store ---------------------------------------------------------------------------


def _fingerprint(conn: sqlite3.Connection) -> dict:
    """What the columns were read from, cheap enough to take on every change of the store."""
    row = conn.execute(
        "SELECT COUNT(*), COALESCE(MAX(id), 0), TOTAL(id), TOTAL(story_id), COUNT(story_id), "
        "MIN(tagger_version), MAX(tagger_version), COUNT(tagger_version) FROM articles"
    ).fetchone()
    out = {
        "articles": row[0],
        "max_id": row[1],
        "ids": row[2],
        "stories": row[3],
        "story_n": row[4],
        "tagger": [row[5], row[6], row[7]],
    }
    for table in TAGS:
        n, total = conn.execute(f"SELECT COUNT(*), TOTAL(article_id) FROM {table}").fetchone()
        out[table] = [n, total]
    return out


def _ptype(value) -> int:
    if value is None:
        return _TYPE_NULL
    if isinstance(value, str):
        return _TYPE_TEXT
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _TYPE_BLOB
    return _TYPE_NUMBER


def _raw_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def _read_rows(conn: sqlite3.Connection, after: int = 0) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Articles (and their tag rows) with an id above `after`, as frames.

    Tag rows are read as one row per value with its article ids joined by commas (through the
    tables' (value, article_id) indexes), which is parsed in C: five times faster than two million
    (id, text) rows. Pair columns are the pair's halves (ingest stores country_a, country_b =
    pair.split("-")). Text is decoded by SQLite's own UTF-8 reader, and only when a store holds
    something else, leniently (as queries.reader does)."""
    try:
        return _read_rows_as(conn, after, str)
    except (UnicodeDecodeError, sqlite3.OperationalError):
        return _read_rows_as(conn, after, _raw_text)


def _read_rows_as(conn: sqlite3.Connection, after: int, text_factory) -> tuple[dict, dict]:
    saved = conn.text_factory
    conn.text_factory = text_factory
    try:
        rows = conn.execute(
            "SELECT id, published_at, typeof(published_at), COALESCE(story_id, id), source, lang, "
            "tagger_version FROM articles WHERE id > ? ORDER BY id",
            (after,),
        ).fetchall()
        cols = list(zip(*rows)) if rows else [()] * 7
        arts = {
            "id": np.array(cols[0], dtype=np.int64),
            "published": np.array(cols[1], dtype=object),
            "ptype": np.array([_TYPES.get(t, _TYPE_NULL) for t in cols[2]], dtype=np.int8),
            "story": np.array(cols[3], dtype=np.int64),
            "source": np.array(cols[4], dtype=object),
            "lang": np.array(cols[5], dtype=object),
            "tagger": np.array(cols[6], dtype=object),
        }
        del rows, cols
        tags = {}
        for table, column in TAGS.items():
            ids: list[np.ndarray] = []
            codes: list[np.ndarray] = []
            names: list[str] = []
            for value, joined in conn.execute(
                f"SELECT {column}, group_concat(article_id) FROM {table} WHERE article_id > ? GROUP BY {column}",
                (after,),
            ):
                found = np.fromstring(joined, dtype=np.int64, sep=",") if joined else np.zeros(0, np.int64)
                ids.append(found)
                codes.append(np.full(len(found), len(names), dtype=np.int32))
                names.append(value)
            article_ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
            values = np.concatenate(codes) if codes else np.zeros(0, np.int32)
            order = np.argsort(article_ids, kind="stable")
            tags[table] = (article_ids[order], values[order], names)
        return arts, tags
    finally:
        conn.text_factory = saved


_TYPES = {"null": _TYPE_NULL, "integer": _TYPE_NUMBER, "real": _TYPE_NUMBER, "text": _TYPE_TEXT, "blob": _TYPE_BLOB}


def _periods_of(conn: sqlite3.Connection, texts: np.ndarray) -> dict[str, np.ndarray]:
    """The period string SQLite's own expressions give each text (queries._PERIOD_SQL), as codes
    into a name list: day and month are slices, and the week is asked of SQLite for each distinct
    day, so the columns' periods are the SQL ones exactly."""
    day = texts.astype("U10")
    days, day_of_text = np.unique(day, return_inverse=True)
    weeks = {}
    listed = days.tolist()
    for i in range(0, len(listed), 400):
        chunk = listed[i : i + 400]
        rows = conn.execute(
            "SELECT column1, date(column1, '-6 days', 'weekday 1') FROM (VALUES "
            + ", ".join("(?)" for _ in chunk)
            + ")",
            chunk,
        ).fetchall()
        weeks.update(dict(rows))
    week_of_day = np.array([weeks.get(d) or "" for d in listed], dtype=object)
    return {
        "day": day,
        "week": week_of_day[day_of_text] if len(listed) else np.zeros(0, dtype=object),
        "month": np.char.add(texts.astype("U7"), "-01") if len(texts) else np.zeros(0, dtype="U10"),
    }


def _codes(values: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Codes into the sorted distinct values ('' -> -1: no period)."""
    if not len(values):
        return np.zeros(0, dtype=np.int32), []
    names, codes = np.unique(values.astype(str), return_inverse=True)
    names = names.tolist()
    codes = codes.astype(np.int32)
    if names and names[0] == "":
        codes -= 1
        names = names[1:]
    return codes, names


_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def _texts_ok(texts: np.ndarray) -> np.ndarray:
    """Per text: the stored format and a real date and time (queries.stored_time without its range,
    which moves with the clock and so is checked when counting). The exact 20-character shape is
    checked on the digits in bulk; anything else is tried one by one the way stored_time does."""
    if not len(texts):
        return np.zeros(0, dtype=bool)
    ok = np.zeros(len(texts), dtype=bool)
    ascii20 = np.array([len(t) == 20 and t.isascii() for t in texts.tolist()], dtype=bool)
    if ascii20.any():
        raw = np.frombuffer(texts[ascii20].astype("S20").tobytes(), dtype=np.uint8).reshape(-1, 20)
        digit_at = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18]
        shape = (
            np.all((raw[:, digit_at] >= 48) & (raw[:, digit_at] <= 57), axis=1)
            & (raw[:, 4] == 45)
            & (raw[:, 7] == 45)
            & (raw[:, 10] == 84)
            & (raw[:, 13] == 58)
            & (raw[:, 16] == 58)
            & (raw[:, 19] == 90)
        )
        d = raw.astype(np.int64) - 48
        year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
        month, day = d[:, 5] * 10 + d[:, 6], d[:, 8] * 10 + d[:, 9]
        hour, minute, second = d[:, 11] * 10 + d[:, 12], d[:, 14] * 10 + d[:, 15], d[:, 17] * 10 + d[:, 18]
        leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
        longest = _DAYS_IN_MONTH[np.clip(month, 0, 12)] + ((month == 2) & leap)
        valid = (
            shape
            & (year >= 1)
            & (month >= 1)
            & (month <= 12)
            & (day >= 1)
            & (day <= longest)
            & (hour <= 23)
            & (minute <= 59)
            & (second <= 61)
        )
        ok[ascii20] = valid
    for i in np.flatnonzero(~ascii20).tolist():  # other lengths: rare, and strptime is lenient there
        ok[i] = _format_ok(str(texts[i]))
    return ok


def _factorize_fast(series: pd.Series, names: list | None = None) -> tuple[np.ndarray, list]:
    """`_factorize` through pandas' hash table, for the million-row columns."""
    names = list(names or [])
    known = {name: i for i, name in enumerate(names)}
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapping = np.empty(len(uniques), dtype=np.int32)
    for i, v in enumerate(uniques.tolist()):
        code = known.get(v)
        if code is None:
            code = known[v] = len(names)
            names.append(v)
        mapping[i] = code
    out = np.full(len(codes), -1, dtype=np.int32)
    ok = codes >= 0
    out[ok] = mapping[codes[ok]]
    return out, names


def build(conn: sqlite3.Connection, base: Columns | None = None, version: tuple = ()) -> Columns:
    """Read the store's columns (all of them, or only the articles after `base`'s and append)."""
    fingerprint = _fingerprint(conn)
    after = int(base.fingerprint["max_id"]) if base is not None else 0
    arts, tags = _read_rows(conn, after)
    ptype = arts["ptype"]

    # Published texts: all distinct ones, sorted (numpy orders unicode by code point, which is
    # SQLite's BINARY order of UTF-8), each article's rank among them, their periods and whether
    # they are well-formed stored dates.
    is_text = ptype == _TYPE_TEXT
    new_texts = arts["published"][is_text]
    width = max(
        [len(t) for t in new_texts.tolist()]
        + [int(base.texts.dtype.itemsize // 4) if base is not None and len(base.texts) else 1]
    )
    joined = new_texts.astype(f"U{width}") if len(new_texts) else np.zeros(0, dtype=f"U{width}")
    offset_new = len(base.texts) if base is not None else 0
    if base is not None:
        old = base.texts if base.texts.dtype.kind == "U" else np.char.decode(base.texts, "ascii")
        joined = np.concatenate([old.astype(f"U{width}"), joined])
    texts, inverse = np.unique(joined, return_inverse=True)
    try:  # all ASCII (as ingest stores dates): bytes, a quarter of the memory, sorted as the text is
        texts = texts.astype(f"S{width}")
    except UnicodeEncodeError:
        pass
    prank = np.full(len(ptype), -1, dtype=np.int32)
    prank[is_text] = inverse[offset_new:].astype(np.int32)
    text_ok = _texts_ok(texts)
    by_text = _periods_of(conn, texts)
    period_names, per_text = {}, {}
    for freq in queries.FREQS:
        per_text[freq], period_names[freq] = _codes(by_text[freq])
    periods = {}
    for freq in queries.FREQS:
        col = np.full(len(ptype), -1, dtype=np.int32)
        col[is_text] = per_text[freq][prank[is_text]]
        periods[freq] = col

    source, source_names = _factorize_fast(arts["source"], base.source_names if base else None)
    lang, lang_names = _factorize_fast(arts["lang"], base.lang_names if base else None)
    tagger, tagger_names = _factorize_fast(arts["tagger"], base.tagger_names if base else None)
    ids = arts["id"]

    if base is not None:  # append: old columns re-coded where the text ranks or periods moved
        remap = inverse[:offset_new].astype(np.int32)
        old_rank = np.where(base.prank >= 0, remap[np.maximum(base.prank, 0)] if len(remap) else -1, -1)
        ok = old_rank >= 0
        old_periods = {}
        for freq in queries.FREQS:
            col = np.full(base.n, -1, dtype=np.int32)
            col[ok] = per_text[freq][old_rank[ok]]
            old_periods[freq] = col
        all_stories = np.concatenate([base_story_ids(base), arts["story"]])  # a new copy may join an old story
        all_ids = np.concatenate([base.ids, ids])  # (`ids` stays the new ones: their tags are appended below)
        ptype = np.concatenate([base.ptype, ptype])
        prank = np.concatenate([old_rank.astype(np.int32), prank])
        periods = {k: np.concatenate([old_periods[k], periods[k]]) for k in periods}
        source = np.concatenate([base.source, source])
        lang = np.concatenate([base.lang, lang])
        tagger = np.concatenate([base.tagger, tagger])
        offset = base.n
    else:
        all_ids, all_stories = ids, arts["story"]
        offset = 0
    out = Columns(
        ids=all_ids,
        ptype=ptype,
        prank=prank,
        texts=texts,
        text_ok=text_ok,
        periods=periods,
        period_names=period_names,
        story=np.zeros(0, np.int32),
        n_stories=0,
        source=source,
        source_names=source_names,
        lang=lang,
        lang_names=lang_names,
        tagger=tagger,
        tagger_names=tagger_names,
        tags={},
    )
    story_codes, story_ids = pd.factorize(all_stories)
    out.story, out.n_stories = story_codes.astype(np.int32), len(story_ids)
    out.story_ids = np.asarray(story_ids, dtype=np.int64)
    for table, (article_ids, codes, names) in tags.items():
        out.tags[table] = _append_tag(
            base.tags[table] if base is not None else None, article_ids, codes, names, ids, offset, table
        )
    out.fingerprint, out.version = fingerprint, version
    out.order_desc = _order_desc(out)
    return out


def base_story_ids(c: Columns) -> np.ndarray:
    """Each article's COALESCE(story_id, id), from its story code."""
    return c.story_ids[c.story]


def _format_ok(text: str) -> bool:
    """The stored format and a real date and time (queries.stored_time without its range, which
    moves with the clock and so is checked when counting)."""
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return False
    return True


def _append_tag(
    base: Tag | None, article_ids: np.ndarray, codes: np.ndarray, names: list, ids: np.ndarray, offset: int, table: str
) -> Tag:
    """The tag rows of the articles `ids` (at positions from `offset`), after `base`'s, with one
    name list for both."""
    rows = (np.searchsorted(ids, article_ids) + offset).astype(np.int32)
    known = base.names.tolist() if base is not None else []
    index = {name: i for i, name in enumerate(known)}
    mapping = np.empty(len(names), dtype=np.int32)
    for i, name in enumerate(names):
        if name not in index:
            index[name] = len(known)
            known.append(name)
        mapping[i] = index[name]
    vals = mapping[codes] if len(codes) else np.zeros(0, np.int32)
    tag = Tag(
        rows=rows if base is None else np.concatenate([base.rows, rows]),
        vals=vals if base is None else np.concatenate([base.vals, vals]),
        names=np.array(known, dtype=object),
    )
    if table == "article_pairs":  # ingest stores country_a, country_b = pair.split("-")
        halves = [(str(n).split("-", 1) + [None])[:2] for n in known]
        tag.a = np.array([h[0] for h in halves], dtype=object)
        tag.b = np.array([h[1] for h in halves], dtype=object)
    return tag


def _order_desc(c: Columns) -> np.ndarray:
    """Positions in the article list's order: published_at DESC (SQLite's: blobs, then texts by
    rank, then numbers, then NULL), id DESC."""
    return np.lexsort((-c.ids, -c.prank.astype(np.int64), -c.ptype.astype(np.int64)))


# --- saving and loading ----------------------------------------------------------------------------


def cache_dir() -> Path:
    """MPM_CACHE_DIR, else a private folder in the system's temporary directory."""
    folder = os.environ.get("MPM_CACHE_DIR")
    return Path(folder) if folder else Path(tempfile.gettempdir()) / f"mpm-columns-{os.getuid()}"


def _cache_path(db: str) -> Path:
    key = hashlib.sha256(str(Path(db).resolve()).encode()).hexdigest()[:20]
    return cache_dir() / f"{key}.npz"


def save(c: Columns, db: str) -> None:
    """Write the columns for a restart (atomic replace; arrays and JSON only, no pickles)."""
    path = _cache_path(db)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.stat().st_uid != os.getuid():
        return  # a folder someone else made: do not trust it with our data
    meta = {
        "format": FORMAT,
        "db": str(Path(db).resolve()),
        "fingerprint": c.fingerprint,
        "version": [list(p) if p else None for p in c.version],
        "period_names": c.period_names,
        "source_names": c.source_names,
        "lang_names": c.lang_names,
        "tagger_names": c.tagger_names,
        "n_stories": c.n_stories,
        "tag_names": {t: tag.names.tolist() for t, tag in c.tags.items()},
        "pair_a": c.tags["article_pairs"].a.tolist(),
        "pair_b": c.tags["article_pairs"].b.tolist(),
    }
    # Any: numpy's stubs give each array passed by keyword the type of savez's own allow_pickle too.
    arrays: dict[str, Any] = {
        "ids": c.ids,
        "ptype": c.ptype,
        "prank": c.prank,
        "texts": c.texts,
        "text_ok": c.text_ok,
        "story": c.story,
        "story_ids": c.story_ids,
        "source": c.source,
        "lang": c.lang,
        "tagger": c.tagger,
        "order_desc": c.order_desc,
        "meta": np.frombuffer(json.dumps(meta).encode("utf-8"), dtype=np.uint8),
    }
    for freq, col in c.periods.items():
        arrays[f"period_{freq}"] = col
    for table, tag in c.tags.items():
        arrays[f"{table}_rows"], arrays[f"{table}_vals"] = tag.rows, tag.vals
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, **arrays)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(db: str) -> Columns | None:
    """The saved columns of this store, or None (none saved, another format, unreadable)."""
    path = _cache_path(db)
    try:
        if path.parent.stat().st_uid != os.getuid():
            return None
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(bytes(data["meta"]).decode("utf-8"))
            if meta.get("format") != FORMAT or meta.get("db") != str(Path(db).resolve()):
                return None
            tags = {}
            for table in TAGS:
                tags[table] = Tag(
                    rows=data[f"{table}_rows"],
                    vals=data[f"{table}_vals"],
                    names=np.array(meta["tag_names"][table], dtype=object),
                )
            tags["article_pairs"].a = np.array(meta["pair_a"], dtype=object)
            tags["article_pairs"].b = np.array(meta["pair_b"], dtype=object)
            c = Columns(
                story_ids=data["story_ids"],
                ids=data["ids"],
                ptype=data["ptype"],
                prank=data["prank"],
                texts=data["texts"],
                text_ok=data["text_ok"],
                periods={f: data[f"period_{f}"] for f in queries.FREQS},
                period_names=meta["period_names"],
                story=data["story"],
                n_stories=meta["n_stories"],
                source=data["source"],
                source_names=meta["source_names"],
                lang=data["lang"],
                lang_names=meta["lang_names"],
                tagger=data["tagger"],
                tagger_names=meta["tagger_names"],
                tags=tags,
                fingerprint=meta["fingerprint"],
                version=tuple(tuple(p) if p else None for p in meta["version"]),
                order_desc=data["order_desc"],
            )
            return c
    except (OSError, ValueError, KeyError, json.JSONDecodeError):
        return None


# --- one set of columns per store, kept current ----------------------------------------------------

_LOCK = threading.Lock()
_HELD: dict[str, Columns] = {}
_SMALL: dict[str, tuple] = {}  # store -> (version, ENGINE_MIN) at which it was found too small


def _same_but_more(old: dict, new: dict) -> bool:
    """True when `new` could be `old` plus appended articles (checked exactly after reading them)."""
    return (
        new["articles"] >= old["articles"]
        and new["max_id"] >= old["max_id"]
        and all(new[t][0] >= old[t][0] for t in TAGS)
    )


def _adds_up(old: dict, delta: dict, new: dict) -> bool:
    keys = ("articles", "ids", "stories", "story_n")
    ok = all(abs(old[k] + delta[k] - new[k]) < 0.5 for k in keys)
    ok = ok and all(
        old[t][0] + delta[t][0] == new[t][0] and abs(old[t][1] + delta[t][1] - new[t][1]) < 0.5 for t in TAGS
    )
    return ok


def get(db: str, version: tuple) -> Columns | None:
    """The current columns of `db` (reading, appending or loading them as needed), or None when the
    store is small enough for SQL, or the columns are switched off."""
    if mode() == "off":
        return None
    with _LOCK:
        held = _HELD.get(db)
        if held is not None and held.version == version:
            return held
        if held is None and _SMALL.get(db) == (version, engine_min()) and mode() == "auto":
            return None
        with reader(db) as conn:
            if conn is None:
                return None
            if held is None:
                held = load(db)
                if held is not None and held.version == version:
                    _HELD[db] = held
                    return held
            if held is None and mode() == "auto":
                n = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                if n < engine_min():
                    _SMALL[db] = (version, engine_min())
                    return None
            started = time.perf_counter()
            fresh = None
            if held is not None:
                now = _fingerprint(conn)
                if now == held.fingerprint:
                    fresh = replace(held, version=version)
                elif _same_but_more(held.fingerprint, now):
                    candidate = build(conn, base=held, version=version)
                    delta = _delta(held.fingerprint, candidate)
                    if _adds_up(held.fingerprint, delta, now) and _tagger_summary(candidate) == now["tagger"]:
                        fresh = candidate
            if fresh is None:
                fresh = build(conn, version=version)
            log.info("columns of %s: %d articles in %.2f s", db, fresh.n, time.perf_counter() - started)
        _HELD[db] = fresh
    threading.Thread(target=_save_quietly, args=(fresh, db), daemon=True).start()
    return fresh


def _delta(old: dict, c: Columns) -> dict:
    """The fingerprint of the rows appended to the columns after `old` (for `_adds_up`)."""
    new = c.ids > old["max_id"]
    ids = c.ids[new]
    stories = base_story_ids(c)[new]
    own = stories == ids
    out: dict[str, Any] = {
        "articles": int(new.sum()),
        "ids": float(ids.sum()),
        "stories": float(stories[~own].sum()),
        "story_n": int((~own).sum()),
    }
    first = int(np.flatnonzero(new)[0]) if new.any() else c.n
    for table, tag in c.tags.items():
        added = tag.rows >= first
        out[table] = [int(added.sum()), float(c.ids[tag.rows[added]].sum())]
    return out


def _tagger_summary(c: Columns) -> list:
    """[MIN, MAX, COUNT] of the tagger versions, as _fingerprint takes them from the store."""
    present = sorted(c.tagger_names[i] for i in np.unique(c.tagger[c.tagger >= 0]).tolist())
    return [present[0] if present else None, present[-1] if present else None, int((c.tagger >= 0).sum())]


def _save_quietly(c: Columns, db: str) -> None:
    try:
        save(c, db)
    except OSError as exc:  # a read-only disk or a full one: the next start reads the store again
        log.warning("cannot save the columns of %s: %s", db, exc)


def forget(db: str | None = None) -> None:
    """Drop held columns (tests)."""
    with _LOCK:
        if db is None:
            _HELD.clear()
            _SMALL.clear()
        else:
            _HELD.pop(db, None)
            _SMALL.pop(db, None)
