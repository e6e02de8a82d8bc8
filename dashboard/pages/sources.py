"""Sources: the health of every feed, fetching the latest news, and the source list as OPML."""

from __future__ import annotations

import pandas as pd
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
    # What a reader checks first fits a 1280-pixel screen: which feed, what it gave, when it was last
    # asked, how that went (status, failures, the error); the rest follows. Times read as times.
    shown = feeds.assign(
        enabled=feeds["enabled"].astype(bool),
        url=feeds["url"].map(widgets.safe_url),
        last_fetch_at=pd.to_datetime(feeds["last_fetch_at"], utc=True, errors="coerce"),
        last_ok_at=pd.to_datetime(feeds["last_ok_at"], utc=True, errors="coerce"),
    )[
        [
            "name",
            "articles",
            "last_fetch_at",
            "last_status",
            "consecutive_failures",
            "last_error",
            "last_ok_at",
            "enabled",
            "outlet",
            "lang",
            "kind",
            "url",
        ]
    ]
    when = "YYYY-MM-DD HH:mm"
    widgets.table(
        shown,
        "Feed health",
        "sources_feeds",
        column_config={
            "name": st.column_config.TextColumn("Feed", width=230),
            "articles": st.column_config.NumberColumn("Articles", width=70),
            "last_fetch_at": st.column_config.DatetimeColumn("Last fetch (UTC)", format=when, width=130),
            "last_status": st.column_config.NumberColumn("Status", format="%d", width=60),
            "consecutive_failures": st.column_config.NumberColumn(
                "Failures", width=70, help="Failed fetches in a row since the last success."
            ),
            "last_error": st.column_config.TextColumn("Error", width=220),
            "last_ok_at": st.column_config.DatetimeColumn("Last success (UTC)", format=when),
            "enabled": st.column_config.CheckboxColumn("On"),
            "outlet": st.column_config.TextColumn("Outlet"),
            "lang": st.column_config.TextColumn("Lang"),
            "kind": st.column_config.TextColumn("Kind"),
            "url": st.column_config.LinkColumn("Feed URL"),
        },
    )

backfilling.coverage_section(ctx)
