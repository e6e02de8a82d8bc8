"""The OPML source list: round trip, reader folders, merging, refusals."""

from __future__ import annotations

import pytest

from ingest.opml import (
    OPMLError,
    Source,
    add_source,
    check_source,
    clean_imported,
    merge_sources,
    read_opml,
    save_opml,
    write_opml,
)

SOURCES = [
    Source(
        "CBC News: World",
        "CBC News",
        "https://www.cbc.ca/webfeed/rss/rss-world",
        "https://www.cbc.ca/news/world",
        "en",
        "outlet",
        "confirmed on cbc.ca/rss",
    ),
    Source(
        "Radio-Canada: International",
        "Radio-Canada",
        "https://ici.radio-canada.ca/rss/96",
        "https://ici.radio-canada.ca/international",
        "fr",
        "outlet",
    ),
    Source(
        "Global Affairs Canada",
        "Government of Canada",
        "https://api.io.canada.ca/io-server/gc/news/en/v2?dept=x&format=atom&pick=50",
        "",
        "en",
        "official",
        'quotes " and <angle> & ampersands',
    ),
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


@pytest.mark.parametrize(
    "body, message",
    [
        (b"<html><body/></html>", "not <opml>"),
        (b"<opml version='2.0'><head/></opml>", "no <body>"),
        (b"<opml><body><outline", "not valid OPML"),
    ],
)
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
    incoming = [
        SOURCES[0],
        Source("Global Affairs Canada", "GAC", "https://example.org/other.atom", "", "en", "official"),
    ]
    merged, added = merge_sources(SOURCES, incoming)
    assert added == 1
    assert merged[-1].name == "Global Affairs Canada (2)" and merged[-1].url == "https://example.org/other.atom"


# ---------------------------------------------------------------- hostile names (issue 11, item 7)


def _exit_code(argv) -> int:
    from ingest.__main__ import main

    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--name", "bad\x01name", "U+0001"),
        ("--name", "tab\tname", "U+0009"),
        ("--name", "esc\x1b[31mred", "U+001B"),
        ("--name", "nul\x00", "U+0000"),
        ("--name", "   ", "name: empty"),
        ("--name", "x" * 201, "longer than 200"),
        ("--outlet", "CBC\x7f", "U+007F"),
        ("--note", "line\x0bbreak", "U+000B"),
        ("--lang", "en;DROP", "not a language code"),
        ("--site-url", "javascript:alert(1)", "only http and https"),
    ],
)
def test_sources_add_refuses_what_would_break_the_list(tmp_path, capsys, flag, value, message):
    from ingest.__main__ import main

    path = tmp_path / "list.opml"
    assert main(["--sources", str(path), "sources", "add", "https://a.example.org/rss", "--name", "A"]) == 0
    before = path.read_bytes()
    argv = ["--sources", str(path), "sources", "add", "https://b.example.org/rss"]
    argv += [flag, value] if flag == "--name" else ["--name", "B", flag, value]
    assert _exit_code(argv) == 2
    assert message in capsys.readouterr().err
    assert path.read_bytes() == before  # the list is untouched
    assert main(["--sources", str(path), "sources", "list"]) == 0  # and every later command still works


def test_a_control_character_in_a_name_no_longer_breaks_later_commands(tmp_path, capsys):
    """The reported sequence: add with --name $'bad\\x01name', then every later command exited 2."""
    from ingest.__main__ import main

    path = tmp_path / "list.opml"
    base = ["--sources", str(path), "sources"]
    assert main(base + ["add", "https://a.example.org/rss", "--name", "Good"]) == 0
    assert _exit_code(base + ["add", "https://b.example.org/rss", "--name", "bad\x01name"]) == 2
    for argv in (["list"], ["export"], ["add", "https://c.example.org/rss", "--name", "Next"], ["remove", "Next"]):
        assert main(base + argv) == 0, argv
    assert [s.name for s in read_opml(path)] == ["Good"]


def test_write_opml_refuses_characters_xml_cannot_carry():
    bad = Source("bad\x01name", "Outlet", "https://a.example.org/rss", "", "en", "outlet")
    with pytest.raises(OPMLError, match="U\\+0001"):
        write_opml([bad])
    with pytest.raises(OPMLError, match="note"):
        write_opml([Source("ok", "ok", "https://a.example.org/rss", "", "en", "outlet", "\ufffe")])


def test_save_keeps_the_old_list_when_the_new_one_would_not_read_back(tmp_path, monkeypatch):
    """Were a writer ever to produce bytes that do not parse (as ElementTree does with a raw \\x01), the
    read-back before os.replace keeps the old list in place and leaves no temporary file."""
    import xml.etree.ElementTree as ET

    import ingest.opml as opml

    path = tmp_path / "list.opml"
    save_opml(path, SOURCES)
    before = path.read_bytes()

    def unchecked(sources, title="x"):  # what write_opml did before it checked its values
        root = ET.Element("opml", version="2.0")
        body = ET.SubElement(root, "body")
        for s in sources:
            ET.SubElement(body, "outline", {"text": s.name, "xmlUrl": s.url})
        return ET.tostring(root, encoding="unicode")

    monkeypatch.setattr(opml, "write_opml", unchecked)
    with pytest.raises(OPMLError):
        save_opml(path, SOURCES + [Source("bad\x01name", "X", "https://x.example.org/", "", "en", "outlet")])
    assert path.read_bytes() == before and list(tmp_path.iterdir()) == [path]
    with pytest.raises(OPMLError, match="would not read back"):  # readable, but a source went missing
        monkeypatch.setattr(opml, "write_opml", lambda sources, title="x": unchecked(sources[:1]))
        save_opml(path, SOURCES)
    assert path.read_bytes() == before


def test_check_source_trims_and_lowercases():
    s = check_source(Source("  CBC  ", " CBC News ", " https://www.cbc.ca/rss ", "", "EN-ca", "outlet"))
    assert (s.name, s.outlet, s.url, s.lang) == ("CBC", "CBC News", "https://www.cbc.ca/rss", "en-ca")


def test_clean_imported_makes_text_storable():
    s = clean_imported(Source("a\nb\t c", "", "https://x.example.org/rss", "ftp://x", "fr", "weird", "n\x0b"))
    assert (s.name, s.outlet, s.site_url, s.kind, s.note) == ("a b c", "a b c", "", "outlet", "n")
    with pytest.raises(OPMLError, match="only http and https"):
        clean_imported(Source("x", "x", "file:///etc/passwd", "", "", "outlet"))
