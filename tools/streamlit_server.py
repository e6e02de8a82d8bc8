"""Start `streamlit run app.py` for a test, a bench or a tool, and stop it: one way for all of them.

The browser tests (tests/dashboard/browser.py), the benches (bench/dashboard_bench.py, bench/soak.py)
and tools/screenshot.py each need the real app on a free local port, headless, on 127.0.0.1 only,
with no file watcher (a watcher would rerun pages when the tree changes under a measurement), no
usage statistics, and a wait until its health check answers. They used to carry three copies of
that; a flag added to one (the file watcher) was missing in another. It lives here, outside the
product's packages (nothing of the app imports it) and outside tests/ and bench/, so that each of
them imports it the same way, `from tools.streamlit_server import ...`, with the repository root on
the path as pytest (pythonpath) and the bench scripts already have it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class DidNotStart(RuntimeError):
    """The server exited, or did not answer its health check in time; the message ends with its log."""


def free_port() -> int:
    """A port nothing listens on now (the OS picks it; another process could take it before we do,
    which on a test machine's loopback does not happen in practice)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def command(port: int, script: str = "app.py", options: Sequence[str] = ()) -> list[str]:
    """The `streamlit run` command line: headless on 127.0.0.1, no watcher, no usage statistics."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        script,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        *options,
    ]


class Server:
    """A running `streamlit run`: its process, its URL and its log file."""

    def __init__(self, proc: subprocess.Popen, url: str, log: Path):
        self.proc, self.url, self.log = proc, url, log

    def healthy(self) -> bool:
        try:
            return urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=1).read() == b"ok"
        except OSError:
            return False

    def log_tail(self, chars: int = 2000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, timeout: float = 10) -> None:
        """Terminate, then kill if it has not exited within `timeout` seconds."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start(
    cwd: Path | str = ROOT,
    env: Mapping[str, str | None] | None = None,
    log: Path | str | None = None,
    *,
    script: str = "app.py",
    options: Sequence[str] = (),
    append: bool = False,
    timeout: float = 60,
) -> Server:
    """Start the app in `cwd` and return once it answers its health check.

    `env` is laid over this process's environment; a value of None removes the variable (a bench
    that set MPM_ENGINE for itself must not pass it on). The server's output goes to `log` (a new
    file, or appended to with `append`; the null device if None). Raises DidNotStart with the
    log's end if the process exits or does not answer within `timeout` seconds.
    """
    environ = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    log_path = Path(log) if log is not None else Path(os.devnull)
    port = free_port()
    with open(log_path, "ab" if append else "wb") as out:
        proc = subprocess.Popen(
            command(port, script, options), cwd=cwd, env=environ, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(proc, f"http://127.0.0.1:{port}", log_path)
    deadline = time.monotonic() + timeout
    while not server.healthy():
        if proc.poll() is not None or time.monotonic() > deadline:
            server.stop()
            why = "exited" if proc.returncode is not None else f"did not answer in {timeout:g} s"
            raise DidNotStart(f"streamlit {why}: {server.log_tail()}")
        time.sleep(0.25)
    return server


@contextlib.contextmanager
def running(
    cwd: Path | str = ROOT,
    env: Mapping[str, str | None] | None = None,
    log: Path | str | None = None,
    **kwargs,
) -> Iterator[str]:
    """`start` for the length of a with block; yields the URL and stops the server after it."""
    server = start(cwd, env, log, **kwargs)
    try:
        yield server.url
    finally:
        server.stop()
