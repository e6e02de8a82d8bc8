"""Country pairs: how coverage of one pair (or one country's partners) moves, and on what topics."""

from __future__ import annotations

from dataclasses import replace

import plotly.express as px
import streamlit as st

from analysis.countries import all_country_codes
from counts import analytics, frames, labels, queries
from dashboard import widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param

ALL = "*"  # the partner choice that means "every partner of the country"

ctx = widgets.page_start(
    "Country pairs",
    "Articles that report two countries dealing with each other, over time and by topic. "
    "The pair chosen here replaces the sidebar's Country and Partner; the other filters apply.",
)
f = ctx.filters

codes = all_country_codes()


def default_partner(country: str) -> str:
    """The partner shown with `country` until one is picked: the sidebar's Partner; Japan for Canada
    (the reader's first question); otherwise the country's top partner under the other filters, or
    all its partners when it has none. Never the country itself: the sidebar's Country = Japan used
    to open Japan–Japan and the message "Pick two different countries" (issue 10)."""
    if f.partner and f.partner != country:
        return f.partner
    if country == "CAN":
        return "JPN"
    top = q(queries.partners, replace(f, country=None, partner=None), country, 1)
    return str(top["partner"].iloc[0]) if not top.empty else ALL


def keep_apart(changed: str) -> None:
    """on_change of either picker: a country cannot be its own partner. A new country whose partner
    it was gets its default partner; a partner set to the country itself means all its partners."""
    ss = st.session_state
    if ss.get("pair_a") == ss.get("pair_b"):
        ss["pair_b"] = default_partner(ss["pair_a"]) if changed == "pair_a" else ALL


page_param("pair_a", f.country or "CAN", codes, str.upper)
page_param("pair_b", default_partner(st.session_state["pair_a"]), [ALL, *codes], lambda v: v if v == ALL else v.upper())
if st.session_state["pair_b"] == st.session_state["pair_a"]:  # e.g. a link with pair_a=JPN&pair_b=JPN
    st.session_state["pair_b"] = default_partner(st.session_state["pair_a"])
page_param("pair_measure", "count", ["count", "share"])
page_param("pair_freq", "month", list(labels.FREQS))
page_param("pair_roll", 1, lambda v: 1 <= v <= 12, int)

c1, c2 = st.columns(2)
c3, c4, c5 = st.columns([1, 1.2, 1])
a = c1.selectbox(
    "Country", codes, key="pair_a", format_func=labels.country_option, on_change=keep_apart, args=("pair_a",)
)
b = c2.selectbox(
    "Partner",
    [ALL, *codes],
    key="pair_b",
    on_change=keep_apart,
    args=("pair_b",),
    format_func=lambda c: "All partners" if c == ALL else labels.country_option(c),
)
measure = c3.segmented_control(
    "Measure",
    ["count", "share"],
    key="pair_measure",
    required=True,
    format_func={"count": "Count", "share": "Share %"}.__getitem__,
    help="Share % (of all filtered articles in the period) is the recommended measure "
    "across uneven coverage: a period the feeds or the archive covered thinly "
    "lowers every count, but not the shares.",
)
freq = (
    c4.segmented_control(
        "Step", list(labels.FREQS), key="pair_freq", format_func=labels.FREQS.__getitem__, required=True
    )
    or "month"  # required: never None, though Streamlit's types allow it
)
window = c5.number_input(
    "Rolling mean",
    min_value=1,
    max_value=12,
    step=1,
    key="pair_roll",
    help="Average over this many periods (1 = none).",
)
for key, default in (
    ("pair_a", f.country or "CAN"),
    ("pair_b", default_partner(a)),
    ("pair_measure", "count"),
    ("pair_freq", "month"),
    ("pair_roll", 1),
):
    sync_page_param(key, default)

unit = f.unit

single = b != ALL
# The pair chosen here replaces the sidebar's Country and Partner; every other filter applies.
base = replace(f, country=None, partner=None)
series_of = ("pair", f"{a}-{b}") if single else ("pairs_of", a)  # counts.queries.series_clause
scope = replace(base, country=a, partner=b) if single else base
title = labels.pair(f"{a}-{b}") if single else f"{labels.country(a)} and its partners"
totals = frames.fill_periods(q(queries.timeseries, base, freq), freq)  # every filtered article: share denominator
y = "share" if measure == "share" else "count"
y_label = f"Share of {unit} (%)" if y == "share" else unit.capitalize()
if int(window) > 1:
    y_label += f", {int(window)}-{freq} mean"
line = "rolling" if int(window) > 1 else y
# Both charts span the same periods, so the topic mix lines up under the trend (issue 10).
x_range = [totals["period"].min(), totals["period"].max()] if not totals.empty else None
when = widgets.period_hover(freq)
value = "%{y:.1f}" if line == "rolling" else ("%{y:.2f} %" if y == "share" else "%{y:,}")
how = f" ({int(window)}-{freq} mean)" if line == "rolling" else ""

st.subheader(f"Trend: {title}")
if single:
    series = q(queries.timeseries, scope, freq)
    series = frames.fill_periods(series, freq, totals["period"].min(), totals["period"].max())
    series = frames.with_share(series, totals)
    series = frames.rolling_mean(series, int(window), value=y)
    table = series[["period", "count", "total", "share"] + ([line] if line != y else [])]
    if series["count"].sum() == 0:
        widgets.nothing(f"No article pairs {labels.country(a)} with {labels.country(b)} under these filters.")
    else:
        fig = px.line(
            table,
            x="period",
            y=line,
            markers=freq == "month",
            labels={line: y_label, "period": ""},
            custom_data=["count", "total", "share"],
        )
        fig.update_traces(line_color=widgets.PALETTE[0])
        widgets.hover(
            fig,
            f"{when}{how}: {value}<br>%{{customdata[0]:,}} of %{{customdata[1]:,}} filtered {unit} "
            "(%{customdata[2]:.2f} %)",
        )
        widgets.chart(fig, table, f"Trend {title}", "pair_trend", coverage=freq, scope=scope, x_range=x_range)
else:
    top = q(queries.partners, base, a, 8)
    if top.empty:
        widgets.nothing(f"No article pairs {labels.country(a)} with another country under these filters.")
    else:
        series = q(queries.partner_timeseries, base, a, freq, top["partner"].tolist())
        series = frames.fill_periods(
            series, freq, totals["period"].min(), totals["period"].max(), by="partner", values=top["partner"].tolist()
        )
        series = frames.rolling_mean(frames.with_share(series, totals), int(window), value=y, by="partner")
        series["name"] = series["partner"].map(labels.country)
        table = series[["period", "partner", "name", "count", "total", "share"] + ([line] if line != y else [])]
        fig = px.line(
            table,
            x="period",
            y=line,
            color="name",
            labels={line: y_label, "period": "", "name": ""},
            custom_data=["count", "total", "share"],
        )
        widgets.hover(
            fig,
            f"{labels.country(a)} – %{{fullData.name}}<br>{when}{how}: {value}<br>"
            f"%{{customdata[0]:,}} of %{{customdata[1]:,}} filtered {unit} (%{{customdata[2]:.2f}} %)",
        )
        widgets.chart(
            fig, table, f"Partners of {labels.country(a)}", "pair_trend", coverage=freq, scope=base, x_range=x_range
        )
        st.caption(f"The {len(top)} partners most often paired with {labels.country(a)} under these filters.")

st.subheader("Topic mix over time")
topics = q(analytics.series_tag_timeseries, base, freq, *series_of)
if topics.empty:
    widgets.nothing("These articles carry no topic.")
else:
    pair_totals = q(analytics.series_timeseries, base, freq, *series_of)
    mix = frames.topic_mix(topics, pair_totals, freq, totals["period"].min(), totals["period"].max())
    mix = frames.rolling_mean(mix, int(window), value=y, by="topic")
    order = mix.groupby("label")["count"].sum().sort_values(ascending=False).index.tolist()
    mix_label = f"Share of the pair's {unit} (%)" if y == "share" else f"{unit.capitalize()} with the topic"
    if int(window) > 1:
        mix_label += f", {int(window)}-{freq} mean"
    fig = px.line(
        mix,
        x="period",
        y=line,
        color="label",
        category_orders={"label": order},
        color_discrete_map=widgets.TOPIC_COLOURS_BY_LABEL,
        custom_data=["count", "total", "share"],
        labels={line: mix_label, "period": "", "label": ""},
    )
    widgets.hover(
        fig,
        f"%{{fullData.name}}<br>{when}{how}: {value}<br>%{{customdata[0]:,}} of the "
        f"%{{customdata[1]:,}} {unit} of {title} (%{{customdata[2]:.1f}} %)",
    )
    columns = ["period", "topic", "label", "count", "total", "share"] + ([line] if line != y else [])
    widgets.chart(
        fig, mix[columns], f"Topic mix {title}", "pair_topics", coverage=freq, scope=scope, x_range=x_range, height=470
    )
    st.caption(
        f"Each line counts the {unit} of {title} that carry the topic: an article with three topics "
        "counts once in each, so the lines add up to more than the articles. Share % is of the pair's "
        f"{unit} in the period; Count / Share % and the rolling mean above apply here too."
    )

st.subheader("The articles behind it")
rows, total = q(queries.articles, base, "", 100, 0, series=series_of)
st.caption(
    f"The {min(100, total):,} most recent of {total:,} articles. To page through all of them, set the "
    "sidebar's Country and Partner to this pair and open the Articles page."
)
widgets.article_table(rows, f"Articles {title}", "pair_articles", scope=scope)
