"""The charts' fast path (dashboard.widgets.finished): the figure a page sends is the one plotly's own
update calls would have made, and plotly accepts it, though it is merged as plain data without
plotly's validation (docs/dashboard.md, Speed)."""

from __future__ import annotations

import json

import plotly.graph_objects as go
import pytest
from plotly.subplots import make_subplots

from counts.queries import Filters
from dashboard import exports, widgets
from tests.dashboard.test_app import CHARTS, figures, make_app, open_page

META = exports.meta("Trend <b>x</b>", Filters(sources=("<a href='javascript:alert(1)'>Evil</a>",)), {}, None)


def by_plotly(fig: go.Figure, height: int, x_range: list | None) -> dict:
    """What widgets.chart did before the fast path: plotly's update calls, each one validated."""
    fig = exports.title(widgets.style(fig, height), META)
    if x_range is not None:
        fig.update_xaxes(range=x_range)
        fig.update_layout(margin=dict(l=widgets.ALIGNED_MARGIN[0], r=widgets.ALIGNED_MARGIN[1]))
    return json.loads(fig.to_json())


def examples() -> list[go.Figure]:
    plain = go.Figure(go.Bar(x=[3, 1], y=["Japan", "Korea"], orientation="h"))
    plain.update_layout(xaxis_title="Articles", legend=dict(x=0.5), margin=dict(t=80))
    stacked = make_subplots(rows=2, cols=1, shared_xaxes=True)
    stacked.add_trace(go.Scatter(x=["2026-01-01", "2026-02-01"], y=[1, 2], name="a"), row=1, col=1)
    stacked.add_trace(go.Scatter(x=["2026-01-01", "2026-02-01"], y=[2, 1], name="b"), row=2, col=1)
    templated = go.Figure(go.Scatter(x=[1, 2], y=[3, 4]), layout=dict(template="plotly_dark", title="old title"))
    return [plain, stacked, templated]


@pytest.mark.parametrize("x_range", [None, ["2025-12-01", "2026-03-01"]])
@pytest.mark.parametrize("index", range(3))
def test_finished_is_what_plotly_updates_make(index, x_range):
    fast = json.loads(widgets.finished(examples()[index], 420, META, x_range).to_json())
    assert fast == by_plotly(examples()[index], 420, x_range)
    assert "&lt;a href" in fast["layout"]["title"]["subtitle"]["text"]  # escaped as before
    assert fast["layout"]["template"]["layout"]["paper_bgcolor"] == "white"  # plotly_white, whole


def test_the_template_is_not_shared_between_figures():
    first = widgets.finished(go.Figure(), 300, META)
    first.layout.template.layout.paper_bgcolor = "black"
    assert widgets.finished(go.Figure(), 300, META).layout.template.layout.paper_bgcolor == "white"


@pytest.mark.parametrize("page", [p for p, n in CHARTS.items() if n])
def test_every_figure_a_page_sends_is_valid_plotly(monkeypatch, generated_db, page):
    at = open_page(make_app(monkeypatch, generated_db), page)
    specs = figures(at)
    assert len(specs) == CHARTS[page]
    for spec in specs:
        go.Figure(spec, skip_invalid=False)  # raises on any property plotly does not know
