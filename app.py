"""Middle Powers Monitor: `streamlit run app.py`.

The entry point does what every page needs before it draws: find the store (MPM_DB, else
data/news.db), load the sample on a first run, draw the sidebar filters (kept in the URL), say
when sample data is shown, then hand over to the page picked in the navigation. All of it runs
inside one wrapper (dashboard.errors) that turns a database error into a short message: no page
ever shows a traceback.
"""

from __future__ import annotations

import streamlit as st

from counts.queries import store_version
from dashboard import data, errors, filters, first_run
from ingest import config
from store import open_store

st.set_page_config(page_title="Middle Powers Monitor", page_icon=":material/public:", layout="wide")
# st.dataframe's own CSV button would export feed titles without neutralizing formulas: every table
# gets a safe download button instead (dashboard.widgets.table).
st.set_option("client.disableDataExport", True)
st.set_option("client.toolbarMode", "viewer")  # readers, not developers: no Deploy button
# No traceback, exception type or message in the browser, only in the server log; also set in
# .streamlit/config.toml, and here for a server started from another folder. ("none": the legacy
# `false` still shows tracebacks.)
st.set_option("client.showErrorDetails", "none")

db = str(config.db_path())

PAGES = [
    st.Page("dashboard/pages/overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page("dashboard/pages/pairs.py", title="Country pairs", icon=":material/compare_arrows:"),
    st.Page("dashboard/pages/compare.py", title="Compare", icon=":material/stacked_line_chart:"),
    st.Page("dashboard/pages/changes.py", title="What changed", icon=":material/trending_up:"),
    st.Page("dashboard/pages/topics.py", title="Topics", icon=":material/category:"),
    st.Page("dashboard/pages/middle_powers.py", title="Middle powers", icon=":material/hub:"),
    st.Page("dashboard/pages/articles.py", title="Articles", icon=":material/article:"),
    st.Page("dashboard/pages/sources.py", title="Sources", icon=":material/rss_feed:"),
]
# Before anything reads the store, so that every page's address and the menu work even when it cannot be read.
page = st.navigation(PAGES)

# One wrapper for every page: a database error (a corrupt or foreign file, a lock held too long) ends
# the page with a short message naming the file and what to run; the details go to the server log.
with errors.store_errors(db, page.title):
    open_store(db).close()  # creates the file and brings its schema up to date (ingest owns the schema)
    status = data.status(db)
    first_run.load_sample_if_empty(db, status)  # reruns the script once the sample is in

    chosen = filters.sidebar(status)
    data.set_context(data.Context(db=db, version=store_version(db), status=status, filters=chosen))
    with st.sidebar:
        st.caption(f"Store: `{db}` · {status['articles']:,} articles")

    first_run.sample_notice(db, status, next(p for p in PAGES if p.title == "Sources"))

    page.run()
