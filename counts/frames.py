"""The counting layer's second half: reshaping the per-period counts that counts/queries.py aggregates
in SQL, before they are charted.

SQL GROUP BY returns only the periods that have articles; a line chart needs the empty ones as
zeros, or a quiet week disappears and the line jumps across it. Shares and rolling means are computed
on those filled frames, so a 4-week mean is over 4 weeks, not over 4 non-empty weeks. Counting in SQL and
reshaping the small result here (never counting raw article frames in pandas) is what keeps a
million-article store fast.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from counts import labels

_FREQ = {"day": "D", "week": "W-MON", "month": "MS"}


def period_start(day: date | str | pd.Timestamp, freq: str) -> pd.Timestamp:
    ts = pd.Timestamp(str(day)[:10])
    if freq == "week":
        return ts - pd.Timedelta(days=ts.weekday())
    if freq == "month":
        return ts.replace(day=1)
    return ts


# One period of each step, for the ends of periods (a period starts on the day `period_start` gives).
STEP = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}


def partial_periods(periods, freq: str, first: date | str | None, last: date | str | None) -> pd.Series:
    """For each period start, whether only part of the period lies within the data's days [first, last]
    (the store's first and last article days, narrowed by the filter's dates).

    A month the store enters on the 20th, or the month in progress on the 5th, counts its articles over
    fewer days than the others: its count reads as a fall that is not there (its share holds up). Days
    are never partial here."""
    starts = pd.Series(pd.to_datetime(pd.Series(periods)), dtype="datetime64[ns]")
    if freq == "day" or starts.empty:
        return pd.Series(False, index=starts.index)
    ends = starts + STEP[freq] - pd.Timedelta(days=1)
    partial = pd.Series(False, index=starts.index)
    low, high = (pd.to_datetime(str(d)[:10], errors="coerce") if d is not None else pd.NaT for d in (first, last))
    if not pd.isna(low):  # an unreadable bound (never expected from the store) cuts nothing
        partial |= starts < low
    if not pd.isna(high):
        partial |= ends > high
    return partial


def fill_periods(
    df: pd.DataFrame, freq: str, start=None, end=None, by: str | None = None, values: list | None = None
) -> pd.DataFrame:
    """Add zero rows for every period (and every `by` value) between start and end."""
    cols = ["period"] + ([by] if by else []) + ["count"]
    # A bound taken from an empty frame (every date of the selection unreadable) is NaT: no bound.
    start, end = (None if v is None or pd.isna(v) else v for v in (start, end))
    if df.empty and (start is None or end is None):
        return df[cols] if set(cols) <= set(df.columns) else pd.DataFrame({c: [] for c in cols})
    first = period_start(start if start is not None else df["period"].min(), freq)
    last = period_start(end if end is not None else df["period"].max(), freq)
    periods = pd.date_range(first, last, freq=_FREQ[freq])
    if by:
        keys = values if values is not None else sorted(df[by].dropna().unique())
        index = pd.MultiIndex.from_product([periods, keys], names=["period", by])
        out = df.set_index(["period", by])["count"].reindex(index, fill_value=0).reset_index()
    else:
        out = df.set_index("period")["count"].reindex(periods, fill_value=0).rename_axis("period").reset_index()
    out["count"] = out["count"].astype("int64")
    return out[cols]


def with_share(df: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    """Add `total` (the period's count of all filtered articles) and `share` in percent."""
    out = df.merge(totals.rename(columns={"count": "total"})[["period", "total"]], on="period", how="left")
    out["total"] = out["total"].fillna(0).astype("int64")
    out["share"] = (100.0 * out["count"] / out["total"].where(out["total"] > 0)).fillna(0.0).round(2)
    return out


def labelled_topics(rows: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Topic counts per period (the `tag_timeseries` query's rows), quiet periods as zeros, with
    each topic's readable label: the shape every topic chart draws from."""
    out = fill_periods(rows.rename(columns={"value": "topic"}), freq, by="topic")
    out["label"] = out["topic"].map(labels.topic)
    return out


def topic_mix(rows: pd.DataFrame, totals: pd.DataFrame, freq: str, start=None, end=None) -> pd.DataFrame:
    """[period, topic, label, count, total, share]: per period and topic, the articles of a series
    (a pair, a country's pairs) that carry the topic, the series' articles, and the share of them.

    `rows` are the `series_tag_timeseries` counts, `totals` the series' own per-period counts. An
    article with three topics counts once under each, so the topics' counts add up to more than
    `total`: these are lines to read one by one, never a stack (a stacked area once showed 78
    "articles" in a month where the pair had 20, issue 10)."""
    out = fill_periods(rows.rename(columns={"value": "topic"}), freq, start, end, by="topic")
    out = with_share(out, fill_periods(totals, freq, start, end))
    out["label"] = out["topic"].map(labels.topic)
    return out[["period", "topic", "label", "count", "total", "share"]]


def rolling_mean(
    frame: pd.DataFrame, window: int, value: str = "count", by: str = "key", on: str = "period"
) -> pd.DataFrame:
    """``frame`` plus a ``rolling`` column: the mean of ``value`` over the last ``window`` rows of
    each ``by`` group in ``on`` order (min 1 row, so the series starts at once). The window counts rows,
    i.e. periods once the frame is filled by ``fill_periods``."""
    if window < 1:
        raise ValueError("window must be at least 1")
    out = frame.copy()
    if out.empty:
        out["rolling"] = pd.Series(dtype="float64")
        return out
    ordered = out.sort_values(on, kind="stable")
    if by in out.columns:
        out["rolling"] = ordered.groupby(by, sort=False)[value].transform(
            lambda s: s.rolling(window, min_periods=1).mean()
        )
    else:
        out["rolling"] = ordered[value].rolling(window, min_periods=1).mean()
    return out
