"""Coverage that rose or fell beyond chance, for the Overview's Biggest movers and the What changed page.

Counts come from `counts.analytics` (one query per tag table for both windows, cached like every
query), the test from `counts.stats`; this module joins the two and draws the result the same
way on both pages: a bar per item, its length the z-score, its colour the verdict, and a hover that
says the counts in words.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd
import plotly.graph_objects as go

from counts import analytics, stats
from counts.queries import Filters
from dashboard.data import q

Z_REACH = 3.0  # the x-axis spans at least -3..3, past the ±2 band, whatever the data
COLOURS = {"rose": "#0067A5", "fell": "#BE0032", "within chance": "#b0b0b0", "too few": "#d9d9d9"}


def window_for(f: Filters, last: str | None, days: int) -> stats.Windows | None:
    """The sidebar's date range, else the last `days` days of the store, with its baseline."""
    return stats.windows(f.start, f.end, date.fromisoformat(last[:10]) if last else None, days=days)


def span(w: stats.Windows) -> str:
    """The two windows in words, for a view's name (and so its export's title)."""
    return f"{w.start} to {w.end} against {w.baseline_start} to {w.baseline_end}"


def scope(f: Filters, w: stats.Windows) -> Filters:
    """The filter over both windows: the dates an export of the view covers."""
    return replace(f, start=w.baseline_start, end=w.end)


def tested(
    f: Filters, w: stats.Windows, table: str, column: str, exclude: tuple[str, ...] = ()
) -> tuple[pd.DataFrame, int, int]:
    """stats.changes over one tag table, with the two windows' totals (N now, N before)."""
    n_now, n_before = q(analytics.window_totals, f, w.baseline_start, w.start, w.end)
    counts = q(analytics.window_counts, f, table, column, w.baseline_start, w.start, w.end, exclude)
    return stats.changes(counts, n_now, n_before, k=w.k), n_now, n_before


def shown(frame: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The rows worth drawing: every change beyond chance, topped up with the largest |z| within
    chance so the chart is never empty while anything was tested (never the untested ones)."""
    ranked = frame[frame["verdict"] != "too few"]
    significant = ranked[ranked["verdict"].isin(["rose", "fell"])]
    if len(significant) >= limit:
        return significant.head(limit)
    return ranked.head(max(limit, len(significant)))


def figure(rows: pd.DataFrame, names: pd.Series, unit: str, w: stats.Windows) -> go.Figure:
    """Horizontal bars of z-scores, coloured by verdict, biggest at the top."""
    rows = rows.iloc[::-1]
    names = names.iloc[::-1]
    change = ["new" if pd.isna(v) else f"{v:+.0f} %" for v in rows["change_pct"]]
    custom = list(
        zip(rows["current"], rows["before"], change, rows["q"].astype(float), rows["verdict"], rows["expected"])
    )
    fig = go.Figure(
        go.Bar(
            x=rows["z"].astype(float),
            y=names,
            orientation="h",
            marker_color=[COLOURS[v] for v in rows["verdict"]],
            customdata=custom,
            hovertemplate=(
                f"<b>%{{y}}</b><br>%{{customdata[0]:,}} {unit} in {w.days} days, "
                f"%{{customdata[1]:,.1f}} per {w.days} days before<br>"
                f"share of coverage %{{customdata[2]}} (%{{customdata[5]:,.1f}} expected)<br>"
                "z = %{x:+.1f}, adjusted p = %{customdata[3]:.3g}: %{customdata[4]}<extra></extra>"
            ),
        )
    )
    # The band |z| <= 2 is what chance readily explains; the axis always reaches past it on both sides,
    # so a lone bar of z = -0.6 reads as small instead of filling the chart.
    z = rows["z"].astype(float)
    reach = max(Z_REACH, float(z.abs().max()) * 1.08 if len(z) else 0.0)
    fig.add_vrect(x0=-2, x1=2, fillcolor="#9e9e9e", opacity=0.12, line_width=0, layer="below")
    fig.update_layout(
        xaxis_title="z-score of the change in share of coverage (|z| > 2 is unusual; shaded: within ±2)",
        xaxis_range=[-reach, reach],
        yaxis_title="",
        showlegend=False,
    )
    return fig


def height(bars: int) -> int:
    """Pixels for a chart of `bars` bars, each bar about 29 px thick however few there are (a lone bar
    used to fill the plot as a block). The title, its filter lines and the axis title take about 110 px
    (measured in Chromium); each bar gets a 36 px slot of which plotly draws 80 %."""
    return 110 + 36 * bars


def legend_caption() -> str:
    return "Blue: rose beyond chance; red: fell beyond chance; grey: the largest changes that chance could explain."


def names_of(frame: pd.DataFrame, show) -> pd.Series:
    return frame["key"].map(show)
