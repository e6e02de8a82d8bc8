"""The analyst's queries: what the Compare and What changed pages, the movers, the network and the
exports need beyond the pages' basic counts (counts/queries.py).

Same rules as queries.py, whose building blocks they use: every figure is aggregated inside
SQLite over the filter's articles (`queries.where` / `queries._scope`), values travel as
parameters, table and column names come from fixed lists, the store is opened read-only. They run
through the same cache as every other query (`dashboard.data.q(analytics.window_counts, f, ...)`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from counts.queries import (
    _PERIOD_SQL,
    Filters,
    _check,
    _count,
    _frame,
    _marks,
    _periods,
    _scope,
    _timeseries,
    reader,
    series_clause,
    where,
)


def tagger_versions(db) -> dict:
    """Which tagger versions tagged the stored articles: the oldest and newest version string, and
    how many articles carry none (tagged before versions were stamped). One scan, cached per
    store version like every query; exports print it."""
    out = {"oldest": None, "newest": None, "unstamped": 0}
    with reader(db) as conn:
        if conn is None:
            return out
        row = conn.execute(
            "SELECT MIN(tagger_version), MAX(tagger_version), COUNT(*) - COUNT(tagger_version) FROM articles"
        ).fetchone()
    out.update(oldest=row[0], newest=row[1], unstamped=row[2] or 0)
    return out


def group_degree(db, f: Filters, members: list[str]) -> pd.DataFrame:
    """[country, count]: per member, the distinct articles (or stories) that pair it with another
    member of the group. An article pairing Canada with Japan and with Korea counts once for Canada,
    where summing the network's edges would count it twice (issue 10)."""
    if len(members) < 2:
        return pd.DataFrame({"country": [], "count": []})
    cte, src, params, _ = _scope(f, db)
    inside = f"p.country_a IN ({_marks(members)}) AND p.country_b IN ({_marks(members)})"
    counted = "COUNT(DISTINCT COALESCE(a.story_id, a.id))" if f.unit == "stories" else "COUNT(DISTINCT a.id)"
    with reader(db) as conn:
        return _frame(
            conn,
            f"{cte}SELECT m.country, {counted} FROM {src} JOIN "
            f"(SELECT p.article_id, p.country_a AS country FROM article_pairs p WHERE {inside} "
            f" UNION ALL SELECT p.article_id, p.country_b FROM article_pairs p WHERE {inside}) m "
            "ON m.article_id = a.id GROUP BY m.country",
            params + list(members) * 4,
            ["country", "count"],
        )


# --- windows: the current period against the ones before (counts/stats.py) -------------------


def _windowed(f: Filters, baseline_start: date, start: date, end: date) -> tuple[Filters, str, list]:
    """The filter over baseline and current window together, and a SQL expression that is 1 for
    an article of the current window, 0 for the baseline."""
    span = replace(f, start=baseline_start, end=end)
    return span, "CASE WHEN a.published_at >= ? THEN 1 ELSE 0 END", [f"{start.isoformat()}T00:00:00Z"]


def window_totals(db, f: Filters, baseline_start: date, start: date, end: date) -> tuple[int, int]:
    """(current, baseline): the filter's articles (or stories) in each window."""
    span, current, cparams = _windowed(f, baseline_start, start, end)
    sql, params = where(span, db)
    out = {0: 0, 1: 0}
    with reader(db) as conn:
        if conn is not None:
            for window, n in conn.execute(
                f"SELECT {current} AS w, {_count(f)} FROM articles a WHERE {sql} GROUP BY w", cparams + params
            ):
                out[window] = n
    return out[1], out[0]


def window_counts(
    db, f: Filters, table: str, column: str, baseline_start: date, start: date, end: date, exclude: tuple[str, ...] = ()
) -> pd.DataFrame:
    """[key, current, baseline]: per tag value, the filter's articles (or stories) in the current
    window and in the baseline before it."""
    _check(table, column)
    span, current, cparams = _windowed(f, baseline_start, start, end)
    cte, src, params, _ = _scope(span, db)
    if not cte:  # no filter at all cannot happen (the span is a date filter), but stay correct
        src = "articles a"
    excl = f"WHERE t.{column} NOT IN ({_marks(exclude)})" if exclude else ""
    with reader(db) as conn:
        df = _frame(
            conn,
            f"{cte}SELECT t.{column}, {current} AS w, {_count(f)} FROM {src} "
            f"JOIN {table} t ON t.article_id = a.id {excl} GROUP BY t.{column}, w",
            params + cparams + list(exclude),
            ["key", "window", "count"],
        )
    if df.empty:
        return pd.DataFrame({"key": [], "current": [], "baseline": []})
    wide = df.pivot_table(index="key", columns="window", values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[1, 0], fill_value=0)
    wide.columns = ["current", "baseline"]
    return wide.reset_index().astype({"current": "int64", "baseline": "int64"})


# --- Compare ----------------------------------------------------------------------------------

SERIES_KINDS = ("country", "pair", "pairs_of", "topic")


def series_timeseries(db, f: Filters, freq: str, kind: str, value: str) -> pd.DataFrame:
    """[period, count]: one compared series (see `series_clause`) under the filter, per period."""
    clause, extra = series_clause(kind, value)
    return _timeseries(db, f, freq, clause, extra)


def series_tag_timeseries(
    db, f: Filters, freq: str, kind: str, value: str, table: str = "article_topics", column: str = "topic"
) -> pd.DataFrame:
    """[period, value, count]: per period and tag value, the articles (or stories) of one series
    under the filter that carry the tag (an article counts once per tag it has)."""
    _check(table, column)
    clause, extra = series_clause(kind, value)
    sql, params = where(f, db)
    with reader(db) as conn:
        df = _frame(
            conn,
            "WITH fa AS MATERIALIZED (SELECT a.id, a.story_id, a.published_at FROM articles a "
            f"WHERE {sql} AND {clause}) "
            f"SELECT {_PERIOD_SQL[freq]} AS period, t.{column}, {_count(f)} FROM fa a "
            f"JOIN {table} t ON t.article_id = a.id GROUP BY period, t.{column} ORDER BY period",
            params + extra,
            ["period", "value", "count"],
        )
    return _periods(df, db)


def series_total(db, f: Filters, kind: str, value: str) -> int:
    """The filter's articles (or stories) in one compared series over the whole range."""
    clause, extra = series_clause(kind, value)
    sql, params = where(f, db)
    with reader(db) as conn:
        if conn is None:
            return 0
        return conn.execute(f"SELECT {_count(f)} FROM articles a WHERE {sql} AND {clause}", params + extra).fetchone()[
            0
        ]
