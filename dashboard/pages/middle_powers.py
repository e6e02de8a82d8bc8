"""Middle powers: who deals with whom inside a group, a country's partners on the map, groups compared."""
from __future__ import annotations

import math

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from analysis.countries import all_country_codes
from analysis.groups import DEFAULT_GROUP, load_groups
from dashboard import labels, widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param

ctx = widgets.page_start("Middle powers",
                         "Ties within a group of countries, a country's partners around the world, and the groups compared.")
f = ctx.filters
unit = f.unit
groups = load_groups()

# Network -------------------------------------------------------------------------------------
st.subheader("Ties within a group")
default_group = f.group or (DEFAULT_GROUP if DEFAULT_GROUP in groups else next(iter(groups)))
page_param("mp_group", default_group, list(groups))
slug = st.selectbox("Group", list(groups), key="mp_group", format_func=labels.group)
sync_page_param("mp_group", default_group)
group = groups[slug]
members = list(group.members)
edges = q("pairs_within", f, members)
st.caption(f"{group.label}: {', '.join(labels.country(m) for m in members)}. Source: {group.source}")
if edges.empty:
    widgets.nothing(f"No article pairs two members of {group.label} under these filters.")
else:
    n = len(members)
    pos = {m: (math.cos(math.pi / 2 - 2 * math.pi * i / n), math.sin(math.pi / 2 - 2 * math.pi * i / n))
           for i, m in enumerate(members)}
    top = edges["count"].max()
    fig = go.Figure()
    for row in edges.itertuples(index=False):
        (x0, y0), (x1, y1) = pos[row.country_a], pos[row.country_b]
        fig.add_trace(go.Scatter(x=[x0, x1], y=[y0, y1], mode="lines", hoverinfo="skip", showlegend=False,
                                 line=dict(width=1 + 11 * row.count / top, color="rgba(31,78,121,0.55)")))
    # Invisible midpoints carry the edge hover text (plotly lines have no hover of their own).
    fig.add_trace(go.Scatter(
        x=[(pos[r.country_a][0] + pos[r.country_b][0]) / 2 for r in edges.itertuples()],
        y=[(pos[r.country_a][1] + pos[r.country_b][1]) / 2 for r in edges.itertuples()],
        mode="markers", marker=dict(size=14, opacity=0), showlegend=False,
        text=[f"{labels.pair(r.country_a + '-' + r.country_b)}: {r.count} {unit}" for r in edges.itertuples()],
        hoverinfo="text"))
    degree = {m: 0 for m in members}
    for r in edges.itertuples():
        degree[r.country_a] += r.count
        degree[r.country_b] += r.count
    big = max(degree.values()) or 1
    fig.add_trace(go.Scatter(
        x=[pos[m][0] for m in members], y=[pos[m][1] for m in members], mode="markers+text",
        text=[labels.country(m) for m in members], textposition="top center", showlegend=False,
        marker=dict(size=[14 + 26 * degree[m] / big for m in members], color=widgets.PALETTE[0],
                    line=dict(width=1, color="white")),
        customdata=[degree[m] for m in members], hovertemplate="%{text}: %{customdata} paired " + unit + "<extra></extra>"))
    fig.update_layout(xaxis=dict(visible=False, range=[-1.35, 1.35]),
                      yaxis=dict(visible=False, range=[-1.25, 1.3], scaleanchor="x"), plot_bgcolor="white")
    table = edges.assign(pair=edges["country_a"] + "-" + edges["country_b"],
                         names=[labels.pair(a + "-" + b) for a, b in zip(edges["country_a"], edges["country_b"])])
    widgets.chart(fig, table[["pair", "names", "count"]], f"Network {group.label}", "mp_network", height=520)
    st.caption("Line width: articles reporting the two countries dealing with each other. "
               "Dot size: all such articles of the country within the group.")

# Map -------------------------------------------------------------------------------------------
st.subheader("A country's partners on the map")
codes = all_country_codes()
page_param("mp_country", ctx.focus, codes, str.upper)
who = st.selectbox("Country", codes, key="mp_country", format_func=labels.country_option)
sync_page_param("mp_country", ctx.focus)
mapped = q("partners", f, who)
if mapped.empty:
    widgets.nothing(f"No article pairs {labels.country(who)} with another country under these filters.")
else:
    mapped = mapped.assign(name=mapped["partner"].map(labels.country))[["partner", "name", "count"]]
    fig = px.choropleth(mapped, locations="partner", locationmode="ISO-3", color="count", hover_name="name",
                        color_continuous_scale="Reds", labels={"count": unit.capitalize()})
    fig.update_geos(showcountries=True, countrycolor="#bbbbbb", showframe=False, projection_type="natural earth")
    widgets.chart(fig, mapped, f"Partners of {who}", "mp_map", height=480)

# Groups compared -------------------------------------------------------------------------------
st.subheader("The groups compared")
counts = q("group_counts", f, {g.label: g.members for g in groups.values()}, exclude=(ctx.focus,))
counts = counts.sort_values("count", ascending=True)
fig = px.bar(counts, x="count", y="group", orientation="h", labels={"count": unit.capitalize(), "group": ""})
fig.update_traces(marker_color=widgets.PALETTE[1])
widgets.chart(fig, counts.iloc[::-1].reset_index(drop=True), "Groups compared", "mp_groups", height=380)
st.caption(f"Filtered {unit} that mention at least one member of each group, "
           f"{labels.country(ctx.focus)} left out (it belongs to several).")
