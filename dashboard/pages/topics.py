"""Topics: which subjects go with which countries, and how each subject's coverage moves."""

from __future__ import annotations

import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from counts import frames, labels, queries
from dashboard import widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param

ctx = widgets.page_start("Topics", "The subjects of the filtered articles: by country, and over time.")
f = ctx.filters
unit = f.unit

st.subheader("Topic × country")
page_param("tp_n", 15, lambda v: 5 <= v <= 40, int)
page_param("tp_all", False, [True, False], lambda v: v.lower() in ("1", "true"))
c1, c2 = st.columns([1, 3])
n = c1.number_input(
    "Countries", min_value=5, max_value=40, step=5, key="tp_n", help="The countries most mentioned under the filters."
)
show_focus = c2.toggle(
    f"Include {labels.country(ctx.focus)}",
    key="tp_all",
    help="It is named in most articles and would flatten the other columns.",
)
sync_page_param("tp_n", 15)
sync_page_param("tp_all", False)
exclude = () if show_focus else (ctx.focus,)
top = q(queries.value_counts, f, "article_countries", "country", int(n), exclude)
cells = q(queries.topic_country, f, top["value"].tolist())
if cells.empty:
    widgets.nothing("None of these articles has both a topic and a country.")
else:
    order = top["value"].tolist()
    grid = cells.pivot_table(index="topic", columns="country", values="count", fill_value=0)
    grid = grid.reindex(
        index=[t for t in labels.TOPICS if t in grid.index],
        columns=[c for c in order if c in grid.columns],
        fill_value=0,
    )
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[labels.country(c) for c in grid.columns],
            y=[labels.topic(t) for t in grid.index],
            colorscale="Reds",
            colorbar=dict(title=unit.capitalize()),
            hovertemplate="%{y} × %{x}: %{z}<extra></extra>",
        )
    )
    fig.update_layout(xaxis=dict(tickangle=-40), yaxis=dict(autorange="reversed"))
    table = cells.assign(name=cells["country"].map(labels.country))[["topic", "country", "name", "count"]]
    table = table.sort_values(["topic", "count"], ascending=[True, False]).reset_index(drop=True)
    widgets.chart(fig, table, "Topic by country", "topics_heatmap", height=480)

st.subheader("Topic trends")
page_param("tp_freq", "month", list(labels.FREQS))
freq = (
    st.segmented_control("Step", list(labels.FREQS), key="tp_freq", format_func=labels.FREQS.__getitem__, required=True)
    or "month"  # required: never None, though Streamlit's types allow it
)
sync_page_param("tp_freq", "month")
series = q(queries.tag_timeseries, f, freq, "article_topics", "topic")
if series.empty:
    widgets.nothing("These articles carry no topic.")
else:
    series = frames.labelled_topics(series, freq)
    totals = series.groupby("label")["count"].sum().sort_values(ascending=False)
    fig = px.line(
        series,
        x="period",
        y="count",
        color="label",
        category_orders={"label": totals.index.tolist()},
        color_discrete_map=widgets.TOPIC_COLOURS_BY_LABEL,
        labels={"count": unit.capitalize(), "period": "", "label": ""},
    )
    widgets.hover(fig, f"<b>%{{fullData.name}}</b> · {widgets.period_hover(freq)}: %{{y:,}} {unit}")
    shown = set(totals.index[:5])
    fig.for_each_trace(lambda t: t.update(visible=True if t.name in shown else "legendonly"))
    widgets.chart(fig, series[["period", "topic", "count"]], "Topic trends", "topics_trend", height=440, coverage=freq)
    st.caption(
        "The five biggest topics are drawn; click a topic in the legend to show or hide it, "
        "double-click to show it alone."
    )
