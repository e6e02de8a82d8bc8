"""Fixtures for the ingest tests: a fresh store file, a live feed server, a source list writer."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.opml import Source, save_opml
from tests.ingest.feedserver import FeedServer

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def fresh_db(tmp_path) -> Path:
    return tmp_path / "news.db"


@pytest.fixture
def feed_server():
    with FeedServer() as server:
        yield server


@pytest.fixture
def fixture_bytes():
    return lambda name: (FIXTURES / name).read_bytes()


@pytest.fixture
def write_sources(tmp_path):
    """Write an OPML list of (name, url) or Source items and return its path."""

    def write(items, path: Path | None = None) -> Path:
        path = path or tmp_path / "sources.opml"
        sources = [
            s
            if isinstance(s, Source)
            else Source(name=s[0], outlet=s[0].split(":")[0], url=s[1], site_url="", lang="en", kind="outlet")
            for s in items
        ]
        save_opml(path, sources)
        return path

    return write


@pytest.fixture
def record_tagging(monkeypatch):
    """Call it to wrap the pipeline's tagger from that point on: it returns the list of titles tagged
    since, so a test can check that entries already stored are not tagged again."""
    from ingest import pipeline

    def start() -> list[str]:
        real = pipeline._tagger()
        titles: list[str] = []

        class Recording:
            TAGGER_VERSION = real.TAGGER_VERSION

            @staticmethod
            def tag(title, *args):
                titles.append(title)
                return real.tag(title, *args)

        monkeypatch.setattr(pipeline, "_tagger", lambda: Recording)
        return titles

    return start
