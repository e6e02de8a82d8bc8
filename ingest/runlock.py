"""One dashboard-started fetch at a time per store, across browser sessions and server processes.

A shared deployment let any visitor start a 70-second run, as often as they clicked. The lock is an
advisory `flock` on `<store>.fetch.lock` beside the store: every session and every Streamlit process
on the machine sees it, and the kernel drops it when its holder exits (even on `kill -9`), so it is
never stale. Beside it, `<store>.fetch.json` (replaced atomically) says since when the run holds
it and how far it got, so other sessions can show the run in progress, and when the last run ended,
which spaces runs at least `MPM_FETCH_INTERVAL` seconds apart.

`python -m ingest` (cron, systemd, --watch) does not take this lock: concurrent writers are safe
(one transaction per feed), and a scheduled run must not be skipped because a visitor clicked.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # Windows: one exclusive byte-range lock stands in for both kinds
    fcntl = None  # type: ignore[assignment]
    import msvcrt

LOCK_SUFFIX = ".fetch.lock"
STATE_SUFFIX = ".fetch.json"
ACQUIRE_WAIT_S = 0.5  # rides out another session's probe, which holds a shared lock for microseconds
PROGRESS_EVERY_S = 0.5  # progress is written at most this often (and always at the end)


class Busy(Exception):
    """A run is already in progress, or the last one ended too recently; the message says which."""


@dataclass(frozen=True)
class RunState:
    running: bool
    started_at: str | None = None  # ISO UTC of the current (or last) run's start
    finished_at: str | None = None  # ISO UTC of the last run's end
    done: int = 0
    total: int = 0
    label: str = ""
    summary: str | None = None  # the last run's one-line result
    by: str = ""

    def seconds_since_finish(self, now: float | None = None) -> float | None:
        if not self.finished_at:
            return None
        try:
            ended = datetime.strptime(self.finished_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return None
        return (now if now is not None else time.time()) - ended.timestamp()


def _paths(db: str | os.PathLike) -> tuple[Path, Path]:
    db = Path(db)
    return db.with_name(db.name + LOCK_SUFFIX), db.with_name(db.name + STATE_SUFFIX)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _try_lock(fd: int, exclusive: bool) -> bool:
    try:
        if fcntl is not None:
            fcntl.flock(fd, (fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH) | fcntl.LOCK_NB)
        else:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)
    else:
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _read_state(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(path: Path, data: dict) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".fetch-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def state(db: str | os.PathLike) -> RunState:
    """Whether a run holds the lock now, with its progress, and how the last one ended.

    Needs no write access: a store in a read-only folder simply never has a run in progress.
    """
    lock_path, state_path = _paths(db)
    data = _read_state(state_path)
    running = False
    try:
        fd = os.open(lock_path, os.O_RDONLY)
    except OSError:
        fd = None
    if fd is not None:
        try:
            if _try_lock(fd, exclusive=fcntl is None):
                _unlock(fd)
            else:
                running = True
        finally:
            os.close(fd)
    return RunState(
        running=running,
        started_at=data.get("started_at"),
        finished_at=data.get("finished_at"),
        done=int(data.get("done") or 0),
        total=int(data.get("total") or 0),
        label=str(data.get("label") or ""),
        summary=data.get("summary"),
        by=str(data.get("by") or ""),
    )


class Run:
    """The holder's handle: report progress, then the result, for the other sessions to read."""

    def __init__(self, state_path: Path, data: dict):
        self._path = state_path
        self._data = data
        self._written = 0.0

    def progress(self, done: int, total: int, label: str) -> None:
        first = not self._data.get("total")
        self._data.update(done=done, total=total, label=label[:200])
        if first or done >= total or time.monotonic() - self._written >= PROGRESS_EVERY_S:
            self._write()

    def finish(self, summary: str) -> None:
        self._data["summary"] = summary

    def _write(self) -> None:
        try:
            _write_state(self._path, self._data)
            self._written = time.monotonic()
        except OSError:
            pass  # progress is a courtesy to other sessions; the run goes on without it


@contextmanager
def hold(db: str | os.PathLike, by: str, min_interval: float = 0.0) -> Iterator[Run]:
    """Hold the store's fetch lock for the block, or raise Busy at once (never wait for a run).

    Busy when another session or process holds it, or when the last run ended less than
    `min_interval` seconds ago (checked under the lock, so two clicks cannot both pass).
    OSError when the lock file cannot be created beside the store (a read-only folder).
    """
    lock_path, state_path = _paths(db)
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + ACQUIRE_WAIT_S
        while not _try_lock(fd, exclusive=True):
            if time.monotonic() >= deadline:
                started = _read_state(state_path).get("started_at")
                since = f" since {started} UTC" if started else ""
                raise Busy(f"A fetch is already running{since}; wait for it to finish.")
            time.sleep(0.02)
        try:
            previous = _read_state(state_path)
            last = RunState(running=False, finished_at=previous.get("finished_at")).seconds_since_finish()
            if min_interval and last is not None and 0 <= last < min_interval:
                raise Busy(
                    f"The last fetch ended {last:.0f} s ago; the next one is possible in "
                    f"{min_interval - last:.0f} s (MPM_FETCH_INTERVAL = {min_interval:g} s)."
                )
            run = Run(
                state_path,
                {
                    "started_at": _now(),
                    "finished_at": previous.get("finished_at"),
                    "summary": previous.get("summary"),
                    "by": by,
                    "done": 0,
                    "total": 0,
                    "label": "",
                },
            )
            run._write()
            outcome = "interrupted"
            try:
                yield run
            except Exception as exc:
                outcome = f"failed: {exc}"
                raise
            else:  # a BaseException (Streamlit stopping the script, Ctrl-C) leaves "interrupted"
                outcome = run._data.get("summary") or "finished"
            finally:
                run._data.update(finished_at=_now(), summary=outcome)
                run._write()
        finally:
            _unlock(fd)
    finally:
        os.close(fd)
