"""The newcomer's first run and the sample-data notice shown on every page.

A fresh clone has no store: the app loads the bundled sample feeds through the normal ingest path
(ingest.sample.load_sample, tagging included) with visible progress, so the dashboard works at once
and offline. While sample articles are in the store every page says so, points to the Sources page
to fetch live feeds and, once live articles exist, offers to remove the sample.
Set MPM_SAMPLE=0 to start from an empty store instead.
"""

from __future__ import annotations

import os
import threading

import streamlit as st

from ingest import config

_LOAD_LOCK = threading.Lock()  # two browser tabs opening a fresh clone load the sample once


def sample_wanted() -> bool:
    return os.environ.get("MPM_SAMPLE", "1").strip().lower() not in ("0", "false", "no", "off")


def load_sample_if_empty(db: str, status: dict) -> None:
    """Load the sample when the store holds no article, then rerun the script on the full store."""
    if status.get("articles") or not sample_wanted() or st.session_state.get("_sample_load_failed"):
        return
    try:
        from ingest.sample import load_sample
    except ImportError as exc:  # a checkout without the sample module: say so, keep the app usable
        st.warning(f"The store is empty and the sample data cannot be loaded ({exc}).")
        st.session_state["_sample_load_failed"] = True
        return
    with _LOAD_LOCK:
        from counts.queries import store_status

        if store_status(db).get("articles"):  # another session loaded it while we waited
            st.rerun()
        with st.status("First run: loading the bundled sample data…", expanded=True) as box:
            st.write(
                "The store is empty, so the app reads the illustrative sample feeds in `sample_data/` "
                "through the normal ingest path (parsing, tagging, story clustering)."
            )
            bar = st.progress(0.0, text="Starting…")

            def progress(done: int, total: int, name: str) -> None:
                bar.progress(min(1.0, done / total) if total else 1.0, text=f"{done}/{total}: {name}")

            try:
                summary = load_sample(db, on_progress=progress)
            except Exception as exc:  # noqa: BLE001 - shown to the user, the app carries on empty
                box.update(label=f"Loading the sample failed: {exc}", state="error")
                st.session_state["_sample_load_failed"] = True
                return
            if not store_status(db).get("articles"):  # e.g. no sample folder: do not rerun in a loop
                box.update(label="The sample added no article; fetch live feeds on the Sources page.", state="error")
                st.session_state["_sample_load_failed"] = True
                return
            box.update(label=f"Sample loaded: {summary.new_articles} articles", state="complete", expanded=False)
    st.toast(f"First run: loaded {summary.new_articles} sample articles.", icon=":material/science:")
    st.rerun()  # draw the pages on the loaded store, without the progress box


def sample_notice(db: str, status: dict, sources_page) -> None:
    """On every page while the store holds sample articles: say so, and offer the way out."""
    if not status.get("sample"):
        return
    with st.container(border=True):
        # Two columns, the way out stacked on the right: three side by side cut "Fetch live feeds" to
        # "Fetch live feec" at 1280 px with the sidebar open (tests/dashboard/test_browser.py).
        text, actions = st.columns([3, 1.3], vertical_alignment="center")
        text.markdown(
            f":orange[:material/science:] **Illustrative sample data:** {status['sample']:,} of the "
            f"{status['articles']:,} articles are hand-written examples bundled with the app "
            "(links on example.com), not real news."
        )
        actions.page_link(sources_page, label="Fetch live feeds", icon=":material/cloud_download:")
        if config.read_only():  # MPM_READ_ONLY=1: no visitor deletes anything (dashboard/fetching.py)
            actions.caption("Read-only dashboard: `python -m ingest --remove-sample` removes the sample.")
        elif status.get("live"):
            if actions.button("Remove sample data", icon=":material/delete:", key="remove_sample"):
                from ingest.sample import remove_sample

                removed = remove_sample(db)
                st.toast(f"Removed {removed} sample articles.")
                st.rerun()
        else:
            actions.caption("Remove the sample here once live articles have arrived.")
