"""Sources: the health of every feed, fetching the latest news, and the source list as OPML."""

from __future__ import annotations

import streamlit as st

from counts import queries
from dashboard import backfilling, fetching, widgets
from dashboard.data import q
from ingest import config

ctx = widgets.page_start(
    "Sources",
    "Every feed the store knows, how its last fetch went, and how many of the filtered articles it gave.",
    guard_empty=False,
)
f = ctx.filters

c1, c2 = st.columns([1, 1])
with c1:
    fetching.fetch_latest(ctx)  # the button, another session's run in progress, or read-only: dashboard/fetching.py
with c2:
    try:
        from ingest.opml import read_opml, without_credentials, write_opml

        opml = write_opml(without_credentials(read_opml(config.sources_path())))  # never user:password@
    except Exception as exc:  # noqa: BLE001 - a broken source list must not take the page down
        st.warning(f"The source list cannot be read: {exc}")
    else:
        st.download_button(
            "Download the source list (OPML)",
            data=opml.encode("utf-8"),
            file_name="middle-powers-monitor-sources.opml",
            mime="text/x-opml",
            icon=":material/download:",
            on_click="ignore",
        )

backfilling.panel(ctx)  # history from the Internet Archive: dashboard/backfilling.py

feeds = q(queries.feed_health, f)
if feeds.empty:
    widgets.nothing("No feed has been fetched yet." + ("" if config.read_only() else " Press **Fetch latest**."))
else:
    failing = int((feeds["consecutive_failures"] > 0).sum())
    disabled = int((feeds["enabled"] == 0).sum())
    m = st.columns(4)
    m[0].metric("Feeds", len(feeds))
    m[1].metric("Failing", failing)
    m[2].metric("Disabled", disabled)
    m[3].metric("Articles (filtered)", f"{int(feeds['articles'].sum()):,}")
    shown = feeds.assign(enabled=feeds["enabled"].astype(bool), url=feeds["url"].map(widgets.safe_url))[
        [
            "name",
            "outlet",
            "last_fetch_at",
            "last_status",
            "last_error",
            "consecutive_failures",
            "articles",
            "last_ok_at",
            "enabled",
            "lang",
            "kind",
            "url",
        ]
    ]
    widgets.table(
        shown,
        "Feed health",
        "sources_feeds",
        column_config={
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
        },
    )

backfilling.coverage_section(ctx)
