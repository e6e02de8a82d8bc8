"""Middle powers: who deals with whom inside a group, a country's partners on the map, groups compared."""

from __future__ import annotations

import math

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from analysis.countries import all_country_codes
from analysis.groups import DEFAULT_GROUP, load_groups
from counts import analytics, labels, queries
from dashboard import widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param

NO_ARTICLES = "#e3e3e3"
FOCUS = "#1f4e79"


def world_map(mapped, who: str, unit: str) -> go.Figure:
    """The whole world, always the same way up: partners of `who` shaded by count, every other
    country grey and said to have none, `who` itself in blue. The projection is fixed (Natural
    Earth, centred on Greenwich, no fitting to the data): fitted to Canada's partners, plotly drew
    Alaska east of Russia, and for Japan it cut off Europe and Africa (issue 10)."""
    counts = dict(zip(mapped["partner"], mapped["count"].astype(int)))
    others = [c for c in all_country_codes() if c not in counts and c != who]
    fig = go.Figure()
    fig.add_trace(
        go.Choropleth(
            locations=others,
            z=[0] * len(others),
            locationmode="ISO-3",
            showscale=False,
            colorscale=[[0, NO_ARTICLES], [1, NO_ARTICLES]],
            marker_line_color="#ffffff",
            marker_line_width=0.4,
            text=[labels.country(c) for c in others],
            name="no articles",
            hovertemplate=f"<b>%{{text}}</b>: no {unit} pairing it with {labels.country(who)}<extra></extra>",
        )
    )
    codes = list(counts)
    fig.add_trace(
        go.Choropleth(
            # From a clear red, not the white end of "Reds": one article must not look like none.
            locations=codes,
            z=[counts[c] for c in codes],
            locationmode="ISO-3",
            colorscale=[[0, "#fc9272"], [0.5, "#de2d26"], [1, "#67000d"]],
            zmin=0,
            marker_line_color="#ffffff",
            marker_line_width=0.4,
            name="partners",
            colorbar=dict(title=dict(text=unit.capitalize()), thickness=14, len=0.8),
            text=[labels.country(c) for c in codes],
            hovertemplate=f"<b>%{{text}}</b>: %{{z:,}} {unit} pairing it with {labels.country(who)}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Choropleth(
            locations=[who],
            z=[1],
            locationmode="ISO-3",
            showscale=False,
            colorscale=[[0, FOCUS], [1, FOCUS]],
            marker_line_color="#ffffff",
            marker_line_width=0.6,
            text=[labels.country(who)],
            name="chosen country",
            hovertemplate="<b>%{text}</b>: the chosen country<extra></extra>",
        )
    )
    fig.update_geos(
        projection_type="natural earth",
        fitbounds=False,
        projection_rotation=dict(lon=0, lat=0),
        center=dict(lon=0, lat=0),
        lonaxis_range=[-180, 180],
        lataxis_range=[-60, 90],
        showcountries=True,
        countrycolor="#ffffff",
        showframe=False,
        showland=True,
        landcolor=NO_ARTICLES,
        showocean=False,
        showlakes=False,
        showcoastlines=False,
    )
    fig.update_layout(showlegend=False)
    return fig


ctx = widgets.page_start(
    "Middle powers", "Ties within a group of countries, a country's partners around the world, and the groups compared."
)
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
edges = q(queries.pairs_within, f, members)
st.caption(f"{group.label}: {', '.join(labels.country(m) for m in members)}. Source: {group.source}")
if edges.empty:
    widgets.nothing(f"No article pairs two members of {group.label} under these filters.")
else:
    n = len(members)
    pos = {
        m: (math.cos(math.pi / 2 - 2 * math.pi * i / n), math.sin(math.pi / 2 - 2 * math.pi * i / n))
        for i, m in enumerate(members)
    }
    top = edges["count"].max()
    fig = go.Figure()
    for row in edges.itertuples(index=False):
        (x0, y0), (x1, y1) = pos[row.country_a], pos[row.country_b]
        fig.add_trace(
            go.Scatter(
                x=[x0, x1],
                y=[y0, y1],
                mode="lines",
                hoverinfo="skip",
                showlegend=False,
                line=dict(width=1 + 11 * row.count / top, color="rgba(31,78,121,0.55)"),
            )
        )
    # Invisible midpoints carry the edge hover text (plotly lines have no hover of their own).
    fig.add_trace(
        go.Scatter(
            x=[(pos[r.country_a][0] + pos[r.country_b][0]) / 2 for r in edges.itertuples()],
            y=[(pos[r.country_a][1] + pos[r.country_b][1]) / 2 for r in edges.itertuples()],
            mode="markers",
            marker=dict(size=14, opacity=0),
            showlegend=False,
            text=[f"{labels.pair(r.country_a + '-' + r.country_b)}: {r.count:,} {unit}" for r in edges.itertuples()],
            hovertemplate="%{text}<extra></extra>",
        )
    )
    # Distinct articles per member: summing the edges would count an article that pairs Canada with
    # Japan and with Korea twice for Canada (issue 10: "135 paired articles" where 127 existed).
    found = q(analytics.group_degree, f, members)
    degree = {m: 0 for m in members} | dict(zip(found["country"], found["count"].astype(int)))
    big = max(degree.values()) or 1
    fig.add_trace(
        go.Scatter(
            x=[pos[m][0] for m in members],
            y=[pos[m][1] for m in members],
            mode="markers+text",
            text=[labels.country(m) for m in members],
            textposition="top center",
            showlegend=False,
            marker=dict(
                size=[14 + 26 * degree[m] / big for m in members],
                color=widgets.PALETTE[0],
                line=dict(width=1, color="white"),
            ),
            customdata=[degree[m] for m in members],
            hovertemplate=f"<b>%{{text}}</b>: %{{customdata:,}} {unit} pairing it with another member<extra></extra>",
        )
    )
    fig.update_layout(
        xaxis=dict(visible=False, range=[-1.35, 1.35]),
        yaxis=dict(visible=False, range=[-1.25, 1.3], scaleanchor="x"),
        plot_bgcolor="white",
    )
    table = edges.assign(
        pair=edges["country_a"] + "-" + edges["country_b"],
        names=[labels.pair(a + "-" + b) for a, b in zip(edges["country_a"], edges["country_b"])],
    )
    widgets.chart(fig, table[["pair", "names", "count"]], f"Network {group.label}", "mp_network", height=520)
    st.caption(
        f"Line width: {unit} reporting the two countries dealing with each other. "
        f"Dot size: the {unit} pairing the country with any other member, each counted once."
    )

# Map -------------------------------------------------------------------------------------------
st.subheader("A country's partners on the map")
codes = all_country_codes()
page_param("mp_country", ctx.focus, codes, str.upper)
who = st.selectbox("Country", codes, key="mp_country", format_func=labels.country_option)
sync_page_param("mp_country", ctx.focus)
mapped = q(queries.partners, f, who)
if mapped.empty:
    widgets.nothing(f"No article pairs {labels.country(who)} with another country under these filters.")
else:
    widgets.chart(
        world_map(mapped, who, unit),
        mapped.assign(name=mapped["partner"].map(labels.country))[["partner", "name", "count"]],
        f"Partners of {labels.country(who)}",
        "mp_map",
        height=500,
    )
    st.caption(
        f"Red: the countries paired with {labels.country(who)} (darker: more {unit}); grey: known "
        f"countries with no such {unit}; blue: {labels.country(who)} itself."
    )

# Groups compared -------------------------------------------------------------------------------
st.subheader("The groups compared")
counts = q(queries.group_counts, f, {g.label: g.members for g in groups.values()}, exclude=(ctx.focus,))
counts = counts.sort_values("count", ascending=True)
fig = px.bar(counts, x="count", y="group", orientation="h", labels={"count": unit.capitalize(), "group": ""})
fig.update_traces(marker_color=widgets.PALETTE[1])
widgets.hover(fig, f"<b>%{{y}}</b>: %{{x:,}} {unit} mentioning a member")
widgets.chart(fig, counts.iloc[::-1].reset_index(drop=True), "Groups compared", "mp_groups", height=380)
st.caption(
    f"Filtered {unit} that mention at least one member of each group, "
    f"{labels.country(ctx.focus)} left out (it belongs to several)."
)
