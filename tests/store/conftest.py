"""Fixtures for the store's tests: a fresh store file in the test's own folder."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def fresh_db(tmp_path) -> Path:
    return tmp_path / "news.db"
