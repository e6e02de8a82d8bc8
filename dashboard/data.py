"""The pages' door to the store: cached query results and the current run's context.

Every query result is cached with st.cache_data under the query's dotted name, its arguments (the frozen
Filters included) and the store's version (mtime and size of the file and its WAL), so a filter
change that was seen before costs nothing, and any write by ingest invalidates every entry at once
without a timer. app.py builds the context (store path, version, status, filters) once per run and
the pages read it from session state, which is per browser session and so safe across sessions.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

import streamlit as st

from counts import analytics, columns, memory, queries
from counts.queries import Filters

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


# The modules whose functions q() runs. A result is cached under its function's dotted name (module and
# qualified name), so q() takes only a public function defined at the top of one of these modules: a
# lambda, a nested function or another module's function could share a name with a different
# meaning (and these two hold only read-only counting; nothing else is run through the cache).
QUERY_MODULES = (queries.__name__, analytics.__name__)

P = ParamSpec("P")
R = TypeVar("R")


def query_name(fn: Callable[..., object]) -> str:
    """The name a query's results are cached under: `counts.queries.partners`. Refuses (ValueError)
    any function q() may not run, so that one name can only ever mean one function."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", "")
    if (
        not inspect.isfunction(fn)
        or module not in QUERY_MODULES
        or qualname.startswith("_")
        or getattr(sys.modules.get(module), qualname, None) is not fn
    ):
        raise ValueError(f"not a dashboard query: {fn!r}")
    return memory.name_of(fn)


@st.cache_data(show_spinner=False, max_entries=1024)
def _cached(name: str, _fn: Callable[..., Any], db: str, version: tuple, args: tuple, kwargs: tuple) -> Any:
    # Keyed by `name` (query_name(_fn)), never by the function object: st.cache_data leaves
    # underscore parameters out of the key. A big store's figures are counted from its columns in
    # memory (counts/columns.py), the same answers as SQL in a fraction of the time; the rest,
    # and every small store, ask SQLite.
    fast = memory.FUNCTIONS.get(name)
    if fast is not None:
        held = columns.get(db, version)
        if held is not None:
            return fast(held, db, *args, **dict(kwargs))
    return _fn(db, *args, **dict(kwargs))


def q(fn: Callable[Concatenate[str, P], R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """`fn(db, *args, **kwargs)` through the cache, for a function of counts/queries.py or
    counts/analytics.py: `q(queries.partners, f, "CAN", 15)`. The store is the current run's; the
    types are the function's own, so a wrong argument is a mypy finding at the call."""
    ctx = context()
    result: R = _cached(query_name(fn), fn, ctx.db, ctx.version, args, tuple(sorted(kwargs.items())))
    return result


def status(db: str) -> dict:
    """The store's counts (queries.store_status) through the cache, before the run's context exists."""
    fn = queries.store_status
    result: dict = _cached(query_name(fn), fn, db, queries.store_version(db), (), ())
    return result


def refresh() -> Context:
    """Re-read the store's version and status after this run wrote to it (Fetch latest)."""
    from dataclasses import replace

    ctx = context()
    ctx = replace(ctx, version=queries.store_version(ctx.db), status=status(ctx.db))
    set_context(ctx)
    return ctx
