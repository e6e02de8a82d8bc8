"""Read-only SQL over the store, returning DataFrames for the pages.

Every figure is aggregated inside SQLite (GROUP BY period, country, topic...) so that a page on
a million articles moves a few hundred rows into pandas, not a million. The filters become one
WHERE clause over `articles` whose tag conditions are `id IN (SELECT article_id FROM tag WHERE
value IN (...))` lookups on the tag tables' (value, article_id) indexes. Values always travel as
parameters; only placeholders and fixed SQL fragments are ever formatted into the text.

The connection is opened read-only per call: the dashboard never writes, Streamlit runs sessions
on many threads, and WAL lets these reads go on while ingest writes.
"""
from __future__ import annotations

import os
import re
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Iterator

import pandas as pd

from analysis.groups import load_groups
from ingest.store import get_meta

UNITS = ("articles", "stories")
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
    end: date | None = None          # inclusive
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


def fts_query(text: str) -> str | None:
    """User text as a safe FTS5 query: each word quoted (so AND, NEAR, *, ^, : and quotes are plain
    text), all words required. None when nothing searchable is left."""
    tokens = [t for t in re.split(r"\s+", text or "") if re.search(r"\w", t)]
    if not tokens:
        return None
    return " ".join('"' + t.replace('"', '""') + '"' for t in tokens)


# --- connection and store state -------------------------------------------------------------

def store_version(db: str | os.PathLike) -> tuple:
    """Changes whenever the store is written: the cache key for every query result.

    A WAL-mode write touches the -wal file first and the main file at checkpoint, so the pair of
    (mtime, size) of both covers every commit, at the cost of two stat calls.
    """
    parts = []
    for suffix in ("", "-wal"):
        try:
            st = os.stat(str(db) + suffix)
            parts.append((st.st_mtime_ns, st.st_size))
        except OSError:
            parts.append(None)
    return tuple(parts)


@contextmanager
def reader(db: str | os.PathLike) -> Iterator[sqlite3.Connection | None]:
    """A read-only connection, or None when there is no store yet (pages then show empty states)."""
    path = Path(db)
    if not path.exists():
        yield None
        return
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0,
                           check_same_thread=False)
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
    status = {"articles": 0, "sample": 0, "live": 0, "feeds": 0, "first": None, "last": None,
              "last_ingest_at": None, "sources": [], "langs": [], "organizations": []}
    with reader(db) as conn:
        if conn is None:
            return status
        total, sample = conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(is_sample), 0) FROM articles").fetchone()
        status.update(articles=total, sample=sample, live=total - sample)
        status["feeds"] = conn.execute("SELECT COUNT(*) FROM feeds").fetchone()[0]
        status["first"] = conn.execute("SELECT MIN(published_at) FROM articles").fetchone()[0]
        status["last"] = conn.execute("SELECT MAX(published_at) FROM articles").fetchone()[0]
        status["last_ingest_at"] = get_meta(conn, "last_ingest_at")
        # Outlets from the feeds table (tiny) plus any article source without a feed row.
        status["sources"] = sorted({r[0] for r in conn.execute(
            "SELECT outlet FROM feeds UNION SELECT DISTINCT source FROM articles WHERE feed_id IS NULL")})
        status["langs"] = sorted({r[0] for r in conn.execute(
            "SELECT lang FROM feeds WHERE lang IS NOT NULL") if r[0]} | {"en", "fr"})
        status["organizations"] = [r[0] for r in conn.execute(
            "SELECT DISTINCT organization FROM article_organizations ORDER BY 1")]
    return status


# --- the filter as SQL ------------------------------------------------------------------------

def _marks(values) -> str:
    return ", ".join("?" for _ in values)


def where(f: Filters, alias: str = "a") -> tuple[str, list]:
    """The WHERE clause (without the keyword; '1' when empty) selecting `f`'s articles."""
    clauses, params = [], []
    col = f"{alias}."
    if f.start:
        clauses.append(f"{col}published_at >= ?")
        params.append(f"{f.start.isoformat()}T00:00:00Z")
    if f.end:
        clauses.append(f"{col}published_at < ?")
        params.append(f"{(f.end + timedelta(days=1)).isoformat()}T00:00:00Z")
    if f.sources:
        clauses.append(f"{col}source IN ({_marks(f.sources)})")
        params += list(f.sources)
    if f.langs:
        clauses.append(f"{col}lang IN ({_marks(f.langs)})")
        params += list(f.langs)

    def tag_in(table: str, column: str, values) -> None:
        values = list(dict.fromkeys(values))
        clauses.append(f"{col}id IN (SELECT article_id FROM {table} WHERE {column} IN ({_marks(values)}))")
        params.extend(values)

    if f.country and f.partner and f.country != f.partner:
        tag_in("article_pairs", "pair", [pair_code(f.country, f.partner)])
    else:
        for code in {f.country, f.partner} - {None, ""}:
            tag_in("article_countries", "country", [code])
    if f.group:
        members = [m for m in group_members(f.group) if m != f.country]
        if not members:
            clauses.append("0")
        elif f.country:
            tag_in("article_pairs", "pair", [pair_code(f.country, m) for m in members])
        else:
            tag_in("article_countries", "country", members)
    if f.topics:
        tag_in("article_topics", "topic", f.topics)
    if f.organizations:
        tag_in("article_organizations", "organization", f.organizations)
    return (" AND ".join(clauses) or "1"), params


def _count(f: Filters, alias: str = "a") -> str:
    if f.unit == "stories":
        return f"COUNT(DISTINCT COALESCE({alias}.story_id, {alias}.id))"
    return f"COUNT(DISTINCT {alias}.id)"


def _count_plain(f: Filters) -> str:
    """The count when each article appears once (no tag join), which avoids DISTINCT's sort."""
    return "COUNT(DISTINCT COALESCE(a.story_id, a.id))" if f.unit == "stories" else "COUNT(*)"


def _iso_day(value: str | None) -> str | None:
    return value[:10] if value else None


# --- figures ----------------------------------------------------------------------------------

def headline(db, f: Filters) -> dict:
    """Articles, stories, distinct countries and the period covered, for the filter."""
    sql, params = where(f)
    out = {"articles": 0, "stories": 0, "countries": 0, "first": None, "last": None, "last_ingest_at": None}
    with reader(db) as conn:
        if conn is None:
            return out
        row = conn.execute(
            "SELECT COUNT(*), COUNT(DISTINCT COALESCE(a.story_id, a.id)), MIN(a.published_at), "
            f"MAX(a.published_at) FROM articles a WHERE {sql}", params).fetchone()
        out.update(articles=row[0], stories=row[1], first=row[2], last=row[3])
        out["countries"] = conn.execute(
            "SELECT COUNT(DISTINCT c.country) FROM article_countries c "
            f"WHERE c.article_id IN (SELECT a.id FROM articles a WHERE {sql})", params).fetchone()[0]
        out["last_ingest_at"] = get_meta(conn, "last_ingest_at")
    return out


def timeseries(db, f: Filters, freq: str = "month") -> pd.DataFrame:
    """[period, count]: the filter's articles (or stories) per day, week or month."""
    sql, params = where(f)
    with reader(db) as conn:
        df = _frame(conn, f"SELECT {_PERIOD_SQL[freq]} AS period, {_count_plain(f)} FROM articles a "
                          f"WHERE {sql} GROUP BY period ORDER BY period", params, ["period", "count"])
    return _periods(df)


def tag_timeseries(db, f: Filters, freq: str, table: str, column: str,
                   values: list[str] | None = None) -> pd.DataFrame:
    """[period, value, count] for a tag table (countries, topics, pairs, organizations)."""
    if table not in {"article_countries", "article_topics", "article_pairs", "article_organizations"}:
        raise ValueError(table)
    sql, params = where(f)
    restrict = ""
    if values is not None:
        if not values:
            return _periods(pd.DataFrame({"period": [], "value": [], "count": []}))
        restrict = f"AND t.{column} IN ({_marks(values)})"
        params = params + list(values)
    with reader(db) as conn:
        df = _frame(conn,
                    f"SELECT {_PERIOD_SQL[freq]} AS period, t.{column}, {_count(f)} "
                    f"FROM {table} t JOIN articles a ON a.id = t.article_id "
                    f"WHERE {sql} {restrict} GROUP BY period, t.{column} ORDER BY period",
                    params, ["period", "value", "count"])
    return _periods(df)


def group_timeseries(db, f: Filters, freq: str, groups: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """[period, group, count, total]: per period, articles mentioning any member of each group,
    and all the filter's articles (the denominator of a share)."""
    base_sql, base_params = where(f)
    totals = timeseries(db, f, freq).rename(columns={"count": "total"})
    parts = []
    with reader(db) as conn:
        for label, members in groups.items():
            members = list(members)
            if not members:
                continue
            df = _frame(conn,
                        f"SELECT {_PERIOD_SQL[freq]} AS period, {_count_plain(f)} FROM articles a "
                        f"WHERE {base_sql} AND a.id IN (SELECT article_id FROM article_countries "
                        f"WHERE country IN ({_marks(members)})) GROUP BY period",
                        base_params + members, ["period", "count"])
            df["group"] = label
            parts.append(_periods(df))
    if not parts or totals.empty:
        return pd.DataFrame({"period": pd.Series([], dtype="datetime64[ns]"), "group": [], "count": [],
                             "total": []})
    out = pd.concat(parts, ignore_index=True).merge(totals, on="period", how="right")
    return out.dropna(subset=["group"])[["period", "group", "count", "total"]]


def partners(db, f: Filters, country: str, limit: int | None = None) -> pd.DataFrame:
    """[partner, count]: the countries paired with `country` in the filter's articles."""
    country = country.upper()
    sql, params = where(f)
    lim = f"LIMIT {int(limit)}" if limit else ""
    with reader(db) as conn:
        return _frame(conn,
                      "SELECT CASE WHEN p.country_a = ? THEN p.country_b ELSE p.country_a END AS partner, "
                      f"{_count(f)} AS n FROM article_pairs p JOIN articles a ON a.id = p.article_id "
                      f"WHERE (p.country_a = ? OR p.country_b = ?) AND {sql} "
                      f"GROUP BY partner ORDER BY n DESC, partner {lim}",
                      [country, country, country] + params, ["partner", "count"])


def partner_timeseries(db, f: Filters, country: str, freq: str, partner_codes: list[str]) -> pd.DataFrame:
    """[period, partner, count] for the pairs of `country` with each of `partner_codes`."""
    pairs = {pair_code(country, p): p for p in partner_codes if p != country}
    df = tag_timeseries(db, f, freq, "article_pairs", "pair", list(pairs))
    df["partner"] = df["value"].map(pairs)
    return df[["period", "partner", "count"]]


def value_counts(db, f: Filters, table: str, column: str, limit: int | None = None,
                 exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """[value, count] over a tag table for the filter, biggest first."""
    if table not in {"article_countries", "article_topics", "article_pairs", "article_organizations"}:
        raise ValueError(table)
    sql, params = where(f)
    excl = f"AND t.{column} NOT IN ({_marks(exclude)})" if exclude else ""
    lim = f"LIMIT {int(limit)}" if limit else ""
    with reader(db) as conn:
        return _frame(conn,
                      f"SELECT t.{column}, {_count(f)} AS n FROM {table} t JOIN articles a ON a.id = t.article_id "
                      f"WHERE {sql} {excl} GROUP BY t.{column} ORDER BY n DESC, t.{column} {lim}",
                      params + list(exclude), ["value", "count"])


def topic_country(db, f: Filters, countries: list[str]) -> pd.DataFrame:
    """[topic, country, count] for the given countries: the cells of the topic x country heatmap."""
    if not countries:
        return pd.DataFrame({"topic": [], "country": [], "count": []})
    sql, params = where(f)
    with reader(db) as conn:
        return _frame(conn,
                      f"SELECT t.topic, c.country, {_count(f)} FROM article_topics t "
                      "JOIN article_countries c ON c.article_id = t.article_id "
                      "JOIN articles a ON a.id = t.article_id "
                      f"WHERE c.country IN ({_marks(countries)}) AND {sql} "
                      "GROUP BY t.topic, c.country",
                      list(countries) + params, ["topic", "country", "count"])


def pairs_within(db, f: Filters, members: list[str]) -> pd.DataFrame:
    """[country_a, country_b, count]: pairs with both countries in `members` (network edges)."""
    if len(members) < 2:
        return pd.DataFrame({"country_a": [], "country_b": [], "count": []})
    sql, params = where(f)
    with reader(db) as conn:
        return _frame(conn,
                      f"SELECT p.country_a, p.country_b, {_count(f)} AS n FROM article_pairs p "
                      "JOIN articles a ON a.id = p.article_id "
                      f"WHERE p.country_a IN ({_marks(members)}) AND p.country_b IN ({_marks(members)}) "
                      f"AND {sql} GROUP BY p.country_a, p.country_b ORDER BY n DESC",
                      list(members) + list(members) + params, ["country_a", "country_b", "count"])


def group_counts(db, f: Filters, groups: dict[str, tuple[str, ...]],
                 exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """[group, count]: per group, the filter's articles mentioning a member (other than `exclude`)."""
    sql, params = where(f)
    rows = []
    with reader(db) as conn:
        for label, members in groups.items():
            members = [m for m in members if m not in exclude]
            n = 0
            if conn is not None and members:
                n = conn.execute(
                    f"SELECT {_count_plain(f)} FROM articles a WHERE {sql} AND a.id IN "
                    f"(SELECT article_id FROM article_countries WHERE country IN ({_marks(members)}))",
                    params + members).fetchone()[0]
            rows.append((label, n))
    return pd.DataFrame.from_records(rows, columns=["group", "count"])


def movers(db, f: Filters, exclude: tuple[str, ...] = (), limit: int = 10,
           days: int | None = None, last: str | None = None) -> tuple[pd.DataFrame, date | None, date | None]:
    """Countries whose coverage changed most: the current window against the one just before.

    The current window is the filter's date range; without one, the last `days` (default 30)
    up to the newest article. Returns [country, current, previous, change] and the window.
    """
    end = f.end or (date.fromisoformat(last[:10]) if last else None)
    if end is None:
        return pd.DataFrame({"country": [], "current": [], "previous": [], "change": []}), None, None
    start = f.start or (end - timedelta(days=(days or 30) - 1))
    length = (end - start).days + 1
    cur = value_counts(db, replace(f, start=start, end=end), "article_countries", "country", exclude=exclude)
    prev = value_counts(db, replace(f, start=start - timedelta(days=length), end=start - timedelta(days=1)),
                        "article_countries", "country", exclude=exclude)
    df = cur.rename(columns={"value": "country", "count": "current"}).merge(
        prev.rename(columns={"value": "country", "count": "previous"}), on="country", how="outer")
    df[["current", "previous"]] = df[["current", "previous"]].fillna(0).astype("int64")
    df["change"] = df["current"] - df["previous"]
    df = df.assign(abs_change=df["change"].abs()).sort_values(
        ["abs_change", "current", "country"], ascending=[False, False, True])
    return df.drop(columns="abs_change").head(limit).reset_index(drop=True), start, end


# --- articles and feeds -----------------------------------------------------------------------

ARTICLE_COLUMNS = ["published_at", "title", "source", "url", "countries", "pairs", "topics",
                   "organizations", "lang", "story_id", "id"]


def articles(db, f: Filters, search: str = "", limit: int = 50, offset: int = 0) -> tuple[pd.DataFrame, int]:
    """One page of the filter's articles, newest first, with their tags, and the total count.

    The tags are gathered only for the page's rows, so the cost of a page does not grow with the
    store beyond finding the rows themselves.
    """
    sql, params = where(f)
    query = fts_query(search)
    if query:
        sql += " AND a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
        params = params + [query]
    with reader(db) as conn:
        if conn is None:
            return pd.DataFrame({c: [] for c in ARTICLE_COLUMNS}), 0
        total = conn.execute(f"SELECT COUNT(*) FROM articles a WHERE {sql}", params).fetchone()[0]
        df = _frame(conn,
                    "SELECT a.published_at, a.title, a.source, a.url, "
                    "(SELECT group_concat(country, ', ') FROM (SELECT country FROM article_countries "
                    " WHERE article_id = a.id ORDER BY country)), "
                    "(SELECT group_concat(pair, ', ') FROM (SELECT pair FROM article_pairs "
                    " WHERE article_id = a.id ORDER BY pair)), "
                    "(SELECT group_concat(topic, ', ') FROM (SELECT topic FROM article_topics "
                    " WHERE article_id = a.id ORDER BY topic)), "
                    "(SELECT group_concat(organization, ', ') FROM (SELECT organization FROM "
                    " article_organizations WHERE article_id = a.id ORDER BY organization)), "
                    "a.lang, COALESCE(a.story_id, a.id), a.id "
                    f"FROM articles a WHERE {sql} ORDER BY a.published_at DESC, a.id DESC LIMIT ? OFFSET ?",
                    params + [int(limit), int(offset)], ARTICLE_COLUMNS)
    for col in ("countries", "pairs", "topics", "organizations"):
        df[col] = df[col].fillna("")
    df["published_at"] = pd.to_datetime(df["published_at"], utc=True)
    return df, total


FEED_COLUMNS = ["name", "outlet", "lang", "kind", "enabled", "last_fetch_at", "last_ok_at", "last_status",
                "last_error", "consecutive_failures", "articles", "url"]


def feed_health(db, f: Filters) -> pd.DataFrame:
    """Every feed with its last fetch, status, error and the number of the filter's articles."""
    sql, params = where(f)
    with reader(db) as conn:
        return _frame(conn,
                      "SELECT fd.name, fd.outlet, fd.lang, fd.kind, fd.enabled, fd.last_fetch_at, fd.last_ok_at, "
                      "fd.last_status, COALESCE(fd.last_error, fd.disabled_reason, ''), fd.consecutive_failures, "
                      "COALESCE(n.articles, 0), fd.url FROM feeds fd LEFT JOIN "
                      f"(SELECT a.feed_id, COUNT(*) AS articles FROM articles a WHERE {sql} GROUP BY a.feed_id) n "
                      "ON n.feed_id = fd.id ORDER BY fd.enabled DESC, fd.consecutive_failures DESC, fd.outlet, fd.name",
                      params, FEED_COLUMNS)


# --- helpers ----------------------------------------------------------------------------------

def _periods(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["period"] = pd.to_datetime(df["period"], format="%Y-%m-%d")
    if "count" in df:
        df["count"] = df["count"].astype("int64")
    return df
