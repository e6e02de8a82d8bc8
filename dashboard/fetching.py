"""The Sources page's **Fetch latest**: one run at a time, visible to every session, or no button at all.

In a shared deployment any visitor could start a 70-second run, as often as they clicked. Now:
- `MPM_READ_ONLY=1` (ingest.config.read_only) hides the button: a public dashboard is filled by a
  scheduled `python -m ingest`, and says so;
- a click takes the store's fetch lock (ingest.runlock): while a run holds it, every other session,
  in this process or another, sees it in progress (updated every few seconds) instead of the button,
  and a click that races another gets a message, not a second run;
- runs are at least `MPM_FETCH_INTERVAL` seconds apart (default 60), counted from the last one's end.

What a run did is said plainly (issue 10: offline, a collapsed box said "34 failed", and a run that
skipped every feed showed a green check): the words are ingest.runner.RunSummary's, the same as
`python -m ingest` prints; a run that fetched nothing is never drawn as a success; feeds skipped are
counted by reason with when they are due; **Fetch anyway** is `python -m ingest --force`.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from counts import queries
from ingest import config, runlock

POLL_S = 2.0  # how often a session watching another session's run redraws its progress
_RESULT = "_mpm_fetch_result"  # session state: this session's last run (summary, when it ended)
_FORCE_ASKED = "_mpm_fetch_force_asked"  # session state: Fetch anyway clicked where no run could start
FORCE_HELP = (
    "Ask every enabled feed now, ignoring the wait after failures and servers' Retry-After (same as "
    "`python -m ingest --force`). Disabled feeds, the size and time limits, the address rules and one "
    "run at a time still hold."
)
# RunSummary.outcome, as the last attempt is described beside the last new articles.
OUTCOME_WORDS = {
    "offline": "offline",
    "unreachable": "no feed could be reached",
    "nothing_due": "every feed skipped",
    "failed": "every feed failed",
    "partial": "some feeds failed",
}


def ago(stamp: str | None) -> str:
    """'3 h ago' reads faster than a timestamp in a headline figure."""
    if not stamp:
        return "never"
    then = queries.stored_time(stamp)
    if then is None:  # a hand-edited or damaged meta row: say so rather than fail the page
        return "unknown"
    minutes = max(0, int((datetime.now(UTC) - then).total_seconds() // 60))
    if minutes < 60:
        return f"{minutes} min ago"
    if minutes < 48 * 60:
        return f"{minutes // 60} h ago"
    return f"{minutes // 1440} days ago"


def freshness(times: dict) -> str:
    """'Last new articles 3 h ago · last attempt 1 min ago, offline' (queries.ingest_times).

    The time of the last attempt alone said "Last ingest 1 min ago" of a run that reached nothing.
    """
    new = times.get("last_new_at")
    text = f"Last new articles {ago(new)}" if new else "No new articles fetched yet"
    attempt = times.get("last_attempt_at")
    if attempt:
        text += f" · last attempt {ago(attempt)}"
        word = OUTCOME_WORDS.get(times.get("last_outcome") or "")
        if word:
            text += f", {word}"
    return text


def fetch_latest(ctx) -> None:
    """Draw the fetch control for this deployment and this moment, and run a fetch when asked."""
    if config.read_only():
        st.caption(
            ":material/lock: This dashboard is read-only: its feeds are fetched on a schedule. "
            + freshness(queries.ingest_times(ctx.db))
            + "."
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
        help="Fetch every due feed in the source list now (same as `python -m ingest`); feeds waiting "
        "after failures are skipped until due.",
    )
    waiting, until = queries.feeds_waiting(ctx.db)
    asked = bool(st.session_state.pop(_FORCE_ASKED, False))  # taken on this run whatever happens: never left over
    forced = (_force_button(wait) if waiting else False) or asked
    if wait > 0:
        st.caption(
            f"The last fetch ended {config.fetch_interval() - wait:.0f} s ago; the next one is possible "
            f"in {wait:.0f} s."
        )
    if waiting and not (clicked or forced):
        st.caption(
            f"{waiting} feed{'s are' if waiting != 1 else ' is'} waiting after failures (backoff or the "
            f"server's Retry-After), the first due again {_when(until)}: Fetch latest skips "
            f"{'them' if waiting != 1 else 'it'}, Fetch anyway asks now."
        )
    if clicked or forced:
        _run(ctx, force=forced)
    result = st.session_state.get(_RESULT)
    if result is not None:
        _show(*result)
        if not waiting and (result[0].forceable() or result[0].outcome in ("offline", "unreachable")):
            # The run just put feeds in backoff: offer it now, not on the next redraw. A click on this one
            # (drawn when no feed was waiting at the start of the run: they came due meanwhile) is
            # carried to the top of the next run, where the run is made, so it is never lost.
            if _force_button(wait):
                st.session_state[_FORCE_ASKED] = True
                st.rerun()
    st.caption(freshness(queries.ingest_times(ctx.db)))


def _force_button(wait: float) -> bool:
    """Fetch anyway: one key wherever it is drawn, so a click counts on the next run of the page."""
    return st.button(
        "Fetch anyway",
        key="fetch_force",
        icon=":material/sync_problem:",
        disabled=wait > 0,
        help=FORCE_HELP,
    )


def _when(stamp: str | None) -> str:
    from ingest.runner import when

    return when(stamp) if stamp else "later"


def _show(summary, ended: str) -> None:
    """This session's last run, in words a person reads without opening anything."""
    outcome = summary.outcome
    text = f"{summary.headline()} ({'forced run, ' if summary.forced else ''}ended {ended})"
    if outcome in ("offline", "unreachable"):
        st.error(
            text + " Check the connection; the feeds now wait before being asked again, so press "
            "**Fetch anyway** once it is back.",
            icon=":material/wifi_off:",
        )
    elif outcome == "failed":
        st.error(text, icon=":material/error:")
    elif outcome in ("nothing_due", "partial"):
        st.warning(text, icon=":material/warning:")
    else:
        st.success(text, icon=":material/check_circle:")
    lines = summary.skip_lines()
    if lines:
        forceable = summary.forceable()
        st.warning(
            "\n".join(f"- {line}" for line in lines)
            + (f"\n\n**Fetch anyway** asks the {forceable} waiting now." if forceable else ""),
            icon=":material/schedule:",
        )
    if summary.errors:
        with st.expander(f"Which feeds failed ({len(summary.errors)}), and why"):
            # Feed names and error messages come from the source list and from servers: a table, never markdown.
            st.dataframe(pd.DataFrame(summary.errors, columns=["feed", "error"]), hide_index=True)


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


def _run(ctx, force: bool = False) -> None:
    from dashboard.data import refresh
    from ingest.runner import fetch_all

    with st.status("Fetching every feed, waiting or not…" if force else "Fetching feeds…", expanded=True) as box:
        bar = st.progress(0.0, text="Starting…")
        try:
            with runlock.hold(ctx.db, by="dashboard", min_interval=config.fetch_interval()) as run:

                def progress(done: int, total: int, name: str) -> None:
                    run.progress(done, total, name)
                    bar.progress(min(1.0, done / total) if total else 1.0, text=f"{done}/{total}: {name}")

                summary = fetch_all(ctx.db, config.sources_path(), force=force, on_progress=progress)
                run.finish(summary.line())
        except runlock.Busy as exc:
            box.update(label=str(exc), state="error")
            return
        except Exception as exc:  # noqa: BLE001 - shown to the user, the page carries on
            box.update(label=f"Fetch failed: {exc}", state="error")
            return
        fetched = summary.outcome in ("ok", "partial")
        box.update(  # never a green check for a run that fetched nothing: the words below say why
            label=f"Fetched: {summary.ok} ok, {summary.not_modified} not modified, {summary.failed} failed, "
            f"{summary.skipped} skipped, {summary.new_articles} new articles"
            if fetched
            else f"Fetched nothing: {OUTCOME_WORDS[summary.outcome]}",
            state="complete" if fetched else "error",
            expanded=False,
        )
    st.session_state[_RESULT] = (summary, datetime.now(UTC).strftime("%H:%M UTC"))
    refresh()
    st.button("Refresh the dashboard", icon=":material/refresh:", help="Redraw every page with the new articles.")
