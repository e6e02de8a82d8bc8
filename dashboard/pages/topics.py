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
page_param("tp_measure", "count", ["count", "share"])
c1, c2, c3 = st.columns([1, 2, 2])
n = c1.number_input(
    "Countries", min_value=5, max_value=40, step=5, key="tp_n", help="The countries most mentioned under the filters."
)
show_focus = c2.toggle(
    f"Include {labels.country(ctx.focus)}",
    key="tp_all",
    help="It is named in most articles and would flatten the other columns.",
)
measure = (
    c3.segmented_control(
        "Measure",
        ["count", "share"],
        key="tp_measure",
        required=True,
        format_func={"count": "Count", "share": "% of the country's"}.__getitem__,
        help=f"Count: {unit} with both the topic and the country. % of the country's: those as a share of "
        f"all the filtered {unit} naming the country, so countries covered more or less can be compared "
        "topic by topic (a column's cells need not add up to 100: an article can carry several topics, or none).",
    )
    or "count"  # required: never None, though Streamlit's types allow it
)
sync_page_param("tp_n", 15)
sync_page_param("tp_all", False)
sync_page_param("tp_measure", "count")
exclude = () if show_focus else (ctx.focus,)
top = q(queries.value_counts, f, "article_countries", "country", int(n), exclude)
cells = q(queries.topic_country, f, top["value"].tolist())
if cells.empty:
    widgets.nothing("None of these articles has both a topic and a country.")
else:
    order = top["value"].tolist()
    # Each country's filtered articles (distinct), the base of its column's shares.
    named = dict(zip(top["value"], top["count"]))
    cells = cells.assign(country_total=cells["country"].map(named))
    cells = cells.assign(share=(100.0 * cells["count"] / cells["country_total"]).round(1))
    value = "share" if measure == "share" else "count"
    counts = cells.pivot_table(index="topic", columns="country", values="count", fill_value=0)
    counts = counts.reindex(
        index=[t for t in labels.TOPICS if t in counts.index],
        columns=[c for c in order if c in counts.columns],
        fill_value=0,
    )
    totals = [int(named.get(c, 0)) for c in counts.columns]
    grid = counts if value == "count" else (100.0 * counts / totals).round(1)  # the table's share, per cell
    fig = go.Figure(
        go.Heatmap(
            z=grid.to_numpy(),
            x=[labels.country(c) for c in grid.columns],
            y=[labels.topic(t) for t in grid.index],
            customdata=[[[int(n), total] for n, total in zip(row, totals)] for row in counts.to_numpy()],
            colorscale="Reds",
            colorbar=dict(title=f"% of the country's {unit}" if value == "share" else unit.capitalize()),
            hovertemplate=f"%{{y}} × %{{x}}: %{{customdata[0]:,}} of the country's %{{customdata[1]:,}} {unit}"
            + (" (%{z:.1f} %)" if value == "share" else "")
            + "<extra></extra>",
        )
    )
    fig.update_layout(xaxis=dict(tickangle=-40), yaxis=dict(autorange="reversed"))
    table = cells.assign(name=cells["country"].map(labels.country))
    table = table[["topic", "country", "name", "count", "country_total", "share"]]
    table = table.sort_values(["topic", value], ascending=[True, False]).reset_index(drop=True)
    name = f"Topic by country, % of each country's {unit}" if value == "share" else "Topic by country"
    widgets.chart(fig, table, name, "topics_heatmap", height=480)

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
