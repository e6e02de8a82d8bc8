"""The OPML source list: round trip, reader folders, merging, refusals."""
from __future__ import annotations

import pytest

from ingest.opml import OPMLError, Source, add_source, merge_sources, read_opml, save_opml, write_opml

SOURCES = [
    Source("CBC News: World", "CBC News", "https://www.cbc.ca/webfeed/rss/rss-world",
           "https://www.cbc.ca/news/world", "en", "outlet", "confirmed on cbc.ca/rss"),
    Source("Radio-Canada: International", "Radio-Canada", "https://ici.radio-canada.ca/rss/96",
           "https://ici.radio-canada.ca/international", "fr", "outlet"),
    Source("Global Affairs Canada", "Government of Canada",
           "https://api.io.canada.ca/io-server/gc/news/en/v2?dept=x&format=atom&pick=50", "", "en", "official",
           'quotes " and <angle> & ampersands'),
]


def test_round_trip_keeps_every_field(tmp_path):
    text = write_opml(SOURCES)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>') and '<opml version="2.0">' in text
    assert read_opml(text.encode("utf-8")) == SOURCES
    path = tmp_path / "list.opml"
    save_opml(path, SOURCES)
    assert read_opml(path) == SOURCES
    assert list(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_feed_reader_export_with_folders():
    body = b"""<?xml version="1.0"?>
    <opml version="1.0"><head><title>My reader</title></head><body>
      <outline text="CBC News">
        <outline text="World" type="rss" xmlUrl="https://www.cbc.ca/webfeed/rss/rss-world" htmlUrl="https://www.cbc.ca/news/world"/>
        <outline title="Politics" text="ignored" type="rss" xmlUrl="https://www.cbc.ca/webfeed/rss/rss-politics" language="en-CA"/>
      </outline>
      <outline text="Le Devoir" type="rss" xmlUrl="https://www.ledevoir.com/rss/section/international.xml" kind="weird"/>
      <outline text="Duplicate" type="rss" xmlUrl="https://www.cbc.ca/webfeed/rss/rss-world"/>
      <outline text="A folder without feeds"/>
    </body></opml>"""
    world, politics, devoir = read_opml(body)
    assert (world.name, world.outlet, world.site_url) == ("World", "CBC News", "https://www.cbc.ca/news/world")
    assert (politics.name, politics.outlet, politics.lang) == ("Politics", "CBC News", "en-ca")
    assert (devoir.outlet, devoir.kind) == ("Le Devoir", "outlet")


@pytest.mark.parametrize("body, message", [
    (b"<html><body/></html>", "not <opml>"),
    (b"<opml version='2.0'><head/></opml>", "no <body>"),
    (b"<opml><body><outline", "not valid OPML"),
])
def test_bad_opml(body, message):
    with pytest.raises(OPMLError, match=message):
        read_opml(body)


def test_add_replaces_same_url_or_name():
    new = Source("CBC News: World", "CBC", "https://www.cbc.ca/webfeed/rss/rss-world-v2", "", "en", "outlet")
    result = add_source(SOURCES, new)
    assert len(result) == 3 and result[0] == new
    extra = Source("iPolitics", "iPolitics", "https://ipolitics.ca/feed/", "", "en", "outlet")
    assert add_source(SOURCES, extra)[-1] == extra


def test_merge_adds_only_new_urls_and_keeps_names_unique():
    incoming = [SOURCES[0], Source("Global Affairs Canada", "GAC", "https://example.org/other.atom", "", "en",
                                   "official")]
    merged, added = merge_sources(SOURCES, incoming)
    assert added == 1
    assert merged[-1].name == "Global Affairs Canada (2)" and merged[-1].url == "https://example.org/other.atom"
