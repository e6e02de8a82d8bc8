"""Overview: how much is there, who Canada deals with, and where attention is moving."""

from __future__ import annotations

from datetime import date

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from analysis.groups import load_groups
from counts import frames, labels, queries, stats
from dashboard import changes, widgets
from dashboard.data import q
from dashboard.fetching import ago, freshness
from dashboard.filters import page_param, sync_page_param

MIN_PERIOD = 20  # articles in a period below which a share is too noisy to draw on the line

ctx = widgets.page_start(
    "Overview", "What the store holds for the current filters, Canada's main partners, and where attention is moving."
)
f = ctx.filters

head = q(queries.headline, f)
cols = st.columns(5)
cols[0].metric("Articles", f"{head['articles']:,}")
cols[1].metric("Stories", f"{head['stories']:,}", help="Syndicated copies of one report count once.")
cols[2].metric("Countries mentioned", f"{head['countries']:,}")
if head["first"]:
    first, last = head["first"][:10], head["last"][:10]
    days = (date.fromisoformat(last) - date.fromisoformat(first)).days + 1
    cols[3].metric("Period covered", f"{days:,} days", help=f"{first} to {last}")
else:
    cols[3].metric("Period covered", "–")
# The last run that brought articles, not the last attempt: a run that reached no feed (offline) or
# skipped them all still stamps its time, which once read "Last ingest 1 min ago" (issue 10).
times = q(queries.ingest_times)
cols[4].metric(
    "Last new articles",
    ago(times["last_new_at"]),
    help=f"Last run that brought new articles: {times['last_new_at'] or 'none yet'} (UTC). "
    f"Last attempt: {times['last_attempt_at'] or 'never'} (UTC).",
)
st.caption((f"Articles published {first} to {last}. " if head["first"] else "") + freshness(times) + ".")

focus = ctx.focus
unit = f.unit

# Top partners -------------------------------------------------------------------------------
st.subheader(f"{labels.country(focus)}'s top partners")
top = q(queries.partners, f, focus, 15)
if top.empty:
    widgets.nothing(f"No article pairs {labels.country(focus)} with another country under these filters.")
else:
    top = top.assign(name=top["partner"].map(labels.country))[["partner", "name", "count"]]
    fig = px.bar(top.iloc[::-1], x="count", y="name", orientation="h", labels={"count": unit.capitalize(), "name": ""})
    fig.update_traces(marker_color=widgets.PALETTE[0])
    widgets.hover(fig, f"%{{y}}: %{{x:,}} {unit} reporting it dealing with {labels.country(focus)}")
    widgets.chart(fig, top, f"Top partners of {labels.country(focus)}", "overview_partners", height=420)

# Middle powers against great powers ----------------------------------------------------------
st.subheader("Attention to the middle powers against the great powers")
page_param("ov_freq", "month", list(labels.FREQS))
freq = (
    st.segmented_control("Step", list(labels.FREQS), key="ov_freq", format_func=labels.FREQS.__getitem__, required=True)
    or "month"  # required: never None, though Streamlit's types allow it
)
sync_page_param("ov_freq", "month")
groups = load_groups()
chosen = {
    g.label: tuple(m for m in g.members if m != focus)
    for slug, g in groups.items()
    if slug in ("middle_powers", "great_powers")
}
st.caption(
    " ".join(f"{label}: {', '.join(labels.country(m) for m in members)}." for label, members in chosen.items())
    + f" {labels.country(focus)} is left out, since nearly every article names it."
)
shares = q(queries.group_timeseries, f, freq, chosen)
if shares.empty:
    widgets.nothing("No article mentions a member of these groups under the current filters.")
else:
    totals = q(queries.timeseries, f, freq)
    parts = []
    for label in chosen:
        part = frames.fill_periods(
            shares[shares["group"] == label][["period", "count"]], freq, totals["period"].min(), totals["period"].max()
        )
        part["group"] = label
        parts.append(part)
    table = frames.with_share(pd.concat(parts, ignore_index=True), totals)[
        ["period", "group", "count", "total", "share"]
    ]
    # A share of 3 articles jumps between 0 and 100 %: below MIN_PERIOD articles a period is drawn
    # as a grey dot off the line, and marked in the table.
    table["too_few"] = table["total"] < MIN_PERIOD
    when = widgets.period_hover(freq)
    fig = go.Figure()
    shown_small = False  # one legend entry for the grey dots of both groups
    for i, label in enumerate(chosen):
        part = table[table["group"] == label]
        custom = part[["count", "total"]].to_numpy()
        fig.add_trace(
            go.Scatter(
                x=part["period"],
                y=part["share"].where(~part["too_few"]),
                name=label,
                mode="lines+markers" if freq == "month" else "lines",
                line=dict(color=widgets.PALETTE[i]),
                customdata=custom,
                hovertemplate=(
                    f"<b>{label}</b> · {when}<br>%{{customdata[0]:,}} of "
                    f"%{{customdata[1]:,}} {unit} (%{{y:.1f}} %)<extra></extra>"
                ),
            )
        )
        small = part[part["too_few"]]
        if small.empty:
            continue
        fig.add_trace(
            go.Scatter(
                x=small["period"],
                y=small["share"],
                name=f"under {MIN_PERIOD} {unit} in the period",
                mode="markers",
                marker=dict(color="#c4c4c4", size=6, line=dict(color=widgets.PALETTE[i], width=1)),
                legendgroup="too_few",
                showlegend=not shown_small,
                customdata=small[["count", "total"]].to_numpy(),
                hovertemplate=(
                    f"<b>{label}</b> · {when}<br>%{{customdata[0]:,}} of %{{customdata[1]:,}} {unit} "
                    f"(%{{y:.1f}} %)<br>too few {unit} in the period to read a share<extra></extra>"
                ),
            )
        )
        shown_small = True
    fig.update_layout(yaxis_title=f"Share of {unit} (%)", xaxis_title="")
    widgets.chart(fig, table, "Middle powers vs great powers", "overview_groups", coverage=freq)
    st.caption(
        f"Share of the filtered {unit} in each period that mention a member of each group (hover for "
        f"the counts). Periods with fewer than {MIN_PERIOD} {unit} in all are grey dots off the line: "
        "a share of so few swings on one article."
    )

# Biggest movers -------------------------------------------------------------------------------
st.subheader("Biggest movers")
w = changes.window_for(f, ctx.status.get("last"), days=30)
if w is None:
    widgets.nothing("Not enough dated articles to compare two periods.")
else:
    moved, n_now, n_before = changes.tested(f, w, "article_countries", "country", exclude=(focus,))
    rows = changes.shown(moved, 12)
    if rows.empty:
        widgets.nothing(f"No country has {stats.MIN_BASE} {unit} or more in these periods: too few to compare.")
    else:
        names = changes.names_of(rows, labels.country)
        table = rows.assign(name=names)[["key", "name", *stats.COLUMNS[1:]]].rename(columns={"key": "country"})
        widgets.chart(
            changes.figure(rows, names, unit, w),
            table,
            f"Biggest movers, {changes.span(w)}",
            "overview_movers",
            height=changes.height(len(rows)),
            scope=changes.scope(f, w),
        )
        st.caption(
            f"{n_now:,} {unit} now, {n_before:,} in the {w.k} periods before. "
            + stats.explain(w, unit)
            + " "
            + changes.legend_caption()
            + " Set a date range in the sidebar to choose the period."
        )
