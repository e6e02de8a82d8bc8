"""The pages' door to the store: cached query results and the current run's context.

Every query result is cached with st.cache_data under the query's name, its arguments (the frozen
Filters included) and the store's version (mtime and size of the file and its WAL), so a filter
change that was seen before costs nothing, and any write by ingest invalidates every entry at once
without a timer. app.py builds the context (store path, version, status, filters) once per run and
the pages read it from session state, which is per browser session and so safe across sessions.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from dashboard import analytics, columns, counts, queries
from dashboard.queries import Filters

_CTX_KEY = "_mpm_context"


@dataclass(frozen=True)
class Context:
    db: str
    version: tuple
    status: dict
    filters: Filters

    @property
    def empty(self) -> bool:
        return not self.status.get("articles")

    @property
    def focus(self) -> str:
        """The country whose partners the pages show when none is picked: Canada, the reader's own."""
        return self.filters.country or "CAN"


def set_context(ctx: Context) -> None:
    st.session_state[_CTX_KEY] = ctx


def context() -> Context:
    ctx = st.session_state.get(_CTX_KEY)
    if ctx is None:  # a page run on its own (never through app.py): start the app instead
        st.error("Open the dashboard through `streamlit run app.py`.")
        st.stop()
    return ctx


# The modules whose functions q() runs: `q("headline", ...)` is queries.headline,
# `q("analytics.window_counts", ...)` analytics.window_counts. A fixed table, so a name can never
# reach anything else.
_MODULES = {"queries": queries, "analytics": analytics}


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(name: str, db: str, version: tuple, args: tuple, kwargs: tuple):
    # A big store's figures are counted from its columns in memory (dashboard/columns.py), the
    # same answers as SQL in a fraction of the time; the rest, and every small store, ask SQLite.
    fast = counts.FUNCTIONS.get(name)
    if fast is not None:
        held = columns.get(db, version)
        if held is not None:
            return fast(held, db, *args, **dict(kwargs))
    module, _, function = name.rpartition(".")
    return getattr(_MODULES[module or "queries"], function)(db, *args, **dict(kwargs))


def q(name: str, *args, **kwargs):
    """Run `dashboard.queries.<name>(db, *args, **kwargs)` (or `analytics.<name>`) through the cache."""
    ctx = context()
    return _cached(name, ctx.db, ctx.version, args, tuple(sorted(kwargs.items())))


def status(db: str) -> dict:
    return _cached("store_status", db, queries.store_version(db), (), ())


def refresh() -> Context:
    """Re-read the store's version and status after this run wrote to it (Fetch latest)."""
    from dataclasses import replace

    ctx = context()
    ctx = replace(ctx, version=queries.store_version(ctx.db), status=status(ctx.db))
    set_context(ctx)
    return ctx
