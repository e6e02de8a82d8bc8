"""Overview: how much is there, who Canada deals with, and where attention is moving."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from analysis.groups import load_groups
from dashboard import frames, labels, widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param
from dashboard.queries import stored_time



def ago(stamp: str | None) -> str:
    """'3 h ago' reads faster than a timestamp in a headline figure."""
    if not stamp:
        return "never"
    then = stored_time(stamp)
    if then is None:  # a hand-edited or damaged meta row: say so rather than fail the page
        return "unknown"
    minutes = max(0, int((datetime.now(timezone.utc) - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


ctx = widgets.page_start("Overview",
                         "What the store holds for the current filters, Canada's main partners, and where attention is moving.")
f = ctx.filters

head = q("headline", f)
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
cols[4].metric("Last ingest", ago(head["last_ingest_at"]), help=head["last_ingest_at"] or "Never")
if head["first"]:
    st.caption(f"Articles published {first} to {last}. Last ingest: "
               f"{(head['last_ingest_at'] or 'never').replace('T', ' ').replace('Z', ' UTC')}.")

focus = ctx.focus
unit = f.unit

# Top partners -------------------------------------------------------------------------------
st.subheader(f"{labels.country(focus)}'s top partners")
top = q("partners", f, focus, 15)
if top.empty:
    widgets.nothing(f"No article pairs {labels.country(focus)} with another country under these filters.")
else:
    top = top.assign(name=top["partner"].map(labels.country))[["partner", "name", "count"]]
    fig = px.bar(top.iloc[::-1], x="count", y="name", orientation="h",
                 labels={"count": unit.capitalize(), "name": ""}, hover_data={"partner": True})
    fig.update_traces(marker_color=widgets.PALETTE[0])
    widgets.chart(fig, top, f"Top partners of {focus}", "overview_partners", height=420)

# Middle powers against great powers ----------------------------------------------------------
st.subheader("Attention to the middle powers against the great powers")
page_param("ov_freq", "month", list(labels.FREQS))
freq = st.segmented_control("Step", list(labels.FREQS), key="ov_freq", format_func=labels.FREQS.get,
                            required=True)
sync_page_param("ov_freq", "month")
groups = load_groups()
chosen = {g.label: tuple(m for m in g.members if m != focus)
          for slug, g in groups.items() if slug in ("middle_powers", "great_powers")}
shares = q("group_timeseries", f, freq, chosen)
if shares.empty:
    widgets.nothing("No article mentions a member of these groups under the current filters.")
else:
    totals = q("timeseries", f, freq)
    parts = []
    for label in chosen:
        part = frames.fill_periods(shares[shares["group"] == label][["period", "count"]], freq,
                                   totals["period"].min(), totals["period"].max())
        part["group"] = label
        parts.append(part)
    table = frames.with_share(pd.concat(parts, ignore_index=True), totals)[["period", "group", "count", "total", "share"]]
    fig = px.line(table, x="period", y="share", color="group", markers=freq == "month",
                  labels={"share": f"Share of {unit} (%)", "period": ""},
                  hover_data={"count": True, "total": True})
    widgets.chart(fig, table, "Middle powers vs great powers", "overview_groups", coverage=freq)
    st.caption(f"Share of the filtered {unit} in each period that mention a member of each group"
               f" ({labels.country(focus)} itself left out, since nearly every article names it).")

# Biggest movers -------------------------------------------------------------------------------
st.subheader("Biggest movers")
moves, start, end = q("movers", f, exclude=(focus,), limit=12, days=30, last=ctx.status.get("last"))
if moves.empty or start is None:
    widgets.nothing("Not enough dated articles to compare two periods.")
else:
    length = (end - start).days + 1
    moves = moves.assign(name=moves["country"].map(labels.country))[["country", "name", "current", "previous", "change"]]
    colors = [widgets.PALETTE[1] if c >= 0 else widgets.PALETTE[0] for c in moves["change"]]
    fig = go.Figure(go.Bar(x=moves["change"].iloc[::-1], y=moves["name"].iloc[::-1], orientation="h",
                           marker_color=colors[::-1],
                           customdata=moves[["current", "previous"]].iloc[::-1].to_numpy(),
                           hovertemplate="%{y}: %{x:+d}<br>now %{customdata[0]}, before %{customdata[1]}<extra></extra>"))
    fig.update_layout(xaxis_title=f"Change in {unit}", yaxis_title="")
    widgets.chart(fig, moves, "Biggest movers", "overview_movers", height=420)
    st.caption(f"{start} to {end} ({length} days) against the {length} days before. "
               "Set a date range in the sidebar to choose the period.")
