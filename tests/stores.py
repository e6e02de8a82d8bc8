"""Stores for the counting and dashboard tests: a tiny hand-built one with known answers, and a
generated one of realistic shape (bench/generate_store.py). The fixtures are in tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

from store import open_store, set_meta

FEEDS = [
    (1, "CBC News: World", "CBC News", "https://example.com/cbc.xml", "en", "outlet", 1, None, 200, None, 0),
    (
        2,
        "Radio-Canada: International",
        "Radio-Canada",
        "https://example.com/rc.xml",
        "fr",
        "outlet",
        1,
        None,
        404,
        "HTTP 404 Not Found",
        2,
    ),
    (
        3,
        "The Globe and Mail: World",
        "The Globe and Mail",
        "https://example.com/globe.xml",
        "en",
        "outlet",
        1,
        None,
        304,
        None,
        0,
    ),
]
# id, title, summary, published_at, source, feed_id, lang, is_sample, story_id,
# countries, pairs, topics, organizations
ARTICLES = [
    (
        1,
        "Canada and Japan sign defence pact",
        "Tokyo meeting",
        "2026-01-05T10:00:00Z",
        "CBC News",
        1,
        "en",
        0,
        1,
        ["CAN", "JPN"],
        ["CAN-JPN"],
        ["defence", "trade"],
        ["g7"],
    ),
    (
        2,
        "Le Canada et le Japon signent un pacte",
        "",
        "2026-01-05T12:00:00Z",
        "Radio-Canada",
        2,
        "fr",
        0,
        1,
        ["CAN", "JPN"],
        ["CAN-JPN"],
        ["defence"],
        [],
    ),
    (
        3,
        "Ottawa, Washington trade talks",
        "Talks in Québec",
        "2026-01-20T09:00:00Z",
        "CBC News",
        1,
        "en",
        0,
        3,
        ["CAN", "USA"],
        ["CAN-USA"],
        ["trade"],
        [],
    ),
    (
        4,
        "China sanctions U.S. firms; Canada reacts",
        "",
        "2026-02-03T15:00:00Z",
        "The Globe and Mail",
        3,
        "en",
        0,
        4,
        ["CAN", "CHN", "USA"],
        ["CAN-CHN", "CHN-USA"],
        ["conflict"],
        [],
    ),
    (
        5,
        "Japan, South Korea tech deal",
        "",
        "2026-02-10T08:00:00Z",
        "The Globe and Mail",
        3,
        "en",
        0,
        5,
        ["JPN", "KOR"],
        ["JPN-KOR"],
        ["technology"],
        [],
    ),
    (
        6,
        '=HYPERLINK("http://evil.example")',
        "Snowstorm",
        "2026-03-02T07:00:00Z",
        "CBC News",
        1,
        "en",
        0,
        6,
        [],
        [],
        [],
        [],
    ),
    (
        7,
        "L'Inde et le Canada : visas",
        "",
        "2026-03-03T11:00:00Z",
        "Radio-Canada",
        2,
        "fr",
        1,
        7,
        ["CAN", "IND"],
        ["CAN-IND"],
        ["migration"],
        ["un"],
    ),
]


def build_tiny(path: Path) -> Path:
    conn = open_store(path)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO feeds (id, name, outlet, url, lang, kind, enabled, disabled_reason, last_status, "
        "last_error, consecutive_failures, last_fetch_at) VALUES (?,?,?,?,?,?,?,?,?,?,?, "
        "'2026-03-03T12:00:00Z')",
        FEEDS,
    )
    for aid, title, summary, published, source, feed, lang, sample, story, countries, pairs, topics, orgs in ARTICLES:
        conn.execute(
            "INSERT INTO articles (id, url, title, summary, published_at, source, feed_id, lang, "
            "fetched_at, is_sample, story_id) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (
                aid,
                f"https://example.com/a/{aid}",
                title,
                summary,
                published,
                source,
                feed,
                lang,
                published,
                sample,
                story,
            ),
        )
        conn.executemany("INSERT INTO article_countries VALUES (?, ?)", [(aid, c) for c in countries])
        conn.executemany("INSERT INTO article_pairs VALUES (?, ?, ?, ?)", [(aid, p, p[:3], p[4:]) for p in pairs])
        conn.executemany("INSERT INTO article_topics VALUES (?, ?)", [(aid, t) for t in topics])
        conn.executemany("INSERT INTO article_organizations VALUES (?, ?)", [(aid, o) for o in orgs])
    set_meta(conn, "last_ingest_at", "2026-03-03T12:00:00Z")
    conn.execute("COMMIT")
    conn.close()
    return path
