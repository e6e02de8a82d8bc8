"""Compare: two countries, two pairs, or a pair against all of a country's pairs, side by side.

One chart (two lines over time, as counts or as shares of all the filtered articles in each period)
and one table with both series' counts and shares per period, plus each series' total. The choices
here replace the sidebar's Country and Partner (as on Country pairs); every other filter applies.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from analysis.countries import all_country_codes
from counts import analytics, frames, labels, queries
from dashboard import widgets
from dashboard.data import q
from dashboard.filters import page_param, sync_page_param

MODES = {"countries": "Two countries", "pairs": "Two pairs", "pair_vs_all": "A pair against all of a country's pairs"}
PAIR_CHOICES = 400  # the pairs offered in the pickers: the most frequent under the filters

ctx = widgets.page_start(
    "Compare",
    "Two countries, two pairs, or one pair against all of a country's pairs, on one chart "
    "and one table. The choices here replace the sidebar's Country and Partner; the other "
    "filters apply.",
)
f = ctx.filters
unit = f.unit
base = replace(f, country=None, partner=None)
codes = all_country_codes()
pairs = q(queries.value_counts, base, "article_pairs", "pair", PAIR_CHOICES)["value"].tolist()
for default in ("CAN-JPN", "CAN-KOR"):
    if default not in pairs:
        pairs.append(default)

defaults = {
    "cmp_mode": "countries",
    "cmp_x": "JPN",
    "cmp_y": "KOR",
    "cmp_p1": "CAN-JPN",
    "cmp_p2": "CAN-KOR",
    "cmp_pair": "CAN-JPN",
    "cmp_side": "CAN",
    "cmp_measure": "share",
    "cmp_freq": "month",
}
page_param("cmp_mode", defaults["cmp_mode"], list(MODES))
page_param("cmp_x", defaults["cmp_x"], codes, str.upper)
page_param("cmp_y", defaults["cmp_y"], codes, str.upper)
page_param("cmp_p1", defaults["cmp_p1"], pairs, str.upper)
page_param("cmp_p2", defaults["cmp_p2"], pairs, str.upper)
page_param("cmp_pair", defaults["cmp_pair"], pairs, str.upper)
page_param("cmp_measure", defaults["cmp_measure"], ["count", "share"])
page_param("cmp_freq", defaults["cmp_freq"], list(labels.FREQS))

mode = st.segmented_control("Compare", list(MODES), key="cmp_mode", format_func=MODES.__getitem__, required=True)
c1, c2 = st.columns(2)
if mode == "countries":
    x = c1.selectbox("First country", codes, key="cmp_x", format_func=labels.country_option)
    y = c2.selectbox("Second country", codes, key="cmp_y", format_func=labels.country_option)
    first, second = ("country", x), ("country", y)
    names = (labels.country(x), labels.country(y))
    what = f"the {unit} mentioning each country"
elif mode == "pairs":
    p1 = c1.selectbox("First pair", pairs, key="cmp_p1", format_func=labels.pair)
    p2 = c2.selectbox("Second pair", pairs, key="cmp_p2", format_func=labels.pair)
    first, second = ("pair", p1), ("pair", p2)
    names = (labels.pair(p1), labels.pair(p2))
    what = f"the {unit} reporting each pair dealing with each other"
else:
    pair = c1.selectbox("Pair", pairs, key="cmp_pair", format_func=labels.pair)
    sides = pair.split("-")
    default_side = "CAN" if "CAN" in sides else sides[0]
    page_param("cmp_side", default_side, sides, str.upper)
    if st.session_state["cmp_side"] not in sides:  # a new pair without the country picked before
        st.session_state["cmp_side"] = default_side
    side = c2.selectbox("Against all the pairs of", sides, key="cmp_side", format_func=labels.country_option)
    first, second = ("pair", pair), ("pairs_of", side)
    names = (labels.pair(pair), f"All of {labels.country(side)}'s pairs")
    what = f"the {unit} reporting the pair, and those reporting {labels.country(side)} dealing with any country"
    sync_page_param("cmp_side", default_side)
c3, c4 = st.columns([1, 1.4])
measure = c3.segmented_control(
    "Measure",
    ["count", "share"],
    key="cmp_measure",
    required=True,
    format_func={"count": "Count", "share": "Share %"}.__getitem__,
    help="Share %: of all the filtered articles in the period, so that two series are "
    "compared on the same footing when coverage as a whole rises or falls.",
)
freq = (
    c4.segmented_control(
        "Step", list(labels.FREQS), key="cmp_freq", format_func=labels.FREQS.__getitem__, required=True
    )
    or "month"  # required: never None, though Streamlit's types allow it
)
for key in ("cmp_mode", "cmp_x", "cmp_y", "cmp_p1", "cmp_p2", "cmp_pair", "cmp_measure", "cmp_freq"):
    if key in st.session_state:
        sync_page_param(key, defaults[key])

if first == second:
    widgets.nothing("Pick two different things to compare.")
    st.stop()

totals = frames.fill_periods(q(queries.timeseries, base, freq), freq)
if totals.empty:
    widgets.nothing("No dated article under these filters.")
    st.stop()
start, end = totals["period"].min(), totals["period"].max()
parts = []
for name, (kind, value) in zip(names, (first, second)):
    part = frames.fill_periods(q(analytics.series_timeseries, base, freq, kind, value), freq, start, end)
    part = frames.with_share(part, totals)
    part["series"] = name
    parts.append(part)
long = pd.concat(parts, ignore_index=True)

sums = [int(p["count"].sum()) for p in parts]
overall = int(totals["count"].sum())
m = st.columns(2)
for col, name, total in zip(m, names, sums):
    col.metric(
        name,
        f"{total:,} {unit}",
        help=f"{100 * total / overall:.1f} % of the {overall:,} filtered {unit}" if overall else None,
    )

y_col = "share" if measure == "share" else "count"
when = widgets.period_hover(freq)
fig = go.Figure()
for i, part in enumerate(parts):
    fig.add_trace(
        go.Scatter(
            x=part["period"],
            y=part[y_col],
            name=names[i],
            mode="lines+markers" if freq == "month" else "lines",
            line=dict(color=widgets.PALETTE[i * 1]),
            customdata=part[["count", "total", "share"]].to_numpy(),
            hovertemplate=(
                f"<b>{names[i]}</b> · {when}<br>%{{customdata[0]:,}} of %{{customdata[1]:,}} filtered "
                f"{unit} (%{{customdata[2]:.2f}} %)<extra></extra>"
            ),
        )
    )
fig.update_layout(yaxis_title=f"Share of {unit} (%)" if y_col == "share" else unit.capitalize(), xaxis_title="")

# One row per period: both series' counts and shares side by side.
wide = parts[0][["period", "total"]].copy()
for i, part in enumerate(parts):
    wide[f"{'first' if i == 0 else 'second'}_count"] = part["count"].to_numpy()
    wide[f"{'first' if i == 0 else 'second'}_share"] = part["share"].to_numpy()
if mode == "pair_vs_all":
    wide["first_of_second_pct"] = (
        100.0 * wide["first_count"] / wide["second_count"].where(wide["second_count"] > 0)
    ).round(1)
config = {
    "period": st.column_config.DateColumn("Period", format="YYYY-MM-DD"),
    "total": st.column_config.NumberColumn(f"All filtered {unit}"),
    "first_count": st.column_config.NumberColumn(names[0]),
    "first_share": st.column_config.NumberColumn(f"{names[0]} (% of all)", format="%.2f"),
    "second_count": st.column_config.NumberColumn(names[1]),
    "second_share": st.column_config.NumberColumn(f"{names[1]} (% of all)", format="%.2f"),
    "first_of_second_pct": st.column_config.NumberColumn(f"{names[0]} as % of {names[1]}", format="%.1f"),
    "coverage_pct": st.column_config.NumberColumn("Coverage (%)", format="%.1f"),
    "complete_period": st.column_config.CheckboxColumn("Whole period"),
}
view = f"Compare {names[0]} and {names[1]}"
widgets.chart(fig, wide, view, "compare", column_config=config, scope=base, expanded=True, coverage=freq)
st.caption(
    f"Lines: {what}, per {freq}; an article in both counts in both. Shares are of all the filtered {unit} "
    "of the period; the table has both counts and shares for every period."
)
