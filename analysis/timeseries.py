"""Counts over time: pure functions from tidy frames to tidy frames, for the dashboard's charts.

Input conventions
-----------------
``articles``: one row per article, columns ``id``, ``published_at`` (datetime64 UTC, or ISO
8601 strings, which are parsed), ``story_id`` (from :mod:`analysis.stories`; missing or NaN
means the article is its own story), ``source`` and ``lang``. Only ``id`` and
``published_at`` are required; other columns are ignored. This frame *is* the selection: a
tag whose article is not in it is not counted, so filter ``articles`` (dates, source,
language) and pass the tags as they are.

Tag frames (long): columns ``article_id`` and ``value`` (a country code, a pair ``AAA-BBB``, a
topic or an organization slug), one row per tag. A frame with ``article_id`` and any one other
column (``country``, ``pair``, ``topic``, ``organization``, as in the store's tables) is
accepted too. :func:`column_tags` turns an article column (``source``, ``lang``) into one.

Units: ``unit="articles"`` counts distinct articles; ``unit="stories"`` counts distinct
stories, each placed in the period of its earliest article and carrying the union of its
articles' tags, so a wire story run by four outlets counts once.

Periods: ``freq`` is ``"D"`` (day), ``"W"`` (week starting Monday) or ``"M"`` (month);
``period`` is the start of the period as a naive timestamp on the UTC calendar
(2026-03-02 for the week of Monday 2 March 2026, 2026-03-01 for March). With ``fill=True``
every key gets a row for every period between the first and the last article, with 0, so that
lines do not interpolate across quiet days.

Shares are normalized attention as Media Cloud and GDELT report it: ``count / total``, where
``total`` is every article (or story) in the period, tagged or not.

Every function returns a new frame (inputs are not modified) and, for empty input, an empty
frame with the documented columns.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

FREQS = {"D": "D", "W": "W-MON", "M": "MS"}
UNITS = ("articles", "stories")

COUNT_COLUMNS = ["period", "key", "count"]
SHARE_COLUMNS = ["period", "key", "count", "total", "share"]
PARTNER_COLUMNS = ["partner", "count", "share"]
MOVER_COLUMNS = ["key", "current", "previous", "change", "pct_change"]
EDGE_COLUMNS = ["a", "b", "weight"]


# ---------------------------------------------------------------- helpers

def _check(freq: str | None, unit: str) -> None:
    if freq is not None and freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {UNITS}, not {unit!r}")


def _empty(columns: list[str]) -> pd.DataFrame:
    dtypes = {"period": "datetime64[ns]", "key": object, "count": "int64", "total": "int64", "share": "float64",
              "partner": object, "current": "int64", "previous": "int64", "change": "int64",
              "pct_change": "float64", "a": object, "b": object, "weight": "int64"}
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, object)) for c in columns})


def period_start(times: pd.Series, freq: str) -> pd.Series:
    """Start of the day / Monday week / month of each time, naive on the UTC calendar."""
    t = pd.to_datetime(times, utc=True, errors="coerce", format="mixed")
    day = t.dt.tz_convert("UTC").dt.tz_localize(None).dt.floor("D")
    if freq == "D":
        return day
    if freq == "W":
        return day - pd.to_timedelta(day.dt.day_of_week, unit="D")
    if freq == "M":
        return day.dt.to_period("M").dt.to_timestamp()
    raise ValueError(f"freq must be one of {sorted(FREQS)}, not {freq!r}")


def _tags(tags: pd.DataFrame) -> pd.DataFrame:
    """The tag frame as [article_id, value] (accepting the store's column names)."""
    if tags is None or len(tags.columns) == 0:
        return pd.DataFrame({"article_id": pd.Series(dtype="int64"), "value": pd.Series(dtype=object)})
    if "value" in tags.columns:
        col = "value"
    else:
        others = [c for c in tags.columns if c != "article_id"]
        if len(others) != 1:
            raise ValueError("a tag frame needs article_id and value (or exactly one other column)")
        col = others[0]
    return pd.DataFrame({"article_id": tags["article_id"].to_numpy(), "value": tags[col].to_numpy()})


def column_tags(articles: pd.DataFrame, column: str) -> pd.DataFrame:
    """An article column (``source``, ``lang``) as a tag frame, to count by it like a tag."""
    out = pd.DataFrame({"article_id": articles["id"].to_numpy(), "value": articles[column].to_numpy()})
    return out.dropna(subset=["value"]).reset_index(drop=True)


def _units(articles: pd.DataFrame, unit: str) -> pd.DataFrame:
    """[id, uid, time]: each article's counting unit (itself or its story) and that unit's time."""
    out = pd.DataFrame({
        "id": articles["id"].to_numpy(),
        "time": pd.to_datetime(articles["published_at"], utc=True, errors="coerce", format="mixed").to_numpy(),
    })
    if unit == "stories" and "story_id" in articles.columns:
        story = pd.to_numeric(articles["story_id"], errors="coerce").astype("float64").to_numpy()
        out["uid"] = np.where(np.isnan(story), out["id"].to_numpy(), story)
        out["uid"] = out["uid"].astype("int64")
        # a story belongs to the period of its earliest article
        out["time"] = out.groupby("uid")["time"].transform("min")
    else:
        out["uid"] = out["id"]
    out["time"] = pd.to_datetime(out["time"], utc=True)
    return out.dropna(subset=["time"])


def _unit_periods(articles: pd.DataFrame, freq: str, unit: str) -> pd.DataFrame:
    units = _units(articles, unit)
    units["period"] = period_start(units["time"], freq)
    return units


def _unit_tags(articles: pd.DataFrame, tags: pd.DataFrame, unit: str) -> pd.DataFrame:
    """Distinct [uid, value, time] pairs for the selected articles."""
    units = _units(articles, unit)
    t = _tags(tags)
    merged = t.merge(units, left_on="article_id", right_on="id", how="inner")
    return merged[["uid", "value", "time"]].drop_duplicates(["uid", "value"])


def _all_periods(articles: pd.DataFrame, freq: str) -> pd.DatetimeIndex:
    starts = period_start(articles["published_at"], freq).dropna()
    if starts.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(starts.min(), starts.max(), freq=FREQS[freq])


# ---------------------------------------------------------------- counts over time

def period_counts(articles: pd.DataFrame, tags: pd.DataFrame, freq: str = "D", unit: str = "articles",
                  fill: bool = True, keys: Iterable | None = None) -> pd.DataFrame:
    """[period, key, count]: articles (or stories) per period carrying each tag value.

    Sorted by period then key; with ``fill`` every key has every period (0 when absent).
    ``keys`` fixes the keys reported (others dropped, missing ones given 0 when filling), e.g.
    the countries a chart compares.
    """
    _check(freq, unit)
    if articles is None or articles.empty:
        return _empty(COUNT_COLUMNS)
    pairs = _unit_tags(articles, tags, unit)
    if keys is not None:
        keys = list(dict.fromkeys(keys))
        pairs = pairs[pairs["value"].isin(keys)]
    if pairs.empty and (keys is None or not fill or not keys):
        return _empty(COUNT_COLUMNS)
    pairs = pairs.assign(period=period_start(pairs["time"], freq))
    counts = pairs.groupby(["period", "value"]).size().rename("count").reset_index()
    counts = counts.rename(columns={"value": "key"})
    if fill:
        periods = _all_periods(articles, freq)
        keys = sorted(counts["key"].unique(), key=str) if keys is None else sorted(keys, key=str)
        full = pd.MultiIndex.from_product([periods, keys], names=["period", "key"])
        counts = counts.set_index(["period", "key"])["count"].reindex(full, fill_value=0).reset_index()
    counts["count"] = counts["count"].astype("int64")
    counts["period"] = counts["period"].astype("datetime64[ns]")
    return counts.sort_values(["period", "key"], key=_sort_key).reset_index(drop=True)[COUNT_COLUMNS]


def _sort_key(col: pd.Series) -> pd.Series:
    return col.astype(str) if col.dtype == object else col


def period_totals(articles: pd.DataFrame, freq: str = "D", unit: str = "articles") -> pd.DataFrame:
    """[period, total]: all articles (or stories) per period, every period from first to last."""
    _check(freq, unit)
    if articles is None or articles.empty:
        return pd.DataFrame({"period": pd.Series(dtype="datetime64[ns]"), "total": pd.Series(dtype="int64")})
    units = _unit_periods(articles, freq, unit).drop_duplicates("uid")
    totals = units.groupby("period").size()
    periods = _all_periods(articles, freq)
    totals = totals.reindex(periods, fill_value=0).rename("total").rename_axis("period").reset_index()
    totals["total"] = totals["total"].astype("int64")
    totals["period"] = totals["period"].astype("datetime64[ns]")
    return totals


def shares(articles: pd.DataFrame, tags: pd.DataFrame, freq: str = "D", unit: str = "articles",
           fill: bool = True, keys: Iterable | None = None) -> pd.DataFrame:
    """[period, key, count, total, share]: counts as a share of all articles (stories) in the period."""
    counts = period_counts(articles, tags, freq, unit, fill, keys)
    if counts.empty:
        return _empty(SHARE_COLUMNS)
    return _with_share(counts, period_totals(articles, freq, unit))


def _with_share(counts: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    out = counts.merge(totals, on="period", how="left")
    out["total"] = out["total"].fillna(0).astype("int64")
    out["share"] = np.where(out["total"] > 0, out["count"] / out["total"].where(out["total"] > 0, 1), 0.0)
    return out[SHARE_COLUMNS]


def rolling_mean(frame: pd.DataFrame, window: int, value: str = "count", by: str = "key",
                 on: str = "period") -> pd.DataFrame:
    """``frame`` plus a ``rolling`` column: the mean of ``value`` over the last ``window`` rows of
    each ``by`` group in ``on`` order (min 1 row, so the series starts at once).

    The window counts rows, i.e. periods when the frame is filled (``fill=True``).
    """
    if window < 1:
        raise ValueError("window must be at least 1")
    out = frame.copy()
    if out.empty:
        out["rolling"] = pd.Series(dtype="float64")
        return out
    ordered = out.sort_values(on, kind="stable")
    series = ordered.groupby(by, sort=False)[value] if by in out.columns else ordered[value]
    out["rolling"] = series.transform(lambda s: s.rolling(window, min_periods=1).mean()) \
        if by in out.columns else series.rolling(window, min_periods=1).mean()
    return out


# ---------------------------------------------------------------- partners, groups, movers

def _split_pairs(pairs: pd.DataFrame) -> pd.DataFrame:
    """[article_id, a, b] from a pair tag frame ('AAA-BBB' values or country_a / country_b)."""
    if pairs is not None and {"country_a", "country_b"} <= set(pairs.columns):
        return pd.DataFrame({"article_id": pairs["article_id"].to_numpy(),
                             "a": pairs["country_a"].to_numpy(), "b": pairs["country_b"].to_numpy()})
    t = _tags(pairs)
    parts = t["value"].astype(str).str.split("-", n=1, expand=True)
    if parts.shape[1] < 2:
        return pd.DataFrame({"article_id": pd.Series(dtype="int64"), "a": pd.Series(dtype=object),
                             "b": pd.Series(dtype=object)})
    return pd.DataFrame({"article_id": t["article_id"].to_numpy(), "a": parts[0].to_numpy(),
                         "b": parts[1].to_numpy()}).dropna()


def _restrict(frame: pd.DataFrame, articles: pd.DataFrame | None, unit: str) -> pd.DataFrame:
    """Replace article_id by the counting unit, keeping only selected articles when given."""
    if articles is None:
        return frame.rename(columns={"article_id": "uid"})
    units = _units(articles, unit)[["id", "uid"]]
    merged = frame.merge(units, left_on="article_id", right_on="id", how="inner")
    return merged.drop(columns=["article_id", "id"])


def top_partners(pairs: pd.DataFrame, country: str, n: int = 10, articles: pd.DataFrame | None = None,
                 unit: str = "articles") -> pd.DataFrame:
    """[partner, count, share]: the countries ``country`` is paired with most, largest first.

    ``share`` is the partner's count over the articles (stories) in which ``country`` has any
    partner, so the shares of all partners sum to at least 1 (an article can pair with several).
    Pass ``articles`` to restrict to a selection and to count stories.
    """
    _check(None, unit)
    edges = _restrict(_split_pairs(pairs), articles, unit)
    mine = pd.concat([edges.loc[edges["a"] == country, ["uid", "b"]].rename(columns={"b": "partner"}),
                      edges.loc[edges["b"] == country, ["uid", "a"]].rename(columns={"a": "partner"})])
    mine = mine.drop_duplicates()
    if mine.empty:
        return _empty(PARTNER_COLUMNS)
    total = mine["uid"].nunique()
    counts = mine.groupby("partner").size().rename("count").reset_index()
    counts["count"] = counts["count"].astype("int64")
    counts["share"] = counts["count"] / total
    counts = counts.sort_values(["count", "partner"], ascending=[False, True]).head(n)
    return counts.reset_index(drop=True)[PARTNER_COLUMNS]


def _members(groups) -> dict[str, tuple[str, ...]]:
    if isinstance(groups, Mapping):
        return {slug: tuple(getattr(g, "members", g) or ()) for slug, g in groups.items()}
    return {g.slug: tuple(g.members) for g in groups}


def group_tags(countries: pd.DataFrame, groups) -> pd.DataFrame:
    """A tag frame [article_id, value=group slug]: an article tags a group once when it
    mentions any member. ``groups``: ``load_groups()``, or a mapping slug -> member codes."""
    t = _tags(countries)
    membership = pd.DataFrame([(code, slug) for slug, members in _members(groups).items() for code in members],
                              columns=["value", "group"])
    merged = t.merge(membership, on="value", how="inner")
    out = merged[["article_id", "group"]].drop_duplicates().rename(columns={"group": "value"})
    return out.reset_index(drop=True)


def group_counts(countries: pd.DataFrame, groups, articles: pd.DataFrame, freq: str | None = "W",
                 unit: str = "articles", fill: bool = True) -> pd.DataFrame:
    """Per-group attention: [period, key, count, total, share] with key = group slug, every
    group present (0 when no member is mentioned).

    With ``freq=None``, one row per group over the whole selection: [key, count, total, share],
    largest first.
    """
    _check(freq, unit)
    slugs = list(_members(groups))
    tags = group_tags(countries, groups)
    if freq is not None:
        return shares(articles, tags, freq, unit, fill, keys=slugs)
    if articles is None or articles.empty:
        return _empty(SHARE_COLUMNS[1:])
    pairs = _unit_tags(articles, tags, unit)
    total = _units(articles, unit)["uid"].nunique()
    counts = pairs.groupby("value").size().reindex(slugs, fill_value=0).rename("count")
    counts = counts.rename_axis("key").reset_index()
    counts["count"] = counts["count"].astype("int64")
    counts["total"] = np.int64(total)
    counts["share"] = counts["count"] / total if total else 0.0
    return counts.sort_values(["count", "key"], ascending=[False, True]).reset_index(drop=True)[SHARE_COLUMNS[1:]]


def movers(articles: pd.DataFrame, tags: pd.DataFrame, start, end, unit: str = "articles",
           n: int | None = None, min_count: int = 1) -> pd.DataFrame:
    """[key, current, previous, change, pct_change]: counts in [start, end) against the period
    of the same length just before it, biggest absolute change first.

    ``articles`` must reach back to ``start - (end - start)`` for the comparison to mean
    anything. ``pct_change`` is change / previous, NaN when previous is 0 (a new key). Keys
    below ``min_count`` in both periods are dropped.
    """
    _check(None, unit)
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    start = start.tz_localize("UTC") if start.tzinfo is None else start.tz_convert("UTC")
    end = end.tz_localize("UTC") if end.tzinfo is None else end.tz_convert("UTC")
    if articles is None or articles.empty or end <= start:
        return _empty(MOVER_COLUMNS)
    prev_start = start - (end - start)
    pairs = _unit_tags(articles, tags, unit)
    cur = pairs[(pairs["time"] >= start) & (pairs["time"] < end)].groupby("value").size()
    prev = pairs[(pairs["time"] >= prev_start) & (pairs["time"] < start)].groupby("value").size()
    out = pd.DataFrame({"current": cur, "previous": prev}).fillna(0).astype("int64")
    out = out[(out["current"] >= min_count) | (out["previous"] >= min_count)]
    if out.empty:
        return _empty(MOVER_COLUMNS)
    out["change"] = out["current"] - out["previous"]
    out["pct_change"] = np.where(out["previous"] > 0, out["change"] / out["previous"].where(out["previous"] > 0, 1),
                                 np.nan)
    out = out.rename_axis("key").reset_index()
    out["abs"] = out["change"].abs()
    out = out.sort_values(["abs", "change", "key"], ascending=[False, False, True]).drop(columns="abs")
    if n is not None:
        out = out.head(n)
    return out.reset_index(drop=True)[MOVER_COLUMNS]


# ---------------------------------------------------------------- heatmap and network

def topic_by_country(topics: pd.DataFrame, countries: pd.DataFrame, articles: pd.DataFrame | None = None,
                     unit: str = "articles", top: int | None = None,
                     exclude: Iterable[str] = ()) -> pd.DataFrame:
    """Topic x country matrix of counts (articles or stories carrying both), for a heatmap.

    Rows: topics (alphabetical); columns: countries by total count, largest first, cut to
    ``top`` and without ``exclude`` (e.g. ``["CAN"]``, which is in most articles).
    """
    _check(None, unit)
    t = _restrict(_tags(topics), articles, unit).rename(columns={"value": "topic"})
    c = _restrict(_tags(countries), articles, unit).rename(columns={"value": "country"})
    c = c[~c["country"].isin(list(exclude))]
    both = t.merge(c, on="uid").drop_duplicates(["uid", "topic", "country"])
    if both.empty:
        return pd.DataFrame(dtype="int64")
    matrix = pd.crosstab(both["topic"], both["country"]).astype("int64")
    order = matrix.sum().sort_values(ascending=False, kind="stable")
    order = order.loc[sorted(order.index, key=lambda k: (-order[k], k))]
    cols = list(order.index[:top] if top else order.index)
    matrix = matrix[cols].sort_index()
    matrix.index.name, matrix.columns.name = "topic", "country"
    return matrix


def pair_edges(pairs: pd.DataFrame, members: Iterable[str], articles: pd.DataFrame | None = None,
               unit: str = "articles") -> pd.DataFrame:
    """[a, b, weight]: pairs with both countries in ``members`` (a group's members), weight =
    articles (stories) tagging the pair, heaviest first; ``a`` < ``b`` alphabetically."""
    _check(None, unit)
    members = set(members)
    edges = _restrict(_split_pairs(pairs), articles, unit)
    edges = edges[edges["a"].isin(members) & edges["b"].isin(members) & (edges["a"] != edges["b"])]
    if edges.empty:
        return _empty(EDGE_COLUMNS)
    a = edges[["a", "b"]].min(axis=1)
    b = edges[["a", "b"]].max(axis=1)
    edges = pd.DataFrame({"uid": edges["uid"].to_numpy(), "a": a.to_numpy(), "b": b.to_numpy()}).drop_duplicates()
    out = edges.groupby(["a", "b"]).size().rename("weight").reset_index()
    out["weight"] = out["weight"].astype("int64")
    return out.sort_values(["weight", "a", "b"], ascending=[False, True, True]).reset_index(drop=True)[EDGE_COLUMNS]
