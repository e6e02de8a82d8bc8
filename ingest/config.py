"""Settings shared by ingest, analysis and the dashboard.

One place decides where the store lives so that `python -m ingest`, `python -m analysis`
and `streamlit run app.py` always agree: `--db PATH` beats `MPM_DB` beats `data/news.db`.
"""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = PROJECT_ROOT / "data" / "news.db"
DEFAULT_SOURCES = Path(__file__).resolve().parent / "sources.opml"
SAMPLE_DIR = PROJECT_ROOT / "sample_data"
# Honest and specific: who is asking and why, so that a site operator can recognise and rate-limit us.
USER_AGENT = "MiddlePowersMonitor/0.1 (open-source foreign-policy news dashboard; RSS reader)"


def db_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The store's path: the command-line value, else `MPM_DB`, else `data/news.db`."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("MPM_DB")
    if env:
        return Path(env)
    return DEFAULT_DB


def sources_path(cli_value: str | os.PathLike | None = None) -> Path:
    """The OPML source list: the command-line value, else `MPM_SOURCES`, else the bundled list."""
    if cli_value:
        return Path(cli_value)
    env = os.environ.get("MPM_SOURCES")
    if env:
        return Path(env)
    return DEFAULT_SOURCES
