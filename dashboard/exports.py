"""What every exported file says about itself: the view, filters, dates, unit, tagger version, sample flag.

A CSV or PNG saved from the dashboard travels without the page around it: a week later nobody
remembers that it was filtered to French sources, counted stories, or came from the sample. So:

* **CSV: one commented header line**, then the table. The line is a single quoted CSV field that
  starts with `#`, e.g. ``"# Middle Powers Monitor · Top partners of Canada · filters: Topic: Trade ·
  dates: 2025-01-01 to 2025-12-31 · unit: articles · tagger: 3.2.a1b2 · sample data: no ·
  exported 2026-12-05 10:00 UTC"``. Chosen over a sidecar file because the description cannot get
  separated from the data (a browser download is one file, and a zip is one more step before Excel),
  and because every spreadsheet opens it as is: Excel, LibreOffice and Google Sheets show the line
  in cell A1 above the table; pandas reads the table with ``pd.read_csv(path, skiprows=1)`` and R
  with ``read.csv(path, skip = 1)``. It is exactly one line so that skipping 1 always works; a `#`
  start is not a formula, so it needs no neutralizing.
* **PNG: a title inside the figure.** plotly's camera button saves the figure as drawn, with no
  hook for a separate file, so every chart carries the view's name as its title and the rest of the
  description as a small grey subtitle: on the page and in the saved image alike.

The description is made from the page's effective filters (a page that picks its own countries,
like Country pairs, passes them), the store's date span when no dates are chosen, the stored
tags' tagger versions (`analytics.tagger_versions`) and the store's sample count.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

import pandas as pd
import plotly.graph_objects as go

from analysis.export import to_safe_csv
from counts import labels
from counts.queries import Filters
from counts.search import strip_control

APP = "Middle Powers Monitor"


def _one_line(text: object) -> str:
    return " ".join(strip_control(str(text)).split())


def describe_filters(f: Filters) -> str:
    """The filters in words ('none' for the default view); dates and unit are said apart."""
    parts = []
    if f.country:
        parts.append(f"Country: {labels.country_option(f.country)}")
    if f.partner:
        parts.append(f"Partner: {labels.country_option(f.partner)}")
    if f.group:
        parts.append(f"Group: {labels.group(f.group)}")
    for name, values, show in (
        ("Topic", f.topics, labels.topic),
        ("Organization", f.organizations, labels.organization),
        ("Source", f.sources, str),
        ("Language", f.langs, labels.language),
    ):
        if values:
            parts.append(f"{name}: {', '.join(show(v) for v in values)}")
    return "; ".join(parts) or "none"


def describe_dates(f: Filters, status: dict) -> str:
    first = (status.get("first") or "")[:10] or "?"
    last = (status.get("last") or "")[:10] or "?"
    if not f.start and not f.end:
        return f"{first} to {last} (the whole store)"
    return f"{f.start.isoformat() if f.start else first} to {f.end.isoformat() if f.end else last}"


def describe_tagger(versions: dict | None) -> str:
    if not versions or not versions.get("newest"):
        return "unknown (no stamped tags)"
    oldest, newest = versions["oldest"], versions["newest"]
    text = newest if oldest == newest else f"{oldest} to {newest} (mixed: run `python -m analysis retag`)"
    if versions.get("unstamped"):
        text += f", {versions['unstamped']:,} articles unstamped"
    return text


def describe_sample(status: dict) -> str:
    sample, total = status.get("sample") or 0, status.get("articles") or 0
    if not sample:
        return "no"
    return f"YES, {sample:,} of the store's {total:,} articles are illustrative sample data, not real news"


def meta(
    name: str, f: Filters, status: dict, versions: dict | None, now: datetime | None = None
) -> list[tuple[str, str]]:
    """(label, value) pairs describing one exported view."""
    now = now or datetime.now(UTC)
    return [
        ("view", _one_line(name)),
        ("filters", _one_line(describe_filters(f))),
        ("dates", describe_dates(f, status)),
        ("unit", "stories (syndicated copies counted once)" if f.unit == "stories" else "articles"),
        ("tagger", _one_line(describe_tagger(versions))),
        ("sample data", describe_sample(status)),
        ("exported", now.strftime("%Y-%m-%d %H:%M UTC")),
    ]


def header_line(items: list[tuple[str, str]]) -> str:
    """The CSV's first line (without its line break): '# Middle Powers Monitor · <view> · filters: ...'."""
    values = dict(items)
    rest = " · ".join(f"{k}: {v}" for k, v in items if k != "view")
    return f"# {APP} · {values.get('view', '')} · {rest}"


def csv_bytes(df: pd.DataFrame, items: list[tuple[str, str]]) -> bytes:
    """The table as safe CSV (analysis.export.to_safe_csv: UTF-8 BOM, formulas neutralized) under
    the header line, itself one quoted CSV field so its commas do not split it into cells."""
    line = header_line(items).replace('"', '""')
    body = to_safe_csv(df).decode("utf-8-sig")
    return f'"{line}"\r\n{body}'.encode("utf-8-sig")


def title(fig: go.Figure, items: list[tuple[str, str]]) -> go.Figure:
    """Write the description into the figure's title (the view) and subtitle (the rest), at the top
    of the figure with room made for it (automargin), so it is in the saved PNG. The legend goes to
    the right of the plot, out of the title's way."""
    return fig.update_layout(title_layout(items))


def title_layout(items: list[tuple[str, str]]) -> dict:
    """The layout that `title` writes, as plain data: dashboard.widgets.chart merges it into a figure's
    dict without plotly's validation, which cost more than the page's queries (docs/dashboard.md,
    Speed). Plotly reads a few HTML tags in text, so every value is escaped: a source name can never
    become markup."""
    values = dict(items)
    details = " · ".join(f"{k}: {v}" for k, v in items if k not in ("view", "exported"))
    sub = "<br>".join(html.escape(line, quote=False) for line in _wrap([details], 140))
    return {
        "title": {
            "text": html.escape(values.get("view", ""), quote=False),
            "x": 0,
            "xanchor": "left",
            "xref": "paper",
            "y": 1,
            "yanchor": "top",
            "yref": "container",
            "pad": {"t": 6},
            "automargin": True,
            "font": {"size": 13, "color": "#333333"},
            "subtitle": {"text": sub, "font": {"size": 10, "color": "#6b6b6b"}},
        },
        "legend": {"orientation": "v", "x": 1.02, "xanchor": "left", "y": 1, "yanchor": "top", "title": {"text": ""}},
    }


def _wrap(lines: list[str], width: int) -> list[str]:
    """Break long lines at ' · ' so the subtitle stays inside the figure."""
    out = []
    for line in lines:
        current = ""
        for piece in line.split(" · "):
            candidate = f"{current} · {piece}" if current else piece
            if current and len(candidate) > width:
                out.append(current)
                current = piece
            else:
                current = candidate
        out.append(current)
    return out
