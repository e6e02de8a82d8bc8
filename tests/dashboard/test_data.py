"""dashboard.data.q: the pages call a query by the function itself (`q(queries.partners, f, "CAN")`).

It runs only public functions of counts/queries.py and counts/analytics.py, caches each under
its dotted name (so two functions of one name in the two modules never share a result), still
tells calls apart by their arguments and the store's version, and takes a big store's fast path
(counts/memory.py) whose every entry has its SQL namesake's signature. Run outside Streamlit
("bare mode"): st.cache_data and session state work there as in a page.
"""

from __future__ import annotations

import inspect
import os
import sqlite3
import sys

import pytest

from counts import analytics, columns, memory, queries
from counts.queries import Filters
from dashboard import data


@pytest.fixture
def run_on(tiny_db):
    """The current run's context on the tiny store, with an empty cache."""
    data._cached.clear()
    data.set_context(data.Context(db=tiny_db, version=queries.store_version(tiny_db), status={}, filters=Filters()))
    yield tiny_db
    data._cached.clear()


def test_q_runs_the_function_given_with_its_arguments(run_on):
    f = Filters()
    assert data.q(queries.headline, f) == queries.headline(run_on, f)
    assert data.q(queries.partners, f, "CAN", 1).equals(queries.partners(run_on, f, "CAN", 1))
    assert len(data.q(queries.partners, f, "CAN", 1)) == 1  # arguments are part of the key
    assert len(data.q(queries.partners, f, "CAN")) > 1
    assert data.q(queries.group_counts, f, {"a": ("JPN",)}, exclude=("CAN",)).equals(
        queries.group_counts(run_on, f, {"a": ("JPN",)}, exclude=("CAN",))
    )
    assert data.q(analytics.tagger_versions) == analytics.tagger_versions(run_on)
    assert data.query_name(queries.partners) == "counts.queries.partners"
    assert data.query_name(analytics.window_counts) == "counts.analytics.window_counts"


def _forged(module: str, qualname: str, calls: list):
    def fn(db, f):
        calls.append(db)
        return {"forged": True}

    fn.__module__, fn.__qualname__ = module, qualname
    return fn


def test_q_refuses_anything_but_a_listed_query(run_on):
    calls: list = []
    refused = [
        lambda db, f: calls.append(db),  # a lambda
        _forged(__name__, "fn", calls),  # a function of another module
        _forged("counts.queries", "headline", calls),  # claims a query's name, is not that query
        _forged("counts.queries", "no_such_query", calls),  # claims a name the module lacks
        queries._frame,  # a private helper of the right module
        queries.Filters,  # a class, not a function
        os.path.exists,  # the standard library
        sqlite3.connect,  # a builtin
    ]
    for fn in refused:
        with pytest.raises(ValueError, match="not a dashboard query"):
            data.q(fn, Filters())
    assert calls == []  # refused before running


def test_the_cache_tells_apart_functions_of_one_name_in_two_modules(run_on, monkeypatch):
    """With string names, `q("headline")` meant queries.headline only; keys by module and name keep
    a same-named analytics function from being answered with queries' cached result."""
    calls: list = []
    same_name = _forged("counts.analytics", "headline", calls)
    monkeypatch.setattr(analytics, "headline", same_name, raising=False)
    f = Filters()
    real = data.q(queries.headline, f)
    assert real["articles"] > 0
    assert data.q(analytics.headline, f) == {"forged": True}  # not the cached headline
    assert data.q(analytics.headline, f) == {"forged": True}
    assert calls == [run_on]  # the second call came from the cache
    assert data.q(queries.headline, f) == real


def test_a_write_to_the_store_is_a_new_cache_key(run_on):
    f = Filters()
    before = data.q(queries.headline, f)["articles"]
    conn = sqlite3.connect(run_on)
    with conn:
        conn.execute("DELETE FROM articles WHERE id = (SELECT MAX(id) FROM articles)")
    conn.close()
    assert data.q(queries.headline, f)["articles"] == before  # the same run: the same version
    data.refresh()
    assert data.q(queries.headline, f)["articles"] == before - 1
    assert data.status(run_on)["articles"] == before - 1


def test_a_big_store_is_counted_in_memory(run_on, monkeypatch, tmp_path):
    monkeypatch.setenv("MPM_ENGINE", "on")
    monkeypatch.setenv("MPM_CACHE_DIR", str(tmp_path / "cache"))
    columns.forget()
    try:
        f = Filters(country="CAN")
        assert data.q(queries.headline, f) == queries.headline(run_on, f)
        assert data.q(analytics.series_total, f, "topic", "trade") == analytics.series_total(
            run_on, f, "topic", "trade"
        )
        assert columns.get(run_on, queries.store_version(run_on)) is not None  # the columns were read
    finally:
        columns.forget()


def test_every_in_memory_query_names_a_query_with_its_signature():
    assert memory.FUNCTIONS
    for name, fast in memory.FUNCTIONS.items():
        module, _, function = name.rpartition(".")
        sql = getattr(sys.modules[module], function)
        assert data.query_name(sql) == name  # a query q() may run, under the name q() looks up
        ported = list(inspect.signature(fast).parameters.values())
        assert ported[0].name == "c"  # the columns, in place of nothing: then the query's own
        assert ported[1:] == list(inspect.signature(sql).parameters.values()), name
