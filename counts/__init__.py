"""The counting layer: the store's articles and tags become the figures the pages draw.

Between the store (below) and the pages (above), with no Streamlit and no writes: `queries` and
`analytics` count inside SQLite over the filter's articles, `columns` and `memory` give the same
answers from the store's columns held in memory for big stores, `frames` fills periods and computes
shares and rolling means, `stats` judges whether a change is beyond chance, `search` turns what a
person types into a safe FTS5 query, and `labels` names the codes. Pages reach the counts through
`dashboard.data.q`, which caches them. See docs/architecture.md.
"""
