"""Chart, table and CSV building blocks shared by the pages.

Every chart comes with the table it was drawn from (in an expander) and a CSV download of exactly
that table, made by analysis.export.to_safe_csv (UTF-8 with BOM, formula cells neutralized) under a
header line saying what it is; every chart is titled the same way (dashboard.exports).
Feed text only ever reaches the browser through st.dataframe, plotly traces and plain st.text /
st.caption strings; nothing here passes it to markdown or HTML.
"""

from __future__ import annotations

import copy
import functools
import re
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from counts import analytics, frames, labels, queries
from counts.queries import Filters
from dashboard import exports
from dashboard.data import context

# A table's height as st.dataframe takes it: pixels, or one of its words.
Height = int | Literal["auto", "stretch", "content"]

PALETTE = [
    "#c8102e",
    "#1f4e79",
    "#2a9d8f",
    "#e9c46a",
    "#6d597a",
    "#f4a261",
    "#264653",
    "#8ab17d",
    "#b56576",
    "#457b9d",
    "#9c6644",
    "#43aa8b",
    "#577590",
]


# One colour per topic, the same on every chart. Thirteen topics need thirteen colours told apart at
# a glance: picked from Kelly's 22 colours of maximum contrast (K. L. Kelly, "Twenty-two colors of
# maximum contrast", Color Engineering 3(6), 1965), leaving out white, black and the ones too pale
# on white; no two are closer than 28 in CIELAB (tests/dashboard/test_analyst.py checks it).
TOPIC_COLOURS = {
    "conflict": "#BE0032",
    "trade": "#0067A5",
    "energy": "#F38400",
    "humanitarian_aid": "#008856",
    "technology": "#875692",
    "migration": "#F3C300",
    "arctic": "#A1CAF1",
    "health": "#882D17",
    "climate": "#8DB600",
    "human_rights": "#E68FAC",
    "defence": "#2B3D26",
    "critical_minerals": "#848482",
    "oceans_fisheries": "#00A6A6",
}
TOPIC_COLOURS_BY_LABEL = {labels.topic(slug): colour for slug, colour in TOPIC_COLOURS.items()}

# The base map of choropleths, served by Streamlit from static/topojson/ so maps draw offline.
# Relative, so it also works under a server.baseUrlPath.
TOPOJSON_URL = "app/static/topojson/"


def plotly_config(name: str) -> dict:
    """Keep the modebar (its camera button saves a PNG), named after the chart."""
    return {
        "displaylogo": False,
        "toImageButtonOptions": {"format": "png", "filename": name, "scale": 2},
        "topojsonURL": TOPOJSON_URL,
    }


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "table"


def style(fig: go.Figure, height: int = 380) -> go.Figure:
    return fig.update_layout(style_layout(height))


def style_layout(height: int = 380) -> dict:
    """Every chart's look, as plain data (`style` applies it through plotly, `finished` without)."""
    return {
        "height": height,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "colorway": list(PALETTE),
        "template": "plotly_white",
        "font": {"family": "sans-serif", "size": 13},
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0, "title": {"text": ""}},
    }


@functools.cache
def _template(name: str) -> dict:
    """A named plotly template as the browser receives it (what `template="plotly_white"` expands to)."""
    return go.Layout(template=name).to_plotly_json()["template"]


def _merge(into: dict, new: dict) -> dict:
    """Plotly's update rule on plain dicts: a dict merges into a dict, anything else replaces."""
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = copy.deepcopy(value)
    return into


def finished(fig: go.Figure, height: int, meta: list[tuple[str, str]], x_range: list | None = None) -> go.Figure:
    """The page's figure styled (`style`), titled (exports.title) and, for charts stacked over one time
    axis, given their shared range and margins, as plotly's own update calls would leave it, but merged
    as plain data and wrapped without validation. Plotly validates every property it is given, and did
    so again for each update; that cost more than the page's queries (about 70 ms a chart where this
    takes 3 ms; docs/dashboard.md, Speed). The page's figure was validated when it was built, and what
    is merged here is fixed data; tests/dashboard/test_app.py checks that every page's figures are
    ones plotly accepts."""
    spec = fig.to_dict()
    layout = spec.setdefault("layout", {})
    looks = style_layout(height)
    layout["template"] = copy.deepcopy(_template(looks.pop("template")))  # a name replaces the template whole
    _merge(layout, looks)
    _merge(layout, exports.title_layout(meta))
    if x_range is not None:  # charts stacked over one time axis: same range, same plot width
        for axis in {"xaxis", *(k for k in layout if re.fullmatch(r"xaxis\d*", k))}:
            _merge(layout.setdefault(axis, {}), {"range": list(x_range)})
        _merge(layout, {"margin": {"l": ALIGNED_MARGIN[0], "r": ALIGNED_MARGIN[1]}})
    return go.Figure(spec, skip_invalid=False, _validate=False)


# Left and right margins (px) of charts that share a time axis (`chart(x_range=...)`): room for the
# y-axis title and for a legend on the right, the same on each, so their plot areas line up.
ALIGNED_MARGIN = (90, 190)


def export_meta(name: str, scope: Filters | None = None) -> list[tuple[str, str]]:
    """What an export of this view is (dashboard.exports): `scope` is the page's effective filter
    when it differs from the sidebar's (a page that picks its own countries)."""
    from dashboard.data import q

    ctx = context()
    return exports.meta(name, scope or ctx.filters, ctx.status, q(analytics.tagger_versions))


def table(
    df: pd.DataFrame,
    name: str,
    key: str,
    column_config: dict | None = None,
    height: Height = "auto",
    scope: Filters | None = None,
    column_order: list | None = None,
    row_height: int | None = None,
    select_key: str | None = None,
) -> int | None:
    """The table as shown, and a CSV download of it under a header line saying what it is
    (dashboard.exports). With `select_key`, a reader can select one row: its position is returned."""
    shape: dict[str, Any] = {
        "hide_index": True,
        "column_config": column_config,
        "height": height,
        "width": "stretch",
        "column_order": column_order,
        "row_height": row_height,
    }
    rows: list[int] = []
    if select_key:
        state = st.dataframe(df, on_select="rerun", selection_mode="single-row", key=select_key, **shape)
        rows = list(state["selection"]["rows"])
    else:
        st.dataframe(df, **shape)
    st.download_button(
        "Download CSV",
        data=exports.csv_bytes(df, export_meta(name, scope)),
        file_name=f"{slug(name)}.csv",
        mime="text/csv",
        key=f"csv_{key}",
        icon=":material/download:",
        on_click="ignore",
    )
    return int(rows[0]) if rows else None


def chart(
    fig: go.Figure,
    data: pd.DataFrame,
    name: str,
    key: str,
    column_config: dict | None = None,
    scope: Filters | None = None,
    *,
    x_range: list | None = None,
    expanded: bool = False,
    height: int = 380,
    coverage: str | None = None,
) -> None:
    """A plotly chart with its data table and CSV beneath it.

    A chart over time passes its step as `coverage` ('day', 'week' or 'month'): periods whose
    sources were seen on too few days are then greyed and the table gains their coverage (mark_thin),
    and a first or last period the data cover in part is shaded and said so (mark_partial).
    """
    thin = partial = 0
    if coverage:
        data, thin = mark_thin(fig, data, coverage)
        data, partial = mark_partial(fig, data, coverage, scope)
    # Titled with what it is (dashboard.exports), so a saved PNG says it too.
    fig = finished(fig, height, export_meta(name, scope), x_range)
    st.plotly_chart(fig, key=f"chart_{key}", config=plotly_config(slug(name)), theme=None)
    if thin:
        st.caption(THIN_NOTE)
    if partial:
        st.caption(PARTIAL_NOTE)
    with st.expander(f"Data: {name}", expanded=expanded):
        table(data, name, key, column_config, scope=scope)


THIN_FILL = "#8c8c8c"
THIN_NOTE = (
    "Grey bands: periods in which the sources were seen (a live fetch, or an archived capture of the "
    "feed) on fewer than half of their days. A low count there may be a gap in the record, not a drop "
    "in attention; a share of all the period's articles holds up better across uneven coverage. "
    "Coverage per source is on the Sources page; `coverage_pct` in the table."
)


def band(fig: go.Figure, x0, x1, fill: str, opacity: float, label: str | None, colour: str, outside=False) -> None:
    """A shaded band of periods behind the traces, labelled at its top left: inside the band, or just
    outside it to the left (`outside`, for a band at the axis's end). (Plotly writes "new text" on a band
    given annotation settings without a text, so an unlabelled band gets none.)"""
    note = {}
    if label:
        note = {"annotation_text": label, "annotation_position": "top left", "annotation_font_size": 11}
        note |= {"annotation_font_color": colour, "annotation_xanchor": "right" if outside else "left"}
    fig.add_vrect(x0=x0, x1=x1, fillcolor=fill, opacity=opacity, line_width=0, layer="below", **note)


PARTIAL_FILL = "#d8b65a"
PARTIAL_NOTE = (
    "Yellow bands: a period that the data cover only in part (the store's first or last days, or the "
    "date range, cut it). Its count is over fewer days than the others', so a lower bar or line there is "
    "not a fall in attention; its share holds up. `complete_period` in the table."
)


def mark_partial(
    fig: go.Figure, data: pd.DataFrame, freq: str, scope: Filters | None = None
) -> tuple[pd.DataFrame, int]:
    """Shade the first and last periods when the data cover them only in part (counts.frames), and add
    `complete_period` to the chart's table; returns (table, partial periods)."""
    if data.empty or "period" not in data:
        return data, 0
    ctx = context()
    f = scope or ctx.filters
    # The data's days: the store's first and last article days, narrowed by the filter's dates (ISO text
    # compares as dates).
    firsts = [str(d)[:10] for d in (ctx.status.get("first"), f.start) if d]
    lasts = [str(d)[:10] for d in (ctx.status.get("last"), f.end) if d]
    partial = frames.partial_periods(
        data["period"], freq, max(firsts) if firsts else None, min(lasts) if lasts else None
    )
    step = frames.STEP[freq]
    starts = sorted(set(pd.to_datetime(data.loc[partial.to_numpy(), "period"])))
    for i, start in enumerate(starts):  # centred on the period's point, so the last one shows at the axis end
        half = ((start + step) - start) / 2
        label = "partial" if i == len(starts) - 1 else None
        band(fig, start - half, start + half, PARTIAL_FILL, 0.25, label, "#7a5c00", outside=True)
    return data.assign(complete_period=~partial.to_numpy()), len(starts)


def mark_thin(fig: go.Figure, data: pd.DataFrame, freq: str) -> tuple[pd.DataFrame, int]:
    """Grey the chart's thin periods and add `coverage_pct` to its table; returns (table, thin periods).

    The one place where every trend chart learns about coverage (counts.queries.coverage: the
    share of source-days with a live fetch or an archived capture, for the sidebar's sources and
    languages). A store that knows nothing of coverage (the sample, a generated store) marks nothing.
    """
    if data.empty or "period" not in data:
        return data, 0
    from dashboard.data import q

    periods = pd.to_datetime(data["period"])
    first, last = periods.min().date().isoformat(), periods.max().date().isoformat()
    cov = q(queries.coverage, context().filters, freq, first, last)
    if cov.empty:
        return data, 0
    step = frames.STEP[freq]
    runs: list[list] = []
    for period, thin in zip(cov["period"], cov["thin"]):
        if not thin:
            continue
        if runs and runs[-1][1] == period:
            runs[-1][1] = period + step
        else:
            runs.append([period, period + step])
    for i, (start, end) in enumerate(runs):  # one band per run of thin periods keeps the figure light
        band(fig, start, end, THIN_FILL, 0.2, "thin coverage" if i == 0 else None, "#555555")
    pct = cov[["period", "coverage"]].assign(coverage_pct=(cov["coverage"] * 100).round(1))
    out = data.merge(pct[["period", "coverage_pct"]], on="period", how="left")
    return out, int(cov["thin"].sum())


# Hover text: plotly's default ("period=Dec 1, 2025<br>count=8") reads a month as a day and shows
# column names; every chart sets its own template from these pieces instead.
PERIOD_FORMAT = {"day": "%a %d %b %Y", "week": "week of %d %b %Y", "month": "%B %Y"}


def period_hover(freq: str, axis: str = "x") -> str:
    """'%{x|%B %Y}' for a month: the period as people name it."""
    return "%{" + axis + "|" + PERIOD_FORMAT[freq] + "}"


def hover(fig: go.Figure, template: str, **selector) -> go.Figure:
    """Set one hover template on the figure's traces (all, or those matching `selector`)."""
    fig.update_traces(hovertemplate=template + "<extra></extra>", selector=selector or None)
    return fig


def safe_url(url: object) -> str | None:
    """Only web links become clickable; anything else (javascript:, data:, urn:mpm:) is dropped."""
    return url if isinstance(url, str) and url.lower().startswith(("https://", "http://")) else None


ARTICLE_CONFIG = {
    "published_at": st.column_config.DatetimeColumn("Published (UTC)", format="YYYY-MM-DD HH:mm"),
    "title": st.column_config.TextColumn("Title", width="large"),
    "match": st.column_config.TextColumn("Match", help="Where the search matched, the matched words **marked**."),
    "source": st.column_config.TextColumn("Source"),
    "url": st.column_config.LinkColumn("Link", display_text="Open ↗", width="small"),
    "countries": st.column_config.TextColumn("Countries"),
    "pairs": st.column_config.TextColumn("Pairs"),
    "topics": st.column_config.TextColumn("Topics"),
    "organizations": st.column_config.TextColumn("Organizations"),
    "lang": st.column_config.TextColumn("Lang", width="small"),
    "provenance": st.column_config.TextColumn(
        "Arrived",
        width="small",
        help="How the article arrived: live (fetched from its feed), archive (from an Internet Archive capture "
        "of the feed), file (a saved feed file) or sample (illustrative data).",
    ),
    "captured_at": st.column_config.DatetimeColumn(
        "Captured (UTC)", format="YYYY-MM-DD HH:mm", help="For archived articles, when the archive captured the feed."
    ),
    "story_id": st.column_config.NumberColumn("Story", format="%d", width="small"),
    "id": None,
}


# What fits a 1280-pixel screen beside the sidebar without scrolling sideways: the date, the title,
# the matching passage of a search, and the tags (pairs, topics, countries); the rest follows.
# In pixels; the main column is about 820 px wide at 1280, less the Articles page's row-selection
# column (tests/dashboard/test_browser_analyst.py). Titles wrap over three lines.
ARTICLE_WIDTHS = {"published_at": 118, "title": 245, "match": 215, "pairs": 120, "topics": 150, "countries": 130}
ARTICLE_ORDER = [
    "published_at",
    "title",
    "match",
    "pairs",
    "topics",
    "countries",
    "source",
    "url",
    "organizations",
    "lang",
    "provenance",
    "captured_at",
    "story_id",
]


# Rows tall enough for three lines: the grid wraps a cell's text only when a row is taller than 4rem
# (64 px; Streamlit's DataFrame), so a whole headline and every tag of an article can be read in their
# narrow columns instead of being cut at the column's edge.
ARTICLE_ROW_HEIGHT = 66
# Tag lists as people read them: topic and organization slugs (humanitarian_aid, world_bank) become
# their names; pairs and countries keep the ISO codes the filters and the contract use.
TAG_NAMES = {"topics": labels.topic, "organizations": labels.organization}


def named_tags(cell: object, name) -> object:
    """'human_rights, trade' -> 'Human rights, Trade' (the store joins a tag list with ', ')."""
    if not isinstance(cell, str) or not cell:
        return cell
    return ", ".join(name(slug) for slug in cell.split(", "))


def article_table_height(rows: int, cap: int = 1200) -> int:
    """Pixels that show `rows` articles at ARTICLE_ROW_HEIGHT under the header, up to `cap`."""
    return min(38 + ARTICLE_ROW_HEIGHT * rows, cap)


def article_table(
    rows: pd.DataFrame,
    name: str,
    key: str,
    height: Height = "auto",
    scope: Filters | None = None,
    select_key: str | None = None,
) -> int | None:
    """Articles as plain-text cells (titles are untrusted feed text) with a link column; the tags
    come right after the title so they are seen without scrolling (issue 10), named as people read
    them and wrapped over three lines rather than cut. With `select_key` a row can be selected: its
    position is returned."""
    shown = rows.copy()
    shown["url"] = shown["url"].map(safe_url)
    for column, name_of in TAG_NAMES.items():
        if column in shown:
            shown[column] = shown[column].map(functools.partial(named_tags, name=name_of))
    if "id" in shown:
        shown = shown.drop(columns="id")
    searching = "match" in shown.columns
    config = {}
    for column, setting in ARTICLE_CONFIG.items():
        if column in shown.columns and setting is not None:
            width = ARTICLE_WIDTHS.get(column)
            if column == "title" and searching:
                width = 165  # the match passage carries the words searched for
            config[column] = setting if width is None else _with_width(setting, width)
    order = [c for c in ARTICLE_ORDER if c in shown.columns] + [c for c in shown.columns if c not in ARTICLE_ORDER]
    if height == "auto":  # Streamlit's own "auto" counts rows of the default height: ten of ours instead
        height = article_table_height(min(len(shown), 10))
    return table(
        shown[order],
        name,
        key,
        column_config=config,
        height=height,
        scope=scope,
        row_height=ARTICLE_ROW_HEIGHT,
        select_key=select_key,
    )


def _with_width(setting, width: int):
    """A column config (a dict under the hood) with another width in pixels."""
    return {**setting, "width": width}


def explanation(why: dict | None) -> None:
    """The tagger's reasons for one article, as plain text (the reasons quote words of the feed text)."""
    from analysis.explain import compact

    if not why:
        nothing("This article is no longer in the store.")
        return
    if why.get("model") is None:
        st.caption("The hand-weighted rules tag this store (no learned model): no scores to show.")
    lines = []
    for kind, label in (("pairs", "Pairs"), ("topics", "Topics")):
        entries = why.get(kind) or []
        lines.append(f"{label}:" if entries else f"{label}: none proposed")
        for entry in entries:
            if "topic" in entry:  # named as on every page, not the store's slug
                entry = {**entry, "topic": labels.topic(entry["topic"])}
            mark = "kept    " if entry["kept"] else "rejected"
            threshold = f"  (threshold {entry['threshold']:.2f})" if "threshold" in entry else ""
            lines.append(f"  {mark} {compact(entry)}{threshold}")
    st.text("\n".join(lines))
    if why.get("stored_version") != why.get("current_version"):
        st.caption(
            f"Stored tags come from tagger {why.get('stored_version')}; these reasons from "
            f"{why.get('current_version')}. Run `python -m analysis retag` to bring the store up to date."
        )


def nothing(message: str) -> None:
    st.info(message, icon=":material/filter_alt_off:")


def page_start(title: str, caption: str, guard_empty: bool = True):
    """Every page opens the same way: its title, one line saying what it answers, and (for pages
    that chart articles) a stop with a clear message when nothing matches. Returns the context."""
    ctx = context()
    st.title(title)
    st.caption(caption)
    if guard_empty:
        guard(ctx)
    return ctx


def guard(ctx) -> None:
    """Stop the page with a clear message when there is nothing to chart."""
    if ctx.empty:
        nothing("The store has no articles yet. Fetch the latest news on the **Sources** page.")
        st.stop()
    if not ctx.filters.is_default() and not _matches(ctx.filters):
        nothing("No articles match these filters. Widen them, or press **Reset filters** in the sidebar.")
        st.stop()


def _matches(f) -> bool:
    from dashboard.data import q

    return bool(q(queries.headline, f)["articles"])
