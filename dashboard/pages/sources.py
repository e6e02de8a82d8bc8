"""Sources: the health of every feed, fetching the latest news, and the source list as OPML."""
from __future__ import annotations

import streamlit as st

from dashboard import backfilling, widgets
from dashboard.data import q, refresh
from ingest import config

ctx = widgets.page_start("Sources",
                         "Every feed the store knows, how its last fetch went, and how many of the filtered articles it gave.",
                         guard_empty=False)
f = ctx.filters

c1, c2 = st.columns([1, 1])
with c1:
    if st.button("Fetch latest", type="primary", icon=":material/cloud_download:",
                 help="Fetch every due feed in the source list now (same as `python -m ingest`)."):
        from ingest.runner import fetch_all

        with st.status("Fetching feeds…", expanded=True) as box:
            bar = st.progress(0.0, text="Starting…")

            def progress(done: int, total: int, name: str) -> None:
                bar.progress(min(1.0, done / total) if total else 1.0, text=f"{done}/{total}: {name}")

            try:
                summary = fetch_all(ctx.db, config.sources_path(), on_progress=progress)
            except Exception as exc:  # noqa: BLE001 - shown to the user, the page carries on
                box.update(label=f"Fetch failed: {exc}", state="error")
            else:
                box.update(label=f"Fetched: {summary.ok} ok, {summary.not_modified} not modified, "
                                 f"{summary.failed} failed, {summary.new_articles} new articles",
                           state="error" if summary.failed and not summary.ok else "complete")
                ctx = refresh()
                st.button("Refresh the dashboard", icon=":material/refresh:",
                          help="Redraw every page with the new articles.")
with c2:
    try:
        from ingest.opml import read_opml, write_opml
        opml = write_opml(read_opml(config.sources_path()))
    except Exception as exc:  # noqa: BLE001 - a broken source list must not take the page down
        st.warning(f"The source list cannot be read: {exc}")
    else:
        st.download_button("Download the source list (OPML)", data=opml.encode("utf-8"),
                           file_name="middle-powers-monitor-sources.opml", mime="text/x-opml",
                           icon=":material/download:", on_click="ignore")

backfilling.panel(ctx)  # history from the Internet Archive: dashboard/backfilling.py

feeds = q("feed_health", f)
if feeds.empty:
    widgets.nothing("No feed has been fetched yet. Press **Fetch latest**.")
else:
    failing = int((feeds["consecutive_failures"] > 0).sum())
    disabled = int((feeds["enabled"] == 0).sum())
    m = st.columns(4)
    m[0].metric("Feeds", len(feeds))
    m[1].metric("Failing", failing)
    m[2].metric("Disabled", disabled)
    m[3].metric("Articles (filtered)", f"{int(feeds['articles'].sum()):,}")
    shown = feeds.assign(enabled=feeds["enabled"].astype(bool), url=feeds["url"].map(widgets.safe_url))[
        ["name", "outlet", "last_fetch_at", "last_status", "last_error", "consecutive_failures", "articles",
         "last_ok_at", "enabled", "lang", "kind", "url"]]
    widgets.table(shown, "Feed health", "sources_feeds", column_config={
        "name": st.column_config.TextColumn("Feed"),
        "outlet": st.column_config.TextColumn("Outlet"),
        "enabled": st.column_config.CheckboxColumn("On"),
        "last_fetch_at": st.column_config.TextColumn("Last fetch (UTC)"),
        "last_ok_at": st.column_config.TextColumn("Last success (UTC)"),
        "last_status": st.column_config.NumberColumn("Status", format="%d"),
        "last_error": st.column_config.TextColumn("Error"),
        "consecutive_failures": st.column_config.NumberColumn("Failures in a row"),
        "articles": st.column_config.NumberColumn("Articles"),
        "lang": st.column_config.TextColumn("Lang"),
        "kind": st.column_config.TextColumn("Kind"),
        "url": st.column_config.LinkColumn("Feed URL"),
    })

backfilling.coverage_section(ctx)
