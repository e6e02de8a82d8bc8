"""Feed bytes -> Entry: canonical URLs, plain text, dates, languages and the refusals."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ingest.normalize import FeedError, canonical_url, cap, language, parse_feed, plain_text

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTPS://WWW.CBC.CA/news/world/x-1.7?cmp=rss", "https://www.cbc.ca/news/world/x-1.7"),
        (
            "https://globalnews.ca/news/1/?utm_source=rss&utm_medium=feed&id=5#comments",
            "https://globalnews.ca/news/1/?id=5",
        ),
        (
            "https://nationalpost.com/news/a?ocid=x&taid=y&page=2&fbclid=z&gclid=q",
            "https://nationalpost.com/news/a?page=2",
        ),
        ("https://ici.radio-canada.ca/nouvelle/1?xtor=RSS-1&b=2&a=1", "https://ici.radio-canada.ca/nouvelle/1?b=2&a=1"),
        ("http://example.org:80/a?mc_cid=1&mc_eid=2", "http://example.org/a"),
        ("https://example.org:8443/a", "https://example.org:8443/a"),
        ("https://user:pw@example.org/a", "https://example.org/a"),
        ("https://example.org", "https://example.org/"),
        ("https://example.org/Path/Case?Q=Keep", "https://example.org/Path/Case?Q=Keep"),
    ],
)
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


@pytest.mark.parametrize(
    "raw, is_html, expected",
    [
        ("<p>Carney &amp; Takaichi</p><p>in Tokyo</p>", True, "Carney & Takaichi in Tokyo"),
        ("<img src=x alt=y><script>alert(1)</script>Text", True, "Text"),
        ("  many\n\n  spaces\t here ", True, "many spaces here"),
        ("AT&T <rocks>", False, "AT&T <rocks>"),
        ("caf&eacute; &#8211; d&#233;fense", True, "café – défense"),
        ("nul\x00 and bell\x07 gone", True, "nul and bell gone"),
        ("", True, ""),
        (None, True, ""),
    ],
)
def test_plain_text(raw, is_html, expected):
    assert plain_text(raw, is_html) == expected


def test_cap_cuts_at_a_word_and_marks_it():
    text = "word " * 50
    capped = cap(text.strip(), 40)
    assert len(capped) <= 40 and capped.endswith("…") and "wor…" not in capped


@pytest.mark.parametrize(
    "raw, expected",
    [("en-US", "en"), ("fr_CA", "fr"), ("FR", "fr"), ("", None), (None, None), ("english", None), ("x1", None)],
)
def test_language(raw, expected):
    assert language(raw) == expected


def test_cbc_shaped_rss(fixture_bytes):
    feed = parse_feed(fixture_bytes("cbc_world.xml"), "https://www.cbc.ca/webfeed/rss/rss-world", NOW)
    assert feed.title == "CBC | World News" and feed.lang == "en" and feed.warning is None
    first, second, third = feed.entries
    assert first.url == "https://www.cbc.ca/news/politics/carney-takaichi-tokyo-1.7000001"
    assert first.guid == "1.7000001"
    assert first.summary == "Prime Minister Mark Carney and Sanae Takaichi agreed on defence, LNG & critical minerals."
    assert first.published == datetime(2026, 3, 6, 14, 18, tzinfo=UTC)  # EST is UTC-5
    assert first.date_flag is None
    assert second.url == "https://www.cbc.ca/news/canada/calgary/g7-kananaskis-1.7000002"
    assert third.date_flag == "missing" and third.published == NOW


def test_atom_with_html_title_and_per_entry_language(fixture_bytes):
    feed = parse_feed(fixture_bytes("gac_news.atom"), "https://api.io.canada.ca/gac.atom", NOW)
    en, fr = feed.entries
    assert en.title == "Minister Anand welcomes Canada–EU security partnership"
    assert en.lang == "en" and fr.lang == "fr"
    assert fr.published == datetime(2025, 6, 23, 14, 5, tzinfo=UTC)


def test_entries_without_date_link_title_duplicates_and_future(fixture_bytes):
    feed = parse_feed(fixture_bytes("edge_entries.xml"), "https://edge.example.org/rss", NOW)
    by_title = {e.title: e for e in feed.entries}
    assert by_title["No date here"].date_flag == "missing"
    no_link = by_title["No link here"]
    assert no_link.url.startswith("urn:mpm:") and len(no_link.url) == len("urn:mpm:") + 40
    untitled = [e for e in feed.entries if e.url == "https://edge.example.org/no-title"][0]
    assert untitled.title.startswith("Canada and Australia sign an agreement") and untitled.title.endswith("…")
    assert len(untitled.title) <= 160
    assert [e.title for e in feed.entries].count("Duplicate guid, first copy") == 1
    assert "Duplicate guid, second copy" not in by_title  # same canonical URL: one story
    future = by_title["From the future"]
    assert future.date_flag == "future" and future.published == NOW
    assert feed.skipped == 1  # the empty item


def test_missing_link_key_is_stable(fixture_bytes):
    body = fixture_bytes("edge_entries.xml")
    a = parse_feed(body, "https://edge.example.org/rss", NOW)
    b = parse_feed(body, "https://edge.example.org/rss", datetime(2026, 4, 1, tzinfo=UTC))
    assert {e.url for e in a.entries if e.url.startswith("urn:")} == {
        e.url for e in b.entries if e.url.startswith("urn:")
    }


def test_declared_latin1(fixture_bytes):
    feed = parse_feed(fixture_bytes("radio_canada_latin1.xml"), "https://ici.radio-canada.ca/rss", NOW)
    (entry,) = feed.entries
    assert entry.title == "Le Canada et le Japon signent un partenariat à Tokyo"
    assert entry.summary == "Énergie, défense et minéraux critiques au menu."
    assert entry.lang == "fr"
    assert entry.url == "https://ici.radio-canada.ca/nouvelle/2100001/canada-japon"


def test_undeclared_encoding_and_invalid_bytes_still_give_text(fixture_bytes):
    feed = parse_feed(fixture_bytes("undeclared_cp1252.xml"), "https://example.org/rss", NOW)
    assert feed.entries[0].title == "Minister says “trade first” – café talks"
    feed = parse_feed(fixture_bytes("invalid_bytes.xml"), "https://example.org/rss", NOW)
    assert feed.entries[0].title.startswith("Bad ") and feed.entries[0].title.endswith("bytes in Ottawa")


def test_source_language_is_the_fallback(fixture_bytes):
    feed = parse_feed(fixture_bytes("edge_entries.xml"), "https://edge.example.org/rss", NOW, source_lang="fr")
    assert {e.lang for e in feed.entries} == {"fr"}


@pytest.mark.parametrize(
    "body, message",
    [
        (b"", "empty body"),
        (b"   \n\t ", "empty body"),
        (b'{"items": []}', "not a feed (JSON"),
        (b"just some words", "invalid XML"),
    ],
)
def test_refusals(body, message):
    with pytest.raises(FeedError, match=message.replace("(", r"\(")):
        parse_feed(body, "https://example.org/rss", NOW)


@pytest.mark.parametrize(
    "name, message",
    [
        ("html_page.html", r"not a feed \(HTML page\)"),
        ("invalid.xml", r"invalid XML: not well-formed .*line 2"),
        ("entity_bomb.xml", "entity-expansion bomb"),
    ],
)
def test_refused_fixtures(fixture_bytes, name, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(fixture_bytes(name), "https://example.org/rss", NOW)


def test_external_entity_is_refused():
    body = (
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<rss version="2.0"><channel><title>&x;</title></channel></rss>'
    )
    with pytest.raises(FeedError, match="entity"):
        parse_feed(body, "https://example.org/rss", NOW)


def test_broken_but_recoverable_xml_keeps_entries_with_a_warning():
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>Ottawa &nbsp; responds</title><link>https://example.org/1</link></item>"
        b"<item><title>Second</title><link>https://example.org/2</link></item></channel></rss>"
    )
    feed = parse_feed(body, "https://example.org/rss", NOW)
    assert [e.url for e in feed.entries] == ["https://example.org/1", "https://example.org/2"]
    assert feed.warning and feed.warning.startswith("recovered from invalid XML")


def test_long_text_is_capped():
    long_title = "Canada " * 200
    body = (
        f'<rss version="2.0"><channel><title>T</title><item><title>{long_title}</title>'
        f"<link>https://example.org/1</link><description>{'word ' * 3000}</description></item>"
        "</channel></rss>"
    ).encode()
    (entry,) = parse_feed(body, "https://example.org/rss", NOW).entries
    assert len(entry.title) <= 500 and len(entry.summary) <= 5000


def test_entity_bomb_behind_a_long_prolog_is_still_refused(fixture_bytes):
    bomb = fixture_bytes("entity_bomb.xml").replace(
        b'<?xml version="1.0"?>\n', b'<?xml version="1.0"?>\n<!--' + b"x" * 200_000 + b"-->\n"
    )
    with pytest.raises(FeedError, match="entity-expansion bomb"):
        parse_feed(bomb, "https://example.org/rss", NOW)


def test_an_article_about_xml_entities_is_not_a_bomb():
    body = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Security news</title><item>'
        b"<title>How XXE attacks work</title><link>https://example.org/xxe</link>"
        b'<description><![CDATA[Attackers declare <!ENTITY x SYSTEM "file:///etc/passwd"> in a DTD.]]>'
        b"</description></item></channel></rss>"
    )
    (entry,) = parse_feed(body, "https://example.org/rss", NOW).entries
    assert entry.title == "How XXE attacks work"


def test_feedparser_itself_never_expands_the_bomb(fixture_bytes):
    """Second line of defence: were the DTD check bypassed, feedparser strips the DTD before expat runs."""
    import feedparser

    parsed = feedparser.parse(fixture_bytes("entity_bomb.xml"))
    assert len(parsed.feed.get("title", "")) < 100 and all(len(e.get("title", "")) < 100 for e in parsed.entries)
