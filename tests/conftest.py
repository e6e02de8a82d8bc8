"""Fixtures shared by the counting and dashboard tests: the stores of tests/stores.py in tmp folders."""

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
