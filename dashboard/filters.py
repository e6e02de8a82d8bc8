"""The sidebar filters, kept in the URL's query parameters so that a copied link reopens the view.

The URL is read once when a browser session starts (a pasted link) and written after every run,
with only the values that differ from the defaults, so the default view has a clean address.
Widget state lives in st.session_state under the `f_*` keys: the sidebar is drawn by app.py on
every page, so the filters survive page switches (which clear the URL) and are written back.
Invalid URL values (an unknown code, a bad date) are dropped, never trusted into a query, and every
value a visitor supplies (URL parameters, typed text) loses its control characters first.

Page-level controls (a pair, a step, a search) use `page_param`, which follows the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import streamlit as st

from analysis.countries import all_country_codes
from analysis.groups import load_groups
from counts import labels
from counts.queries import UNITS, Filters
from counts.search import strip_control

# filter field -> (URL key, widget key)
MULTI = {"topics": "topic", "organizations": "org", "sources": "source", "langs": "lang"}
SINGLE = {"country": "country", "partner": "partner", "group": "group"}
URL_KEYS = ("from", "to", *SINGLE.values(), *MULTI.values(), "unit")
_LOADED = "_f_loaded_from_url"
_BOUNDS = "_f_date_bounds"


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


def _options(status: dict) -> dict[str, list[str]]:
    return {
        "country": all_country_codes(),
        "partner": all_country_codes(),
        "group": list(load_groups()),
        "topics": list(labels.TOPICS),
        "organizations": list(labels.ORGANIZATIONS),
        "sources": list(status.get("sources") or []),
        "langs": list(status.get("langs") or labels.LANGS),
    }


def _bounds(status: dict) -> tuple[date, date] | None:
    first, last = _day(status.get("first")), _day(status.get("last"))
    return (first, last) if first and last else None


def _url_value(key: str) -> str:
    """One URL parameter as clean text ('' when absent)."""
    return strip_control(st.query_params.get(key) or "").strip()


def _url_list(key: str) -> list[str]:
    values = []
    for v in st.query_params.get_all(key):
        values += [x.strip() for x in strip_control(v).split(",") if x.strip()]
    return values


def _load_from_url(status: dict) -> None:
    """Seed the widgets from the URL: the one time a shared link decides the view."""
    ss, opts = st.session_state, _options(status)
    for field, key in SINGLE.items():
        value = _url_value(key)
        value = value.upper() if field != "group" else value
        ss[f"f_{field}"] = value if value in opts[field] else None
    for field, key in MULTI.items():
        ss[f"f_{field}"] = [v for v in dict.fromkeys(_url_list(key)) if v in opts[field]]
    unit = _url_value("unit")
    ss["f_unit"] = unit if unit in UNITS else "articles"
    bounds = _bounds(status)
    start, end = _day(_url_value("from")), _day(_url_value("to"))
    if bounds:
        start = min(max(start or bounds[0], bounds[0]), bounds[1])
        end = max(min(end or bounds[1], bounds[1]), start)
        ss["f_dates"] = (start, end)
        ss[_BOUNDS] = bounds


def _keep_dates_valid(status: dict) -> None:
    """Follow the store: a default range grows with new articles; a chosen one stays in bounds."""
    ss, bounds = st.session_state, _bounds(status)
    if not bounds:
        ss.pop("f_dates", None)
        ss.pop(_BOUNDS, None)
        return
    old = ss.get(_BOUNDS)
    current = tuple(ss.get("f_dates") or ())
    if len(current) == 1 and old == bounds:
        return  # the user has picked a start and is about to pick the end: leave the widget alone
    if not current or (old and current == old):
        current = bounds
    start = min(max(current[0], bounds[0]), bounds[1])
    end = max(min(current[-1], bounds[1]), start)
    ss["f_dates"], ss[_BOUNDS] = (start, end), bounds


_IGNORED = "_f_ignored_params"
_IGNORED_FOR = "_f_ignored_for"
_IGNORED_SLOT = "_f_ignored_slot"
_REASONS = {
    "country": "not a country code we know",
    "partner": "not a country code we know",
    "group": "not a group we know",
    "topic": "not a topic we know",
    "org": "not an organization we know",
    "source": "not a source in this store",
    "lang": "not a language in this store",
    "unit": "not articles or stories",
    "from": "not a date (use YYYY-MM-DD)",
    "to": "not a date (use YYYY-MM-DD)",
}


def _ignored_in_url(status: dict) -> dict[str, str]:
    """The link's filter parameters that `_load_from_url` had to drop, with why: `?country=XXX&
    from=2026-13-45` used to show the default view without a word (issue 10)."""
    ss, out = st.session_state, {}
    for field, key in SINGLE.items():
        if _url_value(key) and ss.get(f"f_{field}") is None:
            out[key] = _REASONS[key]
    for field, key in MULTI.items():
        kept = set(ss.get(f"f_{field}") or ())
        if any(v not in kept for v in _url_list(key)):
            out[key] = _REASONS[key] if not kept else _REASONS[key].replace("not ", "some values not ", 1)
    if _url_value("unit") and _url_value("unit") not in UNITS:
        out["unit"] = _REASONS["unit"]
    for key in ("from", "to"):
        if _url_value(key) and _day(_url_value(key)) is None:
            out[key] = _REASONS[key]
    return out


def ignored_notice() -> None:
    """Say which parameters of the opened link were ignored, at the top of the page, until the view
    changes. Only our own parameter names and reasons are shown, never the link's values."""
    ss = st.session_state
    ignored, slot = ss.get(_IGNORED) or {}, ss.get(_IGNORED_SLOT)
    if not ignored or slot is None:
        return
    listed = "; ".join(f"`{key}` ({why})" for key, why in ignored.items())
    slot.warning(
        f"Part of this link was ignored: {listed}. The page shows the other settings.", icon=":material/link_off:"
    )


# Streamlit's date range field applies a typed date only when it loses focus or on Escape; people
# press Enter. This listener (installed once per browser tab) turns Enter inside the field into the
# field's own Escape, which applies a complete range (issue 10). tests/dashboard/test_browser_analyst.py
# checks it in Chromium, so a Streamlit upgrade that changes the field is noticed.
ENTER_APPLIES_DATES = """<script>
(() => {
  const doc = document;
  if (doc.__mpmEnterAppliesDates) return;
  doc.__mpmEnterAppliesDates = true;
  doc.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.isComposing || !event.target.closest) return;
    if (!event.target.closest('[data-testid="stDateInputField"]')) return;
    event.preventDefault();
    event.stopPropagation();
    // Escape is the field's own key for "apply what was typed and stop editing".
    event.target.dispatchEvent(new KeyboardEvent("keydown", {key: "Escape", code: "Escape", bubbles: true}));
  }, true);
})();
</script>"""


def reset() -> None:
    """Back to the defaults (an on_click callback: it runs before the widgets are drawn)."""
    ss = st.session_state
    for field in SINGLE:
        ss[f"f_{field}"] = None
    for field in MULTI:
        ss[f"f_{field}"] = []
    ss["f_unit"] = "articles"
    if ss.get(_BOUNDS):
        ss["f_dates"] = ss[_BOUNDS]
    for key in URL_KEYS:
        st.query_params.pop(key, None)


def current(status: dict) -> Filters:
    """The Filters of the widgets' present state (the default range counts as no date filter)."""
    ss = st.session_state
    dates = tuple(ss.get("f_dates") or ())
    bounds = ss.get(_BOUNDS)
    start = end = None
    if dates and bounds:
        start = dates[0] if dates[0] != bounds[0] else None
        end = dates[-1] if len(dates) > 1 and dates[-1] != bounds[1] else None
    return Filters(
        start=start,
        end=end,
        country=ss.get("f_country"),
        partner=ss.get("f_partner"),
        group=ss.get("f_group"),
        topics=tuple(ss.get("f_topics") or ()),
        organizations=tuple(ss.get("f_organizations") or ()),
        sources=tuple(ss.get("f_sources") or ()),
        langs=tuple(ss.get("f_langs") or ()),
        unit=ss.get("f_unit") or "articles",
    )


def to_params(f: Filters) -> dict[str, str | list[str]]:
    """The non-default parts of `f` as query parameters."""
    out: dict[str, str | list[str]] = {}
    if f.start:
        out["from"] = f.start.isoformat()
    if f.end:
        out["to"] = f.end.isoformat()
    for field, key in SINGLE.items():
        if getattr(f, field):
            out[key] = getattr(f, field)
    for field, key in MULTI.items():
        if getattr(f, field):
            out[key] = list(getattr(f, field))
    if f.unit != "articles":
        out["unit"] = f.unit
    return out


def write_url(f: Filters) -> None:
    params = to_params(f)
    for key in URL_KEYS:
        value = params.get(key)
        if value is None:
            if key in st.query_params:
                del st.query_params[key]
        elif (st.query_params.get_all(key) if isinstance(value, list) else st.query_params.get(key)) != value:
            st.query_params[key] = value


def sidebar(status: dict) -> Filters:
    """Draw the filters in the sidebar and return what they select."""
    ss = st.session_state
    if not ss.get(_LOADED):
        _load_from_url(status)
        ss[_LOADED] = True
        ss[_IGNORED] = _ignored_in_url(status)
    _keep_dates_valid(status)
    opts = _options(status)
    # Values that a newer store no longer offers (a removed source) must not crash the widgets.
    for field in MULTI:
        ss[f"f_{field}"] = [v for v in ss.get(f"f_{field}") or [] if v in opts[field]]
    with st.sidebar:
        st.header("Filters")
        bounds = _bounds(status)
        if bounds:
            st.date_input(
                "Published between",
                key="f_dates",
                min_value=bounds[0],
                max_value=bounds[1],
                format="YYYY-MM-DD",
                help="The whole period of the store by default.",
            )
        st.selectbox(
            "Country",
            opts["country"],
            key="f_country",
            index=None,
            placeholder="Any country",
            format_func=labels.country_option,
            help="Articles that mention this country.",
        )
        st.selectbox(
            "Partner",
            opts["partner"],
            key="f_partner",
            index=None,
            placeholder="Any partner",
            format_func=labels.country_option,
            help="With a country: articles that report the two dealing with each other (the pair).",
        )
        st.selectbox(
            "Group",
            opts["group"],
            key="f_group",
            index=None,
            placeholder="Any group",
            format_func=labels.group,
            help="Articles mentioning a member; with a country, articles pairing it with a member.",
        )
        st.multiselect("Topic", opts["topics"], key="f_topics", format_func=labels.topic, placeholder="Any topic")
        st.multiselect(
            "Organization",
            opts["organizations"],
            key="f_organizations",
            format_func=labels.organization,
            placeholder="Any organization",
        )
        st.multiselect("Source", opts["sources"], key="f_sources", placeholder="Any source")
        st.multiselect(
            "Language",
            opts["langs"],
            key="f_langs",
            format_func=labels.language,
            placeholder="Any language",
        )
        st.radio(
            "Count",
            list(UNITS),
            key="f_unit",
            format_func=labels.UNITS.get,
            horizontal=False,
            help="A story is one event reported by several outlets; count it once or per copy. "
            "Across periods of uneven coverage (archive gaps, greyed on the charts), compare shares "
            "of all articles in a period (Share % on Country pairs; the Overview's groups) rather "
            "than raw counts.",
        )
        st.button("Reset filters", on_click=reset, icon=":material/restart_alt:", width="stretch")
        # Our own constant script, no visitor text in it: Enter in the date field applies the range.
        st.html(ENTER_APPLIES_DATES, unsafe_allow_javascript=True)
    f = current(status)
    write_url(f)
    if ss.get(_IGNORED_FOR) is None:
        ss[_IGNORED_FOR] = f
    elif ss[_IGNORED_FOR] != f:  # the visitor has changed the view since: the link no longer matters
        ss[_IGNORED] = {}
    ss[_IGNORED_SLOT] = st.empty()  # at the top of the page; page_param writes into it too
    ignored_notice()
    return f


def page_param(
    key: str, default: Any, allowed: Callable[[Any], bool] | list | None = None, parse: Callable[[str], Any] = str
) -> None:
    """Seed a page widget's session state from the URL (or its default) before it is drawn.

    Call before the widget with key=`key`; afterwards call `sync_page_param(key, default)`.
    """
    ss = st.session_state
    if key in ss:
        return
    raw = st.query_params.get(key)
    value = default
    if raw is not None:
        raw = strip_control(raw)
        try:
            candidate = parse(raw)
        except (TypeError, ValueError):
            candidate = None
        ok = candidate is not None and (
            allowed is None
            or (candidate in allowed if isinstance(allowed, (list, tuple, dict)) else allowed(candidate))
        )
        value = candidate if ok else default
        if not ok and raw.strip():
            ss.setdefault(_IGNORED, {})[key] = "not one of this page's choices"
            ignored_notice()
    ss[key] = value


def clean_widget(key: str) -> None:
    """`on_change` callback of a free-text widget: drop the control characters a visitor typed or
    pasted before the page reads the value (a callback runs before the widgets are drawn, the one
    moment their state may be set)."""
    value = st.session_state.get(key)
    if isinstance(value, str):
        st.session_state[key] = strip_control(value)


def sync_page_param(key: str, default: Any) -> None:
    """Mirror a page widget into the URL; the default leaves the URL clean."""
    value = st.session_state.get(key)
    if value is None or value == default or value == "":
        if key in st.query_params:
            del st.query_params[key]
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)
