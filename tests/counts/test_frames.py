"""Reshaping of aggregated frames and the URL form of the filters."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from counts import frames
from counts.queries import Filters, pair_code, where
from dashboard.filters import to_params


def frame(rows):
    return pd.DataFrame(rows, columns=["period", "count"]).assign(period=lambda d: pd.to_datetime(d["period"]))


def test_fill_periods_adds_the_quiet_weeks():
    df = frame([("2026-01-05", 2), ("2026-01-26", 1)])
    out = frames.fill_periods(df, "week")
    assert out["period"].dt.strftime("%m-%d").tolist() == ["01-05", "01-12", "01-19", "01-26"]
    assert out["count"].tolist() == [2, 0, 0, 1]
    out = frames.fill_periods(frame([("2026-01-01", 3)]), "month", start="2025-12-15", end="2026-02-03")
    assert out["period"].dt.month.tolist() == [12, 1, 2] and out["count"].tolist() == [0, 3, 0]


def test_fill_periods_by_group_then_a_rolling_mean_over_real_periods():
    df = pd.DataFrame(
        {"period": pd.to_datetime(["2026-01-01", "2026-03-01"]), "topic": ["trade", "arctic"], "count": [4, 2]}
    )
    out = frames.fill_periods(df, "month", by="topic")
    assert len(out) == 6 and out["count"].sum() == 6
    rolled = frames.rolling_mean(out, 2, value="count", by="topic")
    trade = rolled[rolled["topic"] == "trade"]["rolling"].tolist()
    assert trade == [4.0, 2.0, 0.0]


def test_share_is_a_percentage_of_the_period_total():
    df = frame([("2026-01-01", 1), ("2026-02-01", 0)])
    totals = frame([("2026-01-01", 4), ("2026-02-01", 0)])
    out = frames.with_share(df, totals)
    assert out["share"].tolist() == [25.0, 0.0] and out["total"].tolist() == [4, 0]


def test_filters_to_url_keeps_only_what_differs_from_defaults():
    assert to_params(Filters()) == {}
    f = Filters(
        start=date(2026, 1, 1),
        country="CAN",
        partner="JPN",
        topics=("trade", "energy"),
        sources=("CBC News",),
        unit="stories",
    )
    assert to_params(f) == {
        "from": "2026-01-01",
        "country": "CAN",
        "partner": "JPN",
        "topic": ["trade", "energy"],
        "source": ["CBC News"],
        "unit": "stories",
    }


def test_where_uses_placeholders_only():
    sql, params = where(Filters(country="CAN", partner="jpn", sources=("O'Brien News",), topics=("trade",)))
    assert "O'Brien" not in sql and "CAN" not in sql
    assert params == ["O'Brien News", "CAN-JPN", "trade"]
    assert pair_code("jpn", "CAN") == "CAN-JPN"


def test_labelled_topics_fills_quiet_periods_and_names_each_topic():
    rows = pd.DataFrame(
        {"period": pd.to_datetime(["2026-01-01", "2026-03-01"]), "value": ["trade", "arctic"], "count": [2, 1]}
    )
    out = frames.labelled_topics(rows, "month")
    assert len(out) == 6  # three months × two topics
    feb_trade = out[(out["period"] == pd.Timestamp("2026-02-01")) & (out["topic"] == "trade")]
    assert feb_trade["count"].tolist() == [0]
    assert set(out["label"]) == {"Trade", "Arctic"}


def test_rolling_mean_per_group_without_touching_its_input():
    df = pd.DataFrame(
        {
            "period": pd.to_datetime(["2026-01-05", "2026-01-12", "2026-01-19", "2026-01-05"]),
            "key": ["CAN", "CAN", "CAN", "JPN"],
            "count": [4, 2, 0, 6],
        }
    )
    out = frames.rolling_mean(df, 2)
    assert out.loc[out["key"] == "CAN", "rolling"].tolist() == [4.0, 3.0, 1.0]
    assert out.loc[out["key"] == "JPN", "rolling"].tolist() == [6.0]
    assert "rolling" not in df.columns
    assert frames.rolling_mean(df.iloc[0:0], 3)["rolling"].empty
    with pytest.raises(ValueError):
        frames.rolling_mean(df, 0)


def test_partial_periods_are_the_ones_the_data_cover_in_part():
    months = ["2026-01-01", "2026-02-01", "2026-03-01"]
    # the store starts on 7 January and ends on 15 March: both ends are partial, February is whole
    assert frames.partial_periods(months, "month", "2026-01-07", "2026-03-15").tolist() == [True, False, True]
    # a span from the 1st to the last day of the months: none is partial
    assert frames.partial_periods(months, "month", "2026-01-01", "2026-03-31").tolist() == [False] * 3
    # weeks start on Monday: 2026-03-02 is a Monday; the data ending on Saturday cut its week
    weeks = ["2026-03-02", "2026-03-09"]
    assert frames.partial_periods(weeks, "week", "2026-03-02", "2026-03-14").tolist() == [False, True]
    # days are never partial, and no bound means nothing is cut
    assert frames.partial_periods(["2026-03-02"], "day", "2026-03-03", "2026-03-01").tolist() == [False]
    assert frames.partial_periods(months, "month", None, None).tolist() == [False] * 3
    assert frames.partial_periods(months, "month", "2026-13-45", "not a date").tolist() == [False] * 3
