"""Search operators (counts/search.py) and their FTS5 translation, on the parser and on a real store."""

from __future__ import annotations

import sqlite3

import pytest

from counts import queries as q
from counts import search
from counts.queries import Filters


@pytest.mark.parametrize(
    "text, include, exclude",
    [
        ("japan", '"japan"', None),
        ("canada japan", '"canada" AND "japan"', None),
        ('"prime minister" visit', '"prime minister" AND "visit"', None),
        ("japan OR korea defence", '("japan" OR "korea") AND "defence"', None),
        ("a OR b OR c", '("a" OR "b" OR "c")', None),
        ("trade -china", '"trade"', '"china"'),
        ('-"united states" -china', None, '"united states" OR "china"'),
        ("defen*", '"defen"*', None),
        ('"critical mineral"*', '"critical mineral"*', None),
        ("a* x", '"a" AND "x"', None),  # a one-letter stem is not a prefix
        ("OR japan OR", '"japan"', None),  # an OR with nothing on one side is dropped
        ("or japan", '"or" AND "japan"', None),  # lower case: a word
        ("japan AND NOT korea NEAR", '"japan" AND "AND" AND "NOT" AND "korea" AND "NEAR"', None),
        ('title:japan ^x "a""b"', '"title:japan" AND "^x" AND "a"', None),
        ('say "hi', '"say" AND "hi"', None),  # an unpaired quote is a stray character
        ('-"china', None, '"china"'),  # ... and keeps its minus
        ("- * ( ) -", None, None),
        ("", None, None),
        ('ja"pan', '"ja" AND "pan"', None),
    ],
)
def test_translation(text, include, exclude):
    assert search.to_fts5(search.parse(text)) == (include, exclude)


def test_quotes_in_a_term_cannot_end_the_string():
    term = search.Term('x" OR "y')
    assert term.fts() == '"x"" OR ""y"'


def test_terms_are_capped():
    parsed = search.parse(" ".join(f"w{i}" for i in range(100)))
    assert len(parsed.groups) == search.MAX_TERMS


def test_describe():
    assert search.describe(search.parse('"prime minister" japan OR korea -china defen*')) == (
        'all of: "prime minister"; japan or korea; defen* · none of: china'
    )


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "(",
        ")",
        "*",
        "^",
        ":",
        "NEAR(a b)",
        'a OR "',
        "-",
        "--x",
        "OR",
        'x"y"z',
        "\u00a0",
        "a\u0000b",
        "🇨🇦 Canada",
        "'; DROP TABLE articles; --",
        "col:x",
        "{title}: japan",
        "a" * 300,
    ],
)
def test_hostile_text_never_reaches_fts5_as_syntax(tiny_db, text):
    """Every query built from any text parses in FTS5 (a syntax error would be an exception)."""
    include, exclude = search.to_fts5(search.parse(text))
    conn = sqlite3.connect(tiny_db)
    for query in (include, exclude):
        if query:
            conn.execute("SELECT COUNT(*) FROM articles_fts WHERE articles_fts MATCH ?", (query,)).fetchone()
    conn.close()
    q.articles(tiny_db, Filters(), text)


def ids(db, text):
    rows, total = q.articles(db, Filters(), text, 100, 0)
    assert total == len(rows)
    return sorted(rows["id"].tolist())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("japan OR korea", [1, 5]),
        ("japan -korea", [1]),
        ("-japan -canada", [3, 6]),  # exclusions only
        ('"sign defence"', [1]),
        ('"defence sign"', []),  # a phrase keeps its order
        ("sanc*", [4]),
        ("japon OR inde", [2, 7]),
        ('"south korea" OR quebec', [3, 5]),
        ("canad* -japan -japon", [4, 7]),
    ],
)
def test_operators_on_the_tiny_store(tiny_db, text, expected):
    assert ids(tiny_db, text) == expected


def test_snippet_marks_the_match_as_plain_text(tiny_db):
    rows, _ = q.articles(tiny_db, Filters(), "pact", 10, 0)
    assert list(rows.columns[:3]) == ["published_at", "title", "match"]
    snippets = dict(zip(rows["id"], rows["match"]))
    assert snippets[1] == "Canada and Japan sign defence **pact**"
    rows, _ = q.articles(tiny_db, Filters(), "", 10, 0)
    assert "match" not in rows.columns  # no search, no snippet column


def test_snippet_text_is_cleaned(tiny_db):
    conn = sqlite3.connect(tiny_db)
    conn.execute(
        "INSERT INTO articles (id, url, title, summary, published_at, source, fetched_at) VALUES "
        "(50, 'https://example.com/50', 'Odd **bold** \ue000x\ue001 <b>tag</b> zebra', '', "
        "'2026-03-04T00:00:00Z', 'CBC News', '2026-03-04T00:00:00Z')"
    )
    conn.commit()
    conn.close()
    rows, _ = q.articles(tiny_db, Filters(), "zebra", 10, 0)
    [snippet] = rows["match"].tolist()
    assert snippet.endswith("**zebra**") and "<b>tag</b>" in snippet  # markup stays text
    assert "\ue000" not in snippet and "**bold**" not in snippet  # a literal ** in the feed is not a mark
