"""Read-only SQL over the store, returning DataFrames for the pages.

Every figure is aggregated inside SQLite (GROUP BY period, country, topic...) so that a page on
a million articles moves a few hundred rows into pandas, not a million. The filters become one
WHERE clause over `articles` (see `where`): tag conditions use the tag tables' indexes, either as
the list that drives the query or as primary-key probes. Values always travel as parameters; only
placeholders and fixed SQL fragments are ever formatted into the text, and every table or column
name that reaches a query comes from the fixed `_TAGS` list.

The connection is opened read-only per call: the dashboard never writes, Streamlit runs sessions
on many threads, and WAL lets these reads go on while ingest writes.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.groups import load_groups
from ingest.netguard import redact, strip_credentials
from store import get_meta, iso, utc_now

UNITS = ("articles", "stories")
# Stored dates the pages read: `YYYY-MM-DDTHH:MM:SSZ` from 1990 to a day after now, the rule ingest
# stores by (ingest.normalize). A row outside it ("1-01-01T00:00:00Z" from an older ingest, a hand
# edit, another tool) still counts in totals and lists, but never sets the store's date range and
# is left out of charts over time: one such row once took every page down (issue 11).
EARLIEST = "1990-01-01T00:00:00Z"
_STORED_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
FREQS = ("day", "week", "month")
# SQL for the first day of an article's period; weeks start on Monday.
_PERIOD_SQL = {
    "day": "substr(a.published_at, 1, 10)",
    "week": "date(substr(a.published_at, 1, 10), '-6 days', 'weekday 1')",
    "month": "substr(a.published_at, 1, 7) || '-01'",
}


@dataclass(frozen=True)
class Filters:
    """What the sidebar selects; hashable so that it can key st.cache_data.

    `country` alone keeps articles mentioning it; with `partner`, articles tagged with the pair;
    `partner` alone acts like a country. `group` keeps articles mentioning a member, or, with a
    `country`, articles pairing that country with another member. Tuples mean "any of".
    """

    start: date | None = None
    end: date | None = None  # inclusive
    country: str | None = None
    partner: str | None = None
    group: str | None = None
    topics: tuple[str, ...] = ()
    organizations: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    unit: str = "articles"

    def is_default(self) -> bool:
        return self == Filters(unit=self.unit)


def pair_code(a: str, b: str) -> str:
    """The store's pair spelling: the two codes in alphabetical order."""
    return "-".join(sorted((a.upper(), b.upper())))


def group_members(slug: str | None) -> tuple[str, ...]:
    """Members of a group from analysis/data/groups.json; an unknown slug has none."""
    group = load_groups().get(slug or "")
    return group.members if group else ()


def latest_plausible() -> str:
    """The newest stored date a page believes: a day after now, as ingest's 'future' rule."""
    return iso(utc_now() + timedelta(days=1))


def stored_time(text: object) -> datetime | None:
    """A stored date as an aware UTC datetime, or None when it is malformed or implausible."""
    if not isinstance(text, str) or not EARLIEST <= text <= latest_plausible():
        return None
    try:
        return datetime.strptime(text, _STORED_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def stored_day(text: object) -> date | None:
    """The day of a readable stored date (see `stored_time`), else None."""
    when = stored_time(text)
    return when.date() if when else None


# --- connection and store state -------------------------------------------------------------


def store_version(db: str | os.PathLike) -> tuple:
    """Changes whenever the store is written: the cache key for every query result.

    A WAL-mode write touches the -wal file first and the main file at checkpoint, so the pair of
    (mtime, size) of both covers every commit, at the cost of two stat calls. An empty or absent
    -wal holds no commit: SQLite creates, empties and removes it as connections come and go (the
    app's own `open_store` at the start of every run did), so its time is left out. Counting it made
    every run a new version, and so every query a cache miss (issue 10's speed work).
    """
    parts: list[tuple[int, int] | None] = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(str(db) + suffix)
        except OSError:
            parts.append(None)
            continue
        parts.append((st.st_mtime_ns, st.st_size) if st.st_size or not suffix else None)
    return tuple(parts)


def _lenient_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


@contextmanager
def reader(db: str | os.PathLike) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection, or None when there is no store yet (pages then show empty states)."""
    path = Path(db)
    if not path.exists():
        yield None
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0, check_same_thread=False)
    # Text that is not UTF-8 (written by another tool, or a blob date turned into text by substr)
    # reads with replacement characters instead of failing the whole query (issue 11).
    conn.text_factory = _lenient_text
    try:
        conn.execute("PRAGMA busy_timeout = 5000")
        conn.execute("PRAGMA query_only = ON")
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'articles'").fetchone():
            conn.close()
            yield None
            return
        yield conn
    finally:
        conn.close()


def _frame(conn: sqlite3.Connection | None, sql: str, params: list | tuple, columns: list[str]) -> pd.DataFrame:
    if conn is None:
        return pd.DataFrame({c: [] for c in columns})
    rows = conn.execute(sql, params).fetchall()
    return pd.DataFrame.from_records(rows, columns=columns)


def store_status(db) -> dict:
    """Counts the app needs before any page: empty store, sample notice, filter choices."""
    status: dict[str, Any] = {
        "articles": 0,
        "sample": 0,
        "live": 0,
        "feeds": 0,
        "first": None,
        "last": None,
        "last_ingest_at": None,
        "sources": [],
        "langs": [],
        "organizations": [],
    }
    with reader(db) as conn:
        if conn is None:
            return status
        total, sample = conn.execute("SELECT COUNT(*), COALESCE(SUM(is_sample), 0) FROM articles").fetchone()
        status.update(articles=total, sample=sample, live=total - sample)
        status["feeds"] = conn.execute("SELECT COUNT(*) FROM feeds").fetchone()[0]
        status["first"], status["last"] = readable_span(db)
        status["last_ingest_at"] = get_meta(conn, "last_ingest_at")
        # Outlets from the feeds table (tiny) plus any article source without a feed row.
        status["sources"] = sorted(
            {
                r[0]
                for r in conn.execute(
                    "SELECT outlet FROM feeds UNION SELECT DISTINCT source FROM articles WHERE feed_id IS NULL"
                )
            }
        )
        status["langs"] = sorted(
            {r[0] for r in conn.execute("SELECT lang FROM feeds WHERE lang IS NOT NULL") if r[0]} | {"en", "fr"}
        )
        status["organizations"] = [
            r[0] for r in conn.execute("SELECT DISTINCT organization FROM article_organizations ORDER BY 1")
        ]
    return status


_SPANS: dict[tuple, tuple[str | None, str | None]] = {}


def readable_span(db) -> tuple[str | None, str | None]:
    """The store's oldest and newest readable dates (see `stored_time`), cached per store version:
    the date filter's bounds, and the span beyond which no chart draws a period."""
    key = (str(db), store_version(db))
    if key not in _SPANS:
        if len(_SPANS) > 256:
            _SPANS.clear()
        with reader(db) as conn:
            span = (
                (None, None)
                if conn is None
                else (_edge(conn, "1", [], newest=False), _edge(conn, "1", [], newest=True))
            )
        _SPANS[key] = span
    return _SPANS[key]


def _edge(conn: sqlite3.Connection, sql: str, params: list, newest: bool) -> str | None:
    """The oldest (or newest) readable date among the articles matching `sql` (see `stored_time`).

    Walks the published_at index from the plausible end and stops at the first well-formed value,
    so it costs an index seek on a sound store and a few more rows past each broken one.
    """
    order = "DESC" if newest else "ASC"
    cursor = conn.execute(
        f"SELECT a.published_at FROM articles a WHERE {sql} "
        f"AND a.published_at BETWEEN ? AND ? ORDER BY a.published_at {order}",
        list(params) + [EARLIEST, latest_plausible()],
    )
    try:
        return next((value for (value,) in cursor if stored_time(value)), None)
    finally:
        cursor.close()


# --- the filter as SQL ------------------------------------------------------------------------


def _marks(values) -> str:
    return ", ".join("?" for _ in values)


def _narrow(clauses: list[str], params: list, column: str, values) -> None:
    """Add `column IN (?, ...)` for a filter's chosen values; no clause when none are chosen."""
    if values:
        clauses.append(f"{column} IN ({_marks(values)})")
        params += list(values)


_ESTIMATES: dict[tuple, int] = {}


def _estimate(db, sql: str, params: tuple) -> int:
    """A row count read from a covering index (a few ms even at 1M rows), cached per store version."""
    key = (str(db), store_version(db), sql, params)
    if key not in _ESTIMATES:
        if len(_ESTIMATES) > 4096:
            _ESTIMATES.clear()
        with reader(db) as conn:
            _ESTIMATES[key] = conn.execute(sql, params).fetchone()[0] if conn is not None else 0
    return _ESTIMATES[key]


def where(f: Filters, db=None, alias: str = "a") -> tuple[str, list]:
    """The WHERE clause (without the keyword; '1' when empty) selecting `f`'s articles.

    Tag conditions can be written two ways: `id IN (SELECT article_id ...)`, which SQLite turns
    into a list that drives the query, and `EXISTS (... WHERE article_id = a.id ...)`, a primary
    key probe per candidate row. Without table statistics SQLite drives from the first IN list,
    even when that is Canada (80 % of all articles) and a topic or a date range would select far
    fewer. So, given the store, the most selective condition is found from index counts and only
    it stays an IN list (or, when the date range is most selective, none does); the rest become
    EXISTS probes. A Canada + trade + one-year filter at 1M articles went from 0.53 s to 0.19 s.
    """
    clauses, params = [], []
    col = f"{alias}."
    if f.start:
        clauses.append(f"{col}published_at >= ?")
        params.append(f"{f.start.isoformat()}T00:00:00Z")
    if f.end:
        clauses.append(f"{col}published_at < ?")
        params.append(f"{(f.end + timedelta(days=1)).isoformat()}T00:00:00Z")
    dates = tuple(params)
    _narrow(clauses, params, f"{col}source", f.sources)
    _narrow(clauses, params, f"{col}lang", f.langs)

    tags: list[tuple[str, str, list]] = []
    if f.country and f.partner and f.country != f.partner:
        tags.append(("article_pairs", "pair", [pair_code(f.country, f.partner)]))
    else:
        for code in dict.fromkeys(c for c in (f.country, f.partner) if c):
            tags.append(("article_countries", "country", [code]))
    if f.group:
        members = [m for m in group_members(f.group) if m != f.country]
        if not members:
            clauses.append("0")
        elif f.country:
            tags.append(("article_pairs", "pair", [pair_code(f.country, m) for m in members]))
        else:
            tags.append(("article_countries", "country", members))
    if f.topics:
        tags.append(("article_topics", "topic", list(f.topics)))
    if f.organizations:
        tags.append(("article_organizations", "organization", list(f.organizations)))
    tags = [(t, c, list(dict.fromkeys(v))) for t, c, v in tags]

    driver: int | None = 0  # which tag condition stays an IN list; None: all EXISTS
    if db is not None and tags and (len(tags) > 1 or dates):
        sizes = [_estimate(db, f"SELECT COUNT(*) FROM {t} WHERE {c} IN ({_marks(v)})", tuple(v)) for t, c, v in tags]
        driver = min(range(len(tags)), key=sizes.__getitem__)
        if dates:
            span = " AND ".join(x for x, on in (("published_at >= ?", f.start), ("published_at < ?", f.end)) if on)
            if _estimate(db, f"SELECT COUNT(*) FROM articles WHERE {span}", dates) < sizes[driver]:
                driver = None
    for i, (table, column, values) in enumerate(tags):
        if db is None or i == driver:
            clauses.append(f"{col}id IN (SELECT article_id FROM {table} WHERE {column} IN ({_marks(values)}))")
        else:
            clauses.append(
                f"EXISTS (SELECT 1 FROM {table} WHERE article_id = {col}id AND {column} IN ({_marks(values)}))"
            )
        params.extend(values)
    return (" AND ".join(clauses) or "1"), params


def _count(f: Filters, alias: str = "a") -> str:
    """Articles, or stories (an article's story, itself when it has none), counted once each.

    Every aggregation below groups by a key that an article holds at most once (a period, a tag
    value, a pair), so counting articles needs no DISTINCT.
    """
    if f.unit == "stories":
        return f"COUNT(DISTINCT COALESCE({alias}.story_id, {alias}.id))"
    return "COUNT(*)"


def _scope(f: Filters, db) -> tuple[str, str, list, bool]:
    """(WITH clause, FROM source aliased `a`, params, filtered) for queries over the filter's articles.

    With any filter set, its articles are computed once into a MATERIALIZED CTE and the tag tables
    are joined to it by primary key; otherwise the articles table is used directly. Without this,
    SQLite re-reads a filter's `IN (SELECT ...)` list for every value of the outer index (a topic x
    country heatmap under a Canada filter took 0.7 s at 200k articles instead of 0.1 s).
    """
    sql, params = where(f, db)
    if sql == "1":
        return "", "articles a", [], False
    cte = f"WITH fa AS MATERIALIZED (SELECT a.id, a.story_id, a.published_at, a.feed_id FROM articles a WHERE {sql}) "
    return cte, "fa a", params, True


def _tag_only(f: Filters, filtered: bool) -> bool:
    """True when a tag query needs no article column at all (no filter, counting articles)."""
    return not filtered and f.unit == "articles"


# --- figures ----------------------------------------------------------------------------------


def headline(db, f: Filters) -> dict:
    """Articles, stories, distinct countries and the period covered, for the filter."""
    sql, params = where(f, db)
    cte, src, cparams, filtered = _scope(f, db)
    out: dict[str, Any] = {
        "articles": 0,
        "stories": 0,
        "countries": 0,
        "first": None,
        "last": None,
        "last_ingest_at": None,
    }
    with reader(db) as conn:
        if conn is None:
            return out
        row = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT COALESCE(a.story_id, a.id)), MIN(a.published_at), "
            f"MAX(a.published_at) FROM articles a WHERE {sql}",
            params,
        ).fetchone()
        # The period covered, from the same scan as the counts. Only when an edge is unreadable
        # (a store damaged by another writer) is the nearest readable date looked up.
        first, last = (
            value if value is None or stored_time(value) else _edge(conn, sql, params, newest)
            for value, newest in ((row[2], False), (row[3], True))
        )
        out.update(articles=row[0], stories=row[1], first=first, last=last)
        countries = (
            (f"{cte}SELECT COUNT(DISTINCT c.country) FROM {src} JOIN article_countries c ON c.article_id = a.id")
            if filtered
            else "SELECT COUNT(DISTINCT country) FROM article_countries"
        )
        out["countries"] = conn.execute(countries, cparams).fetchone()[0]
        out["last_ingest_at"] = get_meta(conn, "last_ingest_at")
    return out


def ingest_times(db) -> dict[str, str | None]:
    """The last ingest attempt and how it went, and the last run that brought new articles (issue 10).

    `last_ingest_at` is stamped by every run, even one that skipped every feed or reached none, so on
    its own it read "Last ingest 1 min ago" on a machine that had been offline for hours. The last
    new articles are the fetch time of the newest stored article that a run brought (live or
    --from-dir, not the sample nor a backfill's history): the highest id first, since ids only grow.
    """
    out: dict[str, str | None] = {"last_attempt_at": None, "last_outcome": None, "last_new_at": None}
    with reader(db) as conn:
        if conn is None:
            return out
        out["last_attempt_at"] = get_meta(conn, "last_ingest_at")
        out["last_outcome"] = get_meta(conn, "last_ingest_outcome")  # ingest.runner.RunSummary.outcome
        row = conn.execute(
            "SELECT fetched_at FROM articles WHERE provenance IN ('live', 'file') AND is_sample = 0 "
            "ORDER BY id DESC LIMIT 1"
        ).fetchone()
        out["last_new_at"] = row[0] if row else None
    return out


def feeds_waiting(db) -> tuple[int, str | None]:
    """How many enabled feeds a run would skip now (backoff after failures, a server's Retry-After),
    and when the first of them is due again: what Fetch anyway (`--force`) would ask besides."""
    with reader(db) as conn:
        if conn is None:
            return 0, None
        count, first = conn.execute(
            "SELECT COUNT(*), MIN(next_fetch_at) FROM feeds WHERE enabled = 1 AND kind NOT IN ('file', 'sample') "
            "AND next_fetch_at > ?",
            (iso(utc_now()),),
        ).fetchone()
    return int(count), first


def timeseries(db, f: Filters, freq: str = "month") -> pd.DataFrame:
    """[period, count]: the filter's articles (or stories) per day, week or month."""
    return _timeseries(db, f, freq)


def _timeseries(db, f: Filters, freq: str, clause: str = "1", extra: Sequence = ()) -> pd.DataFrame:
    """[period, count] of the filter's articles that also meet `clause` (with its `extra` parameters):
    the one per-period count behind `timeseries` and `analytics.series_timeseries`."""
    sql, params = where(f, db)
    with reader(db) as conn:
        df = _frame(
            conn,
            f"SELECT {_PERIOD_SQL[freq]} AS period, {_count(f)} FROM articles a "
            f"WHERE {sql} AND {clause} GROUP BY period ORDER BY period",
            list(params) + list(extra),
            ["period", "count"],
        )
    return _periods(df, db)


_TAGS = {
    "article_countries": "country",
    "article_topics": "topic",
    "article_pairs": "pair",
    "article_organizations": "organization",
}


def _check(table: str, column: str) -> None:
    if _TAGS.get(table) != column:
        raise ValueError(f"{table}.{column}")


def tag_timeseries(db, f: Filters, freq: str, table: str, column: str, values: list[str] | None = None) -> pd.DataFrame:
    """[period, value, count] for a tag table (countries, topics, pairs, organizations)."""
    _check(table, column)
    cte, src, params, _ = _scope(f, db)
    restrict = ""
    if values is not None:
        if not values:
            return _periods(pd.DataFrame({"period": [], "value": [], "count": []}), db)
        restrict = f"WHERE t.{column} IN ({_marks(values)})"
        params = params + list(values)
    with reader(db) as conn:
        df = _frame(
            conn,
            f"{cte}SELECT {_PERIOD_SQL[freq]} AS period, t.{column}, {_count(f)} "
            f"FROM {src} JOIN {table} t ON t.article_id = a.id "
            f"{restrict} GROUP BY period, t.{column} ORDER BY period",
            params,
            ["period", "value", "count"],
        )
    return _periods(df, db)


def group_timeseries(db, f: Filters, freq: str, groups: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """[period, group, count, total]: per period, articles mentioning any member of each group,
    and all the filter's articles (the denominator of a share).

    One query per group, each driven by the group's mention list; measured faster at 1M articles
    than one query joining a (member, group) table, whose DISTINCT over all groups costs more.
    """
    totals = timeseries(db, f, freq).rename(columns={"count": "total"})
    sql, params = where(f, db)
    parts = []
    with reader(db) as conn:
        for label, members in groups.items():
            codes = list(dict.fromkeys(members))
            if not codes:
                continue
            df = _frame(
                conn,
                f"SELECT {_PERIOD_SQL[freq]} AS period, {_count(f)} FROM articles a "
                f"WHERE {sql} AND a.id IN (SELECT article_id FROM article_countries "
                f"WHERE country IN ({_marks(codes)})) GROUP BY period",
                params + codes,
                ["period", "count"],
            )
            df["group"] = label
            parts.append(_periods(df, db))
    return _with_totals(parts, totals)


def _with_totals(parts: list[pd.DataFrame], totals: pd.DataFrame) -> pd.DataFrame:
    """[period, group, count, total]: each group's per-period counts beside the filter's total of the
    period (a period with no article of the filter has no row); shared by the in-memory version."""
    if not parts or totals.empty:
        return pd.DataFrame({"period": pd.Series([], dtype="datetime64[ns]"), "group": [], "count": [], "total": []})
    out = pd.concat(parts, ignore_index=True).merge(totals, on="period", how="right")
    return out.dropna(subset=["group"])[["period", "group", "count", "total"]].reset_index(drop=True)


def partners(db, f: Filters, country: str, limit: int | None = None) -> pd.DataFrame:
    """[partner, count]: the countries paired with `country` in the filter's articles."""
    country = country.upper()
    cte, src, params, filtered = _scope(f, db)
    lim = f"LIMIT {int(limit)}" if limit else ""
    join = "" if _tag_only(f, filtered) else f"JOIN {src} ON a.id = p.article_id"
    with reader(db) as conn:
        return _frame(
            conn,
            f"{cte}SELECT CASE WHEN p.country_a = ? THEN p.country_b ELSE p.country_a END AS partner, "
            f"{_count(f)} AS n FROM article_pairs p {join} "
            "WHERE (p.country_a = ? OR p.country_b = ?) "
            f"GROUP BY partner ORDER BY n DESC, partner {lim}",
            params + [country, country, country],
            ["partner", "count"],
        )


def partner_timeseries(db, f: Filters, country: str, freq: str, partner_codes: list[str]) -> pd.DataFrame:
    """[period, partner, count] for the pairs of `country` with each of `partner_codes`."""
    pairs = {pair_code(country, p): p for p in partner_codes if p != country}
    df = tag_timeseries(db, f, freq, "article_pairs", "pair", list(pairs))
    df["partner"] = df["value"].map(pairs)
    return df[["period", "partner", "count"]]


def value_counts(
    db, f: Filters, table: str, column: str, limit: int | None = None, exclude: tuple[str, ...] = ()
) -> pd.DataFrame:
    """[value, count] over a tag table for the filter, biggest first."""
    _check(table, column)
    cte, src, params, filtered = _scope(f, db)
    excl = f"WHERE t.{column} NOT IN ({_marks(exclude)})" if exclude else ""
    lim = f"LIMIT {int(limit)}" if limit else ""
    source = f"{table} t" if _tag_only(f, filtered) else f"{src} JOIN {table} t ON t.article_id = a.id"
    with reader(db) as conn:
        return _frame(
            conn,
            f"{cte}SELECT t.{column}, {_count(f)} AS n FROM {source} "
            f"{excl} GROUP BY t.{column} ORDER BY n DESC, t.{column} {lim}",
            params + list(exclude),
            ["value", "count"],
        )


def topic_country(db, f: Filters, countries: list[str]) -> pd.DataFrame:
    """[topic, country, count] for the given countries: the cells of the topic x country heatmap."""
    if not countries:
        return pd.DataFrame({"topic": [], "country": [], "count": []})
    cte, src, params, filtered = _scope(f, db)
    source = (
        "article_countries c JOIN article_topics t ON t.article_id = c.article_id"
        if _tag_only(f, filtered)
        else f"{src} JOIN article_countries c ON c.article_id = a.id JOIN article_topics t ON t.article_id = a.id"
    )
    with reader(db) as conn:
        return _frame(
            conn,
            f"{cte}SELECT t.topic, c.country, {_count(f)} FROM {source} "
            f"WHERE c.country IN ({_marks(countries)}) GROUP BY t.topic, c.country",
            params + list(countries),
            ["topic", "country", "count"],
        )


def pairs_within(db, f: Filters, members: list[str]) -> pd.DataFrame:
    """[country_a, country_b, count]: pairs with both countries in `members` (network edges)."""
    if len(members) < 2:
        return pd.DataFrame({"country_a": [], "country_b": [], "count": []})
    cte, src, params, filtered = _scope(f, db)
    join = "" if _tag_only(f, filtered) else f"JOIN {src} ON a.id = p.article_id"
    with reader(db) as conn:
        return _frame(
            conn,
            f"{cte}SELECT p.country_a, p.country_b, {_count(f)} AS n FROM article_pairs p {join} "
            f"WHERE p.country_a IN ({_marks(members)}) AND p.country_b IN ({_marks(members)}) "
            "GROUP BY p.country_a, p.country_b ORDER BY n DESC, p.country_a, p.country_b",
            params + list(members) + list(members),
            ["country_a", "country_b", "count"],
        )


def group_counts(db, f: Filters, groups: dict[str, tuple[str, ...]], exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """[group, count]: per group, the filter's articles mentioning a member (other than `exclude`).

    One query for all groups: the (member, group) list is a VALUES table joined to the mentions.
    """
    labels = list(groups)
    rows = [(m, i) for i, label in enumerate(labels) for m in groups[label] if m not in exclude]
    counts = dict.fromkeys(range(len(labels)), 0)
    if rows:
        cte, src, params, filtered = _scope(f, db)
        values = ", ".join("(?, ?)" for _ in rows)
        cte = (cte + ", " if cte else "WITH ") + f"g(code, grp) AS (VALUES {values}) "
        # An article naming two members counts once for the group.
        if _tag_only(f, filtered):
            counted, join = "COUNT(DISTINCT c.article_id)", ""
        else:
            counted, join = _count(f).replace("COUNT(*)", "COUNT(DISTINCT a.id)"), f"JOIN {src} ON a.id = c.article_id"
        with reader(db) as conn:
            if conn is not None:
                for grp, n in conn.execute(
                    f"{cte}SELECT g.grp, {counted} FROM g JOIN article_countries c ON c.country = g.code "
                    f"{join} GROUP BY g.grp",
                    params + [x for row in rows for x in row],
                ):
                    counts[grp] = n
    return pd.DataFrame({"group": labels, "count": [counts[i] for i in range(len(labels))]})


def movers(
    db, f: Filters, exclude: tuple[str, ...] = (), limit: int = 10, days: int | None = None, last: str | None = None
) -> tuple[pd.DataFrame, date | None, date | None]:
    """Countries whose coverage changed most: the current window against the one just before.

    The current window is the filter's date range; without one, the last `days` (default 30)
    up to the newest article. Returns [country, current, previous, change] and the window.
    """
    end = f.end or stored_day(last)
    if end is None:
        return pd.DataFrame({"country": [], "current": [], "previous": [], "change": []}), None, None
    start = f.start or (end - timedelta(days=(days or 30) - 1))
    length = (end - start).days + 1
    cur = value_counts(db, replace(f, start=start, end=end), "article_countries", "country", exclude=exclude)
    prev = value_counts(
        db,
        replace(f, start=start - timedelta(days=length), end=start - timedelta(days=1)),
        "article_countries",
        "country",
        exclude=exclude,
    )
    df = cur.rename(columns={"value": "country", "count": "current"}).merge(
        prev.rename(columns={"value": "country", "count": "previous"}), on="country", how="outer"
    )
    df[["current", "previous"]] = df[["current", "previous"]].fillna(0).astype("int64")
    df["change"] = df["current"] - df["previous"]
    df = df.assign(abs_change=df["change"].abs()).sort_values(
        ["abs_change", "current", "country"], ascending=[False, False, True]
    )
    return df.drop(columns="abs_change").head(limit).reset_index(drop=True), start, end


# --- articles and feeds -----------------------------------------------------------------------

ARTICLE_COLUMNS = [
    "published_at",
    "title",
    "source",
    "url",
    "countries",
    "pairs",
    "topics",
    "organizations",
    "lang",
    "provenance",
    "captured_at",
    "story_id",
    "id",
]


def series_clause(kind: str, value: str) -> tuple[str, list]:
    """The articles of one series, as a condition on `a` (added to the filter's own): mentioning a
    country, tagged with a pair, tagged with any pair of a country (`pairs_of`: "all of Canada's
    pairs"), or with a topic. Compare draws series; What changed lists one series' articles
    (`queries.articles(..., series=...)`)."""
    if kind == "topic":
        return "a.id IN (SELECT article_id FROM article_topics WHERE topic = ?)", [value]
    if kind == "country":
        return "a.id IN (SELECT article_id FROM article_countries WHERE country = ?)", [value.upper()]
    if kind == "pair":
        a, _, b = value.partition("-")
        return "a.id IN (SELECT article_id FROM article_pairs WHERE pair = ?)", [pair_code(a, b)]
    if kind == "pairs_of":
        code = value.upper()
        return (
            "a.id IN (SELECT article_id FROM article_pairs WHERE country_a = ? "
            "UNION SELECT article_id FROM article_pairs WHERE country_b = ?)",
            [code, code],
        )
    raise ValueError(kind)


def articles(
    db, f: Filters, search: str = "", limit: int = 50, offset: int = 0, series: tuple[str, str] | None = None
) -> tuple[pd.DataFrame, int]:
    """One page of the filter's articles, newest first, with their tags, and the total count.

    The tags are gathered only for the page's rows, so the cost of a page does not grow with the
    store beyond finding the rows themselves. `series` narrows to one series of
    `series_clause` (a topic, a pair... on top of the filter); `search` is read
    by counts.search, which adds a `match` column (the highlighted passage).
    """
    from counts.search import parse, to_fts5

    sql, params = where(f, db)
    if series:
        clause, extra = series_clause(*series)
        sql, params = f"{sql} AND {clause}", params + extra
    include, exclude = to_fts5(parse(search))  # built from parsed terms, never the raw text
    if include:
        sql += " AND a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
        params = params + [include]
    if exclude:
        sql += " AND a.id NOT IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
        params = params + [exclude]
    with reader(db) as conn:
        if conn is None:
            return pd.DataFrame({c: [] for c in ARTICLE_COLUMNS}), 0
        total = conn.execute(f"SELECT COUNT(*) FROM articles a WHERE {sql}", params).fetchone()[0]
        df = _frame(
            conn,
            f"{_ARTICLE_SELECT} WHERE {sql} ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?",
            params + [int(limit), int(offset)],
            ARTICLE_COLUMNS,
        )
        if include:
            df.insert(2, "match", _snippets(conn, include, df["id"].tolist()))
    return finish_articles(df), total


# One article list row: its columns and its tags, gathered for the listed rows only.
_ARTICLE_SELECT = (
    "SELECT a.published_at, a.title, a.source, a.url, "
    "(SELECT group_concat(country, ', ') FROM (SELECT country FROM article_countries "
    " WHERE article_id = a.id ORDER BY country)), "
    "(SELECT group_concat(pair, ', ') FROM (SELECT pair FROM article_pairs "
    " WHERE article_id = a.id ORDER BY pair)), "
    "(SELECT group_concat(topic, ', ') FROM (SELECT topic FROM article_topics "
    " WHERE article_id = a.id ORDER BY topic)), "
    "(SELECT group_concat(organization, ', ') FROM (SELECT organization FROM "
    " article_organizations WHERE article_id = a.id ORDER BY organization)), "
    "a.lang, a.provenance, a.captured_at, COALESCE(a.story_id, a.id), a.id FROM articles a"
)


def article_rows(conn: sqlite3.Connection, ids: list[int], search: str = "") -> pd.DataFrame:
    """The article list's rows for these ids, in the list's order (newest first), with the match
    column when searching: `articles` once the ids are chosen elsewhere (counts/memory.py)."""
    from counts.search import parse, to_fts5

    ids = [int(i) for i in ids]
    df = (
        _frame(
            conn,
            f"{_ARTICLE_SELECT} WHERE a.id IN ({_marks(ids)}) ORDER BY a.published_at DESC, a.id DESC",
            ids,
            ARTICLE_COLUMNS,
        )
        if ids
        else pd.DataFrame({c: [] for c in ARTICLE_COLUMNS})
    )
    include = to_fts5(parse(search))[0]
    if include:
        df.insert(2, "match", _snippets(conn, include, df["id"].tolist()))
    return finish_articles(df)


def finish_articles(df: pd.DataFrame) -> pd.DataFrame:
    """Empty tag lists as blanks, and the times as times (an unreadable one as an empty cell)."""
    for col in ("countries", "pairs", "topics", "organizations"):
        df[col] = df[col].fillna("")
    # How each article arrived (live, archive, file, sample) and, for archived ones, the capture time.
    df["captured_at"] = pd.to_datetime(df["captured_at"], format="%Y-%m-%dT%H:%M:%SZ", utc=True, errors="coerce")
    # An unreadable stored date shows as an empty cell rather than failing the whole table.
    df["published_at"] = _times(df["published_at"])
    return df


def _snippets(conn: sqlite3.Connection, query: str, ids: list[int]) -> list[str]:
    """The matching passage of each listed article (FTS5 snippet, about 14 words), as plain text
    with the matched words between ** marks (counts.search.marked): a column of text, never HTML."""
    from counts.search import CLOSE, OPEN, marked

    if not ids:
        return []
    found = dict(
        conn.execute(
            f"SELECT rowid, snippet(articles_fts, -1, ?, ?, '…', 14) FROM articles_fts "
            f"WHERE articles_fts MATCH ? AND rowid IN ({_marks(ids)})",
            [OPEN, CLOSE, query, *ids],
        ).fetchall()
    )
    return [marked(found.get(i)) for i in ids]


def article_explanation(db, article_id: int) -> dict | None:
    """Why the current tagger gives one stored article its pairs and topics (analysis/explain.py), with the
    tags stored for it and the tagger version that stored them: the two differ until `retag` runs."""
    from analysis.explain import explain
    from analysis.tagger import TAGGER_VERSION, default_tagger

    with reader(db) as conn:
        if conn is None:
            return None
        row = conn.execute(
            "SELECT title, summary, published_at, lang, tagger_version FROM articles WHERE id = ?", (int(article_id),)
        ).fetchone()
    if row is None:
        return None
    title, summary, published, lang, version = row
    out = explain(default_tagger(), title or "", summary or "", published, lang)
    out["stored_version"] = version
    out["current_version"] = TAGGER_VERSION
    return out


FEED_COLUMNS = [
    "name",
    "outlet",
    "lang",
    "kind",
    "enabled",
    "last_fetch_at",
    "last_ok_at",
    "last_status",
    "last_error",
    "consecutive_failures",
    "articles",
    "url",
]


def feed_health(db, f: Filters) -> pd.DataFrame:
    """Every feed with its last fetch, status, error and the number of the filter's articles.

    A feed URL may carry `user:password@` (the store keeps it to fetch with): the URL and the
    error text come out without it, so neither the table nor its CSV ever shows it.
    """
    frame = _feed_health(db, f)
    frame["url"] = frame["url"].map(strip_credentials)
    frame["last_error"] = frame["last_error"].map(redact)
    return frame


def _feed_health(db, f: Filters) -> pd.DataFrame:
    sql, params = where(f, db)
    with reader(db) as conn:
        return _frame(
            conn,
            "SELECT fd.name, fd.outlet, fd.lang, fd.kind, fd.enabled, fd.last_fetch_at, fd.last_ok_at, "
            "fd.last_status, COALESCE(fd.last_error, fd.disabled_reason, ''), fd.consecutive_failures, "
            "COALESCE(n.articles, 0), fd.url FROM feeds fd LEFT JOIN "
            f"(SELECT a.feed_id, COUNT(*) AS articles FROM articles a WHERE {sql} GROUP BY a.feed_id) n "
            "ON n.feed_id = fd.id ORDER BY fd.enabled DESC, fd.consecutive_failures DESC, fd.outlet, fd.name",
            params,
            FEED_COLUMNS,
        )


# --- helpers ----------------------------------------------------------------------------------


def _times(values: pd.Series) -> pd.Series:
    """Stored dates as UTC timestamps; malformed or implausible ones (see `stored_time`) as NaT."""
    readable = values.where(values.map(lambda v: stored_time(v) is not None))
    return pd.to_datetime(readable, format=_STORED_FORMAT, utc=True, errors="coerce")


def _periods(df: pd.DataFrame, db) -> pd.DataFrame:
    """Periods as timestamps. A period that is not a date, or lies outside the store's readable
    span (see `readable_span`), comes from unreadable stored dates: its rows are dropped rather
    than failing the page or stretching every chart's axis back to year 2000 ("2000-02-30" is no
    date, yet SQLite's date() makes it a week)."""
    df = df.copy()
    periods = pd.to_datetime(df["period"], format="%Y-%m-%d", errors="coerce")
    first, last = readable_span(db)
    if first is None or last is None:  # both or neither: no readable date at all
        low = high = pd.NaT
    else:  # the first period starts up to a month before the first day
        low, high = pd.Timestamp(first[:10]) - pd.Timedelta(days=31), pd.Timestamp(last[:10])
    df["period"] = periods
    df = df[periods.between(low, high)].reset_index(drop=True)
    if "count" in df:
        df["count"] = df["count"].astype("int64")
    return df


# --- coverage and the archive (issue 12) ---------------------------------------------------------

# A period is thin when its sources were seen (a live fetch or an archived capture that answered)
# on fewer than this share of its days: its counts may show a gap in the record, not in attention.
THIN = 0.5
_DAY_PERIOD_SQL = {
    "day": "c.day",
    "week": "date(c.day, '-6 days', 'weekday 1')",
    "month": "substr(c.day, 1, 7) || '-01'",
}
COVERAGE_COLUMNS = ["period", "sources", "days", "seen", "coverage", "thin"]


def _utc_today() -> date:
    """Days after this one cannot have been seen yet (the store's days are UTC days)."""
    import datetime as _dt

    return _dt.datetime.now(_dt.UTC).date()


def _coverage_sources(f: Filters) -> tuple[str, list]:
    """The feeds whose days count: real feeds (not files or the sample) ever seen, narrowed by the
    filter's sources and languages (the other filters select articles, not the record itself)."""
    clauses = ["fd.kind IN ('outlet', 'official')", "EXISTS (SELECT 1 FROM coverage_days x WHERE x.feed_id = fd.id)"]
    params: list = []
    _narrow(clauses, params, "fd.outlet", f.sources)
    _narrow(clauses, params, "fd.lang", f.langs)
    return " AND ".join(clauses), params


def _period_days(periods: pd.Series, freq: str, low: date, high: date) -> pd.Series:
    """How many days of each period fall between `low` and `high` (the part that could be seen)."""
    starts = pd.to_datetime(periods)
    ends = {"day": starts, "week": starts + pd.Timedelta(days=6), "month": starts + pd.offsets.MonthEnd(0)}[freq]
    lo, hi = pd.Timestamp(low), pd.Timestamp(high)
    first = starts.where(starts > lo, lo)
    last = ends.where(ends < hi, hi)
    return ((last - first).dt.days + 1).clip(lower=0)


def coverage(db, f: Filters, freq: str, first: str, last: str) -> pd.DataFrame:
    """[period, sources, days, seen, coverage, thin] for every period from `first` to `last`.

    `sources` is how many outlets are in scope (see `_coverage_sources`), `days` how many days of the
    period lie within the filter's dates and before tomorrow, `seen` how many (outlet, day) pairs had
    a live fetch or an archived capture that answered, `coverage` = seen / (sources x days) and
    `thin` = coverage < THIN. Empty when no feed in scope was ever seen (a sample or generated store:
    nothing is known about coverage, so nothing is marked).
    """
    scope, params = _coverage_sources(f)
    low = max(date.fromisoformat(first[:10]), f.start or date.min)
    high = min(date.fromisoformat(last[:10]) + timedelta(days=31), f.end or date.max, _utc_today())
    with reader(db) as conn:
        if conn is None or not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'coverage_days'").fetchone():
            return pd.DataFrame({c: [] for c in COVERAGE_COLUMNS})
        sources = conn.execute(f"SELECT COUNT(DISTINCT fd.outlet) FROM feeds fd WHERE {scope}", params).fetchone()[0]
        if not sources:
            return pd.DataFrame({c: [] for c in COVERAGE_COLUMNS})
        seen = _frame(
            conn,
            f"SELECT {_DAY_PERIOD_SQL[freq]} AS period, COUNT(DISTINCT fd.outlet || char(31) || c.day) "
            f"FROM coverage_days c JOIN feeds fd ON fd.id = c.feed_id WHERE {scope} "
            "AND c.day BETWEEN ? AND ? GROUP BY period",
            params + [low.isoformat(), high.isoformat()],
            ["period", "seen"],
        )
    periods = pd.date_range(
        pd.Timestamp(first[:10]), pd.Timestamp(last[:10]), freq={"day": "D", "week": "W-MON", "month": "MS"}[freq]
    )
    out = pd.DataFrame({"period": periods})
    seen["period"] = pd.to_datetime(seen["period"], format="%Y-%m-%d", errors="coerce")
    out = out.merge(seen, on="period", how="left")
    out["seen"] = out["seen"].fillna(0).astype("int64")
    out["sources"] = int(sources)
    out["days"] = _period_days(out["period"], freq, low, high).astype("int64")
    possible = (out["sources"] * out["days"]).where(lambda s: s > 0)
    out["coverage"] = (out["seen"] / possible).fillna(0.0).clip(upper=1.0).round(3)
    out["thin"] = (out["days"] > 0) & (out["coverage"] < THIN)
    return out[COVERAGE_COLUMNS]


SOURCE_COVERAGE_COLUMNS = ["source", "period", "seen", "days", "coverage", "thin"]


def source_coverage(db, f: Filters, first: str, last: str, freq: str = "month") -> pd.DataFrame:
    """[source, period, seen, days, coverage, thin]: per outlet and period, the days on which any of
    its feeds was seen (a live fetch or an archived capture that answered), out of the period's days."""
    scope, params = _coverage_sources(f)
    low, high = date.fromisoformat(first[:10]), min(date.fromisoformat(last[:10]), _utc_today())
    with reader(db) as conn:
        if conn is None or not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'coverage_days'").fetchone():
            return pd.DataFrame({c: [] for c in SOURCE_COVERAGE_COLUMNS})
        outlets = [
            r[0] for r in conn.execute(f"SELECT DISTINCT fd.outlet FROM feeds fd WHERE {scope} ORDER BY 1", params)
        ]
        seen = _frame(
            conn,
            f"SELECT fd.outlet, {_DAY_PERIOD_SQL[freq]} AS period, COUNT(DISTINCT c.day) "
            f"FROM coverage_days c JOIN feeds fd ON fd.id = c.feed_id WHERE {scope} "
            "AND c.day BETWEEN ? AND ? GROUP BY fd.outlet, period",
            params + [low.isoformat(), high.isoformat()],
            ["source", "period", "seen"],
        )
    if not outlets or low > high:
        return pd.DataFrame({c: [] for c in SOURCE_COVERAGE_COLUMNS})
    start = (
        pd.Timestamp(low) - pd.Timedelta(days=low.weekday())
        if freq == "week"
        else pd.Timestamp(low).replace(day=1)
        if freq == "month"
        else pd.Timestamp(low)
    )
    periods = pd.date_range(start, pd.Timestamp(high), freq={"day": "D", "week": "W-MON", "month": "MS"}[freq])
    grid = pd.MultiIndex.from_product([outlets, periods], names=["source", "period"]).to_frame(index=False)
    seen["period"] = pd.to_datetime(seen["period"], format="%Y-%m-%d", errors="coerce")
    out = grid.merge(seen, on=["source", "period"], how="left")
    out["seen"] = out["seen"].fillna(0).astype("int64")
    out["days"] = _period_days(out["period"], freq, low, high).astype("int64")
    out["coverage"] = (out["seen"] / out["days"].where(out["days"] > 0)).fillna(0.0).clip(upper=1.0).round(3)
    out["thin"] = out["coverage"] < THIN
    return out[SOURCE_COVERAGE_COLUMNS]


def backfill_status(db) -> dict | None:
    """The latest backfill run (ingest/backfill.py) as a dict of its backfill_runs row, or None."""
    with reader(db) as conn:
        if conn is None or not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'backfill_runs'").fetchone():
            return None
        cursor = conn.execute("SELECT * FROM backfill_runs ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip([d[0] for d in cursor.description], row))


ARCHIVE_COLUMNS = [
    "name",
    "outlet",
    "listed",
    "stored",
    "failed",
    "to_do",
    "items_new",
    "first_capture",
    "last_capture",
    "last_error",
]


def archive_progress(db) -> pd.DataFrame:
    """Per feed, what backfills have done: captures listed by the archive's index, stored, failed
    (for good or to retry), still to do, new articles, the span of the stored captures, the last error."""
    with reader(db) as conn:
        if conn is None or not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'archive_captures'").fetchone():
            return pd.DataFrame({c: [] for c in ARCHIVE_COLUMNS})
        return _frame(
            conn,
            "SELECT fd.name, fd.outlet, COUNT(*), SUM(c.state = 'ok'), SUM(c.state IN ('failed', 'error')), "
            "SUM(c.state IN ('pending', 'error')), SUM(c.items_new), "
            "MIN(CASE WHEN c.state = 'ok' THEN c.captured_at END), "
            "MAX(CASE WHEN c.state = 'ok' THEN c.captured_at END), "
            "(SELECT e.error FROM archive_captures e WHERE e.feed_id = fd.id AND e.state <> 'ok' "
            " AND e.error IS NOT NULL ORDER BY e.done_at DESC LIMIT 1) "
            "FROM archive_captures c JOIN feeds fd ON fd.id = c.feed_id GROUP BY fd.id "
            "ORDER BY fd.outlet, fd.name",
            [],
            ARCHIVE_COLUMNS,
        )
