"""Articles: every filtered article, searchable, newest first, a page at a time."""

from __future__ import annotations

import math
import zlib

import streamlit as st

from counts import queries
from counts.search import describe as search_describe
from counts.search import parse as search_parse
from counts.search import strip_control
from dashboard import widgets
from dashboard.data import q
from dashboard.filters import clean_widget, page_param, sync_page_param

PAGE_SIZE = 50
SEARCH_MAX = 200  # characters, in the box and from a link alike
SEARCH_HELP = (
    "Every word must appear (accents and case are ignored). "
    '`"prime minister"` finds the phrase; `japan OR korea` either word; `-china` leaves out '
    "articles with the word; `defen*` any word starting so (defence, defense). "
    "Anything else is searched as plain words."
)

ctx = widgets.page_start(
    "Articles", "Full-text search over titles and summaries, newest first, with each article's tags and why."
)
f = ctx.filters

page_param("q", "", parse=lambda v: v[:SEARCH_MAX])
page_param("page", 1, lambda v: v >= 1, int)
c1, c2 = st.columns([4, 1])
search = strip_control(
    c1.text_input(
        "Search",
        key="q",
        max_chars=SEARCH_MAX,
        placeholder='e.g. japan OR korea "critical minerals" -china defen*',
        help=SEARCH_HELP,
        on_change=clean_widget,
        args=("q",),
    )
)
sync_page_param("q", "")
understood = search_describe(search_parse(search))
if understood:  # plain text: the visitor's words are never read as markup
    st.text(f"Searching for {understood}")
if st.session_state.get("_last_q") != (search, f):  # a new search or filter starts at page 1
    st.session_state["_last_q"] = (search, f)
    if st.session_state.get("_seen_q"):
        st.session_state["page"] = 1
st.session_state["_seen_q"] = True

_, total = q(queries.articles, f, search, 1, 0)
pages = max(1, math.ceil(total / PAGE_SIZE))
st.session_state["page"] = min(int(st.session_state["page"]), pages)
page = c2.number_input(f"Page (of {pages:,})", min_value=1, max_value=pages, step=1, key="page")
sync_page_param("page", 1)

rows, total = q(queries.articles, f, search, PAGE_SIZE, (int(page) - 1) * PAGE_SIZE)
if not total:
    widgets.nothing("No article matches this search and these filters.")
    st.stop()
first = (int(page) - 1) * PAGE_SIZE + 1
st.caption(f"{first:,}–{first + len(rows) - 1:,} of {total:,} articles")
# A row selected in the table is the article explained below. The table's key changes with what it
# lists, so a selection never carries over to another page or search (it would point at another article).
listing = f"articles_pick_{zlib.crc32(repr((search, f, int(page))).encode()):08x}"
picked = widgets.article_table(
    rows,
    f"Articles page {int(page)}",
    "articles",
    height=widgets.article_table_height(len(rows)),
    select_key=listing,
)
if picked is not None and st.session_state.get("_why_pick") != (listing, picked):
    st.session_state["why_article"] = picked  # set before the box below is drawn in this run
st.session_state["_why_pick"] = (listing, picked)

with st.expander(
    "Why these tags? Select an article's row (the box at its left), or pick it here", expanded=picked is not None
):
    choice = st.selectbox(
        "Article", range(len(rows)), format_func=lambda i: str(rows["title"].iloc[i])[:120], key="why_article"
    )
    if choice is not None:
        widgets.explanation(q(queries.article_explanation, int(rows["id"].iloc[int(choice)])))
