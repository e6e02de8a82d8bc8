"""Store writes beyond a plain run: saved folders with an OPML beside them, samples, retagging, stories."""

from __future__ import annotations

import shutil
from pathlib import Path

import store
from analysis import tagger
from ingest.opml import Source, save_opml
from ingest.pipeline import recluster, retag_all
from ingest.runner import ingest_dir
from store import open_store

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _folder(tmp_path) -> Path:
    folder = tmp_path / "saved"
    (folder / "fr").mkdir(parents=True)
    shutil.copy(FIXTURES / "cbc_world.xml", folder / "cbc.xml")
    shutil.copy(FIXTURES / "radio_canada_latin1.xml", folder / "fr" / "rc.xml")
    save_opml(
        folder / "list.opml",
        [
            Source("CBC News: World", "CBC News", "cbc.xml", "https://www.cbc.ca/news/world", "en", "outlet"),
            Source("Radio-Canada: International", "Radio-Canada", "fr/rc.xml", "", "fr", "outlet"),
        ],
    )
    return folder


def test_an_opml_beside_saved_files_names_them(fresh_db, tmp_path):
    summary = ingest_dir(fresh_db, _folder(tmp_path))
    assert summary.ok == 2 and summary.failed == 0
    conn = open_store(fresh_db)
    assert sorted(conn.execute("SELECT name, outlet, lang, kind FROM feeds")) == [
        ("CBC News: World", "CBC News", "en", "file"),
        ("Radio-Canada: International", "Radio-Canada", "fr", "file"),
    ]
    assert {r[0] for r in conn.execute("SELECT DISTINCT source FROM articles")} == {"CBC News", "Radio-Canada"}


def test_sample_kind_and_flag(fresh_db, tmp_path):
    ingest_dir(fresh_db, _folder(tmp_path), kind="sample", is_sample=True)
    conn = open_store(fresh_db)
    assert {r[0] for r in conn.execute("SELECT url FROM feeds")} == {"sample:cbc.xml", "sample:fr/rc.xml"}
    assert conn.execute("SELECT MIN(is_sample), COUNT(*) FROM articles").fetchone() == (1, 4)


def test_a_changed_file_is_read_again(fresh_db, tmp_path):
    folder = _folder(tmp_path)
    ingest_dir(fresh_db, folder)
    text = (
        (folder / "cbc.xml")
        .read_text()
        .replace(
            "</channel>",
            "<item><title>Canada and Mexico on trade</title>"
            "<link>https://www.cbc.ca/news/new-1</link></item></channel>",
        )
    )
    (folder / "cbc.xml").write_text(text)
    summary = ingest_dir(fresh_db, folder)
    assert (summary.ok, summary.not_modified, summary.new_articles) == (1, 1, 1)


def test_retag_all_rewrites_every_tag_row(fresh_db, tmp_path):
    ingest_dir(fresh_db, _folder(tmp_path))
    conn = open_store(fresh_db)
    expected = {}
    for article_id, title, summary, published, lang in conn.execute(
        "SELECT id, title, summary, published_at, lang FROM articles"
    ):
        expected[article_id] = tagger.tag(title, summary, published, lang)
    # Simulate tags written by an older tagger: stale rows, an old version, no stories.
    conn.execute("DELETE FROM article_topics")
    conn.execute("INSERT INTO article_countries SELECT id, 'ZZZ' FROM articles")
    conn.execute("UPDATE articles SET tagger_version = 'old', story_id = NULL")
    progress = []
    assert retag_all(conn, batch=2, on_progress=lambda done, total: progress.append((done, total))) == 4
    assert progress[-1] == (4, 4) and len(progress) == 2
    tag_tables = {
        "countries": ("article_countries", "country"),
        "topics": ("article_topics", "topic"),
        "organizations": ("article_organizations", "organization"),
        "pairs": ("article_pairs", "pair"),
    }
    for article_id, tags in expected.items():
        for field, (table, column) in tag_tables.items():
            got = tuple(
                r[0]
                for r in conn.execute(
                    f"SELECT {column} FROM {table} WHERE article_id = ? ORDER BY {column}", (article_id,)
                )
            )
            assert got == getattr(tags, field), (article_id, field)
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM articles WHERE tagger_version = ? AND story_id IS NOT NULL", (tagger.TAGGER_VERSION,)
        ).fetchone()[0]
        == 4
    )
    assert store.get_meta(conn, "tagger_version") == tagger.TAGGER_VERSION


def test_recluster_groups_copies_of_one_story(fresh_db):
    conn = open_store(fresh_db)
    rows = [
        (
            "https://a.example.org/1",
            "Carney and Takaichi sign Canada-Japan security pact in Tokyo",
            "Outlet A",
            "2026-03-06T14:00:00Z",
        ),
        (
            "https://b.example.org/1",
            "Carney, Takaichi sign Canada-Japan security pact in Tokyo",
            "Outlet B",
            "2026-03-06T16:00:00Z",
        ),
        (
            "https://c.example.org/1",
            "Wildfire season starts early in British Columbia",
            "Outlet C",
            "2026-03-06T15:00:00Z",
        ),
    ]
    ids = [
        conn.execute(
            "INSERT INTO articles(url, title, source, published_at, fetched_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (u, t, s, p, p),
        ).fetchone()[0]
        for u, t, s, p in rows
    ]
    assert recluster(conn, ids) == 3
    stories = dict(conn.execute("SELECT id, story_id FROM articles"))
    assert stories[ids[0]] == stories[ids[1]] == ids[0] and stories[ids[2]] == ids[2]
    assert recluster(conn, ids) == 0  # nothing changes the second time
