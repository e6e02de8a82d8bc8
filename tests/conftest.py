"""Fixtures shared by the counting and dashboard tests: the stores of tests/stores.py in tmp folders, and
what the dashboard offers for download."""

from __future__ import annotations

import pytest

from bench.generate_store import generate_store
from tests.stores import build_tiny


@pytest.fixture
def tiny_db(tmp_path) -> str:
    return str(build_tiny(tmp_path / "tiny.db"))


@pytest.fixture(scope="session")
def generated_db(tmp_path_factory) -> str:
    """3,000 realistic articles: enough for every chart to have data, small enough to be quick."""
    path = tmp_path_factory.mktemp("gen") / "store.db"
    generate_store(path, articles=3000, seed=7)
    return str(path)


@pytest.fixture
def downloads(monkeypatch):
    """Every payload a download button offers in the test, as (file name, bytes)."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    seen: list[tuple[str, bytes]] = []
    real = MemoryMediaFileStorage.load_and_get_id

    def record(self, path_or_data, mimetype, kind, filename=None):
        data = path_or_data.encode("utf-8") if isinstance(path_or_data, str) else bytes(path_or_data)
        seen.append((filename or "", data))
        return real(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", record)
    return seen
