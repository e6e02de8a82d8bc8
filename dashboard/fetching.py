"""The Sources page's **Fetch latest**: one run at a time, visible to every session, or no button at all.

In a shared deployment any visitor could start a 70-second run, as often as they clicked. Now:
- `MPM_READ_ONLY=1` (ingest.config.read_only) hides the button: a public dashboard is filled by a
  scheduled `python -m ingest`, and says so;
- a click takes the store's fetch lock (ingest.runlock): while a run holds it, every other session,
  in this process or another, sees it in progress (updated every few seconds) instead of the button,
  and a click that races another gets a message, not a second run;
- runs are at least `MPM_FETCH_INTERVAL` seconds apart (default 60), counted from the last one's end.
"""

from __future__ import annotations

import streamlit as st

from ingest import config, runlock

POLL_S = 2.0  # how often a session watching another session's run redraws its progress


def fetch_latest(ctx) -> None:
    """Draw the fetch control for this deployment and this moment, and run a fetch when asked."""
    if config.read_only():
        last = ctx.status.get("last_ingest_at")
        st.caption(
            ":material/lock: This dashboard is read-only: its feeds are fetched on a schedule"
            + (f" (last run {last} UTC)." if last else ".")
        )
        return
    current = runlock.state(ctx.db)
    if current.running:
        _watch(ctx.db)
        return
    wait = _cooldown(current)
    clicked = st.button(
        "Fetch latest",
        type="primary",
        icon=":material/cloud_download:",
        disabled=wait > 0,
        help="Fetch every due feed in the source list now (same as `python -m ingest`).",
    )
    if wait > 0:
        st.caption(
            f"The last fetch ended {config.fetch_interval() - wait:.0f} s ago; the next one is possible "
            f"in {wait:.0f} s."
        )
    if clicked:
        _run(ctx)


def _cooldown(current: runlock.RunState) -> float:
    since = current.seconds_since_finish()
    interval = config.fetch_interval()
    return max(0.0, interval - since) if since is not None and since >= 0 else 0.0


@st.fragment(run_every=POLL_S)
def _watch(db: str) -> None:
    """Another session's run, as it goes; the whole page redraws once it ends."""
    current = runlock.state(db)
    if not current.running:
        st.rerun()  # the new articles, and the button back
    total = f"{current.done}/{current.total} feeds" if current.total else "starting"
    st.status(
        f"A fetch started by another session is in progress (since {current.started_at or '?'} UTC, "
        f"{total}). This page updates when it ends.",
        state="running",
        expanded=False,
    )
    st.button(
        "Fetch latest",
        type="primary",
        icon=":material/cloud_download:",
        disabled=True,
        key="fetch_busy",
        help="One fetch at a time: wait for the one in progress.",
    )


def _run(ctx) -> None:
    from dashboard.data import refresh
    from ingest.runner import fetch_all

    with st.status("Fetching feeds…", expanded=True) as box:
        bar = st.progress(0.0, text="Starting…")
        try:
            with runlock.hold(ctx.db, by="dashboard", min_interval=config.fetch_interval()) as run:

                def progress(done: int, total: int, name: str) -> None:
                    run.progress(done, total, name)
                    bar.progress(min(1.0, done / total) if total else 1.0, text=f"{done}/{total}: {name}")

                summary = fetch_all(ctx.db, config.sources_path(), on_progress=progress)
                run.finish(summary.line())
        except runlock.Busy as exc:
            box.update(label=str(exc), state="error")
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, the page carries on
            box.update(label=f"Fetch failed: {exc}", state="error")
            return
        box.update(
            label=f"Fetched: {summary.ok} ok, {summary.not_modified} not modified, "
            f"{summary.failed} failed, {summary.new_articles} new articles",
            state="error" if summary.failed and not summary.ok else "complete",
        )
    refresh()
    st.button("Refresh the dashboard", icon=":material/refresh:", help="Redraw every page with the new articles.")
