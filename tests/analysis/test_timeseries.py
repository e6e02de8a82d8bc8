"""Counts over time on small hand-made frames, with the expected numbers worked out by hand."""
import numpy as np
import pandas as pd
import pytest

from analysis import timeseries as ts
from analysis.groups import load_groups


@pytest.fixture
def articles():
    # Articles 1 and 2 are one wire story (story 1). Article 6 is 22:00 in Ottawa on 31 March,
    # i.e. 1 April in UTC.
    return pd.DataFrame({
        "id": [1, 2, 3, 4, 5, 6],
        "published_at": ["2026-03-02T10:00:00Z", "2026-03-02T15:00:00Z", "2026-03-03T09:00:00Z",
                         "2026-03-04T23:30:00Z", "2026-03-09T08:00:00Z", "2026-03-31T22:00:00-04:00"],
        "story_id": [1, 1, 3, 4, 5, 6],
        "source": ["CBC News", "CTV News", "Globe", "Radio-Canada", "CBC News", "CBC News"],
        "lang": ["en", "en", "en", "fr", "en", "en"],
    })


@pytest.fixture
def countries():
    rows = [(1, "CAN"), (1, "JPN"), (2, "CAN"), (2, "JPN"), (2, "USA"), (3, "CAN"), (4, "JPN"),
            (5, "CAN"), (5, "KOR"), (6, "CAN"), (99, "CAN")]  # 99: not in the selection
    return pd.DataFrame(rows, columns=["article_id", "value"])


@pytest.fixture
def pairs():
    return pd.DataFrame([(1, "CAN-JPN"), (2, "CAN-JPN"), (2, "CAN-USA"), (4, "JPN-KOR"), (5, "CAN-KOR")],
                        columns=["article_id", "pair"])


@pytest.fixture
def topics():
    return pd.DataFrame([(1, "defence"), (2, "defence"), (2, "trade"), (3, "trade"), (4, "energy")],
                        columns=["article_id", "topic"])


def as_dict(frame, key="key", value="count", period=None):
    sel = frame if period is None else frame[frame["period"] == pd.Timestamp(period)]
    return dict(zip(sel[key], sel[value]))


def test_daily_counts(articles, countries):
    out = ts.period_counts(articles, countries, "D")
    assert list(out.columns) == ["period", "key", "count"]
    assert out["period"].nunique() == 31  # 2 March to 1 April, filled
    assert as_dict(out, period="2026-03-02") == {"CAN": 2, "JPN": 2, "KOR": 0, "USA": 1}
    assert as_dict(out, period="2026-03-04") == {"CAN": 0, "JPN": 1, "KOR": 0, "USA": 0}
    assert as_dict(out, period="2026-04-01") == {"CAN": 1, "JPN": 0, "KOR": 0, "USA": 0}
    assert out["count"].sum() == 10


def test_unfilled_counts(articles, countries):
    out = ts.period_counts(articles, countries, "D", fill=False)
    assert len(out) == 8 and (out["count"] > 0).all()


def test_weekly_starts_monday_and_monthly(articles, countries):
    weekly = ts.period_counts(articles, countries, "W")
    assert sorted(weekly["period"].unique()) == list(pd.to_datetime(
        ["2026-03-02", "2026-03-09", "2026-03-16", "2026-03-23", "2026-03-30"]))
    assert as_dict(weekly, period="2026-03-02") == {"CAN": 3, "JPN": 3, "KOR": 0, "USA": 1}
    monthly = ts.period_counts(articles, countries, "M")
    assert as_dict(monthly, period="2026-03-01") == {"CAN": 4, "JPN": 3, "KOR": 1, "USA": 1}
    assert as_dict(monthly, period="2026-04-01") == {"CAN": 1, "JPN": 0, "KOR": 0, "USA": 0}


def test_story_unit_counts_a_wire_story_once(articles, countries):
    out = ts.period_counts(articles, countries, "W", unit="stories")
    assert as_dict(out, period="2026-03-02") == {"CAN": 2, "JPN": 2, "KOR": 0, "USA": 1}


def test_shares(articles, countries):
    out = ts.shares(articles, countries, "W")
    assert list(out.columns) == ["period", "key", "count", "total", "share"]
    week1 = out[out["period"] == pd.Timestamp("2026-03-02")].set_index("key")
    assert week1.loc["CAN", "total"] == 4 and week1.loc["CAN", "share"] == 0.75
    empty_week = out[out["period"] == pd.Timestamp("2026-03-16")]
    assert (empty_week["total"] == 0).all() and (empty_week["share"] == 0).all()
    stories = ts.shares(articles, countries, "W", unit="stories").set_index(["period", "key"])
    assert stories.loc[(pd.Timestamp("2026-03-02"), "CAN"), "share"] == pytest.approx(2 / 3)


def test_totals(articles):
    tot = ts.period_totals(articles, "W")
    assert tot["total"].tolist() == [4, 1, 0, 0, 1]
    assert ts.period_totals(articles, "W", unit="stories")["total"].tolist() == [3, 1, 0, 0, 1]


def test_rolling_mean(articles, countries):
    weekly = ts.period_counts(articles, countries, "W")
    out = ts.rolling_mean(weekly, 2)
    can = out[out["key"] == "CAN"].sort_values("period")
    assert can["count"].tolist() == [3, 1, 0, 0, 1]
    assert can["rolling"].tolist() == [3.0, 2.0, 0.5, 0.0, 0.5]
    assert "rolling" not in weekly.columns
    with pytest.raises(ValueError):
        ts.rolling_mean(weekly, 0)


def test_top_partners(pairs, articles):
    out = ts.top_partners(pairs, "CAN")
    assert out.to_dict("list") == {"partner": ["JPN", "KOR", "USA"], "count": [2, 1, 1],
                                   "share": [2 / 3, 1 / 3, 1 / 3]}
    assert ts.top_partners(pairs, "CAN", n=1)["partner"].tolist() == ["JPN"]
    stories = ts.top_partners(pairs, "CAN", articles=articles, unit="stories")
    assert stories.to_dict("list") == {"partner": ["JPN", "KOR", "USA"], "count": [1, 1, 1], "share": [0.5, 0.5, 0.5]}
    # both pair shapes of the store work
    split = pd.DataFrame({"article_id": [1], "pair": ["CAN-JPN"], "country_a": ["CAN"], "country_b": ["JPN"]})
    assert ts.top_partners(split, "JPN")["partner"].tolist() == ["CAN"]
    assert ts.top_partners(pairs, "BRA").empty


def test_group_counts(articles, countries):
    groups = {"mp": ["CAN", "JPN", "KOR"], "gp": ["USA", "CHN"], "eu": ["FRA"]}
    overall = ts.group_counts(countries, groups, articles, freq=None)
    assert overall.to_dict("list") == {"key": ["mp", "gp", "eu"], "count": [6, 1, 0], "total": [6, 6, 6],
                                       "share": [1.0, 1 / 6, 0.0]}
    stories = ts.group_counts(countries, groups, articles, freq=None, unit="stories")
    assert stories.to_dict("list") == {"key": ["mp", "gp", "eu"], "count": [5, 1, 0], "total": [5, 5, 5],
                                       "share": [1.0, 0.2, 0.0]}
    weekly = ts.group_counts(countries, groups, articles, freq="W")
    week1 = weekly[weekly["period"] == pd.Timestamp("2026-03-02")].set_index("key")
    assert week1.loc["mp", "count"] == 4 and week1.loc["gp", "share"] == 0.25 and week1.loc["eu", "count"] == 0
    assert len(weekly) == 5 * 3
    # real groups from the data file are accepted as they are
    real = ts.group_counts(countries, load_groups(), articles, freq=None).set_index("key")
    assert real.loc["middle_powers", "count"] == 6 and real.loc["great_powers", "count"] == 1
    assert real.loc["g7", "count"] == 6  # every article names CAN or JPN
    assert real.loc["eu27", "count"] == 0 and list(real.index[:3]) == ["g20", "g7", "middle_powers"]


def test_movers(articles, countries):
    out = ts.movers(articles, countries, "2026-03-09", "2026-03-16")
    assert list(out.columns) == ["key", "current", "previous", "change", "pct_change"]
    assert out["key"].tolist() == ["JPN", "CAN", "KOR", "USA"]
    assert out["change"].tolist() == [-3, -2, 1, -1]
    assert out["pct_change"].iloc[0] == -1.0
    assert out["pct_change"].iloc[1] == pytest.approx(-2 / 3)
    assert np.isnan(out["pct_change"].iloc[2])
    assert ts.movers(articles, countries, "2026-03-09", "2026-03-16", n=2)["key"].tolist() == ["JPN", "CAN"]


def test_topic_by_country(topics, countries, articles):
    m = ts.topic_by_country(topics, countries)
    assert list(m.index) == ["defence", "energy", "trade"]
    assert list(m.columns) == ["CAN", "JPN", "USA"]
    assert m.loc["defence"].tolist() == [2, 2, 1]
    assert m.loc["trade"].tolist() == [2, 1, 1]
    assert m.loc["energy"].tolist() == [0, 1, 0]
    assert list(ts.topic_by_country(topics, countries, top=1, exclude=["CAN"]).columns) == ["JPN"]
    stories = ts.topic_by_country(topics, countries, articles=articles, unit="stories")
    assert stories.loc["defence"].tolist() == [1, 1, 1]


def test_pair_edges(pairs, articles):
    out = ts.pair_edges(pairs, ["CAN", "JPN", "KOR"])
    assert out.to_dict("list") == {"a": ["CAN", "CAN", "JPN"], "b": ["JPN", "KOR", "KOR"], "weight": [2, 1, 1]}
    assert ts.pair_edges(pairs, ["CAN", "JPN"], articles=articles, unit="stories")["weight"].tolist() == [1]


def test_fixed_keys(articles, countries):
    out = ts.period_counts(articles, countries, "M", keys=["KOR", "BRA"])
    assert out.to_dict("list") == {"period": list(pd.to_datetime(["2026-03-01", "2026-03-01", "2026-04-01", "2026-04-01"])),
                                   "key": ["BRA", "KOR", "BRA", "KOR"], "count": [0, 1, 0, 0]}
    assert ts.period_counts(articles, countries, "M", keys=["BRA"])["count"].tolist() == [0, 0]
    assert ts.period_counts(articles, countries, "M", keys=["BRA"], fill=False).empty


def test_column_tags_by_source(articles):
    out = ts.period_counts(articles, ts.column_tags(articles, "source"), "M", fill=False)
    assert as_dict(out, period="2026-03-01") == {"CBC News": 2, "CTV News": 1, "Globe": 1, "Radio-Canada": 1}


def test_selection_is_the_articles_frame(articles, countries):
    fr = articles[articles["lang"] == "fr"]
    assert ts.period_counts(fr, countries, "D").to_dict("list") == {
        "period": [pd.Timestamp("2026-03-04")], "key": ["JPN"], "count": [1]}


def test_empty_inputs(articles, countries, pairs, topics):
    empty_articles = articles.iloc[0:0]
    empty_tags = countries.iloc[0:0]
    for frame, cols in [
        (ts.period_counts(empty_articles, countries), ts.COUNT_COLUMNS),
        (ts.period_counts(articles, empty_tags), ts.COUNT_COLUMNS),
        (ts.shares(articles, empty_tags, "W"), ts.SHARE_COLUMNS),
        (ts.top_partners(pairs.iloc[0:0], "CAN"), ts.PARTNER_COLUMNS),
        (ts.movers(empty_articles, countries, "2026-03-09", "2026-03-16"), ts.MOVER_COLUMNS),
        (ts.pair_edges(pairs.iloc[0:0], ["CAN"]), ts.EDGE_COLUMNS),
        (ts.group_counts(empty_tags, {"mp": ["CAN"]}, empty_articles, freq=None), ["key", "count", "total", "share"]),
    ]:
        assert frame.empty and list(frame.columns) == cols
    assert ts.period_totals(empty_articles).empty
    assert ts.topic_by_country(topics.iloc[0:0], countries).empty
    assert ts.rolling_mean(ts.period_counts(empty_articles, countries), 3).empty


def test_bad_arguments(articles, countries):
    with pytest.raises(ValueError):
        ts.period_counts(articles, countries, "Y")
    with pytest.raises(ValueError):
        ts.shares(articles, countries, unit="words")


def test_inputs_not_mutated(articles, countries):
    a, c = articles.copy(), countries.copy()
    ts.shares(articles, countries, "W", unit="stories")
    ts.movers(articles, countries, "2026-03-09", "2026-03-16")
    pd.testing.assert_frame_equal(articles, a)
    pd.testing.assert_frame_equal(countries, c)


def test_datetime_input_and_missing_story_ids(articles, countries):
    a = articles.assign(published_at=pd.to_datetime(articles["published_at"], utc=True, format="mixed"),
                        story_id=[1, 1, None, None, 5, None])
    out = ts.period_counts(a, countries, "W", unit="stories")
    # articles without a story id are their own story: week 1 has story 1, article 3, article 4
    assert as_dict(out, period="2026-03-02") == {"CAN": 2, "JPN": 2, "KOR": 0, "USA": 1}
    no_story_col = articles.drop(columns="story_id")
    assert ts.period_totals(no_story_col, "W", unit="stories")["total"].tolist() == [4, 1, 0, 0, 1]
