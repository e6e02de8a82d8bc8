"""Country pairs: how coverage of one pair (or one country's partners) moves, and on what topics."""
from __future__ import annotations

from dataclasses import replace

import plotly.express as px
import streamlit as st

from analysis.countries import all_country_codes
from dashboard import frames, labels, widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param

ALL = "*"  # the partner choice that means "every partner of the country"

ctx = widgets.page_start("Country pairs",
                         "Articles that report two countries dealing with each other, over time and by topic. "
                         "The pair chosen here replaces the sidebar's Country and Partner; the other filters apply.")
f = ctx.filters

codes = all_country_codes()
page_param("pair_a", f.country or "CAN", codes, str.upper)
page_param("pair_b", f.partner or "JPN", [ALL, *codes], lambda v: v if v == ALL else v.upper())
page_param("pair_measure", "count", ["count", "share"])
page_param("pair_freq", "month", list(labels.FREQS))
page_param("pair_roll", 1, lambda v: 1 <= v <= 12, int)

c1, c2 = st.columns(2)
c3, c4, c5 = st.columns([1, 1.2, 1])
a = c1.selectbox("Country", codes, key="pair_a", format_func=labels.country_option)
b = c2.selectbox("Partner", [ALL, *codes], key="pair_b",
                 format_func=lambda c: "All partners" if c == ALL else labels.country_option(c))
measure = c3.segmented_control("Measure", ["count", "share"], key="pair_measure", required=True,
                               format_func={"count": "Count", "share": "Share %"}.get,
                               help="Share % (of all filtered articles in the period) is the recommended measure "
                                    "across uneven coverage: a period the feeds or the archive covered thinly "
                                    "lowers every count, but not the shares.")
freq = c4.segmented_control("Step", list(labels.FREQS), key="pair_freq", format_func=labels.FREQS.get,
                            required=True)
window = c5.number_input("Rolling mean", min_value=1, max_value=12, step=1, key="pair_roll",
                         help="Average over this many periods (1 = none).")
for key, default in (("pair_a", f.country or "CAN"), ("pair_b", f.partner or "JPN"), ("pair_measure", "count"),
                     ("pair_freq", "month"), ("pair_roll", 1)):
    sync_page_param(key, default)

unit = f.unit
if b == a:
    widgets.nothing("Pick two different countries, or All partners.")
    st.stop()

single = b != ALL
scope = replace(f, country=a, partner=b if single else None)
title = labels.pair(f"{a}-{b}") if single else f"{labels.country(a)} and its partners"
totals = frames.fill_periods(q("timeseries", f, freq), freq)  # every filtered article: share denominator
y = "share" if measure == "share" else "count"
y_label = f"Share of {unit} (%)" if y == "share" else unit.capitalize()
if int(window) > 1:
    y_label += f", {int(window)}-{freq} mean"

st.subheader(f"Trend: {title}")
if single:
    series = q("timeseries", scope, freq)
    series = frames.fill_periods(series, freq, totals["period"].min(), totals["period"].max())
    series = frames.with_share(series, totals)
    series = frames.rolling_mean(series, int(window), value=y)
    line = "rolling" if int(window) > 1 else y
    table = series[["period", "count", "total", "share"] + ([line] if line != y else [])]
    if series["count"].sum() == 0:
        widgets.nothing(f"No article pairs {labels.country(a)} with {labels.country(b)} under these filters.")
    else:
        fig = px.line(table, x="period", y=line, markers=freq == "month", labels={line: y_label, "period": ""})
        fig.update_traces(line_color=widgets.PALETTE[0])
        widgets.chart(fig, table, f"Trend {a}-{b}", "pair_trend", coverage=freq)
else:
    top = q("partners", f, a, 8)
    if top.empty:
        widgets.nothing(f"No article pairs {labels.country(a)} with another country under these filters.")
    else:
        series = q("partner_timeseries", f, a, freq, top["partner"].tolist())
        series = frames.fill_periods(series, freq, totals["period"].min(), totals["period"].max(),
                                     by="partner", values=top["partner"].tolist())
        series = frames.rolling_mean(frames.with_share(series, totals), int(window), value=y, by="partner")
        line = "rolling" if int(window) > 1 else y
        series["name"] = series["partner"].map(labels.country)
        table = series[["period", "partner", "name", "count", "total", "share"] + ([line] if line != y else [])]
        fig = px.line(table, x="period", y=line, color="name", labels={line: y_label, "period": "", "name": ""})
        widgets.chart(fig, table, f"Partners of {a}", "pair_trend", coverage=freq)
        st.caption(f"The {len(top)} partners most often paired with {labels.country(a)} under these filters.")

st.subheader("Topic mix over time")
topics = q("tag_timeseries", scope, freq, "article_topics", "topic")
if topics.empty:
    widgets.nothing("These articles carry no topic.")
else:
    topics = frames.labelled_topics(topics, freq)
    fig = px.area(topics, x="period", y="count", color="label",
                  labels={"count": unit.capitalize(), "period": "", "label": ""})
    widgets.chart(fig, topics[["period", "topic", "count"]], f"Topics {title}", "pair_topics", coverage=freq)

st.subheader("The articles behind it")
rows, total = q("articles", scope, "", 100, 0)
st.caption(f"The {min(100, total):,} most recent of {total:,} articles. To page through all of them, set the "
           "sidebar's Country and Partner to this pair and open the Articles page.")
widgets.article_table(rows, f"Articles {a}-{b if single else 'partners'}", "pair_articles")
