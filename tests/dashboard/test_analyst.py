"""Issue 10 through AppTest: the figures an analyst relies on are right, and the new views work.

Each test pins one thing that was wrong or missing (the Japan–Japan pair, the stacked topic mix, the
world map, the groups chart, the network's double counting, the movers on tiny counts, internal
wording, ignored link parameters, Compare, What changed, exports that say what they are), checked
against counts made here with plain SQL on the same store. What a person sees in the browser is in
test_browser_analyst.py.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import sqlite3
from datetime import date, timedelta

import pandas as pd
import pytest

from counts import labels, queries, stats
from counts.queries import Filters
from dashboard import changes, exports, widgets
from tests.dashboard.test_app import PAGES, figures, make_app, open_page
from tests.stores import build_tiny

RAW_HOVER = re.compile(r"\w=%\{")  # plotly express's default: "period=%{x}<br>count=%{y}"


def values(data) -> list:
    """A figure's array as a list: plotly writes numeric arrays as {"dtype", "bdata"} (base64)."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy as np

        array = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"]))
        if "shape" in data:  # a 2-D array (a heatmap's z) says its shape as "rows, columns"
            array = array.reshape([int(n) for n in str(data["shape"]).split(",")])
        return array.tolist()
    return list(data)


def sql(db: str, query: str, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(query, params).fetchall()
    finally:
        conn.close()


def no_exception(at, where=""):
    assert not at.exception, (where, [e.value for e in at.exception])


def texts(at) -> str:
    """Every piece of text the page shows (markdown, captions, alerts, titles, labels, figures' titles)."""
    parts = [
        e.value
        for kind in (
            "title",
            "header",
            "subheader",
            "markdown",
            "caption",
            "text",
            "info",
            "warning",
            "error",
            "success",
        )
        for e in at.get(kind)
    ]
    parts += [
        str(getattr(e, "label", "")) for kind in ("metric", "selectbox", "button", "expander") for e in at.get(kind)
    ]
    for fig in figures(at):
        title = fig["layout"].get("title", {})
        parts += [title.get("text", ""), title.get("subtitle", {}).get("text", "")]
    return "\n".join(str(p) for p in parts)


# ------------------------------------------------------------------ Country pairs: the picker


def test_sidebar_country_opens_it_with_its_top_partner(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"country": "JPN"}), "pairs")
    a, b = at.session_state["pair_a"], at.session_state["pair_b"]
    top = queries.partners(generated_db, Filters(), "JPN", 1)["partner"].iloc[0]
    assert (a, b) == ("JPN", top) and b != "JPN"
    assert not any("two different" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2


def test_a_link_with_the_same_country_twice_is_mended(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"pair_a": "JPN", "pair_b": "JPN"}), "pairs")
    assert at.session_state["pair_b"] not in ("JPN", None)
    # Picking the partner as the country: all its partners; the country as the partner: its default.
    at.selectbox(key="pair_b").set_value("JPN").run()
    no_exception(at)
    assert at.session_state["pair_b"] == "*"
    at.selectbox(key="pair_b").set_value("KOR").run()
    at.selectbox(key="pair_a").set_value("KOR").run()
    no_exception(at)
    assert at.session_state["pair_a"] == "KOR" and at.session_state["pair_b"] not in ("KOR", None)


# ------------------------------------------------------------------ Country pairs: the topic mix


def pair_topic_counts(db: str, pair: str) -> dict[tuple[str, str], int]:
    rows = sql(
        db,
        "SELECT substr(a.published_at, 1, 7) || '-01', t.topic, COUNT(*) FROM articles a "
        "JOIN article_pairs p ON p.article_id = a.id AND p.pair = ? "
        "JOIN article_topics t ON t.article_id = a.id GROUP BY 1, 2",
        pair,
    )
    return {(m, t): n for m, t, n in rows}


def test_topic_mix_counts_articles_per_topic_not_tags(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db), "pairs")  # Canada–Japan by month
    trend, mix = figures(at)
    assert all(t.get("stackgroup") is None and t.get("fill") in (None, "none") for t in mix["data"])
    table = at.dataframe[1].value  # the topic mix's table
    expected = pair_topic_counts(generated_db, "CAN-JPN")
    got = {(str(p)[:10], t): n for p, t, n in zip(table["period"], table["topic"], table["count"]) if n}
    assert got == expected
    # No topic line can exceed the pair's own articles in a period; their sum may (3 topics: 3 times).
    pair = dict(
        sql(
            generated_db,
            "SELECT substr(a.published_at, 1, 7) || '-01', COUNT(*) FROM articles a "
            "JOIN article_pairs p ON p.article_id = a.id AND p.pair = 'CAN-JPN' GROUP BY 1",
        )
    )
    assert all(n <= pair[m] for (m, _), n in expected.items())
    assert all(total == pair.get(str(p)[:10], 0) for p, total in zip(table["period"], table["total"]))
    assert "counts once in each" in texts(at)
    # The two charts span the same periods.
    assert trend["layout"]["xaxis"]["range"] == mix["layout"]["xaxis"]["range"]
    assert trend["layout"]["margin"]["l"] == mix["layout"]["margin"]["l"]
    assert trend["layout"]["margin"]["r"] == mix["layout"]["margin"]["r"]


def test_topic_mix_honours_share_and_rolling_mean(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"pair_measure": "share", "pair_roll": "3"}), "pairs")
    mix = figures(at)[1]
    assert "Share of the pair's articles (%), 3-month mean" == mix["layout"]["yaxis"]["title"]["text"]
    table = at.dataframe[1].value
    assert {"share", "rolling"} <= set(table.columns)
    with_articles = table[table["total"] > 0]
    assert (with_articles["share"] - 100 * with_articles["count"] / with_articles["total"]).abs().max() < 0.01
    trade = table[table["topic"] == "trade"].sort_values("period")
    assert trade["rolling"].iloc[-1] == pytest.approx(trade["share"].iloc[-3:].mean())


def lab(colour: str) -> tuple[float, float, float]:
    """sRGB hex to CIELAB (D65), for telling colours apart as people see them."""
    rgb = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = [((c + 0.055) / 1.055) ** 2.4 if c > 0.04045 else c / 12.92 for c in rgb]
    xyz = (
        (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047,
        0.2126 * r + 0.7152 * g + 0.0722 * b,
        (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883,
    )
    fx, fy, fz = [v ** (1 / 3) if v > 0.008856 else 7.787 * v + 16 / 116 for v in xyz]
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def test_thirteen_topics_thirteen_distinguishable_colours(monkeypatch, generated_db):
    from counts import labels

    assert set(widgets.TOPIC_COLOURS) == set(labels.TOPICS)
    colours = list(widgets.TOPIC_COLOURS.values())
    closest = min(math.dist(lab(a), lab(b)) for a, b in itertools.combinations(colours, 2))
    assert closest > 25, closest  # CIE76 distance: above ~20 two colours are clearly different
    at = open_page(make_app(monkeypatch, generated_db, {"pair_b": "USA"}), "pairs")
    drawn = {t["name"]: t["line"]["color"] for t in figures(at)[1]["data"]}
    assert drawn == {labels.topic(k): c for k, c in widgets.TOPIC_COLOURS.items() if labels.topic(k) in drawn}
    assert len(set(drawn.values())) == len(drawn) == at.dataframe[1].value["topic"].nunique() >= 10


# ------------------------------------------------------------------ hover text on every chart


@pytest.mark.parametrize("page", [p for p in PAGES if p not in ("articles", "sources")])
def test_every_chart_has_its_own_hover_text(monkeypatch, generated_db, page):
    at = open_page(make_app(monkeypatch, generated_db), page)
    for fig in figures(at):
        for trace in fig["data"]:
            if trace.get("hoverinfo") == "skip":
                continue
            template = trace.get("hovertemplate")
            assert template, (page, trace.get("type"), trace.get("name"))
            assert not RAW_HOVER.search(template), (page, template)


def test_periods_are_named_as_periods_in_hover(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db), "overview")
    groups = figures(at)[1]
    assert all("%{x|%B %Y}" in t["hovertemplate"] for t in groups["data"])
    at.segmented_control(key="ov_freq").set_value("week").run()
    assert all("%{x|week of %d %b %Y}" in t["hovertemplate"] for t in figures(at)[1]["data"])


# ------------------------------------------------------------------ Overview: groups, movers


def test_groups_chart_lists_members_and_greys_thin_periods(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"ov_freq": "week"}), "overview")
    shown = texts(at)
    assert "Middle powers: Australia, Japan, South Korea, Mexico, Indonesia, Türkiye, India." in shown
    assert "Great powers: United States, China, Russia." in shown
    table = at.dataframe[1].value
    assert (table["too_few"] == (table["total"] < 20)).all() and table["too_few"].any()
    fig = figures(at)[1]
    lines = [t for t in fig["data"] if t.get("mode", "").startswith("lines")]
    dots = [t for t in fig["data"] if t.get("mode") == "markers"]
    thin = set(table.loc[table["too_few"], "period"].dt.strftime("%Y-%m-%d"))
    for line in lines:  # no share of a thin period on a line ...
        for x, y in zip(values(line["x"]), values(line["y"])):
            assert (y is None or math.isnan(y)) == (x[:10] in thin), (x, y)
    assert {x[:10] for d in dots for x in values(d["x"])} == thin  # ... they are the grey dots
    assert all("of %{customdata[1]:,}" in t["hovertemplate"] for t in fig["data"])  # counts with shares


def test_movers_are_ranked_by_a_test_not_by_raw_change(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db), "overview")
    table = at.dataframe[2].value
    assert list(table.columns) == ["country", "name", *stats.COLUMNS[1:]]
    assert "CAN" not in set(table["country"])  # the focus country is left out
    assert (table["current"] + table["baseline"] >= stats.MIN_BASE).all()
    significant = table["verdict"].isin(["rose", "fell"])
    assert list(significant) == sorted(significant, reverse=True)  # beyond chance first, then |z|
    for part in (table[significant], table[~significant]):
        assert list(part["z"].abs()) == sorted(part["z"].abs(), reverse=True)
    shown = texts(at)
    assert "Benjamini–Hochberg" in shown and f"at least {stats.MIN_BASE}" in shown


# ------------------------------------------------------------------ Middle powers


def tiny_with_a_three_way_article(tmp_path) -> str:
    """The tiny store plus one article pairing Canada with Japan and with South Korea."""
    db = str(build_tiny(tmp_path / "tiny.db"))
    conn = sqlite3.connect(db)
    conn.execute(
        "INSERT INTO articles (id, url, title, published_at, source, feed_id, lang, fetched_at, story_id) "
        "VALUES (8, 'https://example.com/a/8', 'Canada, Japan and Korea', '2026-02-20T10:00:00Z', "
        "'CBC News', 1, 'en', '2026-02-20T10:00:00Z', 8)"
    )
    conn.executemany("INSERT INTO article_countries VALUES (8, ?)", [("CAN",), ("JPN",), ("KOR",)])
    conn.executemany(
        "INSERT INTO article_pairs VALUES (8, ?, ?, ?)", [("CAN-JPN", "CAN", "JPN"), ("CAN-KOR", "CAN", "KOR")]
    )
    conn.commit()
    conn.close()
    return db


def test_network_hover_counts_distinct_articles(monkeypatch, tmp_path):
    db = tiny_with_a_three_way_article(tmp_path)
    at = open_page(make_app(monkeypatch, db, sample=False), "middle_powers")
    network = figures(at)[0]
    nodes = [t for t in network["data"] if t.get("mode") == "markers+text"][0]
    degree = dict(zip(nodes["text"], values(nodes["customdata"])))
    # Canada: articles 1, 2 (Japan), 7 (India), 8 (Japan and Korea) = 4, where the edges sum to 5.
    assert degree["Canada"] == 4 and degree["Japan"] == 4 and degree["South Korea"] == 2
    edges = at.dataframe[0].value
    assert edges.loc[edges["pair"].str.contains("CAN"), "count"].sum() == 5


def test_world_map_is_the_whole_world_with_focus_and_empty_countries(monkeypatch, generated_db):
    for who in ("CAN", "JPN"):
        at = open_page(make_app(monkeypatch, generated_db, {"mp_country": who}), "middle_powers")
        world = figures(at)[1]
        geo = world["layout"]["geo"]
        assert geo["fitbounds"] is False and geo["projection"]["rotation"]["lon"] == 0
        assert geo["lonaxis"]["range"] == [-180, 180] and geo["projection"]["type"] == "natural earth"
        empty, partners, focus = world["data"]
        assert focus["locations"] == [who]
        partner_codes = set(queries.partners(generated_db, Filters(), who)["partner"])
        assert set(partners["locations"]) == partner_codes
        assert not set(empty["locations"]) & (partner_codes | {who}) and len(empty["locations"]) > 100
        assert "no articles" in empty["hovertemplate"]


# ------------------------------------------------------------------ no internal wording anywhere


@pytest.mark.parametrize("page", PAGES)
def test_no_internal_wording_on_any_page(monkeypatch, generated_db, page):
    at = open_page(make_app(monkeypatch, generated_db), page)
    shown = texts(at)
    assert not re.search(r"\bissue \d|Project definition|TODO|FIXME", shown, re.I), shown[:500]


# ------------------------------------------------------------------ ignored link parameters


def test_ignored_link_parameters_are_named(monkeypatch, generated_db):
    at = open_page(
        make_app(
            monkeypatch,
            generated_db,
            {"country": "XXX", "from": "2026-13-45", "topic": "trade", "ov_freq": "fortnight"},
        ),
        "overview",
    )
    [notice] = [w.value for w in at.warning]
    assert "`country`" in notice and "`from`" in notice and "`ov_freq`" in notice and "`topic`" not in notice
    assert "XXX" not in notice and "2026-13-45" not in notice  # names and reasons, never the link's text
    assert at.session_state["f_topics"] == ["trade"]
    at.run()  # still said while the view is the link's ...
    assert at.warning
    at.multiselect(key="f_topics").set_value(["energy"]).run()  # ... and gone once the visitor changes it
    assert not at.warning


def test_a_clean_link_shows_no_notice(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"country": "JPN", "from": "2026-01-01"}), "pairs")
    assert not at.warning


# ------------------------------------------------------------------ Compare


def series_sql(db: str, clause: str, *params) -> int:
    return sql(db, f"SELECT COUNT(*) FROM articles a WHERE {clause}", *params)[0][0]


@pytest.mark.parametrize(
    "params, clauses",
    [
        (
            {"cmp_mode": "countries", "cmp_x": "JPN", "cmp_y": "KOR"},
            [
                ("a.id IN (SELECT article_id FROM article_countries WHERE country = ?)", "JPN"),
                ("a.id IN (SELECT article_id FROM article_countries WHERE country = ?)", "KOR"),
            ],
        ),
        (
            {"cmp_mode": "pairs", "cmp_p1": "CAN-JPN", "cmp_p2": "CAN-USA"},
            [
                ("a.id IN (SELECT article_id FROM article_pairs WHERE pair = ?)", "CAN-JPN"),
                ("a.id IN (SELECT article_id FROM article_pairs WHERE pair = ?)", "CAN-USA"),
            ],
        ),
        (
            {"cmp_mode": "pair_vs_all", "cmp_pair": "CAN-JPN"},
            [
                ("a.id IN (SELECT article_id FROM article_pairs WHERE pair = ?)", "CAN-JPN"),
                ("a.id IN (SELECT article_id FROM article_pairs WHERE country_a = ?1 OR country_b = ?1)", "CAN"),
            ],
        ),
    ],
)
def test_compare_one_chart_one_table_counts_and_shares(monkeypatch, generated_db, params, clauses):
    at = open_page(make_app(monkeypatch, generated_db, params), "compare")
    [fig] = figures(at)
    assert len(fig["data"]) == 2
    table = at.dataframe[0].value
    for prefix, (clause, value) in zip(("first", "second"), clauses):
        assert table[f"{prefix}_count"].sum() == series_sql(generated_db, clause, value)
        ok = table["total"] > 0
        share = 100 * table.loc[ok, f"{prefix}_count"] / table.loc[ok, "total"]
        assert (table.loc[ok, f"{prefix}_share"] - share).abs().max() < 0.01
    assert table["total"].sum() == series_sql(generated_db, "1")
    if params["cmp_mode"] == "pair_vs_all":
        assert (table["first_count"] <= table["second_count"]).all() and "first_of_second_pct" in table
    metrics = [m.value for m in at.metric]
    assert metrics == [f"{table['first_count'].sum():,} articles", f"{table['second_count'].sum():,} articles"]


def test_compare_follows_the_filters_and_measure(monkeypatch, generated_db):
    at = open_page(
        make_app(monkeypatch, generated_db, {"cmp_measure": "count", "topic": "trade", "lang": "en"}), "compare"
    )
    table = at.dataframe[0].value
    trade_en = series_sql(
        generated_db,
        "a.lang = 'en' AND a.id IN (SELECT article_id FROM article_topics "
        "WHERE topic = 'trade') AND a.id IN (SELECT article_id FROM "
        "article_countries WHERE country = 'JPN')",
    )
    assert table["first_count"].sum() == trade_en
    assert figures(at)[0]["layout"]["yaxis"]["title"]["text"] == "Articles"


# ------------------------------------------------------------------ What changed


def test_what_changed_lists_changes_beyond_chance_with_their_articles(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"wc_days": "90"}), "changes")
    pairs = at.dataframe[0].value
    assert {"pair", "current", "baseline", "z", "q", "verdict"} <= set(pairs.columns)
    moved = pairs[pairs["verdict"].isin(["rose", "fell"])]
    assert len(moved) and (moved["q"] < stats.ALPHA).all()
    picker = at.pills(key="wc_pair")
    assert list(picker.options) == [
        f"{'▲' if v == 'rose' else '▼'} {name}" for v, name in zip(moved["verdict"], moved["name"])
    ]
    chosen = moved["pair"].iloc[0]
    picker.set_value(chosen).run()
    no_exception(at)
    assert at.query_params["wc_pair"] == chosen
    articles = at.dataframe[1].value
    last = date.fromisoformat(queries.store_status(generated_db)["last"][:10])
    start = last - timedelta(days=89)
    assert len(articles) and articles["pairs"].str.contains(chosen).all()
    assert (articles["published_at"].dt.date >= start).all()
    expected = sql(
        generated_db,
        "SELECT COUNT(*) FROM articles a JOIN article_pairs p ON p.article_id = a.id "
        "WHERE p.pair = ? AND a.published_at >= ?",
        chosen,
        f"{start}T00:00:00Z",
    )[0][0]
    assert moved.set_index("pair").loc[chosen, "current"] == expected


def test_trend_charts_mark_the_periods_the_data_cover_in_part(monkeypatch, generated_db):
    """A month the store enters on its 20th, or the month in progress, counts fewer days than the others:
    drawn like them its count reads as a fall. Its point sits in a yellow band, the table says which
    periods are complete, and a date range ending on a month's last day leaves that month whole."""
    status = queries.store_status(generated_db)
    first, last = date.fromisoformat(status["first"][:10]), date.fromisoformat(status["last"][:10])
    params = {"pair_a": "CAN", "pair_b": "JPN", "pair_freq": "month"}
    at = open_page(make_app(monkeypatch, generated_db, params), "pairs")
    trend, table = figures(at)[0], at.dataframe[0].value
    whole = table["complete_period"].tolist()
    # (the generated store ends now: on a month's last day its month is whole)
    assert whole[0] == (first.day == 1) and whole[-1] == ((last + timedelta(days=1)).day == 1) and all(whole[1:-1])
    bands = [b for b in trend["layout"]["shapes"] if b.get("fillcolor") == widgets.PARTIAL_FILL]
    assert len(bands) == whole.count(False)
    for partial in table.loc[~table["complete_period"], "period"]:  # each band centred on its period's point
        assert any(pd.Timestamp(b["x0"]) < pd.Timestamp(partial) < pd.Timestamp(b["x1"]) for b in bands)
    if bands:
        assert widgets.PARTIAL_NOTE in [c.value for c in at.caption]
        assert "partial" in [a.get("text") for a in trend["layout"]["annotations"]]
    # the same pair from the first of a month to the last day of another: every month whole
    start = date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    end = date(last.year, last.month, 1) - timedelta(days=1)
    at = open_page(make_app(monkeypatch, generated_db, params | {"from": str(start), "to": str(end)}), "pairs")
    assert at.dataframe[0].value["complete_period"].all()
    assert not [b for b in figures(at)[0]["layout"].get("shapes", []) if b.get("fillcolor") == widgets.PARTIAL_FILL]
    assert widgets.PARTIAL_NOTE not in [c.value for c in at.caption]


def test_topic_by_country_as_a_share_of_each_countrys_articles(monkeypatch, generated_db):
    """Raw counts let the most-covered country flatten every other column; the share measure divides
    each cell by the country's own filtered articles (distinct), which the store confirms."""
    at = open_page(make_app(monkeypatch, generated_db, {"tp_measure": "share"}), "topics")
    heat, table = figures(at)[0], at.dataframe[0].value
    assert {"count", "country_total", "share"} <= set(table.columns)
    row = table.sort_values("count", ascending=False).iloc[0]
    total = sql(
        generated_db, "SELECT COUNT(DISTINCT article_id) FROM article_countries WHERE country = ?", row["country"]
    )[0][0]
    assert row["country_total"] == total and row["share"] == round(100.0 * row["count"] / total, 1)
    z = values(heat["data"][0]["z"])
    assert (
        max(max(r) for r in z) <= 100 and "% of the country's articles" in heat["data"][0]["colorbar"]["title"]["text"]
    )
    cell = z[list(values(heat["data"][0]["y"])).index(labels.topic(row["topic"]))][
        list(values(heat["data"][0]["x"])).index(labels.country(row["country"]))
    ]
    assert cell == row["share"]
    assert at.query_params["tp_measure"] == "share"
    counts = figures(open_page(make_app(monkeypatch, generated_db), "topics"))[0]
    assert max(max(r) for r in values(counts["data"][0]["z"])) == table["count"].max()


def test_change_charts_show_the_chance_band_and_keep_bars_thin(monkeypatch, generated_db):
    """Seen on the sample: one topic within chance drew as a grey block filling the chart, on an axis
    from -1.6 to 0 that gave no sense of scale. The axis now always spans -3..3 around a shaded
    |z| <= 2 band, and a chart's height follows its number of bars."""
    at = open_page(make_app(monkeypatch, generated_db, {"wc_days": "90"}), "changes")
    for fig, table in zip(figures(at), at.dataframe):
        low, high = fig["layout"]["xaxis"]["range"]
        z = table.value["z"].abs().max()
        assert low <= -3 and high >= 3 and max(-low, high) >= z
        band = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
        assert [(b["x0"], b["x1"]) for b in band] == [(-2, 2)]
        assert fig["layout"]["height"] == changes.height(len(fig["data"][0]["y"]))


def test_what_changed_uses_the_sidebar_range(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"from": "2026-01-01", "to": "2026-03-31"}), "changes")
    assert "wc_days" not in at.session_state or not any(s.key == "wc_days" for s in at.get("segmented_control"))
    assert "2026-01-01 to 2026-03-31 (90 days) against the 3 periods" in texts(at)


# ------------------------------------------------------------------ exports say what they are


def test_csv_header_line_and_figure_title_say_what_the_export_is(monkeypatch, generated_db):
    at = open_page(
        make_app(
            monkeypatch, generated_db, {"topic": "trade", "unit": "stories", "from": "2026-01-01", "to": "2026-06-30"}
        ),
        "overview",
    )
    title = figures(at)[0]["layout"]["title"]
    assert title["text"] == "Top partners of Canada"
    sub = title["subtitle"]["text"]
    for words in (
        "filters: Topic: Trade",
        "dates: 2026-01-01 to 2026-06-30",
        "unit: stories",
        "tagger: bench",
        "sample data: no",
    ):
        assert words in sub, sub


def test_csv_bytes_header_then_table():
    items = exports.meta(
        "Top partners of Canada",
        Filters(country="CAN", sources=("Le Devoir, Montréal",), start=date(2026, 1, 1)),
        {"first": "2025-01-01T00:00:00Z", "last": "2026-03-01T00:00:00Z", "sample": 3, "articles": 10},
        {"oldest": "3.1.a", "newest": "3.2.b", "unstamped": 0},
    )
    frame = pd.DataFrame({"partner": ["JPN", "=cmd"], "count": [3, -1]})
    data = exports.csv_bytes(frame, items)
    assert data.startswith(b'\xef\xbb\xbf"# Middle Powers Monitor')
    text = data.decode("utf-8-sig")
    first = text.split("\r\n", 1)[0]
    for words in (
        "Top partners of Canada",
        "Country: Canada (CAN)",
        "Source: Le Devoir, Montréal",
        "dates: 2026-01-01 to 2026-03-01",
        "unit: articles",
        "tagger: 3.1.a to 3.2.b",
        "sample data: YES, 3 of the store's 10",
    ):
        assert words in first, first
    back = pd.read_csv(io.BytesIO(data), skiprows=1, encoding="utf-8-sig")
    assert back["partner"].tolist() == ["JPN", "'=cmd"] and back["count"].tolist() == [3, -1]
    # One field: a spreadsheet shows the line in A1 and the table below.
    assert len(pd.read_csv(io.BytesIO(data), header=None, nrows=1, encoding="utf-8-sig").columns) == 1


def test_export_text_in_a_figure_is_escaped():
    import plotly.graph_objects as go

    items = exports.meta("x", Filters(sources=("<a href='javascript:alert(1)'>Evil</a>",)), {}, None)
    fig = exports.title(go.Figure(), items)
    assert "<a href" not in fig.layout.title.subtitle.text and "&lt;a href" in fig.layout.title.subtitle.text


@pytest.mark.parametrize("page", PAGES)
def test_every_csv_on_every_page_carries_its_header(monkeypatch, generated_db, downloads, page):
    at = open_page(make_app(monkeypatch, generated_db, {"country": "JPN", "lang": "en"}), page)
    csvs = [(name, data) for name, data in downloads if name.endswith(".csv")]
    assert len(csvs) >= len(at.dataframe) > 0 or page == "changes"
    for name, data in csvs:
        first = data.decode("utf-8-sig").split("\r\n", 1)[0]
        assert first.startswith('"# Middle Powers Monitor · '), (name, first)
        for words in (
            "filters: ",
            "Language: English",
            "dates: ",
            "unit: articles",
            "tagger: bench",
            "sample data: no",
            "exported: ",
        ):
            assert words in first, (name, words, first)
        pd.read_csv(io.BytesIO(data), skiprows=1, encoding="utf-8-sig")  # the table reads below it


def test_articles_search_shows_the_snippet_column(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db, {"q": '"trade talks" -china'}), "articles")
    table = at.dataframe[0].value
    assert list(table.columns[:3]) == ["published_at", "title", "match"]
    assert table["match"].str.contains(r"\*\*trade talks\*\*", case=False).all()  # the phrase, marked
    assert not table["title"].str.contains("China").any()
    assert any(t.value.startswith('Searching for all of: "trade talks" · none of: china') for t in at.text)
