"""ingest/pipeline.py, the one join of the rooms: entries are tagged by analysis, then saved by store
(real SQLite files in tmp_path, the real tagger)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analysis import tagger
from ingest import pipeline
from ingest.normalize import Entry
from store import get_meta, open_store
from store.writes import FetchRecord

WHEN = datetime(2026, 3, 6, 15, 0, tzinfo=UTC)


def _entry(n: int, title: str, hours: int = 1) -> Entry:
    return Entry(f"https://news.example/{n}", None, title, "", WHEN - timedelta(hours=hours), None, "en")


def _record() -> FetchRecord:
    return FetchRecord(url="https://news.example/feed.xml", started_at=WHEN, outcome="ok", status=200)


def _stored_tags(conn, article_id: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    countries = tuple(
        r[0]
        for r in conn.execute("SELECT country FROM article_countries WHERE article_id = ? ORDER BY 1", (article_id,))
    )
    pairs = tuple(
        r[0] for r in conn.execute("SELECT pair FROM article_pairs WHERE article_id = ? ORDER BY 1", (article_id,))
    )
    return countries, pairs


def test_saved_entries_carry_the_current_taggers_tags_and_version(tmp_path, record_tagging):
    conn = open_store(tmp_path / "news.db")
    entries = [
        _entry(1, "Carney and Takaichi sign Canada-Japan security pact in Tokyo"),
        _entry(2, "Canada and Mexico agree on steel tariffs"),
        _entry(1, "Carney and Takaichi sign Canada-Japan security pact in Tokyo"),  # the feed repeats itself
    ]
    saved = pipeline.save_entries(conn, None, _record(), entries, source="News")
    assert (len(saved.new_ids), saved.duplicates, saved.untagged) == (2, 1, 0)
    for article_id, entry in zip(saved.new_ids, entries):
        expected = tagger.tag(entry.title, entry.summary, entry.published, entry.lang)
        assert _stored_tags(conn, article_id) == (expected.countries, expected.pairs)
        assert expected.pairs  # the check above compares something
    versions = {r[0] for r in conn.execute("SELECT tagger_version FROM articles")}
    assert versions == {tagger.TAGGER_VERSION}

    # The same entries again: nothing is tagged, nothing is new.
    calls = record_tagging()
    again = pipeline.save_entries(conn, None, _record(), entries + [_entry(3, "Canada and Norway talk Arctic")])
    assert (len(again.new_ids), again.duplicates, calls) == (1, 3, ["Canada and Norway talk Arctic"])


def test_an_entry_the_tagger_fails_on_is_stored_untagged_and_retag_tags_it(tmp_path, monkeypatch):
    conn = open_store(tmp_path / "news.db")

    class Failing:
        TAGGER_VERSION = tagger.TAGGER_VERSION

        @staticmethod
        def tag(title, *args):
            if "Norway" in title:
                raise RuntimeError("odd entry")
            return tagger.tag(title, *args)

    monkeypatch.setattr(pipeline, "_tagger", lambda: Failing)
    entries = [_entry(1, "Canada and Norway talk Arctic sovereignty"), _entry(2, "Canada and Japan sign LNG deal")]
    saved = pipeline.save_entries(conn, None, _record(), entries)
    assert (len(saved.new_ids), saved.untagged) == (2, 1)
    norway, japan = saved.new_ids
    assert conn.execute("SELECT tagger_version FROM articles WHERE id = ?", (norway,)).fetchone()[0] is None
    assert _stored_tags(conn, norway) == ((), ())

    monkeypatch.undo()  # the real tagger again
    assert pipeline.retag_all(conn) == 2
    assert _stored_tags(conn, norway) == (("CAN", "NOR"), ("CAN-NOR",))
    assert _stored_tags(conn, japan) == (("CAN", "JPN"), ("CAN-JPN",))
    assert {r[0] for r in conn.execute("SELECT tagger_version FROM articles")} == {tagger.TAGGER_VERSION}
    assert get_meta(conn, "tagger_version") == tagger.TAGGER_VERSION
    assert conn.execute("SELECT COUNT(*) FROM articles WHERE story_id IS NULL").fetchone()[0] == 0  # reclustered


def test_recluster_joins_a_new_copy_to_its_stored_story_and_leaves_a_later_one_apart(tmp_path):
    conn = open_store(tmp_path / "news.db")
    title = "Carney and Takaichi sign Canada-Japan security pact in Tokyo"
    first = pipeline.save_entries(conn, None, _record(), [_entry(1, title, hours=6)], source="Outlet A").new_ids
    assert pipeline.recluster(conn, first) == 1  # a story of its own
    # Another outlet's copy four hours later joins it; the same words a week later are another story.
    copy = pipeline.save_entries(
        conn, None, _record(), [_entry(2, title.replace(" and ", ", "), hours=2)], source="Outlet B"
    ).new_ids
    week_later = Entry("https://news.example/3", None, title, "", WHEN + timedelta(days=7), None, "en")
    later = pipeline.save_entries(conn, None, _record(), [week_later], source="Outlet C").new_ids
    assert pipeline.recluster(conn, copy + later) == 2
    stories = dict(conn.execute("SELECT id, story_id FROM articles"))
    assert stories[copy[0]] == stories[first[0]] == first[0]
    assert stories[later[0]] == later[0]
    assert pipeline.recluster(conn, copy + later) == 0  # nothing changes the second time
