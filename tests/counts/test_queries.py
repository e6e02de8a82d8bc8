"""Query results on the tiny hand-built store, where every number is known by hand."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from counts import queries as q
from counts.queries import Filters

MP = ("CAN", "AUS", "JPN", "KOR", "MEX", "IDN", "TUR", "IND")


def ids(db, f, search=""):
    rows, total = q.articles(db, f, search, 100, 0)
    assert total == len(rows)
    return sorted(rows["id"].tolist())


def test_status_counts_sample_and_live(tiny_db):
    s = q.store_status(tiny_db)
    assert (s["articles"], s["sample"], s["live"], s["feeds"]) == (7, 1, 6, 3)
    assert s["first"] == "2026-01-05T10:00:00Z" and s["last"] == "2026-03-03T11:00:00Z"
    assert s["sources"] == ["CBC News", "Radio-Canada", "The Globe and Mail"]
    assert s["organizations"] == ["g7", "un"]


def test_missing_store_is_empty_not_an_error(tmp_path):
    db = str(tmp_path / "nothing.db")
    assert q.store_status(db)["articles"] == 0
    assert q.headline(db, Filters())["articles"] == 0
    assert q.timeseries(db, Filters()).empty
    assert q.articles(db, Filters())[1] == 0
    assert not (tmp_path / "nothing.db").exists()  # reading never creates the store


def test_headline(tiny_db):
    h = q.headline(tiny_db, Filters())
    assert (h["articles"], h["stories"], h["countries"]) == (7, 6, 6)
    assert h["last_ingest_at"] == "2026-03-03T12:00:00Z"


@pytest.mark.parametrize(
    "f, expected",
    [
        (Filters(), [1, 2, 3, 4, 5, 6, 7]),
        (Filters(country="CAN", partner="JPN"), [1, 2]),
        (Filters(country="JPN", partner="CAN"), [1, 2]),
        (Filters(partner="JPN"), [1, 2, 5]),
        (Filters(country="CHN", partner="USA"), [4]),
        (Filters(group="middle_powers"), [1, 2, 3, 4, 5, 7]),
        (Filters(country="CAN", group="middle_powers"), [1, 2, 7]),
        (Filters(country="JPN", group="great_powers"), []),
        (Filters(topics=("trade",)), [1, 3]),
        (Filters(topics=("trade", "conflict")), [1, 3, 4]),
        (Filters(organizations=("un",)), [7]),
        (Filters(sources=("CBC News",)), [1, 3, 6]),
        (Filters(langs=("fr",)), [2, 7]),
        (Filters(start=date(2026, 2, 1), end=date(2026, 2, 28)), [4, 5]),
        (Filters(end=date(2026, 3, 2)), [1, 2, 3, 4, 5, 6]),
        (Filters(country="CAN", topics=("defence",), langs=("en",)), [1]),
        (Filters(country="CAN' OR 1=1 --"), []),
    ],
)
def test_filters_select_the_right_articles(tiny_db, f, expected):
    assert ids(tiny_db, f) == expected


@pytest.mark.parametrize(
    "search, expected",
    [
        ("japan", [1, 5]),
        ("Japon", [2]),
        ("quebec", [3]),  # accents removed on both sides
        ("inde canada", [7]),  # every word required
        ('"korea japan', [5]),  # a stray quote is a plain character
        ("japan OR korea", [1, 5]),  # OR between two words: either (counts/search.py)
        ("NEAR( AND * ^", []),
        ("   ", [1, 2, 3, 4, 5, 6, 7]),
    ],
)
def test_search_is_safe_full_text(tiny_db, search, expected):
    assert ids(tiny_db, Filters(), search) == expected


def test_timeseries_by_month_week_day_and_unit(tiny_db):
    month = q.timeseries(tiny_db, Filters(), "month")
    assert month["period"].dt.strftime("%Y-%m-%d").tolist() == ["2026-01-01", "2026-02-01", "2026-03-01"]
    assert month["count"].tolist() == [3, 2, 2]
    assert q.timeseries(tiny_db, Filters(unit="stories"), "month")["count"].tolist() == [2, 2, 2]
    week = q.timeseries(tiny_db, Filters(), "week")
    assert dict(zip(week["period"].dt.strftime("%Y-%m-%d"), week["count"])) == {
        "2026-01-05": 2,
        "2026-01-19": 1,
        "2026-02-02": 1,
        "2026-02-09": 1,
        "2026-03-02": 2,
    }
    assert q.timeseries(tiny_db, Filters(), "day")["count"].sum() == 7


def test_partners(tiny_db):
    p = q.partners(tiny_db, Filters(), "CAN")
    assert list(zip(p["partner"], p["count"])) == [("JPN", 2), ("CHN", 1), ("IND", 1), ("USA", 1)]
    p = q.partners(tiny_db, Filters(unit="stories"), "can")  # the two JPN copies are one story
    assert list(zip(p["partner"], p["count"])) == [("CHN", 1), ("IND", 1), ("JPN", 1), ("USA", 1)]
    assert q.partners(tiny_db, Filters(), "CAN", limit=1)["partner"].tolist() == ["JPN"]


def test_tag_and_partner_timeseries(tiny_db):
    t = q.tag_timeseries(tiny_db, Filters(), "month", "article_topics", "topic")
    got = {(p.strftime("%m"), v): n for p, v, n in t.itertuples(index=False)}
    assert got == {
        ("01", "defence"): 2,
        ("01", "trade"): 2,
        ("02", "conflict"): 1,
        ("02", "technology"): 1,
        ("03", "migration"): 1,
    }
    pt = q.partner_timeseries(tiny_db, Filters(), "CAN", "month", ["JPN", "USA"])
    assert sorted(zip(pt["partner"], pt["count"])) == [("JPN", 2), ("USA", 1)]


def test_value_counts_and_heatmap_cells(tiny_db):
    c = q.value_counts(tiny_db, Filters(), "article_countries", "country")
    assert list(zip(c["value"], c["count"])) == [("CAN", 5), ("JPN", 3), ("USA", 2), ("CHN", 1), ("IND", 1), ("KOR", 1)]
    c = q.value_counts(tiny_db, Filters(), "article_countries", "country", limit=2, exclude=("CAN",))
    assert c["value"].tolist() == ["JPN", "USA"]
    cells = q.topic_country(tiny_db, Filters(), ["JPN"])
    assert sorted(zip(cells["topic"], cells["count"])) == [("defence", 2), ("technology", 1), ("trade", 1)]


def test_group_figures(tiny_db):
    edges = q.pairs_within(tiny_db, Filters(), list(MP))
    assert sorted(zip(edges["country_a"], edges["country_b"], edges["count"])) == [
        ("CAN", "IND", 1),
        ("CAN", "JPN", 2),
        ("JPN", "KOR", 1),
    ]
    groups = {"MP": MP, "GP": ("USA", "CHN", "RUS")}
    counts = q.group_counts(tiny_db, Filters(), groups, exclude=("CAN",))
    assert dict(zip(counts["group"], counts["count"])) == {"MP": 4, "GP": 2}
    ts = q.group_timeseries(tiny_db, Filters(), "month", {"MP": tuple(m for m in MP if m != "CAN")})
    assert list(zip(ts["period"].dt.month, ts["count"], ts["total"])) == [(1, 2, 3), (2, 1, 2), (3, 1, 2)]


def test_movers_compare_with_the_period_before(tiny_db):
    f = Filters(start=date(2026, 2, 1), end=date(2026, 2, 28))
    df, start, end = q.movers(tiny_db, f, exclude=("CAN",))
    assert (start, end) == (date(2026, 2, 1), date(2026, 2, 28))
    assert list(df.itertuples(index=False, name=None)) == [
        ("CHN", 1, 0, 1),
        ("JPN", 1, 2, -1),
        ("KOR", 1, 0, 1),
        ("USA", 1, 1, 0),
    ]
    df, start, end = q.movers(tiny_db, Filters(), last="2026-03-03T11:00:00Z", days=30)
    assert (start, end) == (date(2026, 2, 2), date(2026, 3, 3))


def test_articles_page_carries_tags_newest_first(tiny_db):
    rows, total = q.articles(tiny_db, Filters(), limit=2, offset=0)
    assert total == 7 and rows["id"].tolist() == [7, 6]
    rows, _ = q.articles(tiny_db, Filters(), limit=1, offset=3)
    row = rows.iloc[0]
    assert (row["id"], row["countries"], row["pairs"], row["topics"], row["story_id"]) == (
        4,
        "CAN, CHN, USA",
        "CAN-CHN, CHN-USA",
        "conflict",
        4,
    )
    assert isinstance(rows["published_at"].dtype, pd.DatetimeTZDtype)


def test_feed_health_counts_filtered_articles(tiny_db):
    feeds = q.feed_health(tiny_db, Filters(langs=("en",)))
    got = dict(zip(feeds["outlet"], feeds["articles"]))
    assert got == {"CBC News": 3, "The Globe and Mail": 2, "Radio-Canada": 0}
    assert feeds.loc[feeds["outlet"] == "Radio-Canada", "last_error"].item() == "HTTP 404 Not Found"


def test_store_version_changes_on_write(tiny_db):
    import sqlite3

    before = q.store_version(tiny_db)
    conn = sqlite3.connect(tiny_db)
    conn.execute("UPDATE articles SET title = 'x' WHERE id = 6")
    conn.commit()
    conn.close()
    assert q.store_version(tiny_db) != before


def test_generated_store_has_the_promised_shape(generated_db):
    s = q.store_status(generated_db)
    assert s["articles"] == 3000 and s["sample"] == 0 and len(s["sources"]) == 40
    h = q.headline(generated_db, Filters())
    assert h["stories"] < h["articles"]
    top = q.value_counts(generated_db, Filters(), "article_countries", "country", limit=1)
    assert top["value"].item() == "CAN"
    pairs = q.value_counts(generated_db, Filters(), "article_pairs", "pair")
    can_pairs = pairs[pairs["value"].str.contains("CAN")]["count"].sum()
    assert can_pairs > pairs["count"].sum() / 2
    assert set(q.store_status(generated_db)["langs"]) == {"en", "fr"}


def test_only_the_most_selective_tag_condition_drives(tiny_db):
    # Canada is in 5 articles, migration in 1: migration drives, Canada becomes a probe.
    sql, params = q.where(Filters(country="CAN", topics=("migration",)), tiny_db)
    assert "EXISTS (SELECT 1 FROM article_countries" in sql and "IN (SELECT article_id FROM article_topics" in sql
    assert params == ["CAN", "migration"]
    # A date range selecting fewer articles than any tag: every tag condition is a probe.
    sql, _ = q.where(Filters(start=date(2026, 3, 3), country="CAN"), tiny_db)
    assert "IN (SELECT" not in sql and "EXISTS" in sql
    assert ids(tiny_db, Filters(start=date(2026, 3, 3), country="CAN")) == [7]
