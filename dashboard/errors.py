"""What a reader sees when the store cannot be read: one short message, never a traceback.

A corrupt or foreign file at MPM_DB made every page show SQLite's raw exception with a traceback
and the server's file paths (issue 11). app.py runs every page inside `store_errors`: a database
error becomes a message that names the file, says what is wrong with it in plain words and what to
run, and the details (exception, traceback) go to the server's log through Python logging.
Everything else a page might raise is left to Streamlit, which `client.showErrorDetails = "none"`
in .streamlit/config.toml reduces to a generic notice in the browser (and a full log entry).
"""

from __future__ import annotations

import logging
import shlex
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from store import StoreError

log = logging.getLogger("mpm.dashboard")
if not log.handlers and not logging.getLogger().handlers:
    # `streamlit run` configures only its own loggers: give ours a line with time, level and name
    # (a test run or a deployment that configures logging keeps its own handlers).
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(_handler)

DATABASE_ERRORS = (sqlite3.Error, StoreError)

# (words in SQLite's or the store's message, what is wrong, what to do); the first match wins.
_DIAGNOSES: tuple[tuple[tuple[str, ...], str, str], ...] = (
    (
        ("not a database", "file is encrypted"),
        "is not a SQLite database (another kind of file, or one overwritten)",
        "Point `MPM_DB` at the store, or move this file aside (`mv {db} {aside}`) and run "
        "`python -m ingest` to start a new store.",
    ),
    (
        ("malformed", "corrupt"),
        "is damaged: SQLite reports a malformed database image",
        "Move it aside (`mv {db} {aside}`) and run `python -m ingest` to start a new store, or restore "
        "a backup; `sqlite3 {aside} 'PRAGMA integrity_check'` shows the damage.",
    ),
    (
        ("newer than this code",),
        "was written by a newer version of Middle Powers Monitor",
        "Update this copy (`git pull`, then `pip install -r requirements.txt`) and reload the page.",
    ),
    (
        ("locked", "busy"),
        "is locked by another program for longer than the 5 s the dashboard waits",
        "Let the running `python -m ingest` (or other writer) finish, then reload the page.",
    ),
    (
        ("unable to open", "readonly", "read-only", "permission", "cannot create folder", "cannot switch"),
        "cannot be opened for reading and writing",
        "Check that its folder exists and that this user may read and write the file and its folder, "
        "or set `MPM_DB` to another path.",
    ),
    (
        ("disk i/o", "disk is full", "database or disk is full"),
        "cannot be read or written on its disk (an I/O error or a full disk)",
        "Free space on the disk or check the device, then reload the page.",
    ),
    (
        ("no such table", "no such column"),
        "does not have the tables this version expects",
        "Run `python -m ingest` once to bring its schema up to date, or point `MPM_DB` at a store made by "
        "Middle Powers Monitor.",
    ),
)
_UNKNOWN = ("cannot be read", "Run `python -m ingest` to check it, and see the server log for the details.")

_logged: set[tuple[str, str]] = set()
_logged_lock = threading.Lock()


def describe(db: str, exc: BaseException) -> str:
    """The message for a reader: which file, what is wrong with it, what to run (Markdown)."""
    text = str(exc).lower()
    what, todo = next(((w, t) for words, w, t in _DIAGNOSES if any(word in text for word in words)), _UNKNOWN)
    todo = todo.format(db=shlex.quote(db), aside=shlex.quote(db + ".broken"))
    return f"**The store `{db}` {what}.** {todo} The details are in the server log."


def report(db: str, exc: BaseException, where: str) -> None:
    """Log the error: with its traceback the first time this process sees it for this store, then
    as one line, so that a public dashboard on a broken file does not fill the log."""
    key = (db, f"{type(exc).__name__}: {exc}")
    with _logged_lock:
        first = key not in _logged
        _logged.add(key)
    if first:
        log.error("store %s cannot be read (%s): %s", db, where, key[1], exc_info=exc)
    else:
        log.warning("store %s cannot be read (%s): %s", db, where, key[1])


@contextmanager
def store_errors(db: str, where: str = "") -> Iterator[None]:
    """Run a page; a database error ends it with `describe`'s message instead of a traceback."""
    try:
        yield
    except DATABASE_ERRORS as exc:
        report(db, exc, where or "dashboard")
        st.error(describe(db, exc), icon=":material/database:")
