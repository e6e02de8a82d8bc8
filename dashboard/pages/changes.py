"""What changed: the pairs and topics whose coverage rose or fell beyond chance in the chosen period.

The chosen period is the sidebar's date range, or else the last 7, 30 or 90 days; it is set against
the three periods of the same length before it (counts/stats.py says how, and the page repeats
it). Each section lists what moved beyond chance, and one click on an item shows its articles of the
period right there.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from counts import analytics, labels, queries, stats
from dashboard import changes, widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param

DAYS = {7: "7 days", 30: "30 days", 90: "90 days"}
LIMIT = 15  # bars per chart

ctx = widgets.page_start(
    "What changed",
    "The pairs and topics whose coverage rose or fell beyond what chance explains, in the chosen "
    "period against the ones before; click one to read its articles.",
)
f = ctx.filters
unit = f.unit

if f.start or f.end:
    days = None
    st.caption("The period is the sidebar's date range.")
else:
    page_param("wc_days", 30, list(DAYS), int)
    days = st.segmented_control(
        "Period",
        list(DAYS),
        key="wc_days",
        format_func=DAYS.__getitem__,
        required=True,
        help="The last days of the store; a date range in the sidebar sets any other period.",
    )
    sync_page_param("wc_days", 30)
w = changes.window_for(f, ctx.status.get("last"), days=days or 30)
if w is None:
    widgets.nothing("Not enough dated articles to compare two periods.")
    st.stop()
n_now, n_before = q(analytics.window_totals, f, w.baseline_start, w.start, w.end)
st.caption(
    f"{n_now:,} {unit} in the period, {n_before:,} in the {w.k} periods before. "
    + stats.explain(w, unit)
    + " "
    + changes.legend_caption()
)
if not n_now or not n_before:
    widgets.nothing("One of the two periods has no article under these filters: nothing to compare.")
    st.stop()
window = replace(f, start=w.start, end=w.end)

SECTIONS = (
    ("Pairs", "article_pairs", "pair", "pair", labels.pair, "wc_pair"),
    ("Topics", "article_topics", "topic", "topic", labels.topic, "wc_topic"),
)
for title, table, column, kind, show, key in SECTIONS:
    st.subheader(title)
    tested, _, _ = changes.tested(f, w, table, column)
    rows = changes.shown(tested, LIMIT)
    if rows.empty:
        widgets.nothing(
            f"No {title.lower()[:-1]} has {stats.MIN_BASE} {unit} or more in these periods: "
            "too few to tell a change from chance."
        )
        continue
    moved = rows[rows["verdict"].isin(["rose", "fell"])]
    names = changes.names_of(rows, show)
    frame = rows.assign(name=names)[["key", "name", *stats.COLUMNS[1:]]].rename(columns={"key": kind})
    widgets.chart(
        changes.figure(rows, names, unit, w),
        frame,
        f"What changed: {title.lower()}, {changes.span(w)}",
        f"wc_{kind}",
        height=changes.height(len(rows)),
        scope=changes.scope(f, w),
    )
    if moved.empty:
        st.caption(
            f"No {title.lower()[:-1]} rose or fell beyond chance: the bars are the largest changes, all within chance."
        )
        continue
    options = moved["key"].tolist()
    page_param(key, None, options)
    shown = {k: f"{'▲' if v == 'rose' else '▼'} {show(k)}" for k, v in zip(moved["key"], moved["verdict"])}
    picked = st.pills(
        f"Read the articles of the period: {len(options)} {title.lower()} moved beyond chance",
        options,
        key=key,
        format_func=shown.__getitem__,
    )
    sync_page_param(key, None)
    if picked:
        articles, total = q(queries.articles, window, "", 50, 0, series=(kind, picked))
        st.caption(
            f"{min(50, total):,} most recent of the {total:,} {unit} of {w.start} to {w.end} about {show(picked)}."
        )
        widgets.article_table(
            articles, f"Articles {show(picked)} {w.start} to {w.end}", f"wc_articles_{kind}", scope=window
        )
