"""Every page through streamlit's AppTest, against generated and hand-built stores in tmp_path."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from counts import queries
from counts.queries import Filters

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["overview", "pairs", "compare", "changes", "topics", "middle_powers", "articles", "sources"]
CHARTS = {
    "overview": 3,
    "pairs": 2,
    "compare": 1,
    "changes": 2,
    "topics": 2,
    "middle_powers": 3,
    "articles": 0,
    "sources": 0,
}


def make_app(monkeypatch, db: str, params: dict | None = None, sample: bool = True) -> AppTest:
    monkeypatch.setenv("MPM_DB", db)
    monkeypatch.setenv("MPM_SAMPLE", "1" if sample else "0")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for key, value in (params or {}).items():
        at.query_params[key] = value
    return at


def open_page(at: AppTest, page: str) -> AppTest:
    at.run()
    if page != "overview":
        at.switch_page(f"dashboard/pages/{page}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def notice(at: AppTest) -> bool:
    return any("Illustrative sample data" in m.value for m in at.markdown)


def figures(at: AppTest) -> list[dict]:
    return [json.loads(c.proto.spec) for c in at.get("plotly_chart")]


def shown(at: AppTest) -> list:
    """What the page shows: figures' data, tables and metrics, comparable across runs."""
    return (
        [f["data"] for f in figures(at)]
        + [df.value.to_dict("list") for df in at.dataframe]
        + [(m.label, m.value) for m in at.metric]
    )


@pytest.mark.parametrize("page", PAGES)
def test_page_draws_and_a_filter_changes_it(monkeypatch, generated_db, page):
    at = open_page(make_app(monkeypatch, generated_db), page)
    assert len(at.get("plotly_chart")) == CHARTS[page]
    # Every table has its CSV download beside it.
    assert len(at.get("download_button")) >= len(at.dataframe) > 0 or page == "sources"
    before = shown(at)
    at.multiselect(key="f_topics").set_value(["trade"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.query_params.get("topic") == "trade"
    assert shown(at) != before
    assert len(at.get("plotly_chart")) == CHARTS[page]


def test_query_params_restore_the_view(monkeypatch, generated_db):
    params = {
        "country": "CAN",
        "partner": "JPN",
        "topic": ["trade", "defence"],
        "lang": "en",
        "unit": "stories",
        "from": "2025-06-01",
        "to": "2026-05-31",
    }
    at = open_page(make_app(monkeypatch, generated_db, params), "overview")
    ss = at.session_state
    assert (ss["f_country"], ss["f_partner"], ss["f_topics"], ss["f_langs"], ss["f_unit"]) == (
        "CAN",
        "JPN",
        ["trade", "defence"],
        ["en"],
        "stories",
    )
    assert ss["f_dates"] == (date(2025, 6, 1), date(2026, 5, 31))
    expected = queries.headline(
        generated_db,
        Filters(
            start=date(2025, 6, 1),
            end=date(2026, 5, 31),
            country="CAN",
            partner="JPN",
            topics=("trade", "defence"),
            langs=("en",),
            unit="stories",
        ),
    )
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Articles"] == f"{expected['articles']:,}" and metrics["Stories"] == f"{expected['stories']:,}"
    assert at.query_params["topic"] == ["trade", "defence"] and at.query_params["unit"] == "stories"


def test_bad_query_params_are_dropped(monkeypatch, generated_db):
    params = {
        "country": "'; DROP TABLE articles; --",
        "topic": ["trade", "nonsense"],
        "unit": "bogus",
        "from": "not-a-date",
        "pair_b": "<script>",
    }
    at = open_page(make_app(monkeypatch, generated_db, params), "pairs")
    ss = at.session_state
    assert ss["f_country"] is None and ss["f_topics"] == ["trade"] and ss["f_unit"] == "articles"
    assert ss["pair_b"] == "JPN"
    assert "country" not in at.query_params and at.query_params["topic"] == "trade"


def test_page_params_restore_and_write(monkeypatch, generated_db):
    at = open_page(
        make_app(monkeypatch, generated_db, {"pair_a": "CAN", "pair_b": "USA", "pair_freq": "week"}), "pairs"
    )
    assert at.selectbox(key="pair_b").value == "USA"
    assert "United States" in at.get("plotly_chart")[0].proto.spec or at.subheader[0].value.endswith("United States")
    at.selectbox(key="pair_b").set_value("*").run()  # one country and all its partners
    assert not at.exception
    assert at.query_params["pair_b"] == "*"
    assert len({t["name"] for t in figures(at)[0]["data"]}) > 1


def test_reset_returns_to_defaults(monkeypatch, generated_db):
    at = open_page(
        make_app(monkeypatch, generated_db, {"country": "JPN", "topic": "trade", "unit": "stories"}), "overview"
    )
    at.sidebar.button[0].click().run()
    ss = at.session_state
    assert (ss["f_country"], ss["f_topics"], ss["f_unit"]) == (None, [], "articles")
    assert not {"country", "topic", "unit"} & set(at.query_params)


def test_filter_matching_nothing_says_so(monkeypatch, tiny_db):
    at = open_page(make_app(monkeypatch, tiny_db, {"country": "KOR", "topic": "arctic"}), "topics")
    assert any("No articles match" in i.value for i in at.info)
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("page", PAGES)
def test_empty_store_without_sample(monkeypatch, tmp_path, page):
    at = open_page(make_app(monkeypatch, str(tmp_path / "empty.db"), sample=False), page)
    assert not at.get("plotly_chart")
    if page != "sources":
        assert any("no articles" in i.value for i in at.info)


def test_first_run_loads_the_sample_and_says_so(monkeypatch, tmp_path):
    db = tmp_path / "fresh" / "news.db"
    at = open_page(make_app(monkeypatch, str(db)), "overview")
    status = queries.store_status(str(db))
    assert status["articles"] > 0 and status["sample"] == status["articles"]
    assert notice(at)
    assert len(at.get("plotly_chart")) == 3
    # No live article yet: nothing to keep, so no removal button.
    assert not [b for b in at.button if b.key == "remove_sample"]
    for page in PAGES[1:]:
        at.switch_page(f"dashboard/pages/{page}.py").run()
        assert notice(at), page


def test_sample_can_be_removed_once_live_articles_exist(monkeypatch, tiny_db):
    at = open_page(make_app(monkeypatch, tiny_db), "articles")  # article 7 is a sample, the rest live
    assert notice(at)
    at.button(key="remove_sample").click().run()
    assert not at.exception
    assert queries.store_status(tiny_db)["sample"] == 0
    at.run()
    assert not notice(at)


def test_store_written_between_runs_is_seen(monkeypatch, tiny_db):
    at = open_page(make_app(monkeypatch, tiny_db), "overview")
    assert {m.label: m.value for m in at.metric}["Articles"] == "7"
    conn = sqlite3.connect(tiny_db)
    conn.execute(
        "INSERT INTO articles (url, title, published_at, source, fetched_at) "
        "VALUES ('https://example.com/new', 'New', '2026-03-04T00:00:00Z', 'CBC News', '2026-03-04T00:00:00Z')"
    )
    conn.commit()
    conn.close()
    at.run()
    assert {m.label: m.value for m in at.metric}["Articles"] == "8"


def test_articles_page_searches_and_pages(monkeypatch, generated_db):
    at = open_page(make_app(monkeypatch, generated_db), "articles")
    table = at.dataframe[0].value
    # The tags right after the title, visible without scrolling sideways (issue 10).
    assert len(table) == 50 and list(table.columns[:5]) == ["published_at", "title", "pairs", "topics", "countries"]
    at.number_input(key="page").set_value(2).run()
    assert at.query_params["page"] == "2"
    assert at.dataframe[0].value["url"].tolist() != table["url"].tolist()
    at.text_input(key="q").set_value("Japan").run()
    assert at.session_state["page"] == 1  # a new search starts at page 1
    titles = at.dataframe[0].value["title"]
    assert len(titles) and titles.str.contains("Japan").all()
    assert at.query_params["q"] == "Japan"


def test_articles_show_topic_and_organization_names_wrapped_not_cut(monkeypatch, generated_db):
    """Slugs such as humanitarian_aid are the store's wording, not the reader's; and rows are tall
    enough (over 4rem) that the grid wraps a headline and its tags instead of cutting them."""
    from counts import labels

    at = open_page(make_app(monkeypatch, generated_db), "articles")
    table = at.dataframe[0].value
    topics = {t for cell in table["topics"].dropna() if cell for t in cell.split(", ")}
    orgs = {o for cell in table["organizations"].dropna() if cell for o in cell.split(", ")}
    assert topics and topics <= set(labels.TOPICS.values())
    assert orgs and orgs <= set(labels.ORGANIZATIONS.values())
    assert at.dataframe[0].proto.row_height > 64


def test_pair_share_with_rolling_mean(monkeypatch, generated_db):
    params = {"pair_measure": "share", "pair_roll": "3", "pair_freq": "week"}
    at = open_page(make_app(monkeypatch, generated_db, params), "pairs")
    trend = figures(at)[0]
    assert trend["layout"]["yaxis"]["title"]["text"] == "Share of articles (%), 3-week mean"
    table = at.dataframe[0].value
    assert {"share", "rolling"} <= set(table.columns)
    assert (table["share"] <= 100).all() and table["rolling"].notna().all()


def test_pages_read_while_ingest_holds_a_write_transaction(monkeypatch, tiny_db):
    writer = sqlite3.connect(tiny_db, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    writer.execute(
        "INSERT INTO articles (url, title, published_at, source, fetched_at) VALUES "
        "('https://example.com/w', 'Pending', '2026-03-04T00:00:00Z', 'CBC News', '2026-03-04T00:00:00Z')"
    )
    try:
        at = open_page(make_app(monkeypatch, tiny_db), "overview")
        assert {m.label: m.value for m in at.metric}["Articles"] == "7"  # the open transaction is not seen
        for page in PAGES[1:]:
            at.switch_page(f"dashboard/pages/{page}.py").run()
            assert not at.exception, page
    finally:
        writer.execute("COMMIT")
        writer.close()
    at.switch_page("dashboard/pages/overview.py").run()
    assert {m.label: m.value for m in at.metric}["Articles"] == "8"


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Local Wire</title><link>https://example.com/</link>
<item><title>Canada and Japan hold defence talks in Ottawa</title><link>https://example.com/live/1</link>
<pubDate>Tue, 03 Mar 2026 15:00:00 GMT</pubDate><description>Ministers met.</description></item>
<item><title>Canada and India discuss trade</title><link>https://example.com/live/2</link>
<pubDate>Tue, 03 Mar 2026 16:00:00 GMT</pubDate><description>Talks went on.</description></item>
</channel></rss>"""


@pytest.fixture
def feed_server():
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            if self.path == "/feed.xml":
                body = RSS.encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


def test_fetch_latest_runs_ingest_and_offers_opml(monkeypatch, tiny_db, tmp_path, feed_server):
    opml = tmp_path / "sources.opml"
    opml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>t</title></head><body>'
        f'<outline type="rss" text="Local Wire: World" title="Local Wire: World" xmlUrl="{feed_server}" '
        'htmlUrl="https://example.com/" language="en" outlet="Local Wire" kind="outlet"/></body></opml>',
        encoding="utf-8",
    )
    monkeypatch.setenv("MPM_SOURCES", str(opml))
    at = open_page(make_app(monkeypatch, tiny_db), "sources")
    assert any(b.label == "Download the source list (OPML)" for b in at.get("download_button"))
    [fetch] = [b for b in at.button if b.label == "Fetch latest"]
    fetch.click().run()
    assert not at.exception, [e.value for e in at.exception]
    status = queries.store_status(tiny_db)
    assert status["live"] == 8 and "Local Wire" in status["sources"]
    [box] = at.status
    assert box.label.startswith("Fetched: 1 ok") and "2 new articles" in box.label, box.label
    assert box.state == "complete"
    feeds = at.dataframe[0].value
    assert feeds.loc[feeds["outlet"] == "Local Wire", "articles"].item() == 2
    # What a reader checks first comes first (it fits 1280 px), and times are times, not ISO strings.
    first = "name articles last_fetch_at last_status consecutive_failures last_error"
    assert list(feeds.columns[:6]) == first.split()
    assert str(feeds["last_fetch_at"].dtype).startswith("datetime64") and feeds["last_fetch_at"].notna().all()


def test_a_sample_that_adds_nothing_does_not_loop(monkeypatch, tmp_path):
    import ingest.sample

    empty = tmp_path / "no_sample"
    empty.mkdir()
    real = ingest.sample.load_sample
    monkeypatch.setattr(ingest.sample, "load_sample", lambda db, on_progress=None: real(db, on_progress, folder=empty))
    at = open_page(make_app(monkeypatch, str(tmp_path / "news.db")), "overview")
    assert at.status[0].state == "error"
    assert any("no articles" in i.value for i in at.info)


def test_articles_page_explains_the_tags(monkeypatch, tiny_db):
    """The article view says why: each candidate pair and topic with score, threshold and reasons."""
    at = open_page(make_app(monkeypatch, tiny_db), "articles")
    titles = at.dataframe[0].value["title"].tolist()
    box = at.selectbox(key="why_article")
    assert box.options and len(box.options) == len(titles)
    kept = 0
    for index in range(len(titles)):
        box.set_value(index).run()
        assert not at.exception, [e.value for e in at.exception]
        text = "\n".join(t.value for t in at.text)
        assert text.startswith("Pairs"), text
        if "kept " in text:
            kept += 1
            assert "threshold" in text and ":" in text.split("kept ", 1)[1]
    assert kept, "no article of the tiny store shows a kept pair or topic with its reasons"
