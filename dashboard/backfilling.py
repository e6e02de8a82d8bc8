"""The Sources page's history: coverage per source and period, and a backfill from the Internet Archive.

A backfill takes hours at the archive's polite pace, far longer than a page run, so the page starts
`python -m ingest backfill` as its own process (it survives the browser tab and the Streamlit
session) and shows its progress from the store's backfill_runs row, refreshed every few seconds.
One at a time: the backfill holds `<store>.backfill.lock` (ingest.backfill.backfill_lock), which
every session and the command line see; Stop sends it SIGTERM, which ends it as Ctrl-C does, and
the next start resumes where it stopped. Read-only deployments (MPM_READ_ONLY=1) show no button.
"""

from __future__ import annotations

import os
import signal
import subprocess
from datetime import UTC, date, datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from counts import queries
from dashboard import widgets
from dashboard.data import q
from ingest import backfill as bf
from ingest import backfill_cli, config

POLL_S = 2.0
_PROC = "_mpm_backfill_proc"


def _read_only() -> bool:
    check = getattr(config, "read_only", None)  # MPM_READ_ONLY (ingest.config), where this version has it
    return bool(check()) if callable(check) else False


def log_path(db: str) -> str:
    return str(db) + ".backfill.log"


def start(db: str, since: date, until: date) -> subprocess.Popen:
    """Start `python -m ingest backfill` on the store for the period; its output goes to <store>.backfill.log."""
    cmd = backfill_cli.command(db, config.sources_path(), since, until)
    with open(log_path(db), "ab") as log:
        return subprocess.Popen(
            cmd,
            cwd=config.PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _running(db: str) -> int | None:
    """The running backfill's process id. This session's child counts while it is still starting
    (before it takes the lock and writes its run row), not once its run has begun and let go."""
    pid = bf.running_backfill(db)
    if pid:
        return pid
    proc = st.session_state.get(_PROC)
    if proc is not None and proc.poll() is None:
        run = queries.backfill_status(db)
        if not run or run.get("pid") != proc.pid:
            return proc.pid
    return None


def plain(text: object) -> str:
    """Text for st.caption/st.progress, which read Markdown: every Markdown sign escaped, so a feed
    name or an error message from the source list or the network shows as typed, never as a link."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~$:" else ch for ch in str(text))


def describe(run: dict | None) -> str:
    """One line on a backfill run, from its backfill_runs row (Markdown-safe)."""
    if not run:
        return ""
    feed = f" · {plain(run['current_feed'])}" if run.get("current_feed") else ""
    reached = f" · reached {run['reached']}" if run.get("reached") else ""
    return (
        f"{run['since']} to {run['until']}: feed {min(run['feeds_done'] + 1, run['feeds_total'] or 1)}/"
        f"{run['feeds_total']}{feed}{reached} · {run['captures_done']:,}/{run['captures_total']:,} captures "
        f"({run['captures_failed']:,} failed) · {run['items_new']:,} new articles"
    )


def panel(ctx) -> None:
    """The backfill controls: a period and Start, or the run in progress with Stop."""
    st.subheader("History from the Internet Archive")
    st.caption(
        "The Wayback Machine has captured the feeds many times a month for years. A backfill replays "
        "those captures through the normal ingest, so the dashboard has real history from day one. "
        f"At the archive's polite pace (one request every {bf.DEFAULT_DELAY_S:g} s) a year of the whole "
        "source list takes about a day; it runs in the background and resumes where it stopped. "
        "Same as `python -m ingest backfill --since DATE --until DATE`."
    )
    if _running(ctx.db):
        _progress(ctx.db)
        return
    last = queries.backfill_status(ctx.db)
    if last:
        verb = {
            "done": "Last backfill finished",
            "stopped": "Last backfill was stopped by the archive",
            "interrupted": "Last backfill was interrupted",
            "failed": "Last backfill failed",
            "running": "Last backfill was interrupted",
        }.get(last["status"], "Last backfill")
        st.caption(
            f"{verb} ({last['updated_at']} UTC). {describe(last)}."
            + (f" {plain(last['message'])}" if last["status"] in ("stopped", "failed") and last.get("message") else "")
            + (" Start it again to resume." if last["status"] != "done" else "")
        )
    if _read_only():
        st.caption(":material/lock: This dashboard is read-only: backfills are run from the command line.")
        return
    today = datetime.now(UTC).date()
    c1, c2, c3 = st.columns([1, 1, 1])
    since = c1.date_input(
        "From", value=bf.DEFAULT_SINCE, min_value=date(1996, 1, 1), max_value=today, key="bf_since", format="YYYY-MM-DD"
    )
    until = c2.date_input(
        "To", value=today, min_value=date(1996, 1, 1), max_value=today, key="bf_until", format="YYYY-MM-DD"
    )
    c3.write("")
    if c3.button(
        "Start backfill",
        icon=":material/history:",
        key="bf_start",
        help="Fill the store with the feeds' past for this period, from the Internet Archive.",
    ):
        if since > until:
            st.error("The period is empty: the first day comes after the last.")
            return
        try:
            st.session_state[_PROC] = start(ctx.db, since, until)
        except OSError as exc:
            st.error(f"The backfill could not be started: {exc}")
            return
        st.rerun()


@st.fragment(run_every=POLL_S)
def _progress(db: str) -> None:
    """The run in progress, updated every few seconds; the page redraws when it ends."""
    pid = _running(db)
    if not pid:
        st.session_state.pop(_PROC, None)
        st.rerun()
    run = queries.backfill_status(db)
    if not run or run["status"] != "running":
        st.status("Backfill starting…", state="running", expanded=False)
    else:
        fraction = run["feeds_done"] / run["feeds_total"] if run["feeds_total"] else 0.0
        st.progress(min(1.0, fraction), text=f"Backfill running: {describe(run)}")
    if not _read_only() and st.button(
        "Stop the backfill",
        icon=":material/stop_circle:",
        key="bf_stop",
        help="Stop after the capture in hand; starting again resumes.",
    ):
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError as exc:
            st.warning(f"Could not stop process {pid}: {exc}")


def coverage_section(ctx) -> None:
    """Per source and month, the days on which any of its feeds was seen (live or archived)."""
    st.subheader("Coverage")
    f = ctx.filters
    today = datetime.now(UTC).date()
    first = f.start.isoformat() if f.start else (ctx.status.get("first") or today.isoformat())[:10]
    last = f.end.isoformat() if f.end else today.isoformat()
    cov = q(queries.source_coverage, f, first, last)
    if cov.empty:
        widgets.nothing(
            "No live fetch or archived capture is recorded yet, so coverage is unknown: it shows "
            "here once feeds are fetched or backfilled."
        )
        return
    months = sorted(cov["period"].unique())
    sources = sorted(cov["source"].unique(), reverse=True)
    grid = cov.pivot(index="source", columns="period", values="coverage").reindex(index=sources, columns=months)
    seen = cov.pivot(index="source", columns="period", values="seen").reindex(index=sources, columns=months)
    days = cov.pivot(index="source", columns="period", values="days").reindex(index=sources, columns=months)
    labels = [pd.Timestamp(m).strftime("%Y-%m") for m in months]
    text = (seen.astype(int).astype(str) + "/" + days.astype(int).astype(str)).to_numpy()
    fig = go.Figure(
        go.Heatmap(
            z=(grid * 100).to_numpy(),
            x=labels,
            y=list(grid.index),
            text=text,
            texttemplate="%{text}",
            zmin=0,
            zmax=100,
            xgap=1,
            ygap=1,
            colorbar=dict(title="% of days"),
            colorscale=[
                [0.0, "#f2f2f2"],
                [queries.THIN - 0.0001, "#bdbdbd"],
                [queries.THIN, "#c6dbef"],
                [1.0, "#08519c"],
            ],
            hovertemplate="%{y}, %{x}: seen on %{text} days (%{z:.0f}%)<extra></extra>",
        )
    )
    fig.update_layout(xaxis=dict(type="category"))
    table = cov.assign(period=cov["period"].dt.strftime("%Y-%m"), coverage_pct=(cov["coverage"] * 100).round(1))[
        ["source", "period", "seen", "days", "coverage_pct", "thin"]
    ]
    widgets.chart(fig, table, "Coverage by source", "sources_coverage", height=max(260, 28 * len(sources) + 120))
    st.caption(
        "Days on which any feed of the source was seen: a live fetch, or an archived capture of the feed "
        f"that answered. Grey cells are thin (seen on fewer than {queries.THIN:.0%} of the days): a low "
        "count of articles there may be a gap in the record rather than a drop in attention, and the trend "
        "charts grey such periods too. Shares of all articles in a period are the safer measure across "
        "uneven coverage."
    )
    progress = q(queries.archive_progress)
    if not progress.empty:
        with st.expander("Backfill progress per feed"):
            widgets.table(
                progress,
                "Backfill progress per feed",
                "sources_archive",
                column_config={
                    "name": st.column_config.TextColumn("Feed"),
                    "outlet": st.column_config.TextColumn("Outlet"),
                    "listed": st.column_config.NumberColumn("Captures listed"),
                    "stored": st.column_config.NumberColumn("Stored"),
                    "failed": st.column_config.NumberColumn("Failed"),
                    "to_do": st.column_config.NumberColumn("To do"),
                    "items_new": st.column_config.NumberColumn("New articles"),
                    "first_capture": st.column_config.TextColumn("First capture (UTC)"),
                    "last_capture": st.column_config.TextColumn("Last capture (UTC)"),
                    "last_error": st.column_config.TextColumn("Last error"),
                },
            )
