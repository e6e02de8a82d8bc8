"""The pages' figures counted from the in-memory columns (counts/columns.py) instead of SQL.

Each function has the signature and returns the frame of its namesake in counts/queries.py or
counts/analytics.py, with the store's columns in place of the store: `FUNCTIONS` maps the dotted
name of each (`counts.queries.partners`, `name_of`) to its version here, which `data.q` runs. A
filter is one boolean mask over the articles (`mask`, the same conditions as `queries.where`); a
figure counts the masked articles, or the masked tag rows, per period or value with `numpy.bincount`.
Counting stories counts distinct `COALESCE(story_id, id)` per group, as SQL's `COUNT(DISTINCT ...)`.
Periods are SQLite's own strings (columns._periods_of) and go through `queries._periods`, so the
frames equal SQL's (tests/dashboard/test_columns.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from counts import analytics, queries
from counts.columns import _TYPE_BLOB, _TYPE_NUMBER, _TYPE_TEXT, Columns
from counts.queries import (
    EARLIEST,
    Filters,
    _periods,
    _with_totals,
    group_members,
    latest_plausible,
    pair_code,
)

# --- the filter as a mask --------------------------------------------------------------------------


def _at_least(c: Columns, bound: str) -> np.ndarray:
    """published_at >= bound, as SQLite compares a text bound with each stored value."""
    lo = c.rank(bound)
    return ((c.ptype == _TYPE_TEXT) & (c.prank >= lo)) | (c.ptype == _TYPE_BLOB)


def _below(c: Columns, bound: str) -> np.ndarray:
    """published_at < bound."""
    hi = c.rank(bound)
    return ((c.ptype == _TYPE_TEXT) & (c.prank < hi) & (c.prank >= 0)) | (c.ptype == _TYPE_NUMBER)


def _names_in(names: list, values) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    return np.array(sorted({index[v] for v in values if v in index}), dtype=np.int64)


def mask(c: Columns, f: Filters) -> np.ndarray:
    """The filter's articles (bool per position): queries.where's conditions, one by one."""
    m = np.ones(c.n, dtype=bool)
    if f.start:
        m &= _at_least(c, f"{f.start.isoformat()}T00:00:00Z")
    if f.end:
        m &= _below(c, f"{(f.end + timedelta(days=1)).isoformat()}T00:00:00Z")
    if f.sources:
        m &= np.isin(c.source, _names_in(c.source_names, f.sources))
    if f.langs:
        m &= np.isin(c.lang, _names_in(c.lang_names, f.langs))
    countries, pairs = c.tags["article_countries"], c.tags["article_pairs"]
    if f.country and f.partner and f.country != f.partner:
        m &= pairs.hit(c.n, [pair_code(f.country, f.partner)])
    else:
        for code in dict.fromkeys(x for x in (f.country, f.partner) if x):
            m &= countries.hit(c.n, [code])
    if f.group:
        members = [x for x in group_members(f.group) if x != f.country]
        if not members:
            m[:] = False
        elif f.country:
            m &= pairs.hit(c.n, [pair_code(f.country, x) for x in members])
        else:
            m &= countries.hit(c.n, members)
    if f.topics:
        m &= c.tags["article_topics"].hit(c.n, f.topics)
    if f.organizations:
        m &= c.tags["article_organizations"].hit(c.n, f.organizations)
    return m


def series_mask(c: Columns, kind: str, value: str) -> np.ndarray:
    """analytics.series_clause as a mask."""
    if kind == "topic":
        return c.tags["article_topics"].hit(c.n, [value])
    if kind == "country":
        return c.tags["article_countries"].hit(c.n, [value.upper()])
    if kind == "pair":
        a, _, b = value.partition("-")
        return c.tags["article_pairs"].hit(c.n, [pair_code(a, b)])
    if kind == "pairs_of":
        pairs = c.tags["article_pairs"]
        code = value.upper()
        return pairs.hit(
            c.n, [n for n, a, b in zip(pairs.names.tolist(), pairs.a.tolist(), pairs.b.tolist()) if code in (a, b)]
        )
    raise ValueError(kind)


# --- counting ----------------------------------------------------------------------------------


def _count(
    c: Columns, groups: np.ndarray, rows: np.ndarray, n_groups: int, unit: str, unique_rows: bool = True
) -> np.ndarray:
    """Per group, the articles (or distinct stories) among (group, article) pairs."""
    if len(groups) == 0:
        return np.zeros(n_groups, dtype=np.int64)
    groups = groups.astype(np.int64)
    # pd.unique hashes (linear time); np.unique would sort a million keys.
    if unit == "stories":
        keys = pd.unique(groups * c.n_stories + c.story[rows])
        return np.bincount(keys // c.n_stories, minlength=n_groups)
    if not unique_rows:
        keys = pd.unique(groups * c.n + rows)
        return np.bincount(keys // c.n, minlength=n_groups)
    return np.bincount(groups, minlength=n_groups)


def _total(c: Columns, m: np.ndarray, unit: str) -> int:
    if unit == "stories":
        return int(np.count_nonzero(np.bincount(c.story[m], minlength=c.n_stories)))
    return int(m.sum())


def _per_period(c: Columns, m: np.ndarray, freq: str, unit: str) -> pd.DataFrame:
    """[period, count] of the masked articles, SQL's period strings, before `_periods`."""
    rows = np.flatnonzero(m)
    codes = c.periods[freq][rows]
    ok = codes >= 0
    names = c.period_names[freq]
    counts = _count(c, codes[ok], rows[ok], len(names), unit)
    keep = np.flatnonzero(counts)
    frame = pd.DataFrame({"period": [names[i] for i in keep], "count": counts[keep]})
    return frame.sort_values("period", kind="stable").reset_index(drop=True)


# --- queries.py ---------------------------------------------------------------------------------


def headline(c: Columns, db, f: Filters) -> dict:
    m = mask(c, f)
    out: dict[str, Any] = {
        "articles": int(m.sum()),
        "stories": _total(c, m, "stories"),
        "countries": 0,
        "first": None,
        "last": None,
        "last_ingest_at": None,
    }
    countries = c.tags["article_countries"]
    hit = m[countries.rows]
    out["countries"] = int(np.count_nonzero(np.bincount(countries.vals[hit], minlength=len(countries.names))))
    lo, hi = c.rank(EARLIEST), c.rank(latest_plausible(), side="right")
    ranks = c.prank[m & (c.ptype == _TYPE_TEXT)]
    ranks = ranks[(ranks >= lo) & (ranks < hi)]
    ranks = ranks[c.text_ok[ranks]]
    if len(ranks):
        out["first"], out["last"] = c.text(int(ranks.min())), c.text(int(ranks.max()))
    with queries.reader(db) as conn:
        if conn is not None:
            out["last_ingest_at"] = queries.get_meta(conn, "last_ingest_at")
    return out


def timeseries(c: Columns, db, f: Filters, freq: str = "month") -> pd.DataFrame:
    return _periods(_per_period(c, mask(c, f), freq, f.unit), db)


def tag_timeseries(
    c: Columns, db, f: Filters, freq: str, table: str, column: str, values: list[str] | None = None
) -> pd.DataFrame:
    queries._check(table, column)
    m = mask(c, f)
    tag = c.tags[table]
    sel = m[tag.rows]
    if values is not None:
        if not values:
            return _periods(pd.DataFrame({"period": [], "value": [], "count": []}), db)
        sel &= np.isin(tag.vals, tag.codes(values))
    return _period_value_counts(c, tag, sel, freq, f.unit, db)


def group_timeseries(c: Columns, db, f: Filters, freq: str, groups: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    totals = timeseries(c, db, f, freq).rename(columns={"count": "total"})
    m = mask(c, f)
    countries = c.tags["article_countries"]
    parts = []
    for label, members in groups.items():
        codes = list(dict.fromkeys(members))
        if not codes:
            continue
        df = _per_period(c, countries.hit(c.n, codes, m), freq, f.unit)
        df["group"] = label
        parts.append(_periods(df, db))
    return _with_totals(parts, totals)


def _ordered(names: list, counts: np.ndarray, columns: list[str], limit: int | None) -> pd.DataFrame:
    """Nonzero counts as [name, count], biggest first, then by name (SQL's ORDER BY n DESC, name)."""
    keep = np.flatnonzero(counts)
    frame = pd.DataFrame({columns[0]: [names[i] for i in keep], columns[1]: counts[keep].astype(np.int64)})
    frame = frame.sort_values([columns[1], columns[0]], ascending=[False, True], kind="stable")
    if limit:
        frame = frame.head(int(limit))
    return frame.reset_index(drop=True)


def partners(c: Columns, db, f: Filters, country: str, limit: int | None = None) -> pd.DataFrame:
    country = country.upper()
    m = mask(c, f)
    pairs = c.tags["article_pairs"]
    partner_of = np.array(
        [b if a == country else (a if b == country else None) for a, b in zip(pairs.a.tolist(), pairs.b.tolist())],
        dtype=object,
    )
    involved = np.array([p is not None for p in partner_of.tolist()], dtype=bool)
    names = sorted({p for p in partner_of.tolist() if p is not None})
    index = {name: i for i, name in enumerate(names)}
    code_of_pair = np.array([index.get(p, -1) if p is not None else -1 for p in partner_of.tolist()], dtype=np.int64)
    sel = m[pairs.rows] & involved[pairs.vals] if len(involved) else np.zeros(len(pairs.rows), bool)
    rows = pairs.rows[sel]
    groups = code_of_pair[pairs.vals[sel]]
    counts = _count(c, groups, rows, len(names), f.unit)
    return _ordered(names, counts, ["partner", "count"], limit)


def partner_timeseries(c: Columns, db, f: Filters, country: str, freq: str, partner_codes: list[str]) -> pd.DataFrame:
    pairs = {pair_code(country, p): p for p in partner_codes if p != country}
    df = tag_timeseries(c, db, f, freq, "article_pairs", "pair", list(pairs))
    df["partner"] = df["value"].map(pairs)
    return df[["period", "partner", "count"]]


def value_counts(
    c: Columns, db, f: Filters, table: str, column: str, limit: int | None = None, exclude: tuple[str, ...] = ()
) -> pd.DataFrame:
    queries._check(table, column)
    m = mask(c, f)
    tag = c.tags[table]
    sel = m[tag.rows]
    if exclude:
        sel &= ~np.isin(tag.vals, tag.codes(exclude))
    counts = _count(c, tag.vals[sel], tag.rows[sel], len(tag.names), f.unit)
    return _ordered(tag.names.tolist(), counts, ["value", "count"], limit)


def topic_country(c: Columns, db, f: Filters, countries: list[str]) -> pd.DataFrame:
    if not countries:
        return pd.DataFrame({"topic": [], "country": [], "count": []})
    m = mask(c, f)
    topics, tagged = c.tags["article_topics"], c.tags["article_countries"]
    out = []
    for code in dict.fromkeys(countries):
        hit = tagged.hit(c.n, [code], m)
        sel = hit[topics.rows]
        counts = _count(c, topics.vals[sel], topics.rows[sel], len(topics.names), f.unit)
        for i in np.flatnonzero(counts):
            out.append((topics.names[i], code, int(counts[i])))
    return pd.DataFrame(out, columns=["topic", "country", "count"])


def pairs_within(c: Columns, db, f: Filters, members: list[str]) -> pd.DataFrame:
    if len(members) < 2:
        return pd.DataFrame({"country_a": [], "country_b": [], "count": []})
    m = mask(c, f)
    pairs = c.tags["article_pairs"]
    inside = set(members)
    ok = np.array([a in inside and b in inside for a, b in zip(pairs.a.tolist(), pairs.b.tolist())], dtype=bool)
    sel = m[pairs.rows] & (ok[pairs.vals] if len(ok) else False)
    counts = _count(c, pairs.vals[sel], pairs.rows[sel], len(pairs.names), f.unit)
    keep = np.flatnonzero(counts)
    frame = pd.DataFrame(
        {
            "country_a": pairs.a[keep].tolist(),
            "country_b": pairs.b[keep].tolist(),
            "count": counts[keep].astype(np.int64),
        }
    )
    return frame.sort_values(
        ["count", "country_a", "country_b"], ascending=[False, True, True], kind="stable"
    ).reset_index(drop=True)


def group_counts(
    c: Columns, db, f: Filters, groups: dict[str, tuple[str, ...]], exclude: tuple[str, ...] = ()
) -> pd.DataFrame:
    labels = list(groups)
    m = mask(c, f)
    countries = c.tags["article_countries"]
    counts = []
    for label in labels:
        members = [x for x in groups[label] if x not in exclude]
        counts.append(_total(c, countries.hit(c.n, members, m), f.unit) if members else 0)
    return pd.DataFrame({"group": labels, "count": counts})


# --- analytics.py --------------------------------------------------------------------------------


def tagger_versions(c: Columns, db) -> dict:
    present = np.unique(c.tagger[c.tagger >= 0])
    names = sorted(c.tagger_names[i] for i in present.tolist())
    return {
        "oldest": names[0] if names else None,
        "newest": names[-1] if names else None,
        "unstamped": int((c.tagger < 0).sum()),
    }


def group_degree(c: Columns, db, f: Filters, members: list[str]) -> pd.DataFrame:
    if len(members) < 2:
        return pd.DataFrame({"country": [], "count": []})
    m = mask(c, f)
    pairs = c.tags["article_pairs"]
    inside = set(members)
    ok = np.array([a in inside and b in inside for a, b in zip(pairs.a.tolist(), pairs.b.tolist())], dtype=bool)
    sel = m[pairs.rows] & (ok[pairs.vals] if len(ok) else False)
    names = sorted(inside)
    index = {name: i for i, name in enumerate(names)}
    a_code = np.array([index.get(a, -1) for a in pairs.a.tolist()], dtype=np.int64)
    b_code = np.array([index.get(b, -1) for b in pairs.b.tolist()], dtype=np.int64)
    rows = np.concatenate([pairs.rows[sel], pairs.rows[sel]])
    groups = np.concatenate([a_code[pairs.vals[sel]], b_code[pairs.vals[sel]]])
    counts = _count(c, groups, rows, len(names), f.unit, unique_rows=False)
    keep = np.flatnonzero(counts)
    return pd.DataFrame({"country": [names[i] for i in keep], "count": counts[keep].astype(np.int64)})


def _windows(c: Columns, f: Filters, baseline_start: date, start: date, end: date) -> tuple[np.ndarray, np.ndarray]:
    m = mask(c, replace(f, start=baseline_start, end=end))
    current = _at_least(c, f"{start.isoformat()}T00:00:00Z")
    return m, current


def window_totals(c: Columns, db, f: Filters, baseline_start: date, start: date, end: date) -> tuple[int, int]:
    m, current = _windows(c, f, baseline_start, start, end)
    return _total(c, m & current, f.unit), _total(c, m & ~current, f.unit)


def window_counts(
    c: Columns,
    db,
    f: Filters,
    table: str,
    column: str,
    baseline_start: date,
    start: date,
    end: date,
    exclude: tuple[str, ...] = (),
) -> pd.DataFrame:
    queries._check(table, column)
    m, current = _windows(c, f, baseline_start, start, end)
    tag = c.tags[table]
    sel = m[tag.rows]
    if exclude:
        sel &= ~np.isin(tag.vals, tag.codes(exclude))
    rows, vals = tag.rows[sel], tag.vals[sel]
    now = current[rows]
    n_vals = len(tag.names)
    cur = _count(c, vals[now], rows[now], n_vals, f.unit)
    base = _count(c, vals[~now], rows[~now], n_vals, f.unit)
    keep = np.flatnonzero(cur + base)
    if not len(keep):
        return pd.DataFrame({"key": [], "current": [], "baseline": []})
    frame = pd.DataFrame(
        {
            "key": tag.names[keep].tolist(),
            "current": cur[keep].astype(np.int64),
            "baseline": base[keep].astype(np.int64),
        }
    )
    return frame.sort_values("key", kind="stable").reset_index(drop=True)


def series_timeseries(c: Columns, db, f: Filters, freq: str, kind: str, value: str) -> pd.DataFrame:
    return _periods(_per_period(c, mask(c, f) & series_mask(c, kind, value), freq, f.unit), db)


def series_total(c: Columns, db, f: Filters, kind: str, value: str) -> int:
    return _total(c, mask(c, f) & series_mask(c, kind, value), f.unit)


def series_tag_timeseries(
    c: Columns, db, f: Filters, freq: str, kind: str, value: str, table: str = "article_topics", column: str = "topic"
) -> pd.DataFrame:
    queries._check(table, column)
    scoped = mask(c, f) & series_mask(c, kind, value)
    tag = c.tags[table]
    sel = scoped[tag.rows]
    return _period_value_counts(c, tag, sel, freq, f.unit, db)


def _fts_hits(c: Columns, conn, query: str) -> np.ndarray:
    """Articles (bool per position) matching an FTS5 query built by counts.search."""
    found = np.array(
        [r for (r,) in conn.execute("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (query,))],
        dtype=np.int64,
    )
    hit = np.zeros(c.n, dtype=bool)
    if len(found):
        pos = np.searchsorted(c.ids, found)
        ok = (pos < c.n) & (c.ids[np.minimum(pos, c.n - 1)] == found)
        hit[pos[ok]] = True
    return hit


def articles(
    c: Columns,
    db,
    f: Filters,
    search: str = "",
    limit: int = 50,
    offset: int = 0,
    series: tuple[str, str] | None = None,
) -> tuple[pd.DataFrame, int]:
    """queries.articles: the rows are chosen here (the mask, newest first), then read by id."""
    from counts.search import parse, to_fts5

    m = mask(c, f)
    if series:
        m &= series_mask(c, *series)
    include, exclude = to_fts5(parse(search))
    with queries.reader(db) as conn:
        if conn is None:
            return pd.DataFrame({col: [] for col in queries.ARTICLE_COLUMNS}), 0
        if include:
            m &= _fts_hits(c, conn, include)
        if exclude:
            m &= ~_fts_hits(c, conn, exclude)
        picked = c.order_desc[m[c.order_desc]][int(offset) : int(offset) + int(limit)]
        return queries.article_rows(conn, c.ids[picked].tolist(), search), int(m.sum())


def name_of(fn: Callable[..., object]) -> str:
    """A query's dotted name, `counts.queries.partners`: the key of FUNCTIONS and of data.q's cache.
    A name rather than the function object, so that a module Streamlit reloads after an edit still
    finds its ported version."""
    return f"{fn.__module__}.{fn.__qualname__}"


# Each SQL query of counts/queries.py and counts/analytics.py with its ported version here.
_PORTED: list[tuple[Callable[..., Any], Callable[..., Any]]] = [
    (queries.headline, headline),
    (queries.timeseries, timeseries),
    (queries.tag_timeseries, tag_timeseries),
    (queries.group_timeseries, group_timeseries),
    (queries.partners, partners),
    (queries.partner_timeseries, partner_timeseries),
    (queries.value_counts, value_counts),
    (queries.topic_country, topic_country),
    (queries.pairs_within, pairs_within),
    (queries.group_counts, group_counts),
    (queries.articles, articles),
    (analytics.tagger_versions, tagger_versions),
    (analytics.group_degree, group_degree),
    (analytics.window_totals, window_totals),
    (analytics.window_counts, window_counts),
    (analytics.series_timeseries, series_timeseries),
    (analytics.series_total, series_total),
    (analytics.series_tag_timeseries, series_tag_timeseries),
]
FUNCTIONS: dict[str, Callable[..., Any]] = {name_of(sql): fast for sql, fast in _PORTED}


def _period_value_counts(c, tag, sel, freq: str, unit: str, db) -> pd.DataFrame:
    """[period, value, count] of the selected tag rows (`sel`, a mask over the tag's rows), counted per
    period and tag value in one bincount; periods whose day is unreadable are left out."""
    rows, vals = tag.rows[sel], tag.vals[sel]
    periods = c.periods[freq][rows]
    ok = periods >= 0
    n_vals = max(len(tag.names), 1)
    names = c.period_names[freq]
    counts = _count(c, periods[ok].astype(np.int64) * n_vals + vals[ok], rows[ok], len(names) * n_vals, unit)
    keep = np.flatnonzero(counts)
    frame = pd.DataFrame(
        {
            "period": [names[k // n_vals] for k in keep],
            "value": tag.names[keep % n_vals].tolist() if len(keep) else [],
            "count": counts[keep],
        }
    )
    return _periods(frame.sort_values("period", kind="stable").reset_index(drop=True), db)
